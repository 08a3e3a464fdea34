//! SBOMs as scan input: CycloneDX (JSON and XML) and SPDX 2.x (JSON and
//! tag-value), read for their components' package URLs. Matching is by purl: the purl's type
//! and namespace decide the ecosystem, its qualifiers the distribution
//! release (`distro=debian-12`, `distro=alpine-3.17.2`), the architecture
//! and the source package (`upstream=`, `origin=`, `sourcerpm` names).
//!
//! Components without a purl, or with a purl type Kensa has no advisories
//! for (`oci`, `generic`, `github`), are counted as skipped with the reason.
//!
//! Deliberately not handled yet: CycloneDX components nested more than one
//! level deep, and CPE-only components.

use kensa_model::{Diagnostic, Distro, Ecosystem, Inventory, Package, Resource, ResourceKind};

/// Package URLs are read by the one purl type every crate shares.
use kensa_model::Purl as PackageUrl;

/// The ecosystem and package name a purl stands for.
fn ecosystem_and_name(purl: &PackageUrl) -> Option<(Ecosystem, String)> {
    let namespace = purl.namespace.as_deref();
    let joined = |separator: &str| match namespace {
        Some(namespace) => format!("{namespace}{separator}{}", purl.name),
        None => purl.name.clone(),
    };
    let ecosystem = match purl.kind.as_str() {
        "cargo" => Ecosystem::CratesIo,
        "npm" => return Some((Ecosystem::Npm, joined("/"))),
        "pypi" => Ecosystem::PyPI,
        "golang" => return Some((Ecosystem::Go, joined("/"))),
        "gem" => Ecosystem::RubyGems,
        "composer" => return Some((Ecosystem::Packagist, joined("/"))),
        "nuget" => Ecosystem::NuGet,
        "maven" => return Some((Ecosystem::Maven, joined(":"))),
        "pub" => Ecosystem::Pub,
        "hex" => Ecosystem::Hex,
        "deb" => match namespace? {
            "ubuntu" => Ecosystem::Ubuntu,
            _ => Ecosystem::Debian,
        },
        "apk" => match namespace? {
            "wolfi" => Ecosystem::Wolfi,
            "chainguard" => Ecosystem::Chainguard,
            _ => Ecosystem::Alpine,
        },
        "rpm" => match namespace.unwrap_or_default() {
            "redhat" | "rhel" => Ecosystem::RedHat,
            "almalinux" => Ecosystem::AlmaLinux,
            "rocky" | "rockylinux" => Ecosystem::RockyLinux,
            "suse" | "sles" => Ecosystem::Suse,
            "opensuse" => Ecosystem::OpenSuse,
            "mageia" => Ecosystem::Mageia,
            "amzn" | "amazon" | "amazonlinux" => Ecosystem::AmazonLinux,
            _ => Ecosystem::Rpm,
        },
        _ => return None,
    };
    Some((ecosystem, purl.name.clone()))
}

/// The distribution a purl's `distro=` qualifier names (`debian-12`,
/// `alpine-3.17.2`, or a bare `3.22.0` under the `alpine` namespace).
fn distro_of(purl: &PackageUrl) -> Option<Distro> {
    let value = purl.qualifier("distro")?;
    let (id, version) = match value.split_once('-') {
        Some((id, version)) if id.chars().all(|character| character.is_ascii_alphabetic()) => {
            (id.to_owned(), version.to_owned())
        }
        _ => (purl.namespace.clone()?, value.to_owned()),
    };
    let id = match id.as_str() {
        "rhel" => "rhel".to_owned(),
        other => other.to_ascii_lowercase(),
    };
    Some(Distro { id, version, detected_from: "SBOM purl distro qualifier".to_owned(), ..Distro::default() })
}

/// The source package name in a purl's qualifiers.
fn source_of(purl: &PackageUrl) -> Option<(String, Option<String>)> {
    let upstream = purl.qualifier("upstream").or_else(|| purl.qualifier("origin"))?;
    // rpm: `bash-5.3.0-2.fc43.src.rpm`: the name is before the version.
    if let Some(rpm) = upstream.strip_suffix(".src.rpm") {
        let mut parts = rpm.rsplitn(3, '-');
        let (_release, _version, name) = (parts.next(), parts.next(), parts.next());
        return name.map(|name| (name.to_owned(), None));
    }
    // deb: `glibc` or `glibc@2.36-9`.
    match upstream.split_once('@') {
        Some((name, version)) => Some((name.to_owned(), Some(version.to_owned()))),
        None => Some((upstream.to_owned(), None)),
    }
}

