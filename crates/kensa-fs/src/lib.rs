//! One read-only filesystem view that every cataloger reads through.
//!
//! A cataloger never touches `std::fs`: it sees a [`FileSystem`] whose paths are
//! relative, `/`-separated and rooted at the scanned resource: a directory
//! ([`DirectoryFileSystem`]), an image's layers and a function bundle
//! (`kensa-source`) all implement it, and disk images will, so catalogers work
//! unchanged on all of them.
//!
//! Path safety lives here: no path handed out or accepted may leave the root
//! (`..`, absolute paths and symlinks pointing outside are refused), and every
//! read has a size limit so a hostile input cannot exhaust memory.
//!
//! The one writer lives here too ([`replace`]): every file Kensa writes for
//! keeps (database, bundles, mirror, layer cache) is written beside its
//! target and renamed over it.

mod budget;
mod directory;
pub mod replace;

use std::io::Read;

pub use budget::ScanBudget;
pub use directory::DirectoryFileSystem;

/// A file visible in a [`FileSystem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to the root, `/`-separated, never starting with `/` or containing `..`.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether any execute bit is set (always false where the source has no modes).
    pub executable: bool,
}

impl FileEntry {
    /// The last path component.
    pub fn file_name(&self) -> &str {
        file_name(&self.path)
    }
}

/// The last component of a `/`-separated path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The parent directory of a `/`-separated relative path (`""` for top-level files).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(parent, _)| parent)
}

/// Joins a relative directory and a name with `/`.
pub fn join(directory: &str, name: &str) -> String {
    if directory.is_empty() { name.to_owned() } else { format!("{directory}/{name}") }
}

/// Errors reading through a [`FileSystem`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// An I/O error on a path.
    #[error("cannot {operation} {path}: {source}")]
    Io {
        /// What was being done (`read`, `open`, `walk`).
        operation: &'static str,
        /// The path, as the user would recognise it.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file exceeds the size limit the caller set.
    #[error("{path} is {size} bytes, over the {limit}-byte limit for this kind of file")]
    TooLarge {
        /// The path.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A path that would leave the root.
    #[error("refusing path {path:?}: it leaves the scanned root")]
    OutsideRoot {
        /// The offending path.
        path: String,
    },
    /// A name no file can have (a NUL byte, an empty component where the
    /// format forbids one): refused, whatever it would point at.
    #[error("refusing path {path:?}: {reason}")]
    UnusableName {
        /// The offending path.
        path: String,
        /// Why it cannot be used.
        reason: &'static str,
    },
}

impl FsError {
    /// The path the error is about, as the user would recognise it.
    pub fn path(&self) -> &str {
        match self {
            FsError::Io { path, .. }
            | FsError::TooLarge { path, .. }
            | FsError::OutsideRoot { path }
            | FsError::UnusableName { path, .. } => path,
        }
    }
}

/// A read-only tree of files.
pub trait FileSystem: Send + Sync {
    /// A human-readable name of the root (a directory path, an image reference).
    fn root_name(&self) -> &str;

    /// Calls `visit` for every regular file, in a deterministic order. Errors on
    /// individual entries are returned through `visit_error` and the walk goes on.
    fn walk(&self, visit: &mut dyn FnMut(&FileEntry), visit_error: &mut dyn FnMut(FsError));

    /// Like [`FileSystem::walk`], but a file whose path `wanted` rejects is
    /// skipped before anything else is read about it (its metadata costs a
    /// `stat` on a directory, a header parse in an image layer).
    fn walk_filtered(
        &self,
        wanted: &dyn Fn(&str) -> bool,
        visit: &mut dyn FnMut(&FileEntry),
        visit_error: &mut dyn FnMut(FsError),
    ) {
        self.walk(
            &mut |entry| {
                if wanted(&entry.path) {
                    visit(entry);
                }
            },
            visit_error,
        );
    }

    /// Opens a file for streaming reads.
    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, FsError>;

    /// Metadata of a file, or `None` if it does not exist (or is not a regular file).
    fn entry(&self, path: &str) -> Option<FileEntry>;

    /// Reads a whole file, refusing files larger than `limit` bytes.
    fn read(&self, path: &str, limit: u64) -> Result<Vec<u8>, FsError> {
        let mut buffer = Vec::new();
        self.read_into(path, limit, &mut buffer)?;
        Ok(buffer)
    }

    /// Reads a whole file into `buffer` (replacing its contents, keeping its
    /// allocation), refusing files larger than `limit` bytes.
    fn read_into(&self, path: &str, limit: u64, buffer: &mut Vec<u8>) -> Result<(), FsError> {
        buffer.clear();
        let mut reader = self.open(path)?;
        // Read one byte past the limit so an over-long file is detected even when
        // its recorded size lied.
        reader.by_ref().take(limit.saturating_add(1)).read_to_end(buffer).map_err(|source| FsError::Io {
            operation: "read",
            path: self.display_path(path),
            source,
        })?;
        if buffer.len() as u64 > limit {
            let size = buffer.len() as u64;
            buffer.clear();
            return Err(FsError::TooLarge { path: self.display_path(path), size, limit });
        }
        Ok(())
    }

    /// Reads at most `length` bytes starting at `offset` (fewer at the end of
    /// the file). Sources that cannot seek read and discard up to `offset`.
    fn read_range(&self, path: &str, offset: u64, length: u64) -> Result<Vec<u8>, FsError> {
        let mut reader = self.open(path)?;
        let io_error = |source| FsError::Io { operation: "read", path: self.display_path(path), source };
        std::io::copy(&mut reader.by_ref().take(offset), &mut std::io::sink()).map_err(io_error)?;
        let mut buffer = Vec::new();
        reader.take(length).read_to_end(&mut buffer).map_err(io_error)?;
        Ok(buffer)
    }

    /// The path as a user should see it in messages.
    fn display_path(&self, path: &str) -> String {
        path.to_owned()
    }
}

/// Checks that a relative path stays inside the root: no absolute paths, no `..`.
pub fn validate_relative_path(path: &str) -> Result<(), FsError> {
    let escapes = path.starts_with('/') || path.contains('\\') || path.split('/').any(|component| component == "..");
    if escapes { Err(FsError::OutsideRoot { path: path.to_owned() }) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths that climb out of the root are refused before any I/O.
    #[test]
    fn escaping_paths_are_refused() {
        assert!(validate_relative_path("../etc/passwd").is_err());
        assert!(validate_relative_path("a/../../b").is_err());
        assert!(validate_relative_path("/etc/passwd").is_err());
        assert!(validate_relative_path("a/b..c/d").is_ok());
    }

    #[test]
    fn path_helpers() {
        assert_eq!(file_name("a/b/Cargo.lock"), "Cargo.lock");
        assert_eq!(parent("a/b/Cargo.lock"), "a/b");
        assert_eq!(parent("Cargo.lock"), "");
        assert_eq!(join("", "x"), "x");
        assert_eq!(join("a", "x"), "a/x");
    }
}
