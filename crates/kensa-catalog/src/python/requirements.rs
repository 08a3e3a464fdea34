//! pip requirements files: `requirements*.txt`, `*requirements*.txt` and
//! `requirements/*.txt`.
//!
//! A line pinned with `==` or `===` to a concrete version is a package. Every
//! other requirement — a range, a bare name, a wildcard, an environment variable,
//! a direct URL (`name @ https://…`) or an editable `#egg=` line — becomes an
//! unresolved dependency, so the report can say it was not checked. A local wheel
//! path names its package and version in its file name and is read as a pin.
//!
//! Handled as pip does: `\` line continuations, `#` comments, extras
//! (`name[extra]==1`), per-requirement options (`--hash=…`, `-C …`), and nested
//! `-r`/`--requirement` files, read through the scanned filesystem relative to the
//! including file, at most [`MAXIMUM_INCLUDE_DEPTH`] deep and each file once (so
//! include loops end). Environment markers are not evaluated.
//!
//! Not followed: `-c` constraint files (they install nothing), includes by URL or
//! absolute path (outside the scanned tree). A line that is not a requirement at
//! all becomes a diagnostic naming the file and line; the rest of the file is
//! still read, because one bad line should not hide the other pins.

use std::collections::BTreeSet;

use kensa_fs::{FileEntry, FileSystem};
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};

use super::decode_text;
use crate::{CatalogError, Cataloger, FileInput, Found, MANIFEST_SIZE_LIMIT};

const FORMAT: &str = "requirements.txt";

/// How many `-r` includes deep a chain may go.
const MAXIMUM_INCLUDE_DEPTH: usize = 10;

/// Comparison operators of PEP 440 version specifiers, longest first so that
/// `===` is not read as `==`.
const OPERATORS: &[&str] = &["===", "==", "~=", "!=", ">=", "<=", ">", "<"];

pub(super) struct RequirementsCataloger;

impl Cataloger for RequirementsCataloger {
    fn name(&self) -> &'static str {
        "python-requirements"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        let path = entry.path.as_str();
        let file_name = entry.file_name();
        let parent_name = kensa_fs::parent(path).rsplit('/').next().unwrap_or_default();
        let inside_installed_tree =
            path.split('/').any(|component| matches!(component, "node_modules" | "site-packages" | "dist-packages"));
        file_name.ends_with(".txt")
            && (file_name.contains("requirements") || parent_name == "requirements")
            && !inside_installed_tree
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let text = decode_text(input.path, FORMAT, input.contents)?;
        let mut reader = RequirementsReader {
            filesystem: input.filesystem,
            visited: BTreeSet::from([input.path.to_owned()]),
            found: Found::default(),
        };
        reader.read_file(input.path, &text, 0);
        Ok(reader.found)
    }
}

struct RequirementsReader<'a> {
    filesystem: &'a dyn FileSystem,
    visited: BTreeSet<String>,
    found: Found,
}

impl RequirementsReader<'_> {
    fn read_file(&mut self, path: &str, text: &str, depth: usize) {
        for (line_number, line) in logical_lines(text) {
            let line = strip_comment(&line).trim().to_owned();
            if line.is_empty() {
                continue;
            }
            if line.starts_with('-') {
                self.read_option_line(path, line_number, &line, depth);
            } else {
                self.read_requirement(path, line_number, &line);
            }
        }
    }

    fn read_option_line(&mut self, path: &str, line_number: usize, line: &str, depth: usize) {
        let (option, argument) = split_option(line);
        match option {
            "-r" | "--requirement" => self.include(path, line_number, argument, depth),
            "-e" | "--editable" => {
                if let Some(name) = egg_name(argument) {
                    self.unresolved(path, name, argument);
                } else {
                    self.diagnostic(path, line_number, format!("editable requirement {argument:?} names no package"));
                }
            }
            // Constraints, index and build options install nothing by themselves.
            _ => {}
        }
    }

    fn include(&mut self, path: &str, line_number: usize, target: &str, depth: usize) {
        if target.contains("://") || target.starts_with('/') {
            self.diagnostic(
                path,
                line_number,
                format!("included file {target:?} is outside the scanned tree; not read"),
            );
            return;
        }
        let Some(included_path) = resolve_relative(kensa_fs::parent(path), target) else {
            self.diagnostic(
                path,
                line_number,
                format!("included file {target:?} is outside the scanned tree; not read"),
            );
            return;
        };
        if depth + 1 > MAXIMUM_INCLUDE_DEPTH {
            self.diagnostic(
                path,
                line_number,
                format!("included file {included_path} is more than {MAXIMUM_INCLUDE_DEPTH} includes deep; not read"),
            );
            return;
        }
        // Each file is read once: that ends include loops and avoids reporting
        // a file shared by several includes twice.
        if !self.visited.insert(included_path.clone()) {
            return;
        }
        let contents = match self.filesystem.read(&included_path, MANIFEST_SIZE_LIMIT) {
            Ok(contents) => contents,
            Err(error) => {
                self.diagnostic(path, line_number, format!("cannot read included file: {error}"));
                return;
            }
        };
        match decode_text(&included_path, FORMAT, &contents) {
            Ok(text) => self.read_file(&included_path, &text, depth + 1),
            Err(error) => {
                self.found.diagnostics.push(Diagnostic { path: included_path.clone(), message: error.to_string() })
            }
        }
    }

    fn read_requirement(&mut self, path: &str, line_number: usize, line: &str) {
        let line = strip_per_requirement_options(line);
        // Outside a URL a `#` can only start a comment, even unspaced (`pkg==1.0#note`).
        let line = if line.contains("://") { line } else { line.split_once('#').map_or(line, |(head, _)| head) };
        if let Some((name, version)) = wheel_name_and_version(line) {
            self.found.packages.push(Package::new(Ecosystem::PyPI, name, version, path));
            return;
        }
        match parse_requirement(line) {
            Some(Requirement { name, specifier: Specifier::Url(url) }) => {
                self.unresolved(path, name, &format!("@ {url}"))
            }
            Some(Requirement { name, specifier: Specifier::Versions(specifier) }) => match pinned_version(specifier) {
                Some(version) => self.found.packages.push(Package::new(Ecosystem::PyPI, name, version, path)),
                None => self.unresolved(path, name, specifier),
            },
            // A bare VCS or archive URL names its package only in an `#egg=` fragment.
            Some(Requirement { specifier: Specifier::Invalid, .. }) | None => match egg_name(line) {
                Some(name) => self.unresolved(path, name, line),
                None => self.diagnostic(path, line_number, format!("cannot read requirement {line:?}; skipped")),
            },
        }
    }

    fn unresolved(&mut self, path: &str, name: &str, requirement: &str) {
        self.found.unresolved.push(UnresolvedDependency {
            ecosystem: Ecosystem::PyPI,
            name: name.to_owned(),
            requirement: requirement.trim().to_owned(),
            location: path.to_owned(),
        });
    }

    fn diagnostic(&mut self, path: &str, line_number: usize, message: String) {
        self.found
            .diagnostics
            .push(Diagnostic { path: path.to_owned(), message: format!("line {line_number}: {message}") });
    }
}

