//! The Gradle, sbt, Bun, pylock and pyproject catalogers end to end, through
//! `catalog_filesystem` over a temporary tree that holds one file of each kind
//! under its real name (contents copied from the shared fixtures at test time).

// Test helpers unwrap freely: a failure there is a broken fixture, and should fail loudly.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::Path;

use kensa_catalog::{CatalogOptions, all_catalogers, catalog_filesystem};
use kensa_fs::DirectoryFileSystem;
use kensa_model::{Ecosystem, Inventory, Resource, ResourceKind};

const LOCKFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/targets/lockfiles");

fn copy_fixture(root: &Path, fixture: &str, destination: &str) {
    write(root, destination, &std::fs::read(Path::new(LOCKFILES).join(fixture)).unwrap());
}

fn write(root: &Path, relative: &str, contents: &[u8]) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

fn packages_of(inventory: &Inventory, ecosystem: Ecosystem) -> BTreeSet<String> {
    inventory
        .packages
        .iter()
        .filter(|package| package.ecosystem == ecosystem)
        .map(|package| format!("{}@{} {}", package.name, package.version, package.locations.join(",")))
        .collect()
}

fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// Every new format is found by its real file name and read; a pyproject.toml
/// beside a lockfile adds nothing while a lone one adds unresolved
/// dependencies; an unreadable bun.lockb and a broken build.sbt.lock become
/// diagnostics naming them while the scan goes on.
#[test]
fn one_of_each_new_format() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    copy_fixture(root, "trivy-integration-repos/gradle/gradle.lockfile", "java-app/gradle.lockfile");
    write(
        root,
        "java-app/buildscript-gradle.lockfile",
        b"# Gradle buildscript lock\norg.jetbrains.kotlin:kotlin-stdlib:1.9.22=classpath\nempty=\n",
    );
    copy_fixture(
        root,
        "osv-scalibr/java-gradleverificationmetadataxml/two-packages.xml",
        "java-app/gradle/verification-metadata.xml",
    );
    copy_fixture(root, "trivy-integration-repos/sbt/build.sbt.lock", "scala-app/build.sbt.lock");
    write(root, "broken-scala/build.sbt.lock", b"{\"dependencies\": [");
    copy_fixture(root, "osv-scanner/locks-insecure/bun.lock", "js-app/bun.lock");
    write(root, "legacy-js/bun.lockb", b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x02\x00");
    copy_fixture(root, "trivy-integration-repos/pylock/pylock.toml", "py-locked/pylock.toml");
    copy_fixture(root, "trivy-integration-repos/poetry/pyproject.toml", "py-locked/pyproject.toml");
    copy_fixture(root, "trivy/python-pyproject/happy_with_optional_only.toml", "py-manifest/pyproject.toml");

    let filesystem = DirectoryFileSystem::new(root).unwrap();
    let resource = Resource { kind: ResourceKind::Directory, name: root.display().to_string() };
    let inventory = catalog_filesystem(&filesystem, &all_catalogers(), resource, &CatalogOptions::default());

    assert_eq!(
        packages_of(&inventory, Ecosystem::Maven),
        set_of(&[
            "com.fasterxml.jackson.core:jackson-databind@2.9.1 java-app/gradle.lockfile,scala-app/build.sbt.lock",
            "com.github.javaparser:javaparser-core@3.6.11 java-app/gradle/verification-metadata.xml",
            "org.apache.pdfbox:pdfbox@2.0.17 java-app/gradle/verification-metadata.xml",
            "org.jetbrains.kotlin:kotlin-stdlib@1.9.22 java-app/buildscript-gradle.lockfile",
        ])
    );
    assert_eq!(
        packages_of(&inventory, Ecosystem::Npm),
        set_of(&["has-flag@4.0.0 js-app/bun.lock", "wrappy@1.0.2 js-app/bun.lock"])
    );
    assert_eq!(
        packages_of(&inventory, Ecosystem::PyPI),
        set_of(&[
            "click@8.1.3 py-locked/pylock.toml",
            "colorama@0.4.6 py-locked/pylock.toml",
            "werkzeug@0.11.1 py-locked/pylock.toml",
        ])
    );
    let unresolved: BTreeSet<String> = inventory
        .unresolved
        .iter()
        .map(|dependency| format!("{} {} {}", dependency.name, dependency.requirement, dependency.location))
        .collect();
    assert_eq!(
        unresolved,
        set_of(&["pytest >=8.0.0 py-manifest/pyproject.toml", "ruff >=0.1.0 py-manifest/pyproject.toml"])
    );
    let diagnostics: Vec<(&str, &str)> = inventory
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.path.as_str(), diagnostic.message.as_str()))
        .collect();
    assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    assert_eq!(diagnostics[0].0, "broken-scala/build.sbt.lock");
    assert!(diagnostics[0].1.contains("broken-scala/build.sbt.lock"), "{diagnostics:?}");
    assert_eq!(diagnostics[1].0, "legacy-js/bun.lockb");
    assert!(diagnostics[1].1.contains("bun install --save-text-lockfile"), "{diagnostics:?}");
}
