//! The `cargo-lock` cataloger on every real `Cargo.lock` in the shared data:
//! all of them parse, the big real ones yield exactly one package per
//! `[[package]]` table, small fixtures match reviewed snapshots, and the
//! deliberately broken ones are errors naming the file.

use std::path::Path;

use crate::common::{TARGETS, catalog_fixture_in_its_directory, cataloger_named, find_files};
use kensa_catalog::Found;
use kensa_fs::FileEntry;

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
    find_files(Path::new(TARGETS), &|path| path.file_name().is_some_and(|name| name == "Cargo.lock"), &mut lockfiles);
    assert!(lockfiles.len() >= 5, "expected the shared Cargo.lock files, found {lockfiles:?}");
    for lockfile in lockfiles {
        let relative = lockfile.strip_prefix(TARGETS).unwrap().to_str().unwrap().to_owned();
        let found = catalog_fixture_in_its_directory("cargo-lock", TARGETS, &relative)
            .unwrap_or_else(|error| panic!("{relative}: {error}"));
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
        let found = catalog_fixture_in_its_directory("cargo-lock", TARGETS, relative).unwrap();
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
        let found = catalog_fixture_in_its_directory("cargo-lock", TARGETS, relative)
            .unwrap_or_else(|error| panic!("{relative}: {error}"));
        insta::assert_snapshot!(snapshot_name, summary(&found).join("\n"));
    }
}

/// A lockfile with only a `version` key has no packages and is not an error.
#[test]
fn empty_lockfile_has_no_packages() {
    let found =
        catalog_fixture_in_its_directory("cargo-lock", TARGETS, "lockfiles/osv-scalibr/rust-cargolock/empty.lock")
            .unwrap();
    assert_eq!(found, Found::default());
}

/// trivy's `cargo_invalid.lock` (a `version =` with no value) and scalibr's
/// plain-text file are errors whose message names the file and says what the
/// parser expected, with a line number for the TOML error.
#[test]
fn malformed_lockfiles_are_errors_naming_the_file() {
    let error =
        catalog_fixture_in_its_directory("cargo-lock", TARGETS, "lockfiles/trivy/rust-cargo/cargo_invalid.lock")
            .unwrap_err()
            .to_string();
    assert!(error.contains("cargo_invalid.lock") && error.contains("Cargo.lock"), "{error}");
    assert!(error.contains("line 10"), "{error}");
    let error =
        catalog_fixture_in_its_directory("cargo-lock", TARGETS, "lockfiles/osv-scalibr/rust-cargolock/not-toml.txt")
            .unwrap_err()
            .to_string();
    assert!(error.contains("not-toml.txt"), "{error}");
}

/// Only files named exactly `Cargo.lock` are claimed.
#[test]
fn interest_is_by_file_name() {
    let cataloger = cataloger_named("cargo-lock");
    let entry = |path: &str| FileEntry { path: path.to_owned(), size: 10, executable: false };
    assert!(cataloger.is_interested(&entry("Cargo.lock")));
    assert!(cataloger.is_interested(&entry("a/b/Cargo.lock")));
    assert!(!cataloger.is_interested(&entry("a/Cargo.toml")));
    assert!(!cataloger.is_interested(&entry("a/cargo.lock.bak")));
}
