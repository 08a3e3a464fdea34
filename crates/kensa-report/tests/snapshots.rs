//! Every output format, snapshotted whole on one report that exercises what
//! each format must carry: a CVE with a CVSS vector, a KEV entry and an EPSS
//! score; a suppressed finding; a distribution package left unfixed; and a
//! package whose name and summary hold terminal controls, a formula and a
//! `javascript:` reference (escaped, neutralised, not linked). Times are
//! given, so every format is byte-for-byte deterministic. The schema
//! validators run in kensa-cli's formats tests; these pin the bytes.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use kensa_model::{
    Advisory, AdvisoryLookup, AffectedPackage, AffectedRange, CvssVector, CvssVersion, Distro, Ecosystem, EpssScore,
    FixState, Inventory, KnownExploited, Package, RangeEvent, RangeKind, Resource, ResourceKind, Suppression,
};

struct Lookup(Vec<Advisory>);

impl AdvisoryLookup for Lookup {
    type Error = std::convert::Infallible;

    fn advisories_for(&self, ecosystem: Ecosystem, name: &str) -> Result<Vec<Advisory>, Self::Error> {
        Ok(self
            .0
            .iter()
            .filter(|advisory| {
                advisory.affected.iter().any(|affected| affected.ecosystem == ecosystem && affected.name == name)
            })
            .cloned()
            .collect())
    }

    fn known_exploited(&self, cve: &str) -> Result<Option<KnownExploited>, Self::Error> {
        Ok((cve == "CVE-2021-23337").then(|| KnownExploited {
            cve: cve.to_owned(),
            date_added: "2024-01-10".to_owned(),
            due_date: "2024-01-31".to_owned(),
            known_ransomware_use: false,
            name: "Lodash Command Injection".to_owned(),
        }))
    }

    fn epss(&self, cve: &str) -> Result<Option<EpssScore>, Self::Error> {
        Ok((cve == "CVE-2021-23337").then_some(EpssScore { probability: 0.02163, percentile: 0.89135 }))
    }
}

fn affected(ecosystem: Ecosystem, name: &str, release: Option<&str>, fixed: Option<&str>) -> AffectedPackage {
    let mut events = vec![RangeEvent::Introduced("0".to_owned())];
    events.extend(fixed.map(|fixed| RangeEvent::Fixed(fixed.to_owned())));
    AffectedPackage {
        ecosystem,
        release: release.map(str::to_owned),
        name: name.to_owned(),
        ranges: vec![AffectedRange::Events { kind: RangeKind::Ecosystem, events }],
        versions: Vec::new(),
        ecosystem_specific: None,
        fix_state: fixed.is_none().then_some(FixState::NotFixed),
        distro_severity: fixed.is_none().then(|| "low".to_owned()),
    }
}

fn advisory(id: &str, aliases: &[&str], summary: &str, references: &[&str], affected: AffectedPackage) -> Advisory {
    Advisory {
        id: id.to_owned(),
        aliases: aliases.iter().map(|alias| (*alias).to_owned()).collect(),
        summary: summary.to_owned(),
        details: String::new(),
        published: Some("2021-02-15T00:00:00Z".to_owned()),
        modified: Some("2024-01-01T00:00:00Z".to_owned()),
        withdrawn: None,
        cvss: vec![CvssVector {
            version: CvssVersion::V3,
            vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H".to_owned(),
        }],
        database_severity: None,
        references: references.iter().map(|reference| (*reference).to_owned()).collect(),
        informational: None,
        affected: vec![affected],
        source: "osv".to_owned(),
        notes: Vec::new(),
    }
}

/// The inventory, findings, warnings and match notes of the report.
type ReportParts = (Inventory, Vec<kensa_model::Finding>, Vec<kensa_model::Finding>, Vec<(String, String)>);

