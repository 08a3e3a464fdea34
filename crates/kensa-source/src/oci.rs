//! OCI image layouts, as a directory or as the members of a tar archive:
//! `index.json` → (nested index) → manifest → config → layers, every blob
//! checked against the digest that names it as it is read.
//!
//! The same walk serves registries (see `registry`), through [`BlobStore`].
//! Foreign (non-distributable) layers are skipped with a note, as Docker
//! itself does not ship them: they live at the URLs their descriptor names.
//!
//! Deliberately not handled: fetching foreign layers from their URLs, and
//! reading an archive's members (see `archive`, which hands the already-read
//! members over).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use crate::digest::{HashingReader, sha256_of, verify};
use crate::image_parts::{
    ImageConfig, Member, image_details, io_error, layer_infos, parse_json, read_small, verify_diff_id,
};
use crate::layer::{DiffId, LayerChanges, decompressed_as, read_layer_pipelined};
use crate::layer_cache::LayerCache;
use crate::reference::Platform;
use crate::{ImageFileSystem, ImageReadOptions, Limits, Problem, SourceError, Wanted};

#[derive(Debug, Deserialize)]
struct OciIndex {
    manifests: Vec<OciDescriptor>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OciDescriptor {
    #[serde(default)]
    pub(crate) media_type: Option<String>,
    pub(crate) digest: String,
    #[serde(default)]
    pub(crate) platform: Option<OciPlatform>,
    #[serde(default)]
    pub(crate) size: Option<u64>,
    /// Where a foreign layer is fetched from instead of the registry.
    #[serde(default)]
    pub(crate) urls: Vec<String>,
}

impl OciDescriptor {
    /// A layer Docker and registries do not distribute (Windows base layers):
    /// its media type says so, or it names URLs of its own.
    fn is_foreign(&self) -> bool {
        !self.urls.is_empty()
            || self
                .media_type
                .as_deref()
                .is_some_and(|media_type| media_type.contains(".foreign.") || media_type.contains(".nondistributable."))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OciPlatform {
    architecture: String,
    os: String,
    #[serde(default)]
    variant: Option<String>,
}

impl OciPlatform {
    /// BuildKit files attestations in the index under `unknown/unknown`.
    fn is_attestation(&self) -> bool {
        self.os == "unknown" && self.architecture == "unknown"
    }
}

#[derive(Debug, Deserialize)]
struct OciManifest {
    config: OciDescriptor,
    layers: Vec<OciDescriptor>,
}

/// `blobs/<algorithm>/<hex>` for a digest, refusing anything that could name
/// another path.
fn blob_name(digest: &str, image: &str) -> Result<String, SourceError> {
    let valid = digest.split_once(':').filter(|(algorithm, hex)| {
        !algorithm.is_empty()
            && algorithm.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
            && !hex.is_empty()
            && hex.bytes().all(|byte| byte.is_ascii_hexdigit())
    });
    match valid {
        Some((algorithm, hex)) => Ok(format!("blobs/{algorithm}/{hex}")),
        None => Err(SourceError::Malformed {
            path: image.to_owned(),
            what: "OCI image layout",
            message: format!("invalid digest {digest:?}"),
        }),
    }
}

/// Where the blobs of a layout come from.
pub(crate) trait BlobStore {
    /// The layout's name in messages.
    fn image_name(&self) -> String;
    /// A config blob (or, in a layout, any small blob), its digest verified.
    fn small_blob(&mut self, digest: &str) -> Result<Vec<u8>, SourceError>;
    /// A manifest or index, its digest verified: registries serve these
    /// apart from other blobs.
    fn manifest(&mut self, digest: &str) -> Result<Vec<u8>, SourceError> {
        self.small_blob(digest)
    }
    /// A layer blob read into its changes, its stored digest verified.
    fn layer(
        &mut self,
        descriptor: &OciDescriptor,
        wanted: &dyn Wanted,
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Result<LayerChanges, SourceError>;

    /// Every layer, in order; stores that can read blobs independently do so
    /// on several threads.
    fn layers(
        &mut self,
        descriptors: &[OciDescriptor],
        wanted: &dyn Wanted,
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Vec<Result<LayerChanges, SourceError>> {
        descriptors.iter().map(|descriptor| self.layer(descriptor, wanted, limits, kept_bytes)).collect()
    }
}

struct LayoutDirectory<'a> {
    directory: &'a Path,
}

impl LayoutDirectory<'_> {
    fn missing(&self, digest: &str) -> SourceError {
        SourceError::MissingBlob { image: self.image_name(), blob: digest.to_owned() }
    }
}

impl BlobStore for LayoutDirectory<'_> {
    fn image_name(&self) -> String {
        self.directory.display().to_string()
    }

    fn small_blob(&mut self, digest: &str) -> Result<Vec<u8>, SourceError> {
        let path = self.directory.join(blob_name(digest, &self.image_name())?);
        if !path.is_file() {
            return Err(self.missing(digest));
        }
        let bytes = read_small(&path)?;
        verify(&path.display().to_string(), digest, &sha256_of(&bytes))?;
        Ok(bytes)
    }

    fn layer(
        &mut self,
        descriptor: &OciDescriptor,
        wanted: &dyn Wanted,
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Result<LayerChanges, SourceError> {
        self.read_layer_blob(descriptor, wanted, limits, kept_bytes)
    }

    /// Layers are separate files: each is inflated on its own thread (up to
    /// the number of cores), since inflating is what an image scan waits on.
    fn layers(
        &mut self,
        descriptors: &[OciDescriptor],
        wanted: &dyn Wanted,
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Vec<Result<LayerChanges, SourceError>> {
        let this = &*self;
        read_in_parallel(descriptors, &limits.budget, |descriptor| {
            this.read_layer_blob(descriptor, wanted, limits, kept_bytes)
        })
    }
}

/// Reads every layer with `read`, on the budget's threads (inflating is what
/// an image scan waits on), returning the results in the layers' order.
pub(crate) fn read_in_parallel(
    descriptors: &[OciDescriptor],
    budget: &kensa_fs::ScanBudget,
    read: impl Fn(&OciDescriptor) -> Result<LayerChanges, SourceError> + Sync,
) -> Vec<Result<LayerChanges, SourceError>> {
    let threads = budget.threads();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(descriptor) = descriptors.get(index) else { break };
            done.push((index, read(descriptor)));
        }
        done
    };
    let mut results: Vec<(usize, Result<LayerChanges, SourceError>)> = if threads == 1 || descriptors.len() < 2 {
        work()
    } else {
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads.min(descriptors.len())).map(|_| scope.spawn(work)).collect();
            workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
        })
    };
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

