//! What to scan, and how each kind becomes an inventory.

use std::path::{Path, PathBuf};

use kensa_catalog::Cataloger;
use kensa_fs::ScanBudget;
use kensa_model::{Inventory, Resource, ResourceKind};

use crate::ScanError;

/// Something to scan.
#[derive(Debug, Clone)]
pub enum ScanTarget {
    /// A directory tree or a single file (lockfile, binary, archive).
    Path(PathBuf),
    /// A container image.
    Image(Box<ImageTarget>),
    /// A function bundle: a zip (Lambda deployment package or layer), tar or tar.gz.
    Bundle(PathBuf),
}

/// Where an image is read from.
#[derive(Debug, Clone)]
pub enum ImageLocation {
    /// A `docker save` archive or an OCI image archive, plain or gzipped.
    Archive(PathBuf),
    /// An OCI image layout directory.
    OciLayout(PathBuf),
    /// A reference (`[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`), looked up in
    /// `sources` in order.
    Reference {
        /// The reference as given.
        reference: String,
        /// Where to look, in order (a local engine that does not hold the
        /// image passes to the next; the registry is the last resort).
        sources: Vec<ImageSourceKind>,
    },
}

/// A place an image reference is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSourceKind {
    /// A Docker Engine or Podman API socket.
    Engine {
        /// Which engine (for messages).
        kind: kensa_source::DaemonKind,
        /// Its socket, or `None` when the caller found none (said so in the
        /// "found nowhere" message).
        socket: Option<PathBuf>,
    },
    /// The registry the reference names.
    Registry,
}

/// A container image to scan, with everything needed to reach it. Nothing is
/// taken from the environment: a server passes an account's own registry
/// credentials, never the process's.
#[derive(Debug, Clone)]
pub struct ImageTarget {
    /// Where the image is.
    pub location: ImageLocation,
    /// The platform of a multi-platform image (linux/amd64, or the only one, when none).
    pub platform: Option<kensa_source::Platform>,
    /// How to reach a registry; its `platform` is replaced by `platform`.
    pub registry: kensa_source::RegistryOptions,
    /// The layer cache's root directory (`None`: no cache). Entries live
    /// under `layers/` in it, so a database may sit beside them.
    pub layer_cache: Option<PathBuf>,
}

impl ImageTarget {
    /// An image read from `location` with default options: no cache,
    /// anonymous registry access.
    pub fn new(location: ImageLocation) -> ImageTarget {
        ImageTarget { location, platform: None, registry: kensa_source::RegistryOptions::default(), layer_cache: None }
    }
}

/// The files of an image or bundle the catalogers want: by path, size and
/// mode first, then by contents (an executable that is no Go or
/// cargo-auditable build is dropped as soon as it has streamed by).
pub struct CatalogersWant<'a>(pub &'a [Box<dyn Cataloger>]);

impl kensa_source::Wanted for CatalogersWant<'_> {
    fn wanted(&self, entry: &kensa_fs::FileEntry) -> bool {
        kensa_catalog::wanted_file(self.0, entry)
    }

    fn keep(&self, entry: &kensa_fs::FileEntry, contents: &[u8]) -> bool {
        kensa_catalog::wanted_contents(self.0, entry, contents)
    }

    /// What the catalogers keep is decided by this very build: its version,
    /// and the size and modification time of the executable, so a rebuilt
    /// binary (whose catalogers may want other files, same version number or
    /// not) never reads another build's cache entries.
    fn cache_identity(&self) -> Option<String> {
        let executable = std::env::current_exe().ok()?;
        let metadata = std::fs::metadata(executable).ok()?;
        let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(format!("kensa {} {} {}", env!("CARGO_PKG_VERSION"), metadata.len(), modified.as_nanos()))
    }
}

/// Collects the inventory of a target: reads it (keeping in memory only the
/// files some cataloger could want, for images and bundles) and catalogs it,
/// on the budget's threads; a cancelled budget gives [`ScanError::Cancelled`].
pub fn collect_inventory(target: &ScanTarget, budget: &ScanBudget) -> Result<Inventory, ScanError> {
    let inventory = match target {
        ScanTarget::Path(path) => collect_path_inventory(path, budget),
        ScanTarget::Image(image) => collect_image_inventory(image, budget),
        ScanTarget::Bundle(path) => collect_bundle_inventory(path, budget),
    }?;
    if budget.is_cancelled() {
        return Err(ScanError::Cancelled { resource: inventory.resource.name });
    }
    Ok(inventory)
}

fn catalog_options(budget: &ScanBudget) -> kensa_catalog::CatalogOptions {
    kensa_catalog::CatalogOptions { budget: budget.clone() }
}

fn collect_path_inventory(path: &Path, budget: &ScanBudget) -> Result<Inventory, ScanError> {
    let filesystem = kensa_fs::DirectoryFileSystem::new(path)
        .map_err(|source| ScanError::Filesystem { path: path.display().to_string(), source })?
        .with_budget(budget);
    let kind = if path.is_dir() { ResourceKind::Directory } else { ResourceKind::File };
    let catalogers = kensa_catalog::all_catalogers();
    Ok(kensa_catalog::catalog_filesystem(
        &filesystem,
        &catalogers,
        Resource { kind, name: path.display().to_string() },
        &catalog_options(budget),
    ))
}