fn report_parts() -> ReportParts {
    let mut inventory = Inventory::new(Resource { kind: ResourceKind::Directory, name: "project".to_owned() });
    inventory.distro = Some(Distro { id: "debian".to_owned(), version: "12".to_owned(), ..Distro::default() });
    inventory.packages.push(Package::new(Ecosystem::Npm, "lodash", "4.17.20", "app/package-lock.json"));
    inventory.packages.push(Package::new(Ecosystem::Npm, "left-pad\u{1b}[2J", "1.0.0", "app/package-lock.json"));
    inventory.packages.push(
        Package::operating_system(
            Ecosystem::Debian,
            "openssl",
            "3.0.11-1~deb12u2",
            "var/lib/dpkg/status",
            Some("amd64"),
            Some("debian-12"),
        )
        .with_source("openssl", "3.0.11-1~deb12u2"),
    );
    inventory.normalize();
    let lookup = Lookup(vec![
        advisory(
            "GHSA-35jh-r3h4-6jhm",
            &["CVE-2021-23337"],
            "Command Injection in lodash",
            &["javascript:alert(1)", "https://nvd.nist.gov/vuln/detail/CVE-2021-23337"],
            affected(Ecosystem::Npm, "lodash", None, Some("4.17.21")),
        ),
        advisory(
            "GHSA-aaaa-bbbb-cccc",
            &[],
            "=HYPERLINK(\"http://evil\") \u{1b}[31mred\r overwritten",
            &["https://example.org/advisory"],
            affected(Ecosystem::Npm, "left-pad\u{1b}[2J", None, Some("1.0.1")),
        ),
        advisory(
            "DEBIAN-CVE-2024-0727",
            &["CVE-2024-0727"],
            "PKCS12 NULL dereference",
            &["https://security-tracker.debian.org/tracker/CVE-2024-0727"],
            affected(Ecosystem::Debian, "openssl", Some("12"), None),
        ),
    ]);
    let mut outcome =
        kensa_match::match_inventory_with_exposure(&inventory, &lookup, kensa_model::Exposure::Internet).unwrap();
    for finding in &mut outcome.findings {
        if finding.id == "CVE-2024-0727" {
            finding.suppressed = Some(Suppression {
                source: kensa_model::SuppressionSource::IgnoreFile,
                status: kensa_model::SuppressionStatus::Ignored,
                reason: "PKCS12 files are never parsed".to_owned(),
                by: Some("security@example.org".to_owned()),
                expires: Some("2027-01-01".to_owned()),
                file: ".kensa-ignore.yaml".to_owned(),
            });
        }
    }
    let notes =
        vec![("left-pad@1.0.0".to_owned(), "GHSA-aaaa-bbbb-cccc: a note with \u{1b}]8;;x\u{7} in it".to_owned())];
    (inventory, outcome.findings, outcome.warnings, notes)
}

fn render(write: impl Fn(&kensa_report::Report<'_>, &mut Vec<u8>) -> std::io::Result<()>) -> String {
    let (inventory, findings, warnings, notes) = report_parts();
    assert_eq!(findings.len(), 3, "{findings:#?}");
    let report =
        kensa_report::Report { inventory: &inventory, findings: &findings, warnings: &warnings, match_notes: &notes };
    let mut output = Vec::new();
    write(&report, &mut output).unwrap();
    String::from_utf8(output).unwrap()
}

#[test]
fn table() {
    insta::assert_snapshot!("table", render(|report, output| kensa_report::write_table(report, false, output)));
    insta::assert_snapshot!("table_colour", render(|report, output| kensa_report::write_table(report, true, output)));
}

#[test]
fn json() {
    insta::assert_snapshot!("json", render(|report, output| kensa_report::write_json(report, output)));
}

#[test]
fn cyclonedx() {
    insta::assert_snapshot!("cyclonedx", render(|report, output| kensa_report::write_cyclonedx(report, output)));
}

#[test]
fn spdx() {
    insta::assert_snapshot!(
        "spdx",
        render(|report, output| kensa_report::write_spdx(report, "2024-01-01T00:00:00Z", output))
    );
}

#[test]
fn sarif() {
    let sarif = render(|report, output| kensa_report::write_sarif(report, output));
    assert!(!sarif.contains("javascript:"), "only web links are links");
    insta::assert_snapshot!("sarif", sarif);
}

#[test]
fn csv() {
    let csv = render(|report, output| kensa_report::write_csv(report, output));
    assert!(csv.contains("'=HYPERLINK"), "formulas are text");
    insta::assert_snapshot!("csv", csv);
}

#[test]
fn asff() {
    let target = kensa_report::AsffTarget {
        account_id: "123456789012".to_owned(),
        region: "eu-west-1".to_owned(),
        created_at: "2024-01-01T00:00:00Z".to_owned(),
    };
    insta::assert_snapshot!("asff", render(|report, output| kensa_report::write_asff(report, &target, output)));
}

#[test]
fn ocsf() {
    insta::assert_snapshot!(
        "ocsf",
        render(|report, output| kensa_report::write_ocsf(report, 1_704_067_200_000, output))
    );
}

#[test]
fn html() {
    let html = render(|report, output| kensa_report::write_html(report, output));
    assert!(!html.contains("href=\"javascript:"), "only web links are links");
    insta::assert_snapshot!("html", html);
}
