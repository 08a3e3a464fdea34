//! Runs `parse_file` over every file under shared/data/advisories and pins what
//! happens to each: parsed, skipped (not an advisory), unsupported or invalid,
//! counted per directory, with every rejection listed with its reason.
//!
//! The counts were checked against the data: the OSV feeds (Go, PyPA, GHSA,
//! AlmaLinux, Rocky, Chainguard/Wolfi) all parse; Bitnami/root.io/OSS-Fuzz/SwiftURL
//! records are unsupported because their only ecosystems are not in `kensa_model`; the
//! distro feeds with a parser (Alpine/Wolfi/Chainguard secdb, the Debian tracker
//! JSON and DSA/DLA lists, the Ubuntu CVE Tracker's text entries) all parse; the
//! feeds without a parser yet (NVD, CVE 5, EPSS, the Debian CVE list and
//! vuln-list layout, vunnel's normalised UCT JSON, OVAL, CSAF) and KEV (enrichment, read by `parse_known_exploited`) are unsupported
//! with a reason naming the format.

// Tests fail by panicking; the workspace's no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kensa_advisory::{AdvisoryError, parse_file};
use kensa_model::{Advisory, AffectedRange, RangeEvent};

const ADVISORIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/advisories");

/// Sources whose second-level directories are separate feeds or fixture sets.
const TWO_LEVEL_SOURCES: [&str; 9] = [
    "almalinux-osv",
    "cve5",
    "distro-samples",
    "ghsa",
    "nodejs-security-wg",
    "nvd",
    "osv-samples",
    "rubysec",
    "rustsec",
];

fn all_files(directory: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// The directory a file is counted under, e.g. `rustsec/crates` or `pypa`.
fn group_of(relative: &str) -> String {
    let components: Vec<&str> = relative.split('/').collect();
    if components.len() > 2 && TWO_LEVEL_SOURCES.contains(&components[0]) {
        format!("{}/{}", components[0], components[1])
    } else {
        components[0].to_owned()
    }
}

#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
struct Outcomes {
    parsed: usize,
    skipped: usize,
    unsupported: usize,
    invalid: usize,
}

struct Walk {
    outcomes: BTreeMap<String, Outcomes>,
    invalid: Vec<(String, String)>,
    unsupported_reasons: BTreeMap<String, BTreeMap<String, usize>>,
    advisories: Vec<(String, Advisory)>,
}

/// The walk is shared by the tests in this file: it reads about 16 000 files.
fn walk_everything() -> &'static Walk {
    static WALK: OnceLock<Walk> = OnceLock::new();
    WALK.get_or_init(walk_uncached)
}

fn walk_uncached() -> Walk {
    let root = Path::new(ADVISORIES);
    let mut files = Vec::new();
    all_files(root, &mut files);
    files.sort();
    let mut walk = Walk {
        outcomes: BTreeMap::new(),
        invalid: Vec::new(),
        unsupported_reasons: BTreeMap::new(),
        advisories: Vec::new(),
    };
    for file in files {
        let relative = file.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let contents = std::fs::read(&file).unwrap();
        // The full path goes in, as the database builder will pass it: only the
        // last components may influence detection.
        let result = parse_file(&file.to_string_lossy(), &contents);
        let group = group_of(&relative);
        let outcomes = walk.outcomes.entry(group.clone()).or_default();
        match result {
            Ok(advisories) => {
                outcomes.parsed += 1;
                walk.advisories.extend(advisories.into_iter().map(|advisory| (relative.clone(), advisory)));
            }
            Err(AdvisoryError::NotAnAdvisory { .. }) => outcomes.skipped += 1,
            Err(AdvisoryError::Unsupported { reason, .. }) => {
                outcomes.unsupported += 1;
                *walk.unsupported_reasons.entry(group).or_default().entry(reason).or_default() += 1;
            }
            Err(AdvisoryError::Invalid { reason, path }) => {
                assert!(path.ends_with(&relative), "the error names the file: {path}");
                outcomes.invalid += 1;
                walk.invalid.push((relative, reason));
            }
            Err(other) => panic!("unexpected error kind {other:?}"),
        }
    }
    walk
}

