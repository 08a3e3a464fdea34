//! RubyGems versions and requirements, as `Gem::Version` and
//! `Gem::Requirement` read them.
//!
//! A version is digits then dot-separated alphanumeric segments, optionally
//! a `-` pre-release (RubyGems rewrites `-` to `.pre.`). Segments are the
//! runs of digits and of letters; a letter segment makes the version a
//! pre-release and sorts below any number. Trailing zeros of the numeric
//! part and of the string part are dropped before comparing, so `1.0.0` =
//! `1` and `1.0.a` = `1.a`. Numbers are unbounded (Ruby integers).
//!
//! Requirements: `=`, `!=`, `>`, `<`, `>=`, `<=`, `~>` (at least the
//! version, below the next bump of its second-to-last segment); a
//! comma-separated string is several requirements that must all hold, as
//! bundler-audit splits rubysec's `patched_versions` entries.
//! The empty string, which RubyGems reads as `0`, is refused as invalid.

use std::cmp::Ordering;

use crate::comparator_list::{Operator, split_operator};
use crate::{RequirementError, VersionScheme, compare_decimal_strings};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Digits with leading zeros stripped (Ruby's `to_i`).
    Number(String),
    Text(String),
}

fn is_valid_syntax(version: &str) -> bool {
    // ANCHORED_VERSION_PATTERN: [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
    let (main, pre_release) = match version.split_once('-') {
        Some((main, pre)) => (main, Some(pre)),
        None => (version, None),
    };
    let mut main_parts = main.split('.');
    let first_is_digits =
        main_parts.next().is_some_and(|first| !first.is_empty() && first.bytes().all(|byte| byte.is_ascii_digit()));
    let rest_alphanumeric =
        main_parts.all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_alphanumeric()));
    let pre_release_ok = pre_release.is_none_or(|pre| {
        pre.split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-'))
    });
    first_is_digits && rest_alphanumeric && pre_release_ok
}

/// `Gem::Version#segments`: runs of digits or letters of the `-`→`.pre.` form.
fn segments(version: &str) -> Vec<Segment> {
    let rewritten = version.replace('-', ".pre.");
    let mut result = Vec::new();
    let mut current = String::new();
    let mut current_is_digit = false;
    let flush = |current: &mut String, is_digit: bool, result: &mut Vec<Segment>| {
        if !current.is_empty() {
            result.push(if is_digit {
                Segment::Number(current.trim_start_matches('0').to_owned())
            } else {
                Segment::Text(std::mem::take(current))
            });
            current.clear();
        }
    };
    for character in rewritten.chars() {
        if character.is_ascii_alphanumeric() {
            let is_digit = character.is_ascii_digit();
            if is_digit != current_is_digit {
                flush(&mut current, current_is_digit, &mut result);
            }
            current_is_digit = is_digit;
            current.push(character);
        } else {
            flush(&mut current, current_is_digit, &mut result);
        }
    }
    flush(&mut current, current_is_digit, &mut result);
    result
}

fn is_zero(segment: &Segment) -> bool {
    matches!(segment, Segment::Number(digits) if digits.is_empty())
}

/// `Gem::Version#canonical_segments`: trailing zeros dropped from the numeric
/// part and from the string part separately.
fn canonical_segments(version: &str) -> Vec<Segment> {
    let all = segments(version);
    let string_start = all.iter().position(|segment| matches!(segment, Segment::Text(_))).unwrap_or(all.len());
    let (numeric, string) = all.split_at(string_start);
    let trim = |part: &[Segment]| -> Vec<Segment> {
        let keep = part.iter().rposition(|segment| !is_zero(segment)).map_or(0, |index| index + 1);
        part.iter().take(keep).cloned().collect()
    };
    let mut canonical = trim(numeric);
    canonical.extend(trim(string));
    canonical
}

fn compare_segment_lists(left: &[Segment], right: &[Segment]) -> Ordering {
    let zero = Segment::Number(String::new());
    for index in 0..left.len().max(right.len()) {
        let left_segment = left.get(index).unwrap_or(&zero);
        let right_segment = right.get(index).unwrap_or(&zero);
        let ordering = match (left_segment, right_segment) {
            (Segment::Number(left_digits), Segment::Number(right_digits)) => {
                compare_decimal_strings(left_digits, right_digits)
            }
            (Segment::Text(_), Segment::Number(_)) => Ordering::Less,
            (Segment::Number(_), Segment::Text(_)) => Ordering::Greater,
            (Segment::Text(left_text), Segment::Text(right_text)) => left_text.as_bytes().cmp(right_text.as_bytes()),
        };
        if ordering.is_ne() {
            return ordering;
        }
    }
    Ordering::Equal
}

