//! One image layer: a tar stream (plain, gzip or zstd) read once, in order, into
//! the changes it makes — wanted regular files with their bytes, whiteouts,
//! opaque directories, paths it replaces with something that is not a file,
//! and hard links whose target lies in a lower layer.
//!
//! Deliberately not handled here: the order of layers and how their changes
//! stack (see `merge`), and following symlinks (a symlink only hides what a
//! lower layer had there, so no link can lead a read outside the image).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use crate::digest::HashingReader;
use crate::{Limits, Problem, SourceError, Wanted};

/// The prefix of a whiteout entry: `dir/.wh.name` deletes `dir/name` below.
const WHITEOUT_PREFIX: &str = ".wh.";
/// The entry that makes its directory opaque: nothing below shows through.
const OPAQUE_WHITEOUT: &str = ".wh..wh..opq";
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A regular file kept from a layer.
#[derive(Debug, Clone)]
pub(crate) struct LayerFile {
    pub(crate) contents: Arc<[u8]>,
    pub(crate) mode: u32,
}

/// What one layer changes, before it is stacked on the layers below.
#[derive(Debug, Default)]
pub(crate) struct LayerChanges {
    /// Wanted regular files (and hard links to them) this layer writes.
    pub(crate) files: BTreeMap<String, LayerFile>,
    /// Paths whiteouts delete from lower layers, with everything under them.
    pub(crate) deleted: Vec<String>,
    /// Directories made opaque: everything lower layers had under them goes.
    pub(crate) opaque_directories: Vec<String>,
    /// Paths this layer turns into a directory, symlink or device: a lower
    /// layer's regular file there is gone, but what is under it is not.
    pub(crate) replaced: Vec<String>,
    /// Wanted hard links (link, target) whose target is not in this layer.
    pub(crate) hard_links_to_lower_layers: Vec<(String, String)>,
    /// Entries skipped, each with the reason.
    pub(crate) problems: Vec<Problem>,
    /// The `sha256:` digest of the uncompressed tar stream, to compare with
    /// the config's `rootfs.diff_ids`.
    pub(crate) diff_id: String,
}

/// Wraps `reader` in a gzip or zstd decoder when the stream starts with that
/// format's magic bytes.
pub(crate) fn decompressed<'a>(reader: impl Read + 'a, layer: &str) -> Result<Box<dyn Read + 'a>, SourceError> {
    decompressed_as(reader, layer, None)
}

/// Like [`decompressed`], and when a descriptor's media type promises a
/// compression, a stream that does not start with its magic is an error: the
/// blob is not what its manifest says.
pub(crate) fn decompressed_as<'a>(
    reader: impl Read + 'a,
    layer: &str,
    media_type: Option<&str>,
) -> Result<Box<dyn Read + 'a>, SourceError> {
    let mut buffered = BufReader::with_capacity(256 * 1024, reader);
    let start = buffered.fill_buf().map_err(|source| SourceError::corrupt(layer, source))?;
    let is_gzip = start.starts_with(&GZIP_MAGIC);
    let is_zstd = start.starts_with(&ZSTD_MAGIC);
    let promised = media_type.and_then(|media_type| {
        if media_type.ends_with("+zstd") || media_type.ends_with(".zstd") {
            Some(("zstd", is_zstd))
        } else if media_type.ends_with("+gzip") || media_type.ends_with(".gzip") {
            Some(("gzip", is_gzip))
        } else {
            None
        }
    });
    if let Some((compression, false)) = promised {
        let message =
            format!("its media type {} promises {compression}, but it is not", media_type.unwrap_or_default());
        return Err(SourceError::corrupt(layer, std::io::Error::new(std::io::ErrorKind::InvalidData, message)));
    }
    if is_gzip {
        return Ok(Box::new(flate2::read::MultiGzDecoder::new(buffered)));
    }
    if is_zstd {
        let decoder = new_zstd_decoder(buffered).map_err(|source| SourceError::corrupt(layer, source))?;
        return Ok(Box::new(ZstdFrames { decoder: Some(decoder), layer: layer.to_owned() }));
    }
    Ok(Box::new(buffered))
}

type ZstdDecoder<R> = ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>;

