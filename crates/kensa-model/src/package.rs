use serde::{Deserialize, Serialize};

use crate::Ecosystem;
use crate::purl::percent_encode;

/// One installed or locked package, as a cataloger found it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Package {
    /// The ecosystem the name belongs to.
    pub ecosystem: Ecosystem,
    /// The name as the source wrote it.
    pub name: String,
    /// The name under which the ecosystem's registry knows the package
    /// ([`Ecosystem::normalize_name`]), for people and other tools.
    #[serde(default)]
    pub normalized_name: String,
    /// The version as the source wrote it.
    pub version: String,
    /// Package URL (purl) identifying this package and version.
    pub purl: String,
    /// Paths inside the scanned resource where the package was found, sorted.
    pub locations: Vec<String>,
    /// For operating-system packages: the source package it was built from
    /// (dpkg `Source:`, apk origin, RPM `SOURCERPM`). Distro advisories are
    /// keyed by source package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    /// Architecture (`amd64`, `x86_64`, `noarch`), where the source records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// RPM modularity label (`nodejs:18:8070020230306170035:ad008a3a`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The operating-system package whose files include this package's
    /// location (a Python library installed by `python3-requests`, say): such
    /// a package is patched and tracked by the distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_by: Option<String>,
    /// In a container image: the digest of the layer that last wrote the file
    /// the package was found in (the layer that introduced it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// The source package an operating-system package was built from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourcePackage {
    /// Source package name.
    pub name: String,
    /// Source package version (for dpkg the `Source: name (version)` version,
    /// else the binary's version; for RPM the source RPM's version-release,
    /// with the binary's epoch).
    pub version: String,
}

impl Package {
    /// Builds a package with its purl derived from ecosystem, name and version.
    pub fn new(ecosystem: Ecosystem, name: &str, version: &str, location: &str) -> Package {
        Package {
            ecosystem,
            name: name.to_owned(),
            normalized_name: ecosystem.normalize_name(name),
            version: version.to_owned(),
            purl: purl_for(ecosystem, name, version),
            locations: vec![location.to_owned()],
            source: None,
            architecture: None,
            module: None,
            installed_by: None,
            layer: None,
        }
    }

    /// Builds an operating-system package: the purl carries the architecture
    /// and distribution qualifiers (`pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12`).
    pub fn operating_system(
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
        location: &str,
        architecture: Option<&str>,
        distro: Option<&str>,
    ) -> Package {
        let mut package = Package::new(ecosystem, name, version, location);
        // The purl spec puts an RPM epoch in an `epoch` qualifier, not the version.
        let rpm_epoch = match version.split_once(':') {
            Some((epoch, rest))
                if ecosystem.purl_type() == "rpm" && epoch.bytes().all(|byte| byte.is_ascii_digit()) =>
            {
                package.purl = purl_for(ecosystem, name, rest);
                Some(epoch)
            }
            _ => None,
        };
        // Qualifiers in key order, as the purl spec's canonical form requires.
        let mut qualifiers = Vec::new();
        if let Some(architecture) = architecture.filter(|architecture| !architecture.is_empty()) {
            qualifiers.push(format!("arch={}", percent_encode(architecture)));
            package.architecture = Some(architecture.to_owned());
        }
        if let Some(distro) = distro.filter(|distro| !distro.is_empty()) {
            qualifiers.push(format!("distro={}", percent_encode(distro)));
        }
        if let Some(epoch) = rpm_epoch.filter(|epoch| *epoch != "0") {
            qualifiers.push(format!("epoch={epoch}"));
        }
        if !qualifiers.is_empty() {
            package.purl.push('?');
            package.purl.push_str(&qualifiers.join("&"));
        }
        package
    }

    /// Sets the source package. An operating-system package built from a
    /// source of another name or version also says so in its purl, with the
    /// `upstream` qualifier Syft writes and Grype and Kensa read back from
    /// SBOMs (`upstream=openssl`, `upstream=glibc%402.36-9`, RPM's
    /// `upstream=bash-5.2.26-3.fc40.src.rpm`): distro advisories are keyed by
    /// the source package, so an SBOM without it loses those findings.
    pub fn with_source(mut self, name: &str, version: &str) -> Package {
        let differs = name != self.name || version != self.version;
        if self.ecosystem.is_operating_system() && differs && !name.is_empty() {
            let upstream = match self.ecosystem.purl_type() {
                // A source RPM's file name carries no epoch.
                "rpm" => format!("{name}-{}.src.rpm", version.split_once(':').map_or(version, |(_, rest)| rest)),
                _ if version == self.version || version.is_empty() => name.to_owned(),
                _ => format!("{name}@{version}"),
            };
            // `upstream` sorts after every qualifier `operating_system` writes (arch, distro, epoch).
            self.purl.push(if self.purl.contains('?') { '&' } else { '?' });
            self.purl.push_str("upstream=");
            self.purl.push_str(&percent_encode(&upstream));
        }
        self.source = Some(SourcePackage { name: name.to_owned(), version: version.to_owned() });
        self
    }

