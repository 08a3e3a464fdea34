//! The TOML lockfiles that list packages as `[[package]]` tables with `name` and
//! `version`: `poetry.lock` (lock versions 1.x and 2.x), `uv.lock` and
//! `pdm.lock`.
//!
//! Not reported: the project itself and other local source trees — uv's
//! `virtual`/`editable` sources, poetry's `directory` sources, pdm's editable
//! entries — which are the user's own code, not a PyPI release. Git sources are
//! reported with the version their metadata declares.

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package};
use toml::{Table, Value};

use super::decode_text;
use crate::{CatalogError, Cataloger, FileInput, Found};

/// Which tool wrote the file; decides which entries are local source trees.
#[derive(Debug, Clone, Copy)]
enum Tool {
    Poetry,
    Uv,
    Pdm,
}

impl Tool {
    fn format(self) -> &'static str {
        match self {
            Tool::Poetry => "poetry.lock",
            Tool::Uv => "uv.lock",
            Tool::Pdm => "pdm.lock",
        }
    }

    /// Whether an entry is the project's own code rather than a distribution.
    fn is_local_source(self, entry: &Table) -> bool {
        match self {
            Tool::Poetry => entry
                .get("source")
                .and_then(|source| source.get("type"))
                .and_then(Value::as_str)
                .is_some_and(|kind| kind == "directory"),
            Tool::Uv => entry
                .get("source")
                .and_then(Value::as_table)
                .is_some_and(|source| source.contains_key("virtual") || source.contains_key("editable")),
            Tool::Pdm => entry.get("editable").and_then(Value::as_bool) == Some(true),
        }
    }
}

fn read_toml_lock(tool: Tool, input: &FileInput<'_>) -> Result<Found, CatalogError> {
    let format = tool.format();
    let text = decode_text(input.path, format, input.contents)?;
    let document: Table =
        kensa_parse::toml_from_str(&text).map_err(|error| CatalogError::parse(input.path, format, error))?;
    let mut found = Found::default();
    let entries = match document.get("package") {
        None => return Ok(found),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(CatalogError::parse(input.path, format, "`package` is not an array of tables")),
    };
    for (index, entry) in entries.iter().enumerate() {
        let Some(entry) = entry.as_table() else {
            found.diagnostics.push(Diagnostic {
                path: input.path.to_owned(),
                message: format!("{format} package #{} is not a table; skipped", index + 1),
            });
            continue;
        };
        if tool.is_local_source(entry) {
            continue;
        }
        let name = entry.get("name").and_then(Value::as_str).filter(|name| !name.is_empty());
        let version = entry.get("version").and_then(Value::as_str).filter(|version| !version.is_empty());
        match (name, version) {
            (Some(name), Some(version)) => {
                found.packages.push(Package::new(Ecosystem::PyPI, name, version, input.path));
            }
            _ => found.diagnostics.push(Diagnostic {
                path: input.path.to_owned(),
                message: format!(
                    "{format} package #{} ({}) has no name or no version; skipped",
                    index + 1,
                    name.unwrap_or("unnamed")
                ),
            }),
        }
    }
    Ok(found)
}

pub(super) struct PoetryLockCataloger;

impl Cataloger for PoetryLockCataloger {
    fn name(&self) -> &'static str {
        "poetry-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "poetry.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        read_toml_lock(Tool::Poetry, input)
    }
}

pub(super) struct UvLockCataloger;

impl Cataloger for UvLockCataloger {
    fn name(&self) -> &'static str {
        "uv-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "uv.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        read_toml_lock(Tool::Uv, input)
    }
}

pub(super) struct PdmLockCataloger;

impl Cataloger for PdmLockCataloger {
    fn name(&self) -> &'static str {
        "pdm-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "pdm.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        read_toml_lock(Tool::Pdm, input)
    }
}