/// ruzstd refuses frames asking for a window over 128 MiB, which bounds the
/// memory a hostile frame can make the decoder hold.
fn new_zstd_decoder<R: BufRead>(source: R) -> Result<ZstdDecoder<R>, std::io::Error> {
    ruzstd::decoding::StreamingDecoder::new(source)
        .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error.to_string()))
}

/// A zstd stream of one or more frames, one after the other (the format
/// allows several; a parallel compressor may write them).
struct ZstdFrames<R: BufRead> {
    decoder: Option<ZstdDecoder<R>>,
    layer: String,
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some(decoder) = self.decoder.as_mut() else { return Ok(0) };
            let count = decoder.read(buffer)?;
            if count > 0 || buffer.is_empty() {
                return Ok(count);
            }
            let Some(finished) = self.decoder.take() else { return Ok(0) };
            let mut source = finished.into_inner();
            if source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            let next = new_zstd_decoder(source).map_err(|error| {
                std::io::Error::new(error.kind(), format!("zstd frame after the first in {}: {error}", self.layer))
            })?;
            self.decoder = Some(next);
        }
    }
}

/// Normalises a tar entry name to a relative `/`-separated path: leading `./`
/// and `/`, empty and `.` components go. `None` for the root itself;
/// `Err` when a `..` component would climb out of the image root.
pub(crate) fn normalise_entry_path(raw: &str) -> Result<Option<String>, ()> {
    let mut components = Vec::new();
    for component in raw.split('/') {
        match component {
            "" | "." => {}
            ".." => return Err(()),
            other => components.push(other),
        }
    }
    Ok(if components.is_empty() { None } else { Some(components.join("/")) })
}

/// Whether to hash a layer's uncompressed stream into its `diff_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiffId {
    /// Compute it, to check against the config: a `docker save` archive's
    /// legacy `<id>/layer.tar` members have no other digest to trust.
    Compute,
    /// Leave it empty: the compressed blob is checked against the digest a
    /// verified manifest gives, which pins every byte of the layer, and
    /// hashing the uncompressed stream too was a fifth of an image scan.
    Skip,
}

/// Reads one layer tar stream (already decompressed) to its end.
pub(crate) fn read_layer(
    stream: impl Read,
    layer: &str,
    wanted: &dyn Wanted,
    limits: &Limits,
    kept_bytes: &std::sync::atomic::AtomicU64,
    diff_id: DiffId,
) -> Result<LayerChanges, SourceError> {
    match diff_id {
        DiffId::Compute => {
            let mut hashing = HashingReader::new(stream);
            let mut changes = read_entries(&mut hashing, layer, wanted, limits, kept_bytes)?;
            changes.diff_id = hashing.finish(layer)?;
            Ok(changes)
        }
        DiffId::Skip => {
            let mut stream = stream;
            let changes = read_entries(&mut stream, layer, wanted, limits, kept_bytes)?;
            // Read past the end-of-archive blocks so a truncated gzip stream
            // (or a bad CRC) is noticed instead of silently ignored.
            std::io::copy(&mut stream, &mut std::io::sink()).map_err(|source| SourceError::corrupt(layer, source))?;
            Ok(changes)
        }
    }
}

