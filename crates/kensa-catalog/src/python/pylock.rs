//! PEP 751 lockfiles: `pylock.toml` and named ones, `pylock.<name>.toml`.
//!
//! Each `[[packages]]` table with a `name` and a `version` is a package, whatever
//! its `marker` (the same name may be locked at different versions for different
//! platforms, and all of them are reported, as for the other lockfiles here).
//! A VCS or archive package may have no version (PEP 751 makes it optional when
//! the source is not an index); it becomes an unresolved dependency whose
//! requirement is the source it is pinned to (`git+https://…@commit`).
//!
//! Not reported: `directory` packages, which are local source trees — usually the
//! project itself — and not a PyPI release (the same rule as uv's editable and
//! poetry's directory sources in `toml_lock`). A file whose `lock-version` has a
//! major version other than 1 is still read, with a diagnostic: PEP 751 tells
//! installers to refuse it, but a scanner learns more by trying.

use std::collections::BTreeSet;

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};
use toml::{Table, Value};

use super::decode_text;
use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "pylock.toml";

pub(super) struct PylockCataloger;

impl Cataloger for PylockCataloger {
    fn name(&self) -> &'static str {
        "python-pylock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        is_pylock_file_name(entry.file_name())
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_pylock(input.path, input.contents)
    }
}

/// PEP 751's names: `pylock.toml`, or `pylock.<name>.toml` where the name has no dot.
pub(super) fn is_pylock_file_name(file_name: &str) -> bool {
    file_name == "pylock.toml"
        || file_name
            .strip_prefix("pylock.")
            .and_then(|rest| rest.strip_suffix(".toml"))
            .is_some_and(|name| !name.is_empty() && !name.contains('.'))
}

fn parse_pylock(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let text = decode_text(path, FORMAT, contents)?;
    let document: Table =
        kensa_parse::toml_from_str(&text).map_err(|error| CatalogError::parse(path, FORMAT, error))?;
    let mut found = Found::default();
    if let Some(lock_version) = document.get("lock-version") {
        let major = lock_version.as_str().and_then(|version| version.split('.').next());
        if major != Some("1") {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("{FORMAT} lock-version {lock_version} is not 1.x; read as 1.0"),
            });
        }
    }
    let entries = match document.get("packages") {
        None => return Ok(found),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(CatalogError::parse(path, FORMAT, "`packages` is not an array of tables")),
    };
    let mut seen = BTreeSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let Some(entry) = entry.as_table() else {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("{FORMAT} package #{} is not a table; skipped", index + 1),
            });
            continue;
        };
        let Some(name) = entry.get("name").and_then(Value::as_str).filter(|name| !name.is_empty()) else {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("{FORMAT} package #{} has no name; skipped", index + 1),
            });
            continue;
        };
        if entry.contains_key("directory") {
            continue;
        }
        match entry.get("version").and_then(Value::as_str).filter(|version| !version.is_empty()) {
            Some(version) => {
                if seen.insert((name, version)) {
                    found.packages.push(Package::new(Ecosystem::PyPI, name, version, path));
                }
            }
            None => found.unresolved.push(UnresolvedDependency {
                ecosystem: Ecosystem::PyPI,
                name: name.to_owned(),
                requirement: pinned_source(entry).unwrap_or_default(),
                location: path.to_owned(),
            }),
        }
    }
    Ok(found)
}

/// What a version-less package is pinned to, written as a PEP 508 direct
/// reference would be: `git+https://…@commit` for VCS sources, the URL or path
/// for archives.
fn pinned_source(entry: &Table) -> Option<String> {
    let text = |table: &Table, key: &str| table.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(vcs) = entry.get("vcs").and_then(Value::as_table) {
        let location = text(vcs, "url").or_else(|| text(vcs, "path"))?;
        let kind = text(vcs, "type").unwrap_or_else(|| "vcs".to_owned());
        return Some(match text(vcs, "commit-id") {
            Some(commit) => format!("{kind}+{location}@{commit}"),
            None => format!("{kind}+{location}"),
        });
    }
    let archive = entry.get("archive").and_then(Value::as_table)?;
    text(archive, "url").or_else(|| text(archive, "path"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PEP 751 file names, and look-alikes that are not lockfiles.
    #[test]
    fn file_names() {
        assert!(is_pylock_file_name("pylock.toml"));
        assert!(is_pylock_file_name("pylock.dev.toml"));
        assert!(!is_pylock_file_name("pylock..toml"));
        assert!(!is_pylock_file_name("pylock.a.b.toml"));
        assert!(!is_pylock_file_name("my-pylock.toml"));
    }

    /// Version-less VCS and archive packages are unresolved, pinned to their
    /// source; directories are skipped; a 2.x lock version is flagged.
    #[test]
    fn sources_without_versions() {
        let text = br#"
lock-version = "2.0"
[[packages]]
name = "from-git"
vcs = { type = "git", url = "https://example.invalid/r.git", commit-id = "abc" }
[[packages]]
name = "from-archive"
archive = { url = "https://example.invalid/a.tar.gz" }
[[packages]]
name = "self"
directory = { path = "." }
"#;
        let found = parse_pylock("pylock.toml", text).unwrap();
        assert!(found.packages.is_empty());
        let unresolved: Vec<(&str, &str)> =
            found.unresolved.iter().map(|item| (item.name.as_str(), item.requirement.as_str())).collect();
        assert_eq!(
            unresolved,
            [
                ("from-git", "git+https://example.invalid/r.git@abc"),
                ("from-archive", "https://example.invalid/a.tar.gz")
            ]
        );
        assert_eq!(found.diagnostics.len(), 1);
    }
}
