//! A database handle for a long-running process: it keeps one snapshot open
//! and moves to the new file after an update or import replaced it, without
//! a restart. Readers holding the previous snapshot keep reading it (the
//! replaced file stays readable while it is open), so a re-match in flight
//! finishes against one consistent view.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::{Database, DbError};

/// What tells one database file from the one that replaced it: writers
/// never change a published file in place, they rename a new one over it,
/// which gives it a new inode (and usually a new size and time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    device: u64,
    inode: u64,
    size: u64,
    modified_nanoseconds: i128,
}

impl FileIdentity {
    fn of(path: &Path) -> Result<FileIdentity, DbError> {
        let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => DbError::Missing { path: path.display().to_string() },
            _ => DbError::Io { operation: "read metadata of", path: path.display().to_string(), source },
        })?;
        let modified_nanoseconds = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |elapsed| i128::try_from(elapsed.as_nanos()).unwrap_or(i128::MAX));
        #[cfg(unix)]
        let (device, inode) = {
            use std::os::unix::fs::MetadataExt;
            (metadata.dev(), metadata.ino())
        };
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        Ok(FileIdentity { device, inode, size: metadata.len(), modified_nanoseconds })
    }
}

/// The database at a path, as it is now: [`DatabaseHandle::snapshot`]
/// returns the open snapshot, reopening first if the file was replaced.
#[derive(Debug)]
pub struct DatabaseHandle {
    path: PathBuf,
    current: RwLock<(FileIdentity, Arc<Database>, u64)>,
}

impl DatabaseHandle {
    /// Opens the database at `path` (which must exist and be of this version).
    pub fn open(path: &Path) -> Result<DatabaseHandle, DbError> {
        let identity = FileIdentity::of(path)?;
        let database = Database::open(path)?;
        Ok(DatabaseHandle { path: path.to_path_buf(), current: RwLock::new((identity, Arc::new(database), 1)) })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current snapshot. When the file was replaced since the held one
    /// was opened, the new file is opened and held instead; if it cannot be
    /// opened (another format version, damaged), the error is returned and
    /// the held snapshot stays, so the caller decides whether to go on with it
    /// ([`DatabaseHandle::held`]).
    pub fn snapshot(&self) -> Result<Arc<Database>, DbError> {
        let identity = FileIdentity::of(&self.path)?;
        {
            let current = self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            if current.0 == identity {
                return Ok(Arc::clone(&current.1));
            }
        }
        let mut current = self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Another thread may have reopened it meanwhile.
        if current.0 != identity {
            let database = Database::open(&self.path)?;
            *current = (identity, Arc::new(database), current.2.saturating_add(1));
        }
        Ok(Arc::clone(&current.1))
    }

    /// The snapshot held now, without looking at the file.
    pub fn held(&self) -> Arc<Database> {
        let current = self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(&current.1)
    }

    /// How many files this handle has opened: 1 at first, one more per
    /// replacement seen. A caller that remembers it can tell whether the
    /// data moved on since.
    pub fn generation(&self) -> u64 {
        let current = self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        current.2
    }
}
