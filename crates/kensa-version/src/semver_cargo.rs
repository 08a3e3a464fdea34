//! crates.io versions and Cargo requirements, through the `semver` crate —
//! the parser Cargo and cargo-audit use, so RustSec's `patched` and
//! `unaffected` requirements mean here exactly what they mean there.
//!
//! Ordering is SemVer precedence: build metadata is ignored, although
//! `semver::Version`'s own `Ord` orders it (to keep `BTreeMap`s total).
//! Requirement matching reads requirements with `VersionReq::parse` but
//! evaluates each comparator as a version *interval* by precedence, without
//! Cargo's rule that a pre-release only matches a comparator naming the same
//! `major.minor.patch`. That rule is about which versions a resolver may pick;
//! an advisory's `patched = [">= 0.8.1"]` is a statement about history, and
//! `0.11.0-rc.6` comes after the fix. cargo-audit agrees: rustsec turns the
//! requirements into OSV ranges and evaluates those by precedence.

use std::cmp::Ordering;

use crate::{RequirementError, VersionScheme};

pub(crate) fn is_valid(version: &str) -> bool {
    semver::Version::parse(version).is_ok()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    let left = semver::Version::parse(left).ok()?;
    let right = semver::Version::parse(right).ok()?;
    Some(
        (left.major, left.minor, left.patch)
            .cmp(&(right.major, right.minor, right.patch))
            .then_with(|| left.pre.cmp(&right.pre)),
    )
}

pub(crate) fn satisfies(version: &str, requirement: &str) -> Result<bool, RequirementError> {
    let parsed_requirement = semver::VersionReq::parse(requirement)
        .map_err(|error| RequirementError::new(VersionScheme::Semver, requirement, error.to_string()))?;
    let parsed_version = semver::Version::parse(version)
        .map_err(|_| RequirementError::invalid_version(VersionScheme::Semver, requirement, version))?;
    Ok(parsed_requirement.comparators.iter().all(|comparator| comparator_contains(comparator, &parsed_version)))
}

/// Precedence without build metadata.
fn precedence(version: &semver::Version) -> (u64, u64, u64, &semver::Prerelease) {
    (version.major, version.minor, version.patch, &version.pre)
}

/// The lowest version of a release line: `x.y.z-0` sorts below every
/// pre-release of `x.y.z`, so an exclusive upper bound of `2.0.0` written as
/// `< 2.0.0-0` also excludes `2.0.0-alpha` (the next release line).
fn floor(major: u64, minor: u64, patch: u64) -> semver::Version {
    semver::Version {
        major,
        minor,
        patch,
        pre: semver::Prerelease::new("0").unwrap_or_default(),
        build: semver::BuildMetadata::EMPTY,
    }
}