fn read_entries(
    stream: impl Read,
    layer: &str,
    wanted: &dyn Wanted,
    limits: &Limits,
    kept_bytes: &std::sync::atomic::AtomicU64,
) -> Result<LayerChanges, SourceError> {
    let mut changes = LayerChanges::default();
    // Files of this layer read and then dropped by `Wanted::keep`.
    let mut dropped = std::collections::HashSet::new();
    let mut archive = tar::Archive::new(stream);
    let entries = archive.entries().map_err(|source| SourceError::corrupt(layer, source))?;
    for entry in entries {
        let mut entry = entry.map_err(|source| SourceError::corrupt(layer, source))?;
        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = match normalise_entry_path(&raw_path) {
            Ok(Some(path)) => path,
            Ok(None) => continue,
            Err(()) => {
                changes.problems.push(Problem::OutsideRoot { path: format!("{raw_path} (layer {layer})") });
                continue;
            }
        };
        let name = kensa_fs::file_name(&path);
        if let Some(hidden) = name.strip_prefix(WHITEOUT_PREFIX) {
            let directory = kensa_fs::parent(&path);
            if name == OPAQUE_WHITEOUT {
                changes.opaque_directories.push(directory.to_owned());
            } else if !hidden.is_empty() {
                changes.deleted.push(kensa_fs::join(directory, hidden));
            }
            continue;
        }
        let kind = entry.header().entry_type();
        // The tar header gives size and mode for free, so catalogers judge the
        // file as they would on disk (an executable bit decides whether a
        // binary cataloger wants it).
        let executable = entry.header().mode().is_ok_and(|mode| mode & 0o111 != 0);
        let described = |size: u64| kensa_fs::FileEntry { path: path.clone(), size, executable };
        if kind.is_file() {
            changes.replaced.push(path.clone());
            let described = described(entry.header().size().unwrap_or(u64::MAX));
            if wanted.wanted(&described) {
                keep_file(&mut entry, described, layer, wanted, limits, kept_bytes, &mut changes, &mut dropped)?;
            } else {
                changes.files.remove(&path);
            }
        } else if kind.is_hard_link() {
            changes.replaced.push(path.clone());
            changes.files.remove(&path);
            // A hard link's own header carries no size: the target's is unknown here.
            if !wanted.wanted(&described(u64::MAX)) {
                continue;
            }
            let raw_target = entry.link_name_bytes().map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
            match raw_target.as_deref().map(normalise_entry_path) {
                Some(Ok(Some(target))) => match changes.files.get(&target) {
                    Some(file) => {
                        let file = file.clone();
                        changes.files.insert(path, file);
                    }
                    // The target is in this layer and was read and dropped:
                    // the link is dropped with it, not looked for below.
                    None if dropped.contains(&target) => {}
                    None => changes.hard_links_to_lower_layers.push((path, target)),
                },
                _ => changes.problems.push(Problem::OutsideRoot {
                    path: format!("{path} -> {} (hard link, layer {layer})", raw_target.unwrap_or_default()),
                }),
            }
        } else {
            // Directories, symlinks, devices and FIFOs are never kept; they
            // only hide a lower layer's regular file at the same path.
            changes.replaced.push(path.clone());
            changes.files.remove(&path);
        }
    }
    Ok(changes)
}

#[allow(clippy::too_many_arguments)] // one call site, each argument a different piece of the layer's state
fn keep_file<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    described: kensa_fs::FileEntry,
    layer: &str,
    wanted: &dyn Wanted,
    limits: &Limits,
    kept_bytes: &std::sync::atomic::AtomicU64,
    changes: &mut LayerChanges,
    dropped: &mut std::collections::HashSet<String>,
) -> Result<(), SourceError> {
    let path = described.path.clone();
    let mode = entry.header().mode().unwrap_or(0o644);
    let entry_size = entry.header().size().unwrap_or(0);
    let too_large = |size: u64| Problem::TooLarge { path: path.clone(), size, limit: limits.file_size };
    // The tar reader yields at most the declared size, so a file declared too
    // large is skipped unread (the reader skips it before the next header).
    if entry_size > limits.file_size {
        changes.problems.push(too_large(entry_size));
        return Ok(());
    }
    // Never read more than the total limit allows, so a highly compressible
    // layer cannot make this hold more than the limit before it fails.
    let already_kept = kept_bytes.load(std::sync::atomic::Ordering::Relaxed);
    let allowance = limits.file_size.min(limits.total_kept_bytes.saturating_sub(already_kept));
    let mut contents = Vec::new();
    entry
        .take(allowance.saturating_add(1))
        .read_to_end(&mut contents)
        .map_err(|source| SourceError::corrupt(layer, source))?;
    let size = contents.len() as u64;
    if size > limits.file_size {
        changes.problems.push(too_large(entry_size.max(size)));
        return Ok(());
    }
    if !wanted.keep(&described, &contents) {
        changes.files.remove(&path);
        dropped.insert(path);
        return Ok(());
    }
    // Layers may be read on several threads: the total is shared.
    let total = kept_bytes.fetch_add(size, std::sync::atomic::Ordering::Relaxed).saturating_add(size);
    if total > limits.total_kept_bytes {
        return Err(SourceError::TooMuchKept { limit: limits.total_kept_bytes, layer: layer.to_owned() });
    }
    changes.files.insert(path, LayerFile { contents: contents.into(), mode });
    Ok(())
}
