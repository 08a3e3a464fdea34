//! Content digests of image blobs: a reader that hashes bytes as they stream
//! past, and the comparison with the digest a manifest or config promised.
//!
//! Only `sha256` is checked, the algorithm every image tool writes; a blob
//! named by another algorithm is read unverified rather than refused.
//! Deliberately not handled: where the expected digests come from (`archive`,
//! `oci`).

use std::fmt::Write as _;
use std::io::Read;

use sha2::{Digest as _, Sha256};

use crate::SourceError;

/// Passes reads through while hashing every byte handed out.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> HashingReader<R> {
        HashingReader { inner, hasher: Sha256::new() }
    }

    /// Reads what the consumer left unread (a decompressor may stop at the
    /// end of its data, before trailing bytes) and returns the whole
    /// stream's `sha256:<hex>` digest.
    pub(crate) fn finish(mut self, blob: &str) -> Result<String, SourceError> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(|source| SourceError::corrupt(blob, source))?;
        Ok(hex_digest(self.hasher))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.hasher.update(buffer.get(..count).unwrap_or_default());
        Ok(count)
    }
}

fn hex_digest(hasher: Sha256) -> String {
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in hasher.finalize() {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The `sha256:<hex>` digest of bytes already in memory.
pub(crate) fn sha256_of(bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(bytes);
    hex_digest(hasher)
}

/// Fails when `expected` is a sha256 digest other than `actual`.
pub(crate) fn verify(blob: &str, expected: &str, actual: &str) -> Result<(), SourceError> {
    if !expected.starts_with("sha256:") || expected.eq_ignore_ascii_case(actual) {
        return Ok(());
    }
    Err(SourceError::DigestMismatch { blob: blob.to_owned(), expected: expected.to_owned(), actual: actual.to_owned() })
}
