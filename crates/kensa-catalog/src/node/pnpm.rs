//! `pnpm-lock.yaml`, lockfile versions 5.x, 6.x and 9.x.
//!
//! Packages are read from the `packages` map, whose keys encode name and version:
//! `/name/1.2.3_peer@1.0.0` (v5), `/name@1.2.3(peer@1.0.0)` (v6) and
//! `name@1.2.3` (v9, with peer variants only under `snapshots`). Peer-dependency
//! suffixes are stripped. Entries that are not registry packages (git, tarball)
//! carry `name` and `version` fields, which win over the key.
//!
//! Not reported: local `file:`/`link:` packages (the project's own code) and keys
//! that name no version (a diagnostic says which). A file holding several YAML
//! documents (pnpm 10+ puts the package manager's own "env" lockfile first) is
//! read from its last document, the project's lockfile.

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package};
use serde::Deserialize;
use serde_yaml_ng::Value;

use super::{decode_utf8, is_inside_node_modules, split_name_and_rest};
use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "pnpm-lock.yaml";

pub(super) struct PnpmLockCataloger;

impl Cataloger for PnpmLockCataloger {
    fn name(&self) -> &'static str {
        "pnpm-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "pnpm-lock.yaml" && !is_inside_node_modules(&entry.path)
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = decode_utf8(input.path, FORMAT, input.contents)?;
        kensa_parse::check_yaml(text).map_err(|error| CatalogError::parse(input.path, FORMAT, error))?;
        let mut last_document = Value::Null;
        for document in serde_yaml_ng::Deserializer::from_str(text) {
            last_document =
                Value::deserialize(document).map_err(|error| CatalogError::parse(input.path, FORMAT, error))?;
        }
        let root = match last_document {
            // A file of comments only: a lockfile with nothing locked.
            Value::Null => return Ok(Found::default()),
            Value::Mapping(root) => root,
            _ => return Err(CatalogError::parse(input.path, FORMAT, "the top level is not a mapping")),
        };
        let key_style = root.get("lockfileVersion").map_or(KeyStyle::Slash, KeyStyle::for_lockfile_version);
        let mut found = Found::default();
        match root.get("packages") {
            None | Some(Value::Null) => {}
            Some(Value::Mapping(packages)) => {
                for (key, entry) in packages {
                    let Some(key) = key.as_str() else {
                        continue;
                    };
                    match package_from_entry(key, entry, key_style) {
                        Outcome::Package(name, version) => {
                            found.packages.push(Package::new(Ecosystem::Npm, &name, &version, input.path));
                        }
                        Outcome::Local => {}
                        Outcome::Unreadable => found.diagnostics.push(Diagnostic {
                            path: input.path.to_owned(),
                            message: format!("pnpm-lock.yaml package key {key:?} names no version; skipped"),
                        }),
                    }
                }
            }
            Some(_) => return Err(CatalogError::parse(input.path, FORMAT, "`packages` is not a mapping")),
        }
        Ok(found)
    }
}

/// How package keys separate name from version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyStyle {
    /// Lockfile 5.x: `/name/version`.
    Slash,
    /// Lockfile 6 and later: `/name@version` (v6) or `name@version` (v9).
    At,
}

impl KeyStyle {
    fn for_lockfile_version(value: &Value) -> KeyStyle {
        let number = match value {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => text.trim().parse::<f64>().ok(),
            _ => None,
        };
        match number {
            Some(number) if number >= 6.0 => KeyStyle::At,
            _ => KeyStyle::Slash,
        }
    }
}

enum Outcome {
    Package(String, String),
    Local,
    Unreadable,
}

