//! Python versions and specifier sets (PEP 440), through `pep440_rs`.
//!
//! `pep440_rs` normalises as PEP 440 prescribes (case, `-`/`_`/`.`
//! separators, `alpha`→`a`, `c`/`pre`/`preview`→`rc`, `rev`/`r`→`post`,
//! implicit post releases, leading `v`, epochs, local versions).
//! Specifier sets (`>=1.0,!=1.3.*`) are matched with
//! `VersionSpecifiers::contains`, which, unlike `packaging`'s
//! `SpecifierSet.contains`, does not exclude pre-releases by default — what
//! a vulnerability range needs (a pre-release inside the range is affected).
//!
//! Legacy (non PEP 440) versions that old `packaging` accepted are invalid here.

use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};

use crate::{RequirementError, VersionScheme};

pub(crate) fn is_valid(version: &str) -> bool {
    Version::from_str(version).is_ok()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    Some(Version::from_str(left).ok()?.cmp(&Version::from_str(right).ok()?))
}

pub(crate) fn satisfies(version: &str, requirement: &str) -> Result<bool, RequirementError> {
    let specifiers = VersionSpecifiers::from_str(requirement)
        .map_err(|error| RequirementError::new(VersionScheme::Pep440, requirement, error.to_string()))?;
    let version = Version::from_str(version)
        .map_err(|_| RequirementError::invalid_version(VersionScheme::Pep440, requirement, version))?;
    Ok(specifiers.contains(&version))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::*;

    #[test]
    fn normalisation_and_segment_order() {
        // Normalised spellings are equal.
        assert_eq!(compare("1.0.0-ALPHA.1", "1.0a1"), Some(Equal));
        assert_eq!(compare("v1.0-r1", "1.0.post1"), Some(Equal));
        // dev < pre < release < post; epochs dominate.
        assert_eq!(compare("1.0.dev0", "1.0a0"), Some(Less));
        assert_eq!(compare("1.0rc1", "1.0"), Some(Less));
        assert_eq!(compare("1.0.post1", "1.0"), Some(Greater));
        assert_eq!(compare("1!0.1", "2.0"), Some(Greater));
        // A local version sorts after its public version.
        assert_eq!(compare("1.0+ubuntu1", "1.0"), Some(Greater));
    }

    #[test]
    fn specifier_sets() {
        // `!=1.3.*` excludes the whole 1.3 series, comma is AND.
        assert_eq!(satisfies("1.2.9", ">=1.0,!=1.3.*"), Ok(true));
        assert_eq!(satisfies("1.3.4", ">=1.0,!=1.3.*"), Ok(false));
        assert_eq!(satisfies("0.9", ">=1.0,!=1.3.*"), Ok(false));
        // ~= is the compatible-release operator.
        assert_eq!(satisfies("2.2.5", "~=2.2"), Ok(true));
        assert_eq!(satisfies("3.0", "~=2.2"), Ok(false));
    }

    #[test]
    fn legacy_versions_are_invalid() {
        // Not PEP 440: refused, not guessed.
        assert_eq!(compare("2.0-final-1-foo", "1.0"), None);
    }
}
