//! NuGet versions and version ranges, as `NuGet.Versioning` reads them.
//!
//! A version is one to four numeric parts (`1` reads as `1.0`; each part
//! an `Int32`), an optional release label after `-` (dot-separated parts of
//! `[0-9A-Za-z-]`, numeric parts without leading zeros) and optional
//! metadata after `+`, which never counts for ordering. Missing parts are
//! zero, so `1.0` = `1.0.0.0`. Release labels: a version without one is
//! greater; parts compare numerically when both are `Int32` numbers, a
//! number is below a word, and words compare case-insensitively (ordinal
//! upper-case comparison, as `StringComparer.OrdinalIgnoreCase`); a shorter
//! label that is a prefix of a longer one is lower.
//!
//! Ranges: `[1.0, 2.0)`, `(,1.0]`, `[1.0]`, and a plain `1.0` meaning
//! `>= 1.0`. Floating ranges (`1.*`) are resolution-time syntax and refused.

use std::cmp::Ordering;

use crate::{RequirementError, VersionScheme};

/// A parsed NuGet version; metadata is validated and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NuGetVersion<'a> {
    numbers: [u32; 4],
    release_labels: Vec<&'a str>,
}

/// One bound of a range: empty is open-ended.
fn read_bound<'a>(text: &'a str, requirement: &str) -> Result<Option<NuGetVersion<'a>>, RequirementError> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text)
            .map(Some)
            .ok_or_else(|| RequirementError::new(VersionScheme::NuGet, requirement, "invalid version in range"))
    }
}

fn is_label_part(part: &str, allow_leading_zeros: bool) -> bool {
    !part.is_empty()
        && part.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        && (allow_leading_zeros
            || !(part.len() > 1 && part.starts_with('0') && part.bytes().all(|byte| byte.is_ascii_digit())))
}

fn parse(text: &str) -> Option<NuGetVersion<'_>> {
    let text = text.trim();
    let (without_metadata, metadata) = match text.split_once('+') {
        Some((head, metadata)) => (head, Some(metadata)),
        None => (text, None),
    };
    let (version_part, label) = match without_metadata.split_once('-') {
        Some((head, label)) => (head, Some(label)),
        None => (without_metadata, None),
    };
    let mut numbers = [0_u32; 4];
    for (count, part) in version_part.split('.').enumerate() {
        if part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        let value: u32 = part.parse().ok()?;
        if value > i32::MAX as u32 {
            return None;
        }
        *numbers.get_mut(count)? = value;
    }
    let release_labels: Vec<&str> = match label {
        Some(label) => label.split('.').collect(),
        None => Vec::new(),
    };
    if !release_labels.iter().all(|part| is_label_part(part, false)) {
        return None;
    }
    if let Some(metadata) = metadata
        && !metadata.split('.').all(|part| is_label_part(part, true))
    {
        return None;
    }
    Some(NuGetVersion { numbers, release_labels })
}

/// `Int32.TryParse` on a label part: digits only here (labels cannot hold signs).
fn as_int32(part: &str) -> Option<i32> {
    if part.bytes().all(|byte| byte.is_ascii_digit()) { part.parse().ok() } else { None }
}

fn compare_release_part(left: &str, right: &str) -> Ordering {
    match (as_int32(left), as_int32(right)) {
        (Some(left_number), Some(right_number)) => left_number.cmp(&right_number),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => {
            left.bytes().map(|byte| byte.to_ascii_uppercase()).cmp(right.bytes().map(|byte| byte.to_ascii_uppercase()))
        }
    }
}

fn compare_parsed(left: &NuGetVersion<'_>, right: &NuGetVersion<'_>) -> Ordering {
    left.numbers.cmp(&right.numbers).then_with(|| {
        match (left.release_labels.is_empty(), right.release_labels.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (left_part, right_part) in left.release_labels.iter().zip(&right.release_labels) {
                    let ordering = compare_release_part(left_part, right_part);
                    if ordering.is_ne() {
                        return ordering;
                    }
                }
                left.release_labels.len().cmp(&right.release_labels.len())
            }
        }
    })
}

pub(crate) fn is_valid(version: &str) -> bool {
    parse(version).is_some()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    Some(compare_parsed(&parse(left)?, &parse(right)?))
}

