//! The pipeline as a library, end to end on real data: a real `docker save`
//! archive of Alpine 3.10 (../shared/data/targets/images) matched against
//! the real Alpine secdb (../shared/data/advisories/alpine-secdb), with
//! filters, policy, the gate and cancellation, exactly as a server or an
//! agent calls it.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::PathBuf;

use kensa_scan::{AssessOptions, ImageLocation, ImageTarget, ScanBudget, ScanError, ScanTarget};

fn shared(relative: &str) -> PathBuf {
    kensa_test_support::shared_data(relative)
}

fn alpine_image() -> ScanTarget {
    ScanTarget::Image(Box::new(ImageTarget::new(ImageLocation::Archive(shared(
        "targets/images/docker-save/alpine-3.10.tar.gz",
    )))))
}

fn alpine_database(directory: &std::path::Path) -> kensa_db::Database {
    let path = directory.join("alpine.redb");
    kensa_db::build_database(&shared("advisories/alpine-secdb"), &path).unwrap();
    kensa_db::Database::open(&path).unwrap()
}

/// An image read, catalogued, attributed to its layer, matched, filtered and
/// gated through the library alone; the report model writes as JSON.
#[test]
fn an_image_is_collected_and_assessed_through_the_library() {
    let inventory = kensa_scan::collect_inventory(&alpine_image(), &ScanBudget::default()).unwrap();
    assert_eq!(inventory.distro.as_ref().map(|distro| distro.id.as_str()), Some("alpine"));
    let musl = inventory.packages.iter().find(|package| package.name == "musl").unwrap();
    assert!(musl.layer.as_deref().is_some_and(|layer| layer.starts_with("sha256:")), "{musl:?}");
    assert_eq!(inventory.image.as_ref().map(|image| image.layers.len()), Some(1));

    let directory = tempfile::tempdir().unwrap();
    let database = alpine_database(directory.path());
    // The real image is clean against this secdb snapshot (every secfix of
    // its packages predates the build; see kensa-cli's image_scan tests).
    let clean = kensa_scan::assess(&inventory, &database, &AssessOptions::default()).unwrap();
    assert!(clean.findings.is_empty(), "{:?}", clean.findings);
    // A stored inventory assessed again, as the service re-matches one: the
    // two openssl binaries rolled back to 1.1.1c-r0 meet the three CVEs the
    // secdb fixes in 1.1.1d-r0.
    let mut inventory = inventory;
    for package in inventory.packages.iter_mut().filter(|package| package.version == "1.1.1d-r2") {
        package.version = "1.1.1c-r0".to_owned();
    }
    let assessment = kensa_scan::assess(&inventory, &database, &AssessOptions::default()).unwrap();
    let mut found: Vec<(String, String)> =
        assessment.findings.iter().map(|finding| (finding.package.name.clone(), finding.id.clone())).collect();
    found.sort();
    let expected: Vec<(String, String)> = ["libcrypto1.1", "libssl1.1"]
        .into_iter()
        .flat_map(|name| ["CVE-2019-1547", "CVE-2019-1549", "CVE-2019-1563"].map(|id| (name.to_owned(), id.to_owned())))
        .collect();
    assert_eq!(found, expected);
    let lowest = assessment.findings.iter().map(|finding| finding.severity).min().unwrap();
    assert!(assessment.fails_at(lowest));

    // Only what the filters keep; the gate sees only that.
    let only = assessment.findings[0].severity;
    let filtered = kensa_scan::assess(
        &inventory,
        &database,
        &AssessOptions {
            filters: kensa_policy::FindingFilters { ignore_unfixed: true, severities: vec![only] },
            ..AssessOptions::default()
        },
    )
    .unwrap();
    assert!(filtered.findings.iter().all(|finding| finding.severity == only));

    // A rule suppressing one vulnerability marks it; the others stay.
    let id = assessment.findings[0].id.clone();
    let mut policy = kensa_policy::Policy::default();
    policy.add_ignore_file("rules.yaml", format!("ignore:\n  - id: {id}\n    reason: accepted\n").as_bytes()).unwrap();
    let suppressed = kensa_scan::assess(
        &inventory,
        &database,
        &AssessOptions { policy, today: "2026-01-01".to_owned(), ..AssessOptions::default() },
    )
    .unwrap();
    assert!(suppressed.policy.suppressed >= 1);
    assert!(suppressed.findings.iter().filter(|finding| finding.id == id).all(|finding| finding.suppressed.is_some()));
    assert!(suppressed.clone().without_suppressed().findings.iter().all(|finding| finding.id != id));

    let mut json = Vec::new();
    kensa_report::write_json(&assessment.report(&inventory), &mut json).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed["findings"].as_array().map(Vec::len), Some(assessment.findings.len()));
}

/// A cancelled budget stops a scan with an error naming it, whatever the
/// target; a budget of one thread gives the same inventory as the default.
#[test]
fn budgets_bound_threads_and_cancel_scans() {
    let one_thread = kensa_scan::collect_inventory(&alpine_image(), &ScanBudget::with_threads(1)).unwrap();
    let default = kensa_scan::collect_inventory(&alpine_image(), &ScanBudget::default()).unwrap();
    assert_eq!(one_thread, default);

    let cancelled = ScanBudget::default();
    cancelled.cancel();
    for target in [alpine_image(), ScanTarget::Path(shared("targets/lockfiles/real-projects/cargo/ripgrep"))] {
        match kensa_scan::collect_inventory(&target, &cancelled) {
            Err(ScanError::Cancelled { .. })
            | Err(ScanError::Image { source: kensa_source::SourceError::Cancelled { .. }, .. }) => {}
            other => panic!("expected a cancellation, got {other:?}"),
        }
    }
}

/// A FIFO given as an SBOM would block a reader forever: it is refused
/// before a byte is read.
#[test]
fn fifos_are_refused_without_blocking() {
    let directory = tempfile::tempdir().unwrap();
    let fifo = directory.path().join("bom.json");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let error = kensa_scan::read_input_file(&fifo, "SBOM", kensa_scan::INPUT_SIZE_LIMIT).unwrap_err();
    assert!(error.to_string().contains("not a regular file"), "{error}");
}
