//! `yarn.lock`, both the classic (v1) format and berry (v2+).
//!
//! Classic files are yarn's own indentation format, not YAML: an entry header
//! lists one or more specifiers (`a@^1, "a@~1.2"`), and an indented `version "x"`
//! line follows. It is read with a small line parser. Berry files are YAML with a
//! `__metadata` entry; each entry's `resolution` (`name@npm:1.2.3`) names the
//! package actually installed, so aliases and patches resolve to the real name.
//!
//! Not reported: workspace, `link:`, `portal:`, `file:` and `exec:` entries (the
//! project's own code). `patch:` entries are reported: they are a registry package
//! with a local patch applied, and still carry that package's version. Git and
//! tarball dependencies are reported with the version their `package.json` gives.

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package};
use serde_yaml_ng::Value;

use super::{decode_utf8, is_inside_node_modules, is_local_protocol, split_name_and_rest};
use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "yarn.lock";

pub(super) struct YarnLockCataloger;

impl Cataloger for YarnLockCataloger {
    fn name(&self) -> &'static str {
        "yarn-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "yarn.lock" && !is_inside_node_modules(&entry.path)
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = decode_utf8(input.path, FORMAT, input.contents)?;
        if text.lines().any(|line| line.starts_with("__metadata:")) {
            read_berry(input.path, text)
        } else {
            read_classic(input.path, text)
        }
    }
}

/// One classic entry being read: its specifiers and the line it started on.
struct ClassicEntry {
    specifiers: Vec<String>,
    line_number: usize,
    version: Option<String>,
}

fn read_classic(path: &str, text: &str) -> Result<Found, CatalogError> {
    let mut found = Found::default();
    let mut current: Option<ClassicEntry> = None;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let trimmed = line.trim_end();
        if trimmed.trim_start().is_empty() || trimmed.trim_start().starts_with('#') {
            continue;
        }
        if !trimmed.starts_with(' ') {
            let Some(header) = trimmed.strip_suffix(':') else {
                return Err(CatalogError::parse(
                    path,
                    FORMAT,
                    format!("line {line_number}: expected an entry header ending in `:`"),
                ));
            };
            if let Some(entry) = current.take() {
                finish_classic_entry(path, entry, &mut found);
            }
            let specifiers = split_header(header)
                .map_err(|message| CatalogError::parse(path, FORMAT, format!("line {line_number}: {message}")))?;
            current = Some(ClassicEntry { specifiers, line_number, version: None });
            continue;
        }
        let Some(entry) = current.as_mut() else {
            return Err(CatalogError::parse(
                path,
                FORMAT,
                format!("line {line_number}: indented line before any entry"),
            ));
        };
        // Only the entry's own fields (two spaces of indent) matter; deeper lines
        // belong to `dependencies` blocks.
        let indent = trimmed.len() - trimmed.trim_start().len();
        if indent != 2 {
            continue;
        }
        let field = trimmed.trim_start();
        let (key, value) = match field.split_once(char::is_whitespace) {
            Some((key, value)) => (key, value.trim()),
            None => (field, ""),
        };
        if unquote(key.trim_end_matches(':')) == "version" && !value.is_empty() {
            entry.version = Some(unquote(value).to_owned());
        }
    }
    if let Some(entry) = current.take() {
        finish_classic_entry(path, entry, &mut found);
    }
    Ok(found)
}

fn finish_classic_entry(path: &str, entry: ClassicEntry, found: &mut Found) {
    let mut name = None;
    for specifier in &entry.specifiers {
        let (specifier_name, range) = split_name_and_rest(specifier);
        if is_local_protocol(range) {
            return;
        }
        if name.is_none() {
            // An alias (`alias@npm:real@^1`) installs the real package.
            name = match range.strip_prefix("npm:") {
                Some(aliased) if aliased.contains('@') => Some(split_name_and_rest(aliased).0),
                _ => Some(specifier_name),
            };
        }
    }
    let Some(name) = name.filter(|name| !name.is_empty()) else {
        found.diagnostics.push(Diagnostic {
            path: path.to_owned(),
            message: format!("yarn.lock entry on line {} has no package name; skipped", entry.line_number),
        });
        return;
    };
    match entry.version {
        Some(version) => found.packages.push(Package::new(Ecosystem::Npm, name, &version, path)),
        None => found.diagnostics.push(Diagnostic {
            path: path.to_owned(),
            message: format!("yarn.lock entry {name:?} on line {} has no version; skipped", entry.line_number),
        }),
    }
}

/// Splits `a@^1, "b@~2"` into its specifiers, honouring quotes.
fn split_header(header: &str) -> Result<Vec<String>, String> {
    let mut specifiers = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    for character in header.chars() {
        match character {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                specifiers.push(std::mem::take(&mut current).trim().to_owned());
            }
            _ => current.push(character),
        }
    }
    if in_quotes {
        return Err("unterminated quote in entry header".to_owned());
    }
    specifiers.push(current.trim().to_owned());
    specifiers.retain(|specifier| !specifier.is_empty());
    if specifiers.is_empty() {
        return Err("empty entry header".to_owned());
    }
    Ok(specifiers)
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')).unwrap_or(text)
}

fn read_berry(path: &str, text: &str) -> Result<Found, CatalogError> {
    let document: Value = kensa_parse::yaml_from_str(text).map_err(|error| CatalogError::parse(path, FORMAT, error))?;
    let Value::Mapping(entries) = document else {
        return Err(CatalogError::parse(path, FORMAT, "the top level is not a mapping"));
    };
    let mut found = Found::default();
    for (key, entry) in &entries {
        let key = key.as_str().unwrap_or_default();
        if key == "__metadata" {
            continue;
        }
        let resolution = entry.get("resolution").and_then(Value::as_str);
        let version = entry.get("version").and_then(yaml_scalar_to_string);
        let (Some(resolution), Some(version)) = (resolution, version) else {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("yarn.lock entry {key:?} lacks a resolution or version; skipped"),
            });
            continue;
        };
        let (name, locator) = split_name_and_rest(resolution);
        if name.is_empty() || is_local_protocol(locator) || version == "0.0.0-use.local" {
            continue;
        }
        found.packages.push(Package::new(Ecosystem::Npm, name, &version, path));
    }
    Ok(found)
}

/// Berry writes versions unquoted, so YAML may read `1.0` or `2` as numbers.
fn yaml_scalar_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quoted specifiers may contain commas and colons; they stay whole.
    #[test]
    fn headers_split_on_unquoted_commas() {
        assert_eq!(
            split_header(r#""@babel/code-frame@^7.0.0", "@babel/code-frame@^7.12.13""#).unwrap(),
            vec!["@babel/code-frame@^7.0.0", "@babel/code-frame@^7.12.13"]
        );
        assert_eq!(split_header("domelementtype@1, domelementtype@^1.3.1").unwrap().len(), 2);
        assert!(split_header(r#""unterminated@1"#).is_err());
    }
}
