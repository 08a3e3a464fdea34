//! Scan targets that are not plain directories, presented to the catalogers
//! as a [`kensa_fs::FileSystem`].
//!
//! Container images — a `docker save` archive or an OCI archive (plain or
//! gzip), an OCI image layout directory, an image in a registry (OCI
//! distribution API, see `registry`), or one held by the local Docker Engine
//! or Podman (`daemon`) — with gzip, zstd or uncompressed layers, every blob
//! checked against its sha256 digest (and legacy layers against the config's
//! `diff_id`); and function bundles (zip, tar, tar.gz: `bundle`). Layers
//! stream once, in order (those of a layout or a registry in parallel on the
//! [`kensa_fs::ScanBudget`]'s threads), and only regular files the caller's
//! [`Wanted`] rules keep are held, in memory. Nothing is written to disk but
//! the optional layer cache (`layer_cache`, written through
//! `kensa_fs::replace`). Whiteouts and opaque directories are applied, and
//! each kept file remembers the layer that last wrote it.
//!
//! Credentials are the caller's ([`RegistryAuth`]: anonymous unless told),
//! and so is where the engines listen ([`EngineEnvironment`]): this crate
//! reads no environment variables.
//!
//! Deliberately not handled yet: following symlinks (a symlink is never a
//! file here) and hard links whose target was not wanted.

mod archive;
mod bundle;
mod daemon;
mod digest;
mod image_parts;
mod layer;
mod layer_cache;
mod memory;
mod merge;
mod oci;
mod reference;
mod registry;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use kensa_fs::{FileEntry, FileSystem, FsError};

pub use bundle::{BundleError, BundleFileSystem, BundleLimits, detect_runtime};
pub use daemon::{DaemonKind, EngineEnvironment, default_daemon_socket};
pub use layer_cache::{LayerCacheUsage, clear_layer_cache, layer_cache_usage};
pub use reference::{ImageReference, Platform};
pub use registry::{Credentials, RegistryAuth, RegistryOptions};

/// Which files of an image to keep in memory: a first choice from the tar
/// header (path, size, mode), and a second look once a file's bytes have
/// streamed by. Any `Fn(&FileEntry) -> bool` is one, keeping all it accepts.
pub trait Wanted: Sync {
    /// Whether to read the file at all.
    fn wanted(&self, entry: &FileEntry) -> bool;

    /// Whether to keep a wanted file, now that its contents are known.
    fn keep(&self, _entry: &FileEntry, _contents: &[u8]) -> bool {
        true
    }

    /// A name for these rules that changes whenever what they keep could
    /// change, under which layers read with them may be cached
    /// ([`ImageReadOptions::layer_cache`]); `None` (the default) never caches.
    fn cache_identity(&self) -> Option<String> {
        None
    }
}

impl<F: Fn(&FileEntry) -> bool + Sync> Wanted for F {
    fn wanted(&self, entry: &FileEntry) -> bool {
        self(entry)
    }
}

/// Bounds on what an image may make this process hold and use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// A wanted file larger than this is skipped with a diagnostic.
    pub file_size: u64,
    /// Once the kept files of all layers together exceed this, the scan fails.
    pub total_kept_bytes: u64,
    /// The threads layers are read on, and the scan's cancellation: a
    /// cancelled read stops at the next layer entry with
    /// [`SourceError::Cancelled`].
    pub budget: kensa_fs::ScanBudget,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            file_size: 512 * 1024 * 1024,
            total_kept_bytes: 2 * 1024 * 1024 * 1024,
            budget: kensa_fs::ScanBudget::default(),
        }
    }
}

/// How images are read: memory limits, and where layers are cached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageReadOptions {
    /// Bounds on what the image may make this process hold.
    pub limits: Limits,
    /// A directory for the cache of per-layer contents, keyed by the layer
    /// blob's digest (OCI layouts and registries), so images sharing layers
    /// are rescanned without reading those layers again; `None`: no cache.
    pub layer_cache: Option<std::path::PathBuf>,
}

