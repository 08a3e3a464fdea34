//! The one way Kensa replaces a file: write a new one beside it, make it
//! durable, rename it over the old one, make the rename durable. Readers
//! never see half a file, a reader holding the old file keeps reading it,
//! and a writer killed at any point leaves the old file (plus a leftover the
//! next writer removes). The database, its export bundles, the mirror and
//! the layer cache all write through it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How much a replacement must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// A power loss after the call returns keeps the new file (fsync of the
    /// file and its directory): what was acknowledged survives.
    Synced,
    /// A crash may lose the new file but never leaves a torn one (caches,
    /// whose entries are checked when read).
    Unsynced,
}

/// A new version of `target` being written beside it, under a name
/// `<name>.<marker>-<pid>-<n>` no other writer uses. Dropped without
/// [`ReplacementFile::commit`], it is removed.
#[derive(Debug)]
pub struct ReplacementFile {
    target: PathBuf,
    temporary: PathBuf,
    file: Option<std::fs::File>,
    durability: Durability,
}

impl ReplacementFile {
    /// Creates the file beside `target` (its directory must exist). `marker`
    /// names what is being written (`building`, `partial`) so
    /// [`remove_leftovers`] finds what a killed writer left.
    pub fn create(target: &Path, marker: &str, durability: Durability) -> std::io::Result<ReplacementFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{marker}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
        let temporary = target.with_file_name(name);
        let create = || std::fs::OpenOptions::new().write(true).create_new(true).open(&temporary);
        let file = match create() {
            // Only a dead process with this process's id can have left a file
            // of this name (the counter keeps this process's own apart).
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::remove_file(&temporary)?;
                create()?
            }
            other => other?,
        };
        Ok(ReplacementFile { target: target.to_path_buf(), temporary, file: Some(file), durability })
    }

    /// The new file's path, for writers that open files by name (a database engine).
    pub fn path(&self) -> &Path {
        &self.temporary
    }

    /// The new file, open for writing.
    pub fn file(&mut self) -> std::io::Result<&mut std::fs::File> {
        self.file.as_mut().ok_or_else(|| std::io::Error::other("the replacement file is already closed"))
    }

    /// Closes the file handle (a writer that reopens it by path needs that
    /// on some platforms); the file stays, to be committed.
    pub fn close(&mut self) {
        self.file = None;
    }

    /// Makes the new file durable (as asked), renames it over the target and
    /// makes the rename durable.
    pub fn commit(mut self) -> std::io::Result<()> {
        if self.durability == Durability::Synced {
            let file = match self.file.take() {
                Some(file) => file,
                None => std::fs::File::open(&self.temporary)?,
            };
            file.sync_all()?;
        }
        self.file = None;
        std::fs::rename(&self.temporary, &self.target)?;
        // Renamed: nothing for Drop to remove.
        self.temporary = PathBuf::new();
        if self.durability == Durability::Synced
            && let Some(parent) = self.target.parent().filter(|parent| !parent.as_os_str().is_empty())
        {
            // Directories cannot be synced on every platform; the rename stands either way.
            let _ = std::fs::File::open(parent).and_then(|directory| directory.sync_all());
        }
        Ok(())
    }
}

impl Drop for ReplacementFile {
    fn drop(&mut self) {
        if !self.temporary.as_os_str().is_empty() {
            self.file = None;
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Replaces `target` with `bytes`.
pub fn replace_file(target: &Path, bytes: &[u8], marker: &str, durability: Durability) -> std::io::Result<()> {
    let mut replacement = ReplacementFile::create(target, marker, durability)?;
    replacement.file()?.write_all(bytes)?;
    replacement.commit()
}

/// Removes the `<name>.<marker>-*` files writers killed mid-way left beside
/// `target`. Call it holding whatever lock serialises the writers.
pub fn remove_leftovers(target: &Path, marker: &str) {
    let directory = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut prefix = target.file_name().unwrap_or_default().to_os_string();
    prefix.push(format!(".{marker}-"));
    let prefix = prefix.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir(directory) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_are_all_or_nothing() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("db.redb");
        std::fs::write(&target, b"old").unwrap();
        {
            let mut abandoned = ReplacementFile::create(&target, "building", Durability::Synced).unwrap();
            abandoned.file().unwrap().write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(directory.path()).unwrap().count(), 1, "an abandoned file is removed");
        replace_file(&target, b"new", "building", Durability::Synced).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(directory.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_dead_writers_file_of_the_same_name_is_replaced() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("entry");
        // What a killed process of this id would have left at the next counter value.
        for counter in 0..64 {
            let stale = directory.path().join(format!("entry.partial-{}-{counter}", std::process::id()));
            std::fs::write(stale, b"stale").unwrap();
        }
        replace_file(&target, b"fresh", "partial", Durability::Unsynced).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"fresh");
    }

    #[test]
    fn leftovers_of_killed_writers_are_removed() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("db.redb");
        let leftover = directory.path().join("db.redb.building-99999-0");
        std::fs::write(&leftover, b"x").unwrap();
        std::fs::write(directory.path().join("db.redb.lock"), b"").unwrap();
        remove_leftovers(&target, "building");
        assert!(!leftover.exists());
        assert!(directory.path().join("db.redb.lock").exists());
    }
}