    /// The name distro advisories are keyed by: the source package's, else the package's.
    pub fn source_name(&self) -> &str {
        self.source.as_ref().map_or(self.name.as_str(), |source| source.name.as_str())
    }

    /// The name under which advisories for this package are indexed, derived
    /// afresh from the name: a stored inventory's `normalized_name` is for
    /// people and other tools, and matching does not trust it.
    pub fn lookup_name(&self) -> String {
        self.ecosystem.normalize_name(&self.name)
    }
}

/// Builds a package URL per the purl specification's rules for each type.
///
/// Written by hand rather than with a purl crate: the inputs are names we already
/// know the type of, so only the per-type namespace split and percent-encoding
/// are needed, and this crate stays free of dependencies.
pub(crate) fn purl_for(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    let purl_type = ecosystem.purl_type();
    let (namespace, short_name) = match ecosystem {
        Ecosystem::Npm => match name.strip_prefix('@').and_then(|rest| rest.split_once('/')) {
            Some((scope, rest)) => (Some(format!("@{scope}")), rest.to_owned()),
            None => (None, name.to_owned()),
        },
        Ecosystem::Maven => match name.split_once(':') {
            Some((group, artifact)) => (Some(group.to_owned()), artifact.to_owned()),
            None => (None, name.to_owned()),
        },
        Ecosystem::Go | Ecosystem::Packagist => match name.rsplit_once('/') {
            Some((namespace, rest)) => (Some(namespace.to_owned()), rest.to_owned()),
            None => (None, name.to_owned()),
        },
        // The purl spec asks for PyPI names lowercased with `_` replaced by `-`.
        Ecosystem::PyPI => (None, name.to_ascii_lowercase().replace('_', "-")),
        _ => (ecosystem.purl_namespace().map(str::to_owned), name.to_owned()),
    };
    let mut purl = format!("pkg:{purl_type}/");
    if let Some(namespace) = namespace {
        for segment in namespace.split('/').filter(|segment| !segment.is_empty()) {
            purl.push_str(&percent_encode(segment));
            purl.push('/');
        }
    }
    purl.push_str(&percent_encode(&short_name));
    if !version.is_empty() {
        purl.push('@');
        purl.push_str(&percent_encode(version));
    }
    purl
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scoped npm names put the scope in the namespace, `@` encoded.
    #[test]
    fn npm_scoped_purl() {
        assert_eq!(purl_for(Ecosystem::Npm, "@babel/core", "7.0.0"), "pkg:npm/%40babel/core@7.0.0");
    }

    /// Maven coordinates split into namespace and name; Go paths keep their slashes.
    #[test]
    fn operating_system_purls_carry_qualifiers() {
        let package = Package::operating_system(
            Ecosystem::Debian,
            "libc6",
            "2.36-9+deb12u4",
            "var/lib/dpkg/status",
            Some("amd64"),
            Some("debian-12"),
        )
        .with_source("glibc", "2.36-9+deb12u4");
        assert_eq!(package.purl, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc");
        assert_eq!(package.source_name(), "glibc");
        let same_source = Package::operating_system(Ecosystem::Alpine, "zlib", "1.2.8-r2", "db", None, None)
            .with_source("zlib", "1.2.8-r2");
        assert_eq!(same_source.purl, "pkg:apk/alpine/zlib@1.2.8-r2");
        let other_version = Package::operating_system(Ecosystem::Debian, "libgcc-s1", "12.2.0-14", "s", None, None)
            .with_source("gcc-12", "12.2.0-14+deb12u1");
        assert_eq!(other_version.purl, "pkg:deb/debian/libgcc-s1@12.2.0-14?upstream=gcc-12%4012.2.0-14%2Bdeb12u1");
        let source_rpm =
            Package::operating_system(Ecosystem::RedHat, "openssl-libs", "1:3.0.7-24.el9", "db", None, None)
                .with_source("openssl", "1:3.0.7-24.el9");
        assert_eq!(
            source_rpm.purl,
            "pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm"
        );
        let rpm =
            Package::operating_system(Ecosystem::RedHat, "openssl", "1:3.0.7-24.el9", "rpmdb", Some("x86_64"), None);
        assert_eq!(rpm.purl, "pkg:rpm/redhat/openssl@3.0.7-24.el9?arch=x86_64&epoch=1");
        assert_eq!(rpm.version, "1:3.0.7-24.el9");
    }

    #[test]
    fn maven_and_go_purls() {
        assert_eq!(
            purl_for(Ecosystem::Maven, "org.apache.logging.log4j:log4j-core", "2.14.1"),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        assert_eq!(
            purl_for(Ecosystem::Go, "github.com/gin-gonic/gin", "v1.7.0"),
            "pkg:golang/github.com/gin-gonic/gin@v1.7.0"
        );
        assert_eq!(purl_for(Ecosystem::PyPI, "Django_Foo", "1.0"), "pkg:pypi/django-foo@1.0");
    }
}