impl LayoutDirectory<'_> {
    fn read_layer_blob(
        &self,
        descriptor: &OciDescriptor,
        wanted: &dyn Wanted,
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Result<LayerChanges, SourceError> {
        let path = self.directory.join(blob_name(&descriptor.digest, &self.image_name())?);
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(self.missing(&descriptor.digest)),
            Err(error) => return Err(io_error("open", &path)(error)),
        };
        let layer_name = format!("{} of {}", descriptor.digest, self.image_name());
        read_verified_layer(file, descriptor, &layer_name, wanted, limits, kept_bytes)
    }
}

/// Reads one layer blob named by a verified manifest: inflated on its own
/// thread, its compressed bytes hashed and checked against the descriptor's
/// digest (which is why neither gzip's CRC nor the uncompressed `diff_id` is
/// computed). Layout directories and registries both read layers this way.
pub(crate) fn read_verified_layer(
    blob: impl Read + Send,
    descriptor: &OciDescriptor,
    layer_name: &str,
    wanted: &dyn Wanted,
    limits: &Limits,
    kept_bytes: &std::sync::atomic::AtomicU64,
) -> Result<LayerChanges, SourceError> {
    let mut stored = HashingReader::new(blob);
    let stream = decompressed_as(&mut stored, layer_name, descriptor.media_type.as_deref(), true)?;
    let changes = read_layer_pipelined(stream, layer_name, wanted, limits, kept_bytes, DiffId::Skip)?;
    verify(layer_name, &descriptor.digest, &stored.finish(layer_name)?)?;
    Ok(changes)
}

/// The members of an OCI archive, read in one pass by `archive`.
struct ArchiveMembers {
    members: HashMap<String, Member>,
    archive_name: String,
}

impl BlobStore for ArchiveMembers {
    fn image_name(&self) -> String {
        self.archive_name.clone()
    }

    fn small_blob(&mut self, digest: &str) -> Result<Vec<u8>, SourceError> {
        let name = blob_name(digest, &self.archive_name)?;
        match self.members.get(&name) {
            Some(Member::Small(bytes)) => {
                verify(&format!("{name} in {}", self.archive_name), digest, &sha256_of(bytes))?;
                Ok(bytes.clone())
            }
            _ => Err(SourceError::MissingBlob { image: self.image_name(), blob: digest.to_owned() }),
        }
    }

