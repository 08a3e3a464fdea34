//! A cache of what each layer contributes (its kept files, whiteouts and
//! links), keyed by the layer blob's digest, so images sharing a base image
//! are rescanned without downloading or inflating the shared layers again.
//!
//! Why it is safe to trust:
//! - The key is the digest of the compressed blob as a verified manifest
//!   names it, so the same key is the same bytes; the entry is looked up only
//!   after the manifest chain has been verified.
//! - What a layer keeps depends on the `Wanted` rules and the file-size
//!   limit, so entries live in a directory named by a hash of the rules'
//!   [`Wanted::cache_identity`] and the limit; rules without an identity are
//!   never cached.
//! - Each entry carries a SHA-256 of its contents: a truncated or altered
//!   entry is ignored (and rewritten), never believed.
//! - Layers whose reading left a problem (an entry outside the root, a file
//!   over the limit) are not cached: their diagnostics name the image they
//!   were read in, and they are rare enough to read again.
//!
//! The format is written by hand (length-prefixed strings and byte strings)
//! rather than through serde: kept files are megabytes of bytes, which a
//! serde sequence would encode one element at a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};

use crate::layer::{LayerChanges, LayerFile};
use crate::{Limits, SourceError, Wanted};

const MAGIC: &[u8; 8] = b"KENSALC1";
const CHECKSUM_LENGTH: usize = 32;

/// What a layer cache root holds: entries live under `layers/` in it (a
/// database may sit beside them), image configs (`.blob`) beside the layers
/// they name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerCacheUsage {
    /// The directory the entries live in (`<root>/layers`).
    pub directory: PathBuf,
    /// Cached layers.
    pub layers: u64,
    /// Cached image configs.
    pub configs: u64,
    /// Their size in bytes.
    pub bytes: u64,
}

/// Counts what the layer cache under `root` holds (nothing when it does not exist).
pub fn layer_cache_usage(root: &Path) -> LayerCacheUsage {
    let directory = root.join("layers");
    let mut usage = LayerCacheUsage { directory: directory.clone(), ..LayerCacheUsage::default() };
    let mut pending = vec![directory];
    while let Some(directory) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&directory) else { continue };
        for entry in listing.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(_) => {
                    if entry.path().extension().is_some_and(|extension| extension == "blob") {
                        usage.configs += 1;
                    } else {
                        usage.layers += 1;
                    }
                    usage.bytes += entry.metadata().map_or(0, |metadata| metadata.len());
                }
                Err(_) => {}
            }
        }
    }
    usage
}

/// Removes every entry of the layer cache under `root` (only its `layers`
/// directory, never what sits beside it), returning what it held; `None`
/// when there was no cache there.
pub fn clear_layer_cache(root: &Path) -> Result<Option<LayerCacheUsage>, SourceError> {
    let usage = layer_cache_usage(root);
    if !usage.directory.exists() {
        return Ok(None);
    }
    std::fs::remove_dir_all(&usage.directory).map_err(|source| SourceError::Io {
        operation: "remove",
        path: usage.directory.display().to_string(),
        source,
    })?;
    Ok(Some(usage))
}

/// A layer cache directory for one set of `Wanted` rules and limits.
#[derive(Debug, Clone)]
pub(crate) struct LayerCache {
    directory: PathBuf,
}

impl LayerCache {
    /// The cache under `root` for these rules, or `None` when the rules have
    /// no identity (so what they keep cannot be told apart from other rules').
    pub(crate) fn for_rules(root: &Path, wanted: &dyn Wanted, limits: &Limits) -> Option<LayerCache> {
        let identity = wanted.cache_identity()?;
        let mut hasher = Sha256::new();
        hasher.update(identity.as_bytes());
        hasher.update([0]);
        hasher.update(limits.file_size.to_le_bytes());
        let hash: String = hasher.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect();
        Some(LayerCache { directory: root.join("layers").join(hash) })
    }