fn collect_bundle_inventory(path: &Path, budget: &ScanBudget) -> Result<Inventory, ScanError> {
    let catalogers = kensa_catalog::all_catalogers();
    let wanted = |entry: &kensa_fs::FileEntry| kensa_catalog::wanted_file(&catalogers, entry);
    let bundle = kensa_source::BundleFileSystem::from_archive(path, &wanted)
        .map_err(|source| ScanError::Bundle { path: path.display().to_string(), source })?;
    let mut inventory = kensa_catalog::catalog_filesystem(
        &bundle,
        &catalogers,
        Resource { kind: ResourceKind::Archive, name: path.display().to_string() },
        &catalog_options(budget),
    );
    inventory.runtime = kensa_source::detect_runtime(&bundle).map(str::to_owned);
    Ok(inventory)
}

/// Reads an image, keeping in memory only the files some cataloger could
/// want, catalogs it like a directory, names the layer that introduced each
/// package, and records the image's metadata.
pub fn collect_image_inventory(target: &ImageTarget, budget: &ScanBudget) -> Result<Inventory, ScanError> {
    let catalogers = kensa_catalog::all_catalogers();
    let wanted = CatalogersWant(&catalogers);
    let read_options = kensa_source::ImageReadOptions {
        layer_cache: target.layer_cache.clone(),
        limits: kensa_source::Limits { budget: budget.clone(), ..kensa_source::Limits::default() },
    };
    let image = match &target.location {
        ImageLocation::Archive(archive) => kensa_source::ImageFileSystem::from_docker_archive_with(
            archive,
            target.platform.as_ref(),
            &wanted,
            &read_options,
        )
        .map_err(|source| ScanError::Image {
            what: "image archive",
            name: archive.display().to_string(),
            source,
        })?,
        ImageLocation::OciLayout(directory) => kensa_source::ImageFileSystem::from_oci_layout_with(
            directory,
            target.platform.as_ref(),
            &wanted,
            &read_options,
        )
        .map_err(|source| ScanError::Image {
            what: "OCI image layout",
            name: directory.display().to_string(),
            source,
        })?,
        ImageLocation::Reference { reference, sources } => {
            image_from_sources(target, reference, sources, &wanted, &read_options)?
        }
    };
    let name = kensa_fs::FileSystem::root_name(&image).to_owned();
    let mut inventory = kensa_catalog::catalog_filesystem(
        &image,
        &catalogers,
        Resource { kind: ResourceKind::Image, name },
        &catalog_options(budget),
    );
    crate::layers::attribute_layers(&image, &catalogers, &mut inventory);
    let details = image.details();
    inventory.image = Some(kensa_model::ImageMetadata {
        tags: details.tags.clone(),
        os: details.os.clone(),
        architecture: details.architecture.clone(),
        created: details.created.clone(),
        repository_digest: details.repository_digest.clone(),
        config_digest: details.config_digest.clone(),
        layers: image
            .layers()
            .iter()
            .map(|layer| kensa_model::ImageLayer { digest: layer.digest.clone(), created_by: layer.created_by.clone() })
            .collect(),
    });
    Ok(inventory)
}

/// The image `reference` from the first source that has it: a local engine
/// (Docker, Podman) that answers "not here" passes to the next; the registry
/// is the last resort. If no source had the image, each one asked is named.
fn image_from_sources(
    target: &ImageTarget,
    reference: &str,
    sources: &[ImageSourceKind],
    wanted: &CatalogersWant<'_>,
    read_options: &kensa_source::ImageReadOptions,
) -> Result<kensa_source::ImageFileSystem, ScanError> {
    let mut tried = Vec::new();
    for source in sources {
        match source {
            ImageSourceKind::Registry => {
                let options =
                    kensa_source::RegistryOptions { platform: target.platform.clone(), ..target.registry.clone() };
                let also = if tried.is_empty() { String::new() } else { format!(" ({})", tried.join("; ")) };
                return kensa_source::ImageFileSystem::from_registry_with(reference, &options, wanted, read_options)
                    .map_err(|source| ScanError::Image { what: "image", name: format!("{reference}{also}"), source });
            }
            ImageSourceKind::Engine { kind, socket: None } => tried.push(format!("no {} socket", kind.name())),
            ImageSourceKind::Engine { kind, socket: Some(socket) } => {
                match kensa_source::ImageFileSystem::from_daemon(*kind, socket, reference, wanted, read_options) {
                    Ok(Some(image)) => return Ok(image),
                    Ok(None) => tried.push(format!("not in the {} daemon at {}", kind.name(), socket.display())),
                    Err(error) => tried.push(error.to_string()),
                }
            }
        }
    }
    Err(ScanError::ImageNotFound { reference: reference.to_owned(), tried: tried.join("; ") })
}
