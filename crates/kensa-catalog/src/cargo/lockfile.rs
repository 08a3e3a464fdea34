//! `Cargo.lock`, every format version cargo has written: v1 (no `version` key,
//! checksums in `[metadata]`, and before 2017 a `[root]` table for the root
//! package), v2 (implicit), v3 (`version = 3`) and v4 (`version = 4`).
//!
//! Parsed with the `toml` crate into a generic table rather than with the
//! `cargo-lock` crate: `cargo-lock` validates the whole dependency graph and
//! rejects a file for one unresolvable `dependencies` entry, and it pulls in
//! `url`/`semver`/`petgraph`-style weight, while a scanner needs only each
//! package's name, version and source, and must keep going past one bad entry
//! (which becomes a diagnostic). The `dependencies` arrays are not read: package
//! identity is all matching needs.
//!
//! Not handled: the lockfile's dependency graph (direct vs transitive), and
//! `[patch]`-unused entries, which are not packages in the build.

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package};
use toml::{Table, Value};

use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "Cargo.lock";

/// The newest lockfile format this parser knows; newer ones are still read
/// (the package tables have kept their shape) but get a diagnostic.
const NEWEST_KNOWN_LOCKFILE_VERSION: i64 = 4;

/// Reads `Cargo.lock` files.
pub(crate) struct CargoLockCataloger;

impl Cataloger for CargoLockCataloger {
    fn name(&self) -> &'static str {
        "cargo-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "Cargo.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_cargo_lock(input.path, input.contents)
    }
}

/// Turns a `Cargo.lock`'s bytes into packages; `path` names the file in messages.
pub(crate) fn parse_cargo_lock(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let text = std::str::from_utf8(contents)
        .map_err(|error| CatalogError::parse(path, FORMAT, format!("not UTF-8: {error}")))?;
    let document: Table = kensa_parse::toml_from_str(text).map_err(|error| CatalogError::parse(path, FORMAT, error))?;

    let mut found = Found::default();
    match document.get("version") {
        None => {}
        Some(Value::Integer(version)) if (1..=NEWEST_KNOWN_LOCKFILE_VERSION).contains(version) => {}
        Some(Value::Integer(version)) => found.diagnostics.push(Diagnostic {
            path: path.to_owned(),
            message: format!(
                "{path}: Cargo.lock format version {version} is newer than this reader knows \
                 ({NEWEST_KNOWN_LOCKFILE_VERSION}); its packages were read as in version {NEWEST_KNOWN_LOCKFILE_VERSION}"
            ),
        }),
        Some(other) => {
            return Err(CatalogError::parse(
                path,
                FORMAT,
                format!("the top-level `version` must be an integer, found {}", other.type_str()),
            ));
        }
    }

    // Lockfiles written before Cargo 0.20 describe the root package in `[root]`
    // instead of listing it among the `[[package]]` entries.
    if let Some(root) = document.get("root") {
        read_package_entry(path, "[root]", root, &mut found);
    }
    match document.get("package") {
        None => {}
        Some(Value::Array(entries)) => {
            for (index, entry) in entries.iter().enumerate() {
                read_package_entry(path, &format!("[[package]] #{}", index + 1), entry, &mut found);
            }
        }
        Some(other) => {
            return Err(CatalogError::parse(
                path,
                FORMAT,
                format!("`package` must be an array of tables, found {}", other.type_str()),
            ));
        }
    }
    Ok(found)
}

/// Adds one package table to `found`, or a diagnostic when it lacks a string
/// `name` or `version` (the rest of the file is still read).
fn read_package_entry(path: &str, label: &str, entry: &Value, found: &mut Found) {
    let name = entry.get("name").and_then(Value::as_str);
    let version = entry.get("version").and_then(Value::as_str);
    match (name, version) {
        (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => {
            found.packages.push(Package::new(Ecosystem::CratesIo, name, version, path));
        }
        _ => found.diagnostics.push(Diagnostic {
            path: path.to_owned(),
            message: format!("{path}: {label} lacks a string `name` and `version`; entry skipped"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_versions(found: &Found) -> Vec<(String, String)> {
        found.packages.iter().map(|package| (package.name.clone(), package.version.clone())).collect()
    }

    /// A v1 lockfile with a `[root]` table and `[metadata]` checksums reports the
    /// root package and every `[[package]]`, and ignores the metadata table.
    #[test]
    fn v1_with_root_and_metadata() {
        let lockfile = br#"
[root]
name = "app"
version = "0.1.0"
dependencies = ["libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "libc"
version = "0.2.54"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)" = "c6785aa7dd976f5fbf3b71cfd9cd49d7f783c1ff565a858d71031c6c313aa5c6"
"#;
        let found = parse_cargo_lock("Cargo.lock", lockfile).unwrap();
        assert_eq!(
            names_and_versions(&found),
            vec![("app".to_owned(), "0.1.0".to_owned()), ("libc".to_owned(), "0.2.54".to_owned())]
        );
        assert!(found.diagnostics.is_empty());
    }

    /// `version = 4` lockfiles read like v3, and git- and path-sourced packages
    /// are reported too (cargo-audit parity).
    #[test]
    fn v4_reports_every_source() {
        let lockfile = br#"
version = 4

[[package]]
name = "member"
version = "0.1.0"

[[package]]
name = "forked"
version = "1.2.3"
source = "git+https://example.com/forked?branch=main#0123456789abcdef0123456789abcdef01234567"

[[package]]
name = "smallvec"
version = "0.6.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "c4488ae950c49d403731982257768f48fada354a5203fe81f9bb6f43ca9002be"
"#;
        let found = parse_cargo_lock("sub/Cargo.lock", lockfile).unwrap();
        assert_eq!(found.packages.len(), 3);
        assert!(found.packages.iter().all(|package| package.locations == ["sub/Cargo.lock"]));
        assert_eq!(found.packages[2].purl, "pkg:cargo/smallvec@0.6.9");
        assert!(found.diagnostics.is_empty());
    }

    /// One entry without a version becomes a diagnostic naming the file; the
    /// others are still reported.
    #[test]
    fn entry_without_version_is_a_diagnostic() {
        let lockfile = b"[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n";
        let found = parse_cargo_lock("x/Cargo.lock", lockfile).unwrap();
        assert_eq!(names_and_versions(&found), vec![("b".to_owned(), "1.0.0".to_owned())]);
        assert_eq!(found.diagnostics.len(), 1);
        assert!(found.diagnostics[0].message.contains("x/Cargo.lock"));
        assert!(found.diagnostics[0].message.contains("#1"));
    }

    /// A future format version is read, with a diagnostic saying so.
    #[test]
    fn unknown_future_version_is_read_with_a_diagnostic() {
        let found =
            parse_cargo_lock("Cargo.lock", b"version = 9\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n").unwrap();
        assert_eq!(found.packages.len(), 1);
        assert_eq!(found.diagnostics.len(), 1);
    }

    /// Wrongly typed top-level keys and non-UTF-8 bytes are errors naming the file.
    #[test]
    fn wrong_shapes_are_errors() {
        for contents in [&b"package = 3\n"[..], b"version = \"3\"\n", b"\xff\xfe"] {
            let error = parse_cargo_lock("dir/Cargo.lock", contents).unwrap_err();
            assert!(error.to_string().contains("dir/Cargo.lock"), "{error}");
        }
    }
}
