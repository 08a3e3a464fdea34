//! Change sets: what an update, a rebuild or an import changed, per package
//! key, so a service re-matches only the inventories holding those packages;
//! and the handle a long-running process keeps, which moves to the new file.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

use kensa_db::{ChangeSet, Changes, DatabaseBuilder, DatabaseHandle, PackageKey, apply_changes, build_database};
use kensa_model::{Advisory, Ecosystem};

/// An OSV record for one package, fixed at `fixed`.
fn osv(id: &str, ecosystem: &str, name: &str, fixed: &str, extra: &str) -> String {
    format!(
        r#"{{"id": "{id}", "modified": "2024-01-02T00:00:00Z", "summary": "s" {extra},
            "affected": [{{"package": {{"ecosystem": "{ecosystem}", "name": "{name}"}},
              "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
    )
}

/// Advisories parsed from OSV records, as an update hands them over.
fn advisories(records: &[(&str, String)]) -> Vec<Advisory> {
    let mut builder = DatabaseBuilder::default();
    for (name, contents) in records {
        builder.add_file(name, contents.as_bytes());
    }
    let parts = builder.into_parts();
    assert!(parts.report.rejected.is_empty(), "{:?}", parts.report.rejected);
    parts.advisories
}

fn key(ecosystem: Ecosystem, name: &str) -> PackageKey {
    PackageKey { ecosystem, name: name.to_owned() }
}

fn ids(set: &std::collections::BTreeSet<String>) -> Vec<&str> {
    set.iter().map(String::as_str).collect()
}

fn write_feed(directory: &Path, records: &[(&str, String)]) {
    for (name, contents) in records {
        std::fs::write(directory.join(name), contents).unwrap();
    }
}

fn base_records() -> Vec<(&'static str, String)> {
    vec![
        ("a.json", osv("GHSA-aaaa-0001", "PyPI", "requests", "2.20.0", "")),
        ("b.json", osv("GHSA-bbbb-0001", "npm", "lodash", "4.17.21", "")),
        ("c.json", osv("GO-2024-0001", "Go", "example.com/x", "1.2.0", "")),
        ("e.json", osv("GHSA-eeee-0001", "PyPI", "old-name", "1.0", "")),
    ]
}

/// One update: a record changed (another fixed version), one withdrawn, one
/// added, one naming another package than before, one re-sent unchanged.
/// Each lands under its package key, the unchanged one nowhere; sending the
/// same update again changes nothing.
#[test]
fn updates_name_what_they_added_changed_and_withdrew() {
    let input = tempfile::tempdir().unwrap();
    write_feed(input.path(), &base_records());
    let output = tempfile::tempdir().unwrap();
    let database = output.path().join("db.redb");
    build_database(input.path(), &database).unwrap();

    let update = advisories(&[
        ("a.json", osv("GHSA-aaaa-0001", "PyPI", "requests", "2.21.0", "")),
        ("b.json", osv("GHSA-bbbb-0001", "npm", "lodash", "4.17.21", r#", "withdrawn": "2024-02-01T00:00:00Z""#)),
        ("c.json", osv("GO-2024-0001", "Go", "example.com/x", "1.2.0", "")),
        ("d.json", osv("GHSA-dddd-0001", "crates.io", "serde", "1.0.1", "")),
        ("e.json", osv("GHSA-eeee-0001", "PyPI", "new-name", "1.0", "")),
    ]);
    let changes = Changes { advisories: update.clone(), ..Changes::default() };
    let applied = apply_changes(&database, &changes).unwrap();
    let set = &applied.changes;
    assert_eq!((applied.added, applied.replaced), (1, 4));
    let keys: std::collections::BTreeSet<(&str, &str)> =
        set.packages.keys().map(|key| (key.ecosystem.as_str(), key.name.as_str())).collect();
    let expected: std::collections::BTreeSet<(&str, &str)> =
        [("crates.io", "serde"), ("npm", "lodash"), ("PyPI", "new-name"), ("PyPI", "old-name"), ("PyPI", "requests")]
            .into_iter()
            .collect();
    assert_eq!(keys, expected, "the unchanged Go record is in no package's changes");
    assert_eq!(ids(&set.packages[&key(Ecosystem::PyPI, "requests")].changed), ["GHSA-aaaa-0001"]);
    assert_eq!(ids(&set.packages[&key(Ecosystem::Npm, "lodash")].withdrawn), ["GHSA-bbbb-0001"]);
    assert_eq!(ids(&set.packages[&key(Ecosystem::CratesIo, "serde")].added), ["GHSA-dddd-0001"]);
    assert_eq!(ids(&set.packages[&key(Ecosystem::PyPI, "old-name")].withdrawn), ["GHSA-eeee-0001"]);
    assert_eq!(ids(&set.packages[&key(Ecosystem::PyPI, "new-name")].added), ["GHSA-eeee-0001"]);
    assert_eq!(set.advisory_ids().len(), 4);

    let again = apply_changes(&database, &Changes { advisories: update, ..Changes::default() }).unwrap();
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert_eq!((again.added, again.replaced), (0, 5));
}

/// A withdrawn advisory that comes back is added again; KEV entries added
/// or dropped by a new catalog are named by CVE.
#[test]
fn reinstated_advisories_and_catalog_changes() {
    let input = tempfile::tempdir().unwrap();
    let mut records = base_records();
    records[1].1 = osv("GHSA-bbbb-0001", "npm", "lodash", "4.17.21", r#", "withdrawn": "2024-02-01T00:00:00Z""#);
    write_feed(input.path(), &records);
    let output = tempfile::tempdir().unwrap();
    let database = output.path().join("db.redb");
    build_database(input.path(), &database).unwrap();
    let entry = |cve: &str| kensa_model::KnownExploited {
        cve: cve.to_owned(),
        date_added: "2024-01-01".to_owned(),
        due_date: "2024-01-22".to_owned(),
        known_ransomware_use: false,
        name: "n".to_owned(),
    };
    let first = Changes {
        advisories: advisories(&[("b.json", osv("GHSA-bbbb-0001", "npm", "lodash", "4.17.21", ""))]),
        known_exploited: Some(vec![entry("CVE-2024-0001"), entry("CVE-2024-0002")]),
        ..Changes::default()
    };
    let applied = apply_changes(&database, &first).unwrap();
    assert_eq!(ids(&applied.changes.packages[&key(Ecosystem::Npm, "lodash")].added), ["GHSA-bbbb-0001"]);
    assert_eq!(ids(&applied.changes.known_exploited), ["CVE-2024-0001", "CVE-2024-0002"]);
    let second = Changes { known_exploited: Some(vec![entry("CVE-2024-0002")]), ..Changes::default() };
    let applied = apply_changes(&database, &second).unwrap();
    assert_eq!(ids(&applied.changes.known_exploited), ["CVE-2024-0001"], "the dropped entry");
    assert!(applied.changes.packages.is_empty());
}

/// `db build` over an existing database reports the difference from the one
/// it replaces; over nothing, everything it holds; an import the same.
#[test]
fn rebuilds_and_imports_diff_against_the_database_they_replace() {
    let input = tempfile::tempdir().unwrap();
    write_feed(input.path(), &base_records());
    let output = tempfile::tempdir().unwrap();
    let database = output.path().join("db.redb");
    let first = build_database(input.path(), &database).unwrap();
    assert_eq!(first.changes.packages.len(), 4, "a first build adds everything: {:?}", first.changes);
    assert!(first.changes.packages.values().all(|changes| changes.changed.is_empty() && changes.withdrawn.is_empty()));

    let same = build_database(input.path(), &database).unwrap();
    assert_eq!(same.changes, ChangeSet::default(), "a rebuild from the same files changes nothing");

    std::fs::remove_file(input.path().join("c.json")).unwrap();
    write_feed(input.path(), &[("a.json", osv("GHSA-aaaa-0001", "PyPI", "requests", "2.22.0", ""))]);
    let rebuilt = build_database(input.path(), &database).unwrap();
    assert_eq!(rebuilt.changes.packages.len(), 2);
    assert_eq!(ids(&rebuilt.changes.packages[&key(Ecosystem::Go, "example.com/x")].withdrawn), ["GO-2024-0001"]);
    assert_eq!(ids(&rebuilt.changes.packages[&key(Ecosystem::PyPI, "requests")].changed), ["GHSA-aaaa-0001"]);

    // Export this one, go back to the first state, import: the difference again, reversed.
    let bundle = output.path().join("db.tar.gz");
    kensa_db::export_bundle(&database, &bundle).unwrap();
    write_feed(input.path(), &base_records());
    build_database(input.path(), &database).unwrap();
    // Into a place holding no database: everything the bundle holds is new.
    let fresh = kensa_db::import_bundle(&bundle, &output.path().join("fresh.redb")).unwrap();
    assert_eq!(fresh.changes.packages.len(), 3, "{:?}", fresh.changes);
    assert!(fresh.changes.packages.values().all(|changes| changes.changed.is_empty() && changes.withdrawn.is_empty()));
    let imported = kensa_db::import_bundle(&bundle, &database).unwrap();
    assert_eq!(ids(&imported.changes.packages[&key(Ecosystem::Go, "example.com/x")].withdrawn), ["GO-2024-0001"]);
    assert_eq!(ids(&imported.changes.packages[&key(Ecosystem::PyPI, "requests")].changed), ["GHSA-aaaa-0001"]);
}

/// A handle sees the database an update published, without being reopened;
/// a snapshot taken before keeps answering from the old file.
#[test]
fn handles_move_to_the_new_database_and_old_snapshots_stay_readable() {
    let input = tempfile::tempdir().unwrap();
    write_feed(input.path(), &base_records());
    let output = tempfile::tempdir().unwrap();
    let database = output.path().join("db.redb");
    build_database(input.path(), &database).unwrap();
    let handle = DatabaseHandle::open(&database).unwrap();
    let before = handle.snapshot().unwrap();
    assert_eq!(handle.generation(), 1);
    assert!(std::sync::Arc::ptr_eq(&before, &handle.snapshot().unwrap()), "unchanged file: same snapshot");

    let changes = Changes {
        advisories: advisories(&[("d.json", osv("GHSA-dddd-0001", "crates.io", "serde", "1.0.1", ""))]),
        ..Changes::default()
    };
    apply_changes(&database, &changes).unwrap();
    let after = handle.snapshot().unwrap();
    assert_eq!(handle.generation(), 2);
    assert_eq!(after.advisories_for_package(Ecosystem::CratesIo, "serde").unwrap().len(), 1);
    assert!(before.advisories_for_package(Ecosystem::CratesIo, "serde").unwrap().is_empty());
    assert_eq!(before.advisories_for_package(Ecosystem::PyPI, "requests").unwrap().len(), 1);
}
