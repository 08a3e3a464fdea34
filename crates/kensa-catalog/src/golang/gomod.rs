//! `go.mod`: the `require` directives (single lines and blocks, `// indirect`
//! included) with `replace` directives applied, and, for modules declaring a Go
//! version before 1.17, the extra modules their sibling `go.sum` proves were built.
//!
//! A replacement by another module reports the replacement's path and version
//! (that is the code that is built); a replacement by a local directory has no
//! version, so the required module becomes an [`UnresolvedDependency`]. The main
//! module (`module`) has no version in `go.mod` and is not reported, nor is the
//! `go`/`toolchain` version: `stdlib` is reported only for binaries, whose build
//! really used that toolchain. `exclude` and `retract` do not change which
//! versions a build list holds when `go.mod` is tidy, and are not read.
//!
//! The grammar is Go's modfile syntax, written here by hand because no Rust crate
//! for it is maintained: whitespace-separated tokens, `//` comments, `"…"` and
//! `` `…` `` strings, and `verb ( … )` blocks.

use std::collections::{BTreeMap, BTreeSet};

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};

use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "go.mod";

/// Directives this parser knows; all but `module`, `go`, `require` and `replace`
/// are accepted and ignored.
const KNOWN_DIRECTIVES: &[&str] =
    &["module", "go", "toolchain", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore"];

/// Reads `go.mod` files.
pub(crate) struct GoModCataloger;

impl Cataloger for GoModCataloger {
    fn name(&self) -> &'static str {
        "go-mod"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "go.mod"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        let mut found = Found::default();
        let module_file = parse_go_mod(input.path, input.contents, &mut found.diagnostics)?;
        let go_sum = if module_file.needs_go_sum() { read_sibling_go_sum(input, &mut found.diagnostics) } else { None };
        resolve(&module_file, go_sum.as_deref(), input.path, &mut found);
        Ok(found)
    }
}

/// One `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Requirement {
    pub(crate) path: String,
    pub(crate) version: String,
}

/// One `replace` line: `old [version] => new [version]`; `new_version` is
/// `None` for a local directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replacement {
    pub(crate) old_path: String,
    pub(crate) old_version: Option<String>,
    pub(crate) new_path: String,
    pub(crate) new_version: Option<String>,
}

/// What a `go.mod` declares, as far as package identity needs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct GoModFile {
    pub(crate) module_path: Option<String>,
    pub(crate) go_version: Option<String>,
    pub(crate) requirements: Vec<Requirement>,
    pub(crate) replacements: Vec<Replacement>,
}

impl GoModFile {
    /// Before Go 1.17, `go.mod` listed only the modules it needed directly, so
    /// the rest of the build list is recovered from `go.sum`. A missing `go`
    /// directive means Go 1.16 semantics.
    fn needs_go_sum(&self) -> bool {
        let Some(version) = &self.go_version else {
            return true;
        };
        let mut parts = version.split('.');
        let major = parts.next().and_then(|part| part.parse::<u64>().ok());
        let minor = parts.next().and_then(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        });
        matches!((major, minor), (Some(1), Some(minor)) if minor < 17)
    }

    /// The replacement that applies to `path@version`: one naming that exact
    /// version wins over one naming the path alone, as in the go command.
    fn replacement_for(&self, path: &str, version: &str) -> Option<&Replacement> {
        self.replacements
            .iter()
            .find(|replacement| replacement.old_path == path && replacement.old_version.as_deref() == Some(version))
            .or_else(|| {
                self.replacements
                    .iter()
                    .find(|replacement| replacement.old_path == path && replacement.old_version.is_none())
            })
    }
}