/// Errors opening an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The HTTP client for a registry could not be set up (an unusable CA bundle).
    #[error(transparent)]
    Client(#[from] kensa_http::HttpConfigError),
    /// A Docker or Podman daemon could not be asked for an image.
    #[error("{daemon} daemon at {socket}: {message}")]
    Daemon {
        /// `Docker` or `Podman`.
        daemon: &'static str,
        /// Its API socket.
        socket: String,
        /// What went wrong.
        message: String,
    },
    /// An I/O error on a file of the image.
    #[error("cannot {operation} {path}: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A layer (or the archive holding it) that is not a readable tar/gzip stream.
    #[error("layer {layer} is truncated or corrupt: {source}")]
    CorruptLayer {
        /// The layer, as the manifest or archive names it.
        layer: String,
        /// What the tar or gzip reader said.
        #[source]
        source: std::io::Error,
    },
    /// A layer compressed in a format this build cannot read.
    #[error("layer {layer} is {compression}-compressed, which kensa cannot read yet")]
    UnsupportedCompression {
        /// The layer.
        layer: String,
        /// The compression found.
        compression: &'static str,
    },
    /// The wanted files of the image exceed [`Limits::total_kept_bytes`].
    #[error("the files kept from the image exceed the {limit}-byte limit (reached in layer {layer})")]
    TooMuchKept {
        /// The limit.
        limit: u64,
        /// The layer being read when it was reached.
        layer: String,
    },
    /// A manifest, index or config that is not what it should be.
    #[error("{path} is not a valid {what}: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// What it should have been (`docker save manifest`, `OCI index`).
        what: &'static str,
        /// Why it is not.
        message: String,
    },
    /// A blob whose bytes do not hash to the digest its manifest or config gives.
    #[error("{blob} does not match its digest: expected {expected}, found {actual}")]
    DigestMismatch {
        /// The blob, as the manifest or archive names it.
        blob: String,
        /// The digest promised.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// An image reference that is not `[registry/]repository[:tag][@digest]`.
    #[error("{reference:?} is not a valid image reference: {message}")]
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        message: String,
    },
    /// A platform that is not `os/architecture[/variant]`.
    #[error("{platform:?} is not a platform like linux/amd64 or linux/arm64/v8")]
    InvalidPlatform {
        /// The platform as given.
        platform: String,
    },
    /// A registry request that failed: refused, not found, unreachable.
    #[error("registry request {url} failed: {message}")]
    Registry {
        /// The URL requested.
        url: String,
        /// What went wrong, with the registry's own error when it gave one.
        message: String,
    },
    /// An archive that holds neither a `docker save` manifest nor an OCI index.
    #[error(
        "{archive} holds neither manifest.json (docker save) nor index.json (OCI): it is no image archive, or it was cut short"
    )]
    NotAnImage {
        /// The archive.
        archive: String,
    },
    /// The scan was cancelled through its [`kensa_fs::ScanBudget`].
    #[error("reading {image} was cancelled")]
    Cancelled {
        /// The image or layer being read.
        image: String,
    },
    /// A manifest names a layer or blob the image does not contain.
    #[error("{image} names {blob}, which it does not contain")]
    MissingBlob {
        /// The image.
        image: String,
        /// The missing layer or blob.
        blob: String,
    },
}

impl SourceError {
    pub(crate) fn corrupt(layer: &str, source: std::io::Error) -> SourceError {
        SourceError::CorruptLayer { layer: layer.to_owned(), source }
    }
}

/// An entry skipped while reading the layers; reported through the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A `..` path (or hard-link target) that would leave the image root.
    OutsideRoot { path: String },
    /// A wanted file over [`Limits::file_size`].
    TooLarge { path: String, size: u64, limit: u64 },
    /// Anything else, already phrased.
    Other { path: String, message: String },
}

impl Problem {
    fn to_fs_error(&self) -> FsError {
        match self {
            Problem::OutsideRoot { path } => FsError::OutsideRoot { path: path.clone() },
            Problem::TooLarge { path, size, limit } => {
                FsError::TooLarge { path: path.clone(), size: *size, limit: *limit }
            }
            Problem::Other { path, message } => {
                FsError::Io { operation: "read", path: path.clone(), source: std::io::Error::other(message.clone()) }
            }
        }
    }
}

