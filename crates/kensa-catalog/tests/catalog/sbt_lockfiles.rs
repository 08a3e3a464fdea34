//! The sbt `build.sbt.lock` cataloger against the real fixtures in shared/data
//! (read in place) and hand-made broken files.

// Test helpers unwrap freely: a failure there is a broken fixture, and should fail loudly.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common;

use crate::common::{LOCKFILES, package_set, set_of};
use kensa_catalog::{CatalogError, FileInput, Found};
use kensa_fs::{DirectoryFileSystem, FileEntry};
use kensa_model::Ecosystem;

fn sbt_cataloger() -> Box<dyn kensa_catalog::Cataloger> {
    common::cataloger_named("sbt-dependency-lock")
}

/// Runs the cataloger on one fixture (fixtures have non-standard names, so
/// `is_interested` is bypassed here and tested separately).
fn catalog_fixture(relative_path: &str) -> Result<Found, CatalogError> {
    common::catalog_fixture_in_its_directory("sbt-dependency-lock", LOCKFILES, relative_path)
}

fn catalog_text(path: &str, text: &str) -> Result<Found, CatalogError> {
    let directory = tempfile::tempdir().unwrap();
    let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
    sbt_cataloger().catalog(&FileInput { path, contents: text.as_bytes(), filesystem: &filesystem, distro: None })
}

/// Exact package sets: `org:name` is the Maven name, Scala suffixes are kept,
/// and test-only dependencies are reported.
#[test]
fn sbt_lockfile_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        (
            "trivy/sbt-lockfile/v1_happy.sbt.lock",
            &[
                "org.apache.commons:commons-lang3@3.9",
                "org.scala-lang:scala-library@2.12.10",
                "org.typelevel:cats-core_2.12@2.9.0",
                "org.scalatest:scalatest-core_2.13@3.2.15",
            ],
        ),
        ("trivy-integration-repos/sbt/build.sbt.lock", &["com.fasterxml.jackson.core:jackson-databind@2.9.1"]),
        // An empty `dependencies` array is a valid lockfile with nothing locked.
        ("trivy/sbt-lockfile/empty.sbt.lock", &[]),
    ];
    for (fixture, expected) in cases {
        let found = catalog_fixture(fixture).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        assert!(found.packages.iter().all(|package| package.ecosystem == Ecosystem::Maven));
    }
    let found = catalog_fixture("trivy/sbt-lockfile/v1_happy.sbt.lock").unwrap();
    let cats = found.packages.iter().find(|package| package.name == "org.typelevel:cats-core_2.12").unwrap();
    assert_eq!(cats.purl, "pkg:maven/org.typelevel/cats-core_2.12@2.9.0");
}

/// Only the plugin's file name is claimed.
#[test]
fn sbt_file_names() {
    let entry = |path: &str| FileEntry { path: path.to_owned(), size: 1, executable: false };
    assert!(sbt_cataloger().is_interested(&entry("service/build.sbt.lock")));
    assert!(!sbt_cataloger().is_interested(&entry("build.sbt")));
    assert!(!sbt_cataloger().is_interested(&entry("v1_happy.sbt.lock")));
}

/// Broken files are errors naming the file: not JSON, truncated JSON, a
/// non-object document and a `dependencies` that is not an array.
#[test]
fn malformed_lockfiles_are_errors_naming_the_file() {
    for text in ["not json", "{\"lockVersion\": 1, \"dependencies\": [", "[]", "{\"dependencies\": {}}"] {
        let error = catalog_text("broken/build.sbt.lock", text).unwrap_err();
        assert!(matches!(error, CatalogError::Parse { .. }), "{text}: {error}");
        assert!(error.to_string().contains("broken/build.sbt.lock"), "{text}: {error}");
    }
}
