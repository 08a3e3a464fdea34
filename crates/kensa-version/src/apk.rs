//! Alpine package versions, ordered as apk-tools' `apk_version_compare`
//! (`apk version -t`) orders them.
//!
//! The grammar is Gentoo's: `digits{.digits}[letter]{_suffix[digits]}[-rN]`.
//! Tokens are read one at a time and each kind has a rank
//! (digit-or-zero < digit < letter < suffix < suffix-number < revision < end),
//! which decides ties when one version runs out first. Suffixes `_alpha`,
//! `_beta`, `_pre`, `_rc` sort below the bare version; `_cvs`, `_svn`,
//! `_git`, `_hg`, `_p` above it. A component after a dot with leading zeros
//! is compared as apk does: `1.01` < `1.1`. One deliberate difference from
//! apk-tools 2.x: a lone `0` component (`1.0_rc1`) is read as the number 0,
//! not as a "leading zeros" token; apk-tools 2.x's reading makes
//! `1.0_rc1` newer than `1.0`, which no packager means.
//!
//! Written by hand: there is no maintained crate, and the algorithm is small.
//! apk accumulates numbers in a C `int`; digit runs that overflow it are
//! rejected here instead of wrapping (no real package has one).

use std::cmp::Ordering;

/// apk-tools' token kinds, in the order that decides ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TokenKind {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNumber,
    RevisionNumber,
    End,
}

const PRE_RELEASE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_RELEASE_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// A cursor over a version, holding the kind of the next token.
struct Tokenizer<'a> {
    bytes: &'a [u8],
    position: usize,
    kind: TokenKind,
}

impl<'a> Tokenizer<'a> {
    fn new(version: &'a str) -> Self {
        Tokenizer { bytes: version.as_bytes(), position: 0, kind: TokenKind::Digit }
    }

    fn remaining(&self) -> &'a [u8] {
        self.bytes.get(self.position..).unwrap_or_default()
    }

    /// apk's `next_token`: decides the kind of the token after a separator.
    fn advance_kind(&mut self) {
        let remaining = self.remaining();
        let Some(&first) = remaining.first() else {
            self.kind = TokenKind::End;
            return;
        };
        let mut next = TokenKind::Invalid;
        if matches!(self.kind, TokenKind::Digit | TokenKind::DigitOrZero) && first.is_ascii_lowercase() {
            next = TokenKind::Letter;
        } else if self.kind == TokenKind::Letter && first.is_ascii_digit() {
            next = TokenKind::Digit;
        } else if self.kind == TokenKind::Suffix && first.is_ascii_digit() {
            next = TokenKind::SuffixNumber;
        } else {
            match first {
                b'.' => next = TokenKind::DigitOrZero,
                b'_' => next = TokenKind::Suffix,
                b'-' if remaining.get(1) == Some(&b'r') => {
                    next = TokenKind::RevisionNumber;
                    self.position += 1;
                }
                _ => {}
            }
            self.position += 1;
        }
        if next < self.kind {
            let allowed_step_back = (next == TokenKind::DigitOrZero && self.kind == TokenKind::Digit)
                || (next == TokenKind::Suffix && self.kind == TokenKind::SuffixNumber)
                || (next == TokenKind::Digit && self.kind == TokenKind::Letter);
            if !allowed_step_back {
                next = TokenKind::Invalid;
            }
        }
        self.kind = next;
    }

    /// apk's `get_token`: reads the value of the current token and moves on.
    /// Returns `None` when a number overflows apk's `int`.
    fn next_value(&mut self) -> Option<i64> {
        let remaining = self.remaining();
        if remaining.is_empty() {
            self.kind = TokenKind::End;
            return Some(0);
        }
        let mut length = 0;
        let mut value: i64 = 0;
        let mut kind_after = None;
        match self.kind {
            TokenKind::DigitOrZero
                if remaining.first() == Some(&b'0')
                    && remaining.iter().find(|byte| **byte != b'0').is_some_and(u8::is_ascii_digit) =>
            {
                // Leading zeros after a dot: the count of zeros, negated, is the value.
                while remaining.get(length) == Some(&b'0') {
                    length += 1;
                }
                value = -i64::try_from(length).ok()?;
                kind_after = Some(TokenKind::Digit);
            }
            TokenKind::DigitOrZero | TokenKind::Digit | TokenKind::SuffixNumber | TokenKind::RevisionNumber => {
                while let Some(digit) = remaining.get(length).filter(|byte| byte.is_ascii_digit()) {
                    value = value * 10 + i64::from(digit - b'0');
                    if value > i64::from(i32::MAX) {
                        return None;
                    }
                    length += 1;
                }
            }
            TokenKind::Letter => {
                value = i64::from(*remaining.first()?);
                length = 1;
            }
            TokenKind::Suffix => {
                if let Some(index) =
                    PRE_RELEASE_SUFFIXES.iter().position(|suffix| remaining.starts_with(suffix.as_bytes()))
                {
                    value = i64::try_from(index).ok()? - i64::try_from(PRE_RELEASE_SUFFIXES.len()).ok()?;
                    length = PRE_RELEASE_SUFFIXES.get(index)?.len();
                } else if let Some(index) =
                    POST_RELEASE_SUFFIXES.iter().position(|suffix| remaining.starts_with(suffix.as_bytes()))
                {
                    value = i64::try_from(index).ok()?;
                    length = POST_RELEASE_SUFFIXES.get(index)?.len();
                } else {
                    self.kind = TokenKind::Invalid;
                    return Some(-1);
                }
            }
            TokenKind::Invalid | TokenKind::End => {
                self.kind = TokenKind::Invalid;
                return Some(-1);
            }
        }
        self.position += length;
        if self.remaining().is_empty() {
            self.kind = TokenKind::End;
        } else if let Some(kind) = kind_after {
            self.kind = kind;
        } else {
            self.advance_kind();
        }
        Some(value)
    }
}