/// Joins `\`-continued lines, numbering each logical line by its first line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, physical) in text.lines().enumerate() {
        let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
        match physical.strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head);
                joined.push(' ');
                pending = Some((start, joined));
            }
            None => {
                joined.push_str(physical);
                lines.push((start, joined));
            }
        }
    }
    lines.extend(pending);
    lines
}

/// Drops a `#` comment: one at the start of the line or after whitespace (a `#`
/// inside a URL fragment such as `#egg=` is not a comment).
fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    for (index, character) in line.char_indices() {
        if character == '#' && previous_is_space {
            return line.get(..index).unwrap_or(line);
        }
        previous_is_space = character.is_whitespace();
    }
    line
}

/// `-r file`, `-rfile`, `--requirement=file` → (`-r`/`--requirement`, `file`).
fn split_option(line: &str) -> (&str, &str) {
    if let Some(long) = line.strip_prefix("--") {
        let end = long.find(|character: char| character == '=' || character.is_whitespace()).unwrap_or(long.len());
        let option = line.get(..end + 2).unwrap_or(line);
        let argument = long.get(end..).unwrap_or_default();
        return (option, argument.trim_start_matches('=').trim());
    }
    let option = line.get(..2).unwrap_or(line);
    (option, line.get(2..).unwrap_or_default().trim())
}

/// Joins a relative include path to a directory, resolving `.` and `..`; `None`
/// if it climbs above the root.
fn resolve_relative(directory: &str, target: &str) -> Option<String> {
    let mut components: Vec<&str> = directory.split('/').filter(|component| !component.is_empty()).collect();
    for component in target.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                components.pop()?;
            }
            other => components.push(other),
        }
    }
    (!components.is_empty()).then(|| components.join("/"))
}

/// Cuts per-requirement options (`--hash=…`, `--config-settings …`, `-C …`),
/// which start at the first whitespace-preceded `-`.
fn strip_per_requirement_options(line: &str) -> &str {
    let mut previous_is_space = false;
    for (index, character) in line.char_indices() {
        if character == '-' && previous_is_space {
            return line.get(..index).unwrap_or(line).trim_end();
        }
        previous_is_space = character.is_whitespace();
    }
    line
}

/// `name` from a `…#egg=name` URL fragment.
fn egg_name(text: &str) -> Option<&str> {
    let (_, fragment) = text.split_once("#egg=")?;
    let name = fragment.split(['&', ' ', '[']).next().unwrap_or_default();
    is_valid_name(name).then_some(name)
}

/// Name and version of a wheel given by path or URL (PEP 427 file names:
/// `name-version-…-….whl`).
fn wheel_name_and_version(line: &str) -> Option<(&str, &str)> {
    if line.contains(char::is_whitespace) || !line.ends_with(".whl") {
        return None;
    }
    let file_name = line.rsplit('/').next()?;
    let mut parts = file_name.split('-');
    let name = parts.next()?;
    let version = parts.next()?;
    (is_valid_name(name) && is_valid_version(version)).then_some((name, version))
}

