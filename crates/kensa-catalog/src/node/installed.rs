//! Installed npm packages: `node_modules/<name>/package.json` and
//! `node_modules/@scope/<name>/package.json`, at any nesting depth
//! (`node_modules/a/node_modules/b/package.json`) and inside pnpm's virtual store
//! (`node_modules/.pnpm/b@1.0.0/node_modules/b/package.json`).
//!
//! Deliberately not read: any other `package.json` below `node_modules` — test
//! fixtures and examples shipped inside a package
//! (`node_modules/a/test/fixtures/package.json`) describe nothing installed — and
//! the project's own `package.json`. A `package.json` without both `name` and
//! `version` is skipped without complaint: npm accepts such private packages.

use kensa_fs::FileEntry;
use kensa_model::{Ecosystem, Package};
use serde_json::Value;

use super::decode_utf8;
use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "package.json";

pub(super) struct InstalledPackageJsonCataloger;

impl Cataloger for InstalledPackageJsonCataloger {
    fn name(&self) -> &'static str {
        "npm-installed-package-json"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        is_installed_package_manifest(&entry.path)
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = decode_utf8(input.path, FORMAT, input.contents)?;
        let document: Value =
            serde_json::from_str(text).map_err(|error| CatalogError::parse(input.path, FORMAT, error))?;
        let Value::Object(manifest) = document else {
            return Err(CatalogError::parse(input.path, FORMAT, "the top level is not a JSON object"));
        };
        let name = manifest.get("name").and_then(Value::as_str).filter(|name| !name.is_empty());
        let version = manifest.get("version").and_then(Value::as_str).filter(|version| !version.is_empty());
        let mut found = Found::default();
        if let (Some(name), Some(version)) = (name, version) {
            found.packages.push(Package::new(Ecosystem::Npm, name, version, input.path));
        }
        Ok(found)
    }
}

/// Whether `path` is the manifest of a package installed in a `node_modules` tree.
///
/// After the first `node_modules`, the path must be a chain of
/// `node_modules/<package>` steps, where a package is `name`, `@scope/name`, or
/// pnpm's `.pnpm/<store entry>` (which must be followed by another
/// `node_modules`), ending in `package.json` right after a package.
fn is_installed_package_manifest(path: &str) -> bool {
    let components: Vec<&str> = path.split('/').collect();
    let Some(first) = components.iter().position(|component| *component == "node_modules") else {
        return false;
    };
    let mut rest = components.get(first..).unwrap_or_default();
    let mut ends_after_package = false;
    loop {
        match rest {
            ["package.json"] => return ends_after_package,
            ["node_modules", ".pnpm", _store_entry, tail @ ..] => {
                if !matches!(tail.first(), Some(&"node_modules")) {
                    return false;
                }
                rest = tail;
                ends_after_package = false;
            }
            ["node_modules", scope, name, tail @ ..] if scope.starts_with('@') && is_package_directory(name) => {
                rest = tail;
                ends_after_package = true;
            }
            ["node_modules", name, tail @ ..] if is_package_directory(name) && !name.starts_with('@') => {
                rest = tail;
                ends_after_package = true;
            }
            _ => return false,
        }
    }
}

/// Package directory names never start with `.` (`.bin`, `.cache` are npm's own).
fn is_package_directory(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Manifests of installed packages are wanted; fixtures inside packages are not.
    #[test]
    fn recognises_installed_manifests_only() {
        assert!(is_installed_package_manifest("node_modules/lodash/package.json"));
        assert!(is_installed_package_manifest("app/node_modules/@babel/core/package.json"));
        assert!(is_installed_package_manifest("node_modules/a/node_modules/b/package.json"));
        assert!(is_installed_package_manifest("node_modules/.pnpm/jquery@3.3.9/node_modules/jquery/package.json"));
        assert!(!is_installed_package_manifest("package.json"));
        assert!(!is_installed_package_manifest("node_modules/package.json"));
        assert!(!is_installed_package_manifest("node_modules/@babel/package.json"));
        assert!(!is_installed_package_manifest("node_modules/a/test/fixtures/package.json"));
        assert!(!is_installed_package_manifest("node_modules/a/test/node_modules/b/package.json"));
        assert!(!is_installed_package_manifest("node_modules/.bin/package.json"));
        assert!(!is_installed_package_manifest("node_modules/.pnpm/x@1/package.json"));
        assert!(!is_installed_package_manifest("node_modules/lodash/package.json.bak"));
    }
}
