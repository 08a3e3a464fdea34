//! Function bundles: a zip (a Lambda deployment package or layer), a tar or a
//! tar.gz, presented to the catalogers as a [`FileSystem`].
//!
//! The archive is read once; only regular files whose path the caller's
//! `wanted` predicate accepts are kept, in memory, and nothing is written to
//! disk. Every byte decompressed is counted while it is read — declared sizes
//! are never trusted — against a per-entry limit, a total limit and a
//! compression-ratio limit, so a zip or gzip bomb fails with an error naming
//! the archive and the entry instead of exhausting memory. Entry names that
//! are absolute or contain `..` are skipped with a diagnostic; symlinks and
//! hard links are never followed (they are not files here).
//!
//! Nested archives need nothing here: a kept `.jar` is opened by the Java
//! cataloger itself. Deliberately not handled: encrypted zip entries (skipped
//! with a diagnostic), zip64 spanning, compression methods other than stored
//! and deflate, and bzip2/xz/zstd tarballs.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use kensa_fs::{FileEntry, FileSystem, FsError};

/// Bounds on what a bundle may make this process decompress and hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleLimits {
    /// The most bytes one wanted entry may decompress to.
    pub entry_size: u64,
    /// The most bytes the whole archive may decompress to (for a zip, the
    /// wanted entries; for a tarball, the whole stream).
    pub total_size: u64,
    /// Decompressed bytes per compressed byte allowed once past
    /// [`BundleLimits::ratio_floor`]; real archives stay well under 100.
    pub compression_ratio: u64,
    /// Below this many decompressed bytes the ratio is not checked, since a
    /// small file of zeros legitimately compresses a thousandfold.
    pub ratio_floor: u64,
    /// The most entries an archive may list.
    pub entry_count: usize,
}

impl Default for BundleLimits {
    fn default() -> BundleLimits {
        BundleLimits {
            entry_size: 512 * 1024 * 1024,
            total_size: 2 * 1024 * 1024 * 1024,
            compression_ratio: 200,
            ratio_floor: 1024 * 1024,
            entry_count: 1_000_000,
        }
    }
}

/// Errors reading a function bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The archive file cannot be opened or read.
    #[error("cannot {operation} {path}: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The archive.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Not a zip, tar or gzip-compressed tar.
    #[error("{path} is not a zip, tar or tar.gz archive")]
    UnknownFormat {
        /// The archive.
        path: String,
    },
    /// A truncated or corrupt archive, or an entry that cannot be read.
    #[error("{path} is truncated or corrupt{}: {message}", entry.as_ref().map(|entry| format!(" (entry {entry})")).unwrap_or_default())]
    Corrupt {
        /// The archive.
        path: String,
        /// The entry being read, when known.
        entry: Option<String>,
        /// What the reader said.
        message: String,
    },
    /// An entry decompresses to more than [`BundleLimits::entry_size`].
    #[error("entry {entry} of {path} decompresses to more than the {limit}-byte limit")]
    EntryTooLarge {
        /// The archive.
        path: String,
        /// The entry.
        entry: String,
        /// The limit.
        limit: u64,
    },
    /// The archive decompresses to more than [`BundleLimits::total_size`].
    #[error("{path} decompresses to more than the {limit}-byte limit (reached in entry {entry})")]
    TotalTooLarge {
        /// The archive.
        path: String,
        /// The entry being read when the limit was reached.
        entry: String,
        /// The limit.
        limit: u64,
    },
    /// Decompression expands beyond [`BundleLimits::compression_ratio`]: a bomb.
    #[error(
        "entry {entry} of {path} expands more than {ratio}:1 from {compressed} compressed bytes; refusing a likely zip bomb"
    )]
    CompressionRatio {
        /// The archive.
        path: String,
        /// The entry.
        entry: String,
        /// The compressed size the ratio was measured against.
        compressed: u64,
        /// The limit.
        ratio: u64,
    },
    /// More entries than [`BundleLimits::entry_count`].
    #[error("{path} lists {count} entries, over the {limit}-entry limit")]
    TooManyEntries {
        /// The archive.
        path: String,
        /// Entries listed.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

/// A regular file kept from the bundle.
#[derive(Debug, Clone)]
struct BundleFile {
    contents: Arc<[u8]>,
    executable: bool,
}

impl crate::memory::KeptFile for BundleFile {
    fn contents(&self) -> &Arc<[u8]> {
        &self.contents
    }

    fn executable(&self) -> bool {
        self.executable
    }
}

/// What the entry names (not contents, except `bootstrap`) say about the
/// runtime; gathered while reading because unwanted entries are not kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RuntimeEvidence {
    python: bool,
    nodejs: bool,
    java_lib_jar: bool,
    any_jar: bool,
    go_bootstrap: bool,
    dotnet: bool,
}

