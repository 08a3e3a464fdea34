//! `pyproject.toml` declarations, read only for a project that has no lockfile.
//!
//! A manifest is not an inventory: `flask = "^1.0"` says what the project accepts,
//! not what was installed, and even `==1.0` says nothing about the transitive
//! dependencies. So nothing here becomes a package. Every declared dependency
//! becomes an [`UnresolvedDependency`] with its requirement as written, so the
//! report can say "these were declared and not checked" instead of staying
//! silent about a project without a lockfile.
//!
//! When a lockfile Kensa reads sits in the same directory — `poetry.lock`,
//! `uv.lock`, `pdm.lock`, `Pipfile.lock` or `pylock.toml` — the file is not read
//! at all: the lockfile reports the real versions, and repeating its direct
//! dependencies as unresolved would only be noise. (A named `pylock.<name>.toml`
//! is not looked for: finding it would need a directory listing, which the
//! filesystem view does not offer per directory.)
//!
//! Declarations read: PEP 621 `[project] dependencies` and
//! `[project.optional-dependencies]`, PEP 735 `[dependency-groups]` (an
//! `{include-group = …}` adds nothing new), Poetry's `[tool.poetry.dependencies]`,
//! `[tool.poetry.dev-dependencies]` and `[tool.poetry.group.*.dependencies]`, and
//! the older `[tool.uv] dev-dependencies` and `[tool.pdm.dev-dependencies]`.
//! Development groups are included, as for lockfiles. PEP 508 strings keep their
//! version clauses (parentheses and environment markers dropped, as the
//! requirements-file reader does); a direct reference becomes `@ url`. Poetry
//! tables give their `version`, or `git+url@rev` for git sources; several
//! constraints for one name are joined with ` || `. Poetry's `python` entry (the
//! interpreter) and `path` dependencies (local source trees) are skipped.

use std::collections::BTreeSet;

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, UnresolvedDependency};
use toml::{Table, Value};

use super::decode_text;
use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "pyproject.toml";

/// Lockfiles whose presence beside a `pyproject.toml` means its declarations
/// are already covered by real versions.
const SIBLING_LOCKFILES: &[&str] = &["poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "pylock.toml"];

pub(super) struct PyprojectCataloger;

impl Cataloger for PyprojectCataloger {
    fn name(&self) -> &'static str {
        "python-pyproject"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "pyproject.toml"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let directory = kensa_fs::parent(input.path);
        let has_lockfile =
            SIBLING_LOCKFILES.iter().any(|name| input.filesystem.entry(&kensa_fs::join(directory, name)).is_some());
        if has_lockfile {
            return Ok(Found::default());
        }
        parse_pyproject(input.path, input.contents)
    }
}

fn parse_pyproject(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let text = decode_text(path, FORMAT, contents)?;
    let document: Table =
        kensa_parse::toml_from_str(&text).map_err(|error| CatalogError::parse(path, FORMAT, error))?;
    let mut collector = Collector { path, found: Found::default(), seen: BTreeSet::new() };

    let project = document.get("project");
    collector.pep508_list("[project] dependencies", project.and_then(|project| project.get("dependencies")));
    collector.pep508_groups(
        "[project.optional-dependencies]",
        project.and_then(|project| project.get("optional-dependencies")),
    );
    collector.pep508_groups("[dependency-groups]", document.get("dependency-groups"));

    let tool = document.get("tool");
    let poetry = tool.and_then(|tool| tool.get("poetry"));
    collector.poetry_table(poetry.and_then(|poetry| poetry.get("dependencies")));
    collector.poetry_table(poetry.and_then(|poetry| poetry.get("dev-dependencies")));
    if let Some(groups) = poetry.and_then(|poetry| poetry.get("group")).and_then(Value::as_table) {
        for group in groups.values() {
            collector.poetry_table(group.get("dependencies"));
        }
    }
    collector.pep508_list(
        "[tool.uv] dev-dependencies",
        tool.and_then(|tool| tool.get("uv")).and_then(|uv| uv.get("dev-dependencies")),
    );
    collector.pep508_groups(
        "[tool.pdm.dev-dependencies]",
        tool.and_then(|tool| tool.get("pdm")).and_then(|pdm| pdm.get("dev-dependencies")),
    );
    Ok(collector.found)
}

struct Collector<'a> {
    path: &'a str,
    found: Found,
    seen: BTreeSet<(String, String)>,
}

