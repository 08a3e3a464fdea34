//! Go module versions, ordered as `golang.org/x/mod/semver` orders them.
//!
//! Go versions are SemVer 2.0 with a `v` prefix. OSV and the Go vulnerability
//! database write them without the `v`, so both spellings are read. Go's own
//! shorthands `v1` and `v1.2` (meaning `v1.0.0`, `v1.2.0`) are accepted as
//! `x/mod/semver` accepts them. Pseudo-versions (`v1.2.4-0.20191109021931-daa7c04131f5`)
//! need no special case: they are pre-releases and SemVer precedence already
//! puts them where Go does. `+incompatible` is build metadata and so ignored
//! for ordering, as in Go.
//!
//! Module paths, `go.mod` `replace`/`exclude` and minimal version selection
//! are not this module's concern.

use std::cmp::Ordering;

use crate::semver2::{self, SemverParts};

/// Reads a Go version, with or without its `v`, expanding `v1`/`v1.2`.
fn parse(text: &str) -> Option<SemverParts<'_>> {
    let without_prefix = text.strip_prefix('v').unwrap_or(text);
    let dots = without_prefix.bytes().filter(|byte| *byte == b'.').count();
    let plain_numbers = without_prefix.bytes().all(|byte| byte.is_ascii_digit() || byte == b'.');
    // Shorthands carry neither pre-release nor build (x/mod/semver rejects `v1-pre`).
    if plain_numbers && dots < 2 {
        let mut numbers = without_prefix.split('.');
        let major = numbers.next()?;
        let minor = numbers.next().unwrap_or("0");
        if !semver2::is_canonical_number(major) || !semver2::is_canonical_number(minor) {
            return None;
        }
        return Some(SemverParts { major, minor, patch: "0", pre_release: Vec::new(), build: Vec::new() });
    }
    semver2::parse(without_prefix)
}

pub(crate) fn is_valid(version: &str) -> bool {
    parse(version).is_some()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    Some(semver2::compare_precedence(&parse(left)?, &parse(right)?))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn pseudo_versions_sort_as_prereleases_of_the_next_patch() {
        // vX.Y.(Z+1)-0.timestamp-hash sits after vX.Y.Z and before vX.Y.(Z+1).
        assert_eq!(compare("v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5"), Some(Less));
        assert_eq!(compare("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"), Some(Less));
        // vX.Y.Z-pre.0.timestamp-hash sits after vX.Y.Z-pre.
        assert_eq!(compare("v1.2.4-rc.1", "v1.2.4-rc.1.0.20191109021931-daa7c04131f5"), Some(Less));
        // v0.0.0-timestamp-hash is below every tagged release.
        assert_eq!(compare("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"), Some(Less));
    }

    #[test]
    fn incompatible_is_build_metadata() {
        // +incompatible does not change precedence.
        assert_eq!(compare("v2.0.0+incompatible", "v2.0.0"), Some(Equal));
        assert_eq!(compare("2.1.0+incompatible", "v2.0.9"), Some(Greater));
    }

    #[test]
    fn prefix_and_shorthands() {
        // OSV writes Go versions without `v`; both spellings must agree.
        assert_eq!(compare("1.2.3", "v1.2.3"), Some(Equal));
        // x/mod/semver reads v1.2 as v1.2.0 and v1 as v1.0.0.
        assert_eq!(compare("v1.2", "v1.2.0"), Some(Equal));
        assert_eq!(compare("v1", "v1.0.1"), Some(Less));
        // Shorthands cannot carry a pre-release; leading zeros are invalid.
        assert_eq!(compare("v1-pre", "v1.0.0"), None);
        assert_eq!(compare("v01.2.3", "v1.2.3"), None);
    }

    #[test]
    fn long_numbers_do_not_overflow() {
        // Go compares digit strings, so numbers beyond u64 still order.
        assert_eq!(compare("v1.2.99999999999999999999999", "v1.2.100000000000000000000000"), Some(Less));
    }
}
