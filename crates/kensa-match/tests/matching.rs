//! Matching rules on small hand-made advisories, each test naming the rule it pins.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use kensa_match::{InMemoryAdvisories, match_inventory};
use kensa_model::{
    Advisory, AffectedPackage, AffectedRange, CvssVector, CvssVersion, Ecosystem, Inventory, Package, RangeEvent,
    RangeKind, Resource, ResourceKind, Severity,
};

fn advisory(id: &str, aliases: &[&str], affected: Vec<AffectedPackage>) -> Advisory {
    Advisory {
        id: id.to_owned(),
        aliases: aliases.iter().map(|alias| (*alias).to_owned()).collect(),
        summary: format!("summary of {id}"),
        details: String::new(),
        published: None,
        modified: None,
        withdrawn: None,
        cvss: Vec::new(),
        database_severity: None,
        references: vec![format!("https://example.test/{id}")],
        informational: None,
        affected,
        source: "test".to_owned(),
        notes: Vec::new(),
    }
}

fn affected(ecosystem: Ecosystem, name: &str, ranges: Vec<AffectedRange>, versions: &[&str]) -> AffectedPackage {
    AffectedPackage {
        ecosystem,
        release: None,
        name: ecosystem.normalize_name(name),
        ranges,
        versions: versions.iter().map(|version| (*version).to_owned()).collect(),
        ecosystem_specific: None,
        fix_state: None,
        distro_severity: None,
    }
}

fn events(kind: RangeKind, events: &[(&str, &str)]) -> AffectedRange {
    AffectedRange::Events {
        kind,
        events: events
            .iter()
            .map(|(event, version)| match *event {
                "introduced" => RangeEvent::Introduced((*version).to_owned()),
                "fixed" => RangeEvent::Fixed((*version).to_owned()),
                "last_affected" => RangeEvent::LastAffected((*version).to_owned()),
                _ => RangeEvent::Limit((*version).to_owned()),
            })
            .collect(),
    }
}

fn inventory(packages: &[(Ecosystem, &str, &str)]) -> Inventory {
    let mut inventory = Inventory::new(Resource { kind: ResourceKind::Directory, name: "test".to_owned() });
    for (ecosystem, name, version) in packages {
        inventory.packages.push(Package::new(*ecosystem, name, version, "lockfile"));
    }
    inventory.normalize();
    inventory
}

fn matched_ids(packages: &[(Ecosystem, &str, &str)], advisories: Vec<Advisory>) -> Vec<(String, String)> {
    let outcome = match_inventory(&inventory(packages), &InMemoryAdvisories::new(advisories)).unwrap();
    outcome
        .findings
        .iter()
        .map(|finding| (format!("{}@{}", finding.package.name, finding.package.version), finding.id.clone()))
        .collect()
}

/// introduced/fixed is half-open: the fixed version itself is not affected.
#[test]
fn fixed_version_is_not_affected() {
    let records = vec![advisory(
        "PYSEC-1",
        &[],
        vec![affected(
            Ecosystem::PyPI,
            "requests",
            vec![events(RangeKind::Ecosystem, &[("introduced", "0"), ("fixed", "2.20.0")])],
            &[],
        )],
    )];
    assert_eq!(
        matched_ids(&[(Ecosystem::PyPI, "requests", "2.19.1"), (Ecosystem::PyPI, "requests", "2.20.0")], records),
        vec![("requests@2.19.1".to_owned(), "PYSEC-1".to_owned())]
    );
}

/// last_affected is inclusive; versions above it are safe.
#[test]
fn last_affected_is_inclusive() {
    let records = vec![advisory(
        "GHSA-aaaa-bbbb-cccc",
        &[],
        vec![affected(
            Ecosystem::Npm,
            "left-pad",
            vec![events(RangeKind::Semver, &[("introduced", "1.0.0"), ("last_affected", "1.2.0")])],
            &[],
        )],
    )];
    let found = matched_ids(
        &[
            (Ecosystem::Npm, "left-pad", "0.9.0"),
            (Ecosystem::Npm, "left-pad", "1.2.0"),
            (Ecosystem::Npm, "left-pad", "1.2.1"),
        ],
        records,
    );
    assert_eq!(found, vec![("left-pad@1.2.0".to_owned(), "GHSA-aaaa-bbbb-cccc".to_owned())]);
}

