//! The `rpm-db` cataloger on the real rpm databases in the shared data, checked
//! package by package against Debian's `rpm` reading the same files (see
//! `os_rpm_built.rs` for databases built here, `os_rpm_hostile.rs` for
//! corrupt ones).

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::indexing_slicing)]

use crate::rpm_support as support;

use std::collections::BTreeSet;
use std::path::Path;

use kensa_model::{Distro, Ecosystem};
use support::{
    RPMDB, catalog_at, catalog_fixture, cataloger_listing, fixture_path, imported_database, oracle_available,
    oracle_file_owners, oracle_listing, staged_copy,
};

/// Every real database in the shared data: (path under targets/rpmdb, the file
/// name rpm expects, the backend Debian's rpm reads it with, or `None` for ndb).
const FIXTURES: [(&str, &str, Option<&str>); 5] = [
    ("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite", "rpmdb.sqlite", Some("sqlite")),
    ("go-rpmdb/libuuid/Packages", "Packages", Some("bdb_ro")),
    ("syft/Packages", "Packages", Some("bdb_ro")),
    ("osv-scalibr/Packages_epoch", "Packages", Some("bdb_ro")),
    ("go-rpmdb/sle15-bci/Packages.db", "Packages.db", None),
];

// Proves every real SQLite and Berkeley DB fixture yields exactly the packages
// rpm itself lists (name, epoch, version, release, arch, source RPM,
// modularity label), with no diagnostics.
#[test]
fn fixtures_match_rpm() {
    if !oracle_available("rpm") {
        return;
    }
    for (relative_path, file_name, backend) in FIXTURES {
        let Some(backend) = backend else { continue };
        let found = catalog_fixture(relative_path).unwrap();
        assert_eq!(found.diagnostics, [], "{relative_path}");
        let staged = staged_copy(&fixture_path(relative_path), file_name);
        let expected = oracle_listing(staged.path(), backend);
        assert!(!expected.is_empty(), "rpm lists nothing in {relative_path}");
        assert_eq!(cataloger_listing(&found), expected, "{relative_path}");
        eprintln!("{relative_path}: {} packages, equal to rpm's listing", found.packages.len());
    }
}

/// The header blobs of an ndb file found by scanning every 16-byte block for
/// a blob head, independently of the slot pages the cataloger follows.
fn ndb_blobs_by_scanning(contents: &[u8]) -> Vec<Vec<u8>> {
    let mut blobs = Vec::new();
    for block in (4096..contents.len().saturating_sub(16)).step_by(16) {
        if &contents[block..block + 4] == b"BlbS" {
            let length = u32::from_le_bytes(contents[block + 12..block + 16].try_into().unwrap()) as usize;
            blobs.push(contents[block + 16..block + 16 + length].to_vec());
        }
    }
    blobs
}

// Proves the ndb reader finds every package of the SLE 15 BCI database and
// reads each header as rpm does. Debian's rpm has no ndb backend, so the blobs
// are found by a plain scan for blob heads and imported by `rpmdb --importdb`
// into a database rpm can list.
#[test]
fn ndb_fixture_matches_rpm_after_import() {
    if !oracle_available("rpmdb") {
        return;
    }
    let relative_path = "go-rpmdb/sle15-bci/Packages.db";
    let found = catalog_fixture(relative_path).unwrap();
    assert_eq!(found.diagnostics, []);
    let blobs = ndb_blobs_by_scanning(&std::fs::read(fixture_path(relative_path)).unwrap());
    let imported = imported_database(&blobs);
    let expected = oracle_listing(imported.path(), "sqlite");
    assert_eq!(cataloger_listing(&found), expected);
    eprintln!(
        "{relative_path}: {} packages ({} blobs), equal to rpm's listing after import",
        found.packages.len(),
        blobs.len()
    );
}

// Proves the files each package owns (from BASENAMES/DIRNAMES/DIRINDEXES) are
// exactly rpm's FILENAMES for each fixture rpm can read.
#[test]
fn file_owners_match_rpm() {
    if !oracle_available("rpm") {
        return;
    }
    for (relative_path, file_name, backend) in FIXTURES {
        let Some(backend) = backend else { continue };
        let path = format!("var/lib/rpm/{file_name}");
        let contents = std::fs::read(fixture_path(relative_path)).unwrap();
        let found = catalog_at(Path::new(RPMDB), &path, &contents, None).unwrap();
        let mut owners = found.file_owners.clone();
        owners.sort();
        let staged = staged_copy(&fixture_path(relative_path), file_name);
        let expected = oracle_file_owners(staged.path(), backend);
        let missing: Vec<_> = expected.iter().filter(|owner| !owners.contains(owner)).take(10).collect();
        let extra: Vec<_> = owners.iter().filter(|owner| !expected.contains(owner)).take(10).collect();
        assert!(missing.is_empty() && extra.is_empty(), "{relative_path}: missing {missing:?}, extra {extra:?}");
        assert_eq!(owners, expected, "{relative_path}");
        eprintln!("{relative_path}: {} owned files, equal to rpm's", owners.len());
    }
}

// Proves the file owners of a database in a nested root are located inside
// that root, like the database itself.
#[test]
fn file_owners_of_a_nested_root_keep_its_prefix() {
    let contents = std::fs::read(fixture_path("go-rpmdb/libuuid/Packages")).unwrap();
    let found = catalog_at(Path::new(RPMDB), "images/one/var/lib/rpm/Packages", &contents, None).unwrap();
    assert!(!found.file_owners.is_empty());
    for (path, owner) in &found.file_owners {
        assert!(path.starts_with("images/one/") && !path.starts_with("images/one//"), "{path}");
        assert_eq!(owner, "libuuid");
    }
}

