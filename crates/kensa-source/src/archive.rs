//! The two image containers read today: a `docker save` archive and an OCI
//! image layout directory. Both come down to an ordered list of layer
//! streams plus a config giving each layer's `diff_id` and history.
//!
//! A `docker save` archive is read in one pass whatever the order of its
//! members (Docker writes `manifest.json` last): every member that looks like
//! a layer is read into its changes as it streams by, small members are kept
//! in case they are the config, and the manifest then says which changes
//! stack in which order. Deliberately not handled: several images in one
//! archive (the first is scanned), OCI archives, digest verification.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use crate::layer::{LayerChanges, decompressed, normalise_entry_path, read_layer};
use crate::{ImageFileSystem, LayerInfo, Limits, Problem, SourceError};

/// Manifests, indexes and configs are a few kilobytes.
const METADATA_SIZE_LIMIT: u64 = 16 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ImageConfig {
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    rootfs: Option<RootFs>,
    #[serde(default)]
    history: Vec<HistoryEntry>,
}

#[derive(Debug, Default, Deserialize)]
struct RootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct HistoryEntry {
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    empty_layer: bool,
}

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

fn io_error(operation: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SourceError {
    let path = path.display().to_string();
    move |source| SourceError::Io { operation, path, source }
}

fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8], path: &str, what: &'static str) -> Result<T, SourceError> {
    serde_json::from_slice(bytes).map_err(|error| SourceError::Malformed {
        path: path.to_owned(),
        what,
        message: error.to_string(),
    })
}

/// What a `docker save` member turned out to be.
enum Member {
    Layer(LayerChanges),
    Small(Vec<u8>),
}

pub(crate) fn read_docker_archive(
    path: &Path,
    wanted: &dyn Fn(&kensa_fs::FileEntry) -> bool,
    limits: &Limits,
) -> Result<ImageFileSystem, SourceError> {
    let archive_name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(io_error("open", path))?;
    let stream = decompressed(file, &archive_name)?;
    let mut outer = tar::Archive::new(stream);
    let mut members: HashMap<String, Member> = HashMap::new();
    let mut problems = Vec::new();
    let mut kept_bytes = 0;
    let entries = outer.entries().map_err(|source| SourceError::corrupt(&archive_name, source))?;
    for entry in entries {
        let mut entry = entry.map_err(|source| SourceError::corrupt(&archive_name, source))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Ok(Some(name)) = normalise_entry_path(&raw) else {
            problems.push(Problem::OutsideRoot { path: format!("{raw} (in {archive_name})") });
            continue;
        };
        let size = entry.header().size().unwrap_or(u64::MAX);
        let layer_name = format!("{name} of {archive_name}");
        // Peek at the start to tell a layer from JSON without trusting names:
        // newer Docker writes every member as `blobs/sha256/<digest>`.
        let mut start = Vec::with_capacity(512);
        (&mut entry).take(512).read_to_end(&mut start).map_err(|source| SourceError::corrupt(&layer_name, source))?;
        let looks_like_layer = start.starts_with(&[0x1f, 0x8b])
            || start.get(257..262) == Some(b"ustar".as_slice())
            || (start.len() == 512 && start.iter().all(|byte| *byte == 0))
            || name.ends_with(".tar");
        let whole = std::io::Cursor::new(start).chain(&mut entry);
        if looks_like_layer {
            let stream = decompressed(whole, &layer_name)?;
            let changes = read_layer(stream, &layer_name, wanted, limits, &mut kept_bytes)?;
            members.insert(name, Member::Layer(changes));
        } else if size <= METADATA_SIZE_LIMIT {
            let mut bytes = Vec::new();
            whole
                .take(METADATA_SIZE_LIMIT)
                .read_to_end(&mut bytes)
                .map_err(|source| SourceError::corrupt(&layer_name, source))?;
            members.insert(name, Member::Small(bytes));
        }
    }
    let Some(Member::Small(manifest)) = members.remove("manifest.json") else {
        return Err(SourceError::MissingBlob { image: archive_name, blob: "manifest.json".to_owned() });
    };
    let manifest_name = format!("manifest.json in {archive_name}");
    let mut images: Vec<DockerManifestEntry> = parse_json(&manifest, &manifest_name, "docker save manifest")?;
    if images.is_empty() {
        return Err(SourceError::Malformed {
            path: manifest_name,
            what: "docker save manifest",
            message: "it lists no image".to_owned(),
        });
    }
    let image = images.swap_remove(0);
    let config = match normalise_entry_path(&image.config).ok().flatten().and_then(|name| members.get(&name)) {
        Some(Member::Small(bytes)) => {
            parse_json(bytes, &format!("{} in {archive_name}", image.config), "image config")?
        }
        _ => return Err(SourceError::MissingBlob { image: archive_name, blob: image.config }),
    };
    let infos = layer_infos(&config, &image.layers);
    let mut layers = Vec::with_capacity(image.layers.len());
    for (layer, info) in image.layers.iter().zip(infos) {
        let changes = match normalise_entry_path(layer).ok().flatten().and_then(|name| members.remove(&name)) {
            Some(Member::Layer(changes)) => changes,
            _ => return Err(SourceError::MissingBlob { image: archive_name, blob: layer.clone() }),
        };
        layers.push((info, changes));
    }
    let tags = image.repo_tags.unwrap_or_default();
    let name = tags.first().cloned().unwrap_or(archive_name);
    let details = image_details(&config, tags);
    Ok(ImageFileSystem::from_layers(name, layers, problems).with_details(details))
}

