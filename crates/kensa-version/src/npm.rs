//! npm versions and ranges, through `nodejs-semver` (a port of node-semver).
//!
//! Ordering is node-semver's `compare` (build metadata ignored). Ranges are
//! node-semver's: `||`, hyphen ranges, x-ranges, `~`, `^`, with its default
//! rule that a pre-release only satisfies a range whose comparator names a
//! pre-release of the same `major.minor.patch`.
//!
//! Versions are read strictly, as node-semver's `valid()` without `loose`
//! (checked against node-semver itself in the differential tests).

use std::cmp::Ordering;

use nodejs_semver::{Range, Version};

use crate::{RequirementError, VersionScheme};

/// node-semver's largest number (`Number.MAX_SAFE_INTEGER`).
const MAXIMUM_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// node-semver's strict `valid()`: surrounding whitespace trimmed, an
/// optional `v`, then strict SemVer 2.0 (no leading zeros, all three parts),
/// numbers within `MAX_SAFE_INTEGER`. `nodejs-semver` alone is looser (it
/// takes `01.0.0` and `1.0`), so its parse is only used after this check.
fn strict_parse(version: &str) -> Option<Version> {
    let trimmed = version.trim();
    let without_prefix = trimmed.strip_prefix('v').unwrap_or(trimmed);
    let parts = crate::semver2::parse(without_prefix)?;
    for number in [parts.major, parts.minor, parts.patch] {
        if number.parse::<u64>().ok()? > MAXIMUM_SAFE_INTEGER {
            return None;
        }
    }
    Version::parse(without_prefix).ok()
}

pub(crate) fn is_valid(version: &str) -> bool {
    strict_parse(version).is_some()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    Some(strict_parse(left)?.cmp(&strict_parse(right)?))
}

pub(crate) fn satisfies(version: &str, requirement: &str) -> Result<bool, RequirementError> {
    let range = Range::parse(requirement)
        .map_err(|error| RequirementError::new(VersionScheme::Npm, requirement, error.to_string()))?;
    let version = strict_parse(version)
        .ok_or(())
        .map_err(|_| RequirementError::invalid_version(VersionScheme::Npm, requirement, version))?;
    Ok(range.satisfies(&version))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Less};

    use super::*;

    #[test]
    fn ordering_ignores_build_and_ranks_prereleases_lower() {
        // node-semver: build metadata is ignored; a pre-release is below its release.
        assert_eq!(compare("1.2.3+abc", "1.2.3"), Some(Equal));
        assert_eq!(compare("1.2.3-beta.2", "1.2.3-beta.10"), Some(Less));
        assert_eq!(compare("1.2.3-rc.1", "1.2.3"), Some(Less));
    }

    #[test]
    fn ranges_as_the_security_wg_writes_them() {
        // `||` alternatives with an AND-ed pair in the second.
        assert_eq!(satisfies("4.17.20", "<4.17.21 || >=5.0.0 <5.1"), Ok(true));
        assert_eq!(satisfies("4.17.21", "<4.17.21 || >=5.0.0 <5.1"), Ok(false));
        assert_eq!(satisfies("5.0.9", "<4.17.21 || >=5.0.0 <5.1"), Ok(true));
        // Hyphen, tilde, caret and x-ranges.
        assert_eq!(satisfies("1.5.0", "1.2.3 - 2.3.4"), Ok(true));
        assert_eq!(satisfies("1.2.9", "~1.2.3"), Ok(true));
        assert_eq!(satisfies("1.3.0", "~1.2.3"), Ok(false));
        assert_eq!(satisfies("0.2.9", "^0.2.3"), Ok(true));
        assert_eq!(satisfies("0.3.0", "^0.2.3"), Ok(false));
        assert_eq!(satisfies("1.9.0", "1.x"), Ok(true));
    }

    #[test]
    fn prereleases_need_a_prerelease_comparator() {
        // node-semver's default: 3.0.0-beta is not in >=2.0.0 although it is greater.
        assert_eq!(satisfies("3.0.0-beta", ">=2.0.0"), Ok(false));
        assert_eq!(satisfies("3.0.0-beta.2", ">=3.0.0-beta.1"), Ok(true));
    }
}
