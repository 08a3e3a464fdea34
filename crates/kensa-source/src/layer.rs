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
/// (Cloning is cheap: file contents are shared.)
#[derive(Debug, Clone, Default)]
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
pub(crate) fn decompressed<R: Read>(reader: R, layer: &str) -> Result<Decompressed<R>, SourceError> {
    decompressed_as(reader, layer, None, false)
}

/// Like [`decompressed`], and when a descriptor's media type promises a
/// compression, a stream that does not start with its magic is an error: the
/// blob is not what its manifest says. `verified_by_digest` says the caller
/// checks the compressed bytes against a digest, so gzip's CRC is skipped
/// ([`GzipWithoutCrc`]).
pub(crate) fn decompressed_as<R: Read>(
    reader: R,
    layer: &str,
    media_type: Option<&str>,
    verified_by_digest: bool,
) -> Result<Decompressed<R>, SourceError> {
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
    if is_gzip && verified_by_digest {
        return Ok(Decompressed::GzipVerifiedByDigest(GzipWithoutCrc::new(buffered)));
    }
    if is_gzip {
        return Ok(Decompressed::Gzip(flate2::bufread::MultiGzDecoder::new(buffered)));
    }
    if is_zstd {
        let decoder = new_zstd_decoder(buffered).map_err(|source| SourceError::corrupt(layer, source))?;
        return Ok(Decompressed::Zstd(Box::new(ZstdFrames { decoder: Some(decoder), layer: layer.to_owned() })));
    }
    Ok(Decompressed::Plain(buffered))
}

/// gzip members (RFC 1952) inflated without the CRC-32 of their contents: for
/// layer blobs whose compressed bytes are checked against a digest that a
/// verified manifest gives, the CRC is a weaker second check of the same
/// bytes, and computing it was 4 % of an image scan. The header is parsed and
/// `ISIZE` (the length modulo 2³²) still checked; several members in a row
/// are read as one stream, as `gzip -d` does.
pub(crate) struct GzipWithoutCrc<R: BufRead> {
    state: GzipState<R>,
}

enum GzipState<R: BufRead> {
    /// Before a member's header (or the end of the stream).
    BetweenMembers(R),
    /// Inside a member's deflate data, with the bytes it has produced so far.
    Inflating(flate2::bufread::DeflateDecoder<R>, u64),
    Finished,
    /// After an error: every further read fails.
    Failed,
}

fn invalid(message: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message.to_owned())
}

fn read_byte(source: &mut impl BufRead) -> std::io::Result<u8> {
    let mut byte = [0u8; 1];
    source.read_exact(&mut byte)?;
    let [value] = byte;
    Ok(value)
}

/// Skips a gzip header's zero-terminated name or comment.
fn skip_zero_terminated(source: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let available = source.fill_buf()?;
        if available.is_empty() {
            return Err(invalid("gzip header ends inside a name or comment"));
        }
        match available.iter().position(|byte| *byte == 0) {
            Some(end) => {
                source.consume(end.saturating_add(1));
                return Ok(());
            }
            None => {
                let length = available.len();
                source.consume(length);
            }
        }
    }
}

/// Reads one member header; `Ok(false)` at the end of the stream (nothing
/// left, or only zero padding).
fn read_gzip_header(source: &mut impl BufRead) -> std::io::Result<bool> {
    let start = source.fill_buf()?;
    if start.is_empty() {
        return Ok(false);
    }
    if start.first() == Some(&0) {
        // Zero padding after the last member, which `gzip -d` ignores.
        loop {
            let available = source.fill_buf()?;
            if available.is_empty() {
                return Ok(false);
            }
            if available.iter().any(|byte| *byte != 0) {
                return Err(invalid("data after zero padding at the end of a gzip stream"));
            }
            let length = available.len();
            source.consume(length);
        }
    }
    let mut fixed = [0u8; 10];
    source.read_exact(&mut fixed)?;
    let [id1, id2, method, flags, ..] = fixed;
    if [id1, id2] != GZIP_MAGIC {
        return Err(invalid("not a gzip member where one should start"));
    }
    if method != 8 || flags & 0xe0 != 0 {
        return Err(invalid("gzip member with an unknown compression method or flags"));
    }
    if flags & 0x04 != 0 {
        let length = u16::from_le_bytes([read_byte(source)?, read_byte(source)?]);
        std::io::copy(&mut source.take(u64::from(length)), &mut std::io::sink())?;
    }
    if flags & 0x08 != 0 {
        skip_zero_terminated(source)?;
    }
    if flags & 0x10 != 0 {
        skip_zero_terminated(source)?;
    }
    if flags & 0x02 != 0 {
        read_byte(source)?;
        read_byte(source)?;
    }
    Ok(true)
}

