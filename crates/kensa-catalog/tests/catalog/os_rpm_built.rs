//! The `rpm-db` cataloger on databases built here with rpm's own tools:
//! packages made by `rpmbuild` (epochs absent, zero and non-zero, a
//! modularity label, noarch and x86_64, dashes in names, one package owning
//! 3,000 files so its header spans many overflow pages), installed with
//! `rpm --justdb` into a fresh SQLite database, then copied into Berkeley DB
//! hash files of several page sizes and both byte orders. Each is compared
//! with rpm's own listing of the same database.

#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

use crate::rpm_support as support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use support::{
    berkeley_database, catalog_at, cataloger_listing, exported_blobs, oracle_available, oracle_file_owners,
    oracle_listing,
};

const SPECS: [(&str, &str); 3] = [
    (
        "kensa-epoch.spec",
        "Name: kensa-epoch\nEpoch: 2\nVersion: 1.2.3\nRelease: 4.el9_2\nSummary: s\nLicense: MIT\nBuildArch: noarch\n\
         ModularityLabel: kensa:1:9020020230101:abcdef12\n%description\nd\n\
         %package -n lib-kensa-dashed-2\nSummary: s\n%description -n lib-kensa-dashed-2\nd\n\
         %package -n kensa-many-files\nSummary: s\n%description -n kensa-many-files\nd\n\
         %install\nmkdir -p %{buildroot}/usr/share/kensa-epoch %{buildroot}/usr/share/kensa-many\n\
         echo x > %{buildroot}/usr/share/kensa-epoch/readme\n\
         for i in $(seq 1 3000); do echo $i > %{buildroot}/usr/share/kensa-many/file-with-a-long-name-$i.txt; done\n\
         %files\n/usr/share/kensa-epoch/readme\n%files -n lib-kensa-dashed-2\n%files -n kensa-many-files\n/usr/share/kensa-many\n",
    ),
    (
        "kensa-zero.spec",
        "Name: kensa-zero\nEpoch: 0\nVersion: 0.9\nRelease: 1.fc40\nSummary: s\nLicense: MIT\n%description\nd\n\
         %install\nmkdir -p %{buildroot}/usr/lib64\necho x > %{buildroot}/usr/lib64/libkensa.so.1\n\
         %files\n/usr/lib64/libkensa.so.1\n",
    ),
    (
        "kensa-plain.spec",
        "Name: kensa-plain\nVersion: 10.0.1\nRelease: 7.cm2\nSummary: s\nLicense: MIT\nBuildArch: noarch\n%description\nd\n\
         %package tools\nSummary: s\n%description tools\nd\n\
         %files\n%files tools\n",
    ),
];

/// The `.rpm` files built from [`SPECS`], once per test run (`None` when
/// rpm's tools are missing).
fn built_packages() -> Option<&'static [PathBuf]> {
    static BUILT: OnceLock<Option<(tempfile::TempDir, Vec<PathBuf>)>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if !oracle_available("rpmbuild") || !oracle_available("rpm") || !oracle_available("db5.3_load") {
                return None;
            }
            let top = tempfile::tempdir().unwrap();
            for (file_name, spec) in SPECS {
                let spec_path = top.path().join(file_name);
                std::fs::write(&spec_path, spec).unwrap();
                let output = Command::new("rpmbuild")
                    .args(["--define", &format!("_topdir {}", top.path().display()), "--quiet", "-bb"])
                    .arg(&spec_path)
                    .output()
                    .unwrap();
                assert!(output.status.success(), "rpmbuild {file_name}: {}", String::from_utf8_lossy(&output.stderr));
            }
            let mut packages = Vec::new();
            for architecture in std::fs::read_dir(top.path().join("RPMS")).unwrap() {
                for package in std::fs::read_dir(architecture.unwrap().path()).unwrap() {
                    packages.push(package.unwrap().path());
                }
            }
            packages.sort();
            Some((top, packages))
        })
        .as_ref()
        .map(|(_, packages)| packages.as_slice())
}