/// Several intervals in one range, given out of order: sorting by the ecosystem's
/// ordering (not by text: 1.10 > 1.9) decides.
#[test]
fn several_intervals_out_of_order() {
    let range = events(
        RangeKind::Ecosystem,
        &[("fixed", "1.10.2"), ("introduced", "1.10.0"), ("introduced", "1.2.0"), ("fixed", "1.9.5")],
    );
    let records = vec![advisory("PYSEC-2", &[], vec![affected(Ecosystem::PyPI, "pkg", vec![range], &[])])];
    let found = matched_ids(
        &[
            (Ecosystem::PyPI, "pkg", "1.1.0"),
            (Ecosystem::PyPI, "pkg", "1.9.4"),
            (Ecosystem::PyPI, "pkg", "1.9.5"),
            (Ecosystem::PyPI, "pkg", "1.10.1"),
            (Ecosystem::PyPI, "pkg", "1.10.2"),
        ],
        records,
    );
    let packages: Vec<&str> = found.iter().map(|(package, _)| package.as_str()).collect();
    assert_eq!(packages, vec!["pkg@1.10.1", "pkg@1.9.4"]);
}

/// A version listed explicitly matches even without ranges; PyPI names are
/// compared after PEP 503 normalisation.
#[test]
fn explicit_versions_and_normalised_names() {
    let records = vec![advisory("PYSEC-3", &[], vec![affected(Ecosystem::PyPI, "Zope.Interface", vec![], &["4.0.1"])])];
    assert_eq!(
        matched_ids(
            &[(Ecosystem::PyPI, "zope-interface", "4.0.1"), (Ecosystem::PyPI, "zope-interface", "4.0.2")],
            records
        ),
        vec![("zope-interface@4.0.1".to_owned(), "PYSEC-3".to_owned())]
    );
}

/// Withdrawn advisories never match.
#[test]
fn withdrawn_never_matches() {
    let mut record = advisory(
        "GHSA-wwww-wwww-wwww",
        &[],
        vec![affected(Ecosystem::Npm, "x", vec![events(RangeKind::Semver, &[("introduced", "0")])], &[])],
    );
    record.withdrawn = Some("2024-01-01T00:00:00Z".to_owned());
    assert!(matched_ids(&[(Ecosystem::Npm, "x", "1.0.0")], vec![record]).is_empty());
}

/// Records sharing an id are one vulnerability: one finding, all ids, the CVE as
/// the id, the highest severity, fixed versions merged.
#[test]
fn aliases_merge_into_one_finding() {
    let mut rustsec = advisory(
        "RUSTSEC-2021-0003",
        &["CVE-2021-25900"],
        vec![affected(
            Ecosystem::CratesIo,
            "smallvec",
            vec![AffectedRange::UnlessRequirements {
                patched: vec![">= 1.6.1".to_owned()],
                unaffected: vec!["< 0.6.3".to_owned()],
            }],
            &[],
        )],
    );
    rustsec.cvss = vec![CvssVector {
        version: CvssVersion::V3,
        vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".to_owned(),
    }];
    let mut ghsa = advisory(
        "GHSA-43w2-9j62-hq99",
        &["CVE-2021-25900"],
        vec![affected(
            Ecosystem::CratesIo,
            "smallvec",
            vec![events(
                RangeKind::Ecosystem,
                &[("introduced", "0.6.3"), ("fixed", "0.6.14"), ("introduced", "1.0.0"), ("fixed", "1.6.1")],
            )],
            &[],
        )],
    );
    ghsa.database_severity = Some(Severity::Low);
    let outcome = match_inventory(
        &inventory(&[(Ecosystem::CratesIo, "smallvec", "1.6.0"), (Ecosystem::CratesIo, "smallvec", "0.6.2")]),
        &InMemoryAdvisories::new(vec![rustsec, ghsa]),
    )
    .unwrap();
    assert_eq!(outcome.findings.len(), 1, "{:#?}", outcome.findings);
    let finding = &outcome.findings[0];
    assert_eq!(finding.id, "CVE-2021-25900");
    assert_eq!(finding.aliases, vec!["GHSA-43w2-9j62-hq99", "RUSTSEC-2021-0003"]);
    assert_eq!(finding.severity, Severity::Critical);
    assert_eq!(finding.fixed_versions, vec!["1.6.1"]);
    assert_eq!(finding.evidence.len(), 2);
}