impl<R: BufRead> GzipWithoutCrc<R> {
    pub(crate) fn new(source: R) -> GzipWithoutCrc<R> {
        GzipWithoutCrc { state: GzipState::BetweenMembers(source) }
    }
}

impl<R: BufRead> Read for GzipWithoutCrc<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if buffer.is_empty() {
            return Ok(0);
        }
        loop {
            match std::mem::replace(&mut self.state, GzipState::Failed) {
                GzipState::BetweenMembers(mut source) => {
                    if read_gzip_header(&mut source)? {
                        self.state = GzipState::Inflating(flate2::bufread::DeflateDecoder::new(source), 0);
                    } else {
                        self.state = GzipState::Finished;
                    }
                }
                GzipState::Inflating(mut decoder, produced) => {
                    let count = decoder.read(buffer)?;
                    if count > 0 {
                        self.state = GzipState::Inflating(decoder, produced.wrapping_add(count as u64));
                        return Ok(count);
                    }
                    let mut source = decoder.into_inner();
                    let mut trailer = [0u8; 8];
                    source.read_exact(&mut trailer).map_err(|_| invalid("gzip member cut short before its trailer"))?;
                    let [_, _, _, _, size @ ..] = trailer;
                    // ISIZE is the length modulo 2^32.
                    if u64::from(u32::from_le_bytes(size)) != produced % (1 << 32) {
                        return Err(invalid("gzip member length does not match its trailer"));
                    }
                    self.state = GzipState::BetweenMembers(source);
                }
                GzipState::Finished => {
                    self.state = GzipState::Finished;
                    return Ok(0);
                }
                GzipState::Failed => return Err(invalid("the gzip stream failed earlier")),
            }
        }
    }
}

/// A layer stream, decompressed as its first bytes say (`Send` when the
/// source is, so a layer can inflate on a thread of its own).
pub(crate) enum Decompressed<R: Read> {
    Gzip(flate2::bufread::MultiGzDecoder<BufReader<R>>),
    GzipVerifiedByDigest(GzipWithoutCrc<BufReader<R>>),
    Zstd(Box<ZstdFrames<BufReader<R>>>),
    Plain(BufReader<R>),
}

impl<R: Read> Read for Decompressed<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Decompressed::Gzip(decoder) => decoder.read(buffer),
            Decompressed::GzipVerifiedByDigest(decoder) => decoder.read(buffer),
            Decompressed::Zstd(decoder) => decoder.read(buffer),
            Decompressed::Plain(reader) => reader.read(buffer),
        }
    }
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
pub(crate) struct ZstdFrames<R: BufRead> {
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
            let mut changes = read_entries(&mut hashing, layer, wanted, limits, kept_bytes, tar::Archive::entries)?;
            changes.diff_id = hashing.finish(layer)?;
            Ok(changes)
        }
        DiffId::Skip => {
            let mut stream = stream;
            let changes = read_entries(&mut stream, layer, wanted, limits, kept_bytes, tar::Archive::entries)?;
            // Read past the end-of-archive blocks so a truncated gzip stream
            // (or a bad CRC) is noticed instead of silently ignored.
            std::io::copy(&mut stream, &mut std::io::sink()).map_err(|source| SourceError::corrupt(layer, source))?;
            Ok(changes)
        }
    }
}

/// The size of the chunks [`read_layer_pipelined`] hands from the inflating
/// thread to the tar-reading one.
const PIPELINE_CHUNK: usize = 256 * 1024;
/// Chunks in flight between the two threads: 2 MiB per layer at most.
const PIPELINE_DEPTH: usize = 8;

