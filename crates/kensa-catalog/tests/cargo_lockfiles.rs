//! The `cargo-lock` cataloger on every real `Cargo.lock` in the shared data:
//! all of them parse, the big real ones yield exactly one package per
//! `[[package]]` table, small fixtures match reviewed snapshots, and the
//! deliberately broken ones are errors naming the file.

// Test helpers outside #[test] functions are not covered by clippy.toml's
// allow-*-in-tests settings; failing loudly is what a test helper should do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use kensa_catalog::{CatalogError, Cataloger, FileInput, Found, all_catalogers};
use kensa_fs::{DirectoryFileSystem, FileEntry};

const TARGETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/targets");

fn cargo_lock_cataloger() -> Box<dyn Cataloger> {
    all_catalogers().into_iter().find(|cataloger| cataloger.name() == "cargo-lock").unwrap()
}

/// Catalogs one file of the shared data, reading it through a filesystem rooted
/// at its directory, as a scan would.
fn catalog(relative_path: &str) -> Result<Found, CatalogError> {
    let full_path = Path::new(TARGETS).join(relative_path);
    let directory = full_path.parent().unwrap();
    let file_name = full_path.file_name().unwrap().to_str().unwrap();
    let filesystem = DirectoryFileSystem::new(directory).unwrap();
    let contents = std::fs::read(&full_path).unwrap();
    cargo_lock_cataloger().catalog(&FileInput { path: file_name, contents: &contents, filesystem: &filesystem })
}

fn find_files_named(directory: &Path, name: &str, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            find_files_named(&path, name, found);
        } else if path.file_name().is_some_and(|file_name| file_name == name) {
            found.push(path);
        }
    }
}

fn summary(found: &Found) -> Vec<String> {
    let mut lines: Vec<String> =
        found.packages.iter().map(|package| format!("{} {} {}", package.name, package.version, package.purl)).collect();
    lines.extend(found.diagnostics.iter().map(|diagnostic| format!("diagnostic: {}", diagnostic.message)));
    lines
}

/// Every file named `Cargo.lock` in the shared targets parses without a single
/// diagnostic, and yields one package per `[[package]]` table (the lockfile's
/// own count is the oracle).
#[test]
fn every_cargo_lock_in_shared_data_parses() {
    let mut lockfiles = Vec::new();
    find_files_named(Path::new(TARGETS), "Cargo.lock", &mut lockfiles);
    assert!(lockfiles.len() >= 5, "expected the shared Cargo.lock files, found {lockfiles:?}");
    for lockfile in lockfiles {
        let relative = lockfile.strip_prefix(TARGETS).unwrap().to_str().unwrap().to_owned();
        let found = catalog(&relative).unwrap_or_else(|error| panic!("{relative}: {error}"));
        assert!(found.diagnostics.is_empty(), "{relative}: {:?}", found.diagnostics);
        let text = std::fs::read_to_string(&lockfile).unwrap();
        let tables = text.lines().filter(|line| line.trim() == "[[package]]").count();
        assert_eq!(found.packages.len(), tables, "{relative}");
    }
}

/// The big real-world lockfiles (all format v4) give the package counts of
/// their upstream repositories' lockfiles, including well-known crates at the
/// versions those lockfiles pin.
#[test]
fn real_project_lockfiles() {
    for (relative, expected_count, expected_package) in [
        ("lockfiles/real-projects/cargo/astral-sh-uv/Cargo.lock", 753, ("tokio", "pkg:cargo/tokio@")),
        ("lockfiles/real-projects/cargo/ripgrep/Cargo.lock", 63, ("regex", "pkg:cargo/regex@")),
        ("lockfiles/real-projects/cargo/rustsec/Cargo.lock", 421, ("cvss", "pkg:cargo/cvss@")),
    ] {
        let found = catalog(relative).unwrap();
        assert_eq!(found.packages.len(), expected_count, "{relative}");
        let (name, purl_prefix) = expected_package;
        let package = found.packages.iter().find(|package| package.name == name).unwrap();
        assert!(package.purl.starts_with(purl_prefix), "{}", package.purl);
        assert!(found.packages.iter().all(|package| package.locations == ["Cargo.lock"]));
    }
}

/// Exact package sets of small fixtures in each format version: v1 with
/// `[metadata]` (trivy's normal and blank-line/comment "mixed" files, the
/// trivy-ci-test project), v3, v4, git sources, build metadata and duplicates.
#[test]
fn small_lockfiles_snapshots() {
    for (snapshot_name, relative) in [
        ("trivy_cargo_normal_v1", "lockfiles/trivy/rust-cargo/cargo_normal.lock"),
        ("trivy_cargo_mixed_v1", "lockfiles/trivy/rust-cargo/cargo_mixed.lock"),
        ("trivy_cargo_v3", "lockfiles/trivy/rust-cargo/cargo_v3.lock"),
        ("trivy_integration_cargo_v4", "lockfiles/trivy-integration-repos/cargo/Cargo.lock"),
        ("trivy_ci_test_v1", "lockfiles/trivy-integration-repos/trivy-ci-test/Cargo.lock"),
        ("scalibr_duplicate", "lockfiles/osv-scalibr/rust-cargolock/duplicate.lock"),
        ("scalibr_build_string", "lockfiles/osv-scalibr/rust-cargolock/package-with-build-string.lock"),
        ("scalibr_comments_git_source", "lockfiles/osv-scalibr/rust-cargolock/package-with-comments.lock"),
        ("scalibr_with_local", "lockfiles/osv-scalibr/rust-cargolock/two-packages-with-local.lock"),
    ] {
        let found = catalog(relative).unwrap_or_else(|error| panic!("{relative}: {error}"));
        insta::assert_snapshot!(snapshot_name, summary(&found).join("\n"));
    }
}

/// A lockfile with only a `version` key has no packages and is not an error.
#[test]
fn empty_lockfile_has_no_packages() {
    let found = catalog("lockfiles/osv-scalibr/rust-cargolock/empty.lock").unwrap();
    assert_eq!(found, Found::default());
}

/// trivy's `cargo_invalid.lock` (a `version =` with no value) and scalibr's
/// plain-text file are errors whose message names the file and says what the
/// parser expected, with a line number for the TOML error.
#[test]
fn malformed_lockfiles_are_errors_naming_the_file() {
    let error = catalog("lockfiles/trivy/rust-cargo/cargo_invalid.lock").unwrap_err().to_string();
    assert!(error.contains("cargo_invalid.lock") && error.contains("Cargo.lock"), "{error}");
    assert!(error.contains("line 10"), "{error}");
    let error = catalog("lockfiles/osv-scalibr/rust-cargolock/not-toml.txt").unwrap_err().to_string();
    assert!(error.contains("not-toml.txt"), "{error}");
}

/// Only files named exactly `Cargo.lock` are claimed.
#[test]
fn interest_is_by_file_name() {
    let cataloger = cargo_lock_cataloger();
    let entry = |path: &str| FileEntry { path: path.to_owned(), size: 10, executable: false };
    assert!(cataloger.is_interested(&entry("Cargo.lock")));
    assert!(cataloger.is_interested(&entry("a/b/Cargo.lock")));
    assert!(!cataloger.is_interested(&entry("a/Cargo.toml")));
    assert!(!cataloger.is_interested(&entry("a/cargo.lock.bak")));
}