/// RustSec informational advisories are warnings, not vulnerabilities.
#[test]
fn informational_advisories_are_warnings() {
    let mut record = advisory(
        "RUSTSEC-2020-0036",
        &[],
        vec![affected(
            Ecosystem::CratesIo,
            "failure",
            vec![AffectedRange::UnlessRequirements { patched: vec![], unaffected: vec![] }],
            &[],
        )],
    );
    record.informational = Some("unmaintained".to_owned());
    let outcome = match_inventory(
        &inventory(&[(Ecosystem::CratesIo, "failure", "0.1.8")]),
        &InMemoryAdvisories::new(vec![record]),
    )
    .unwrap();
    assert!(outcome.findings.is_empty());
    assert_eq!(outcome.warnings.len(), 1);
    assert_eq!(outcome.warnings[0].informational.as_deref(), Some("unmaintained"));
}

/// Constraint feeds (FriendsOfPHP): affected inside any branch; the branch's fix is offered.
#[test]
fn constraint_branches() {
    let records = vec![advisory(
        "CVE-2020-0001",
        &[],
        vec![affected(
            Ecosystem::Packagist,
            "Vendor/Pkg",
            vec![AffectedRange::IfRequirements {
                affected: vec![">=1.0.0,<1.4.2".to_owned(), ">=2.0.0,<2.1.1".to_owned()],
                fixed: vec!["1.4.2".to_owned(), "2.1.1".to_owned()],
            }],
            &[],
        )],
    )];
    let outcome = match_inventory(
        &inventory(&[(Ecosystem::Packagist, "vendor/pkg", "2.0.5"), (Ecosystem::Packagist, "vendor/pkg", "1.4.2")]),
        &InMemoryAdvisories::new(records),
    )
    .unwrap();
    assert_eq!(outcome.findings.len(), 1);
    assert_eq!(outcome.findings[0].package.version, "2.0.5");
    assert_eq!(outcome.findings[0].fixed_versions, vec!["2.1.1"]);
}

/// A version the scheme cannot read never matches silently: it becomes a note.
#[test]
fn unreadable_version_is_a_note_not_a_match() {
    let records = vec![advisory(
        "PYSEC-4",
        &[],
        vec![affected(
            Ecosystem::PyPI,
            "pkg",
            vec![events(RangeKind::Ecosystem, &[("introduced", "0"), ("fixed", "2.0")])],
            &[],
        )],
    )];
    let outcome =
        match_inventory(&inventory(&[(Ecosystem::PyPI, "pkg", "not a version!")]), &InMemoryAdvisories::new(records))
            .unwrap();
    assert!(outcome.findings.is_empty());
    assert_eq!(outcome.notes.len(), 1);
}

/// Go versions carry a `v`; Go advisories' SEMVER ranges do not.
#[test]
fn go_v_prefix() {
    let records = vec![advisory(
        "GO-2021-0001",
        &[],
        vec![affected(
            Ecosystem::Go,
            "github.com/gin-gonic/gin",
            vec![events(RangeKind::Semver, &[("introduced", "0"), ("fixed", "1.7.7")])],
            &[],
        )],
    )];
    let found = matched_ids(
        &[(Ecosystem::Go, "github.com/gin-gonic/gin", "v1.7.0"), (Ecosystem::Go, "github.com/gin-gonic/gin", "v1.7.7")],
        records,
    );
    assert_eq!(found, vec![("github.com/gin-gonic/gin@v1.7.0".to_owned(), "GO-2021-0001".to_owned())]);
}

