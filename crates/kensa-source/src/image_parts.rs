//! What every image reader shares (archives, OCI layouts, registries, local
//! engines): the image config with each layer's `diff_id` and history, what
//! an archive member turned out to be, and small bounded reads. Kept apart
//! so `archive` and `oci` each depend on it rather than on each other.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use crate::digest::verify;
use crate::layer::LayerChanges;
use crate::{LayerInfo, SourceError};

/// Manifests, indexes and configs are a few kilobytes.
pub(crate) const METADATA_SIZE_LIMIT: u64 = 16 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ImageConfig {
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

impl ImageConfig {
    /// The `rootfs.diff_ids`: each layer's uncompressed digest, bottom first.
    pub(crate) fn diff_ids(&self) -> &[String] {
        self.rootfs.as_ref().map(|rootfs| rootfs.diff_ids.as_slice()).unwrap_or_default()
    }
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

pub(crate) fn io_error(operation: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SourceError {
    let path = path.display().to_string();
    move |source| SourceError::Io { operation, path, source }
}

pub(crate) fn parse_json<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
    path: &str,
    what: &'static str,
) -> Result<T, SourceError> {
    serde_json::from_slice(bytes).map_err(|error| SourceError::Malformed {
        path: path.to_owned(),
        what,
        message: error.to_string(),
    })
}

/// What an archive member turned out to be.
#[derive(Clone)]
pub(crate) enum Member {
    /// A layer, read; `blob_digest` hashes the member's bytes as stored.
    Layer { changes: LayerChanges, blob_digest: String },
    /// Anything small enough to be a manifest, index or config.
    Small(Vec<u8>),
}

/// Checks a layer's uncompressed digest against the config's `diff_ids`,
/// when the config lists one for it and the layer was hashed ([`DiffId`]).
pub(crate) fn verify_diff_id(
    config: &ImageConfig,
    index: usize,
    changes: &LayerChanges,
    layer_name: &str,
) -> Result<(), SourceError> {
    match config.rootfs.as_ref().and_then(|rootfs| rootfs.diff_ids.get(index)) {
        Some(expected) if !changes.diff_id.is_empty() => {
            verify(&format!("{layer_name} (uncompressed)"), expected, &changes.diff_id)
        }
        _ => Ok(()),
    }
}

/// What the report says about an image besides its layers.
pub(crate) fn image_details(config: &ImageConfig, tags: Vec<String>) -> crate::ImageDetails {
    crate::ImageDetails {
        tags,
        os: config.os.clone(),
        architecture: config.architecture.clone(),
        created: config.created.clone(),
        ..crate::ImageDetails::default()
    }
}

/// Each layer's digest (`diff_id` when the config lists one per layer) and
/// the `created_by` of the history entry that made it.
pub(crate) fn layer_infos(config: &ImageConfig, fallback_names: &[String]) -> Vec<LayerInfo> {
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

/// A manifest, index or config file of a layout, whole: one over the limit is
/// refused as such (cut at the limit, it would read as JSON that ends early,
/// "EOF while parsing", which names the wrong problem).
pub(crate) fn read_small(path: &Path) -> Result<Vec<u8>, SourceError> {
    let file = std::fs::File::open(path).map_err(io_error("open", path))?;
    let mut bytes = Vec::new();
    file.take(METADATA_SIZE_LIMIT + 1).read_to_end(&mut bytes).map_err(io_error("read", path))?;
    if bytes.len() as u64 > METADATA_SIZE_LIMIT {
        return Err(SourceError::Malformed {
            path: path.display().to_string(),
            what: "manifest, index or config",
            message: format!("it is larger than the {METADATA_SIZE_LIMIT}-byte limit for one"),
        });
    }
    Ok(bytes)
}
