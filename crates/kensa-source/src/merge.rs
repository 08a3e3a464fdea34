//! Stacking one layer's changes on the files of the layers below it, as the
//! overlay filesystem of a container runtime would: opaque directories and
//! whiteouts remove lower files, then the layer's own files are written.
//!
//! Deliberately not handled: anything about reading tar streams (`layer`).

use std::collections::BTreeMap;

use crate::layer::LayerChanges;
use crate::{ImageFile, Problem};

/// The largest file whose overwritten versions are kept in the history:
/// package databases are well under it; large archives rewritten by an upper
/// layer are not worth holding twice.
const HISTORY_FILE_LIMIT: usize = 32 * 1024 * 1024;

/// Applies `changes` (layer number `index`) on top of `files`. The version of
/// a file this layer rewrites goes to `history` (bottom first), so a package
/// database can say in which layer each package first appeared.
pub(crate) fn apply_layer(
    files: &mut BTreeMap<String, ImageFile>,
    history: &mut BTreeMap<String, Vec<ImageFile>>,
    changes: LayerChanges,
    index: usize,
    layer_name: &str,
    problems: &mut Vec<Problem>,
) {
    for path in changes.files.keys() {
        if let Some(old) = files.get(path).filter(|old| old.contents.len() <= HISTORY_FILE_LIMIT) {
            history.entry(path.clone()).or_default().push(old.clone());
        }
    }
    // Hard links see the lower layers as they were before this layer's
    // deletions, which is what the link pointed at when it was made.
    let mut linked = Vec::new();
    for (link, target) in changes.hard_links_to_lower_layers {
        match files.get(&target) {
            Some(file) => linked.push((link, file.contents.clone(), file.mode)),
            None => problems.push(Problem::Other {
                path: link,
                message: format!("hard link to {target} (layer {layer_name}), whose contents were not kept"),
            }),
        }
    }
    for directory in &changes.opaque_directories {
        remove_below(files, directory);
    }
    for path in &changes.deleted {
        files.remove(path);
        remove_below(files, path);
    }
    for path in &changes.replaced {
        files.remove(path);
    }
    for (path, file) in changes.files {
        files.insert(path, ImageFile { contents: file.contents, mode: file.mode, layer: index });
    }
    for (path, contents, mode) in linked {
        files.insert(path, ImageFile { contents, mode, layer: index });
    }
    problems.extend(changes.problems);
}

/// Removes every file strictly under `directory` (all files for the root).
fn remove_below(files: &mut BTreeMap<String, ImageFile>, directory: &str) {
    if directory.is_empty() {
        files.clear();
        return;
    }
    let prefix = format!("{directory}/");
    let doomed: Vec<String> = files
        .range(prefix.clone()..)
        .map(|(path, _)| path)
        .take_while(|path| path.starts_with(&prefix))
        .cloned()
        .collect();
    for path in doomed {
        files.remove(&path);
    }
}