impl RuntimeEvidence {
    fn observe_name(&mut self, path: &str) {
        let file_name = kensa_fs::file_name(path);
        let components = || path.split('/');
        if file_name == "lambda_function.py"
            || components().any(|component| {
                component == "site-packages" || component.ends_with(".dist-info") || component.ends_with(".egg-info")
            })
        {
            self.python = true;
        }
        if components().any(|component| component == "node_modules") || path == "package.json" {
            self.nodejs = true;
        }
        if file_name.ends_with(".jar") {
            self.any_jar = true;
            let parent = kensa_fs::parent(path);
            if parent == "lib" || parent == "java/lib" {
                self.java_lib_jar = true;
            }
        }
        if file_name.ends_with(".deps.json") {
            self.dotnet = true;
        }
    }
}

/// A Go binary starts as ELF and embeds this marker ahead of its build info.
fn is_go_elf(contents: &[u8]) -> bool {
    const GO_BUILD_INFO_MAGIC: &[u8] = b"\xff Go buildinf:";
    contents.starts_with(b"\x7fELF")
        && contents.windows(GO_BUILD_INFO_MAGIC.len()).any(|window| window == GO_BUILD_INFO_MAGIC)
}

/// The wanted regular files of a zip or tar bundle, in memory.
#[derive(Debug)]
pub struct BundleFileSystem {
    name: String,
    files: BTreeMap<String, BundleFile>,
    problems: Vec<FsError>,
    evidence: RuntimeEvidence,
}

impl BundleFileSystem {
    /// Reads a zip, tar or tar.gz bundle, keeping the regular files whose
    /// path `wanted` accepts.
    pub fn from_archive(path: &Path, wanted: &dyn Fn(&FileEntry) -> bool) -> Result<BundleFileSystem, BundleError> {
        BundleFileSystem::from_archive_with_limits(path, wanted, &BundleLimits::default())
    }

    /// Like [`BundleFileSystem::from_archive`] with explicit limits.
    pub fn from_archive_with_limits(
        path: &Path,
        wanted: &dyn Fn(&FileEntry) -> bool,
        limits: &BundleLimits,
    ) -> Result<BundleFileSystem, BundleError> {
        let name = path.display().to_string();
        let io_error = |operation, source| BundleError::Io { operation, path: name.clone(), source };
        let mut file = std::fs::File::open(path).map_err(|source| io_error("open", source))?;
        let mut magic = [0_u8; 262];
        let mut filled = 0;
        while filled < magic.len() {
            match file.read(magic.get_mut(filled..).unwrap_or_default()) {
                Ok(0) => break,
                Ok(read) => filled += read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => return Err(io_error("read", source)),
            }
        }
        let magic = magic.get(..filled).unwrap_or_default();
        let file = std::fs::File::open(path).map_err(|source| io_error("open", source))?;
        let mut reader = Reader { archive: name.clone(), wanted, limits, bundle: BundleFileSystem::empty(name) };
        if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") {
            reader.read_zip(file)?;
        } else if magic.starts_with(b"\x1f\x8b") {
            let compressed = Rc::new(Cell::new(0_u64));
            let counted = CountingReader { inner: BufReader::new(file), count: Rc::clone(&compressed) };
            reader.read_tar(flate2::read::MultiGzDecoder::new(counted), Some(&compressed))?;
        } else if magic.get(257..262) == Some(b"ustar") {
            reader.read_tar(BufReader::new(file), None)?;
        } else {
            return Err(BundleError::UnknownFormat { path: reader.archive });
        }
        Ok(reader.bundle)
    }

    fn empty(name: String) -> BundleFileSystem {
        BundleFileSystem { name, files: BTreeMap::new(), problems: Vec::new(), evidence: RuntimeEvidence::default() }
    }

    /// How many files were kept.
    pub fn kept_file_count(&self) -> usize {
        self.files.len()
    }
}