pub(crate) fn satisfies(version: &str, requirement: &str) -> Result<bool, RequirementError> {
    let error = |reason: &str| RequirementError::new(VersionScheme::NuGet, requirement, reason);
    let version =
        parse(version).ok_or_else(|| RequirementError::invalid_version(VersionScheme::NuGet, requirement, version))?;
    let trimmed = requirement.trim();
    if !trimmed.starts_with(['[', '(']) {
        // A plain version is a minimum, inclusive.
        let minimum = read_bound(trimmed, requirement)?.ok_or_else(|| error("empty requirement"))?;
        return Ok(compare_parsed(&version, &minimum) != Ordering::Less);
    }
    let lower_inclusive = trimmed.starts_with('[');
    let upper_inclusive = match trimmed.chars().last() {
        Some(']') => true,
        Some(')') => false,
        _ => return Err(error("range must end with ] or )")),
    };
    let inner = trimmed.get(1..trimmed.len() - 1).ok_or_else(|| error("range too short"))?;
    let (lower, upper) = match inner.split_once(',') {
        None => {
            if !(lower_inclusive && upper_inclusive) {
                return Err(error("single version ranges must be written [x]"));
            }
            let exact = read_bound(inner, requirement)?.ok_or_else(|| error("empty range"))?;
            (Some(exact.clone()), Some(exact))
        }
        Some((lower_text, upper_text)) => {
            if upper_text.contains(',') {
                return Err(error("more than two bounds"));
            }
            (read_bound(lower_text, requirement)?, read_bound(upper_text, requirement)?)
        }
    };
    if lower.is_none() && upper.is_none() && inner.contains(',') && (lower_inclusive || upper_inclusive) {
        // `[,]` has no bound to be inclusive about.
        return Err(error("a range without bounds"));
    }
    let above_lower = lower.as_ref().is_none_or(|bound| match compare_parsed(&version, bound) {
        Ordering::Greater => true,
        Ordering::Equal => lower_inclusive,
        Ordering::Less => false,
    });
    let below_upper = upper.as_ref().is_none_or(|bound| match compare_parsed(&version, bound) {
        Ordering::Less => true,
        Ordering::Equal => upper_inclusive,
        Ordering::Greater => false,
    });
    Ok(above_lower && below_upper)
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::*;

    #[test]
    fn numbers_and_metadata() {
        // Up to four parts, missing parts are zero, metadata is ignored.
        assert_eq!(compare("1.0", "1.0.0.0"), Some(Equal));
        assert_eq!(compare("1", "1.0.0"), Some(Equal));
        assert_eq!(compare("1.0.0.1", "1.0.0"), Some(Greater));
        assert_eq!(compare("1.0.0+build.7", "1.0.0+other"), Some(Equal));
        // Five parts and Int32 overflow are not NuGet versions.
        assert_eq!(compare("1.0.0.0.0", "1.0"), None);
        assert_eq!(compare("2147483648.0", "1.0"), None);
    }

    #[test]
    fn release_labels() {
        // Case-insensitive words, numeric parts compared as numbers, numbers below words.
        assert_eq!(compare("1.0.0-BETA", "1.0.0-beta"), Some(Equal));
        assert_eq!(compare("1.0.0-beta.2", "1.0.0-beta.10"), Some(Less));
        assert_eq!(compare("1.0.0-1", "1.0.0-alpha"), Some(Less));
        assert_eq!(compare("1.0.0-beta", "1.0.0-beta.1"), Some(Less));
        assert_eq!(compare("1.0.0-rc.1", "1.0.0"), Some(Less));
        // Leading zeros in a numeric label part are invalid.
        assert_eq!(compare("1.0.0-01", "1.0.0"), None);
    }

    #[test]
    fn ranges() {
        // Interval notation with spaces, and a plain version as a minimum.
        assert_eq!(satisfies("1.5.0", "[1.0, 2.0)"), Ok(true));
        assert_eq!(satisfies("2.0.0", "[1.0, 2.0)"), Ok(false));
        assert_eq!(satisfies("1.0.0", "(,1.0]"), Ok(true));
        assert_eq!(satisfies("3.0.0", "1.0"), Ok(true));
        assert_eq!(satisfies("0.9.0", "1.0"), Ok(false));
        assert_eq!(satisfies("1.0.0", "[1.0]"), Ok(true));
        assert!(satisfies("1.0.0", "(1.0)").is_err());
        assert!(satisfies("1.0.0", "1.*").is_err());
    }
}
