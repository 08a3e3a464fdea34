//! Image archives — a `docker save` tar and a tar of an OCI image layout —
//! read here; what every image reader shares (the config, each layer's
//! `diff_id` and history) is in `image_parts`, and OCI layouts are resolved
//! in `oci`.
//!
//! An archive is read in one pass whatever the order of its members (Docker
//! writes `manifest.json` last): every member that looks like a layer is
//! read into its changes as it streams by, hashed both as stored and
//! uncompressed, and small members are kept in case they are a config,
//! manifest or index; the manifest then says which changes stack in which
//! order, and every digest it or the config promises is checked. Deliberately
//! not handled: several images in one archive (the first is scanned), and
//! skipping the layers of the platforms not scanned in a multi-platform OCI
//! archive (they are read too, and count towards the kept-bytes limit).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use crate::digest::{HashingReader, sha256_of, verify};
use crate::image_parts::{
    ImageConfig, METADATA_SIZE_LIMIT, Member, image_details, io_error, layer_infos, parse_json, verify_diff_id,
};
use crate::layer::{DiffId, decompressed, normalise_entry_path, read_layer};
use crate::layer_cache::LayerCache;
use crate::{ImageFileSystem, Limits, Problem, SourceError, Wanted};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

pub(crate) fn read_docker_archive(
    path: &Path,
    platform: Option<&crate::Platform>,
    wanted: &dyn Wanted,
    limits: &Limits,
) -> Result<ImageFileSystem, SourceError> {
    let archive_name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(io_error("open", path))?;
    read_docker_archive_stream(file, archive_name, platform, wanted, limits, None)
}