/// The Lambda-style runtime a bundle was built for, judged from its layout:
/// `go` (a `bootstrap` ELF with Go build info), `dotnet` (`*.deps.json`),
/// `java` (`lib/*.jar`), `nodejs` (`node_modules`), `python` (`*.dist-info`,
/// `site-packages` or `lambda_function.py`), then `java` for any `.jar`.
pub fn detect_runtime(bundle: &BundleFileSystem) -> Option<&'static str> {
    let evidence = &bundle.evidence;
    if evidence.go_bootstrap {
        Some("go")
    } else if evidence.dotnet {
        Some("dotnet")
    } else if evidence.java_lib_jar {
        Some("java")
    } else if evidence.nodejs {
        Some("nodejs")
    } else if evidence.python {
        Some("python")
    } else if evidence.any_jar {
        Some("java")
    } else {
        None
    }
}

/// Counts the bytes read through it, shared with whoever checks the ratio.
struct CountingReader<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.count.set(self.count.get().saturating_add(read as u64));
        Ok(read)
    }
}

/// The state of one archive read.
struct Reader<'a> {
    archive: String,
    wanted: &'a dyn Fn(&FileEntry) -> bool,
    limits: &'a BundleLimits,
    bundle: BundleFileSystem,
}

/// Why reading one entry stopped early.
enum EntryReadFailure {
    OverLimit,
    Io(std::io::Error),
}

/// Reads at most `limit` bytes; one more means the entry is over it, whatever
/// its header claimed.
fn read_bounded(reader: &mut dyn Read, limit: u64) -> Result<Vec<u8>, EntryReadFailure> {
    let mut contents = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut contents).map_err(EntryReadFailure::Io)?;
    if contents.len() as u64 > limit { Err(EntryReadFailure::OverLimit) } else { Ok(contents) }
}

/// A relative `/`-separated path, or `None` for one that is absolute or
/// climbs out with `..` (Windows separators count as separators here).
fn normalise_entry_name(raw: &str) -> Option<String> {
    if raw.starts_with('/') || raw.starts_with('\\') || raw.contains('\0') || raw.get(1..2) == Some(":") {
        return None;
    }
    let mut components = Vec::new();
    for component in raw.split(['/', '\\']) {
        match component {
            "" | "." => {}
            ".." => return None,
            other => components.push(other),
        }
    }
    Some(components.join("/"))
}

