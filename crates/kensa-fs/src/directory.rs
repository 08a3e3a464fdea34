use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use crate::{FileEntry, FileSystem, FsError, validate_relative_path};

/// Directory names never descended into: version-control metadata holds no
/// installed packages and can be very large.
const SKIPPED_DIRECTORIES: &[&str] = &[".git", ".hg", ".svn"];

/// A directory on the local disk, or a single file treated as a one-file tree.
///
/// Symbolic links are not followed: a link could point outside the root or form a
/// loop, and the files a project or root filesystem owns are reachable without them.
#[derive(Debug)]
pub struct DirectoryFileSystem {
    root: PathBuf,
    /// `root` with symlinks resolved, to check that opened files stay inside it.
    canonical_root: PathBuf,
    root_name: String,
    /// When the user scans one file, the tree is that file alone.
    single_file: Option<String>,
    /// Relative directories the walk entered (so they are real directories, not
    /// symlinks, all the way down from the root): a file whose parent is here
    /// needs no path resolution before it is opened. Resolving every path was
    /// most of the cost of reading a root filesystem.
    real_directories: RwLock<HashSet<String>>,
    /// Relative paths of the regular files the walk found: they open without
    /// any further check (each check is a `stat`, and a root filesystem scan
    /// opens hundreds of files).
    walked_files: RwLock<HashMap<String, FileEntry>>,
    /// Once cancelled, the walk enters no more directories.
    budget: crate::ScanBudget,
}

impl DirectoryFileSystem {
    /// A view of `path`: a directory, or a single file (then the tree has one entry,
    /// named by its file name).
    pub fn new(path: &Path) -> Result<DirectoryFileSystem, FsError> {
        let metadata = std::fs::metadata(path).map_err(|source| FsError::Io {
            operation: "open",
            path: path.display().to_string(),
            source,
        })?;
        let root_name = path.display().to_string();
        if metadata.is_file() {
            let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
            let root = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let canonical_root = canonicalize(&root)?;
            return Ok(DirectoryFileSystem {
                root,
                canonical_root,
                root_name,
                single_file: Some(file_name),
                real_directories: RwLock::default(),
                walked_files: RwLock::default(),
                budget: crate::ScanBudget::default(),
            });
        }
        let canonical_root = canonicalize(path)?;
        Ok(DirectoryFileSystem {
            root: path.to_path_buf(),
            canonical_root,
            root_name,
            single_file: None,
            real_directories: RwLock::default(),
            walked_files: RwLock::default(),
            budget: crate::ScanBudget::default(),
        })
    }

    /// The same view, whose walk stops entering directories once `budget` is
    /// cancelled (a scan of `/` that was cancelled ends at once).
    pub fn with_budget(mut self, budget: &crate::ScanBudget) -> DirectoryFileSystem {
        self.budget = budget.clone();
        self
    }

    fn full_path(&self, path: &str) -> Result<PathBuf, FsError> {
        validate_relative_path(path)?;
        if let Some(single_file) = &self.single_file
            && path != single_file
        {
            return Err(FsError::Io {
                operation: "open",
                path: self.display_path(path),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            });
        }
        let full_path = self.root.join(path);
        if self.walked_files.read().is_ok_and(|files| files.contains_key(path)) {
            return Ok(full_path);
        }
        // Fast path: the parent is a directory the walk entered without following
        // links, and the file itself is not a link.
        let parent_is_real =
            self.real_directories.read().is_ok_and(|directories| directories.contains(crate::parent(path)));
        if parent_is_real
            && std::fs::symlink_metadata(&full_path).is_ok_and(|metadata| !metadata.file_type().is_symlink())
        {
            return Ok(full_path);
        }
        // A symlinked directory anywhere on the way could lead outside the root:
        // resolve the real location and require it to be inside.
        let resolved = canonicalize(&full_path)?;
        if !resolved.starts_with(&self.canonical_root) {
            return Err(FsError::OutsideRoot { path: path.to_owned() });
        }
        Ok(resolved)
    }
}

fn canonicalize(path: &Path) -> Result<PathBuf, FsError> {
    std::fs::canonicalize(path).map_err(|source| FsError::Io {
        operation: "open",
        path: path.display().to_string(),
        source,
    })
}

#[cfg(unix)]
fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_metadata: &std::fs::Metadata) -> bool {
    false
}

