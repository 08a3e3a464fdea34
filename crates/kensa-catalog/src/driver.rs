use std::collections::HashMap;
use std::sync::{Mutex, mpsc};

use kensa_fs::{FileEntry, FileSystem};
use kensa_model::{Diagnostic, Distro, Inventory, Package, Resource};

use crate::os::release::detect_distro;
use crate::{Cataloger, FileInput, FileProbe, Found};

/// Options for one cataloging run.
#[derive(Debug, Clone, Default)]
pub struct CatalogOptions {
    /// The worker threads it may run, and its cancellation: once cancelled,
    /// no more files are examined or read (a `DirectoryFileSystem` given the
    /// same budget also stops walking), and the caller, seeing
    /// [`kensa_fs::ScanBudget::is_cancelled`], discards the result.
    pub budget: kensa_fs::ScanBudget,
}

/// Detects the distribution, walks a filesystem, gives each file to every
/// cataloger interested in it, and collects an [`Inventory`]. Unreadable or
/// malformed files become diagnostics. Language packages whose files an
/// operating-system package owns are marked as installed by it.
pub fn catalog_filesystem(
    filesystem: &dyn FileSystem,
    catalogers: &[Box<dyn Cataloger>],
    resource: Resource,
    options: &CatalogOptions,
) -> Inventory {
    let mut inventory = Inventory::new(resource);
    let detection = detect_distro(filesystem);
    inventory.diagnostics.extend(detection.diagnostics);
    inventory.distro = detection.distro;
    let distro = inventory.distro.clone();
    let mut file_owners: HashMap<String, String> = HashMap::new();
    let (results, walk_errors) = walk_and_catalog(filesystem, catalogers, distro.as_ref(), &options.budget);
    inventory.diagnostics.extend(walk_errors);
    for result in results {
        match result {
            Ok(found) => {
                inventory.packages.extend(found.packages);
                inventory.unresolved.extend(found.unresolved);
                inventory.diagnostics.extend(found.diagnostics);
                for (path, owner) in found.file_owners {
                    // A directory belongs to many packages; the first is as good as any.
                    file_owners.entry(path).or_insert(owner);
                }
            }
            Err(diagnostic) => inventory.diagnostics.push(diagnostic),
        }
    }
    attribute_to_operating_system_packages(&mut inventory.packages, &file_owners);
    inventory.normalize();
    inventory
}

/// Whether any cataloger could want the file at `path`, whatever its size and
/// mode: asked with the most permissive metadata, a path-based cataloger
/// answers exactly, and the executable-based ones still see every file
/// outside documentation trees. The driver skips other files without a
/// `stat`; an image source uses it to decide which files to keep in memory.
/// Distribution-detection files are always wanted, since the driver reads
/// them before any cataloger runs.
pub fn wanted_path(catalogers: &[Box<dyn Cataloger>], path: &str) -> bool {
    wanted_file(catalogers, &FileEntry { path: path.to_owned(), size: u64::MAX, executable: true })
}

/// Whether any cataloger wants this file (or distribution detection needs it),
/// for sources that know a file's size and mode before reading it (a tar header).
pub fn wanted_file(catalogers: &[Box<dyn Cataloger>], entry: &FileEntry) -> bool {
    crate::os::release::is_release_file(&entry.path)
        || catalogers.iter().any(|cataloger| cataloger.is_interested(entry))
}

/// Whether a file [`wanted_file`] accepted is worth keeping now that its
/// contents are known, for sources that read a file before they can tell
/// (an image layer streams by once): asks each interested cataloger's
/// [`Cataloger::sniff`] over the bytes, so the hundreds of shared libraries
/// and executables of an image that are neither Go programs nor
/// cargo-auditable builds are dropped as they stream by instead of held until
/// cataloging. Gives the answer the driver's own sniff would give on disk.
pub fn wanted_contents(catalogers: &[Box<dyn Cataloger>], entry: &FileEntry, contents: &[u8]) -> bool {
    if crate::os::release::is_release_file(&entry.path) {
        return true;
    }
    let single = SingleFile { entry, contents };
    let mut probe = FileProbe::new(&single, entry);
    catalogers.iter().any(|cataloger| cataloger.is_interested(entry) && cataloger.sniff(&mut probe))
}

