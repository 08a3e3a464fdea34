//! Debian and Ubuntu package versions, ordered exactly as
//! `dpkg --compare-versions` orders them.
//!
//! Written by hand rather than taken from a crate: dpkg's `verrevcmp` is a
//! twenty-line algorithm whose exact behaviour (`~` before everything, even
//! the end of the string; letters before other symbols; digit runs compared
//! numerically without overflow) is the whole point, and the crates that
//! implement it either add an apt-style API we do not need or differ on
//! corner cases. The differential tests hold this to dpkg itself.
//!
//! Reading follows dpkg's `parseversion`: `[epoch:]upstream[-revision]`, the
//! revision after the *last* hyphen. dpkg only *warns* about an upstream
//! version that does not start with a digit or contains characters outside
//! `[A-Za-z0-9.+~:-]` (revision: `[A-Za-z0-9.+~]`) and compares it anyway;
//! here such a string is invalid, because Debian policy forbids it and a
//! version that breaks policy is more likely a parsing mistake than a real
//! version.

use std::cmp::Ordering;

/// A parsed `[epoch:]upstream[-revision]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DebianVersion<'a> {
    epoch: u32,
    upstream: &'a str,
    revision: &'a str,
}

/// dpkg's epoch limit is `INT_MAX`.
const MAXIMUM_EPOCH: u32 = i32::MAX as u32;

fn parse(text: &str) -> Option<DebianVersion<'_>> {
    // dpkg trims surrounding whitespace and rejects embedded whitespace.
    let text = text.trim();
    if text.is_empty() || text.contains(char::is_whitespace) {
        return None;
    }
    let (epoch, rest) = match text.split_once(':') {
        Some((epoch_text, rest)) => {
            if epoch_text.is_empty() || !epoch_text.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            let epoch: u64 = epoch_text.parse().ok()?;
            if epoch > u64::from(MAXIMUM_EPOCH) || rest.is_empty() {
                return None;
            }
            (u32::try_from(epoch).ok()?, rest)
        }
        None => (0, text),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((upstream, revision)) => {
            if revision.is_empty() {
                return None;
            }
            (upstream, revision)
        }
        None => (rest, ""),
    };
    if !upstream.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let upstream_character_allowed =
        |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'+' | b'~' | b'-' | b':');
    let revision_character_allowed = |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'+' | b'~');
    if !upstream.bytes().all(upstream_character_allowed) || !revision.bytes().all(revision_character_allowed) {
        return None;
    }
    Some(DebianVersion { epoch, upstream, revision })
}

/// dpkg's `order()`: digits are handled elsewhere (0 here), letters sort by
/// their code, `~` below everything including the end of the string, other
/// characters after all letters.
fn character_order(byte: Option<u8>) -> i32 {
    match byte {
        None => 0,
        Some(byte) if byte.is_ascii_digit() => 0,
        Some(byte) if byte.is_ascii_alphabetic() => i32::from(byte),
        Some(b'~') => -1,
        Some(byte) => i32::from(byte) + 256,
    }
}

/// dpkg's `verrevcmp`, over byte slices.
fn compare_fragment(left: &str, right: &str) -> Ordering {
    let left = left.as_bytes();
    let right = right.as_bytes();
    let mut left_index = 0;
    let mut right_index = 0;
    let at = |bytes: &[u8], index: usize| bytes.get(index).copied();
    let is_digit_at = |bytes: &[u8], index: usize| bytes.get(index).is_some_and(u8::is_ascii_digit);
    while left_index < left.len() || right_index < right.len() {
        while (left_index < left.len() && !is_digit_at(left, left_index))
            || (right_index < right.len() && !is_digit_at(right, right_index))
        {
            let left_order = character_order(at(left, left_index));
            let right_order = character_order(at(right, right_index));
            if left_order != right_order {
                return left_order.cmp(&right_order);
            }
            left_index += 1;
            right_index += 1;
        }
        while at(left, left_index) == Some(b'0') {
            left_index += 1;
        }
        while at(right, right_index) == Some(b'0') {
            right_index += 1;
        }
        let mut first_difference = Ordering::Equal;
        while is_digit_at(left, left_index) && is_digit_at(right, right_index) {
            if first_difference == Ordering::Equal {
                first_difference = at(left, left_index).cmp(&at(right, right_index));
            }
            left_index += 1;
            right_index += 1;
        }
        if is_digit_at(left, left_index) {
            return Ordering::Greater;
        }
        if is_digit_at(right, right_index) {
            return Ordering::Less;
        }
        if first_difference != Ordering::Equal {
            return first_difference;
        }
    }
    Ordering::Equal
}

pub(crate) fn is_valid(version: &str) -> bool {
    parse(version).is_some()
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    let left = parse(left)?;
    let right = parse(right)?;
    Some(
        left.epoch
            .cmp(&right.epoch)
            .then_with(|| compare_fragment(left.upstream, right.upstream))
            .then_with(|| compare_fragment(left.revision, right.revision)),
    )
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::compare;

    #[test]
    fn tilde_sorts_before_everything_even_the_end() {
        // 1.0~rc1 is a pre-release of 1.0; ~~ is lower still.
        assert_eq!(compare("1.0~rc1", "1.0"), Some(Less));
        assert_eq!(compare("1.0~~", "1.0~"), Some(Less));
        assert_eq!(compare("1.0~rc1-1", "1.0-1"), Some(Less));
    }

    #[test]
    fn letters_sort_before_other_symbols() {
        // 'a' < '+' because non-letters are shifted past all letters.
        assert_eq!(compare("1.0a", "1.0+"), Some(Less));
        assert_eq!(compare("1.0+dfsg", "1.0.1"), Some(Less));
        // The end of the string sorts before a letter.
        assert_eq!(compare("1.0", "1.0a"), Some(Less));
    }

    #[test]
    fn epochs_revisions_and_numbers() {
        // The epoch dominates; absent epoch is 0.
        assert_eq!(compare("1:0.1", "9.9"), Some(Greater));
        assert_eq!(compare("0:1.0", "1.0"), Some(Equal));
        // The revision is after the last hyphen; an absent revision equals "0".
        assert_eq!(compare("1.0-1-2", "1.0-1-10"), Some(Less));
        assert_eq!(compare("1.0", "1.0-0"), Some(Equal));
        // Leading zeros are insignificant and digit runs never overflow.
        assert_eq!(compare("1.001", "1.1"), Some(Equal));
        assert_eq!(compare("1.99999999999999999999999", "1.100000000000000000000000"), Some(Less));
    }

    #[test]
    fn invalid_versions() {
        // dpkg errors: empty epoch, empty revision, embedded space; policy: must start with a digit.
        assert_eq!(compare(":1.0", "1.0"), None);
        assert_eq!(compare("1.0-", "1.0"), None);
        assert_eq!(compare("1.0 2", "1.0"), None);
        assert_eq!(compare("abc", "1.0"), None);
    }
}
