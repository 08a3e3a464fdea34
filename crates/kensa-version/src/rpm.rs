//! RPM package versions (`[epoch:]version[-release]`), ordered as rpm's
//! `rpmverCmp` orders them, with `rpmvercmp` for each part.
//!
//! Written by hand rather than taken from a crate: `rpmvercmp` is a short
//! algorithm whose exact corner cases (`~` before everything, `^` after the
//! base version but before any further segment, separators of any kind being
//! equal, numeric beating alphabetic) are what matters, and the differential
//! tests hold this copy to rpm's own Lua `rpm.vercmp`.
//!
//! As in rpm's `rpmverCmp`, a missing epoch is 0 and a missing release is
//! empty, so `1.0` is below `1.0-3`. Distribution-specific rules
//! (module streams, `.el9_2` dist tags meaning anything) are not handled here.

use std::cmp::Ordering;

/// A parsed EVR, following rpm's `parseEVR`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Evr<'a> {
    epoch: &'a str,
    version: &'a str,
    release: Option<&'a str>,
}

fn parse(text: &str) -> Option<Evr<'_>> {
    if text.is_empty() {
        return None;
    }
    let digits_end = text.bytes().position(|byte| !byte.is_ascii_digit()).unwrap_or(text.len());
    let after_digits = text.get(digits_end..)?;
    let (epoch, version_and_release) = match after_digits.strip_prefix(':') {
        Some(rest) => {
            let epoch = text.get(..digits_end)?;
            (if epoch.is_empty() { "0" } else { epoch }, rest)
        }
        None => ("0", text),
    };
    // rpm looks for the release hyphen only after the epoch digits.
    let (version, release) = match version_and_release.rsplit_once('-') {
        Some((version, release)) => (version, Some(release)),
        None => (version_and_release, None),
    };
    Some(Evr { epoch, version, release })
}

fn is_segment_character(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'~' || byte == b'^'
}

/// rpm's `rpmvercmp`.
pub(crate) fn rpmvercmp(left: &str, right: &str) -> Ordering {
    if left == right {
        return Ordering::Equal;
    }
    let left = left.as_bytes();
    let right = right.as_bytes();
    let mut one = 0;
    let mut two = 0;
    let at = |bytes: &[u8], index: usize| bytes.get(index).copied();
    while one < left.len() || two < right.len() {
        while at(left, one).is_some_and(|byte| !is_segment_character(byte)) {
            one += 1;
        }
        while at(right, two).is_some_and(|byte| !is_segment_character(byte)) {
            two += 1;
        }
        let left_byte = at(left, one);
        let right_byte = at(right, two);
        if left_byte == Some(b'~') || right_byte == Some(b'~') {
            if left_byte != Some(b'~') {
                return Ordering::Greater;
            }
            if right_byte != Some(b'~') {
                return Ordering::Less;
            }
            one += 1;
            two += 1;
            continue;
        }
        // `^` sorts after the end of the base version but before anything else.
        if left_byte == Some(b'^') || right_byte == Some(b'^') {
            if left_byte.is_none() {
                return Ordering::Less;
            }
            if right_byte.is_none() {
                return Ordering::Greater;
            }
            if left_byte != Some(b'^') {
                return Ordering::Greater;
            }
            if right_byte != Some(b'^') {
                return Ordering::Less;
            }
            one += 1;
            two += 1;
            continue;
        }
        let (Some(first_left), Some(_)) = (left_byte, right_byte) else {
            break;
        };
        let is_numeric = first_left.is_ascii_digit();
        let in_segment = |byte: u8| if is_numeric { byte.is_ascii_digit() } else { byte.is_ascii_alphabetic() };
        let mut left_end = one;
        while at(left, left_end).is_some_and(in_segment) {
            left_end += 1;
        }
        let mut right_end = two;
        while at(right, right_end).is_some_and(in_segment) {
            right_end += 1;
        }
        // The right side has no segment of this kind: numeric beats alphabetic.
        if right_end == two {
            return if is_numeric { Ordering::Greater } else { Ordering::Less };
        }
        let mut left_segment = left.get(one..left_end).unwrap_or_default();
        let mut right_segment = right.get(two..right_end).unwrap_or_default();
        if is_numeric {
            while left_segment.first() == Some(&b'0') {
                left_segment = left_segment.get(1..).unwrap_or_default();
            }
            while right_segment.first() == Some(&b'0') {
                right_segment = right_segment.get(1..).unwrap_or_default();
            }
            match left_segment.len().cmp(&right_segment.len()) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        match left_segment.cmp(right_segment) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        one = left_end;
        two = right_end;
    }
    match (one < left.len(), two < right.len()) {
        (false, false) => Ordering::Equal,
        (true, _) => Ordering::Greater,
        (false, true) => Ordering::Less,
    }
}

pub(crate) fn is_valid(version: &str) -> bool {
    parse(version).is_some()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    let left = parse(left)?;
    let right = parse(right)?;
    let ordering = rpmvercmp(left.epoch, right.epoch).then_with(|| rpmvercmp(left.version, right.version));
    Some(ordering.then_with(|| rpmvercmp(left.release.unwrap_or_default(), right.release.unwrap_or_default())))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::{compare, rpmvercmp};

    #[test]
    fn tilde_and_caret() {
        // ~ is a pre-release marker: below the base version.
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Less);
        assert_eq!(rpmvercmp("1.0~rc1", "1.0~rc2"), Less);
        // ^ is a post-release snapshot: above the base, below the next segment.
        assert_eq!(rpmvercmp("1.0^git1", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.0^git1", "1.0.1"), Less);
        assert_eq!(rpmvercmp("1.0^", "1.0"), Greater);
    }

    #[test]
    fn segments() {
        // Separators of any kind and count are equivalent.
        assert_eq!(rpmvercmp("1.0", "1_0"), Equal);
        assert_eq!(rpmvercmp("1..0", "1.0"), Equal);
        // A numeric segment beats an alphabetic one.
        assert_eq!(rpmvercmp("1.0a", "1.0.1"), Less);
        assert_eq!(rpmvercmp("2a", "2.0"), Less);
        // Leading zeros are ignored, long numbers do not overflow.
        assert_eq!(rpmvercmp("1.010", "1.10"), Equal);
        assert_eq!(rpmvercmp("1.99999999999999999999", "1.100000000000000000000"), Less);
        // Trailing separators do not count; trailing segments do.
        assert_eq!(rpmvercmp("1.0", "1.0."), Equal);
        assert_eq!(rpmvercmp("1.0a", "1.0"), Greater);
    }

    #[test]
    fn epoch_and_release() {
        // Epoch first; a missing epoch is 0.
        assert_eq!(compare("1:1.0-1", "2.0-1"), Some(Greater));
        assert_eq!(compare("0:2.0-1", "2.0-1"), Some(Equal));
        // A missing release is empty, so it is below any release.
        assert_eq!(compare("2.0-1", "2.0-2"), Some(Less));
        assert_eq!(compare("2.0", "2.0-2"), Some(Less));
        assert_eq!(compare("", "2.0"), None);
    }
}