/// Parses `go.mod` text. Malformed directives become diagnostics; a file with
/// no directive at all, invalid UTF-8, a bad string or an unclosed block is an error.
pub(crate) fn parse_go_mod(
    path: &str,
    contents: &[u8],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<GoModFile, CatalogError> {
    let text = std::str::from_utf8(contents)
        .map_err(|error| CatalogError::parse(path, FORMAT, format!("not UTF-8: {error}")))?;
    let mut module_file = GoModFile::default();
    let mut open_block: Option<(String, usize)> = None;
    let mut known_directives = 0usize;

    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let tokens = tokenize(line)
            .map_err(|message| CatalogError::parse(path, FORMAT, format!("line {line_number}: {message}")))?;
        let Some(first) = tokens.first() else {
            continue;
        };

        if let Some((verb, _)) = &open_block {
            if first == ")" && tokens.len() == 1 {
                open_block = None;
            } else {
                let verb = verb.clone();
                apply_directive(&verb, &tokens, &mut module_file)
                    .unwrap_or_else(|message| push_line_diagnostic(diagnostics, path, line_number, &message));
            }
            continue;
        }

        let verb = first.as_str();
        if !KNOWN_DIRECTIVES.contains(&verb) {
            push_line_diagnostic(diagnostics, path, line_number, &format!("unknown directive {verb:?}; line skipped"));
            continue;
        }
        known_directives += 1;
        let arguments = tokens.get(1..).unwrap_or_default();
        if arguments.len() == 1 && arguments.first().is_some_and(|token| token == "(") {
            open_block = Some((verb.to_owned(), line_number));
            continue;
        }
        apply_directive(verb, arguments, &mut module_file)
            .unwrap_or_else(|message| push_line_diagnostic(diagnostics, path, line_number, &message));
    }

    if let Some((verb, line_number)) = open_block {
        return Err(CatalogError::parse(
            path,
            FORMAT,
            format!("the {verb} block opened on line {line_number} is never closed"),
        ));
    }
    if known_directives == 0 && text.lines().any(|line| tokenize(line).is_ok_and(|tokens| !tokens.is_empty())) {
        return Err(CatalogError::parse(path, FORMAT, "no go.mod directive found; this is not a go.mod file"));
    }
    Ok(module_file)
}

fn push_line_diagnostic(diagnostics: &mut Vec<Diagnostic>, path: &str, line_number: usize, message: &str) {
    diagnostics.push(Diagnostic { path: path.to_owned(), message: format!("{path}:{line_number}: {message}") });
}

/// Applies one directive's arguments (without the verb) to `module_file`.
fn apply_directive(verb: &str, arguments: &[String], module_file: &mut GoModFile) -> Result<(), String> {
    match verb {
        "module" => match arguments {
            [module_path] => module_file.module_path = Some(module_path.clone()),
            _ => return Err("`module` takes one module path".to_owned()),
        },
        "go" => match arguments {
            [version] => module_file.go_version = Some(version.clone()),
            _ => return Err("`go` takes one version".to_owned()),
        },
        "require" => match arguments {
            [module_path, version] => {
                module_file.requirements.push(Requirement { path: module_path.clone(), version: version.clone() });
            }
            _ => return Err("`require` takes a module path and a version".to_owned()),
        },
        "replace" => module_file.replacements.push(parse_replacement(arguments)?),
        _ => {}
    }
    Ok(())
}

fn parse_replacement(arguments: &[String]) -> Result<Replacement, String> {
    let arrow = arguments.iter().position(|token| token == "=>").ok_or_else(|| "`replace` needs `=>`".to_owned())?;
    let (old, new) = arguments.split_at(arrow);
    let new = new.get(1..).unwrap_or_default();
    let (old_path, old_version) = match old {
        [old_path] => (old_path.clone(), None),
        [old_path, old_version] => (old_path.clone(), Some(old_version.clone())),
        _ => return Err("`replace` needs `module [version]` before `=>`".to_owned()),
    };
    let (new_path, new_version) = match new {
        [new_path] if is_local_path(new_path) => (new_path.clone(), None),
        [new_path] => {
            return Err(format!("replacement {new_path:?} is not a local path and has no version"));
        }
        [new_path, new_version] => (new_path.clone(), Some(new_version.clone())),
        _ => return Err("`replace` needs `module version` or a local path after `=>`".to_owned()),
    };
    Ok(Replacement { old_path, old_version, new_path, new_version })
}

/// A replacement target that is a directory rather than a module path, by the
/// go command's rule: it starts with `./`, `../` or `/`, or is a Windows path.
pub(crate) fn is_local_path(target: &str) -> bool {
    target.starts_with("./")
        || target.starts_with("../")
        || target.starts_with('/')
        || target.starts_with(".\\")
        || target.starts_with("..\\")
        || target == "."
        || target == ".."
        || target.as_bytes().get(1..3) == Some(b":\\")
}