fn package_from_purl(purl_text: &str, location: &str) -> Result<(Package, Option<Distro>), String> {
    let purl = PackageUrl::parse(purl_text).ok_or_else(|| format!("{purl_text:?} is not a package URL"))?;
    let (ecosystem, name) =
        ecosystem_and_name(&purl).ok_or_else(|| format!("purl type {} has no advisory source", purl.kind))?;
    let version = purl.version.clone().ok_or_else(|| format!("{purl_text} has no version"))?;
    let distro = distro_of(&purl);
    let package = if ecosystem.is_operating_system() {
        let mut package = Package::operating_system(
            ecosystem,
            &name,
            &version,
            location,
            purl.qualifier("arch"),
            distro.as_ref().map(|distro| format!("{}-{}", distro.id, distro.version)).as_deref(),
        );
        if let Some((source, source_version)) = source_of(&purl) {
            let source_version = source_version.unwrap_or_else(|| version.clone());
            package = package.with_source(&source, &source_version);
        }
        package
    } else {
        Package::new(ecosystem, &name, &version, location)
    };
    Ok((package, distro))
}

/// Every purl in a CycloneDX JSON document (components, nested one level).
fn cyclonedx_json_purls(document: &serde_json::Value) -> (Vec<String>, usize) {
    let mut purls = Vec::new();
    let mut without = 0;
    let mut visit = |component: &serde_json::Value| match component.get("purl").and_then(serde_json::Value::as_str) {
        Some(purl) => purls.push(purl.to_owned()),
        None => without += 1,
    };
    for component in document.get("components").and_then(serde_json::Value::as_array).into_iter().flatten() {
        visit(component);
        for nested in component.get("components").and_then(serde_json::Value::as_array).into_iter().flatten() {
            visit(nested);
        }
    }
    (purls, without)
}

/// Every `<purl>` of a CycloneDX XML document's components (nested one level).
fn cyclonedx_xml_purls(contents: &[u8]) -> Result<(Vec<String>, usize), String> {
    let root = crate::java::xml::parse_xml_document(contents)?;
    let mut purls = Vec::new();
    let mut without = 0;
    let mut visit = |component: &crate::java::xml::XmlElement| match component.child_text("purl") {
        Some(purl) => purls.push(purl.trim().to_owned()),
        None => without += 1,
    };
    for list in root.children_named("components") {
        for component in list.children_named("component") {
            visit(component);
            for nested in component.children_named("components") {
                nested.children_named("component").for_each(&mut visit);
            }
        }
    }
    Ok((purls, without))
}

/// Every purl of an SPDX 2.x JSON document (`externalRefs` of type purl).
fn spdx_json_purls(document: &serde_json::Value) -> (Vec<String>, usize) {
    let mut purls = Vec::new();
    let mut without = 0;
    for package in document.get("packages").and_then(serde_json::Value::as_array).into_iter().flatten() {
        let purl = package
            .get("externalRefs")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .find(|reference| reference.get("referenceType").and_then(serde_json::Value::as_str) == Some("purl"))
            .and_then(|reference| reference.get("referenceLocator").and_then(serde_json::Value::as_str));
        match purl {
            Some(purl) => purls.push(purl.to_owned()),
            None => without += 1,
        }
    }
    (purls, without)
}

/// Every purl of an SPDX 2.x tag-value document: `ExternalRef:
/// PACKAGE-MANAGER purl <purl>` lines, per `PackageName:` section; text in
/// `<text>…</text>` blocks (which may span lines) is skipped.
fn spdx_tag_value_purls(text: &str) -> (Vec<String>, usize) {
    let mut purls = Vec::new();
    let mut packages = 0usize;
    let mut in_text = false;
    for line in text.lines() {
        if in_text {
            in_text = !line.contains("</text>");
            continue;
        }
        if let Some((_, value)) = line.split_once(':')
            && value.contains("<text>")
            && !value.contains("</text>")
        {
            in_text = true;
            continue;
        }
        let line = line.trim();
        if line.starts_with("PackageName:") {
            packages += 1;
        } else if let Some(reference) = line.strip_prefix("ExternalRef:") {
            let mut fields = reference.split_whitespace();
            let (category, kind, locator) = (fields.next(), fields.next(), fields.next());
            let is_purl = matches!(category, Some("PACKAGE-MANAGER" | "PACKAGE_MANAGER")) && kind == Some("purl");
            if let (true, Some(locator)) = (is_purl, locator) {
                purls.push(locator.to_owned());
            }
        }
    }
    let without = packages.saturating_sub(purls.len());
    (purls, without)
}

