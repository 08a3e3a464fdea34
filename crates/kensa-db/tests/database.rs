//! Building, opening and querying the database.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

use kensa_db::{Database, DbError, build_database};
use kensa_model::Ecosystem;

const OSV_RECORD: &str = r#"{
  "id": "GHSA-test-0001-0001",
  "modified": "2024-01-02T00:00:00Z",
  "aliases": ["CVE-2024-0001"],
  "summary": "first",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "Requests"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]}]
}"#;

fn write(directory: &Path, name: &str, contents: &str) {
    let path = directory.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// Records are indexed by ecosystem and normalised name; non-advisories are
/// listed as skipped and malformed ones as rejected, without failing the build.
#[test]
fn build_index_and_lookup() {
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "pypa/GHSA-test-0001-0001.json", OSV_RECORD);
    write(input.path(), "README.md", "# not an advisory\n");
    write(input.path(), "pypa/broken.json", "{\"id\": \"GHSA-x\", \"affected\": [");
    let output = tempfile::tempdir().unwrap();
    let path = output.path().join("db.redb");
    let report = build_database(input.path(), &path).unwrap();
    assert_eq!(report.advisories, 1);
    assert_eq!(report.files_read, 3);
    assert_eq!(report.skipped.len() + report.rejected.len(), 2, "{report:?}");
    assert!(report.rejected.iter().any(|rejected| rejected.path.ends_with("broken.json")), "{report:?}");

    let database = Database::open(&path).unwrap();
    let found = database.advisories_for_package(Ecosystem::PyPI, "requests").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].aliases, vec!["CVE-2024-0001"]);
    assert!(database.advisories_for_package(Ecosystem::Npm, "requests").unwrap().is_empty());
    let info = database.info().unwrap();
    assert_eq!(info.advisories, 1);
    assert_eq!(info.advisories_per_ecosystem.get("PyPI"), Some(&1));
}

/// The same id in two files: the most recently modified record wins.
#[test]
fn duplicate_ids_keep_newest() {
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "a/one.json", OSV_RECORD);
    write(
        input.path(),
        "b/two.json",
        &OSV_RECORD.replace("2024-01-02", "2025-01-01").replace("\"first\"", "\"second\""),
    );
    let output = tempfile::tempdir().unwrap();
    let path = output.path().join("db.redb");
    let report = build_database(input.path(), &path).unwrap();
    assert_eq!(report.duplicates, vec!["GHSA-test-0001-0001"]);
    let database = Database::open(&path).unwrap();
    assert_eq!(database.advisory("GHSA-test-0001-0001").unwrap().unwrap().summary, "second");
}

/// A zip of advisory files builds the same database as the directory.
#[test]
fn build_from_zip() {
    let output = tempfile::tempdir().unwrap();
    let zip_path = output.path().join("all.zip");
    {
        let mut writer = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        writer.start_file("GHSA-test-0001-0001.json", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut writer, OSV_RECORD.as_bytes()).unwrap();
        writer.finish().unwrap();
    }
    let path = output.path().join("db.redb");
    let report = build_database(&zip_path, &path).unwrap();
    assert_eq!(report.advisories, 1);
    let database = Database::open(&path).unwrap();
    assert_eq!(database.advisories_for_package(Ecosystem::PyPI, "requests").unwrap().len(), 1);
}

/// Opening something that is not a database is an error naming the file, and a
/// missing file says how to build one.
#[test]
fn open_errors_name_the_file() {
    let directory = tempfile::tempdir().unwrap();
    let missing = directory.path().join("missing.redb");
    assert!(matches!(Database::open(&missing), Err(DbError::Missing { .. })));
    let garbage = directory.path().join("garbage.redb");
    std::fs::write(&garbage, b"this is not a redb file at all, just text").unwrap();
    let error = Database::open(&garbage).unwrap_err().to_string();
    assert!(error.contains("garbage.redb"), "{error}");
}