impl FileSystem for DirectoryFileSystem {
    fn root_name(&self) -> &str {
        &self.root_name
    }

    fn walk(&self, visit: &mut dyn FnMut(&FileEntry), visit_error: &mut dyn FnMut(FsError)) {
        self.walk_filtered(&|_| true, visit, visit_error);
    }

    fn walk_filtered(
        &self,
        wanted: &dyn Fn(&str) -> bool,
        visit: &mut dyn FnMut(&FileEntry),
        visit_error: &mut dyn FnMut(FsError),
    ) {
        if let Some(single_file) = &self.single_file {
            if let Some(entry) = self.entry(single_file) {
                visit(&entry);
            }
            return;
        }
        // A hand-written walk over `std::fs::read_dir` rather than walkdir:
        // std reads each entry's metadata relative to its open directory
        // (`statx(dirfd, name)`), while walkdir stats the full path, which makes
        // the kernel resolve every component again for every file — most of the
        // cost of walking a root filesystem. Depth-first with an explicit stack
        // (no recursion limit to hit), entries sorted by name, links not followed.
        let mut directories: Vec<(PathBuf, String)> = vec![(self.root.clone(), String::new())];
        while let Some((directory, relative_directory)) = directories.pop() {
            if self.budget.is_cancelled() {
                return;
            }
            if let Ok(mut real_directories) = self.real_directories.write() {
                real_directories.insert(relative_directory.clone());
            }
            let reader = match std::fs::read_dir(&directory) {
                Ok(reader) => reader,
                Err(source) => {
                    visit_error(FsError::Io { operation: "walk", path: directory.display().to_string(), source });
                    continue;
                }
            };
            let mut entries: Vec<std::fs::DirEntry> = Vec::new();
            for entry in reader {
                match entry {
                    Ok(entry) => entries.push(entry),
                    Err(source) => {
                        visit_error(FsError::Io { operation: "walk", path: directory.display().to_string(), source })
                    }
                }
            }
            entries.sort_by_key(std::fs::DirEntry::file_name);
            let mut subdirectories = Vec::new();
            for entry in entries {
                let file_name = entry.file_name();
                let Some(name) = file_name.to_str() else {
                    // Non-UTF-8 names cannot name a lockfile or manifest we read.
                    continue;
                };
                let relative = crate::join(&relative_directory, name);
                let file_type = match entry.file_type() {
                    Ok(file_type) => file_type,
                    Err(source) => {
                        visit_error(FsError::Io {
                            operation: "stat",
                            path: entry.path().display().to_string(),
                            source,
                        });
                        continue;
                    }
                };
                if file_type.is_dir() {
                    if !SKIPPED_DIRECTORIES.contains(&name) {
                        subdirectories.push((entry.path(), relative));
                    }
                    continue;
                }
                if !file_type.is_file() || !wanted(&relative) {
                    continue;
                }
                match entry.metadata() {
                    Ok(metadata) => {
                        let file_entry =
                            FileEntry { path: relative, size: metadata.len(), executable: is_executable(&metadata) };
                        // Recorded before the visit: a visitor may hand the entry
                        // to another thread that opens it at once.
                        if let Ok(mut files) = self.walked_files.write() {
                            files.insert(file_entry.path.clone(), file_entry.clone());
                        }
                        visit(&file_entry);
                    }
                    Err(source) => {
                        visit_error(FsError::Io { operation: "stat", path: entry.path().display().to_string(), source })
                    }
                }
            }
            // Pushed in reverse so the stack pops them in name order.
            directories.extend(subdirectories.into_iter().rev());
        }
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, FsError> {
        let full_path = self.full_path(path)?;
        if self.walked_files.read().is_ok_and(|files| files.contains_key(path)) {
            let file = File::open(&full_path).map_err(|source| FsError::Io {
                operation: "open",
                path: full_path.display().to_string(),
                source,
            })?;
            return Ok(Box::new(file));
        }
        // Refuse symlinks: the walk never yields them, and a caller asking for a
        // sibling file by name must not be led outside the root.
        let metadata = std::fs::symlink_metadata(&full_path).map_err(|source| FsError::Io {
            operation: "open",
            path: full_path.display().to_string(),
            source,
        })?;
        if !metadata.is_file() {
            return Err(FsError::Io {
                operation: "open",
                path: full_path.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
            });
        }
        let file = File::open(&full_path).map_err(|source| FsError::Io {
            operation: "open",
            path: full_path.display().to_string(),
            source,
        })?;
        Ok(Box::new(file))
    }

    fn read_range(&self, path: &str, offset: u64, length: u64) -> Result<Vec<u8>, FsError> {
        use std::io::{Seek, SeekFrom};
        let full_path = self.full_path(path)?;
        let io_error = |source| FsError::Io { operation: "read", path: full_path.display().to_string(), source };
        if !self.walked_files.read().is_ok_and(|files| files.contains_key(path)) {
            let metadata = std::fs::symlink_metadata(&full_path).map_err(io_error)?;
            if !metadata.is_file() {
                return Err(io_error(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file")));
            }
        }
        let mut file = File::open(&full_path).map_err(io_error)?;
        file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
        let mut buffer = Vec::new();
        file.take(length).read_to_end(&mut buffer).map_err(io_error)?;
        Ok(buffer)
    }

    fn entry(&self, path: &str) -> Option<FileEntry> {
        if let Some(entry) = self.walked_files.read().ok().and_then(|files| files.get(path).cloned()) {
            return Some(entry);
        }
        let full_path = self.full_path(path).ok()?;
        let metadata = std::fs::symlink_metadata(full_path).ok()?;
        metadata.is_file().then(|| FileEntry {
            path: path.to_owned(),
            size: metadata.len(),
            executable: is_executable(&metadata),
        })
    }

    fn display_path(&self, path: &str) -> String {
        if self.single_file.is_some() {
            return self.root_name.clone();
        }
        self.root.join(path).display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk_paths(filesystem: &DirectoryFileSystem) -> Vec<String> {
        let mut paths = Vec::new();
        filesystem.walk(&mut |entry| paths.push(entry.path.clone()), &mut |_| {});
        paths
    }

    /// The walk is sorted, relative, skips `.git`, and does not follow symlinks
    /// (a link to `/etc` must not pull host files into a project scan).
    #[test]
    fn walk_is_sorted_relative_and_ignores_symlinks() {
        let directory = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(directory.path().join("b/.git")).unwrap();
        std::fs::write(directory.path().join("b/.git/config"), "x").unwrap();
        std::fs::write(directory.path().join("b/Cargo.lock"), "x").unwrap();
        std::fs::write(directory.path().join("a.txt"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc", directory.path().join("etc-link")).unwrap();
        let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
        assert_eq!(walk_paths(&filesystem), vec!["a.txt", "b/Cargo.lock"]);
        #[cfg(unix)]
        assert!(filesystem.open("etc-link/passwd").is_err());
        assert!(filesystem.open("../x").is_err());
    }

    /// A filtered walk skips files the filter rejects (they are not visited and
    /// their metadata is not read) and still opens the others.
    #[test]
    fn filtered_walk_visits_only_wanted_files() {
        let directory = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(directory.path().join("docs")).unwrap();
        std::fs::write(directory.path().join("docs/readme"), "x").unwrap();
        std::fs::write(directory.path().join("Cargo.lock"), "x").unwrap();
        let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
        let mut paths = Vec::new();
        filesystem.walk_filtered(
            &|path| !path.starts_with("docs/"),
            &mut |entry| paths.push(entry.path.clone()),
            &mut |_| {},
        );
        assert_eq!(paths, vec!["Cargo.lock"]);
        assert_eq!(filesystem.read("docs/readme", 10).unwrap(), b"x");
    }

    /// A read past the caller's limit is refused with the path in the message.
    #[test]
    fn read_limit_is_enforced() {
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(directory.path().join("big"), vec![b'x'; 100]).unwrap();
        let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
        assert_eq!(filesystem.read("big", 100).unwrap().len(), 100);
        let error = filesystem.read("big", 99).unwrap_err().to_string();
        assert!(error.contains("big") && error.contains("limit"), "{error}");
    }

    /// Scanning a single file gives a one-file tree.
    #[test]
    fn single_file_root() {
        let directory = tempfile::tempdir().unwrap();
        let lockfile = directory.path().join("Cargo.lock");
        std::fs::write(&lockfile, "x").unwrap();
        std::fs::write(directory.path().join("other"), "x").unwrap();
        let filesystem = DirectoryFileSystem::new(&lockfile).unwrap();
        assert_eq!(walk_paths(&filesystem), vec!["Cargo.lock"]);
        assert!(filesystem.open("other").is_err());
    }
}