    /// The entry file of a blob digest (`sha256:<hex>` → `sha256-<hex>`);
    /// `None` for anything that is not a plain algorithm and hex digest, so a
    /// hostile manifest cannot name a path.
    fn entry_path(&self, digest: &str) -> Option<PathBuf> {
        let (algorithm, hex) = digest.split_once(':')?;
        let algorithm_ok = !algorithm.is_empty()
            && algorithm.len() <= 16
            && algorithm.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
        let hex_ok = (32..=128).contains(&hex.len()) && hex.bytes().all(|byte| byte.is_ascii_hexdigit());
        (algorithm_ok && hex_ok).then(|| self.directory.join(format!("{algorithm}-{}", hex.to_ascii_lowercase())))
    }

    /// The cached changes of a layer, counted against the kept-bytes limit
    /// like a fresh read; `Ok(None)` when there is no usable entry.
    pub(crate) fn load(
        &self,
        digest: &str,
        layer_name: &str,
        limits: &Limits,
        kept_bytes: &AtomicU64,
    ) -> Result<Option<LayerChanges>, SourceError> {
        let Some(path) = self.entry_path(digest) else { return Ok(None) };
        let Ok(bytes) = std::fs::read(&path) else { return Ok(None) };
        let Some(changes) = decode(&bytes) else { return Ok(None) };
        let size: u64 = changes.files.values().map(|file| file.contents.len() as u64).sum();
        let total = kept_bytes.fetch_add(size, Ordering::Relaxed).saturating_add(size);
        if total > limits.total_kept_bytes {
            return Err(SourceError::TooMuchKept { limit: limits.total_kept_bytes, layer: layer_name.to_owned() });
        }
        Ok(Some(changes))
    }

    /// Stores a freshly read layer, unless reading it left problems. A cache
    /// that cannot be written is no reason to fail a scan: the error is
    /// returned for the caller to mention.
    pub(crate) fn store(&self, digest: &str, changes: &LayerChanges) -> std::io::Result<()> {
        let Some(path) = self.entry_path(digest) else { return Ok(()) };
        if !changes.problems.is_empty() || path.exists() {
            return Ok(());
        }
        // No fsync: an entry torn by a crash fails its checksum and is rewritten.
        self.write_entry(&path, &encode(changes))
    }

    /// Writes an entry beside its place and renames it there, so a reader
    /// never sees half an entry and concurrent scans of one layer do not
    /// collide; the hidden temporary file is removed if anything fails.
    fn write_entry(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.directory)?;
        // Unsynced: a crash may lose an entry, never tear one (and entries
        // are checksummed when read).
        kensa_fs::replace::replace_file(path, bytes, "partial", kensa_fs::replace::Durability::Unsynced)
    }

    /// A small blob (an image config) cached by its own SHA-256 digest, which
    /// is checked when it is read back: a damaged entry is simply absent.
    pub(crate) fn load_blob(&self, digest: &str) -> Option<Vec<u8>> {
        let path = self.entry_path(digest)?.with_extension("blob");
        let bytes = std::fs::read(path).ok()?;
        (digest.starts_with("sha256:") && crate::digest::sha256_of(&bytes) == digest).then_some(bytes)
    }

    /// Stores a blob under its digest (the caller has verified it).
    pub(crate) fn store_blob(&self, digest: &str, bytes: &[u8]) -> std::io::Result<()> {
        let Some(path) = self.entry_path(digest).map(|path| path.with_extension("blob")) else { return Ok(()) };
        if path.exists() {
            return Ok(());
        }
        self.write_entry(&path, bytes)
    }
}