/// [`read_layer`] with the decompression on a thread of its own: inflating
/// one large layer is the longest single piece of an image scan, and taking
/// the tar parsing and copying of kept files off that thread shortens it.
/// Falls back to reading on this thread when no thread can be started.
pub(crate) fn read_layer_pipelined(
    stream: impl Read + Send,
    layer: &str,
    wanted: &dyn Wanted,
    limits: &Limits,
    kept_bytes: &std::sync::atomic::AtomicU64,
    diff_id: DiffId,
) -> Result<LayerChanges, SourceError> {
    let mut stream = stream;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(PIPELINE_DEPTH);
    // Read chunks come back to be filled again: a fresh buffer would be
    // zeroed first, and that was a memset of the whole layer.
    let (recycle, recycled) = std::sync::mpsc::sync_channel::<Vec<u8>>(PIPELINE_DEPTH.saturating_add(2));
    std::thread::scope(|scope| {
        let source = &mut stream;
        let inflating = std::thread::Builder::new().name("kensa-inflate".to_owned()).spawn_scoped(scope, move || {
            loop {
                let mut chunk = recycled.try_recv().unwrap_or_default();
                chunk.resize(PIPELINE_CHUNK, 0);
                let filled = fill(source, &mut chunk);
                let message = match filled {
                    Ok(0) => break,
                    Ok(count) => {
                        chunk.truncate(count);
                        Ok(chunk)
                    }
                    Err(error) => Err(error),
                };
                let failed = message.is_err();
                // The reader gone means it stopped early (an error): so do we.
                if sender.send(message).is_err() || failed {
                    break;
                }
            }
        });
        // The stream is lent to the thread for the whole scope, so a failed
        // spawn is answered after it.
        inflating.is_ok().then(|| {
            let mut chunks = ChunkReader { receiver, recycle, chunk: Vec::new(), position: 0, offset: 0 };
            match diff_id {
                // Unwanted entries are skipped chunk by chunk, never copied.
                DiffId::Skip => {
                    let changes =
                        read_entries(&mut chunks, layer, wanted, limits, kept_bytes, tar::Archive::entries_with_seek)?;
                    std::io::copy(&mut chunks, &mut std::io::sink())
                        .map_err(|source| SourceError::corrupt(layer, source))?;
                    Ok(changes)
                }
                DiffId::Compute => read_layer(chunks, layer, wanted, limits, kept_bytes, diff_id),
            }
        })
    })
    .unwrap_or_else(|| read_layer(stream, layer, wanted, limits, kept_bytes, diff_id))
}

/// Reads until `buffer` is full or the stream ends; the count read.
fn fill(source: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buffer.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match source.read(rest) {
            Ok(0) => break,
            Ok(count) => filled = filled.saturating_add(count),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Reads the chunks the inflating thread sends, in order.
struct ChunkReader {
    receiver: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    recycle: std::sync::mpsc::SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    position: usize,
    /// Bytes of the stream read or skipped so far.
    offset: u64,
}

impl ChunkReader {
    /// Makes sure the current chunk has unread bytes; `false` at the end.
    fn next_chunk(&mut self) -> std::io::Result<bool> {
        while self.position >= self.chunk.len() {
            match self.receiver.recv() {
                Ok(Ok(chunk)) => {
                    let used = std::mem::replace(&mut self.chunk, chunk);
                    // A full return queue just drops the buffer.
                    let _ = self.recycle.try_send(used);
                    self.position = 0;
                }
                Ok(Err(error)) => return Err(error),
                // The sender is gone: the stream ended.
                Err(_) => return Ok(false),
            }
        }
        Ok(true)
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if buffer.is_empty() || !self.next_chunk()? {
            return Ok(0);
        }
        let available = self.chunk.get(self.position..).unwrap_or_default();
        let count = available.len().min(buffer.len());
        buffer.get_mut(..count).unwrap_or_default().copy_from_slice(available.get(..count).unwrap_or_default());
        self.position = self.position.saturating_add(count);
        self.offset = self.offset.saturating_add(count as u64);
        Ok(count)
    }
}

/// Forward skips only (what the tar reader asks for past unwanted entries);
/// anything else is refused.
impl std::io::Seek for ChunkReader {
    fn seek(&mut self, position: std::io::SeekFrom) -> std::io::Result<u64> {
        let std::io::SeekFrom::Current(distance) = position else {
            return Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "a layer stream only skips forward"));
        };
        let mut remaining = u64::try_from(distance)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::Unsupported, "a layer stream only skips forward"))?;
        while remaining > 0 {
            if !self.next_chunk()? {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the layer ends inside an entry"));
            }
            let available = self.chunk.len().saturating_sub(self.position);
            let step = usize::try_from(remaining).unwrap_or(usize::MAX).min(available);
            self.position = self.position.saturating_add(step);
            self.offset = self.offset.saturating_add(step as u64);
            remaining = remaining.saturating_sub(step as u64);
        }
        Ok(self.offset)
    }
}

/// How the tar reader walks entries: `tar::Archive::entries`, or
/// `entries_with_seek` for a stream that can skip unwanted contents without
/// copying them.
type OpenEntries<R> = for<'archive> fn(&'archive mut tar::Archive<R>) -> std::io::Result<tar::Entries<'archive, R>>;

fn read_entries<R: Read>(
    stream: R,
    layer: &str,
    wanted: &dyn Wanted,
    limits: &Limits,
    kept_bytes: &std::sync::atomic::AtomicU64,
    open_entries: OpenEntries<R>,
) -> Result<LayerChanges, SourceError> {
    let mut changes = LayerChanges::default();
    // Files of this layer read and then dropped by `Wanted::keep`.
    let mut dropped = std::collections::HashSet::new();
    let mut archive = tar::Archive::new(stream);
    let entries = open_entries(&mut archive).map_err(|source| SourceError::corrupt(layer, source))?;
    for entry in entries {
        if limits.budget.is_cancelled() {
            return Err(SourceError::Cancelled { image: layer.to_owned() });
        }
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
