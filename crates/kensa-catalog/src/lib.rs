//! Catalogers: they read what is installed or locked, through [`kensa_fs`].
//!
//! Each ecosystem/format is one module exposing one or more [`Cataloger`]s. A
//! cataloger declares which files it wants ([`Cataloger::is_interested`]), so a
//! source can stream an image layer and keep only those files; it then turns one
//! file's bytes into packages ([`Cataloger::catalog`]). It may read sibling files
//! through the [`FileInput::filesystem`] it is given, never through `std::fs`.
//!
//! Catalogers never panic on input: a malformed file yields a [`CatalogError`]
//! naming the file, which the driver turns into a diagnostic while the scan goes
//! on. [`catalog_filesystem`] is the driver; [`all_catalogers`] the registry.

mod binary;
mod cargo;
mod dart;
mod dotnet;
mod driver;
mod elixir;
mod golang;
mod java;
mod node;
mod os;
mod php;
mod python;
mod ruby;
mod sbom;

use kensa_fs::{FileEntry, FileSystem};
use kensa_model::{Diagnostic, Distro, Package, UnresolvedDependency};

pub use driver::{CatalogOptions, catalog_contents, catalog_filesystem, wanted_contents, wanted_file, wanted_path};
pub use os::release::{DistroDetection, detect_distro};
pub use sbom::inventory_from_sbom;

/// Default size limit for a lockfile or manifest (bytes).
pub const MANIFEST_SIZE_LIMIT: u64 = 64 * 1024 * 1024;
/// Default size limit for a binary or archive a cataloger reads whole (bytes).
pub const BINARY_SIZE_LIMIT: u64 = 512 * 1024 * 1024;

/// One file handed to a cataloger.
pub struct FileInput<'a> {
    /// Path relative to the scanned root, `/`-separated.
    pub path: &'a str,
    /// The file's bytes.
    pub contents: &'a [u8],
    /// The tree the file belongs to, for reading siblings (`go.sum`, `pyproject.toml`).
    pub filesystem: &'a dyn FileSystem,
    /// The distribution detected at the root of the scan, if any: operating-system
    /// catalogers take their ecosystem (Debian or Ubuntu) and purl `distro=`
    /// qualifier from it.
    pub distro: Option<&'a Distro>,
}

/// What a cataloger found in one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Found {
    /// Packages, each with its location set to the file's path.
    pub packages: Vec<Package>,
    /// Declared dependencies without a resolved version.
    pub unresolved: Vec<UnresolvedDependency>,
    /// Problems with parts of the file that did not stop the rest being read
    /// (one bad entry in an otherwise good lockfile).
    pub diagnostics: Vec<Diagnostic>,
    /// Files owned by operating-system packages, as (path relative to the scanned
    /// root without a leading `/`, package name): the driver marks language
    /// packages found at those paths as installed by that package.
    pub file_owners: Vec<(String, String)>,
}

/// A file a cataloger could not read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The file is not valid in its format.
    #[error("cannot parse {path} as {format}: {message}")]
    Parse {
        /// Path of the file.
        path: String,
        /// Format that was expected (`Cargo.lock`, `package-lock.json`).
        format: &'static str,
        /// What is wrong, with a line number where the parser gave one.
        message: String,
    },
    /// Reading the file or a sibling failed.
    #[error(transparent)]
    Fs(#[from] kensa_fs::FsError),
}

impl CatalogError {
    /// Builds a parse error.
    pub fn parse(path: &str, format: &'static str, message: impl std::fmt::Display) -> CatalogError {
        CatalogError::Parse { path: path.to_owned(), format, message: message.to_string() }
    }
}

/// A file about to be read, with what has been learnt about it so far: several
/// catalogers may sniff one file, and the probe reads each fact once.
pub struct FileProbe<'a> {
    /// The tree the file is in.
    pub filesystem: &'a dyn FileSystem,
    /// The file.
    pub entry: &'a FileEntry,
    executable: Option<binary::Sniffed>,
}

impl<'a> FileProbe<'a> {
    /// A probe of one file.
    pub fn new(filesystem: &'a dyn FileSystem, entry: &'a FileEntry) -> FileProbe<'a> {
        FileProbe { filesystem, entry, executable: None }
    }

    /// Its executable format and, for ELF, section names (read once).
    pub(crate) fn executable(&mut self) -> &binary::Sniffed {
        let (filesystem, entry) = (self.filesystem, self.entry);
        self.executable.get_or_insert_with(|| binary::sniff_executable(filesystem, entry))
    }
}

/// Reads packages of one format.
pub trait Cataloger: Send + Sync {
    /// A short stable name (`cargo-lock`, `npm-package-lock`).
    fn name(&self) -> &'static str;

    /// Does this cataloger want this file? Decided from the path (and size or mode)
    /// alone, so sources can filter before reading anything.
    fn is_interested(&self, entry: &FileEntry) -> bool;

    /// The largest file this cataloger accepts.
    fn size_limit(&self) -> u64 {
        MANIFEST_SIZE_LIMIT
    }

    /// A second, cheap look before the whole file is read, for catalogers whose
    /// path test is loose (every executable might be a Go program): read a few
    /// bytes through the filesystem and say whether the file is worth reading.
    /// Sources that hold a file in memory anyway may skip this and call
    /// [`Cataloger::catalog`] directly; it must give the same answer.
    fn sniff(&self, _probe: &mut FileProbe<'_>) -> bool {
        true
    }

    /// Reads one file.
    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError>;
}

/// Every cataloger Kensa has, in a fixed order.
pub fn all_catalogers() -> Vec<Box<dyn Cataloger>> {
    let mut catalogers: Vec<Box<dyn Cataloger>> = Vec::new();
    catalogers.extend(cargo::catalogers());
    catalogers.extend(node::catalogers());
    catalogers.extend(python::catalogers());
    catalogers.extend(golang::catalogers());
    catalogers.extend(ruby::catalogers());
    catalogers.extend(php::catalogers());
    catalogers.extend(dotnet::catalogers());
    catalogers.extend(java::catalogers());
    catalogers.extend(dart::catalogers());
    catalogers.extend(elixir::catalogers());
    catalogers.extend(os::catalogers());
    catalogers
}
