//! A strict SemVer 2.0.0 reader with unbounded numbers, shared by the Go and
//! Hex schemes.
//!
//! It exists because both ecosystems' own tools compare numeric identifiers of
//! any length (Go's `x/mod/semver` compares digit strings; Elixir uses
//! bignums), while the `semver` crate stops at `u64`. It only orders by
//! SemVer precedence (build metadata ignored); requirement syntax lives in
//! the callers.

use std::cmp::Ordering;

use crate::compare_decimal_strings;

/// A version split into its SemVer parts, borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SemverParts<'a> {
    pub(crate) major: &'a str,
    pub(crate) minor: &'a str,
    pub(crate) patch: &'a str,
    pub(crate) pre_release: Vec<&'a str>,
    pub(crate) build: Vec<&'a str>,
}

/// A numeric part: ASCII digits, no leading zero unless it is `0`.
pub(crate) fn is_canonical_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) && (text == "0" || !text.starts_with('0'))
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

fn is_numeric_identifier(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Parses `MAJOR.MINOR.PATCH[-PRE][+BUILD]` exactly as SemVer 2.0.0 defines it.
pub(crate) fn parse(text: &str) -> Option<SemverParts<'_>> {
    let (without_build, build) = match text.split_once('+') {
        Some((head, build)) => (head, Some(build)),
        None => (text, None),
    };
    let (core, pre_release) = match without_build.split_once('-') {
        Some((head, pre)) => (head, Some(pre)),
        None => (without_build, None),
    };
    let mut numbers = core.split('.');
    let major = numbers.next()?;
    let minor = numbers.next()?;
    let patch = numbers.next()?;
    if numbers.next().is_some() || ![major, minor, patch].iter().all(|part| is_canonical_number(part)) {
        return None;
    }
    let pre_release: Vec<&str> = match pre_release {
        Some(pre) => pre.split('.').collect(),
        None => Vec::new(),
    };
    for identifier in &pre_release {
        // Numeric pre-release identifiers must not have leading zeros (SemVer item 9).
        if !is_identifier(identifier) || (is_numeric_identifier(identifier) && !is_canonical_number(identifier)) {
            return None;
        }
    }
    let build: Vec<&str> = match build {
        Some(build) => build.split('.').collect(),
        None => Vec::new(),
    };
    if !build.iter().all(|identifier| is_identifier(identifier)) {
        return None;
    }
    Some(SemverParts { major, minor, patch, pre_release, build })
}

/// SemVer 2.0.0 precedence (item 11): build metadata does not count.
pub(crate) fn compare_precedence(left: &SemverParts<'_>, right: &SemverParts<'_>) -> Ordering {
    compare_decimal_strings(left.major, right.major)
        .then_with(|| compare_decimal_strings(left.minor, right.minor))
        .then_with(|| compare_decimal_strings(left.patch, right.patch))
        .then_with(|| compare_pre_release(&left.pre_release, &right.pre_release))
}

fn compare_pre_release(left: &[&str], right: &[&str]) -> Ordering {
    match (left.is_empty(), right.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    for (left_identifier, right_identifier) in left.iter().zip(right) {
        let ordering = match (is_numeric_identifier(left_identifier), is_numeric_identifier(right_identifier)) {
            (true, true) => compare_decimal_strings(left_identifier, right_identifier),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => left_identifier.cmp(right_identifier),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    left.len().cmp(&right.len())
}