/// A truncated or corrupt zip is a clear error naming it, and the previous
/// database is left untouched.
#[test]
fn corrupt_zip_leaves_old_database() {
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "GHSA-test-0001-0001.json", OSV_RECORD);
    let output = tempfile::tempdir().unwrap();
    let path = output.path().join("db.redb");
    build_database(input.path(), &path).unwrap();
    let bad_zip = output.path().join("bad.zip");
    std::fs::write(&bad_zip, b"PK\x03\x04 truncated").unwrap();
    let error = build_database(&bad_zip, &path).unwrap_err().to_string();
    assert!(error.contains("bad.zip"), "{error}");
    let database = Database::open(&path).unwrap();
    assert_eq!(database.info().unwrap().advisories, 1);
}

/// FriendsOfPHP files one CVE once per package: both packages stay indexed
/// (regression: the second file used to replace the first).
#[test]
fn same_id_for_two_packages_keeps_both() {
    let input = tempfile::tempdir().unwrap();
    let advisory = |package: &str| {
        format!(
            "title: Test\nlink: https://example.test\ncve: CVE-2019-10909\nbranches:\n    4.4.x:\n        time: 2019-04-16 00:00:00\n        versions: ['>=4.4.0', '<4.4.26']\nreference: composer://{package}\n"
        )
    };
    write(input.path(), "symfony/form/CVE-2019-10909.yaml", &advisory("symfony/form"));
    write(input.path(), "symfony/symfony/CVE-2019-10909.yaml", &advisory("symfony/symfony"));
    let output = tempfile::tempdir().unwrap();
    let path = output.path().join("db.redb");
    let report = build_database(input.path(), &path).unwrap();
    assert!(report.rejected.is_empty(), "{report:?}");
    let database = Database::open(&path).unwrap();
    assert_eq!(database.advisories_for_package(Ecosystem::Packagist, "symfony/form").unwrap().len(), 1);
    assert_eq!(database.advisories_for_package(Ecosystem::Packagist, "symfony/symfony").unwrap().len(), 1);
}

/// Alpine's secdb files one CVE per release: every release's entry is kept
/// (regression: merging by package name alone dropped all but one release).
#[test]
fn same_id_for_two_releases_keeps_both() {
    let input = tempfile::tempdir().unwrap();
    let secdb = |release: &str| {
        format!(
            "distroversion: {release}\nreponame: main\nurlprefix: http://dl-cdn.alpinelinux.org/alpine\napkurl: '{{{{urlprefix}}}}/{{{{distroversion}}}}/{{{{reponame}}}}/{{{{arch}}}}/{{{{pkg.name}}}}-{{{{pkg.ver}}}}.apk'\narchs:\n  - x86_64\npackages:\n  - pkg:\n      name: musl\n      secfixes:\n        1.1.20-r5:\n          - CVE-2019-14697\n"
        )
    };
    write(input.path(), "v3.9/main.yaml", &secdb("v3.9"));
    write(input.path(), "v3.10/main.yaml", &secdb("v3.10"));
    let output = tempfile::tempdir().unwrap();
    let path = output.path().join("db.redb");
    let report = build_database(input.path(), &path).unwrap();
    assert!(report.rejected.is_empty() && report.skipped.is_empty(), "{report:?}");
    let database = Database::open(&path).unwrap();
    let advisories = database.advisories_for_package(Ecosystem::Alpine, "musl").unwrap();
    assert_eq!(advisories.len(), 1);
    let mut releases: Vec<_> = advisories[0].affected.iter().map(|affected| affected.release.clone()).collect();
    releases.sort();
    assert_eq!(releases, vec![Some("v3.10".to_owned()), Some("v3.9".to_owned())]);
}

/// A database cut short (an interrupted copy) is named damaged, with what
/// to do, instead of redb's "Database repair aborted."
#[test]
fn truncated_databases_are_named_damaged() {
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "a.json", OSV_RECORD);
    let output = tempfile::tempdir().unwrap();
    let database = output.path().join("db.redb");
    build_database(input.path(), &database).unwrap();
    let bytes = std::fs::read(&database).unwrap();
    let truncated = output.path().join("truncated.redb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let error = Database::open(&truncated).unwrap_err();
    assert!(matches!(error, DbError::Damaged { .. }), "{error}");
    assert!(error.to_string().contains("truncated.redb is damaged or truncated"), "{error}");
}
