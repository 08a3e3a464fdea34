//! Helpers shared by the kensa-catalog integration tests: where the shared data
//! lives, running one cataloger on a fixture or on bytes, the plain-text views of
//! a `Found` that the assertions and snapshots compare, which catalogers claim a
//! path, and the fixture binaries built by `.ci/needs/catalog-binaries.sh`.
//!
//! It deliberately takes no snapshots and makes no assertions about catalogers:
//! insta names snapshots after the calling test file, and each test states what
//! it proves, so both stay in the test files.
//!
//! Every file under `tests/` is its own crate that compiles this module with
//! `mod common;` and uses only some of it, hence the `#[allow(dead_code)]` on
//! the helpers that not every test file calls.

// Helpers fail loudly on a broken fixture, like the tests that call them;
// clippy.toml allows this only inside #[test] functions themselves.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kensa_catalog::{CatalogError, Cataloger, FileInput, Found, all_catalogers};
use kensa_fs::{DirectoryFileSystem, FileEntry};

/// The shared lockfile fixtures, read in place.
#[allow(dead_code)] // Not every test file reads lockfiles.
pub(crate) const LOCKFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/targets/lockfiles");

/// All shared scan targets (lockfiles, serverless bundles, ...), read in place.
#[allow(dead_code)] // Only the tests that walk or scan whole target trees use it.
pub(crate) const TARGETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/targets");

/// The registered cataloger with this name, as the driver would use it; a
/// misspelled name fails the test rather than testing nothing.
#[allow(dead_code)] // The end-to-end tests go through the driver instead.
pub(crate) fn cataloger_named(cataloger_name: &str) -> Box<dyn Cataloger> {
    all_catalogers()
        .into_iter()
        .find(|cataloger| cataloger.name() == cataloger_name)
        .unwrap_or_else(|| panic!("no cataloger is named {cataloger_name}"))
}

/// Runs the named cataloger on `contents` as the file `path` of `filesystem`.
/// `is_interested` is bypassed: fixtures often have non-standard names, and
/// interest is tested separately.
#[allow(dead_code)] // Used directly only by tests that build their own filesystem.
pub(crate) fn catalog_with(
    cataloger_name: &str,
    filesystem: &DirectoryFileSystem,
    path: &str,
    contents: &[u8],
) -> Result<Found, CatalogError> {
    cataloger_named(cataloger_name).catalog(&FileInput { path, contents, filesystem, distro: None })
}

/// Runs the named cataloger on `contents` as the file `path` (relative to
/// `root`) of a filesystem rooted at `root`.
#[allow(dead_code)] // Only the per-ecosystem lockfile tests pass bytes with a root.
pub(crate) fn catalog_bytes(
    cataloger_name: &str,
    root: &Path,
    path: &str,
    contents: &[u8],
) -> Result<Found, CatalogError> {
    let filesystem = DirectoryFileSystem::new(root).unwrap();
    catalog_with(cataloger_name, &filesystem, path, contents)
}

/// Runs the named cataloger on a fixture under [`LOCKFILES`], with the whole
/// lockfiles tree as the filesystem, so packages and diagnostics are located at
/// the fixture's path relative to that tree.
#[allow(dead_code)] // Only the per-ecosystem lockfile tests use it.
pub(crate) fn catalog_fixture(cataloger_name: &str, relative_path: &str) -> Result<Found, CatalogError> {
    let root = Path::new(LOCKFILES);
    let contents = std::fs::read(root.join(relative_path)).unwrap();
    catalog_bytes(cataloger_name, root, relative_path, &contents)
}

/// Runs the named cataloger on the fixture `root/relative_path` the way a scan
/// of the fixture's own directory would: that directory is the filesystem and
/// the bare file name is the path, so siblings (`go.sum`, `-r` includes) are
/// found and packages and diagnostics are located at the file name.
#[allow(dead_code)] // Only tests whose catalogers read sibling files, or that check bare-name locations, use it.
pub(crate) fn catalog_fixture_in_its_directory(
    cataloger_name: &str,
    root: &str,
    relative_path: &str,
) -> Result<Found, CatalogError> {
    let full_path = Path::new(root).join(relative_path);
    let contents = std::fs::read(&full_path).unwrap();
    let filesystem = DirectoryFileSystem::new(full_path.parent().unwrap()).unwrap();
    let file_name = full_path.file_name().unwrap().to_str().unwrap();
    catalog_with(cataloger_name, &filesystem, file_name, &contents)
}

/// Runs a cataloger that reads only the bytes it is given (archives,
/// executables); the filesystem is the crate's own directory, which such
/// catalogers never open.
#[allow(dead_code)] // Only the archive and binary tests use it.
pub(crate) fn catalog_file_alone(cataloger_name: &str, path: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    catalog_bytes(cataloger_name, Path::new(env!("CARGO_MANIFEST_DIR")), path, contents)
}