/// Fixed versions are given in the spelling Go users type (`go get m@v1.7.7`).
#[test]
fn go_fixed_versions_keep_the_v() {
    let records = vec![advisory(
        "GO-2021-0001",
        &[],
        vec![affected(
            Ecosystem::Go,
            "github.com/gin-gonic/gin",
            vec![events(RangeKind::Semver, &[("introduced", "0"), ("fixed", "1.7.7")])],
            &[],
        )],
    )];
    let outcome = match_inventory(
        &inventory(&[(Ecosystem::Go, "github.com/gin-gonic/gin", "v1.7.0")]),
        &InMemoryAdvisories::new(records),
    )
    .unwrap();
    assert_eq!(outcome.findings[0].fixed_versions, vec!["v1.7.7"]);
}

fn debian_inventory(distro_version: &str, packages: &[(&str, &str, &str, &str)]) -> Inventory {
    let mut inventory = Inventory::new(Resource { kind: ResourceKind::Directory, name: "rootfs".to_owned() });
    inventory.distro = Some(kensa_model::Distro {
        id: "debian".to_owned(),
        version: distro_version.to_owned(),
        ..kensa_model::Distro::default()
    });
    for (name, version, source, source_version) in packages {
        inventory.packages.push(
            Package::operating_system(Ecosystem::Debian, name, version, "var/lib/dpkg/status", Some("amd64"), None)
                .with_source(source, source_version),
        );
    }
    inventory.normalize();
    inventory
}

fn debian_advisory(id: &str, release: &str, source: &str, fixed: Option<&str>) -> Advisory {
    let mut events = vec![("introduced", "0")];
    if let Some(fixed) = fixed {
        events.push(("fixed", fixed));
    }
    let mut entry = affected(Ecosystem::Debian, source, vec![events_of(&events)], &[]);
    entry.release = Some(release.to_owned());
    advisory(id, &[], vec![entry])
}

fn events_of(pairs: &[(&str, &str)]) -> AffectedRange {
    events(RangeKind::Ecosystem, pairs)
}

/// Debian advisories are keyed by source package and compared with the source
/// version: libssl3 (from openssl) matches an openssl record, the binary's own
/// binNMU suffix does not hide the fix, and every binary of the source is reported.
#[test]
fn debian_matches_by_source_package_and_version() {
    let inventory = debian_inventory(
        "12",
        &[
            ("libssl3", "3.0.11-1~deb12u1+b1", "openssl", "3.0.11-1~deb12u1"),
            ("openssl", "3.0.11-1~deb12u1", "openssl", "3.0.11-1~deb12u1"),
        ],
    );
    let records = vec![debian_advisory("DSA-5532-1", "12", "openssl", Some("3.0.11-1~deb12u2"))];
    let outcome = match_inventory(&inventory, &InMemoryAdvisories::new(records)).unwrap();
    let packages: Vec<&str> = outcome.findings.iter().map(|finding| finding.package.name.as_str()).collect();
    assert_eq!(packages, vec!["libssl3", "openssl"]);
    assert_eq!(outcome.findings[0].fixed_versions, vec!["3.0.11-1~deb12u2"]);
    assert_eq!(outcome.findings[0].fix_state, kensa_model::FixState::Fixed);
}

/// A record for another release never matches, even when its range would.
#[test]
fn other_release_never_matches() {
    let inventory = debian_inventory("12.4", &[("zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1")]);
    let records = vec![debian_advisory("DLA-1-1", "11", "zlib", Some("1:1.2.13.dfsg-2"))];
    let outcome = match_inventory(&inventory, &InMemoryAdvisories::new(records)).unwrap();
    assert!(outcome.findings.is_empty());
}