impl Reader<'_> {
    fn corrupt(&self, entry: Option<&str>, message: impl std::fmt::Display) -> BundleError {
        BundleError::Corrupt {
            path: self.archive.clone(),
            entry: entry.map(str::to_owned),
            message: message.to_string(),
        }
    }

    /// The path to keep an entry under, or `None` (with a diagnostic when the
    /// name was hostile) for one to skip.
    fn entry_path(&mut self, raw: &str) -> Option<String> {
        if raw.contains('\0') {
            let path = format!("{} (in {})", raw.replace('\0', "\\0"), self.archive);
            self.bundle.problems.push(FsError::UnusableName { path, reason: "it contains a NUL byte" });
            return None;
        }
        match normalise_entry_name(raw) {
            Some(path) if !path.is_empty() => Some(path),
            Some(_) => None,
            None => {
                self.bundle.problems.push(FsError::OutsideRoot { path: format!("{raw} (in {})", self.archive) });
                None
            }
        }
    }

    fn keep(&mut self, path: String, contents: Vec<u8>, executable: bool) {
        if path == "bootstrap" && is_go_elf(&contents) {
            self.bundle.evidence.go_bootstrap = true;
        }
        self.bundle.files.insert(path, BundleFile { contents: Arc::from(contents), executable });
    }

    fn read_zip(&mut self, file: std::fs::File) -> Result<(), BundleError> {
        let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|error| self.corrupt(None, error))?;
        if archive.len() > self.limits.entry_count {
            return Err(BundleError::TooManyEntries {
                path: self.archive.clone(),
                count: archive.len(),
                limit: self.limits.entry_count,
            });
        }
        let mut total: u64 = 0;
        for index in 0..archive.len() {
            let metadata = archive.by_index_data(index).map_err(|error| self.corrupt(None, error))?;
            let raw_name = metadata.name().map_err(|error| self.corrupt(None, error))?.into_owned();
            if metadata.is_dir() || metadata.is_symlink() {
                continue;
            }
            let Some(path) = self.entry_path(&raw_name) else { continue };
            self.bundle.evidence.observe_name(&path);
            let executable = metadata.unix_mode().is_some_and(|mode| mode & 0o111 != 0);
            let compressed = metadata.compressed_size();
            let entry = FileEntry { path: path.clone(), size: metadata.size(), executable };
            if metadata.encrypted() {
                if (self.wanted)(&entry) {
                    self.bundle.problems.push(FsError::Io {
                        operation: "read",
                        path: format!("{path} (in {})", self.archive),
                        source: std::io::Error::other("the entry is encrypted"),
                    });
                }
                continue;
            }
            // `bootstrap` is read even when no cataloger wants it, to tell a Go runtime.
            if !(self.wanted)(&entry) && path != "bootstrap" {
                continue;
            }
            let allowance = self
                .limits
                .entry_size
                .min(self.limits.total_size.saturating_sub(total))
                .min(self.limits.ratio_floor.max(compressed.saturating_mul(self.limits.compression_ratio)));
            let mut reader = archive.by_index(index).map_err(|error| self.corrupt(Some(&raw_name), error))?;
            let contents = match read_bounded(&mut reader, allowance) {
                Ok(contents) => contents,
                Err(EntryReadFailure::Io(error)) => return Err(self.corrupt(Some(&raw_name), error)),
                Err(EntryReadFailure::OverLimit) => {
                    return Err(self.over_limit(&raw_name, allowance, total, compressed));
                }
            };
            drop(reader);
            total = total.saturating_add(contents.len() as u64);
            if (self.wanted)(&entry) {
                self.keep(path, contents, executable);
            } else if is_go_elf(&contents) {
                self.bundle.evidence.go_bootstrap = true;
            }
        }
        Ok(())
    }

    /// Names which limit an entry that read past `allowance` broke.
    fn over_limit(&self, entry: &str, allowance: u64, total_before: u64, compressed: u64) -> BundleError {
        let limits = self.limits;
        if allowance == limits.entry_size {
            BundleError::EntryTooLarge { path: self.archive.clone(), entry: entry.to_owned(), limit: limits.entry_size }
        } else if allowance == limits.total_size.saturating_sub(total_before) {
            BundleError::TotalTooLarge { path: self.archive.clone(), entry: entry.to_owned(), limit: limits.total_size }
        } else {
            BundleError::CompressionRatio {
                path: self.archive.clone(),
                entry: entry.to_owned(),
                compressed,
                ratio: limits.compression_ratio,
            }
        }
    }

    /// Reads a tar stream; `compressed` counts the bytes under the gzip
    /// decoder, so the whole stream's expansion can be bounded.
    fn read_tar(&mut self, stream: impl Read, compressed: Option<&Rc<Cell<u64>>>) -> Result<(), BundleError> {
        let tripped = Rc::new(Cell::new(None));
        let current_entry = Rc::new(std::cell::RefCell::new(String::from("(start of archive)")));
        let guarded = GuardedStream {
            inner: stream,
            decompressed: 0,
            compressed: compressed.cloned(),
            limits: *self.limits,
            tripped: Rc::clone(&tripped),
        };
        let mut archive = tar::Archive::new(guarded);
        let entries = archive.entries().map_err(|error| self.corrupt(None, error))?;
        let mut count = 0_usize;
        for entry in entries {
            let mut entry = entry.map_err(|error| self.stream_error(&tripped, &current_entry.borrow(), error))?;
            count += 1;
            if count > self.limits.entry_count {
                return Err(BundleError::TooManyEntries {
                    path: self.archive.clone(),
                    count,
                    limit: self.limits.entry_count,
                });
            }
            let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            current_entry.borrow_mut().clone_from(&raw_name);
            let kind = entry.header().entry_type();
            if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                continue;
            }
            let Some(path) = self.entry_path(&raw_name) else { continue };
            self.bundle.evidence.observe_name(&path);
            let executable = entry.header().mode().is_ok_and(|mode| mode & 0o111 != 0);
            let file_entry = FileEntry { path: path.clone(), size: entry.size(), executable };
            if !(self.wanted)(&file_entry) && path != "bootstrap" {
                continue;
            }
            let limit = self.limits.entry_size;
            let contents = match read_bounded(&mut entry, limit) {
                Ok(contents) => contents,
                Err(EntryReadFailure::Io(error)) => return Err(self.stream_error(&tripped, &raw_name, error)),
                Err(EntryReadFailure::OverLimit) => {
                    return Err(BundleError::EntryTooLarge { path: self.archive.clone(), entry: raw_name, limit });
                }
            };
            if (self.wanted)(&file_entry) {
                self.keep(path, contents, executable);
            } else if is_go_elf(&contents) {
                self.bundle.evidence.go_bootstrap = true;
            }
        }
        Ok(())
    }

    /// An I/O error from the tar stream: a broken limit if the guard tripped,
    /// else corruption.
    fn stream_error(&self, tripped: &Cell<Option<Trip>>, entry: &str, error: std::io::Error) -> BundleError {
        let entry = entry.to_owned();
        match tripped.get() {
            Some(Trip::Total) => {
                BundleError::TotalTooLarge { path: self.archive.clone(), entry, limit: self.limits.total_size }
            }
            Some(Trip::Ratio { compressed }) => BundleError::CompressionRatio {
                path: self.archive.clone(),
                entry,
                compressed,
                ratio: self.limits.compression_ratio,
            },
            None => self.corrupt(Some(&entry), error),
        }
    }
}

