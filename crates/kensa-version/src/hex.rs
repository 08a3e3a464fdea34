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
use crate::semver2;
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