/// Without a detected release, OS packages are not matched, and one note says why.
#[test]
fn unknown_release_is_a_note() {
    let mut inventory = debian_inventory("12", &[("zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1")]);
    inventory.distro = None;
    let records = vec![debian_advisory("DLA-1-1", "12", "zlib", None)];
    let outcome = match_inventory(&inventory, &InMemoryAdvisories::new(records)).unwrap();
    assert!(outcome.findings.is_empty());
    assert_eq!(outcome.notes.len(), 1);
    assert!(outcome.notes[0].message.contains("no distribution release"), "{:?}", outcome.notes);
}

/// The distribution's decisions are kept apart: not-affected never matches;
/// will-not-fix is a finding without a fix, rated with the distro's urgency.
#[test]
fn distro_fix_states_and_severity() {
    let inventory = debian_inventory(
        "12",
        &[("tar", "1.34+dfsg-1.2", "tar", "1.34+dfsg-1.2"), ("bash", "5.2.15-2+b2", "bash", "5.2.15-2")],
    );
    let mut will_not_fix = debian_advisory("DEBIAN-CVE-2005-2541", "12", "tar", None);
    will_not_fix.affected[0].fix_state = Some(kensa_model::FixState::WillNotFix);
    will_not_fix.affected[0].distro_severity = Some("low".to_owned());
    let mut not_affected = debian_advisory("DEBIAN-CVE-2022-3715", "12", "bash", None);
    not_affected.affected[0].fix_state = Some(kensa_model::FixState::NotAffected);
    let outcome = match_inventory(&inventory, &InMemoryAdvisories::new(vec![will_not_fix, not_affected])).unwrap();
    assert_eq!(outcome.findings.len(), 1);
    let finding = &outcome.findings[0];
    assert_eq!(finding.package.name, "tar");
    assert_eq!(finding.fix_state, kensa_model::FixState::WillNotFix);
    assert_eq!(finding.distro_severity.as_deref(), Some("low"));
    assert_eq!(finding.severity, Severity::Low);
    assert_eq!(finding.severity_source, kensa_model::SeveritySource::Distro);
}

/// Upstream records (here a PyPI one for a same-named project) never apply to
/// an OS package: lookups are by the package's own ecosystem.
#[test]
fn upstream_records_never_match_os_packages() {
    let inventory = debian_inventory("12", &[("python3-urllib3", "1.26.12-1", "python-urllib3", "1.26.12-1")]);
    let records = vec![advisory(
        "PYSEC-2023-192",
        &[],
        vec![affected(
            Ecosystem::PyPI,
            "python-urllib3",
            vec![events_of(&[("introduced", "0"), ("fixed", "2.0")])],
            &[],
        )],
    )];
    let outcome = match_inventory(&inventory, &InMemoryAdvisories::new(records)).unwrap();
    assert!(outcome.findings.is_empty());
}