impl Collector<'_> {
    fn declare(&mut self, name: &str, requirement: &str) {
        if self.seen.insert((name.to_owned(), requirement.to_owned())) {
            self.found.unresolved.push(UnresolvedDependency {
                ecosystem: Ecosystem::PyPI,
                name: name.to_owned(),
                requirement: requirement.to_owned(),
                location: self.path.to_owned(),
            });
        }
    }

    fn diagnostic(&mut self, message: String) {
        self.found.diagnostics.push(Diagnostic { path: self.path.to_owned(), message: format!("{FORMAT}: {message}") });
    }

    /// A list of PEP 508 strings. Tables in it (PEP 735's `include-group`) are
    /// skipped: the included group is read on its own.
    fn pep508_list(&mut self, section: &str, list: Option<&Value>) {
        let Some(list) = list else { return };
        let Some(items) = list.as_array() else {
            self.diagnostic(format!("{section} is not an array; skipped"));
            return;
        };
        for item in items {
            match item {
                Value::String(text) => match parse_pep508(text) {
                    Some((name, requirement)) => self.declare(name, &requirement),
                    None => self.diagnostic(format!("{section}: cannot read requirement {text:?}; skipped")),
                },
                Value::Table(_) => {}
                other => self.diagnostic(format!("{section}: {other} is not a requirement string; skipped")),
            }
        }
    }

    /// A table of named lists of PEP 508 strings.
    fn pep508_groups(&mut self, section: &str, groups: Option<&Value>) {
        let Some(groups) = groups else { return };
        let Some(groups) = groups.as_table() else {
            self.diagnostic(format!("{section} is not a table; skipped"));
            return;
        };
        for (group, list) in groups {
            self.pep508_list(&format!("{section} {group}"), Some(list));
        }
    }

    /// Poetry's `name = constraint` table.
    fn poetry_table(&mut self, table: Option<&Value>) {
        let Some(table) = table.and_then(Value::as_table) else { return };
        for (name, constraint) in table {
            if name == "python" {
                continue;
            }
            let alternatives: Vec<Option<String>> = match constraint {
                Value::Array(items) => items.iter().map(poetry_constraint).collect(),
                single => vec![poetry_constraint(single)],
            };
            // Local `path` sources (`None`) are the user's own code.
            let alternatives: Vec<String> = alternatives.into_iter().flatten().collect();
            if !alternatives.is_empty() {
                self.declare(name, &alternatives.join(" || "));
            }
        }
    }
}

/// One Poetry constraint as a requirement string; `None` for a local path.
fn poetry_constraint(constraint: &Value) -> Option<String> {
    let Some(table) = constraint.as_table() else {
        return Some(constraint.as_str().map_or_else(|| constraint.to_string(), str::to_owned));
    };
    let text = |key: &str| table.get(key).and_then(Value::as_str);
    if let Some(version) = text("version") {
        return Some(version.to_owned());
    }
    if let Some(repository) = text("git") {
        return Some(match text("rev").or_else(|| text("tag")).or_else(|| text("branch")) {
            Some(reference) => format!("git+{repository}@{reference}"),
            None => format!("git+{repository}"),
        });
    }
    if let Some(url) = text("url") {
        return Some(format!("@ {url}"));
    }
    if table.contains_key("path") {
        return None;
    }
    Some(String::new())
}

/// Name and version clauses (or `@ url`) of a PEP 508 requirement; extras and
/// environment markers are dropped. `None` when it does not start with a name.
fn parse_pep508(requirement: &str) -> Option<(&str, String)> {
    let requirement = requirement.trim();
    let name_end = requirement
        .find(|character: char| !(character.is_ascii_alphanumeric() || matches!(character, '.' | '_' | '-')))
        .unwrap_or(requirement.len());
    let name = requirement.get(..name_end)?;
    if name.is_empty() || !name.starts_with(|character: char| character.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = requirement.get(name_end..)?.trim_start();
    if let Some(after_bracket) = rest.strip_prefix('[') {
        rest = after_bracket.split_once(']')?.1.trim_start();
    }
    if let Some(url) = rest.strip_prefix('@') {
        let url = url.split_once(" ;").map_or(url, |(head, _)| head).trim();
        return (!url.is_empty()).then(|| (name, format!("@ {url}")));
    }
    let clauses = rest.split_once(';').map_or(rest, |(head, _)| head).trim();
    let clauses = clauses.strip_prefix('(').and_then(|inner| inner.strip_suffix(')')).unwrap_or(clauses).trim();
    let starts_like_a_clause = clauses.is_empty() || clauses.starts_with(['=', '!', '<', '>', '~']);
    starts_like_a_clause.then(|| (name, clauses.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PEP 508 shapes seen in real `pyproject.toml` files.
    #[test]
    fn pep508_requirements() {
        assert_eq!(parse_pep508("Flask(>=1.0,<2.0)"), Some(("Flask", ">=1.0,<2.0".to_owned())));
        assert_eq!(parse_pep508("pluggy[pre-commit,tox] (==0.13.1)"), Some(("pluggy", "==0.13.1".to_owned())));
        assert_eq!(parse_pep508("ruamel.yaml (>=0.18)"), Some(("ruamel.yaml", ">=0.18".to_owned())));
        assert_eq!(parse_pep508("requests"), Some(("requests", String::new())));
        assert_eq!(parse_pep508("x >=1; python_version < '3.8'"), Some(("x", ">=1".to_owned())), "markers are dropped");
        assert_eq!(
            parse_pep508("pkg @ https://example.invalid/pkg.whl"),
            Some(("pkg", "@ https://example.invalid/pkg.whl".to_owned()))
        );
        assert_eq!(parse_pep508("-e ."), None);
        assert_eq!(parse_pep508("name garbage"), None);
    }

    /// Poetry constraint tables: version wins, git is pinned to its reference,
    /// a local path is skipped.
    #[test]
    fn poetry_constraints() {
        let table = |text: &str| Value::Table(toml::from_str::<Table>(text).unwrap());
        assert_eq!(poetry_constraint(&Value::String("^1.0".to_owned())), Some("^1.0".to_owned()));
        assert_eq!(poetry_constraint(&table("version = '2.0'\noptional = true")), Some("2.0".to_owned()));
        assert_eq!(
            poetry_constraint(&table("git = 'https://example.invalid/r.git'\ntag = 'v1'")),
            Some("git+https://example.invalid/r.git@v1".to_owned())
        );
        assert_eq!(poetry_constraint(&table("path = '../lib'")), None);
    }
}
