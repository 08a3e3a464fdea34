//! Bun: the text lockfile `bun.lock` (Bun 1.1.39 and later), and a diagnostic for
//! the older binary `bun.lockb`.
//!
//! `bun.lock` is JSON with comments and trailing commas allowed (JSONC). Its
//! `packages` map goes from an install path (`chalk/supports-color`) to an array
//! whose first element is the resolved `name@version`; the rest (registry,
//! dependencies, integrity) is not needed. The install path is not the name: an
//! alias (`"old": ["supports-color@6.1.0", …]`) installs the real package named in
//! the first element, which is what is reported.
//!
//! Not reported: workspace members, `link:`, `file:` and other local packages
//! (the project's own code, see the module docs). Git and tarball packages are
//! pinned, but not to a registry version, so they become unresolved dependencies.
//!
//! `bun.lockb` is Bun's undocumented binary format, which changes between Bun
//! versions; it is not decoded. When a `bun.lock` sits beside it, Bun itself
//! reads the text one, so the binary file is skipped silently; otherwise it is
//! reported as unreadable with the command that converts it.

use std::collections::BTreeSet;

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};
use serde_json::Value;

use super::{decode_utf8, is_inside_node_modules, is_local_protocol, split_name_and_rest};
use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "bun.lock";
const BINARY_FORMAT: &str = "bun.lockb";

pub(super) struct BunLockCataloger;

impl Cataloger for BunLockCataloger {
    fn name(&self) -> &'static str {
        "bun-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        matches!(entry.file_name(), "bun.lock" | "bun.lockb") && !is_inside_node_modules(&entry.path)
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        if kensa_fs::file_name(input.path) == "bun.lockb" {
            let text_lockfile = kensa_fs::join(kensa_fs::parent(input.path), "bun.lock");
            if input.filesystem.entry(&text_lockfile).is_some() {
                return Ok(Found::default());
            }
            return Err(CatalogError::parse(
                input.path,
                BINARY_FORMAT,
                "binary bun.lockb not supported; run `bun install --save-text-lockfile`",
            ));
        }
        parse_bun_lock(input.path, input.contents)
    }
}

fn parse_bun_lock(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let text = decode_utf8(path, FORMAT, contents)?;
    // serde_json refuses nesting past 128 levels, which bounds the depth of
    // anything a hostile lockfile can make us walk.
    let document: Value =
        serde_json::from_str(&strip_jsonc(text)).map_err(|error| CatalogError::parse(path, FORMAT, error))?;
    let Some(document) = document.as_object() else {
        return Err(CatalogError::parse(path, FORMAT, "the document is not a JSON object"));
    };
    if let Some(version) = document.get("lockfileVersion")
        && version.as_u64().is_none()
    {
        return Err(CatalogError::parse(path, FORMAT, format!("lockfileVersion {version} is not a number")));
    }
    let packages = match document.get("packages") {
        None | Some(Value::Null) => return Ok(Found::default()),
        Some(Value::Object(packages)) => packages,
        Some(_) => return Err(CatalogError::parse(path, FORMAT, "`packages` is not an object")),
    };
    let mut found = Found::default();
    let mut seen = BTreeSet::new();
    for (install_path, entry) in packages {
        let Some(specifier) = entry.as_array().and_then(|tuple| tuple.first()).and_then(Value::as_str) else {
            found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!(
                    "{FORMAT} package {install_path:?} does not start with a \"name@version\" string; skipped"
                ),
            });
            continue;
        };
        match classify(specifier) {
            Resolution::Registry(name, version) => {
                if seen.insert((name, version)) {
                    found.packages.push(Package::new(Ecosystem::Npm, name, version, path));
                }
            }
            Resolution::Local => {}
            Resolution::Unregistered(name, source) => found.unresolved.push(UnresolvedDependency {
                ecosystem: Ecosystem::Npm,
                name: name.to_owned(),
                requirement: source.to_owned(),
                location: path.to_owned(),
            }),
            Resolution::Unreadable => found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!("{FORMAT} package {install_path:?} has no version in {specifier:?}; skipped"),
            }),
        }
    }
    Ok(found)
}