/// A distribution advisory bundling several CVEs gives one finding per CVE,
/// each listing the bundle; a GHSA of one of those CVEs joins that CVE's finding.
#[test]
fn bundled_cves_are_separate_findings() {
    let inventory = debian_inventory("11", &[("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3")]);
    let mut bundle = debian_advisory("DSA-5343-1", "11", "openssl", Some("1.1.1n-0+deb11u4"));
    bundle.aliases = vec!["CVE-2022-4304".to_owned(), "CVE-2023-0286".to_owned()];
    let mut single = debian_advisory("DEBIAN-CVE-2023-0286", "11", "openssl", Some("1.1.1n-0+deb11u4"));
    single.aliases = vec!["CVE-2023-0286".to_owned()];
    let outcome = match_inventory(&inventory, &InMemoryAdvisories::new(vec![bundle, single])).unwrap();
    let found: Vec<(&str, Vec<&str>)> = outcome
        .findings
        .iter()
        .map(|finding| (finding.id.as_str(), finding.aliases.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        found,
        vec![("CVE-2022-4304", vec!["DSA-5343-1"]), ("CVE-2023-0286", vec!["DEBIAN-CVE-2023-0286", "DSA-5343-1"]),]
    );
}

fn identities(inventory: &Inventory, advisories: Vec<Advisory>) -> Vec<(String, String)> {
    let outcome = match_inventory(inventory, &InMemoryAdvisories::new(advisories)).unwrap();
    let mut found: Vec<(String, String)> = outcome
        .findings
        .iter()
        .map(|finding| (finding.id.clone(), kensa_model::finding_identity("resource-1", finding)))
        .collect();
    found.sort();
    found
}

/// The lifecycle identity survives what a service sees every day: a rescan,
/// packages in another order, an upgrade to a version still affected, and a
/// feed adding a CVE alias to a GHSA-only advisory (the finding's id changes,
/// its identity does not). Another resource is another finding.
#[test]
fn finding_identity_is_stable_across_rescans_reordering_and_new_aliases() {
    let record = |aliases: &[&str]| {
        advisory(
            "GHSA-aaaa-bbbb-cccc",
            aliases,
            vec![affected(
                Ecosystem::Npm,
                "lodash",
                vec![events(RangeKind::Semver, &[("introduced", "0"), ("fixed", "4.17.21")])],
                &[],
            )],
        )
    };
    let other = advisory(
        "GHSA-dddd-eeee-ffff",
        &[],
        vec![affected(
            Ecosystem::PyPI,
            "requests",
            vec![events(RangeKind::Ecosystem, &[("introduced", "0"), ("fixed", "2.31.0")])],
            &[],
        )],
    );
    let forwards = inventory(&[(Ecosystem::Npm, "lodash", "4.17.20"), (Ecosystem::PyPI, "requests", "2.30.0")]);
    let mut backwards = forwards.clone();
    backwards.packages.reverse();
    let first = identities(&forwards, vec![record(&[]), other.clone()]);
    assert_eq!(first, identities(&forwards, vec![other.clone(), record(&[])]), "a rescan, records in another order");
    assert_eq!(first, identities(&backwards, vec![record(&[]), other.clone()]), "packages in another order");
    let upgraded = inventory(&[(Ecosystem::Npm, "lodash", "4.17.19"), (Ecosystem::PyPI, "requests", "2.30.0")]);
    assert_eq!(first, identities(&upgraded, vec![record(&[]), other.clone()]), "another version, still affected");

    let with_cve = identities(&forwards, vec![record(&["CVE-2021-23337"]), other]);
    assert_eq!(with_cve[0].0, "CVE-2021-23337", "the finding is now known by its CVE");
    let lodash_before = first.iter().find(|(id, _)| id == "GHSA-aaaa-bbbb-cccc").unwrap();
    assert_eq!(with_cve[0].1, lodash_before.1, "but keeps its identity");

    let outcome = match_inventory(&forwards, &InMemoryAdvisories::new(vec![record(&[])])).unwrap();
    let finding = &outcome.findings[0];
    assert_ne!(
        kensa_model::finding_identity("resource-1", finding),
        kensa_model::finding_identity("resource-2", finding)
    );
    assert_eq!(kensa_model::finding_identity("resource-1", finding).len(), 32);
}

/// Each CVE of a bundled distribution advisory is a finding of its own
/// identity, anchored to the CVE.
#[test]
fn bundled_cves_have_identities_of_their_own() {
    let inventory = debian_inventory("11", &[("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3")]);
    let mut bundle = debian_advisory("DSA-5343-1", "11", "openssl", Some("1.1.1n-0+deb11u4"));
    bundle.aliases = vec!["CVE-2022-4304".to_owned(), "CVE-2023-0286".to_owned()];
    let found = identities(&inventory, vec![bundle]);
    assert_eq!(found.len(), 2);
    assert_ne!(found[0].1, found[1].1);
}