    fn layer(
        &mut self,
        descriptor: &OciDescriptor,
        _wanted: &dyn Wanted,
        _limits: &Limits,
        _kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Result<LayerChanges, SourceError> {
        let name = blob_name(&descriptor.digest, &self.archive_name)?;
        // A manifest may name one blob twice (identical layers): each use
        // takes a copy, whose file contents are shared.
        match self.members.get(&name).cloned() {
            Some(Member::Layer { changes, blob_digest }) => {
                verify(&format!("{name} in {}", self.archive_name), &descriptor.digest, &blob_digest)?;
                Ok(changes)
            }
            _ => Err(SourceError::MissingBlob { image: self.image_name(), blob: descriptor.digest.clone() }),
        }
    }
}

fn is_index(media_type: Option<&str>) -> bool {
    matches!(
        media_type,
        Some("application/vnd.oci.image.index.v1+json" | "application/vnd.docker.distribution.manifest.list.v2+json")
    )
}

/// The one descriptor to follow in an index: the requested platform's, else
/// its only image, else linux/amd64. Attestation entries are never images.
fn choose_manifest(
    index: OciIndex,
    index_name: &str,
    platform: Option<&Platform>,
) -> Result<OciDescriptor, SourceError> {
    let mut manifests: Vec<OciDescriptor> = index
        .manifests
        .into_iter()
        .filter(|descriptor| !descriptor.platform.as_ref().is_some_and(OciPlatform::is_attestation))
        .collect();
    let describe = |descriptor: &OciDescriptor| match &descriptor.platform {
        Some(platform) => match &platform.variant {
            Some(variant) => format!("{}/{}/{variant}", platform.os, platform.architecture),
            None => format!("{}/{}", platform.os, platform.architecture),
        },
        None => descriptor.digest.clone(),
    };
    let available: Vec<String> = manifests.iter().map(describe).collect();
    if platform.is_none() && manifests.len() == 1 {
        return Ok(manifests.swap_remove(0));
    }
    let wanted = platform.cloned().unwrap_or_default();
    let position = manifests.iter().position(|descriptor| match &descriptor.platform {
        Some(found) => wanted.matches(&found.os, &found.architecture, found.variant.as_deref()),
        // An entry without a platform is taken only when it is the only one.
        None => available.len() == 1,
    });
    match position {
        Some(position) => Ok(manifests.swap_remove(position)),
        None => Err(SourceError::Malformed {
            path: index_name.to_owned(),
            what: "OCI index",
            message: match platform {
                Some(platform) => format!("no image for platform {platform}; it has: {}", available.join(", ")),
                None => format!(
                    "no single image and no linux/amd64 one (choose with --platform) among: {}",
                    available.join(", ")
                ),
            },
        }),
    }
}

/// Follows `index.json` down to the layers and stacks them.
fn read_layout(
    store: &mut dyn BlobStore,
    index_bytes: &[u8],
    index_name: String,
    platform: Option<&Platform>,
    wanted: &dyn Wanted,
    options: &ImageReadOptions,
    problems: Vec<Problem>,
) -> Result<ImageFileSystem, SourceError> {
    let index: OciIndex = parse_json(index_bytes, &index_name, "OCI index")?;
    let descriptor = choose_manifest(index, &index_name, platform)?;
    read_image(store, descriptor, platform, wanted, options, problems)
}

fn is_index_bytes(bytes: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        manifests: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Probe>(bytes).is_ok_and(|probe| probe.manifests.is_some())
}

/// Follows a manifest or index descriptor down to the layers and stacks them.
pub(crate) fn read_image(
    store: &mut dyn BlobStore,
    mut descriptor: OciDescriptor,
    platform: Option<&Platform>,
    wanted: &dyn Wanted,
    options: &ImageReadOptions,
    mut problems: Vec<Problem>,
) -> Result<ImageFileSystem, SourceError> {
    let image_name = store.image_name();
    // An index may point at a further (multi-platform) index; two levels is
    // all any tool writes. A descriptor without a media type is recognised by
    // its `manifests` list.
    let mut manifest_bytes = store.manifest(&descriptor.digest)?;
    for _ in 0..2 {
        if !(is_index(descriptor.media_type.as_deref()) || is_index_bytes(&manifest_bytes)) {
            break;
        }
        let name = format!("{} in {image_name}", descriptor.digest);
        let index: OciIndex = parse_json(&manifest_bytes, &name, "OCI index")?;
        descriptor = choose_manifest(index, &name, platform)?;
        manifest_bytes = store.manifest(&descriptor.digest)?;
    }
    let manifest_name = format!("{} in {image_name}", descriptor.digest);
    let manifest: OciManifest = parse_json(&manifest_bytes, &manifest_name, "OCI image manifest")?;
    let config_name = format!("{} in {image_name}", manifest.config.digest);
    let config: ImageConfig = parse_json(&store.small_blob(&manifest.config.digest)?, &config_name, "image config")?;
    let digests: Vec<String> = manifest.layers.iter().map(|layer| layer.digest.clone()).collect();
    let kept_bytes = std::sync::atomic::AtomicU64::new(0);
    let (foreign, distributed): (Vec<&OciDescriptor>, Vec<&OciDescriptor>) =
        manifest.layers.iter().partition(|layer| layer.is_foreign());
    for layer in &foreign {
        problems.push(Problem::Other {
            path: format!("layer {} of {image_name}", layer.digest),
            message: "it is a foreign (non-distributable) layer, kept outside the image; its files are not scanned"
                .to_owned(),
        });
    }
    let distributed: Vec<OciDescriptor> = distributed.into_iter().cloned().collect();
    let mut read = read_layers_through_cache(store, &distributed, wanted, options, &kept_bytes)?.into_iter();
    let mut layers = Vec::with_capacity(digests.len());
    for (index, (descriptor, info)) in manifest.layers.iter().zip(layer_infos(&config, &digests)).enumerate() {
        if descriptor.is_foreign() {
            layers.push((info, LayerChanges::default()));
            continue;
        }
        let changes = read
            .next()
            .ok_or_else(|| SourceError::MissingBlob { image: image_name.clone(), blob: descriptor.digest.clone() })??;
        verify_diff_id(&config, index, &changes, &format!("{} of {image_name}", descriptor.digest))?;
        layers.push((info, changes));
    }
    let mut details = image_details(&config, Vec::new());
    details.config_digest = Some(manifest.config.digest.clone());
    Ok(ImageFileSystem::from_layers(image_name, layers, problems).with_details(details))
}

/// Every layer's changes, in order: from the layer cache when it holds the
/// blob's digest (looked up only now, after the manifest naming the digest
/// was verified), else read from the store and then cached.
fn read_layers_through_cache(
    store: &mut dyn BlobStore,
    descriptors: &[OciDescriptor],
    wanted: &dyn Wanted,
    options: &ImageReadOptions,
    kept_bytes: &std::sync::atomic::AtomicU64,
) -> Result<Vec<Result<LayerChanges, SourceError>>, SourceError> {
    let limits = &options.limits;
    let cache = options.layer_cache.as_deref().and_then(|root| LayerCache::for_rules(root, wanted, limits));
    let Some(cache) = cache else {
        return Ok(store.layers(descriptors, wanted, limits, kept_bytes));
    };
    let image_name = store.image_name();
    let mut cached = Vec::with_capacity(descriptors.len());
    for descriptor in descriptors {
        let layer_name = format!("{} of {image_name}", descriptor.digest);
        cached.push(cache.load(&descriptor.digest, &layer_name, limits, kept_bytes)?);
    }
    let missing: Vec<OciDescriptor> = descriptors
        .iter()
        .zip(&cached)
        .filter(|(_, hit)| hit.is_none())
        .map(|(descriptor, _)| descriptor.clone())
        .collect();
    let mut fresh = store.layers(&missing, wanted, limits, kept_bytes).into_iter();
    let mut results = Vec::with_capacity(descriptors.len());
    for (descriptor, hit) in descriptors.iter().zip(cached) {
        let result = match hit {
            Some(changes) => Ok(changes),
            None => fresh.next().unwrap_or_else(|| {
                Err(SourceError::MissingBlob { image: image_name.clone(), blob: descriptor.digest.clone() })
            }),
        };
        if let Ok(changes) = &result {
            // A cache that cannot be written (read-only home, full disk) costs
            // only the next scan's time, so it does not fail this one.
            let _ = cache.store(&descriptor.digest, changes);
        }
        results.push(result);
    }
    Ok(results)
}

/// Reads an OCI image layout directory.
pub(crate) fn read_oci_layout(
    directory: &Path,
    platform: Option<&Platform>,
    wanted: &dyn Wanted,
    options: &ImageReadOptions,
) -> Result<ImageFileSystem, SourceError> {
    let index_path = directory.join("index.json");
    let index_bytes = read_small(&index_path)?;
    let mut store = LayoutDirectory { directory };
    read_layout(&mut store, &index_bytes, index_path.display().to_string(), platform, wanted, options, Vec::new())
}

/// Resolves an OCI archive whose members `archive` has already read (layers
/// into their changes, with the wanted filter and limits applied then).
pub(crate) fn read_oci_archive(
    mut members: HashMap<String, Member>,
    platform: Option<&Platform>,
    archive_name: String,
    problems: Vec<Problem>,
) -> Result<ImageFileSystem, SourceError> {
    let Some(Member::Small(index_bytes)) = members.remove("index.json") else {
        return Err(SourceError::MissingBlob { image: archive_name, blob: "index.json".to_owned() });
    };
    let index_name = format!("index.json in {archive_name}");
    let mut store = ArchiveMembers { members, archive_name };
    // The layers were filtered and counted against the limits as the archive
    // streamed by; resolving them here reads nothing more.
    let no_filter = |_: &kensa_fs::FileEntry| true;
    read_layout(&mut store, &index_bytes, index_name, platform, &no_filter, &ImageReadOptions::default(), problems)
}