/// The packages in one file's contents, as cataloging would find them were
/// the file at `entry.path` (errors are dropped): for reading an earlier
/// version of a package database that an image layer later rewrote.
pub fn catalog_contents(
    catalogers: &[Box<dyn Cataloger>],
    distro: Option<&Distro>,
    entry: &FileEntry,
    contents: &[u8],
) -> Vec<Package> {
    let single = SingleFile { entry, contents };
    let interested: Vec<&dyn Cataloger> =
        catalogers.iter().map(AsRef::as_ref).filter(|cataloger| cataloger.is_interested(entry)).collect();
    let mut buffer = Vec::new();
    catalog_one_file(&single, distro, entry, &interested, &mut buffer)
        .into_iter()
        .flatten()
        .flat_map(|found| found.packages)
        .collect()
}

/// One file's bytes seen as a filesystem, for [`wanted_contents`]'s probe.
struct SingleFile<'a> {
    entry: &'a FileEntry,
    contents: &'a [u8],
}

impl SingleFile<'_> {
    fn check(&self, path: &str) -> Result<(), kensa_fs::FsError> {
        if path == self.entry.path {
            Ok(())
        } else {
            Err(kensa_fs::FsError::Io {
                operation: "open",
                path: path.to_owned(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            })
        }
    }
}

impl FileSystem for SingleFile<'_> {
    fn root_name(&self) -> &str {
        &self.entry.path
    }

    fn walk(&self, visit: &mut dyn FnMut(&FileEntry), _visit_error: &mut dyn FnMut(kensa_fs::FsError)) {
        visit(self.entry);
    }

    fn open(&self, path: &str) -> Result<Box<dyn std::io::Read + Send + '_>, kensa_fs::FsError> {
        self.check(path)?;
        Ok(Box::new(self.contents))
    }

    fn entry(&self, path: &str) -> Option<FileEntry> {
        (path == self.entry.path).then(|| self.entry.clone())
    }

    fn read_range(&self, path: &str, offset: u64, length: u64) -> Result<Vec<u8>, kensa_fs::FsError> {
        self.check(path)?;
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.contents.len());
        let end = usize::try_from(offset.saturating_add(length)).unwrap_or(usize::MAX).min(self.contents.len());
        Ok(self.contents.get(start..end).unwrap_or_default().to_vec())
    }
}

/// A file some cataloger wants, numbered in walk order.
type WantedFile<'a> = (usize, FileEntry, Vec<&'a dyn Cataloger>);

/// Walks the tree and, at the same time, reads every wanted file once and gives
/// it to its catalogers on worker threads (as many as there are cores, at most
/// four): the walk is bound by `stat` calls, the workers by reading and
/// parsing, so the two overlap. Results come back in walk order whatever the
/// threads' timing, so the inventory is deterministic.
fn walk_and_catalog(
    filesystem: &dyn FileSystem,
    catalogers: &[Box<dyn Cataloger>],
    distro: Option<&Distro>,
    budget: &kensa_fs::ScanBudget,
) -> (Vec<Result<Found, Diagnostic>>, Vec<Diagnostic>) {
    let threads = budget.threads();
    let (sender, receiver) = mpsc::channel::<WantedFile<'_>>();
    let receiver = Mutex::new(receiver);
    let work = || {
        // One buffer per thread, reused for every file: large binaries would
        // otherwise cost a fresh allocation (and its page faults) each time.
        let mut buffer = Vec::new();
        let mut results = Vec::new();
        loop {
            let next = receiver.lock().ok().and_then(|receiver| receiver.recv().ok());
            let Some((index, entry, interested)) = next else { break };
            if budget.is_cancelled() {
                continue;
            }
            results.extend(
                catalog_one_file(filesystem, distro, &entry, &interested, &mut buffer)
                    .into_iter()
                    .map(|result| (index, result)),
            );
        }
        results
    };
    let mut walk_errors = Vec::new();
    let mut results: Vec<(usize, Result<Found, Diagnostic>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        let mut index = 0;
        // Once cancelled, no file is wanted any more.
        let wanted = |path: &str| !budget.is_cancelled() && wanted_path(catalogers, path);
        filesystem.walk_filtered(
            &wanted,
            &mut |entry| {
                let interested: Vec<&dyn Cataloger> =
                    catalogers.iter().map(AsRef::as_ref).filter(|cataloger| cataloger.is_interested(entry)).collect();
                if !interested.is_empty() {
                    // A send fails only when every worker has gone, which they
                    // do not before the sender is dropped.
                    let _ = sender.send((index, entry.clone(), interested));
                    index += 1;
                }
            },
            &mut |error| walk_errors.push(Diagnostic { path: error.path().to_owned(), message: error.to_string() }),
        );
        drop(sender);
        workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
    });
    // Stable: several catalogers of one file keep their registry order.
    results.sort_by_key(|(index, _)| *index);
    (results.into_iter().map(|(_, result)| result).collect(), walk_errors)
}

