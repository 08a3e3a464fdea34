//! The apk cataloger over the real `lib/apk/db/installed` files in
//! shared/data/targets/apk, hand-made edge cases, and the files each package owns.

// Helpers outside #[test] functions fail loudly on a broken fixture, like the tests.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use crate::common::{TARGETS, cataloger_named};
use kensa_catalog::{CatalogOptions, FileInput, Found, all_catalogers, catalog_filesystem};
use kensa_fs::DirectoryFileSystem;
use kensa_model::{Distro, Ecosystem, Resource, ResourceKind};

fn apk_root() -> std::path::PathBuf {
    Path::new(TARGETS).join("apk")
}

fn catalog_apk(root: &Path, path: &str, contents: &[u8], distro: Option<&Distro>) -> Found {
    let filesystem = DirectoryFileSystem::new(root).unwrap();
    cataloger_named("apk").catalog(&FileInput { path, contents, filesystem: &filesystem, distro }).unwrap()
}

fn catalog_fixture(relative_path: &str, distro: Option<&Distro>) -> Found {
    let contents = std::fs::read(apk_root().join(relative_path)).unwrap();
    catalog_apk(&apk_root(), relative_path, &contents, distro)
}

fn distro(id: &str, version: &str) -> Distro {
    Distro { id: id.to_owned(), version: version.to_owned(), ..Distro::default() }
}

/// `name@version (origin) arch`, sorted: the form of the reviewed snapshots.
fn listing_with_origins(found: &Found) -> String {
    let mut lines: Vec<String> = found
        .packages
        .iter()
        .map(|package| {
            let source = package.source.as_ref().unwrap();
            assert_eq!(source.version, package.version, "an origin has its binary's version");
            let architecture = package.architecture.as_deref().unwrap_or("-");
            format!("{}@{} ({}) {architecture}", package.name, package.version, source.name)
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

/// Every fixture yields one package per record (`grep -c '^P:'`), except the
/// record trivy left without a version on purpose, which is a diagnostic
/// naming the file and line while the records after it are still read.
#[test]
fn every_fixture_yields_its_packages() {
    for (snapshot, fixture, packages, diagnostics) in [
        ("scalibr", "osv-scalibr/installed", 15, 0),
        ("osv_scanner", "osv-scanner/installed", 1, 0),
        ("syft_base", "syft-base/installed", 1, 0),
        ("syft_multiple_2", "syft-multiple-2/installed", 14, 0),
        ("trivy", "trivy/installed", 15, 1),
    ] {
        let found = catalog_fixture(fixture, None);
        assert_eq!(found.packages.len(), packages, "{fixture}");
        assert_eq!(found.diagnostics.len(), diagnostics, "{fixture}: {:?}", found.diagnostics);
        let text = std::fs::read_to_string(apk_root().join(fixture)).unwrap();
        let records = text.lines().filter(|line| line.starts_with("P:")).count();
        assert_eq!(records, packages + diagnostics, "{fixture}");
        insta::assert_snapshot!(snapshot, listing_with_origins(&found));
    }
    let found = catalog_fixture("trivy/installed", None);
    assert_eq!(found.diagnostics[0].path, "trivy/installed");
    assert!(found.diagnostics[0].message.contains("line 23"), "{:?}", found.diagnostics);
    assert!(found.diagnostics[0].message.contains("invalidPackageWithoutAVersion"), "{:?}", found.diagnostics);
}

/// The distribution picks the ecosystem and the purl qualifier; an unknown
/// apk-based tree is taken as Alpine.
#[test]
fn ecosystem_and_purl_follow_the_distribution() {
    let found = catalog_fixture("osv-scanner/installed", Some(&distro("alpine", "3.18.4")));
    assert_eq!(found.packages[0].ecosystem, Ecosystem::Alpine);
    assert_eq!(found.packages[0].purl, "pkg:apk/alpine/apk-tools@2.12.10-r1?arch=x86_64&distro=alpine-3.18.4");
    let found = catalog_fixture("osv-scanner/installed", Some(&distro("wolfi", "20230201")));
    assert_eq!(found.packages[0].ecosystem, Ecosystem::Wolfi);
    assert!(found.packages[0].purl.starts_with("pkg:apk/wolfi/apk-tools@"), "{}", found.packages[0].purl);
    let found = catalog_fixture("osv-scanner/installed", Some(&distro("chainguard", "")));
    assert_eq!(found.packages[0].ecosystem, Ecosystem::Chainguard);
    assert_eq!(catalog_fixture("osv-scanner/installed", None).packages[0].ecosystem, Ecosystem::Alpine);
}

/// `R:` files are owned under the last `F:` directory.
#[test]
fn owned_files_from_directories_and_files() {
    let found = catalog_fixture("osv-scanner/installed", None);
    let owned: Vec<&str> = found.file_owners.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(owned, ["lib/libapk.so.3.12.0", "sbin/apk"]);
    assert!(found.file_owners.iter().all(|(_, owner)| owner == "apk-tools"));
}

/// Records without a name or version are reported, CRLF and a missing final
/// blank line are tolerated, and a line that is not `X:value` is reported.
#[test]
fn record_edge_cases() {
    let database = "V:1.0-r0\r\nA:x86_64\r\n\r\n\r\nP:good\r\nV:2.0-r1\r\nnonsense\r\n\nP:last\nV:3-r0\no:parent";
    let found = catalog_apk(&apk_root(), "lib/apk/db/installed", database.as_bytes(), None);
    assert_eq!(listing_with_origins(&found), "good@2.0-r1 (good) -\nlast@3-r0 (parent) -");
    let messages: Vec<&str> = found.diagnostics.iter().map(|diagnostic| diagnostic.message.as_str()).collect();
    assert_eq!(messages, ["the record at line 1 has no name (P:); skipped", "line 7 is not a `X:value` line"]);
}

/// Through the driver: Alpine detected from os-release, and a Python package
/// whose metadata an apk package owns is marked as installed by it.
#[test]
fn alpine_tree_end_to_end() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let write = |path: &str, text: &str| {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    };
    write("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.4\n");
    write(
        "lib/apk/db/installed",
        "P:py3-six\nV:1.16.0-r6\nA:noarch\no:py3-six\nF:usr/lib/python3.11/site-packages/six-1.16.0.dist-info\n\
         R:METADATA\nR:RECORD\n",
    );
    write(
        "usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n",
    );
    let filesystem = DirectoryFileSystem::new(root).unwrap();
    let resource = Resource { kind: ResourceKind::Directory, name: "alpine".to_owned() };
    let inventory = catalog_filesystem(&filesystem, &all_catalogers(), resource, &CatalogOptions::default());
    assert_eq!(inventory.distro.as_ref().unwrap().version, "3.18.4");
    let apk = inventory.packages.iter().find(|package| package.name == "py3-six").unwrap();
    assert_eq!(apk.purl, "pkg:apk/alpine/py3-six@1.16.0-r6?arch=noarch&distro=alpine-3.18.4");
    let six = inventory.packages.iter().find(|package| package.name == "six").unwrap();
    assert_eq!(six.ecosystem, Ecosystem::PyPI);
    assert_eq!(six.installed_by.as_deref(), Some("py3-six"));
}