/// [`catalog_file_alone`] with the error turned into its message, which the
/// binary tests check names the file.
#[allow(dead_code)] // Only the binary tests use it.
pub(crate) fn catalog_binary(cataloger_name: &str, path: &str, contents: &[u8]) -> Result<Found, String> {
    catalog_file_alone(cataloger_name, path, contents).map_err(|error| error.to_string())
}

/// `name@version` of every package, sorted, one a line: the form of the
/// reviewed snapshots of exact package sets.
#[allow(dead_code)] // Only the snapshot-based lockfile tests use it.
pub(crate) fn listing(found: &Found) -> String {
    let mut lines: Vec<String> =
        found.packages.iter().map(|package| format!("{}@{}", package.name, package.version)).collect();
    lines.sort();
    lines.join("\n")
}

/// `name@version` of every package, deduplicated (the inventory merges
/// duplicates), for comparison with [`set_of`].
#[allow(dead_code)] // Only the tests comparing against inline package sets use it.
pub(crate) fn package_set(found: &Found) -> BTreeSet<String> {
    found.packages.iter().map(|package| format!("{}@{}", package.name, package.version)).collect()
}

/// An expected set of `name@version` strings written inline in a test.
#[allow(dead_code)] // Only the tests comparing against inline package sets use it.
pub(crate) fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// The names of every registered cataloger that claims `path`, in registration
/// order. The entry is a small non-executable file, so the binary catalogers
/// (which need an executable of at least an ELF header's size) never claim it.
#[allow(dead_code)] // Only the file-name interest tests use it.
pub(crate) fn interested_catalogers(path: &str) -> Vec<&'static str> {
    let entry = FileEntry { path: path.to_owned(), size: 1, executable: false };
    all_catalogers()
        .iter()
        .filter(|cataloger| cataloger.is_interested(&entry))
        .map(|cataloger| cataloger.name())
        .collect()
}

/// [`interested_catalogers`] limited to one ecosystem's catalogers, named with
/// a common prefix such as `ruby-`, so that another ecosystem claiming the same
/// path does not change the test's answer.
#[allow(dead_code)] // Only the tests of ecosystems with several catalogers use it.
pub(crate) fn interested_catalogers_starting_with(prefix: &str, path: &str) -> Vec<&'static str> {
    interested_catalogers(path).into_iter().filter(|name| name.starts_with(prefix)).collect()
}

/// Appends to `found` every file under `directory`, recursively, for which
/// `wanted` is true.
#[allow(dead_code)] // Only the "every file of this kind in the shared data" tests use it.
pub(crate) fn find_files(directory: &Path, wanted: &dyn Fn(&Path) -> bool, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            find_files(&path, wanted, found);
        } else if wanted(&path) {
            found.push(path);
        }
    }
}

/// Where `.ci/needs/catalog-binaries.sh` puts the binaries it builds.
#[allow(dead_code)] // Only the binary tests use it.
pub(crate) fn fixtures_directory() -> PathBuf {
    PathBuf::from(std::env::var("KENSA_FIXTURES_DIR").unwrap_or_else(|_| "/tmp/kensa-fixtures".to_owned()))
}

/// Reports a missing fixture binary or tool: the test passes with a notice on a
/// developer machine, but fails when `KENSA_REQUIRE_FIXTURES=1` (set by CI), so
/// CI cannot pass by skipping.
#[allow(dead_code)] // Only the binary tests use it.
pub(crate) fn report_missing_fixture(what: &str) {
    assert!(
        std::env::var("KENSA_REQUIRE_FIXTURES").as_deref() != Ok("1"),
        "{what} is missing: run .ci/needs/catalog-binaries.sh"
    );
    eprintln!("skipping: {what} is missing (run .ci/needs/catalog-binaries.sh)");
}

/// The path of a built fixture binary under [`fixtures_directory`], or `None`
/// (after [`report_missing_fixture`]) when it was not built.
#[allow(dead_code)] // Only the binary tests use it.
pub(crate) fn fixture_binary(relative_path: &str) -> Option<PathBuf> {
    let path = fixtures_directory().join(relative_path);
    if path.is_file() {
        return Some(path);
    }
    report_missing_fixture(&path.display().to_string());
    None
}

/// An ELF magic and header start followed by 100,000 pseudo-random bytes from
/// `seed`: an input that looks like an executable but is not one, the same on
/// every run.
#[allow(dead_code)] // Only the binary tests use it.
pub(crate) fn elf_header_then_noise(seed: u32) -> Vec<u8> {
    let mut noise: Vec<u8> = b"\x7fELF\x02\x01\x01".to_vec();
    let mut state = seed;
    for _ in 0..100_000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        noise.push((state >> 16) as u8);
    }
    noise
}