/// One layer of an image, bottom first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// The layer's digest: the uncompressed `diff_id` from the config when
    /// known, else the blob digest or archive path the manifest gives.
    pub digest: String,
    /// The command that created it, from the config history.
    pub created_by: Option<String>,
}

/// An image's configuration facts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageDetails {
    /// Repository tags recorded in a `docker save` manifest.
    pub tags: Vec<String>,
    /// `os` from the image config.
    pub os: Option<String>,
    /// `architecture` from the image config.
    pub architecture: Option<String>,
    /// `created` from the image config.
    pub created: Option<String>,
    /// `repository@sha256:…` of the manifest, for images read from a registry.
    pub repository_digest: Option<String>,
    /// The config blob's digest: the image ID `docker images` shows.
    pub config_digest: Option<String>,
}

/// A regular file of the image, as the top layer shows it.
#[derive(Debug, Clone)]
struct ImageFile {
    contents: Arc<[u8]>,
    mode: u32,
    /// Index into [`ImageFileSystem::layers`] of the layer that last wrote it.
    layer: usize,
}

impl memory::KeptFile for ImageFile {
    fn contents(&self) -> &Arc<[u8]> {
        &self.contents
    }

    fn executable(&self) -> bool {
        self.mode & 0o111 != 0
    }
}

/// The wanted regular files of a container image, in memory.
#[derive(Debug)]
pub struct ImageFileSystem {
    name: String,
    files: BTreeMap<String, ImageFile>,
    /// Earlier versions of kept files that upper layers rewrote, bottom first.
    history: BTreeMap<String, Vec<ImageFile>>,
    layers: Vec<LayerInfo>,
    problems: Vec<Problem>,
    details: ImageDetails,
}

impl ImageFileSystem {
    /// Reads a `docker save` archive or an OCI archive (a tar of an OCI image
    /// layout; either plain or gzip), keeping the regular files whose path
    /// `wanted` accepts.
    pub fn from_docker_archive(path: &std::path::Path, wanted: &dyn Wanted) -> Result<ImageFileSystem, SourceError> {
        archive::read_docker_archive(path, None, wanted, &Limits::default())
    }

    /// Like [`ImageFileSystem::from_docker_archive`], taking `platform` from
    /// a multi-platform OCI archive.
    pub fn from_docker_archive_for_platform(
        path: &std::path::Path,
        platform: Option<&Platform>,
        wanted: &dyn Wanted,
    ) -> Result<ImageFileSystem, SourceError> {
        archive::read_docker_archive(path, platform, wanted, &Limits::default())
    }

    /// Like [`ImageFileSystem::from_docker_archive_for_platform`] with
    /// explicit limits and budget (an archive is read once, front to back: no
    /// layer cache applies).
    pub fn from_docker_archive_with(
        path: &std::path::Path,
        platform: Option<&Platform>,
        wanted: &dyn Wanted,
        options: &ImageReadOptions,
    ) -> Result<ImageFileSystem, SourceError> {
        archive::read_docker_archive(path, platform, wanted, &options.limits)
    }

    /// Like [`ImageFileSystem::from_docker_archive`] with explicit limits.
    pub fn from_docker_archive_with_limits(
        path: &std::path::Path,
        wanted: &dyn Wanted,
        limits: &Limits,
    ) -> Result<ImageFileSystem, SourceError> {
        archive::read_docker_archive(path, None, wanted, limits)
    }

    /// Reads an OCI image layout directory (`oci-layout`, `index.json`,
    /// `blobs/`): the linux/amd64 image of its index, or its only image.
    pub fn from_oci_layout(directory: &std::path::Path, wanted: &dyn Wanted) -> Result<ImageFileSystem, SourceError> {
        oci::read_oci_layout(directory, None, wanted, &ImageReadOptions::default())
    }

    /// Like [`ImageFileSystem::from_oci_layout`], taking `platform` from a
    /// multi-platform index.
    pub fn from_oci_layout_for_platform(
        directory: &std::path::Path,
        platform: Option<&Platform>,
        wanted: &dyn Wanted,
    ) -> Result<ImageFileSystem, SourceError> {
        oci::read_oci_layout(directory, platform, wanted, &ImageReadOptions::default())
    }

