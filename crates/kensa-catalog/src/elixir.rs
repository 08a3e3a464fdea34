//! Elixir and Erlang packages from hex.pm: `mix.lock`.
//!
//! `mix.lock` is an Elixir map literal, not JSON, so it is read with a small
//! recursive-descent parser for the subset of Elixir term syntax Mix writes:
//! maps, tuples, lists, keyword pairs, strings, atoms, numbers. Each
//! `{:hex, :package, "version", …}` entry is a package named by its Hex package
//! (the second element; the map key is the OTP app name, which may differ).
//! `{:git, url, revision, …}` entries have no Hex version and are reported as
//! unresolved dependencies, never silently dropped.
//!
//! Deliberately not handled: `mix.exs` (requirements) and `rebar.lock`.

use kensa_fs::FileEntry;
use kensa_model::{Diagnostic, Ecosystem, Package, UnresolvedDependency};

use crate::{CatalogError, Cataloger, FileInput, Found};

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(MixLockCataloger)]
}

const MIX_LOCK_FORMAT: &str = "mix.lock";

/// Deepest nesting accepted; Mix writes at most four levels.
const MAXIMUM_DEPTH: usize = 64;

struct MixLockCataloger;

impl Cataloger for MixLockCataloger {
    fn name(&self) -> &'static str {
        "elixir-mix-lock"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        entry.file_name() == "mix.lock"
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        parse_mix_lock(input.path, input.contents)
    }
}

/// An Elixir term, as far as `mix.lock` needs.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    Map(Vec<(Term, Term)>),
    Tuple(Vec<Term>),
    List(Vec<Term>),
    String(String),
    Atom(String),
    /// Numbers, `true`/`false`/`nil` and other bare words, kept as written.
    Word(String),
}

fn parse_mix_lock(path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let text = std::str::from_utf8(contents).map_err(|error| CatalogError::parse(path, MIX_LOCK_FORMAT, error))?;
    let mut found = Found::default();
    if text.trim().is_empty() {
        return Ok(found);
    }
    let mut parser = TermParser { text, offset: 0 };
    let term = parser
        .parse_term(0)
        .and_then(|term| {
            parser.skip_whitespace();
            if parser.offset < text.len() {
                Err(format!("unexpected text after the map at byte {}", parser.offset))
            } else {
                Ok(term)
            }
        })
        .map_err(|message| CatalogError::parse(path, MIX_LOCK_FORMAT, message))?;
    let Term::Map(entries) = term else {
        return Err(CatalogError::parse(path, MIX_LOCK_FORMAT, "the file is not a map (`%{...}`)"));
    };
    for (key, value) in entries {
        let app = match &key {
            Term::String(app) | Term::Atom(app) => app.clone(),
            other => format!("{other:?}"),
        };
        let elements = match value {
            Term::Tuple(elements) => elements,
            _ => {
                found.diagnostics.push(Diagnostic {
                    path: path.to_owned(),
                    message: format!("entry {app:?} is not a tuple; skipped"),
                });
                continue;
            }
        };
        match elements.as_slice() {
            [Term::Atom(kind), Term::Atom(package), Term::String(version), ..] if kind == "hex" => {
                found.packages.push(Package::new(Ecosystem::Hex, package, version, path));
            }
            [Term::Atom(kind), Term::String(url), rest @ ..] if kind == "git" => {
                let revision = match rest.first() {
                    Some(Term::String(revision)) => format!("#{revision}"),
                    _ => String::new(),
                };
                found.unresolved.push(UnresolvedDependency {
                    ecosystem: Ecosystem::Hex,
                    name: app,
                    requirement: format!("git {url}{revision}"),
                    location: path.to_owned(),
                });
            }
            _ => found.diagnostics.push(Diagnostic {
                path: path.to_owned(),
                message: format!(
                    "entry {app:?} is neither `{{:hex, :name, \"version\", ...}}` nor a git entry; skipped"
                ),
            }),
        }
    }
    Ok(found)
}

struct TermParser<'a> {
    text: &'a str,
    offset: usize,
}