fn outcomes(parsed: usize, skipped: usize, unsupported: usize, invalid: usize) -> Outcomes {
    Outcomes { parsed, skipped, unsupported, invalid }
}

/// Every file is accounted for, per directory, and no real advisory is rejected.
#[test]
fn every_file_under_shared_advisories_has_the_checked_outcome() {
    let walk = walk_everything();
    let expected: BTreeMap<String, Outcomes> = [
        ("almalinux-osv", outcomes(0, 1, 0, 0)),
        ("almalinux-osv/almalinux10", outcomes(660, 0, 0, 0)),
        ("almalinux-osv/almalinux9", outcomes(1783, 0, 0, 0)),
        ("alpine-secdb", outcomes(18, 0, 0, 0)),
        ("cisa-kev", outcomes(0, 2, 2, 0)),
        ("cve5/cvelistV5", outcomes(0, 0, 11, 0)),
        ("cve5/records", outcomes(0, 0, 13, 0)),
        ("debian-security-tracker", outcomes(2, 2, 0, 0)),
        ("distro-samples/almalinux", outcomes(0, 0, 1, 0)),
        ("distro-samples/alpine", outcomes(2, 0, 0, 0)),
        // Four updateinfo.xml.gz parsed; updateinfo_invalid.xml.gz is cut short (invalid, by design);
        // repomd.xml skipped; the ALAS RSS and HTML pages unsupported.
        ("distro-samples/amazon", outcomes(4, 2, 6, 1)),
        ("distro-samples/arch", outcomes(0, 0, 1, 0)),
        ("distro-samples/chainguard", outcomes(1, 0, 0, 0)),
        ("distro-samples/debian", outcomes(5, 12, 9, 0)),
        ("distro-samples/mariner", outcomes(0, 0, 2, 0)),
        ("distro-samples/oracle", outcomes(0, 0, 1, 0)),
        ("distro-samples/rhel", outcomes(0, 0, 9, 0)),
        ("distro-samples/rocky", outcomes(1, 1, 0, 0)),
        ("distro-samples/suse", outcomes(0, 0, 1, 0)),
        ("distro-samples/ubuntu", outcomes(0, 0, 4, 0)),
        ("distro-samples/wolfi", outcomes(1, 0, 0, 0)),
        ("epss", outcomes(0, 0, 2, 0)),
        ("ghsa/advisory-database", outcomes(10, 0, 0, 0)),
        ("ghsa/trivy-db-fixtures", outcomes(9, 0, 1, 0)),
        ("go-vulndb", outcomes(4291, 0, 0, 0)),
        ("nodejs-security-wg", outcomes(0, 1, 0, 0)),
        ("nodejs-security-wg/core", outcomes(0, 1, 171, 0)),
        ("nodejs-security-wg/npm", outcomes(467, 1, 0, 0)),
        ("nvd", outcomes(0, 0, 3, 0)),
        ("nvd/cve-api-2.0-records", outcomes(0, 0, 23, 0)),
        ("osv-samples/grype-osv", outcomes(13, 0, 7, 0)),
        ("osv-samples/osv-dev", outcomes(3, 0, 0, 0)),
        ("osv-samples/osv-scanner-offline-dbs", outcomes(24, 0, 4, 0)),
        ("osv-samples/vunnel-alma", outcomes(5, 0, 0, 0)),
        ("osv-samples/vunnel-bitnami", outcomes(0, 0, 2, 0)),
        ("osv-samples/vunnel-chainguard", outcomes(3, 1, 0, 0)),
        ("osv-samples/vunnel-rocky", outcomes(3, 0, 0, 0)),
        ("osv-samples/vunnel-ubuntu", outcomes(9, 0, 0, 0)),
        ("php-security-advisories", outcomes(1592, 2, 0, 0)),
        ("pypa", outcomes(2661, 2, 0, 0)),
        ("rubysec", outcomes(0, 1, 0, 0)),
        ("rubysec/gems", outcomes(1234, 0, 0, 0)),
        ("rubysec/rubies", outcomes(0, 0, 147, 0)),
        ("rustsec", outcomes(0, 1, 0, 0)),
        ("rustsec/crates", outcomes(1205, 0, 0, 0)),
        ("rustsec/rust", outcomes(0, 0, 20, 0)),
        ("ubuntu-cve-tracker", outcomes(329, 0, 0, 0)),
    ]
    .into_iter()
    .map(|(group, outcomes)| (group.to_owned(), outcomes))
    .collect();
    let mismatches: Vec<String> = walk
        .outcomes
        .iter()
        .filter(|(group, actual)| expected.get(*group) != Some(actual))
        .map(|(group, actual)| format!("{group}: got {actual:?}, expected {:?}", expected.get(group)))
        .chain(
            expected
                .keys()
                .filter(|group| !walk.outcomes.contains_key(*group))
                .map(|group| format!("{group}: expected but no files found")),
        )
        .collect();
    assert!(mismatches.is_empty(), "outcome counts differ:\n{}", mismatches.join("\n"));
    // No real advisory in the shared data is malformed: every OSV, RustSec,
    // RubySec, FriendsOfPHP and npm record loads (checked file by file when the
    // parsers' validation was written; a rejection here is a regression). The
    // one rejection is vuln-list-update's deliberately truncated fixture.
    let invalid: Vec<&str> = walk.invalid.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(invalid, ["distro-samples/amazon/updateinfo/updateinfo_invalid.xml.gz"]);
}