/// apk's `apk_version_validate`, with empty strings and `int` overflow refused.
pub(crate) fn is_valid(version: &str) -> bool {
    if version.is_empty() {
        return false;
    }
    let mut tokenizer = Tokenizer::new(version);
    while !matches!(tokenizer.kind, TokenKind::End | TokenKind::Invalid) {
        if tokenizer.next_value().is_none() {
            return false;
        }
    }
    tokenizer.kind == TokenKind::End
}

pub(crate) fn compare(left: &str, right: &str) -> Option<Ordering> {
    if !is_valid(left) || !is_valid(right) {
        return None;
    }
    let mut left_tokens = Tokenizer::new(left);
    let mut right_tokens = Tokenizer::new(right);
    let mut left_value = 0;
    let mut right_value = 0;
    while left_tokens.kind == right_tokens.kind
        && !matches!(left_tokens.kind, TokenKind::End | TokenKind::Invalid)
        && left_value == right_value
    {
        left_value = left_tokens.next_value()?;
        right_value = right_tokens.next_value()?;
    }
    match left_value.cmp(&right_value) {
        Ordering::Equal => {}
        unequal => return Some(unequal),
    }
    if left_tokens.kind == right_tokens.kind {
        return Some(Ordering::Equal);
    }
    // One side has more: it is newer unless what follows is a pre-release suffix.
    if left_tokens.kind == TokenKind::Suffix && suffix_is_pre_release(&left_tokens) {
        return Some(Ordering::Less);
    }
    if right_tokens.kind == TokenKind::Suffix && suffix_is_pre_release(&right_tokens) {
        return Some(Ordering::Greater);
    }
    // A lower token kind means more version follows, which is newer.
    Some(right_tokens.kind.cmp(&left_tokens.kind))
}

fn suffix_is_pre_release(tokens: &Tokenizer<'_>) -> bool {
    let remaining = tokens.remaining();
    PRE_RELEASE_SUFFIXES.iter().any(|suffix| remaining.starts_with(suffix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering::{Equal, Greater, Less};

    use super::{compare, is_valid};

    #[test]
    fn suffix_classes() {
        // Pre-release suffixes sort below the bare version, in alpha<beta<pre<rc order.
        assert_eq!(compare("1.0_alpha1", "1.0_beta1"), Some(Less));
        assert_eq!(compare("1.0_pre1", "1.0_rc1"), Some(Less));
        assert_eq!(compare("1.0_rc9", "1.0"), Some(Less));
        // Post-release suffixes sort above it, cvs<svn<git<hg<p.
        assert_eq!(compare("1.0_p1", "1.0"), Some(Greater));
        assert_eq!(compare("1.0_git20200101", "1.0_p1"), Some(Less));
    }

    #[test]
    fn letters_revisions_and_zeros() {
        // A trailing letter is newer than none, older than the next number.
        assert_eq!(compare("1.0a", "1.0"), Some(Greater));
        assert_eq!(compare("1.0z", "1.0.1"), Some(Less));
        // -rN revisions.
        assert_eq!(compare("1.0-r1", "1.0-r10"), Some(Less));
        assert_eq!(compare("1.0-r0", "1.0"), Some(Greater));
        // Leading zeros after a dot compare below any plain number.
        assert_eq!(compare("1.01", "1.1"), Some(Less));
        assert_eq!(compare("1.0", "1"), Some(Greater));
    }

    #[test]
    fn validity() {
        // Unknown suffixes, double letters and bare hyphens are not apk versions.
        assert!(!is_valid("1.0_foo"));
        assert!(!is_valid("1.0ab"));
        assert!(!is_valid("1.0-1"));
        assert!(is_valid("1.2.3_rc1_p2-r4"));
        assert_eq!(compare("1.0-r1", "1.0-r1"), Some(Equal));
    }
}