fn distro(id: &str, version: &str) -> Distro {
    Distro { id: id.to_owned(), version: version.to_owned(), ..Distro::default() }
}

// Proves the detected distro sets the ecosystem and the purl: SUSE packages in
// the suse namespace with a `distro=` qualifier, the epoch in its own
// qualifier, the source package with the binary's epoch.
#[test]
fn distro_sets_ecosystem_and_purl() {
    let sles = distro("sles", "15.5");
    let contents = std::fs::read(fixture_path("go-rpmdb/sle15-bci/Packages.db")).unwrap();
    let found = catalog_at(Path::new(RPMDB), "usr/lib/sysimage/rpm/Packages.db", &contents, Some(&sles)).unwrap();
    assert!(found.packages.iter().all(|package| package.ecosystem == Ecosystem::Suse));
    let bash = found.packages.iter().find(|package| package.name == "bash").unwrap();
    assert!(bash.purl.starts_with("pkg:rpm/suse/bash@"), "{}", bash.purl);
    assert!(bash.purl.ends_with("?arch=x86_64&distro=sles-15.5"), "{}", bash.purl);

    let alma = distro("almalinux", "9.3");
    let contents = std::fs::read(fixture_path("osv-scalibr/Packages_epoch")).unwrap();
    let found = catalog_at(Path::new(RPMDB), "var/lib/rpm/Packages", &contents, Some(&alma)).unwrap();
    let [hello] = &found.packages[..] else { panic!("one package expected, got {:?}", found.packages) };
    assert_eq!(hello.ecosystem, Ecosystem::AlmaLinux);
    assert_eq!(hello.version, "1:0.0.1-rls");
    assert_eq!(
        hello.source.as_ref().map(|source| (source.name.as_str(), source.version.as_str())),
        Some(("hello", "1:0.0.1-rls"))
    );
    assert!(hello.purl.contains("@0.0.1-rls?") && hello.purl.contains("epoch=1"), "{}", hello.purl);
    assert!(hello.purl.contains("distro=almalinux-9.3"), "{}", hello.purl);

    let mariner = distro("mariner", "2.0");
    let contents = std::fs::read(fixture_path("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite")).unwrap();
    let found = catalog_at(Path::new(RPMDB), "var/lib/rpm/rpmdb.sqlite", &contents, Some(&mariner)).unwrap();
    assert!(found.packages.iter().all(|package| package.ecosystem == Ecosystem::Rpm));
    assert!(found.packages.iter().all(|package| package.purl.contains("distro=mariner-2.0")));
}

// Proves the cataloger claims rpm's databases where rpm keeps them, and
// nothing else in those directories.
#[test]
fn interest_in_database_paths() {
    let cataloger = kensa_catalog::all_catalogers().into_iter().find(|cataloger| cataloger.name() == "rpm-db").unwrap();
    let interested = |path: &str| {
        cataloger.is_interested(&kensa_fs::FileEntry { path: path.to_owned(), size: 1, executable: false })
    };
    let claimed: BTreeSet<&str> = [
        "var/lib/rpm/Packages",
        "var/lib/rpm/rpmdb.sqlite",
        "var/lib/rpm/Packages.db",
        "usr/lib/sysimage/rpm/Packages.db",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "rootfs/var/lib/rpm/Packages",
        "var/lib/rpm/Name",
        "var/lib/rpm/Index.db",
        "var/lib/rpm/rpmdb.sqlite-wal",
        "home/user/Packages",
        "myvar/lib/rpm/Packages",
    ]
    .into_iter()
    .filter(|path| interested(path))
    .collect();
    assert_eq!(
        claimed,
        BTreeSet::from([
            "var/lib/rpm/Packages",
            "var/lib/rpm/rpmdb.sqlite",
            "var/lib/rpm/Packages.db",
            "usr/lib/sysimage/rpm/Packages.db",
            "usr/lib/sysimage/rpm/rpmdb.sqlite",
            "rootfs/var/lib/rpm/Packages",
        ])
    );
}

// Proves a non-empty write-ahead log beside a WAL-mode database is reported
// (its changes are not read), while an empty one, as rpm leaves it after a
// clean close, is not.
#[test]
fn write_ahead_log_with_changes_is_reported() {
    let relative_path = "go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite";
    let staged = staged_copy(&fixture_path(relative_path), "rpmdb.sqlite");
    let contents = std::fs::read(fixture_path(relative_path)).unwrap();
    let wal = staged.path().join("rpmdb.sqlite-wal");
    std::fs::write(&wal, b"").unwrap();
    let found = catalog_at(staged.path(), "rpmdb.sqlite", &contents, None).unwrap();
    assert_eq!(found.diagnostics, []);
    std::fs::write(&wal, [0_u8; 32]).unwrap();
    let found = catalog_at(staged.path(), "rpmdb.sqlite", &contents, None).unwrap();
    let [diagnostic] = &found.diagnostics[..] else { panic!("one diagnostic expected: {:?}", found.diagnostics) };
    assert_eq!(diagnostic.path, "rpmdb.sqlite");
    assert!(diagnostic.message.contains("rpmdb.sqlite-wal holds changes"), "{}", diagnostic.message);
    assert_eq!(found.packages.len(), catalog_fixture(relative_path).unwrap().packages.len());
}