impl<'a> TermParser<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.offset..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start();
        self.offset += rest.len() - trimmed.len();
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        self.skip_whitespace();
        if self.rest().starts_with(token) {
            self.offset += token.len();
            Ok(())
        } else {
            Err(format!("expected `{token}` at byte {}", self.offset))
        }
    }

    fn parse_term(&mut self, depth: usize) -> Result<Term, String> {
        if depth > MAXIMUM_DEPTH {
            return Err(format!("terms nested deeper than {MAXIMUM_DEPTH} at byte {}", self.offset));
        }
        self.skip_whitespace();
        let rest = self.rest();
        if rest.starts_with("%{") {
            self.offset += 2;
            let entries = self.parse_sequence('}', depth, true)?;
            Ok(Term::Map(entries))
        } else if rest.starts_with('{') {
            self.offset += 1;
            let elements = self.parse_sequence('}', depth, false)?;
            Ok(Term::Tuple(elements.into_iter().map(|(element, _)| element).collect()))
        } else if rest.starts_with('[') {
            self.offset += 1;
            let elements = self.parse_sequence(']', depth, false)?;
            // Keyword pairs in a list become `{key, value}` tuples, as in Elixir.
            Ok(Term::List(
                elements
                    .into_iter()
                    .map(|(key, value)| match value {
                        Term::Word(marker) if marker.is_empty() => key,
                        value => Term::Tuple(vec![key, value]),
                    })
                    .collect(),
            ))
        } else if rest.starts_with('"') {
            self.parse_string().map(Term::String)
        } else if let Some(after_colon) = rest.strip_prefix(':') {
            self.offset += 1;
            if after_colon.starts_with('"') {
                self.parse_string().map(Term::Atom)
            } else {
                let word = self.parse_word();
                if word.is_empty() { Err(format!("empty atom at byte {}", self.offset)) } else { Ok(Term::Atom(word)) }
            }
        } else {
            let word = self.parse_word();
            if word.is_empty() {
                Err(format!("unexpected {:?} at byte {}", self.peek().unwrap_or(' '), self.offset))
            } else {
                Ok(Term::Word(word))
            }
        }
    }

    /// Reads comma-separated items up to `close`, allowing a trailing comma. Each
    /// item is `(term, Word(""))`, or `(key, value)` for `"key": value`, `key: value`
    /// and (in maps) `key => value`.
    fn parse_sequence(&mut self, close: char, depth: usize, is_map: bool) -> Result<Vec<(Term, Term)>, String> {
        let mut items = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(character) if character == close => {
                    self.offset += close.len_utf8();
                    return Ok(items);
                }
                None => return Err(format!("file ends before `{close}`")),
                Some(_) => {}
            }
            let item = self.parse_item(depth)?;
            if is_map && matches!(&item.1, Term::Word(marker) if marker.is_empty()) {
                return Err(format!("map entry without a value before byte {}", self.offset));
            }
            items.push(item);
            self.skip_whitespace();
            match self.peek() {
                Some(',') => self.offset += 1,
                Some(character) if character == close => {}
                _ => return Err(format!("expected `,` or `{close}` at byte {}", self.offset)),
            }
        }
    }

    fn parse_item(&mut self, depth: usize) -> Result<(Term, Term), String> {
        self.skip_whitespace();
        // `key: value` with a bare identifier key.
        let rest = self.rest();
        let identifier_length = rest
            .find(|character: char| !(character.is_alphanumeric() || matches!(character, '_' | '?' | '!')))
            .unwrap_or(rest.len());
        if identifier_length > 0
            && rest.get(identifier_length..).is_some_and(|after| after.starts_with(": ") || after.starts_with(":\n"))
        {
            let key = rest.get(..identifier_length).unwrap_or("").to_owned();
            self.offset += identifier_length + 1;
            let value = self.parse_term(depth + 1)?;
            return Ok((Term::Atom(key), value));
        }
        let term = self.parse_term(depth + 1)?;
        // `"key": value` (a quoted keyword key).
        if matches!(term, Term::String(_)) && self.rest().starts_with(':') {
            self.offset += 1;
            let value = self.parse_term(depth + 1)?;
            return Ok((term, value));
        }
        self.skip_whitespace();
        if self.rest().starts_with("=>") {
            self.expect("=>")?;
            let value = self.parse_term(depth + 1)?;
            return Ok((term, value));
        }
        Ok((term, Term::Word(String::new())))
    }

    fn parse_string(&mut self) -> Result<String, String> {
        let start = self.offset;
        self.offset += 1;
        let mut value = String::new();
        let mut characters = self.rest().char_indices();
        while let Some((index, character)) = characters.next() {
            match character {
                '"' => {
                    self.offset += index + 1;
                    return Ok(value);
                }
                '\\' => match characters.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, 't')) => value.push('\t'),
                    Some((_, escaped)) => value.push(escaped),
                    None => break,
                },
                other => value.push(other),
            }
        }
        Err(format!("unterminated string starting at byte {start}"))
    }

    fn parse_word(&mut self) -> String {
        let rest = self.rest();
        let length = rest
            .find(|character: char| {
                !(character.is_alphanumeric() || matches!(character, '_' | '?' | '!' | '.' | '-' | '+' | '@'))
            })
            .unwrap_or(rest.len());
        let word = rest.get(..length).unwrap_or("").to_owned();
        self.offset += length;
        word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Term, String> {
        TermParser { text, offset: 0 }.parse_term(0)
    }

    /// Maps with quoted keyword keys, tuples, lists with keyword pairs and trailing commas.
    #[test]
    fn parses_mix_terms() {
        let term = parse(r#"%{"a": {:hex, :a, "1.0", [:mix], [{:b, "~> 1", [hex: :b, optional: false]}]},}"#).unwrap();
        let Term::Map(entries) = term else { panic!("not a map") };
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, Term::String("a".to_owned()));
        let Term::Tuple(elements) = &entries[0].1 else { panic!("not a tuple") };
        assert_eq!(elements[2], Term::String("1.0".to_owned()));
        assert_eq!(
            elements[4],
            Term::List(vec![Term::Tuple(vec![
                Term::Atom("b".to_owned()),
                Term::String("~> 1".to_owned()),
                Term::List(vec![
                    Term::Tuple(vec![Term::Atom("hex".to_owned()), Term::Atom("b".to_owned())]),
                    Term::Tuple(vec![Term::Atom("optional".to_owned()), Term::Word("false".to_owned())]),
                ]),
            ])])
        );
    }

    /// Unterminated input and runaway nesting are errors, not panics or hangs.
    #[test]
    fn refuses_broken_terms() {
        assert!(parse(r#"%{"a": {:hex, "#).is_err());
        assert!(parse(r#"%{"a": "unterminated}"#).is_err());
        assert!(parse(&"{".repeat(10_000)).is_err());
        assert!(parse("%{\"a\"}").is_err());
    }
}