/// Reads a `docker save` (or OCI) archive from a stream read once, front to
/// back, as a file gives it or as a Docker daemon's image export sends it.
pub(crate) fn read_docker_archive_stream(
    reader: impl Read,
    archive_name: String,
    platform: Option<&crate::Platform>,
    wanted: &dyn Wanted,
    limits: &Limits,
    cache: Option<&LayerCache>,
) -> Result<ImageFileSystem, SourceError> {
    let stream = decompressed(reader, &archive_name)?;
    let mut outer = tar::Archive::new(stream);
    let mut members: HashMap<String, Member> = HashMap::new();
    let mut oversized: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    let kept_bytes = std::sync::atomic::AtomicU64::new(0);
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
            || start.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
            || start.get(257..262) == Some(b"ustar".as_slice())
            || (start.len() == 512 && start.iter().all(|byte| *byte == 0))
            || name.ends_with(".tar");
        let whole = std::io::Cursor::new(start).chain(&mut entry);
        if looks_like_layer {
            let mut stored = HashingReader::new(whole);
            let stream = decompressed(&mut stored, &layer_name)?;
            let changes = read_layer(stream, &layer_name, wanted, limits, &kept_bytes, DiffId::Compute)?;
            let blob_digest = stored.finish(&layer_name)?;
            members.insert(name, Member::Layer { changes, blob_digest });
        } else if size <= METADATA_SIZE_LIMIT {
            let mut bytes = Vec::new();
            whole
                .take(METADATA_SIZE_LIMIT)
                .read_to_end(&mut bytes)
                .map_err(|source| SourceError::corrupt(&layer_name, source))?;
            members.insert(name, Member::Small(bytes));
        } else {
            // Too large to be metadata: not kept. Remembered, so a manifest
            // or config of that size is named as such, not as missing.
            oversized.push(name);
        }
    }
    let too_large = |name: &str| SourceError::Malformed {
        path: format!("{name} in {archive_name}"),
        what: "manifest, index or config",
        message: format!("it is larger than the {METADATA_SIZE_LIMIT}-byte limit for one"),
    };
    let Some(Member::Small(manifest)) = members.remove("manifest.json") else {
        if matches!(members.get("index.json"), Some(Member::Small(_))) {
            return crate::oci::read_oci_archive(members, platform, archive_name, problems);
        }
        if let Some(name) = oversized.iter().find(|name| matches!(name.as_str(), "manifest.json" | "index.json")) {
            return Err(too_large(name));
        }
        return Err(SourceError::NotAnImage { archive: archive_name });
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
    let others = images.len().saturating_sub(1);
    let image = images.swap_remove(0);
    if others > 0 {
        let first =
            image.repo_tags.as_ref().and_then(|tags| tags.first()).cloned().unwrap_or_else(|| image.config.clone());
        problems.push(Problem::Other {
            path: manifest_name.clone(),
            message: format!("the archive holds {} images; only the first ({first}) is scanned", others + 1),
        });
    }
    let config_member = normalise_entry_path(&image.config).ok().flatten();
    let config_digest;
    let config: ImageConfig = match config_member.as_ref().and_then(|name| members.get(name)) {
        Some(Member::Small(bytes)) => {
            config_digest = Some(sha256_of(bytes));
            let config_name = format!("{} in {archive_name}", image.config);
            // Docker names the config `<sha256 hex>.json` (or, since 25, `blobs/sha256/<hex>`).
            let named_hex = config_member
                .as_deref()
                .and_then(|name| name.strip_prefix("blobs/sha256/").or_else(|| name.strip_suffix(".json")));
            if let Some(hex) =
                named_hex.filter(|hex| hex.len() == 64 && hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
            {
                verify(&config_name, &format!("sha256:{hex}"), &sha256_of(bytes))?;
            }
            parse_json(bytes, &config_name, "image config")?
        }
        _ if config_member.as_ref().is_some_and(|name| oversized.contains(name)) => {
            return Err(too_large(&image.config));
        }
        _ => return Err(SourceError::MissingBlob { image: archive_name, blob: image.config }),
    };
    let infos = layer_infos(&config, &image.layers);
    let mut layers = Vec::with_capacity(image.layers.len());
    for (index, (layer, info)) in image.layers.iter().zip(infos).enumerate() {
        let name = normalise_entry_path(layer).ok().flatten();
        // Docker lists a layer twice when two layers are identical (an empty
        // `RUN`, the same file copied twice): the member is read once and
        // used at every place the manifest names it.
        let named_again = image.layers.get(index + 1..).unwrap_or_default().contains(layer);
        let member = match name.as_ref() {
            Some(name) if named_again => members.get(name).cloned(),
            Some(name) => members.remove(name),
            None => None,
        };
        let (changes, blob_digest) = match member {
            Some(Member::Layer { changes, blob_digest }) => (changes, blob_digest),
            _ => return Err(SourceError::MissingBlob { image: archive_name, blob: layer.clone() }),
        };
        let layer_name = format!("{layer} of {archive_name}");
        // Docker 25 and later name members by their digest: check it too.
        if let Some(hex) = name.as_deref().and_then(|name| name.strip_prefix("blobs/sha256/")) {
            verify(&layer_name, &format!("sha256:{hex}"), &blob_digest)?;
        }
        verify_diff_id(&config, index, &changes, &layer_name)?;
        if let Some(cache) = cache {
            // Keyed by the verified uncompressed digest (`diff_id`): what an
            // engine's image description lists, so a rescan needs no export.
            // A cache that cannot be written costs only the next scan's time.
            let _ = cache.store(&changes.diff_id, &changes);
        }
        layers.push((info, changes));
    }
    if let (Some(cache), Some(digest), Some(Member::Small(bytes))) =
        (cache, config_digest.as_deref(), config_member.as_ref().and_then(|name| members.get(name)))
    {
        let _ = cache.store_blob(digest, bytes);
    }
    let tags = image.repo_tags.unwrap_or_default();
    let name = tags.first().cloned().unwrap_or(archive_name);
    let mut details = image_details(&config, tags);
    details.config_digest = config_digest;
    Ok(ImageFileSystem::from_layers(name, layers, problems).with_details(details))
}
