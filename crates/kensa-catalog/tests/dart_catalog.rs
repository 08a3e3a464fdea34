//! Dart cataloger over the real pubspec.lock fixtures in shared/data.

// Test helpers outside #[test] functions may fail loudly too (clippy.toml
// allows this only inside the tests themselves).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use kensa_catalog::{CatalogError, FileInput, Found, all_catalogers};
use kensa_fs::{DirectoryFileSystem, FileEntry};

const LOCKFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/targets/lockfiles");

/// Runs the named cataloger on a fixture, as the driver would.
fn catalog_fixture(cataloger_name: &str, relative: &str) -> Result<Found, CatalogError> {
    let root = Path::new(LOCKFILES);
    let contents = std::fs::read(root.join(relative)).unwrap();
    catalog_bytes(cataloger_name, root, relative, &contents)
}

fn catalog_bytes(cataloger_name: &str, root: &Path, relative: &str, contents: &[u8]) -> Result<Found, CatalogError> {
    let filesystem = DirectoryFileSystem::new(root).unwrap();
    let cataloger = all_catalogers().into_iter().find(|cataloger| cataloger.name() == cataloger_name).unwrap();
    cataloger.catalog(&FileInput { path: relative, contents, filesystem: &filesystem })
}

fn listing(found: &Found) -> String {
    let mut lines: Vec<String> =
        found.packages.iter().map(|package| format!("{}@{}", package.name, package.version)).collect();
    lines.sort();
    lines.join("\n")
}

/// Exact sets: hosted, git and path packages kept, SDK packages skipped.
#[test]
fn pubspec_lock_exact_package_sets() {
    for (snapshot, fixture) in [
        ("pubspec_trivy_happy", "trivy/dart-pub/happy.lock"),
        ("pubspec_mixed", "osv-scalibr/dart-pubspec/mixed-packages.lock"),
        ("pubspec_git", "osv-scalibr/dart-pubspec/source-git.lock"),
        ("pubspec_path", "osv-scalibr/dart-pubspec/source-path.lock"),
        ("pubspec_two", "osv-scalibr/dart-pubspec/two-packages.lock"),
        ("pubspec_dev", "osv-scalibr/dart-pubspec/one-package-dev.lock"),
        ("pubspec_integration", "trivy-integration-repos/pubspec/pubspec.lock"),
    ] {
        let found = catalog_fixture("dart-pubspec-lock", fixture).unwrap();
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        assert!(found.packages.iter().all(|package| package.purl.starts_with("pkg:pub/")));
        insta::assert_snapshot!(snapshot, listing(&found));
    }
}

/// Lockfiles with nothing but SDK packages, no packages, or no content are empty.
#[test]
fn pubspec_lock_empty() {
    for fixture in [
        "osv-scalibr/dart-pubspec/source-sdk.lock",
        "osv-scalibr/dart-pubspec/no-packages.lock",
        "osv-scalibr/dart-pubspec/empty.lock",
        "trivy/dart-pub/empty.lock",
    ] {
        assert_eq!(catalog_fixture("dart-pubspec-lock", fixture).unwrap(), Found::default(), "{fixture}");
    }
}

/// Text that is not a pubspec.lock mapping is an error naming the file.
#[test]
fn pubspec_lock_malformed() {
    for fixture in ["trivy/dart-pub/broken.lock", "osv-scalibr/dart-pubspec/not-yaml.txt"] {
        let error = catalog_fixture("dart-pubspec-lock", fixture).unwrap_err();
        assert!(error.to_string().contains(fixture), "{error}");
    }
}

/// A package without a version is a diagnostic, not a package with an empty version.
#[test]
fn pubspec_lock_package_without_version() {
    let lock = b"packages:\n  a:\n    source: hosted\n  b:\n    source: hosted\n    version: \"1.2.3\"\n";
    let found = catalog_bytes("dart-pubspec-lock", Path::new(LOCKFILES), "pubspec.lock", lock).unwrap();
    assert_eq!(listing(&found), "b@1.2.3");
    assert_eq!(found.diagnostics.len(), 1);
}

/// Only pubspec.lock is claimed.
#[test]
fn dart_interest() {
    let catalogers = all_catalogers();
    let claimed = |path: &str| {
        let entry = FileEntry { path: path.to_owned(), size: 1, executable: false };
        catalogers.iter().any(|cataloger| cataloger.name() == "dart-pubspec-lock" && cataloger.is_interested(&entry))
    };
    assert!(claimed("app/pubspec.lock"));
    assert!(!claimed("app/pubspec.yaml"));
}
