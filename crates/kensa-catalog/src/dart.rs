//! Dart and Flutter packages: `pubspec.lock`.
//!
//! Hosted, git and path packages are reported with the version pub resolved (a
//! git or path package still carries its pubspec version, and a fork of a
//! published package is as vulnerable as the original). SDK packages
//! (`flutter`, `flutter_test`, …) are versioned with the SDK, not on pub.dev, and
//! are skipped.
//!
//! Deliberately not handled: `pubspec.yaml` (constraints, not versions) and the
//! `sdks` section.

use std::collections::BTreeMap;

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package};
use serde::Deserialize;

use crate::{CatalogError, Cataloger, FileInput, Found};

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(PubspecLockCataloger)]
}

const PUBSPEC_LOCK_FORMAT: &str = "pubspec.lock";

#[derive(Deserialize)]
struct PubspecLock {
    #[serde(default)]
    packages: Option<BTreeMap<String, LockedPackage>>,
}

#[derive(Deserialize)]
struct LockedPackage {
    #[serde(default)]
    source: Option<String>,
    // Scalars, not strings: an unquoted `1.0` is a YAML float and must not fail the file.
    #[serde(default)]
    version: Option<serde_yaml_ng::Value>,
}

struct PubspecLockCataloger;

impl Cataloger for PubspecLockCataloger {
    fn name(&self) -> &'static str {
        "dart-pubspec-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "pubspec.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_pubspec_lock(input.path, input.contents)
    }
}

fn parse_pubspec_lock(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    // An empty document is YAML null: a lockfile with nothing locked.
    let lock: Option<PubspecLock> = kensa_parse::yaml_from_slice(contents)
        .map_err(|error| CatalogError::parse(path, PUBSPEC_LOCK_FORMAT, error))?;
    let mut found = Found::default();
    for (name, package) in lock.and_then(|lock| lock.packages).unwrap_or_default() {
        if package.source.as_deref() == Some("sdk") {
            continue;
        }
        let version = match package.version {
            Some(serde_yaml_ng::Value::String(version)) => version,
            Some(serde_yaml_ng::Value::Number(version)) => version.to_string(),
            _ => String::new(),
        };
        let version = version.trim();
        if version.is_empty() {
            found
                .diagnostics
                .push(Diagnostic { path: path.to_owned(), message: format!("package {name} has no version; skipped") });
            continue;
        }
        found.packages.push(Package::new(Ecosystem::Pub, &name, version, path));
    }
    Ok(found)
}