fn package_from_entry(key: &str, entry: &Value, key_style: KeyStyle) -> Outcome {
    if key.starts_with("file:") || key.starts_with("link:") || key.contains("@file:") || key.contains("@link:") {
        return Outcome::Local;
    }
    if entry.get("resolution").and_then(|resolution| resolution.get("directory")).is_some() {
        return Outcome::Local;
    }
    let (key_name, key_version) = match parse_key(key, key_style) {
        Some((name, version)) => (Some(name), Some(version)),
        // v9 keys of tarball and git packages (`name@https://…`) still start with
        // the name; the version is then in the entry.
        None if key_style == KeyStyle::At && !key.starts_with('/') => {
            (Some(split_name_and_rest(key).0).filter(|name| !name.contains(':')), None)
        }
        None => (None, None),
    };
    let name = entry.get("name").and_then(Value::as_str).or(key_name);
    let entry_version = entry.get("version").and_then(yaml_scalar_to_string);
    let version = entry_version.as_deref().or(key_version);
    match (name, version) {
        (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => {
            Outcome::Package(name.to_owned(), version.to_owned())
        }
        _ => Outcome::Unreadable,
    }
}

/// Versions are usually strings, but YAML reads an unquoted `1.0` as a number.
fn yaml_scalar_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Name and registry version from a package key, or `None` when the key does not
/// end in a version (git and tarball keys).
fn parse_key(key: &str, key_style: KeyStyle) -> Option<(&str, &str)> {
    let (name, version) = match key_style {
        KeyStyle::At => {
            let key = key.strip_prefix('/').unwrap_or(key);
            let without_peers = key.split_once('(').map_or(key, |(head, _)| head);
            let (name, version) = split_name_and_rest(without_peers);
            // Early v6 files still used the v5 `_peer` suffix.
            (name, version.split_once('_').map_or(version, |(head, _)| head))
        }
        KeyStyle::Slash => {
            // `registry.example.com/foo/1.0.0` is read like `/foo/1.0.0`.
            let key = match key.strip_prefix('/') {
                Some(rest) => rest,
                None => key.split_once('/')?.1,
            };
            let (name, version) = if key.starts_with('@') {
                let (scope, rest) = key.split_once('/')?;
                let (short_name, version) = rest.split_once('/')?;
                (key.get(..scope.len() + 1 + short_name.len())?, version)
            } else {
                key.split_once('/')?
            };
            let version = version.split_once('(').map_or(version, |(head, _)| head);
            (name, version.split_once('_').map_or(version, |(head, _)| head))
        }
    };
    let looks_like_version =
        version.starts_with(|character: char| character.is_ascii_digit()) && !version.contains('/');
    (!name.is_empty() && looks_like_version).then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key shape pnpm has written, peer suffixes stripped.
    #[test]
    fn keys_of_every_lockfile_version() {
        let slash = KeyStyle::Slash;
        let at = KeyStyle::At;
        assert_eq!(parse_key("/foo/1.0.0", slash), Some(("foo", "1.0.0")));
        assert_eq!(parse_key("/@foo/bar/1.0.0", slash), Some(("@foo/bar", "1.0.0")));
        assert_eq!(parse_key("registry.npmjs.org/@foo/bar/1.1.0", slash), Some(("@foo/bar", "1.1.0")));
        assert_eq!(parse_key("/foo/1.4.0_@types+babel__core@7.1.14", slash), Some(("foo", "1.4.0")));
        assert_eq!(
            parse_key("/@typescript-eslint/parser/5.13.0_eslint@8.10.0+typescript@4.6.2", slash),
            Some(("@typescript-eslint/parser", "5.13.0"))
        );
        assert_eq!(parse_key("github.com/kevva/is-positive", slash), None);
        assert_eq!(parse_key("/foo/bar", slash), None);
        assert_eq!(
            parse_key("/react-dom@18.3.0-canary-ab31a9ed2-20230824(react@18.3.0)", at),
            Some(("react-dom", "18.3.0-canary-ab31a9ed2-20230824"))
        );
        assert_eq!(parse_key("@babel/core@7.0.0(supports-color@8.0.0)", at), Some(("@babel/core", "7.0.0")));
        assert_eq!(parse_key("ansi-regex@https://codeload.github.com/x/tar.gz/02fa", at), None);
        assert_eq!(parse_key("invalidpath", slash), None);
    }
}