/// Sniffs, reads and catalogs one file.
fn catalog_one_file(
    filesystem: &dyn FileSystem,
    distro: Option<&Distro>,
    entry: &FileEntry,
    interested: &[&dyn Cataloger],
    buffer: &mut Vec<u8>,
) -> Vec<Result<Found, Diagnostic>> {
    let mut probe = FileProbe::new(filesystem, entry);
    let interested: Vec<&dyn Cataloger> =
        interested.iter().copied().filter(|cataloger| cataloger.sniff(&mut probe)).collect();
    if interested.is_empty() {
        return Vec::new();
    }
    let limit = interested.iter().map(|cataloger| cataloger.size_limit()).max().unwrap_or(0);
    if let Err(error) = filesystem.read_into(&entry.path, limit, buffer) {
        return vec![Err(Diagnostic { path: entry.path.clone(), message: error.to_string() })];
    }
    let input = FileInput { path: &entry.path, contents: buffer, filesystem, distro };
    interested
        .iter()
        .map(|cataloger| {
            cataloger
                .catalog(&input)
                .map_err(|error| Diagnostic { path: entry.path.clone(), message: error.to_string() })
        })
        .collect()
}

/// Sets [`Package::installed_by`] on language packages located at a file an
/// operating-system package owns: `python3-requests` owns the
/// `requests-2.28.1.egg-info` metadata, `libguava-java` the jar.
fn attribute_to_operating_system_packages(packages: &mut [Package], file_owners: &HashMap<String, String>) {
    if file_owners.is_empty() {
        return;
    }
    for package in packages.iter_mut().filter(|package| !package.ecosystem.is_operating_system()) {
        let owner = package.locations.iter().find_map(|location| owner_of_location(location, file_owners));
        if let Some(owner) = owner {
            package.installed_by = Some(owner.clone());
        }
    }
}

/// The owner of a package's location, or of the metadata directory it sits in
/// (`*.dist-info/METADATA` when dpkg lists only the directory's files under
/// another name). Ordinary parent directories are not consulted: dpkg lists
/// `usr/lib/python3/dist-packages` under dozens of packages.
fn owner_of_location<'a>(location: &str, file_owners: &'a HashMap<String, String>) -> Option<&'a String> {
    if let Some(owner) = file_owners.get(location) {
        return Some(owner);
    }
    // On a merged-/usr tree the walk finds `usr/bin/x` while dpkg (before
    // Debian 13) still lists the `/bin/x` it unpacked through the symlink.
    if let Some(unmerged) = location.strip_prefix("usr/")
        && ["bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"].iter().any(|top| unmerged.starts_with(top))
        && let Some(owner) = file_owners.get(unmerged)
    {
        return Some(owner);
    }
    let parent = kensa_fs::parent(location);
    let is_metadata_directory = parent.ends_with(".dist-info") || parent.ends_with(".egg-info");
    if is_metadata_directory { file_owners.get(parent) } else { None }
}