fn put_length(out: &mut Vec<u8>, length: usize) {
    out.extend_from_slice(&(length as u64).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_length(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn put_strings<'a>(out: &mut Vec<u8>, strings: impl ExactSizeIterator<Item = &'a String>) {
    put_length(out, strings.len());
    for string in strings {
        put_bytes(out, string.as_bytes());
    }
}

fn encode(changes: &LayerChanges) -> Vec<u8> {
    let kept: usize = changes.files.iter().map(|(path, file)| path.len() + file.contents.len() + 24).sum();
    let mut payload = Vec::with_capacity(kept + 1024);
    put_bytes(&mut payload, changes.diff_id.as_bytes());
    put_length(&mut payload, changes.files.len());
    for (path, file) in &changes.files {
        put_bytes(&mut payload, path.as_bytes());
        payload.extend_from_slice(&file.mode.to_le_bytes());
        put_bytes(&mut payload, &file.contents);
    }
    put_strings(&mut payload, changes.deleted.iter());
    put_strings(&mut payload, changes.opaque_directories.iter());
    put_strings(&mut payload, changes.replaced.iter());
    put_length(&mut payload, changes.hard_links_to_lower_layers.len());
    for (link, target) in &changes.hard_links_to_lower_layers {
        put_bytes(&mut payload, link.as_bytes());
        put_bytes(&mut payload, target.as_bytes());
    }
    let mut entry = Vec::with_capacity(MAGIC.len() + payload.len() + CHECKSUM_LENGTH);
    entry.extend_from_slice(MAGIC);
    entry.extend_from_slice(&payload);
    entry.extend_from_slice(&Sha256::digest(&payload));
    entry
}

/// Reads what [`encode`] wrote; `None` for anything else (wrong magic or
/// checksum, lengths that run past the end, text that is not UTF-8).
fn decode(entry: &[u8]) -> Option<LayerChanges> {
    let body = entry.strip_prefix(MAGIC.as_slice())?;
    let (payload, checksum) = body.split_at_checked(body.len().checked_sub(CHECKSUM_LENGTH)?)?;
    if Sha256::digest(payload).as_slice() != checksum {
        return None;
    }
    let mut reader = Reader { rest: payload };
    let diff_id = reader.string()?;
    let file_count = reader.length()?;
    let mut files = BTreeMap::new();
    for _ in 0..file_count {
        let path = reader.string()?;
        let mode = u32::from_le_bytes(reader.take(4)?.try_into().ok()?);
        let contents: Arc<[u8]> = Arc::from(reader.bytes()?);
        files.insert(path, LayerFile { contents, mode });
    }
    let deleted = reader.strings()?;
    let opaque_directories = reader.strings()?;
    let replaced = reader.strings()?;
    let link_count = reader.length()?;
    let mut hard_links_to_lower_layers = Vec::new();
    for _ in 0..link_count {
        hard_links_to_lower_layers.push((reader.string()?, reader.string()?));
    }
    if !reader.rest.is_empty() {
        return None;
    }
    Some(LayerChanges {
        files,
        deleted,
        opaque_directories,
        replaced,
        hard_links_to_lower_layers,
        problems: Vec::new(),
        diff_id,
    })
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.rest.split_at_checked(count)?;
        self.rest = rest;
        Some(taken)
    }

    /// A count or length, never more than the bytes left (each item takes
    /// at least one), so a damaged entry cannot make us allocate.
    fn length(&mut self) -> Option<usize> {
        let length = usize::try_from(u64::from_le_bytes(self.take(8)?.try_into().ok()?)).ok()?;
        (length <= self.rest.len()).then_some(length)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let length = self.length()?;
        self.take(length)
    }

    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        let count = self.length()?;
        (0..count).map(|_| self.string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LayerChanges {
        let mut changes = LayerChanges { diff_id: "sha256:abc".to_owned(), ..LayerChanges::default() };
        changes.files.insert(
            "lib/apk/db/installed".to_owned(),
            LayerFile { contents: Arc::from(&b"P:musl\nV:1.2\n"[..]), mode: 0o644 },
        );
        changes.files.insert("usr/bin/empty".to_owned(), LayerFile { contents: Arc::from(&b""[..]), mode: 0o755 });
        changes.deleted.push("etc/old".to_owned());
        changes.opaque_directories.push("var/cache".to_owned());
        changes.replaced.push("usr/lib/link".to_owned());
        changes.hard_links_to_lower_layers.push(("bin/a".to_owned(), "bin/b".to_owned()));
        changes
    }

    fn same(left: &LayerChanges, right: &LayerChanges) -> bool {
        left.diff_id == right.diff_id
            && left.deleted == right.deleted
            && left.opaque_directories == right.opaque_directories
            && left.replaced == right.replaced
            && left.hard_links_to_lower_layers == right.hard_links_to_lower_layers
            && left.files.len() == right.files.len()
            && left.files.iter().zip(&right.files).all(|((left_path, left_file), (right_path, right_file))| {
                left_path == right_path
                    && left_file.mode == right_file.mode
                    && left_file.contents == right_file.contents
            })
    }

    /// An entry reads back as the changes that were written.
    #[test]
    fn entries_round_trip() {
        let decoded = decode(&encode(&sample())).unwrap();
        assert!(same(&decoded, &sample()));
    }

    /// Every truncation and every single-byte change of an entry is refused.
    #[test]
    fn damaged_entries_are_refused() {
        let entry = encode(&sample());
        for length in 0..entry.len() {
            assert!(decode(&entry[..length]).is_none(), "truncated at {length}");
        }
        for position in 0..entry.len() {
            let mut damaged = entry.clone();
            damaged[position] ^= 0x01;
            assert!(decode(&damaged).is_none(), "byte {position} changed");
        }
    }

    /// Only `algorithm:hex` digests name entries: nothing that could leave the directory.
    #[test]
    fn only_plain_digests_name_entries() {
        let cache = LayerCache { directory: PathBuf::from("/cache/layers/x") };
        let hex = "a".repeat(64);
        assert_eq!(
            cache.entry_path(&format!("sha256:{hex}")),
            Some(PathBuf::from(format!("/cache/layers/x/sha256-{hex}")))
        );
        for hostile in [
            format!("sha256:../../{hex}"),
            format!("../sha256:{hex}"),
            "sha256:abc".to_owned(),
            format!("sha256/x:{hex}"),
            format!("SHA256:{hex}"),
            hex.clone(),
        ] {
            assert_eq!(cache.entry_path(&hostile), None, "{hostile}");
        }
    }

    /// Rules without an identity are not cached; limits and rules separate entries.
    #[test]
    fn cache_directories_follow_rules_and_limits() {
        struct Named(&'static str);
        impl Wanted for Named {
            fn wanted(&self, _entry: &kensa_fs::FileEntry) -> bool {
                true
            }
            fn cache_identity(&self) -> Option<String> {
                Some(self.0.to_owned())
            }
        }
        let root = Path::new("/cache");
        let anonymous = |_entry: &kensa_fs::FileEntry| true;
        assert!(LayerCache::for_rules(root, &anonymous, &Limits::default()).is_none());
        let first = LayerCache::for_rules(root, &Named("a"), &Limits::default()).unwrap();
        let second = LayerCache::for_rules(root, &Named("b"), &Limits::default()).unwrap();
        let smaller = Limits { file_size: 1, ..Limits::default() };
        let third = LayerCache::for_rules(root, &Named("a"), &smaller).unwrap();
        assert_ne!(first.directory, second.directory);
        assert_ne!(first.directory, third.directory);
    }

    /// A stored layer loads back; a layer with problems is not stored; the
    /// kept-bytes limit applies to cached layers too.
    #[test]
    fn store_and_load() {
        let directory = tempfile::tempdir().unwrap();
        let cache = LayerCache { directory: directory.path().join("layers/x") };
        let digest = format!("sha256:{}", "b".repeat(64));
        let kept = AtomicU64::new(0);
        assert!(cache.load(&digest, "layer", &Limits::default(), &kept).unwrap().is_none());
        cache.store(&digest, &sample()).unwrap();
        let loaded = cache.load(&digest, "layer", &Limits::default(), &kept).unwrap().unwrap();
        assert!(same(&loaded, &sample()));
        assert_eq!(kept.load(Ordering::Relaxed), 13);
        let tight = Limits { total_kept_bytes: 20, ..Limits::default() };
        assert!(matches!(cache.load(&digest, "layer", &tight, &kept), Err(SourceError::TooMuchKept { .. })));

        let other = format!("sha256:{}", "c".repeat(64));
        let mut troubled = sample();
        troubled.problems.push(crate::Problem::OutsideRoot { path: "../x".to_owned() });
        cache.store(&other, &troubled).unwrap();
        assert!(cache.load(&other, "layer", &Limits::default(), &AtomicU64::new(0)).unwrap().is_none());
        let leftovers: Vec<_> = std::fs::read_dir(&cache.directory).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "one entry, no temporary files");
    }
}
