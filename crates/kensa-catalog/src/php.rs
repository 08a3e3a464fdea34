//! PHP packages: Composer's `composer.lock` and the `vendor/composer/installed.json`
//! it writes when installing.
//!
//! Both `packages` and `packages-dev` are read; versions are kept exactly as
//! Composer wrote them (`v1.27.0` keeps its `v`): the Packagist version scheme
//! normalises when comparing, so the inventory shows what the user locked.
//!
//! Deliberately not handled: `composer.json` (constraints, not versions) and the
//! `platform` requirements (`php`, `ext-*`), which are not Packagist packages.

use std::collections::BTreeSet;

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package};
use serde::Deserialize;

use crate::{CatalogError, Cataloger, FileInput, Found};

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(ComposerLockCataloger), Box::new(ComposerInstalledCataloger)]
}

const COMPOSER_LOCK_FORMAT: &str = "composer.lock";
const INSTALLED_JSON_FORMAT: &str = "composer installed.json";

#[derive(Deserialize)]
struct ComposerLock {
    #[serde(default)]
    packages: Option<Vec<serde_json::Value>>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Option<Vec<serde_json::Value>>,
}

/// `installed.json` is a bare array before Composer 2 and an object after.
#[derive(Deserialize)]
#[serde(untagged)]
enum InstalledJson {
    Composer2 {
        #[serde(default)]
        packages: Vec<serde_json::Value>,
    },
    Composer1(Vec<serde_json::Value>),
}

struct ComposerLockCataloger;

impl Cataloger for ComposerLockCataloger {
    fn name(&self) -> &'static str {
        "php-composer-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "composer.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let lock: ComposerLock = serde_json::from_slice(input.contents)
            .map_err(|error| CatalogError::parse(input.path, COMPOSER_LOCK_FORMAT, error))?;
        let entries = lock.packages.into_iter().flatten().chain(lock.packages_dev.into_iter().flatten());
        Ok(packages_from_entries(input.path, entries))
    }
}

struct ComposerInstalledCataloger;

impl Cataloger for ComposerInstalledCataloger {
    fn name(&self) -> &'static str {
        "php-composer-installed"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.path == "vendor/composer/installed.json" || entry.path.ends_with("/vendor/composer/installed.json")
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let installed: InstalledJson = serde_json::from_slice(input.contents)
            .map_err(|error| CatalogError::parse(input.path, INSTALLED_JSON_FORMAT, error))?;
        let entries = match installed {
            InstalledJson::Composer2 { packages } | InstalledJson::Composer1(packages) => packages,
        };
        Ok(packages_from_entries(input.path, entries))
    }
}

/// Entries are read loosely, one by one, so one odd entry becomes a diagnostic
/// instead of failing the whole file.
fn packages_from_entries(path: &str, entries: impl IntoIterator<Item = serde_json::Value>) -> Found {
    let mut found = Found::default();
    let mut seen = BTreeSet::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let name = entry.get("name").and_then(serde_json::Value::as_str).map(str::trim);
        let version = entry.get("version").and_then(serde_json::Value::as_str).map(str::trim);
        match (name, version) {
            (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => {
                if seen.insert((name.to_owned(), version.to_owned())) {
                    found.packages.push(Package::new(Ecosystem::Packagist, name, version, path));
                }
            }
            _ => found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("package entry {index} has no string `name` and `version`; skipped"),
            }),
        }
    }
    found
}