/// What the report says about an image besides its layers.
fn image_details(config: &ImageConfig, tags: Vec<String>) -> crate::ImageDetails {
    crate::ImageDetails {
        tags,
        os: config.os.clone(),
        architecture: config.architecture.clone(),
        created: config.created.clone(),
    }
}

/// Each layer's digest (`diff_id` when the config lists one per layer) and
/// the `created_by` of the history entry that made it.
fn layer_infos(config: &ImageConfig, fallback_names: &[String]) -> Vec<LayerInfo> {
    let diff_ids = config.rootfs.as_ref().map(|rootfs| rootfs.diff_ids.as_slice()).unwrap_or_default();
    let mut history = config.history.iter().filter(|entry| !entry.empty_layer);
    fallback_names
        .iter()
        .enumerate()
        .map(|(index, fallback)| LayerInfo {
            digest: diff_ids.get(index).cloned().unwrap_or_else(|| fallback.clone()),
            created_by: history.next().and_then(|entry| entry.created_by.clone()),
        })
        .collect()
}

/// `blobs/<algorithm>/<hex>` for a digest, refusing anything that could name
/// another path.
fn blob_path(directory: &Path, digest: &str) -> Result<std::path::PathBuf, SourceError> {
    let valid = digest.split_once(':').filter(|(algorithm, hex)| {
        !algorithm.is_empty()
            && algorithm.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
            && !hex.is_empty()
            && hex.bytes().all(|byte| byte.is_ascii_hexdigit())
    });
    match valid {
        Some((algorithm, hex)) => Ok(directory.join("blobs").join(algorithm).join(hex)),
        None => Err(SourceError::Malformed {
            path: directory.display().to_string(),
            what: "OCI image layout",
            message: format!("invalid digest {digest:?}"),
        }),
    }
}

fn read_small(path: &Path) -> Result<Vec<u8>, SourceError> {
    let file = std::fs::File::open(path).map_err(io_error("open", path))?;
    let mut bytes = Vec::new();
    file.take(METADATA_SIZE_LIMIT).read_to_end(&mut bytes).map_err(io_error("read", path))?;
    Ok(bytes)
}

fn is_index(media_type: Option<&str>) -> bool {
    matches!(
        media_type,
        Some("application/vnd.oci.image.index.v1+json" | "application/vnd.docker.distribution.manifest.list.v2+json")
    )
}

/// The one descriptor to follow in an index: its only entry, else linux/amd64.
fn choose_manifest(index: OciIndex, index_path: &Path) -> Result<OciDescriptor, SourceError> {
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
            path: index_path.display().to_string(),
            what: "OCI index",
            message: format!("no single image and no linux/amd64 one among: {}", available.join(", ")),
        })
}

pub(crate) fn read_oci_layout(
    directory: &Path,
    wanted: &dyn Fn(&kensa_fs::FileEntry) -> bool,
    limits: &Limits,
) -> Result<ImageFileSystem, SourceError> {
    let index_path = directory.join("index.json");
    let mut index: OciIndex = parse_json(&read_small(&index_path)?, &index_path.display().to_string(), "OCI index")?;
    let mut descriptor = choose_manifest(index, &index_path)?;
    // An index may point at a further (multi-platform) index; two levels is
    // all any tool writes.
    for _ in 0..2 {
        if !is_index(descriptor.media_type.as_deref()) {
            break;
        }
        let path = blob_path(directory, &descriptor.digest)?;
        index = parse_json(&read_small(&path)?, &path.display().to_string(), "OCI index")?;
        descriptor = choose_manifest(index, &path)?;
    }
    let manifest_path = blob_path(directory, &descriptor.digest)?;
    let manifest: OciManifest =
        parse_json(&read_small(&manifest_path)?, &manifest_path.display().to_string(), "OCI image manifest")?;
    let config_path = blob_path(directory, &manifest.config.digest)?;
    let config: ImageConfig =
        parse_json(&read_small(&config_path)?, &config_path.display().to_string(), "image config")?;
    let digests: Vec<String> = manifest.layers.iter().map(|layer| layer.digest.clone()).collect();
    let mut kept_bytes = 0;
    let mut layers = Vec::with_capacity(digests.len());
    for (digest, info) in digests.iter().zip(layer_infos(&config, &digests)) {
        let path = blob_path(directory, digest)?;
        let layer_name = format!("{digest} of {}", directory.display());
        let file = std::fs::File::open(&path)
            .map_err(|_| SourceError::MissingBlob { image: directory.display().to_string(), blob: digest.clone() })?;
        let stream = decompressed(file, &layer_name)?;
        let changes = read_layer(stream, &layer_name, wanted, limits, &mut kept_bytes)?;
        layers.push((info, changes));
    }
    let details = image_details(&config, Vec::new());
    Ok(ImageFileSystem::from_layers(directory.display().to_string(), layers, Vec::new()).with_details(details))
}
