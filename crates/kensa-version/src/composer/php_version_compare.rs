//! PHP's `version_compare`, which Composer's `Constraint` applies to
//! normalised versions. Reproduced from PHP's `php_version_compare` and
//! `php_canonicalize_version`: special forms are matched by prefix
//! (`dev` < `alpha`=`a` < `beta`=`b` < `RC`=`rc` < `#` (a number) < `pl`=`p`,
//! anything else below `dev`), numbers are `strtol` (saturating).

use std::cmp::Ordering;

/// `php_canonicalize_version`: `-`, `_`, `+` and other symbols become `.`,
/// and a `.` is inserted between digit and non-digit runs.
fn canonicalize(version: &str) -> Vec<u8> {
    let bytes = version.as_bytes();
    let Some((&first, rest)) = bytes.split_first() else {
        return Vec::new();
    };
    let is_digit = |byte: u8| byte.is_ascii_digit();
    let is_non_digit = |byte: u8| !byte.is_ascii_digit() && byte != b'.';
    let mut output = vec![first];
    let mut previous = first;
    for &byte in rest {
        let last_is_dot = output.last() == Some(&b'.');
        if matches!(byte, b'-' | b'_' | b'+') {
            if !last_is_dot {
                output.push(b'.');
            }
        } else if (is_non_digit(previous) && is_digit(byte)) || (is_digit(previous) && is_non_digit(byte)) {
            if !last_is_dot {
                output.push(b'.');
            }
            output.push(byte);
        } else if !byte.is_ascii_alphanumeric() {
            if !last_is_dot {
                output.push(b'.');
            }
        } else {
            output.push(byte);
        }
        previous = byte;
    }
    output
}

fn special_form_order(form: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS.iter().find(|(name, _)| form.starts_with(name)).map_or(-6, |(_, order)| *order)
}

/// C's `strtol` on a run starting with a digit: saturates at `i64::MAX`.
fn strtol(part: &[u8]) -> i64 {
    let mut value: i64 = 0;
    for &byte in part.iter().take_while(|byte| byte.is_ascii_digit()) {
        value = value.saturating_mul(10).saturating_add(i64::from(byte - b'0'));
    }
    value
}

fn starts_with_digit(part: &[u8]) -> bool {
    part.first().is_some_and(u8::is_ascii_digit)
}

/// PHP's `version_compare($left, $right)`.
pub(crate) fn php_version_compare(left: &str, right: &str) -> Ordering {
    compare_bytes(left.as_bytes(), right.as_bytes())
}

fn compare_bytes(left: &[u8], right: &[u8]) -> Ordering {
    match (left.is_empty(), right.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    let canonical_left =
        if left.first() == Some(&b'#') { left.to_vec() } else { canonicalize(&String::from_utf8_lossy(left)) };
    let canonical_right =
        if right.first() == Some(&b'#') { right.to_vec() } else { canonicalize(&String::from_utf8_lossy(right)) };
    // Walk both dot-separated lists like PHP's pointer loop: `left_rest` is the
    // text after the current part, `None` once a side has no more dots.
    let mut left_part_start = 0;
    let mut right_part_start = 0;
    let mut left_has_more = true;
    let mut right_has_more = true;
    let mut ordering = Ordering::Equal;
    while left_part_start < canonical_left.len()
        && right_part_start < canonical_right.len()
        && left_has_more
        && right_has_more
    {
        let left_tail = canonical_left.get(left_part_start..).unwrap_or_default();
        let right_tail = canonical_right.get(right_part_start..).unwrap_or_default();
        let left_dot = left_tail.iter().position(|byte| *byte == b'.');
        let right_dot = right_tail.iter().position(|byte| *byte == b'.');
        let left_part = left_tail.get(..left_dot.unwrap_or(left_tail.len())).unwrap_or_default();
        let right_part = right_tail.get(..right_dot.unwrap_or(right_tail.len())).unwrap_or_default();
        ordering = match (starts_with_digit(left_part), starts_with_digit(right_part)) {
            (true, true) => strtol(left_part).cmp(&strtol(right_part)),
            (false, false) => special_form_order(left_part).cmp(&special_form_order(right_part)),
            (true, false) => special_form_order(b"#N#").cmp(&special_form_order(right_part)),
            (false, true) => special_form_order(left_part).cmp(&special_form_order(b"#N#")),
        };
        if ordering.is_ne() {
            return ordering;
        }
        left_has_more = left_dot.is_some();
        right_has_more = right_dot.is_some();
        if let Some(dot) = left_dot {
            left_part_start += dot + 1;
        }
        if let Some(dot) = right_dot {
            right_part_start += dot + 1;
        }
    }
    let left_rest = canonical_left.get(left_part_start..).unwrap_or_default();
    let right_rest = canonical_right.get(right_part_start..).unwrap_or_default();
    if left_has_more {
        if starts_with_digit(left_rest) { Ordering::Greater } else { compare_bytes(left_rest, b"#N#") }
    } else if right_has_more {
        if starts_with_digit(right_rest) { Ordering::Less } else { compare_bytes(b"#N#", right_rest) }
    } else {
        ordering
    }
}
