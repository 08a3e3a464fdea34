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

/// Bytes are handed to the hashing thread in batches of this size: small
/// enough to bound memory, large enough that a tar reader's 512-byte header
/// reads do not become one message each.
const BATCH: usize = 256 * 1024;

/// Passes reads through while hashing every byte handed out.
///
/// The hashing runs on a thread of its own: an image scan is otherwise one
/// core inflating and hashing in turn (SHA-256 was 29 % of the time of a
/// 432 MB image), and the two overlap cleanly.
pub(crate) struct HashingReader<R> {
    inner: R,
    batch: Vec<u8>,
    hasher: Hasher,
}

enum Hasher {
    /// A thread receives batches and returns the finished hasher.
    Threaded { sender: std::sync::mpsc::SyncSender<Vec<u8>>, worker: std::thread::JoinHandle<Sha256> },
    /// No thread could be started: hash inline.
    Inline(Sha256),
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> HashingReader<R> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        let spawned = std::thread::Builder::new().name("kensa-sha256".to_owned()).spawn(move || {
            let mut hasher = Sha256::new();
            for batch in receiver {
                hasher.update(&batch);
            }
            hasher
        });
        let hasher = match spawned {
            Ok(worker) => Hasher::Threaded { sender, worker },
            Err(_) => Hasher::Inline(Sha256::new()),
        };
        HashingReader { inner, batch: Vec::with_capacity(BATCH), hasher }
    }

    /// Reads what the consumer left unread (a decompressor may stop at the
    /// end of its data, before trailing bytes) and returns the whole
    /// stream's `sha256:<hex>` digest.
    pub(crate) fn finish(mut self, blob: &str) -> Result<String, SourceError> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(|source| SourceError::corrupt(blob, source))?;
        self.flush_batch();
        let hasher = match self.hasher {
            Hasher::Inline(hasher) => hasher,
            Hasher::Threaded { sender, worker } => {
                drop(sender);
                worker.join().map_err(|_| {
                    SourceError::corrupt(blob, std::io::Error::other("the hashing thread stopped unexpectedly"))
                })?
            }
        };
        Ok(hex_digest(hasher))
    }

    fn flush_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        match &mut self.hasher {
            Hasher::Inline(hasher) => {
                hasher.update(&self.batch);
                self.batch.clear();
            }
            Hasher::Threaded { sender, .. } => {
                let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
                // A send fails only if the thread is gone; `finish` then reports it.
                let _ = sender.send(batch);
            }
        }
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.batch.extend_from_slice(buffer.get(..count).unwrap_or_default());
        if self.batch.len() >= BATCH {
            self.flush_batch();
        }
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
