//! The simple comparator-list requirement syntax used for schemes whose
//! ecosystems have no requirement language of their own in advisories (Go,
//! Pub, dpkg, rpm, apk) and, in its `and`/`or` dialect, for Hex.
//!
//! `>=1.0, <2.0` means both must hold; `||` separates alternatives; an operand
//! without an operator means equality. Operands are evaluated with the
//! scheme's own [`VersionScheme::compare`], so a comparator whose version the
//! scheme cannot read is an error, never a silent `false`.
//!
//! It deliberately does not implement caret, tilde, wildcard or hyphen
//! ranges: those belong to the ecosystems that define them (npm, Cargo,
//! Composer) and live in their modules.

use std::cmp::Ordering;

use crate::semver2::{self, SemverParts};
use crate::{RequirementError, VersionScheme};

/// How the requirement string separates its comparators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `,` is AND, `||` is OR.
    Plain,
    /// Elixir's `Version` requirements: `and`/`or` words, `,` also read as AND,
    /// and the `~>` operator.
    Hex,
}

/// A comparison operator of the comparator list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    /// Hex's `~>`: at least the version, below the next bump of its
    /// second-to-last given part.
    Pessimistic,
}

impl Operator {
    /// Does an ordering of (version, operand) meet this operator?
    pub(crate) fn accepts(self, ordering: Ordering) -> bool {
        match self {
            Operator::Equal => ordering == Ordering::Equal,
            Operator::NotEqual => ordering != Ordering::Equal,
            Operator::Less => ordering == Ordering::Less,
            Operator::LessOrEqual => ordering != Ordering::Greater,
            Operator::Greater => ordering == Ordering::Greater,
            Operator::GreaterOrEqual | Operator::Pessimistic => ordering != Ordering::Less,
        }
    }
}

/// Splits a leading operator off a comparator; no operator means equality.
/// Longer operators are tried first so that `>=` is not read as `>`.
pub(crate) fn split_operator(comparator: &str) -> (Operator, &str) {
    const OPERATORS: [(&str, Operator); 9] = [
        ("~>", Operator::Pessimistic),
        (">=", Operator::GreaterOrEqual),
        ("<=", Operator::LessOrEqual),
        ("==", Operator::Equal),
        ("!=", Operator::NotEqual),
        (">", Operator::Greater),
        ("<", Operator::Less),
        ("=", Operator::Equal),
        ("", Operator::Equal),
    ];
    for (text, operator) in OPERATORS {
        if let Some(rest) = comparator.strip_prefix(text) {
            return (operator, rest.trim());
        }
    }
    (Operator::Equal, comparator.trim())
}

/// Splits a requirement into OR-alternatives of AND-lists of comparators.
fn split_requirement(requirement: &str, dialect: Dialect) -> Vec<Vec<String>> {
    let alternatives: Vec<String> = match dialect {
        Dialect::Plain => requirement.split("||").map(str::to_owned).collect(),
        Dialect::Hex => split_words(requirement, "or"),
    };
    alternatives
        .iter()
        .map(|alternative| match dialect {
            Dialect::Plain => alternative.split(',').map(|part| part.trim().to_owned()).collect(),
            Dialect::Hex => split_words(alternative, "and")
                .iter()
                .flat_map(|part| part.split(',').map(|piece| piece.trim().to_owned()).collect::<Vec<_>>())
                .collect(),
        })
        .collect()
}

/// Splits on a whole whitespace-delimited word (Elixir's `and` / `or`).
fn split_words(text: &str, word: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    for token in text.split_whitespace() {
        if token == word {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(token);
        }
    }
    parts
}

/// Evaluates a comparator-list requirement with the scheme's ordering.
pub(crate) fn satisfies(
    scheme: VersionScheme,
    version: &str,
    requirement: &str,
    dialect: Dialect,
) -> Result<bool, RequirementError> {
    if !scheme.is_valid(version) {
        return Err(RequirementError::invalid_version(scheme, requirement, version));
    }
    let mut any_alternative_holds = false;
    for alternative in split_requirement(requirement, dialect) {
        let mut all_hold = true;
        for comparator in &alternative {
            if comparator.is_empty() {
                return Err(RequirementError::new(scheme, requirement, "empty comparator"));
            }
            let (operator, operand) = split_operator(comparator);
            if operator == Operator::Pessimistic && dialect != Dialect::Hex {
                return Err(RequirementError::new(scheme, requirement, "`~>` is not an operator of this scheme"));
            }
            let holds = if operator == Operator::Pessimistic {
                pessimistic_holds(version, operand).ok_or_else(|| {
                    RequirementError::new(scheme, requirement, format!("cannot read `~>` operand {operand:?}"))
                })?
            } else {
                let ordering = scheme.compare(version, operand).ok_or_else(|| {
                    RequirementError::new(
                        scheme,
                        requirement,
                        format!("{operand:?} is not a valid {} version", scheme.name()),
                    )
                })?;
                operator.accepts(ordering)
            };
            // Keep evaluating after a false comparator so that a malformed
            // later comparator is still reported rather than hidden.
            all_hold &= holds;
        }
        any_alternative_holds |= all_hold;
    }
    Ok(any_alternative_holds)
}
/// Adds one to a decimal digit string without overflow.
fn increment_decimal(number: &str) -> String {
    let mut digits: Vec<u8> = number.bytes().collect();
    for digit in digits.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            return String::from_utf8_lossy(&digits).into_owned();
        }
    }
    let mut result = String::from("1");
    result.push_str(&String::from_utf8_lossy(&digits));
    result
}

/// Evaluates Elixir's `~>` (the Hex dialect) for an operand of two or three parts. `None` when
/// either side cannot be read.
pub(crate) fn pessimistic_holds(version: &str, operand: &str) -> Option<bool> {
    let version = semver2::parse(version)?;
    let core_end = operand.find(['-', '+']).unwrap_or(operand.len());
    let core_parts = operand.get(..core_end)?.split('.').count();
    let (lower_text, upper_major, upper_minor) = match core_parts {
        2 => {
            // `~> 2.1` is `>= 2.1.0 and < 3.0.0-0`; Elixir allows only the two-part form without suffix.
            let (major, minor) = operand.split_once('.')?;
            if !semver2::is_canonical_number(major) || !semver2::is_canonical_number(minor) {
                return None;
            }
            (format!("{major}.{minor}.0"), increment_decimal(major), "0".to_owned())
        }
        3 => {
            let lower = semver2::parse(operand)?;
            (operand.to_owned(), lower.major.to_owned(), increment_decimal(lower.minor))
        }
        _ => return None,
    };
    let lower = semver2::parse(&lower_text)?;
    // The upper bound is the `-0` pre-release of the bump, so pre-releases of the
    // next minor or major never match (Elixir builds `{:<, {major, minor + 1, 0, [0]}}`).
    let upper =
        SemverParts { major: &upper_major, minor: &upper_minor, patch: "0", pre_release: vec!["0"], build: Vec::new() };
    let at_least_lower = semver2::compare_precedence(&version, &lower) != Ordering::Less;
    let below_upper = semver2::compare_precedence(&version, &upper) == Ordering::Less;
    Some(at_least_lower && below_upper)
}