/// Splits one line into tokens, dropping a `//` comment; `(` and `)` are tokens
/// of their own. Quoted strings are unquoted.
fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut characters = line.char_indices().peekable();
    while let Some(&(start, character)) = characters.peek() {
        if character.is_whitespace() {
            characters.next();
        } else if line.get(start..).is_some_and(|rest| rest.starts_with("//")) {
            break;
        } else if character == '(' || character == ')' {
            tokens.push(character.to_string());
            characters.next();
        } else if character == '"' {
            characters.next();
            let mut value = String::new();
            loop {
                match characters.next() {
                    None => return Err("unterminated quoted string".to_owned()),
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match characters.next() {
                        Some((_, escaped)) => value.push(escaped),
                        None => return Err("unterminated quoted string".to_owned()),
                    },
                    Some((_, other)) => value.push(other),
                }
            }
            tokens.push(value);
        } else if character == '`' {
            characters.next();
            let mut value = String::new();
            loop {
                match characters.next() {
                    None => return Err("unterminated raw string".to_owned()),
                    Some((_, '`')) => break,
                    Some((_, other)) => value.push(other),
                }
            }
            tokens.push(value);
        } else {
            let mut value = String::new();
            while let Some(&(position, next)) = characters.peek() {
                let comment_starts = line.get(position..).is_some_and(|rest| rest.starts_with("//"));
                if next.is_whitespace() || next == '(' || next == ')' || next == '"' || comment_starts {
                    break;
                }
                value.push(next);
                characters.next();
            }
            tokens.push(value);
        }
    }
    Ok(tokens)
}

/// Reads `go.sum` beside the `go.mod`, if there is one. Unreadable is a
/// diagnostic: the `go.mod` packages are still right, only incomplete.
fn read_sibling_go_sum(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let go_sum_path = kensa_fs::join(kensa_fs::parent(input.path), "go.sum");
    input.filesystem.entry(&go_sum_path)?;
    match input.filesystem.read(&go_sum_path, crate::MANIFEST_SIZE_LIMIT) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(error) => {
            diagnostics.push(Diagnostic { path: go_sum_path, message: error.to_string() });
            None
        }
    }
}