    /// Like [`ImageFileSystem::from_oci_layout_for_platform`] with explicit
    /// limits and layer cache.
    pub fn from_oci_layout_with(
        directory: &std::path::Path,
        platform: Option<&Platform>,
        wanted: &dyn Wanted,
        options: &ImageReadOptions,
    ) -> Result<ImageFileSystem, SourceError> {
        oci::read_oci_layout(directory, platform, wanted, options)
    }

    /// Pulls an image from a registry (`registry/repository[:tag][@digest]`;
    /// Docker Hub when no registry is named), streaming its layers.
    pub fn from_registry(
        reference: &str,
        options: &RegistryOptions,
        wanted: &dyn Wanted,
    ) -> Result<ImageFileSystem, SourceError> {
        registry::read_registry_image(reference, options, wanted, &ImageReadOptions::default())
    }

    /// Like [`ImageFileSystem::from_registry`] with explicit limits and layer
    /// cache: layers the cache holds are not downloaded.
    pub fn from_registry_with(
        reference: &str,
        options: &RegistryOptions,
        wanted: &dyn Wanted,
        read_options: &ImageReadOptions,
    ) -> Result<ImageFileSystem, SourceError> {
        registry::read_registry_image(reference, options, wanted, read_options)
    }

    /// Reads an image from the Docker Engine or Podman listening on `socket`
    /// (see [`default_daemon_socket`]), streamed as the engine exports it;
    /// `Ok(None)` when the engine has no such image.
    pub fn from_daemon(
        kind: DaemonKind,
        socket: &std::path::Path,
        reference: &str,
        wanted: &dyn Wanted,
        options: &ImageReadOptions,
    ) -> Result<Option<ImageFileSystem>, SourceError> {
        daemon::read_daemon_image(kind, socket, reference, wanted, options)
    }

    /// The image's layers, bottom first.
    pub fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }

    /// The layer that last wrote a kept file.
    pub fn layer_of(&self, path: &str) -> Option<&LayerInfo> {
        self.files.get(path).and_then(|file| self.layers.get(file.layer))
    }

    /// The versions of a kept file that upper layers overwrote, bottom first,
    /// each with the layer that wrote it (up to 32 MiB per version): what a
    /// package database held before each layer that changed it.
    pub fn earlier_versions(&self, path: &str) -> Vec<(&LayerInfo, &[u8])> {
        self.history
            .get(path)
            .into_iter()
            .flatten()
            .filter_map(|file| Some((self.layers.get(file.layer)?, &*file.contents)))
            .collect()
    }

    /// Stacks layer changes, bottom first, into the final view.
    pub(crate) fn from_layers(
        name: String,
        layers: Vec<(LayerInfo, layer::LayerChanges)>,
        mut problems: Vec<Problem>,
    ) -> ImageFileSystem {
        let mut files = BTreeMap::new();
        let mut history = BTreeMap::new();
        let mut infos = Vec::with_capacity(layers.len());
        for (index, (info, changes)) in layers.into_iter().enumerate() {
            merge::apply_layer(&mut files, &mut history, changes, index, &info.digest, &mut problems);
            infos.push(info);
        }
        ImageFileSystem { name, files, history, layers: infos, problems, details: ImageDetails::default() }
    }

    pub(crate) fn with_details(mut self, details: ImageDetails) -> ImageFileSystem {
        self.details = details;
        self
    }

    /// The image's configuration facts (tags, OS, architecture, creation time).
    pub fn details(&self) -> &ImageDetails {
        &self.details
    }
}

impl FileSystem for ImageFileSystem {
    fn root_name(&self) -> &str {
        &self.name
    }

    fn walk(&self, visit: &mut dyn FnMut(&FileEntry), visit_error: &mut dyn FnMut(FsError)) {
        for problem in &self.problems {
            visit_error(problem.to_fs_error());
        }
        memory::visit_all(&self.files, visit);
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, FsError> {
        memory::open(&self.files, path, || self.display_path(path))
    }

    fn entry(&self, path: &str) -> Option<FileEntry> {
        memory::entry(&self.files, path)
    }

    fn display_path(&self, path: &str) -> String {
        format!("{path} (in {})", self.name)
    }
}
