//! Hex (Elixir) versions and requirements, as Elixir's `Version` module reads them.
//!
//! Versions are strict SemVer 2.0 (`Version.parse/1` wants all three parts);
//! build metadata does not count for ordering. Requirements use Elixir's
//! syntax: `>= 1.0.0 and < 2.0.0`, `or`, and `~>`, where `~> 2.1` means
//! `>= 2.1.0 and < 3.0.0-0` and `~> 2.1.3` means `>= 2.1.3 and < 2.2.0-0`.
//! Commas are also read as AND, for the comparator lists advisories write.
//! Elixir's default `allow_pre: true` is what matching wants, so pre-releases
//! are not treated specially.
//!
//! Hex's package registry (retirements, repositories) is out of scope.

use std::cmp::Ordering;

use crate::comparator_list::{self, Dialect};
use crate::semver2::{self, SemverParts};
use crate::{RequirementError, VersionScheme};

pub(crate) fn is_valid(version: &str) -> bool {
    semver2::parse(version).is_some()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    Some(semver2::compare_precedence(&semver2::parse(left)?, &semver2::parse(right)?))
}

pub(crate) fn satisfies(version: &str, requirement: &str) -> Result<bool, RequirementError> {
    comparator_list::satisfies(VersionScheme::Hex, version, requirement, Dialect::Hex)
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

/// Evaluates Elixir's `~>` for an operand of two or three parts. `None` when
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pessimistic_operator_follows_elixir() {
        // Two parts: the major is the limit.
        assert_eq!(satisfies("2.9.9", "~> 2.1"), Ok(true));
        assert_eq!(satisfies("3.0.0", "~> 2.1"), Ok(false));
        // Three parts: the minor is the limit, and the next minor's pre-releases are out.
        assert_eq!(satisfies("2.1.9", "~> 2.1.3"), Ok(true));
        assert_eq!(satisfies("2.2.0-rc.0", "~> 2.1.3"), Ok(false));
        assert_eq!(satisfies("2.1.2", "~> 2.1.3"), Ok(false));
    }

    #[test]
    fn and_or_words_and_commas() {
        // Elixir's `and`/`or` and the advisory comma form mean the same thing.
        assert_eq!(satisfies("1.5.0", ">= 1.0.0 and < 2.0.0"), Ok(true));
        assert_eq!(satisfies("1.5.0", ">= 1.0.0, < 2.0.0"), Ok(true));
        assert_eq!(satisfies("2.5.0", "< 1.0.0 or >= 2.5.0"), Ok(true));
        assert_eq!(satisfies("2.0.0", "< 1.0.0 or >= 2.5.0"), Ok(false));
    }

    #[test]
    fn partial_versions_are_not_hex_versions() {
        // Version.parse("1.0") is an error in Elixir; we refuse it instead of padding.
        assert_eq!(compare("1.0", "1.0.0"), None);
        assert!(satisfies("1.0.0", ">= 1.0").is_err());
    }
}