/// The newest version of each module whose source (not only its `go.mod`) has a
/// hash in `go.sum`, i.e. that a build downloaded.
pub(crate) fn built_modules_in_go_sum(go_sum: &str) -> BTreeMap<String, String> {
    let mut newest: BTreeMap<String, String> = BTreeMap::new();
    for line in go_sum.lines() {
        let mut fields = line.split_whitespace();
        let (Some(module_path), Some(version), Some(_hash)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if version.ends_with("/go.mod") {
            continue;
        }
        let is_newer = newest.get(module_path).is_none_or(|current| is_newer_go_version(version, current));
        if is_newer {
            newest.insert(module_path.to_owned(), version.to_owned());
        }
    }
    newest
}

/// Orders Go module versions by semantic versioning (they are `v`-prefixed
/// semver, `+incompatible` being build metadata); unparsable ones compare as text.
fn is_newer_go_version(candidate: &str, current: &str) -> bool {
    let parse = |version: &str| semver::Version::parse(version.strip_prefix('v').unwrap_or(version)).ok();
    match (parse(candidate), parse(current)) {
        (Some(candidate), Some(current)) => candidate.cmp_precedence(&current).is_gt(),
        _ => candidate > current,
    }
}

/// Turns requirements (and `go.sum` extras) into packages, applying replacements.
fn resolve(module_file: &GoModFile, go_sum: Option<&str>, path: &str, found: &mut Found) {
    let mut required: BTreeSet<&str> = BTreeSet::new();
    for requirement in &module_file.requirements {
        required.insert(&requirement.path);
        add_module(module_file, &requirement.path, &requirement.version, path, found);
    }
    if let Some(go_sum) = go_sum {
        // go.sum hashes the replacement, not the module it replaces.
        let replacement_targets: BTreeSet<&str> =
            module_file.replacements.iter().map(|replacement| replacement.new_path.as_str()).collect();
        for (module_path, version) in built_modules_in_go_sum(go_sum) {
            let is_main_module = module_file.module_path.as_deref() == Some(module_path.as_str());
            if !required.contains(module_path.as_str())
                && !replacement_targets.contains(module_path.as_str())
                && !is_main_module
            {
                add_module(module_file, &module_path, &version, path, found);
            }
        }
    }
}

fn add_module(module_file: &GoModFile, module_path: &str, version: &str, path: &str, found: &mut Found) {
    match module_file.replacement_for(module_path, version) {
        Some(Replacement { new_path, new_version: Some(new_version), .. }) => {
            found.packages.push(Package::new(Ecosystem::Go, new_path, new_version, path));
        }
        Some(Replacement { new_path, new_version: None, .. }) => found.unresolved.push(UnresolvedDependency {
            ecosystem: Ecosystem::Go,
            name: module_path.to_owned(),
            requirement: format!("{version} => {new_path}"),
            location: path.to_owned(),
        }),
        None => found.packages.push(Package::new(Ecosystem::Go, module_path, version, path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (GoModFile, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let module_file = parse_go_mod("go.mod", text.as_bytes(), &mut diagnostics).unwrap();
        (module_file, diagnostics)
    }

    /// Comments, quoted paths and a closing parenthesis after a token are split
    /// the way Go's modfile lexer splits them.
    #[test]
    fn tokenizer_handles_comments_and_strings() {
        assert_eq!(tokenize("require \"a/b\" v1.0.0 // indirect").unwrap(), ["require", "a/b", "v1.0.0"]);
        assert_eq!(tokenize("replace `x` => ./y").unwrap(), ["replace", "x", "=>", "./y"]);
        assert_eq!(tokenize("require (").unwrap(), ["require", "("]);
        assert_eq!(tokenize("   // only a comment").unwrap(), Vec::<String>::new());
        assert!(tokenize("require \"unterminated").is_err());
    }

    /// Blocks and single lines are both read; the `go` version decides whether
    /// `go.sum` is consulted.
    #[test]
    fn blocks_single_lines_and_go_version() {
        let (module_file, diagnostics) = parse(
            "module example.com/m\n\ngo 1.16\n\nrequire a.example/x v1.0.0\nrequire (\n\tb.example/y v0.1.0 // indirect\n)\nexclude a.example/x v0.9.0\n",
        );
        assert!(diagnostics.is_empty());
        assert_eq!(module_file.module_path.as_deref(), Some("example.com/m"));
        assert_eq!(module_file.requirements.len(), 2);
        assert!(module_file.needs_go_sum());
        let (newer, _) = parse("go 1.21.0\n");
        assert!(!newer.needs_go_sum());
    }

    /// A malformed `require` line is a diagnostic with the line number; an
    /// unclosed block is an error naming the file.
    #[test]
    fn malformed_lines_and_unclosed_blocks() {
        let (module_file, diagnostics) = parse("module m\nrequire only-a-path\nrequire ok.example/z v1.0.0\n");
        assert_eq!(module_file.requirements.len(), 1);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.starts_with("go.mod:2:"), "{}", diagnostics[0].message);

        let error = parse_go_mod("dir/go.mod", b"module m\nrequire (\n a v1\n", &mut Vec::new()).unwrap_err();
        assert!(error.to_string().contains("dir/go.mod"), "{error}");
    }

    /// Local-path detection follows the go command (relative, absolute, Windows).
    #[test]
    fn local_paths() {
        for local in ["./x", "../x", "/abs/x", "C:\\x", ".\\x"] {
            assert!(is_local_path(local), "{local}");
        }
        assert!(!is_local_path("example.com/x"));
    }

    /// Only source hashes count, and the newest version by semver wins
    /// (v1.10.0 over v1.9.0, which plain text order would get wrong).
    #[test]
    fn go_sum_newest_built_version() {
        let go_sum = "a.example/x v1.9.0 h1:a=\na.example/x v1.10.0 h1:b=\na.example/x v1.11.0/go.mod h1:c=\n";
        let modules = built_modules_in_go_sum(go_sum);
        assert_eq!(modules.get("a.example/x").map(String::as_str), Some("v1.10.0"));
    }
}