/// Reads an SBOM into an inventory; `name` labels it (the file path).
pub fn inventory_from_sbom(name: &str, contents: &[u8]) -> Result<Inventory, String> {
    let text = std::str::from_utf8(contents).map_err(|error| format!("{name} is not UTF-8: {error}"))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let (purls, without) = if trimmed.starts_with('<') {
        cyclonedx_xml_purls(contents)
            .map_err(|error| format!("{name} is not a readable CycloneDX XML document: {error}"))?
    } else if trimmed.starts_with("SPDXVersion:") || trimmed.lines().any(|line| line.starts_with("SPDXVersion:")) {
        spdx_tag_value_purls(trimmed)
    } else {
        let document: serde_json::Value = serde_json::from_str(trimmed)
            .map_err(|error| format!("{name} is neither CycloneDX nor SPDX JSON: {error}"))?;
        if document.get("bomFormat").and_then(serde_json::Value::as_str) == Some("CycloneDX") {
            cyclonedx_json_purls(&document)
        } else if document.get("spdxVersion").is_some() {
            spdx_json_purls(&document)
        } else {
            return Err(format!("{name} is neither a CycloneDX nor an SPDX document"));
        }
    };
    let mut inventory = Inventory::new(Resource { kind: ResourceKind::File, name: name.to_owned() });
    let mut skipped: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for purl in purls {
        match package_from_purl(&purl, name) {
            Ok((package, distro)) => {
                if inventory.distro.is_none() {
                    inventory.distro = distro;
                }
                inventory.packages.push(package);
            }
            Err(reason) => *skipped.entry(reason).or_default() += 1,
        }
    }
    if without > 0 {
        *skipped.entry("components without a purl".to_owned()).or_default() += without;
    }
    for (reason, count) in skipped {
        inventory
            .diagnostics
            .push(Diagnostic { path: name.to_owned(), message: format!("{count} components skipped: {reason}") });
    }
    inventory.normalize();
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_value_purls_skip_text_blocks_and_count_packages_without_one() {
        let document = "SPDXVersion: SPDX-2.3\nPackageName: a\nPackageComment: <text>ExternalRef: PACKAGE-MANAGER purl pkg:npm/fake@1\nstill text</text>\nExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1.0.0\nPackageName: b\n";
        let (purls, without) = spdx_tag_value_purls(document);
        assert_eq!(purls, ["pkg:npm/a@1.0.0"]);
        assert_eq!(without, 1);
    }

    #[test]
    fn purls_map_to_ecosystems_names_distros_and_sources() {
        let (package, distro) =
            package_from_purl("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12", "s")
                .unwrap();
        assert_eq!(
            (package.ecosystem, package.name.as_str(), package.version.as_str()),
            (Ecosystem::Debian, "libc6", "2.36-9+deb12u4")
        );
        assert_eq!(package.source_name(), "glibc");
        assert_eq!(distro.map(|distro| (distro.id, distro.version)), Some(("debian".to_owned(), "12".to_owned())));
        let (package, distro) =
            package_from_purl("pkg:apk/alpine/zlib@1.2.12-r1?arch=x86_64&distro=3.22.0&origin=zlib", "s").unwrap();
        assert_eq!(package.ecosystem, Ecosystem::Alpine);
        assert_eq!(distro.map(|distro| (distro.id, distro.version)), Some(("alpine".to_owned(), "3.22.0".to_owned())));
        let (package, _) =
            package_from_purl("pkg:rpm/fedora/bash@5.3.0-2.fc43?upstream=bash-5.3.0-2.fc43.src.rpm", "s").unwrap();
        assert_eq!((package.ecosystem, package.source_name()), (Ecosystem::Rpm, "bash"));
        assert_eq!(package_from_purl("pkg:npm/%40babel/core@7.0.0", "s").unwrap().0.name, "@babel/core");
        assert_eq!(
            package_from_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "s").unwrap().0.name,
            "org.apache.logging.log4j:log4j-core"
        );
        assert_eq!(
            package_from_purl("pkg:golang/github.com/gin-gonic/gin@v1.7.0", "s").unwrap().0.name,
            "github.com/gin-gonic/gin"
        );
        assert!(package_from_purl("pkg:oci/image@sha256:abc", "s").is_err());
        assert!(package_from_purl("not a purl", "s").is_err());
    }
}
