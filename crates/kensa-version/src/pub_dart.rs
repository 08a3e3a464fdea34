//! Dart (pub) versions, ordered as `package:pub_semver`'s `Version.compareTo`.
//!
//! Pub versions look like SemVer but pub reads them its own way: leading
//! zeros are allowed (`01.2.3` is 1.2.3), each pre-release or build part is
//! a number if Dart's `int.tryParse` reads it (so `-1` is a number) and a
//! string otherwise, numbers sort before strings, and — unlike SemVer — build
//! metadata *does* order: `1.0.0` < `1.0.0+1` < `1.0.0+2` (Flutter build
//! numbers). Numbers are Dart's 64-bit `int`; a major/minor/patch that does
//! not fit is invalid, as `int.parse` throws.
//!
//! Requirement syntax (`^1.2.3`, `>=1.0.0 <2.0.0`) is resolution-time and
//! not read here; advisories use the comparator list.

use std::cmp::Ordering;

/// One pre-release or build part, as pub stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Number(i64),
    Text(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PubVersion<'a> {
    major: i64,
    minor: i64,
    patch: i64,
    pre_release: Vec<Part<'a>>,
    build: Vec<Part<'a>>,
}

/// Dart's `int.tryParse` for the characters a part may hold: optional sign,
/// decimal digits, or `0x` hexadecimal.
fn dart_int(text: &str) -> Option<i64> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = if let Some(hex) = unsigned.strip_prefix("0x").or_else(|| unsigned.strip_prefix("0X")) {
        if hex.is_empty() || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        i128::from_str_radix(hex, 16).ok()?
    } else {
        if unsigned.is_empty() || !unsigned.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        unsigned.parse::<i128>().ok()?
    };
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

fn parse_parts(text: &str) -> Option<Vec<Part<'_>>> {
    text.split('.')
        .map(|part| {
            if part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-') {
                return None;
            }
            Some(dart_int(part).map_or(Part::Text(part), Part::Number))
        })
        .collect()
}

fn parse(text: &str) -> Option<PubVersion<'_>> {
    let (without_build, build) = match text.split_once('+') {
        Some((head, build)) => (head, Some(build)),
        None => (text, None),
    };
    let (core, pre_release) = match without_build.split_once('-') {
        Some((head, pre)) => (head, Some(pre)),
        None => (without_build, None),
    };
    let mut numbers = core.split('.');
    let mut number = || -> Option<i64> {
        let part = numbers.next()?;
        if part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (major, minor, patch) = (number()?, number()?, number()?);
    if numbers.next().is_some() {
        return None;
    }
    Some(PubVersion {
        major,
        minor,
        patch,
        pre_release: match pre_release {
            Some(pre) => parse_parts(pre)?,
            None => Vec::new(),
        },
        build: match build {
            Some(build) => parse_parts(build)?,
            None => Vec::new(),
        },
    })
}

/// pub_semver's `_compareLists`: missing parts first, numbers before strings.
fn compare_parts(left: &[Part<'_>], right: &[Part<'_>]) -> Ordering {
    for index in 0..left.len().max(right.len()) {
        let ordering = match (left.get(index), right.get(index)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(Part::Number(left_number)), Some(Part::Number(right_number))) => left_number.cmp(right_number),
            (Some(Part::Number(_)), Some(Part::Text(_))) => Ordering::Less,
            (Some(Part::Text(_)), Some(Part::Number(_))) => Ordering::Greater,
            (Some(Part::Text(left_text)), Some(Part::Text(right_text))) => left_text.cmp(right_text),
        };
        if ordering.is_ne() {
            return ordering;
        }
    }
    Ordering::Equal
}

fn compare_parsed(left: &PubVersion<'_>, right: &PubVersion<'_>) -> Ordering {
    (left.major, left.minor, left.patch)
        .cmp(&(right.major, right.minor, right.patch))
        .then_with(|| match (left.pre_release.is_empty(), right.pre_release.is_empty()) {
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => compare_parts(&left.pre_release, &right.pre_release),
        })
        .then_with(|| match (left.build.is_empty(), right.build.is_empty()) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => compare_parts(&left.build, &right.build),
        })
}

pub(crate) fn is_valid(version: &str) -> bool {
    parse(version).is_some()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    Some(compare_parsed(&parse(left)?, &parse(right)?))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn build_numbers_order() {
        // pub, unlike SemVer, orders build metadata: no build < any build.
        assert_eq!(compare("1.0.0", "1.0.0+1"), Some(Less));
        assert_eq!(compare("1.0.0+2", "1.0.0+10"), Some(Less));
    }

    #[test]
    fn pre_releases() {
        // Numbers before strings, shorter before longer, pre-release before release.
        assert_eq!(compare("1.0.0-1", "1.0.0-a"), Some(Less));
        assert_eq!(compare("1.0.0-beta", "1.0.0-beta.1"), Some(Less));
        assert_eq!(compare("1.0.0-dev.2", "1.0.0"), Some(Less));
        // Leading zeros are allowed and read as numbers.
        assert_eq!(compare("01.0.0", "1.0.0"), Some(Equal));
        assert_eq!(compare("1.0.0-01", "1.0.0-1"), Some(Equal));
        assert_eq!(compare("2.0.0", "1.99.99"), Some(Greater));
        // Two parts are not a pub version.
        assert_eq!(compare("1.0", "1.0.0"), None);
    }
}
