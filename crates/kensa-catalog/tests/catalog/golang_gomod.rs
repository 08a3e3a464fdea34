//! The `go-mod` cataloger on every real `go.mod` in the shared data: all parse,
//! the big real ones yield one package per requirement (`go mod edit -json` was
//! the oracle for the counts), and the small fixtures' replacement, go.sum and
//! local-path cases match reviewed snapshots.

use std::path::Path;

use crate::common::{TARGETS, catalog_fixture_in_its_directory, cataloger_named, find_files};
use kensa_catalog::Found;
use kensa_fs::FileEntry;

fn summary(found: &Found) -> String {
    let mut lines: Vec<String> =
        found.packages.iter().map(|package| format!("{} {} {}", package.name, package.version, package.purl)).collect();
    lines.extend(
        found.unresolved.iter().map(|unresolved| format!("unresolved: {} {}", unresolved.name, unresolved.requirement)),
    );
    lines.extend(found.diagnostics.iter().map(|diagnostic| format!("diagnostic: {}", diagnostic.message)));
    lines.join("\n")
}

/// Every `go.mod` in the shared targets, and every scalibr `*.mod` fixture but
/// the one that is deliberately not a go.mod, parses without a diagnostic.
#[test]
fn every_go_mod_in_shared_data_parses() {
    let mut files = Vec::new();
    find_files(
        Path::new(TARGETS),
        &|path| {
            let name = path.file_name().unwrap().to_str().unwrap();
            name == "go.mod" || (name.ends_with(".mod") && name != "not-go-mod.mod")
        },
        &mut files,
    );
    assert!(files.len() >= 30, "expected the shared go.mod files, found {}", files.len());
    for file in files {
        let relative = file.strip_prefix(TARGETS).unwrap().to_str().unwrap().to_owned();
        let found = catalog_fixture_in_its_directory("go-mod", TARGETS, &relative)
            .unwrap_or_else(|error| panic!("{relative}: {error}"));
        assert!(found.diagnostics.is_empty(), "{relative}: {:?}", found.diagnostics);
    }
}

/// The large go.mod files of trivy, syft, grype and vuls (Go 1.2x, `tool`
/// blocks, no replacements) give one package per `require` entry; the counts
/// are those `go mod edit -json` reports for the same files.
#[test]
fn real_project_go_mods() {
    for (project, expected_count, spot_check) in [
        ("trivy", 473, "github.com/aquasecurity/trivy-db"),
        ("syft", 314, "github.com/anchore/stereoscope"),
        ("grype", 334, "github.com/anchore/syft"),
        ("vuls", 354, "github.com/aquasecurity/trivy"),
    ] {
        let found = catalog_fixture_in_its_directory(
            "go-mod",
            TARGETS,
            &format!("lockfiles/real-projects/gomod/{project}/go.mod"),
        )
        .unwrap();
        assert_eq!(found.packages.len(), expected_count, "{project}");
        assert!(found.unresolved.is_empty(), "{project}: {:?}", found.unresolved);
        let package = found.packages.iter().find(|package| package.name == spot_check).unwrap();
        assert!(package.version.starts_with('v'), "{project}: {}", package.version);
        assert!(package.purl.starts_with(&format!("pkg:golang/{spot_check}@v")), "{}", package.purl);
    }
}

/// Exact results for trivy's and scalibr's replacement fixtures (module and
/// local-path replacements, version-specific and path-wide), Go 1.16 files whose
/// go.sum adds the indirect modules, and toolchain lines.
#[test]
fn fixture_snapshots() {
    for (snapshot_name, relative) in [
        ("trivy_normal", "lockfiles/trivy/golang-mod/normal/go.mod"),
        ("trivy_go116_with_go_sum", "lockfiles/trivy/golang-mod/go116/go.mod"),
        ("trivy_no_go_version", "lockfiles/trivy/golang-mod/no-go-version/gomod"),
        ("trivy_replaced", "lockfiles/trivy/golang-mod/replaced/go.mod"),
        ("trivy_replaced_with_version", "lockfiles/trivy/golang-mod/replaced-with-version/go.mod"),
        ("trivy_replaced_with_version_mismatch", "lockfiles/trivy/golang-mod/replaced-with-version-mismatch/go.mod"),
        ("trivy_replaced_with_local_path", "lockfiles/trivy/golang-mod/replaced-with-local-path/go.mod"),
        (
            "trivy_replaced_with_local_path_and_version",
            "lockfiles/trivy/golang-mod/replaced-with-local-path-and-version/go.mod",
        ),
        (
            "trivy_replaced_with_local_path_and_version_mismatch",
            "lockfiles/trivy/golang-mod/replaced-with-local-path-and-version-mismatch/go.mod",
        ),
        ("trivy_integration_gomod", "lockfiles/trivy-integration-repos/gomod/go.mod"),
        ("scalibr_replace_different", "lockfiles/osv-scalibr/golang-gomod/replace-different.mod"),
        ("scalibr_replace_local", "lockfiles/osv-scalibr/golang-gomod/replace-local.mod"),
        ("scalibr_replace_mixed", "lockfiles/osv-scalibr/golang-gomod/replace-mixed.mod"),
        ("scalibr_replace_no_version", "lockfiles/osv-scalibr/golang-gomod/replace-no-version.mod"),
        ("scalibr_replace_not_required", "lockfiles/osv-scalibr/golang-gomod/replace-not-required.mod"),
        ("scalibr_toolchain_with_suffix", "lockfiles/osv-scalibr/golang-gomod/toolchain-with-suffix.mod"),
        ("scalibr_indirect_packages", "lockfiles/osv-scalibr/golang-gomod/indirect-packages.mod"),
    ] {
        let found = catalog_fixture_in_its_directory("go-mod", TARGETS, relative)
            .unwrap_or_else(|error| panic!("{relative}: {error}"));
        insta::assert_snapshot!(snapshot_name, summary(&found));
    }
}

/// An empty go.mod has nothing; text that is not a go.mod is an error naming
/// the file.
#[test]
fn empty_and_not_a_go_mod() {
    assert_eq!(
        catalog_fixture_in_its_directory("go-mod", TARGETS, "lockfiles/osv-scalibr/golang-gomod/empty.mod").unwrap(),
        Found::default()
    );
    let error =
        catalog_fixture_in_its_directory("go-mod", TARGETS, "lockfiles/osv-scalibr/golang-gomod/not-go-mod.mod")
            .unwrap_err()
            .to_string();
    assert!(error.contains("not-go-mod.mod") && error.contains("go.mod"), "{error}");
}

/// Only files named exactly `go.mod` are claimed (not go.sum or go.work).
#[test]
fn interest_is_by_file_name() {
    let cataloger = cataloger_named("go-mod");
    let entry = |path: &str| FileEntry { path: path.to_owned(), size: 10, executable: false };
    assert!(cataloger.is_interested(&entry("go.mod")));
    assert!(cataloger.is_interested(&entry("a/b/go.mod")));
    assert!(!cataloger.is_interested(&entry("a/go.sum")));
    assert!(!cataloger.is_interested(&entry("a/go.work")));
}