/// Unsupported OSV records are unsupported for the reason checked by reading
/// them: all their affected packages are in ecosystems Kensa does not model.
#[test]
fn unsupported_osv_records_name_their_ecosystems() {
    let walk = walk_everything();
    let reasons = |group: &str| walk.unsupported_reasons.get(group).cloned().unwrap_or_default();
    let offline = reasons("osv-samples/osv-scanner-offline-dbs");
    assert_eq!(offline.get("no affected package in a supported ecosystem: OSS-Fuzz"), Some(&2));
    assert_eq!(
        offline
            .get("no affected package in a supported ecosystem: Git repositories (affected entry without a package)"),
        Some(&2)
    );
    assert_eq!(
        reasons("ghsa/trivy-db-fixtures").keys().collect::<Vec<_>>(),
        ["no affected package in a supported ecosystem: SwiftURL"]
    );
    assert_eq!(
        reasons("rubysec/rubies").keys().collect::<Vec<_>>(),
        ["RubySec advisory about a Ruby interpreter (rubies/), not a gem"]
    );
    assert!(reasons("rustsec/rust").keys().all(|reason| reason.contains("Rust toolchain advisory")));
    assert_eq!(
        reasons("nvd/cve-api-2.0-records").keys().collect::<Vec<_>>(),
        ["NVD CVE API 2.0 response: CVSS enrichment data: use parse_nvd_response"]
    );
}

/// Every real NVD CVE API 2.0 response in shared reads as CVSS enrichment:
/// each record gives its CVE, and the xz backdoor (CVE-2024-3094) carries
/// NVD's own (Primary) v3.1 vector, 10.0.
#[test]
fn nvd_api_responses_give_cvss_per_cve() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/nvd");
    let mut files: Vec<std::path::PathBuf> =
        std::fs::read_dir(directory.join("cve-api-2.0-records")).unwrap().map(|entry| entry.unwrap().path()).collect();
    files.push(directory.join("cve-api-2.0-page.json"));
    files.push(directory.join("cve-api-2.0-single.json"));
    let mut records = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let parsed = kensa_advisory::parse_nvd_response(&file.display().to_string(), &bytes).unwrap();
        assert!(!parsed.is_empty(), "{}", file.display());
        records.extend(parsed);
    }
    assert!(records.iter().all(|record| record.cve.starts_with("CVE-")));
    let xz = records.iter().find(|record| record.cve == "CVE-2024-3094").unwrap();
    assert!(xz.vectors.iter().any(|vector| vector.vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), "{xz:?}");
    assert!(records.iter().filter(|record| !record.vectors.is_empty()).count() > records.len() / 2);
}

