//! The file access both in-memory sources share: an image's and a bundle's
//! kept files are a map from relative path to bytes, opened, listed and
//! described the same way.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use kensa_fs::{FileEntry, FsError};

/// A file kept in memory by a source.
pub(crate) trait KeptFile {
    /// Its bytes.
    fn contents(&self) -> &Arc<[u8]>;
    /// Whether any execute bit is set.
    fn executable(&self) -> bool;
}

fn describe(path: &str, file: &impl KeptFile) -> FileEntry {
    FileEntry { path: path.to_owned(), size: file.contents().len() as u64, executable: file.executable() }
}

/// Visits every kept file, in path order.
pub(crate) fn visit_all<F: KeptFile>(files: &BTreeMap<String, F>, visit: &mut dyn FnMut(&FileEntry)) {
    for (path, file) in files {
        visit(&describe(path, file));
    }
}

/// Opens a kept file; `display_path` names it in the error when it is missing.
pub(crate) fn open<'a, F: KeptFile>(
    files: &'a BTreeMap<String, F>,
    path: &str,
    display_path: impl FnOnce() -> String,
) -> Result<Box<dyn Read + Send + 'a>, FsError> {
    kensa_fs::validate_relative_path(path)?;
    let file = files.get(path).ok_or_else(|| FsError::Io {
        operation: "open",
        path: display_path(),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    })?;
    Ok(Box::new(std::io::Cursor::new(Arc::clone(file.contents()))))
}

/// The entry of a kept file.
pub(crate) fn entry<F: KeptFile>(files: &BTreeMap<String, F>, path: &str) -> Option<FileEntry> {
    files.get(path).map(|file| describe(path, file))
}
