//! sbt: `build.sbt.lock`, the JSON lockfile written by the sbt-dependency-lock
//! plugin (`lockVersion` 1).
//!
//! Each entry of `dependencies` names a Maven module by `org`, `name` and
//! `version`; Scala artifacts keep their binary-version suffix (`cats-core_2.12`),
//! which is how they are published and how advisories name them. Every entry is
//! reported whatever its `configurations` (test dependencies included). An entry
//! without one of the three fields becomes a diagnostic and the rest is read.
//!
//! Not handled: `build.sbt` itself (Scala code, not data) and lockfiles of other
//! sbt plugins.

use std::collections::BTreeSet;

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package};
use serde_json::Value;

use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "build.sbt.lock";

/// The only lockfile version the plugin has written so far.
const KNOWN_LOCK_VERSION: u64 = 1;

pub(super) struct SbtLockCataloger;

impl Cataloger for SbtLockCataloger {
    fn name(&self) -> &'static str {
        "sbt-dependency-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "build.sbt.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_sbt_lock(input.path, input.contents)
    }
}

fn parse_sbt_lock(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let contents = contents.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(contents);
    let document: Value = serde_json::from_slice(contents).map_err(|error| CatalogError::parse(path, FORMAT, error))?;
    let Some(document) = document.as_object() else {
        return Err(CatalogError::parse(path, FORMAT, "the document is not a JSON object"));
    };
    let mut found = Found::default();
    match document.get("lockVersion") {
        None => {}
        Some(version) => match version.as_u64() {
            Some(KNOWN_LOCK_VERSION) => {}
            Some(other) => found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!(
                    "{FORMAT} has lockVersion {other}; only {KNOWN_LOCK_VERSION} is known, read it as that"
                ),
            }),
            None => return Err(CatalogError::parse(path, FORMAT, format!("lockVersion {version} is not a number"))),
        },
    }
    let dependencies = match document.get("dependencies") {
        None | Some(Value::Null) => return Ok(found),
        Some(Value::Array(dependencies)) => dependencies,
        Some(_) => return Err(CatalogError::parse(path, FORMAT, "`dependencies` is not an array")),
    };
    let mut seen = BTreeSet::new();
    for (index, dependency) in dependencies.iter().enumerate() {
        let field =
            |name: &str| dependency.get(name).and_then(Value::as_str).map(str::trim).filter(|value| !value.is_empty());
        match (field("org"), field("name"), field("version")) {
            (Some(organization), Some(artifact), Some(version)) => {
                let name = format!("{organization}:{artifact}");
                if seen.insert((name.clone(), version.to_owned())) {
                    found.packages.push(Package::new(Ecosystem::Maven, &name, version, path));
                }
            }
            _ => found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("{FORMAT} dependency #{} lacks an org, name or version; skipped", index + 1),
            }),
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry missing a field is a diagnostic, not the end of the file; an
    /// unknown lock version is read but flagged.
    #[test]
    fn partial_entries_and_unknown_versions() {
        let text = br#"{"lockVersion": 2, "dependencies": [
            {"org": "a", "name": "b", "version": "1"},
            {"org": "a", "version": "1"},
            {"org": "a", "name": "b", "version": "1"}
        ]}"#;
        let found = parse_sbt_lock("build.sbt.lock", text).unwrap();
        assert_eq!(found.packages.len(), 1);
        assert_eq!(found.packages[0].name, "a:b");
        assert_eq!(found.diagnostics.len(), 2);
    }

    /// A lockVersion that is not a number means this is not the file we know.
    #[test]
    fn non_numeric_lock_version_is_an_error() {
        let error = parse_sbt_lock("x/build.sbt.lock", br#"{"lockVersion": "one"}"#).unwrap_err();
        assert!(error.to_string().contains("x/build.sbt.lock"));
    }
}