pub(crate) fn is_valid(version: &str) -> bool {
    is_valid_syntax(version.trim())
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    let (left, right) = (left.trim(), right.trim());
    if !is_valid_syntax(left) || !is_valid_syntax(right) {
        return None;
    }
    Some(compare_segment_lists(&canonical_segments(left), &canonical_segments(right)))
}

/// `Gem::Version#release` then compared with `#bump` for `~>`.
fn pessimistic_holds(version: &str, operand: &str) -> bool {
    if compare(version, operand) == Some(Ordering::Less) {
        return false;
    }
    // release: the version without its pre-release segments.
    let release: Vec<Segment> =
        segments(version).into_iter().take_while(|segment| matches!(segment, Segment::Number(_))).collect();
    // bump: drop string segments, drop the last remaining one if more than one, increment the last.
    let mut bump: Vec<Segment> =
        segments(operand).into_iter().take_while(|segment| matches!(segment, Segment::Number(_))).collect();
    if bump.len() > 1 {
        bump.pop();
    }
    if let Some(Segment::Number(last)) = bump.last_mut() {
        *last = increment_decimal(last);
    }
    let canonical = |segments: Vec<Segment>| -> Vec<Segment> {
        let keep = segments.iter().rposition(|segment| !is_zero(segment)).map_or(0, |index| index + 1);
        segments.into_iter().take(keep).collect()
    };
    compare_segment_lists(&canonical(release), &canonical(bump)) == Ordering::Less
}

fn increment_decimal(number: &str) -> String {
    let mut digits: Vec<u8> = if number.is_empty() { vec![b'0'] } else { number.bytes().collect() };
    for digit in digits.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            return String::from_utf8_lossy(&digits).into_owned();
        }
    }
    format!("1{}", String::from_utf8_lossy(&digits))
}

pub(crate) fn satisfies(version: &str, requirement: &str) -> Result<bool, RequirementError> {
    if !is_valid(version) {
        return Err(RequirementError::invalid_version(VersionScheme::RubyGems, requirement, version));
    }
    let mut all_hold = true;
    for single in requirement.split(',') {
        let (operator, operand) = split_operator(single.trim());
        if operator == Operator::Equal && single.trim().starts_with("==") {
            return Err(RequirementError::new(VersionScheme::RubyGems, requirement, "`==` is not a RubyGems operator"));
        }
        if !is_valid(operand) {
            return Err(RequirementError::new(
                VersionScheme::RubyGems,
                requirement,
                format!("{operand:?} is not a valid rubygems version"),
            ));
        }
        let holds = if operator == Operator::Pessimistic {
            pessimistic_holds(version, operand)
        } else {
            compare(version, operand).is_some_and(|ordering| operator.accepts(ordering))
        };
        all_hold &= holds;
    }
    Ok(all_hold)
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::*;

    #[test]
    fn canonical_segments_and_prereleases() {
        // Trailing zeros are insignificant, in both parts.
        assert_eq!(compare("1.0.0", "1"), Some(Equal));
        assert_eq!(compare("1.0.a", "1.a"), Some(Equal));
        // Letters make a pre-release, below the release; `-` is `.pre.`.
        assert_eq!(compare("1.0.rc1", "1.0"), Some(Less));
        assert_eq!(compare("1.0-1", "1.0.pre.1"), Some(Equal));
        assert_eq!(compare("1.0.b1", "1.0.a2"), Some(Greater));
        // Letters split from digits: 1.0rc1 is 1.0.rc.1.
        assert_eq!(compare("1.0rc1", "1.0.rc.1"), Some(Equal));
        // Unbounded numbers.
        assert_eq!(compare("1.99999999999999999999", "1.100000000000000000000"), Some(Less));
        // Not versions.
        assert_eq!(compare("a.1", "1"), None);
        assert_eq!(compare("", "1"), None);
    }

    #[test]
    fn requirements_as_rubysec_writes_them() {
        // `~> 4.2.1` is >= 4.2.1, < 4.3.
        assert_eq!(satisfies("4.2.9", "~> 4.2.1"), Ok(true));
        assert_eq!(satisfies("4.3.0", "~> 4.2.1"), Ok(false));
        assert_eq!(satisfies("4.2.0", "~> 4.2.1"), Ok(false));
        // `~> 4.2` is >= 4.2, < 5; a pre-release of 5 is excluded because its release is 5.
        assert_eq!(satisfies("4.9", "~> 4.2"), Ok(true));
        assert_eq!(satisfies("5.0.0.rc1", "~> 4.2"), Ok(false));
        // Comma-separated entries are all required.
        assert_eq!(satisfies("5.1.6.2", "~> 5.1.6, >= 5.1.6.2"), Ok(true));
        assert_eq!(satisfies("5.1.6.1", "~> 5.1.6, >= 5.1.6.2"), Ok(false));
        assert_eq!(satisfies("1.5", ">= 1.0, < 2"), Ok(true));
        assert!(satisfies("1.0", ">= x").is_err());
    }
}
