//! Ruby gems: Bundler lockfiles (`Gemfile.lock`, `gems.locked`) and the installed
//! gem specifications RubyGems writes under `specifications/*.gemspec`.
//!
//! Every gem under a `specs:` block of a `GEM`, `GIT` or `PATH` section becomes a
//! package: git and path gems still carry the version of their gemspec, and a
//! fork of a published gem is as vulnerable as the gem it forked. Platform
//! suffixes (`1.13.1-x86_64-linux`) are cut, as Bundler itself does, so the same
//! gem locked for two platforms is one package.
//!
//! Deliberately not handled: `Gemfile` (no versions), the `DEPENDENCIES` section
//! (requirements, already resolved in `specs`), and installed gemspecs written by
//! hand with computed names or versions (only string literals are read).

use std::collections::BTreeSet;

use kensa_fs::{FileEntry, file_name, parent};
use kensa_model::{Diagnostic, Ecosystem, Package};

use crate::{CatalogError, Cataloger, FileInput, Found};

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(GemfileLockCataloger), Box::new(InstalledGemspecCataloger)]
}

const GEMFILE_LOCK_FORMAT: &str = "Gemfile.lock";

/// Section headers Bundler writes at column zero.
const KNOWN_SECTIONS: [&str; 9] =
    ["GEM", "GIT", "PATH", "PLUGIN SOURCE", "PLATFORMS", "DEPENDENCIES", "RUBY VERSION", "BUNDLED WITH", "CHECKSUMS"];

struct GemfileLockCataloger;

impl Cataloger for GemfileLockCataloger {
    fn name(&self) -> &'static str {
        "ruby-gemfile-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        matches!(entry.file_name(), "Gemfile.lock" | "gems.locked")
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_gemfile_lock(input.path, input.contents)
    }
}

/// Where the line reader is inside the lockfile.
#[derive(PartialEq, Eq)]
enum Position {
    /// Before any section, or in a section without gems.
    Elsewhere,
    /// In a `GEM`/`GIT`/`PATH` section, before its `specs:` line.
    SourceHeader,
    /// Inside a `specs:` block.
    Specs,
}

fn parse_gemfile_lock(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let text = std::str::from_utf8(contents).map_err(|error| CatalogError::parse(path, GEMFILE_LOCK_FORMAT, error))?;
    let mut found = Found::default();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut position = Position::Elsewhere;
    let mut saw_section = false;
    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let header = line.trim_end();
            saw_section |= KNOWN_SECTIONS.contains(&header);
            position = if matches!(header, "GEM" | "GIT" | "PATH" | "PLUGIN SOURCE") {
                Position::SourceHeader
            } else {
                Position::Elsewhere
            };
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        match position {
            Position::Elsewhere => {}
            Position::SourceHeader | Position::Specs if indent == 2 => {
                position = if line.trim() == "specs:" { Position::Specs } else { Position::SourceHeader };
            }
            Position::SourceHeader => {}
            // Six spaces are a gem's own dependencies: requirements, not packages.
            Position::Specs if indent != 4 => {}
            Position::Specs => match parse_spec_line(line.trim()) {
                Some((name, version)) => {
                    if seen.insert((name.to_owned(), version.to_owned())) {
                        found.packages.push(Package::new(Ecosystem::RubyGems, name, version, path));
                    }
                }
                None => found.diagnostics.push(Diagnostic {
                    path: path.to_owned(),
                    message: format!(
                        "line {}: gem spec {:?} has no `name (version)` form; skipped",
                        index + 1,
                        line.trim()
                    ),
                }),
            },
        }
    }
    if !saw_section && !text.trim().is_empty() {
        return Err(CatalogError::parse(
            path,
            GEMFILE_LOCK_FORMAT,
            "no GEM, GIT, PATH, PLATFORMS, DEPENDENCIES or BUNDLED WITH section",
        ));
    }
    Ok(found)
}

/// Splits `nokogiri (1.13.3-x86_64-linux)` into `("nokogiri", "1.13.3")`.
fn parse_spec_line(spec: &str) -> Option<(&str, &str)> {
    let (name, rest) = spec.split_once(" (")?;
    let version_and_platform = rest.strip_suffix(')')?;
    // Bundler's own lockfile grammar: the version never contains `-`, whatever
    // follows the first `-` is the platform.
    let version = version_and_platform.split('-').next().unwrap_or(version_and_platform).trim();
    let name = name.trim();
    if name.is_empty() || version.is_empty() || name.contains(' ') {
        return None;
    }
    Some((name, version))
}

const GEMSPEC_FORMAT: &str = "installed gemspec";

struct InstalledGemspecCataloger;

impl Cataloger for InstalledGemspecCataloger {
    fn name(&self) -> &'static str {
        "ruby-installed-gemspec"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.path.ends_with(".gemspec") && file_name(parent(&entry.path)) == "specifications"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_installed_gemspec(input.path, input.contents)
    }
}

fn parse_installed_gemspec(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let text = String::from_utf8_lossy(contents);
    let mut name = None;
    let mut version = None;
    for line in text.lines() {
        if name.is_none() {
            name = gemspec_string_attribute(line, "name");
        }
        if version.is_none() {
            version = gemspec_string_attribute(line, "version");
        }
    }
    match (name, version) {
        (Some(name), Some(version)) => {
            Ok(Found { packages: vec![Package::new(Ecosystem::RubyGems, &name, &version, path)], ..Found::default() })
        }
        _ => Err(CatalogError::parse(path, GEMSPEC_FORMAT, "no string literal `name` and `version` attributes")),
    }
}

/// Reads `s.name = "rake".freeze` (any receiver, either quote) as `rake`.
fn gemspec_string_attribute(line: &str, attribute: &str) -> Option<String> {
    let trimmed = line.trim();
    let (receiver, rest) = trimmed.split_once('.')?;
    if receiver.is_empty() || !receiver.chars().all(|character| character.is_ascii_alphanumeric() || character == '_') {
        return None;
    }
    let value = rest.strip_prefix(attribute)?.trim_start().strip_prefix('=')?.trim_start();
    let quote = value.chars().next().filter(|quote| matches!(quote, '"' | '\''))?;
    let inner = value.get(quote.len_utf8()..)?;
    let end = inner.find(quote)?;
    let literal = inner.get(..end)?.trim();
    (!literal.is_empty()).then(|| literal.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The platform suffix is cut at the first `-`, and malformed lines are refused.
    #[test]
    fn spec_lines() {
        assert_eq!(parse_spec_line("nokogiri (1.13.3-x86_64-linux)"), Some(("nokogiri", "1.13.3")));
        assert_eq!(parse_spec_line("eco-source (1.1.0.rc.1)"), Some(("eco-source", "1.1.0.rc.1")));
        assert_eq!(parse_spec_line("invalid-name"), None);
        assert_eq!(parse_spec_line("x ()"), None);
    }

    /// Installed gemspecs use `.freeze` string literals; computed values are not read.
    #[test]
    fn gemspec_attributes() {
        assert_eq!(gemspec_string_attribute("  s.name = \"rake\".freeze", "name"), Some("rake".to_owned()));
        assert_eq!(gemspec_string_attribute("  spec.version = '1.0'", "version"), Some("1.0".to_owned()));
        assert_eq!(gemspec_string_attribute("  s.version = Foo::VERSION", "version"), None);
        assert_eq!(gemspec_string_attribute("  s.name_x = \"a\"", "name"), None);
    }
}
