//! Dart cataloger over the real pubspec.lock fixtures in shared/data.

use std::path::Path;

use crate::common::{LOCKFILES, catalog_bytes, catalog_fixture, interested_catalogers, listing};
use kensa_catalog::Found;

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
    let claimed = |path: &str| interested_catalogers(path).contains(&"dart-pubspec-lock");
    assert!(claimed("app/pubspec.lock"));
    assert!(!claimed("app/pubspec.yaml"));
}
