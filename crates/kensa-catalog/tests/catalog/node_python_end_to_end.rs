//! The Node.js and Python catalogers end to end, through `catalog_filesystem` over
//! real directories: shared fixture trees read in place, hand-built
//! `node_modules`/`site-packages` trees, and the serverless deployment zips
//! unpacked into a temporary directory.

// Test helpers unwrap freely: a failure there is a broken fixture, and should fail loudly.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{TARGETS, set_of};
use kensa_catalog::{CatalogOptions, all_catalogers, catalog_filesystem};
use kensa_fs::DirectoryFileSystem;
use kensa_model::{Ecosystem, Inventory, Resource, ResourceKind};

fn catalog_directory(path: &Path) -> Inventory {
    let filesystem = DirectoryFileSystem::new(path).unwrap();
    let resource = Resource { kind: ResourceKind::Directory, name: path.display().to_string() };
    catalog_filesystem(&filesystem, &all_catalogers(), resource, &CatalogOptions::default())
}

/// `name@version` of the inventory's packages of one ecosystem.
fn packages_of(inventory: &Inventory, ecosystem: Ecosystem) -> BTreeSet<String> {
    inventory
        .packages
        .iter()
        .filter(|package| package.ecosystem == ecosystem)
        .map(|package| format!("{}@{}", package.name, package.version))
        .collect()
}

fn locations_of(inventory: &Inventory, ecosystem: Ecosystem, name: &str, version: &str) -> Vec<String> {
    inventory
        .packages
        .iter()
        .find(|package| package.ecosystem == ecosystem && package.name == name && package.version == version)
        .map(|package| package.locations.clone())
        .unwrap_or_default()
}

/// osv-scanner's mixed directory: lockfiles are found by their real names
/// (`my-package-lock.json` is not one), requirements files of every naming style
/// are read, and the inventory merges the same pin found in several files.
#[test]
fn osv_scanner_directory() {
    let inventory = catalog_directory(&Path::new(TARGETS).join("lockfiles/osv-scanner"));
    // bun.lock adds has-flag and wrappy.
    assert_eq!(
        packages_of(&inventory, Ecosystem::Npm),
        set_of(&["ansi-html@0.0.8", "balanced-match@1.0.2", "has-flag@4.0.0", "wrappy@1.0.2"])
    );
    assert_eq!(
        packages_of(&inventory, Ecosystem::PyPI),
        set_of(&[
            "black@25.1.0",
            "django@1.11.29",
            "django@2.2.24",
            "emoji@2.14.0",
            "flask-cors@1.0.0",
            "flask@1.0.0",
            "numpy@2.3.1",
            "pandas@0.23.4",
            "protobuf@4.25.5",
            "requests@2.20.0",
        ])
    );
    assert_eq!(
        locations_of(&inventory, Ecosystem::PyPI, "flask", "1.0.0"),
        [
            "locks-requirements/my-requirements.txt",
            "locks-requirements/requirements.txt",
            "locks-requirements/unresolvable-requirements.txt",
        ]
    );
    assert!(inventory.unresolved.iter().all(|dependency| dependency.ecosystem != Ecosystem::PyPI));
}

/// Trivy's integration project: the v1 lockfile and the installed manifests
/// agree, and installed packages are located at their package.json.
#[test]
fn trivy_npm_project_with_node_modules() {
    let inventory = catalog_directory(&Path::new(TARGETS).join("lockfiles/trivy-integration-repos/npm"));
    let packages = packages_of(&inventory, Ecosystem::Npm);
    assert_eq!(packages.len(), 13);
    assert_eq!(
        locations_of(&inventory, Ecosystem::Npm, "jquery", "3.3.9"),
        ["node_modules/jquery/package.json", "package-lock.json"]
    );

    // pnpm's virtual store holds the installed copies.
    let inventory = catalog_directory(&Path::new(TARGETS).join("lockfiles/trivy-integration-repos/pnpm"));
    assert_eq!(packages_of(&inventory, Ecosystem::Npm), set_of(&["jquery@3.3.9", "lodash@4.17.4"]));
    assert_eq!(
        locations_of(&inventory, Ecosystem::Npm, "lodash", "4.17.4"),
        ["node_modules/.pnpm/lodash@4.17.4/node_modules/lodash/package.json", "pnpm-lock.yaml"]
    );
}

fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// A hand-built tree: nested and scoped node_modules are read, a fixture
/// package.json shipped inside a package and nameless manifests are not, every
/// installed-Python layout is read, and a broken METADATA is a diagnostic naming
/// it while the scan goes on.
#[test]
fn installed_node_modules_and_site_packages() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(root, "package.json", r#"{"name": "my-app", "version": "1.0.0"}"#);
    write(root, "node_modules/lodash/package.json", r#"{"name": "lodash", "version": "4.17.15"}"#);
    write(root, "node_modules/@babel/core/package.json", r#"{"name": "@babel/core", "version": "7.22.0"}"#);
    write(root, "node_modules/a/node_modules/ms/package.json", r#"{"name": "ms", "version": "2.0.0"}"#);
    write(root, "node_modules/a/package.json", r#"{"name": "a", "version": "1.0.0"}"#);
    write(root, "node_modules/a/test/fixtures/package.json", r#"{"name": "fixture", "version": "9.9.9"}"#);
    write(
        root,
        "node_modules/a/test/fixtures/node_modules/fake/package.json",
        r#"{"name": "fake", "version": "9.9.9"}"#,
    );
    write(root, "node_modules/private-thing/package.json", r#"{"private": true}"#);
    write(root, "node_modules/broken/package.json", "{ not json");

    let site_packages = "venv/lib/python3.11/site-packages";
    write(
        root,
        &format!("{site_packages}/requests-2.19.1.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\nSummary: HTTP\n\nName: not-this\n",
    );
    write(
        root,
        &format!("{site_packages}/six-1.16.0.egg-info/PKG-INFO"),
        "Metadata-Version: 1.0\nName: six\nVersion: 1.16.0\n",
    );
    write(
        root,
        &format!("{site_packages}/python_apt-2.0.0.egg-info"),
        "Metadata-Version: 1.1\nName: python-apt\nVersion: 2.0.0\n",
    );
    write(root, &format!("{site_packages}/broken-1.0.dist-info/METADATA"), "this has no headers\n");

    let inventory = catalog_directory(root);
    assert_eq!(
        packages_of(&inventory, Ecosystem::Npm),
        set_of(&["@babel/core@7.22.0", "a@1.0.0", "lodash@4.17.15", "ms@2.0.0"])
    );
    assert_eq!(
        packages_of(&inventory, Ecosystem::PyPI),
        set_of(&["python-apt@2.0.0", "requests@2.19.1", "six@1.16.0"])
    );
    let diagnostic_paths: BTreeSet<&str> =
        inventory.diagnostics.iter().map(|diagnostic| diagnostic.path.as_str()).collect();
    assert_eq!(
        diagnostic_paths,
        BTreeSet::from([
            "node_modules/broken/package.json",
            "venv/lib/python3.11/site-packages/broken-1.0.dist-info/METADATA",
        ])
    );
    assert!(inventory.diagnostics.iter().all(|diagnostic| diagnostic.message.contains(&diagnostic.path)));
}

fn unzip_into(zip_path: &Path, destination: &Path) {
    let file = std::fs::File::open(zip_path).unwrap();
    zip::ZipArchive::new(file).unwrap().extract(destination).unwrap();
}

/// The Python Lambda bundle: wheels installed with `pip --target` put their
/// dist-info directories at the bundle root.
#[test]
fn serverless_python_bundle() {
    let directory = tempfile::tempdir().unwrap();
    unzip_into(&Path::new(TARGETS).join("serverless/python3.11-requests-flask-function.zip"), directory.path());
    let inventory = catalog_directory(directory.path());
    assert_eq!(
        packages_of(&inventory, Ecosystem::PyPI),
        set_of(&[
            "Click@7.0",
            "Flask@1.0",
            "Jinja2@2.10",
            "MarkupSafe@2.1.3",
            "Werkzeug@0.15.3",
            "certifi@2018.4.16",
            "chardet@3.0.4",
            "idna@2.7",
            "itsdangerous@1.1.0",
            "requests@2.19.1",
            "urllib3@1.23",
        ])
    );
    assert_eq!(locations_of(&inventory, Ecosystem::PyPI, "urllib3", "1.23"), ["urllib3-1.23.dist-info/METADATA"]);
    assert!(inventory.diagnostics.is_empty(), "{:?}", inventory.diagnostics);
}

/// The Node.js Lambda bundle: every installed package is found through its
/// package.json, and each also through the bundle's package-lock.json (v3).
#[test]
fn serverless_node_bundle() {
    let directory = tempfile::tempdir().unwrap();
    unzip_into(&Path::new(TARGETS).join("serverless/nodejs-lodash-axios-function.zip"), directory.path());
    let inventory = catalog_directory(directory.path());
    let expected = set_of(&[
        "axios@0.21.0",
        "buffer-equal-constant-time@1.0.1",
        "ecdsa-sig-formatter@1.0.11",
        "follow-redirects@1.16.3",
        "jsonwebtoken@8.5.1",
        "jwa@1.4.2",
        "jws@3.2.3",
        "lodash.includes@4.3.0",
        "lodash.isboolean@3.0.3",
        "lodash.isinteger@4.0.4",
        "lodash.isnumber@3.0.3",
        "lodash.isplainobject@4.0.6",
        "lodash.isstring@4.0.1",
        "lodash.once@4.1.1",
        "lodash@4.17.15",
        "minimist@1.2.0",
        "ms@2.1.3",
        "node-fetch@2.6.0",
        "safe-buffer@5.2.1",
        "semver@5.7.3",
    ]);
    assert_eq!(packages_of(&inventory, Ecosystem::Npm), expected);
    let npm_packages = inventory.packages.iter().filter(|package| package.ecosystem == Ecosystem::Npm);
    for package in npm_packages {
        assert_eq!(
            package.locations,
            [format!("node_modules/{}/package.json", package.name), "package-lock.json".to_owned()],
            "{}",
            package.name
        );
    }
    assert!(inventory.diagnostics.is_empty(), "{:?}", inventory.diagnostics);
}
