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

/// Parses a YAML document (UTF-8 bytes) after checking its nesting. Bytes
/// that are not UTF-8 are left to the parser, which names the problem.
pub fn yaml_from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ParseError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        check_yaml(text)?;
    }
    Ok(serde_yaml_ng::from_slice(bytes)?)
}

/// Parses a TOML document after checking its nesting and dotted keys.
pub fn toml_from_str<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    check_toml(text)?;
    Ok(toml::from_str(text)?)
}