/// A fresh SQLite rpm database with `packages` installed (database only).
fn sqlite_database_with(packages: &[PathBuf]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().to_str().unwrap();
    let run = |arguments: &[&str]| {
        let output = Command::new("rpm").args(arguments).output().unwrap();
        assert!(output.status.success(), "rpm {arguments:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    run(&["--initdb", "--dbpath", database]);
    let mut install = vec!["--dbpath", database, "-i", "--justdb", "--nodeps", "--nosignature", "--ignorearch"];
    install.extend(packages.iter().map(|package| package.to_str().unwrap()));
    run(&install);
    directory
}

fn catalog_file(path_in_root: &str, file: &Path) -> kensa_catalog::Found {
    let contents = std::fs::read(file).unwrap();
    let found = catalog_at(file.parent().unwrap(), path_in_root, &contents, None).unwrap();
    assert_eq!(found.diagnostics, [], "{}", file.display());
    found
}

// Proves a SQLite database written by rpm 4.18 reads back exactly as rpm lists
// it, including the package whose 3,000-file header overflows many pages, and
// that epoch 0 is left out of the version while epoch 2 is kept.
#[test]
fn fresh_sqlite_database_matches_rpm() {
    let Some(packages) = built_packages() else { return };
    let database = sqlite_database_with(packages);
    // Located where rpm keeps it, so the cataloger also reports owned files.
    let found = catalog_file("var/lib/rpm/rpmdb.sqlite", &database.path().join("rpmdb.sqlite"));
    let listing = cataloger_listing(&found);
    assert_eq!(listing, oracle_listing(database.path(), "sqlite"));
    assert_eq!(found.packages.len(), 6, "{listing:#?}");
    let version_of = |name: &str| found.packages.iter().find(|package| package.name == name).unwrap().version.clone();
    assert_eq!(version_of("kensa-epoch"), "2:1.2.3-4.el9_2");
    assert_eq!(version_of("kensa-zero"), "0.9-1.fc40");
    assert_eq!(version_of("kensa-plain-tools"), "10.0.1-7.cm2");

    let mut owners = found.file_owners.clone();
    owners.sort();
    assert_eq!(owners, oracle_file_owners(database.path(), "sqlite"));
    assert!(owners.len() > 3000);
}

// Proves rows removed by `rpm -e` are gone from what the cataloger reads
// (SQLite reuses or frees their pages).
#[test]
fn removed_packages_are_not_listed() {
    let Some(packages) = built_packages() else { return };
    let database = sqlite_database_with(packages);
    let output = Command::new("rpm")
        .args([
            "--dbpath",
            database.path().to_str().unwrap(),
            "-e",
            "--justdb",
            "--nodeps",
            "kensa-many-files",
            "kensa-zero",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "rpm -e: {}", String::from_utf8_lossy(&output.stderr));
    let found = catalog_file("rpmdb.sqlite", &database.path().join("rpmdb.sqlite"));
    assert_eq!(cataloger_listing(&found), oracle_listing(database.path(), "sqlite"));
    assert_eq!(found.packages.len(), 4);
    assert!(!found.packages.iter().any(|package| package.name == "kensa-zero"));
}

// Proves Berkeley DB hash databases of the smallest, the usual and the largest
// page size (so values sit on-page, on one overflow page or on long chains)
// read as rpm's read-only BDB backend reads them.
#[test]
fn berkeley_databases_of_every_page_size_match_rpm() {
    let Some(packages) = built_packages() else { return };
    let source = sqlite_database_with(packages);
    let blobs = exported_blobs(source.path(), "sqlite");
    for page_size in [512, 4096, 65536] {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("Packages");
        berkeley_database(&blobs, page_size, &path);
        let found = catalog_file("Packages", &path);
        assert_eq!(cataloger_listing(&found), oracle_listing(directory.path(), "bdb_ro"), "page size {page_size}");
        assert_eq!(found.packages.len(), blobs.len());
    }
}

/// Rewrites a little-endian Berkeley DB hash file into the byte order a
/// big-endian machine writes: every integer field of the metadata page, of
/// each page header, of the hash item index and of off-page references, and
/// the 4-byte keys (rpm stores header numbers in the host's order). Header
/// blobs are big-endian already and stay as they are.
fn to_big_endian(little: &[u8]) -> Vec<u8> {
    let mut big = little.to_vec();
    let swap_u32 = |bytes: &mut [u8], offset: usize| bytes[offset..offset + 4].reverse();
    let swap_u16 = |bytes: &mut [u8], offset: usize| bytes[offset..offset + 2].reverse();
    let page_size = u32::from_le_bytes(little[20..24].try_into().unwrap()) as usize;
    // Metadata page: lsn, pgno, magic, version, pagesize, then from `free` on
    // every field is 4 bytes up to the unique id; then the hash fields and
    // the 32 spares.
    for offset in [0, 4, 8, 12, 16, 20, 28, 32, 36, 40, 44, 48] {
        swap_u32(&mut big, offset);
    }
    for field in 0..(6 + 32) {
        swap_u32(&mut big, 72 + 4 * field);
    }
    for page in big.chunks_exact_mut(page_size).skip(1) {
        let page_type = page[25];
        for offset in [0, 4, 8, 12, 16] {
            swap_u32(page, offset);
        }
        let entries = u16::from_le_bytes(page[20..22].try_into().unwrap()) as usize;
        swap_u16(page, 20);
        swap_u16(page, 22);
        if page_type != 13 {
            continue;
        }
        for index in 0..entries {
            let item = u16::from_le_bytes(page[26 + 2 * index..28 + 2 * index].try_into().unwrap()) as usize;
            swap_u16(page, 26 + 2 * index);
            match page[item] {
                3 => {
                    swap_u32(page, item + 4);
                    swap_u32(page, item + 8);
                }
                // Keys are the even items: 4-byte header numbers.
                1 if index % 2 == 0 => swap_u32(page, item + 1),
                _ => {}
            }
        }
    }
    big
}

// Proves a database written on a big-endian machine reads like the
// little-endian original, and that rpm agrees on the converted file.
#[test]
fn big_endian_berkeley_database_matches_rpm() {
    let Some(packages) = built_packages() else { return };
    let source = sqlite_database_with(packages);
    let blobs = exported_blobs(source.path(), "sqlite");
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("Packages");
    berkeley_database(&blobs, 4096, &path);
    let little = catalog_file("Packages", &path);
    std::fs::write(&path, to_big_endian(&std::fs::read(&path).unwrap())).unwrap();
    let big = catalog_file("Packages", &path);
    assert_eq!(cataloger_listing(&big), cataloger_listing(&little));
    assert_eq!(cataloger_listing(&big), oracle_listing(directory.path(), "bdb_ro"));
}