/// Which stream-wide limit a [`GuardedStream`] hit.
#[derive(Debug, Clone, Copy)]
enum Trip {
    Total,
    Ratio { compressed: u64 },
}

/// The decompressed tar stream, failing the read that takes it past the
/// total size or the compression ratio. Enforced here rather than between
/// entries because the tar reader skips an unwanted entry by reading through
/// it, and that one entry may be the bomb.
struct GuardedStream<R> {
    inner: R,
    decompressed: u64,
    compressed: Option<Rc<Cell<u64>>>,
    limits: BundleLimits,
    tripped: Rc<Cell<Option<Trip>>>,
}

impl<R: Read> Read for GuardedStream<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.decompressed = self.decompressed.saturating_add(read as u64);
        let trip = if self.decompressed > self.limits.total_size {
            Some(Trip::Total)
        } else {
            self.compressed.as_ref().map(|compressed| compressed.get()).and_then(|compressed| {
                (self.decompressed > self.limits.ratio_floor
                    && self.decompressed / compressed.max(1) > self.limits.compression_ratio)
                    .then_some(Trip::Ratio { compressed })
            })
        };
        if let Some(trip) = trip {
            self.tripped.set(Some(trip));
            return Err(std::io::Error::other("decompression limit reached"));
        }
        Ok(read)
    }
}

impl FileSystem for BundleFileSystem {
    fn root_name(&self) -> &str {
        &self.name
    }

    fn walk(&self, visit: &mut dyn FnMut(&FileEntry), visit_error: &mut dyn FnMut(FsError)) {
        for problem in &self.problems {
            visit_error(copy_problem(problem));
        }
        crate::memory::visit_all(&self.files, visit);
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, FsError> {
        crate::memory::open(&self.files, path, || self.display_path(path))
    }

    fn entry(&self, path: &str) -> Option<FileEntry> {
        crate::memory::entry(&self.files, path)
    }

    fn display_path(&self, path: &str) -> String {
        format!("{path} (in {})", self.name)
    }
}

/// `FsError` holds an `io::Error`, which is not `Clone`; the walk can run
/// more than once, so each run gets a fresh copy.
fn copy_problem(problem: &FsError) -> FsError {
    match problem {
        FsError::OutsideRoot { path } => FsError::OutsideRoot { path: path.clone() },
        FsError::UnusableName { path, reason } => FsError::UnusableName { path: path.clone(), reason },
        FsError::TooLarge { path, size, limit } => FsError::TooLarge { path: path.clone(), size: *size, limit: *limit },
        FsError::Io { operation, path, source } => FsError::Io {
            operation,
            path: path.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        other => FsError::Io {
            operation: "read",
            path: other.path().to_owned(),
            source: std::io::Error::other(other.to_string()),
        },
    }
}
