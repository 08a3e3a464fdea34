//! npm `package-lock.json` and `npm-shrinkwrap.json` (same format), lockfile
//! versions 1, 2 and 3.
//!
//! Version 2 and 3 files list every installed package under `packages`, keyed by
//! its `node_modules` path; the name comes from the last `node_modules/` segment of
//! the key (or the entry's `name`, which npm writes for aliases). Version 1 files
//! nest packages under `dependencies`. When both are present (version 2), only
//! `packages` is read: it is the complete one.
//!
//! Not reported: the root project (key `""`), workspace folders (keys outside any
//! `node_modules`), `link: true` entries (their target has its own entry, which is
//! reported if it is a real package) and local `file:` dependencies. Version 1 git
//! dependencies, whose `version` is a URL rather than a registry version, become
//! unresolved dependencies.

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};
use serde_json::{Map, Value};

use super::{decode_utf8, is_inside_node_modules, split_name_and_rest};
use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "package-lock.json";

/// Deeper `dependencies` nesting than this in a version 1 file is not followed.
/// serde_json already refuses documents nested past 128 levels; this keeps the
/// walk bounded independently of that.
const MAXIMUM_V1_DEPTH: usize = 128;

pub(super) struct PackageLockCataloger;

impl Cataloger for PackageLockCataloger {
    fn name(&self) -> &'static str {
        "npm-package-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        matches!(entry.file_name(), "package-lock.json" | "npm-shrinkwrap.json") && !is_inside_node_modules(&entry.path)
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = decode_utf8(input.path, FORMAT, input.contents)?;
        let document: Value =
            serde_json::from_str(text).map_err(|error| CatalogError::parse(input.path, FORMAT, error))?;
        let Value::Object(root) = document else {
            return Err(CatalogError::parse(input.path, FORMAT, "the top level is not a JSON object"));
        };
        let mut found = Found::default();
        if let Some(packages) = root.get("packages") {
            let Value::Object(packages) = packages else {
                return Err(CatalogError::parse(input.path, FORMAT, "`packages` is not an object"));
            };
            read_packages(input.path, packages, &mut found);
        } else if let Some(dependencies) = root.get("dependencies") {
            let Value::Object(dependencies) = dependencies else {
                return Err(CatalogError::parse(input.path, FORMAT, "`dependencies` is not an object"));
            };
            read_v1_dependencies(input.path, dependencies, &mut found);
        }
        Ok(found)
    }
}

/// Reads the version 2/3 `packages` map.
fn read_packages(path: &str, packages: &Map<String, Value>, found: &mut Found) {
    for (key, entry) in packages {
        // The root project, and workspace folders that are the project's own code.
        let Some(name_from_key) = name_from_node_modules_path(key) else {
            continue;
        };
        let Value::Object(entry) = entry else {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("package-lock entry {key:?} is not an object; skipped"),
            });
            continue;
        };
        if entry.get("link").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let Some(version) = entry.get("version").and_then(Value::as_str) else {
            continue;
        };
        if version.is_empty() || version.starts_with("file:") {
            continue;
        }
        let name = entry.get("name").and_then(Value::as_str).unwrap_or(name_from_key);
        found.packages.push(Package::new(Ecosystem::Npm, name, version, path));
    }
}

/// `node_modules/a/node_modules/@s/b` → `@s/b`; `None` when the key is not inside
/// any `node_modules` (the root `""` or a workspace folder).
fn name_from_node_modules_path(key: &str) -> Option<&str> {
    const MARKER: &str = "node_modules/";
    let start = if key.starts_with(MARKER) {
        key.rfind(&format!("/{MARKER}")).map_or(MARKER.len(), |index| index + 1 + MARKER.len())
    } else {
        key.rfind(&format!("/{MARKER}"))? + 1 + MARKER.len()
    };
    key.get(start..).filter(|name| !name.is_empty())
}

/// Reads the version 1 nested `dependencies` tree without recursion.
fn read_v1_dependencies(path: &str, dependencies: &Map<String, Value>, found: &mut Found) {
    let mut pending: Vec<(&Map<String, Value>, usize)> = vec![(dependencies, 0)];
    while let Some((level, depth)) = pending.pop() {
        for (name, entry) in level {
            let Value::Object(entry) = entry else {
                found.diagnostics.push(Diagnostic {
                    path: path.to_owned(),
                    message: format!("package-lock dependency {name:?} is not an object; skipped"),
                });
                continue;
            };
            if let Some(version) = entry.get("version").and_then(Value::as_str) {
                record_v1_dependency(path, name, version, found);
            }
            if let Some(Value::Object(nested)) = entry.get("dependencies") {
                if depth < MAXIMUM_V1_DEPTH {
                    pending.push((nested, depth + 1));
                } else {
                    found.diagnostics.push(Diagnostic {
                        path: path.to_owned(),
                        message: format!(
                            "package-lock dependencies nested deeper than {MAXIMUM_V1_DEPTH} levels were not read"
                        ),
                    });
                }
            }
        }
    }
}

fn record_v1_dependency(path: &str, name: &str, version: &str, found: &mut Found) {
    if version.is_empty() || version.starts_with("file:") || version.starts_with("link:") {
        return;
    }
    // An alias (`"foo": {"version": "npm:bar@1.2.3"}`) installs the real package `bar`.
    if let Some(aliased) = version.strip_prefix("npm:") {
        let (real_name, real_version) = split_name_and_rest(aliased);
        if !real_name.is_empty() && !real_version.is_empty() {
            found.packages.push(Package::new(Ecosystem::Npm, real_name, real_version, path));
            return;
        }
    }
    if version.starts_with(|character: char| character.is_ascii_digit()) {
        found.packages.push(Package::new(Ecosystem::Npm, name, version, path));
    } else {
        // Git and tarball URLs: the dependency is pinned, but not to a registry version.
        found.unresolved.push(UnresolvedDependency {
            ecosystem: Ecosystem::Npm,
            name: name.to_owned(),
            requirement: version.to_owned(),
            location: path.to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names come from the last `node_modules/` segment, scoped names included.
    #[test]
    fn names_from_paths() {
        assert_eq!(name_from_node_modules_path("node_modules/ms"), Some("ms"));
        assert_eq!(name_from_node_modules_path("node_modules/@babel/core"), Some("@babel/core"));
        assert_eq!(name_from_node_modules_path("node_modules/debug/node_modules/ms"), Some("ms"));
        assert_eq!(name_from_node_modules_path("functions/nested_func/node_modules/@s/debug"), Some("@s/debug"));
        assert_eq!(name_from_node_modules_path(""), None);
        assert_eq!(name_from_node_modules_path("functions/func1"), None);
        assert_eq!(name_from_node_modules_path("node_modules/"), None);
    }
}