/// Does the interval a comparator denotes contain `version`, by precedence?
fn comparator_contains(comparator: &semver::Comparator, version: &semver::Version) -> bool {
    use semver::Op;
    let major = comparator.major;
    let exact = semver::Version {
        major,
        minor: comparator.minor.unwrap_or(0),
        patch: comparator.patch.unwrap_or(0),
        pre: comparator.pre.clone(),
        build: semver::BuildMetadata::EMPTY,
    };
    let version_key = precedence(version);
    // The half-open interval [lower, upper) each operator stands for; `None`
    // upper means unbounded.
    let next_major = floor(major.saturating_add(1), 0, 0);
    let (lower, upper): (Option<semver::Version>, Option<semver::Version>) =
        match (comparator.op, comparator.minor, comparator.patch) {
            (Op::Exact | Op::Wildcard, None, _) => (Some(floor(major, 0, 0)), Some(next_major)),
            (Op::Exact | Op::Wildcard, Some(minor), None) => {
                (Some(floor(major, minor, 0)), Some(floor(major, minor.saturating_add(1), 0)))
            }
            (Op::Exact | Op::Wildcard, Some(_), Some(_)) => return precedence(version) == precedence(&exact),
            (Op::Greater, None, _) => (Some(next_major), None),
            (Op::Greater, Some(minor), None) => (Some(floor(major, minor.saturating_add(1), 0)), None),
            (Op::Greater, Some(_), Some(_)) => return version_key > precedence(&exact),
            (Op::GreaterEq, None, _) => (Some(floor(major, 0, 0)), None),
            (Op::GreaterEq, Some(minor), None) => (Some(floor(major, minor, 0)), None),
            (Op::GreaterEq, Some(_), Some(_)) => return version_key >= precedence(&exact),
            (Op::Less, None, _) => (None, Some(floor(major, 0, 0))),
            (Op::Less, Some(minor), None) => (None, Some(floor(major, minor, 0))),
            (Op::Less, Some(_), Some(_)) => return version_key < precedence(&exact),
            (Op::LessEq, None, _) => (None, Some(next_major)),
            (Op::LessEq, Some(minor), None) => (None, Some(floor(major, minor.saturating_add(1), 0))),
            (Op::LessEq, Some(_), Some(_)) => return version_key <= precedence(&exact),
            (Op::Tilde, None, _) => (Some(floor(major, 0, 0)), Some(next_major)),
            (Op::Tilde, Some(minor), _) => (Some(exact.clone()), Some(floor(major, minor.saturating_add(1), 0))),
            (Op::Caret, minor, patch) => {
                let upper = match (major, minor, patch) {
                    (0, None, _) => floor(1, 0, 0),
                    (0, Some(0), None) => floor(0, 1, 0),
                    (0, Some(0), Some(patch)) => floor(0, 0, patch.saturating_add(1)),
                    (0, Some(minor), _) => floor(0, minor.saturating_add(1), 0),
                    _ => next_major,
                };
                (Some(exact.clone()), Some(upper))
            }
            // `semver::Op` is non-exhaustive: an operator this code does not know
            // is treated as not satisfied (the advisory then stays affected, the
            // conservative answer) rather than guessed.
            _ => return false,
        };
    let above_lower = lower.is_none_or(|lower| version_key >= precedence(&lower));
    let below_upper = upper.is_none_or(|upper| version_key < precedence(&upper));
    above_lower && below_upper
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Less};

    use super::*;

    #[test]
    fn build_metadata_does_not_order() {
        // SemVer precedence ignores build metadata even though semver::Version's Ord does not.
        assert_eq!(compare("1.0.0+build.1", "1.0.0+build.2"), Some(Equal));
        assert_eq!(compare("1.0.0-alpha", "1.0.0-alpha.1"), Some(Less));
    }

    #[test]
    fn cargo_requirements_as_rustsec_writes_them() {
        // RustSec `patched = [">= 1.2.3"]` and caret requirements.
        assert_eq!(satisfies("1.2.3", ">= 1.2.3"), Ok(true));
        assert_eq!(satisfies("1.2.2", ">= 1.2.3"), Ok(false));
        assert_eq!(satisfies("0.5.9", "^0.5"), Ok(true));
        assert_eq!(satisfies("0.6.0", "^0.5"), Ok(false));
        // Comma is AND in Cargo requirements.
        assert_eq!(satisfies("0.7.5", ">= 0.7.2, < 0.8.0"), Ok(true));
    }

    #[test]
    fn pre_releases_are_judged_by_precedence() {
        // Regression (uv's Cargo.lock, RUSTSEC-2019-0019): blake2 0.11.0-rc.6
        // comes after the fix in 0.8.1 and is patched, as cargo-audit says,
        // even though Cargo's resolver rule would not let `>= 0.8.1` pick it.
        assert_eq!(satisfies("0.11.0-rc.6", ">= 0.8.1"), Ok(true));
        assert_eq!(satisfies("0.8.1-alpha", ">= 0.8.1"), Ok(false));
        // A pre-release of the next release line is outside a caret range.
        assert_eq!(satisfies("2.0.0-alpha", "^1.2"), Ok(false));
        assert_eq!(satisfies("1.3.0-beta", "^1.2"), Ok(true));
        assert_eq!(satisfies("0.0.3", "^0.0.3"), Ok(true));
        assert_eq!(satisfies("0.0.4", "^0.0.3"), Ok(false));
        assert_eq!(satisfies("1.2.9", "~1.2.3"), Ok(true));
        assert_eq!(satisfies("1.3.0", "~1.2.3"), Ok(false));
        assert_eq!(satisfies("1.9.0", "1.*"), Ok(true));
        assert_eq!(satisfies("1.4.0", "<= 1.3"), Ok(false));
        assert_eq!(satisfies("1.3.7", "<= 1.3"), Ok(true));
    }

    #[test]
    fn prerelease_rules_match_cargo_audit() {
        // cargo-audit evaluates advisory requirements as ranges by precedence:
        // a later pre-release is past the fix.
        assert_eq!(satisfies("2.0.0-alpha.1", ">= 1.2.3"), Ok(true));
        assert_eq!(satisfies("2.0.0-alpha.2", ">= 2.0.0-alpha.1"), Ok(true));
    }

    #[test]
    fn invalid_inputs_are_errors() {
        // Neither a partial version nor a garbled requirement is guessed at.
        assert_eq!(compare("1.2", "1.2.0"), None);
        assert!(satisfies("1.2.3", ">= one").is_err());
        assert!(satisfies("x", ">= 1.0.0").is_err());
    }
}
