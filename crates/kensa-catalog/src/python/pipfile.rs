//! `Pipfile.lock` (pipenv): a JSON object whose `default` and `develop` sections
//! (and any custom package category newer pipenv writes) map package names to
//! `{"version": "==1.2.3", ...}`.
//!
//! Git dependencies carry a commit, not a release version: they become unresolved
//! dependencies naming the repository and ref. Local `path`/`file` dependencies
//! (the user's own code) are not reported.

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};
use serde_json::Value;

use super::decode_text;
use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "Pipfile.lock";

pub(super) struct PipfileLockCataloger;

impl Cataloger for PipfileLockCataloger {
    fn name(&self) -> &'static str {
        "pipfile-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "Pipfile.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = decode_text(input.path, FORMAT, input.contents)?;
        let document: Value =
            serde_json::from_str(&text).map_err(|error| CatalogError::parse(input.path, FORMAT, error))?;
        let Value::Object(sections) = document else {
            return Err(CatalogError::parse(input.path, FORMAT, "the top level is not a JSON object"));
        };
        let mut found = Found::default();
        for (section_name, section) in &sections {
            if section_name == "_meta" {
                continue;
            }
            let Value::Object(packages) = section else {
                continue;
            };
            for (name, entry) in packages {
                read_entry(input.path, section_name, name, entry, &mut found);
            }
        }
        Ok(found)
    }
}

fn read_entry(path: &str, section_name: &str, name: &str, entry: &Value, found: &mut Found) {
    if let Some(version) = entry.get("version").and_then(Value::as_str) {
        let version = version.trim();
        let pinned = version.strip_prefix("===").or_else(|| version.strip_prefix("=="));
        match pinned.map(str::trim) {
            Some(pinned) if !pinned.is_empty() && !pinned.contains('*') => {
                found.packages.push(Package::new(Ecosystem::PyPI, name, pinned, path));
            }
            _ => found.unresolved.push(UnresolvedDependency {
                ecosystem: Ecosystem::PyPI,
                name: name.to_owned(),
                requirement: version.to_owned(),
                location: path.to_owned(),
            }),
        }
        return;
    }
    if let Some(repository) = entry.get("git").and_then(Value::as_str) {
        let reference = entry.get("ref").and_then(Value::as_str).unwrap_or_default();
        let requirement =
            if reference.is_empty() { format!("git+{repository}") } else { format!("git+{repository}@{reference}") };
        found.unresolved.push(UnresolvedDependency {
            ecosystem: Ecosystem::PyPI,
            name: name.to_owned(),
            requirement,
            location: path.to_owned(),
        });
        return;
    }
    if entry.get("path").is_some() || entry.get("file").is_some() {
        return;
    }
    found.diagnostics.push(Diagnostic {
        path: path.to_owned(),
        message: format!("Pipfile.lock {section_name} entry {name:?} has no version; skipped"),
    });
}
