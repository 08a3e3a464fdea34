//! .NET packages from NuGet: `packages.lock.json`, the runtime's `*.deps.json`
//! and the legacy `packages.config`.
//!
//! A lockfile lists packages once per target framework; the same package and
//! version under two frameworks is one package here. `Project` entries (other
//! projects of the same solution) and `deps.json` libraries that are not of type
//! `package` (the application itself, runtime packs) are not NuGet packages and
//! are skipped.
//!
//! Deliberately not handled: `*.csproj`/`Directory.Packages.props` (requirements,
//! not resolved versions) and assemblies (`*.dll`) without a `deps.json`.

use std::collections::{BTreeMap, BTreeSet};

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};
use serde::Deserialize;

use crate::{CatalogError, Cataloger, FileInput, Found};

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(PackagesLockCataloger), Box::new(DepsJsonCataloger), Box::new(PackagesConfigCataloger)]
}

const PACKAGES_LOCK_FORMAT: &str = "packages.lock.json";
const DEPS_JSON_FORMAT: &str = "deps.json";
const PACKAGES_CONFIG_FORMAT: &str = "packages.config";

/// Collects packages once per name and version, in first-seen order.
struct PackageSet<'a> {
    path: &'a str,
    seen: BTreeSet<(String, String)>,
    found: Found,
}

impl<'a> PackageSet<'a> {
    fn new(path: &'a str) -> Self {
        PackageSet { path, seen: BTreeSet::new(), found: Found::default() }
    }

    fn add(&mut self, name: &str, version: &str) {
        if self.seen.insert((name.to_owned(), version.to_owned())) {
            self.found.packages.push(Package::new(Ecosystem::NuGet, name, version, self.path));
        }
    }

    fn diagnose(&mut self, message: String) {
        self.found.diagnostics.push(Diagnostic { path: self.path.to_owned(), message });
    }
}

#[derive(Deserialize)]
struct PackagesLock {
    #[serde(default)]
    dependencies: BTreeMap<String, BTreeMap<String, LockedDependency>>,
}

#[derive(Deserialize)]
struct LockedDependency {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    resolved: Option<String>,
}

struct PackagesLockCataloger;

impl Cataloger for PackagesLockCataloger {
    fn name(&self) -> &'static str {
        "dotnet-packages-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "packages.lock.json"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let lock: PackagesLock = serde_json::from_slice(input.contents)
            .map_err(|error| CatalogError::parse(input.path, PACKAGES_LOCK_FORMAT, error))?;
        let mut packages = PackageSet::new(input.path);
        for (framework, dependencies) in &lock.dependencies {
            for (name, dependency) in dependencies {
                if dependency.kind.eq_ignore_ascii_case("project") {
                    continue;
                }
                match dependency.resolved.as_deref().map(str::trim) {
                    Some(version) if !version.is_empty() => packages.add(name, version),
                    _ => packages.diagnose(format!("{name} under {framework} has no resolved version; skipped")),
                }
            }
        }
        Ok(packages.found)
    }
}

#[derive(Deserialize)]
struct DepsJson {
    #[serde(default)]
    libraries: BTreeMap<String, DepsLibrary>,
}

#[derive(Deserialize)]
struct DepsLibrary {
    #[serde(default, rename = "type")]
    kind: String,
}

struct DepsJsonCataloger;

impl Cataloger for DepsJsonCataloger {
    fn name(&self) -> &'static str {
        "dotnet-deps-json"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name().ends_with(".deps.json")
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let deps: DepsJson = serde_json::from_slice(input.contents)
            .map_err(|error| CatalogError::parse(input.path, DEPS_JSON_FORMAT, error))?;
        let mut packages = PackageSet::new(input.path);
        for (key, library) in &deps.libraries {
            if library.kind != "package" {
                continue;
            }
            match key.split_once('/') {
                Some((name, version)) if !name.trim().is_empty() && !version.trim().is_empty() => {
                    packages.add(name.trim(), version.trim());
                }
                _ => packages.diagnose(format!("library key {key:?} is not `Name/Version`; skipped")),
            }
        }
        Ok(packages.found)
    }
}

struct PackagesConfigCataloger;

impl Cataloger for PackagesConfigCataloger {
    fn name(&self) -> &'static str {
        "dotnet-packages-config"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "packages.config"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_packages_config(input.path, input.contents)
    }
}

fn parse_packages_config(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let root = crate::java::xml::parse_xml_document(contents)
        .map_err(|message| CatalogError::parse(path, PACKAGES_CONFIG_FORMAT, message))?;
    if root.name != "packages" {
        return Err(CatalogError::parse(
            path,
            PACKAGES_CONFIG_FORMAT,
            format!("root element is <{}>, expected <packages>", root.name),
        ));
    }
    let mut packages = PackageSet::new(path);
    for (index, package) in root.children_named("package").enumerate() {
        let id = package.attribute("id").map(str::trim).filter(|id| !id.is_empty());
        let version = package.attribute("version").map(str::trim).filter(|version| !version.is_empty());
        match (id, version) {
            (Some(id), Some(version)) => packages.add(id, version),
            // A package without a version cannot be checked; say so rather than drop it.
            (Some(id), None) => packages.found.unresolved.push(UnresolvedDependency {
                ecosystem: Ecosystem::NuGet,
                name: id.to_owned(),
                requirement: String::new(),
                location: path.to_owned(),
            }),
            (None, _) => packages.diagnose(format!("<package> number {} has no id; skipped", index + 1)),
        }
    }
    Ok(packages.found)
}
