//! Bounded front doors to the YAML and TOML parsers every feed, lockfile and
//! policy reader uses.
//!
//! Why: the parsers are correct but not built for hostile input. libyaml's
//! scanner takes time growing with the square of flow nesting (a 100 KB
//! `pnpm-lock.yaml` of `[[[[…` took 14 s before failing on its recursion
//! limit), and the TOML parser builds one table per segment of a dotted key,
//! so `a.a.a.…b = 1` costs about 70 times the file in memory (a 60 MB file
//! aborted the process). A service that accepts uploads cannot afford
//! either. So each document is first scanned once, in linear time and
//! constant memory, for its nesting depth (and, for TOML, its dotted-key
//! segments), and refused with a message naming the line before the parser
//! sees it. Real documents are far inside the limits: lockfiles nest a
//! dozen levels, and dotted keys have a handful of segments.
//!
//! What this crate deliberately does not do: decide file sizes (callers
//! bound what they read) or touch the filesystem.

mod toml_scan;
mod yaml_scan;

use serde::de::DeserializeOwned;

/// The deepest nesting of collections accepted in a YAML or TOML document.
pub const MAXIMUM_NESTING: usize = 128;
/// The most segments one dotted TOML key (or table header) may have.
pub const MAXIMUM_KEY_SEGMENTS: usize = 64;
/// The most dotted-key segments (beyond each key's first) one TOML document may have.
pub const MAXIMUM_DOTTED_SEGMENTS: usize = 100_000;

/// Why a document was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Collections nested deeper than [`MAXIMUM_NESTING`].
    #[error("collections nested more than {limit} levels deep at line {line} (the recursion limit for {format})")]
    TooDeep {
        /// `YAML` or `TOML`.
        format: &'static str,
        /// The limit.
        limit: usize,
        /// The 1-based line where the limit was passed.
        line: usize,
    },
    /// A dotted TOML key with too many segments, or too many in all.
    #[error("{message} at line {line} (TOML key limit)")]
    TooManyKeySegments {
        /// Which limit was passed.
        message: String,
        /// The 1-based line.
        line: usize,
    },
    /// The YAML parser's own error.
    #[error(transparent)]
    Yaml(#[from] serde_yaml_ng::Error),
    /// The TOML parser's own error.
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
}

/// Checks a YAML text's nesting without parsing it.
pub fn check_yaml(text: &str) -> Result<(), ParseError> {
    yaml_scan::check(text)
}

/// Checks a TOML text's nesting and dotted keys without parsing it.
pub fn check_toml(text: &str) -> Result<(), ParseError> {
    toml_scan::check(text)
}

/// Parses a YAML document after checking its nesting.
pub fn yaml_from_str<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    check_yaml(text)?;
    Ok(serde_yaml_ng::from_str(text)?)
}

/// Parses a YAML document after checking its nesting. libyaml reads UTF-8
/// and, after a byte-order mark, UTF-16: the text is checked in whichever
/// of them the parser will read (invalid sequences replaced), so no
/// encoding gets past the bound.
pub fn yaml_from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ParseError> {
    check_yaml(&yaml_text(bytes))?;
    Ok(serde_yaml_ng::from_slice(bytes)?)
}

/// The text libyaml will read from `bytes`.
fn yaml_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16| {
        let units: Vec<u16> =
            rest.chunks_exact(2).filter_map(|pair| <[u8; 2]>::try_from(pair).ok()).map(from).collect();
        std::borrow::Cow::Owned(String::from_utf16_lossy(&units))
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8_lossy(bytes),
    }
}

/// Parses a TOML document after checking its nesting and dotted keys.
pub fn toml_from_str<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    check_toml(text)?;
    Ok(toml::from_str(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UTF-16 (which libyaml reads, by its byte-order mark) is bounded too.
    #[test]
    fn utf16_documents_are_checked_as_well() {
        let text = format!("a: {}\n", "[".repeat(1000));
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let error = yaml_from_slice::<serde_yaml_ng::Value>(&bytes).unwrap_err();
        assert!(matches!(error, ParseError::TooDeep { .. }), "{error}");
    }
}