#[derive(Debug, PartialEq, Eq)]
enum Resolution<'a> {
    /// A registry release: name and version.
    Registry(&'a str, &'a str),
    /// The project's own code (workspace member, `file:`, `link:`).
    Local,
    /// Pinned to a git commit or tarball URL: name and that source.
    Unregistered(&'a str, &'a str),
    Unreadable,
}

/// Classifies the `name@resolution` that starts a package's array.
fn classify(specifier: &str) -> Resolution<'_> {
    let (name, resolution) = split_name_and_rest(specifier);
    if name.is_empty() || resolution.is_empty() {
        return Resolution::Unreadable;
    }
    if is_local_protocol(resolution) || resolution.starts_with("root:") {
        return Resolution::Local;
    }
    // An npm alias resolution names the real package.
    if let Some(aliased) = resolution.strip_prefix("npm:") {
        return match split_name_and_rest(aliased) {
            (real_name, real_version) if !real_name.is_empty() && is_registry_version(real_version) => {
                Resolution::Registry(real_name, real_version)
            }
            _ => Resolution::Unreadable,
        };
    }
    if is_registry_version(resolution) {
        Resolution::Registry(name, resolution)
    } else {
        Resolution::Unregistered(name, resolution)
    }
}

/// A semver version starts with a digit; git (`github:…`, `git+ssh://…`) and
/// tarball (`https://…`) resolutions do not.
fn is_registry_version(resolution: &str) -> bool {
    resolution.starts_with(|character: char| character.is_ascii_digit())
}

/// Turns JSONC into JSON: drops `//` and `/* */` comments and commas before a
/// closing bracket, outside strings. Removed characters become spaces (newlines
/// are kept) so serde_json's line and column numbers still point into the file.
///
/// Written here rather than taken from a JSON5/JSONC crate because this is all
/// Bun's format needs, and serde_json then keeps its nesting limit and messages.
fn strip_jsonc(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    let mut in_string = false;
    while let Some(character) = characters.next() {
        if in_string {
            output.push(character);
            match character {
                '\\' => output.extend(characters.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match character {
            '"' => {
                in_string = true;
                output.push(character);
            }
            '/' if characters.peek() == Some(&'/') => {
                output.push(' ');
                while let Some(&next) = characters.peek() {
                    if next == '\n' {
                        break;
                    }
                    output.push(' ');
                    characters.next();
                }
            }
            '/' if characters.peek() == Some(&'*') => {
                output.push(' ');
                let mut previous = ' ';
                for next in characters.by_ref() {
                    output.push(if next == '\n' { '\n' } else { ' ' });
                    if previous == '*' && next == '/' {
                        break;
                    }
                    previous = next;
                }
            }
            '}' | ']' => {
                let trailing = output.trim_end();
                if trailing.ends_with(',') {
                    let comma = trailing.len() - 1;
                    output.replace_range(comma..=comma, " ");
                }
                output.push(character);
            }
            _ => output.push(character),
        }
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trailing commas and comments go, commas and slashes inside strings stay.
    #[test]
    fn jsonc_to_json() {
        let text = "{\n  // note\n  \"a,]\": [1, 2,],\n  \"b//c\": {\"d\": \"/*x*/\",}, /* block\n */\n}";
        let value: Value = serde_json::from_str(&strip_jsonc(text)).unwrap();
        assert_eq!(value, serde_json::json!({"a,]": [1, 2], "b//c": {"d": "/*x*/"}}));
        assert_eq!(strip_jsonc("[\"\\\"\",]"), "[\"\\\"\" ]");
    }

    /// Each kind of resolution Bun writes.
    #[test]
    fn resolutions() {
        assert_eq!(classify("@types/bun@1.2.13"), Resolution::Registry("@types/bun", "1.2.13"));
        assert_eq!(classify("my-app@workspace:my-app"), Resolution::Local);
        assert_eq!(classify("etag@file:deps/etag"), Resolution::Local);
        assert_eq!(
            classify("is-number@github:jonschlinkert/is-number#98e8ff1"),
            Resolution::Unregistered("is-number", "github:jonschlinkert/is-number#98e8ff1")
        );
        assert_eq!(classify("old@npm:supports-color@6.1.0"), Resolution::Registry("supports-color", "6.1.0"));
        assert_eq!(classify("wrappy"), Resolution::Unreadable);
    }
}
