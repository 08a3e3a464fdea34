//! OCI image layouts, as a directory or as the members of a tar archive:
//! `index.json` → (nested index) → manifest → config → layers, every blob
//! checked against the digest that names it as it is read.
//!
//! Deliberately not handled: choosing a platform other than linux/amd64 (or
//! the only image), foreign or non-distributable layers (read like any other
//! when present, missing otherwise), and reading an archive's members (see
//! `archive`, which hands the already-read members over).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::archive::{
    ImageConfig, Member, image_details, io_error, layer_infos, parse_json, read_small, verify_diff_id,
};
use crate::digest::{HashingReader, sha256_of, verify};
use crate::layer::{LayerChanges, decompressed_as, read_layer};
use crate::{ImageFileSystem, Limits, Problem, SourceError};

#[derive(Debug, Deserialize)]
struct OciIndex {
    manifests: Vec<OciDescriptor>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OciDescriptor {
    #[serde(default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    platform: Option<OciPlatform>,
}

#[derive(Debug, Deserialize)]
struct OciPlatform {
    architecture: String,
    os: String,
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
trait BlobStore {
    /// The layout's name in messages.
    fn image_name(&self) -> String;
    /// A manifest, index or config blob, its digest verified.
    fn small_blob(&mut self, digest: &str) -> Result<Vec<u8>, SourceError>;
    /// A layer blob read into its changes, its stored digest verified.
    fn layer(
        &mut self,
        descriptor: &OciDescriptor,
        wanted: &(dyn Fn(&kensa_fs::FileEntry) -> bool + Sync),
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Result<LayerChanges, SourceError>;

    /// Every layer, in order; stores that can read blobs independently do so
    /// on several threads.
    fn layers(
        &mut self,
        descriptors: &[OciDescriptor],
        wanted: &(dyn Fn(&kensa_fs::FileEntry) -> bool + Sync),
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
        wanted: &(dyn Fn(&kensa_fs::FileEntry) -> bool + Sync),
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
        wanted: &(dyn Fn(&kensa_fs::FileEntry) -> bool + Sync),
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Vec<Result<LayerChanges, SourceError>> {
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).clamp(1, 4);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let this = &*self;
        let work = || {
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(descriptor) = descriptors.get(index) else { break };
                done.push((index, this.read_layer_blob(descriptor, wanted, limits, kept_bytes)));
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
}

impl LayoutDirectory<'_> {
    fn read_layer_blob(
        &self,
        descriptor: &OciDescriptor,
        wanted: &(dyn Fn(&kensa_fs::FileEntry) -> bool + Sync),
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
        let mut stored = HashingReader::new(file);
        let stream = decompressed_as(&mut stored, &layer_name, descriptor.media_type.as_deref())?;
        let changes = read_layer(stream, &layer_name, wanted, limits, kept_bytes)?;
        verify(&layer_name, &descriptor.digest, &stored.finish(&layer_name)?)?;
        Ok(changes)
    }
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
        _wanted: &(dyn Fn(&kensa_fs::FileEntry) -> bool + Sync),
        _limits: &Limits,
        _kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Result<LayerChanges, SourceError> {
        let name = blob_name(&descriptor.digest, &self.archive_name)?;
        match self.members.remove(&name) {
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

/// The one descriptor to follow in an index: its only entry, else linux/amd64.
fn choose_manifest(index: OciIndex, index_name: &str) -> Result<OciDescriptor, SourceError> {
    let mut manifests = index.manifests;
    if manifests.len() == 1 {
        return Ok(manifests.swap_remove(0));
    }
    let available: Vec<String> = manifests
        .iter()
        .map(|descriptor| match &descriptor.platform {
            Some(platform) => format!("{}/{}", platform.os, platform.architecture),
            None => descriptor.digest.clone(),
        })
        .collect();
    manifests
        .into_iter()
        .find(|descriptor| {
            descriptor
                .platform
                .as_ref()
                .is_some_and(|platform| platform.os == "linux" && platform.architecture == "amd64")
        })
        .ok_or_else(|| SourceError::Malformed {
            path: index_name.to_owned(),
            what: "OCI index",
            message: format!("no single image and no linux/amd64 one among: {}", available.join(", ")),
        })
}

/// Follows `index.json` down to the layers and stacks them.
fn read_layout(
    store: &mut dyn BlobStore,
    index_bytes: &[u8],
    index_name: String,
    wanted: &(dyn Fn(&kensa_fs::FileEntry) -> bool + Sync),
    limits: &Limits,
    problems: Vec<Problem>,
) -> Result<ImageFileSystem, SourceError> {
    let image_name = store.image_name();
    let mut index: OciIndex = parse_json(index_bytes, &index_name, "OCI index")?;
    let mut descriptor = choose_manifest(index, &index_name)?;
    // An index may point at a further (multi-platform) index; two levels is
    // all any tool writes.
    for _ in 0..2 {
        if !is_index(descriptor.media_type.as_deref()) {
            break;
        }
        let name = format!("{} in {image_name}", descriptor.digest);
        index = parse_json(&store.small_blob(&descriptor.digest)?, &name, "OCI index")?;
        descriptor = choose_manifest(index, &name)?;
    }
    let manifest_name = format!("{} in {image_name}", descriptor.digest);
    let manifest: OciManifest =
        parse_json(&store.small_blob(&descriptor.digest)?, &manifest_name, "OCI image manifest")?;
    let config_name = format!("{} in {image_name}", manifest.config.digest);
    let config: ImageConfig = parse_json(&store.small_blob(&manifest.config.digest)?, &config_name, "image config")?;
    let digests: Vec<String> = manifest.layers.iter().map(|layer| layer.digest.clone()).collect();
    let kept_bytes = std::sync::atomic::AtomicU64::new(0);
    let mut layers = Vec::with_capacity(digests.len());
    let read = store.layers(&manifest.layers, wanted, limits, &kept_bytes);
    for (index, ((descriptor, info), changes)) in
        manifest.layers.iter().zip(layer_infos(&config, &digests)).zip(read).enumerate()
    {
        let changes = changes?;
        verify_diff_id(&config, index, &changes, &format!("{} of {image_name}", descriptor.digest))?;
        layers.push((info, changes));
    }
    let details = image_details(&config, Vec::new());
    Ok(ImageFileSystem::from_layers(image_name, layers, problems).with_details(details))
}

/// Reads an OCI image layout directory.
pub(crate) fn read_oci_layout(
    directory: &Path,
    wanted: &(dyn Fn(&kensa_fs::FileEntry) -> bool + Sync),
    limits: &Limits,
) -> Result<ImageFileSystem, SourceError> {
    let index_path = directory.join("index.json");
    let index_bytes = read_small(&index_path)?;
    let mut store = LayoutDirectory { directory };
    read_layout(&mut store, &index_bytes, index_path.display().to_string(), wanted, limits, Vec::new())
}

/// Resolves an OCI archive whose members `archive` has already read (layers
/// into their changes, with the wanted filter and limits applied then).
pub(crate) fn read_oci_archive(
    mut members: HashMap<String, Member>,
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
    read_layout(&mut store, &index_bytes, index_name, &no_filter, &Limits::default(), problems)
}