/// Properties every parsed advisory must have, whatever its feed.
#[test]
fn every_parsed_advisory_is_normalised() {
    let walk = walk_everything();
    assert_eq!(
        walk.advisories.len(),
        4291 + 2661 + 1205 + 1234 + 1592 + 467 + 10 + 9 + 13 + 3 + 24 + 9 + 1783 + 660 + 5 + 3 + 3
        // Distro feeds (counts checked in tests/distro_feeds.rs): Alpine secdb
        // YAML, the v3.15 samples (13 + 3), Wolfi, Chainguard, the DSA and DLA
        // lists, and the Debian samples (tracker JSON 6 + 3, lists 7 + 1 + 1).
        + 11_454 + 16 + 59 + 189 + 5382 + 3530 + 18
        // The Ubuntu CVE Tracker's active CVE-2020 entries, one advisory each
        // (tests/ubuntu_cve_tracker.rs).
        + 329
        // yum updateinfo.xml security errata: Amazon Linux (1 + 2 + 1 + 1) and Rocky Linux (3).
        + 5 + 3
    );
    for (file, advisory) in &walk.advisories {
        assert!(!advisory.id.is_empty(), "{file}");
        let mut sorted = advisory.aliases.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(advisory.aliases, sorted, "{file}: aliases sorted and unique");
        assert!(!advisory.aliases.contains(&advisory.id), "{file}: aliases exclude the id");
        assert!(!advisory.affected.is_empty(), "{file}: parsed advisories affect something");
        for affected in &advisory.affected {
            assert_eq!(affected.name, affected.ecosystem.normalize_name(&affected.name), "{file}");
            for range in &affected.ranges {
                match range {
                    AffectedRange::Events { events, .. } => {
                        assert!(events.iter().any(|event| matches!(event, RangeEvent::Introduced(_))), "{file}");
                        for event in events {
                            let (RangeEvent::Introduced(version)
                            | RangeEvent::Fixed(version)
                            | RangeEvent::LastAffected(version)
                            | RangeEvent::Limit(version)) = event;
                            assert!(!version.is_empty() && version.trim() == version, "{file}: {event:?}");
                        }
                    }
                    AffectedRange::UnlessRequirements { patched, unaffected } => {
                        assert!(patched.iter().chain(unaffected).all(|requirement| !requirement.is_empty()), "{file}");
                    }
                    AffectedRange::IfRequirements { affected, .. } => {
                        assert!(
                            !affected.is_empty() && affected.iter().all(|requirement| !requirement.is_empty()),
                            "{file}"
                        );
                    }
                }
            }
        }
    }
}

/// Feeds with one advisory per file name it after its id: the id must come
/// from the file, not from a neighbour or a default.
#[test]
fn advisory_ids_match_their_file_names_where_the_feed_says_so() {
    let walk = walk_everything();
    for (file, advisory) in &walk.advisories {
        let stem = file.rsplit('/').next().unwrap().split('.').next().unwrap();
        if file.starts_with("go-vulndb/")
            || file.starts_with("pypa/")
            || file.starts_with("rustsec/")
            || file.starts_with("rubysec/")
        {
            assert_eq!(advisory.id, stem, "{file}");
        }
        if file.starts_with("nodejs-security-wg/npm/") {
            assert_eq!(advisory.id, format!("NSWG-ECO-{stem}"), "{file}");
        }
    }
}