struct Requirement<'a> {
    name: &'a str,
    specifier: Specifier<'a>,
}

enum Specifier<'a> {
    /// Version clauses as written (`>=1.0, <2`), empty for a bare name.
    Versions(&'a str),
    /// A direct reference (`name @ https://…`).
    Url(&'a str),
    Invalid,
}

/// Parses a PEP 508 requirement: name, optional `[extras]`, then version clauses
/// or `@ url`, then optional `; markers` (ignored). `None` when no name starts it.
fn parse_requirement(line: &str) -> Option<Requirement<'_>> {
    let name_end = line
        .find(|character: char| !(character.is_ascii_alphanumeric() || matches!(character, '.' | '_' | '-')))
        .unwrap_or(line.len());
    let name = line.get(..name_end)?;
    if !is_valid_name(name) {
        return None;
    }
    let mut rest = line.get(name_end..)?.trim_start();
    if let Some(after_bracket) = rest.strip_prefix('[') {
        let (_, after_extras) = after_bracket.split_once(']')?;
        rest = after_extras.trim_start();
    }
    if let Some(url) = rest.strip_prefix('@') {
        let url = url.split_once(" ;").map_or(url, |(head, _)| head).trim();
        return Some(Requirement { name, specifier: Specifier::Url(url) });
    }
    let specifier = rest.split_once(';').map_or(rest, |(head, _)| head).trim();
    let specifier = specifier.strip_prefix('(').and_then(|inner| inner.strip_suffix(')')).unwrap_or(specifier);
    let every_clause_has_operator = specifier.is_empty()
        || specifier
            .split(',')
            .all(|clause| OPERATORS.iter().any(|operator| clause.trim_start().starts_with(operator)));
    let specifier = if every_clause_has_operator { Specifier::Versions(specifier.trim()) } else { Specifier::Invalid };
    Some(Requirement { name, specifier })
}

/// The version of the first `==`/`===` clause naming one exact version.
fn pinned_version(specifier: &str) -> Option<&str> {
    specifier.split(',').find_map(|clause| {
        let clause = clause.trim();
        let version = clause.strip_prefix("===").or_else(|| clause.strip_prefix("=="))?;
        let version = version.split_whitespace().next()?;
        is_valid_version(version).then_some(version)
    })
}

/// PEP 508 names: ASCII letters and digits, with `.`, `_`, `-` inside.
fn is_valid_name(name: &str) -> bool {
    let edges_alphanumeric = name.starts_with(|character: char| character.is_ascii_alphanumeric())
        && name.ends_with(|character: char| character.is_ascii_alphanumeric());
    edges_alphanumeric
        && name.chars().all(|character| character.is_ascii_alphanumeric() || matches!(character, '.' | '_' | '-'))
}

/// A concrete version: no wildcard, no template or variable syntax.
fn is_valid_version(version: &str) -> bool {
    version.starts_with(|character: char| character.is_ascii_alphanumeric())
        && version
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '.' | '+' | '!' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins are found among other clauses; wildcards and variables are not pins.
    #[test]
    fn pins_and_ranges() {
        assert_eq!(pinned_version("==1.2"), Some("1.2"));
        assert_eq!(pinned_version("=== 1.0"), Some("1.0"));
        assert_eq!(pinned_version(">=1, ==1.5"), Some("1.5"));
        assert_eq!(pinned_version("==0.7.*"), None);
        assert_eq!(pinned_version("==${VERSION}"), None);
        assert_eq!(pinned_version(">=2"), None);
        assert_eq!(pinned_version("=="), None);
    }

    /// `#` starts a comment only at the line start or after whitespace.
    #[test]
    fn comments() {
        assert_eq!(strip_comment("requests ==1.0 # pinned"), "requests ==1.0 ");
        assert_eq!(strip_comment("# whole line"), "");
        assert_eq!(strip_comment("git+https://x/y#egg=y"), "git+https://x/y#egg=y");
    }

    /// Includes resolve relative to the including file and may not leave the root.
    #[test]
    fn include_paths() {
        assert_eq!(resolve_relative("a/b", "../c.txt").as_deref(), Some("a/c.txt"));
        assert_eq!(resolve_relative("", "./base.txt").as_deref(), Some("base.txt"));
        assert_eq!(resolve_relative("", "../outside.txt"), None);
    }

    /// Options are recognised in their short, long and `=` forms.
    #[test]
    fn options() {
        assert_eq!(split_option("-r base.txt"), ("-r", "base.txt"));
        assert_eq!(split_option("-rbase.txt"), ("-r", "base.txt"));
        assert_eq!(split_option("--requirement=base.txt"), ("--requirement", "base.txt"));
        assert_eq!(split_option("--requirement base.txt"), ("--requirement", "base.txt"));
    }

    /// Wheel file names carry name and version.
    #[test]
    fn wheels() {
        assert_eq!(wheel_name_and_version("./downloads/numpy-1.9.2-cp34-none-win32.whl"), Some(("numpy", "1.9.2")));
        assert_eq!(wheel_name_and_version("numpy==1.0"), None);
    }
}
