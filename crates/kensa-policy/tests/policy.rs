//! The policy library on its own: suppression by ignore rules and VEX, the
//! filters and the `--fail-on` gate, on hand-made findings (each test says
//! what it proves).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use kensa_model::{Ecosystem, Finding, FixState, PackageRef, Severity};
use kensa_policy::{FindingFilters, Policy, fails_at};

fn finding(id: &str, name: &str, purl: &str, severity: Severity, fix_state: FixState) -> Finding {
    Finding {
        id: id.to_owned(),
        aliases: vec![format!("CVE-{id}")],
        package: PackageRef {
            name: name.to_owned(),
            version: "7.0.0".to_owned(),
            ecosystem: Ecosystem::Npm,
            purl: purl.to_owned(),
            location: "app.war!/WEB-INF/package-lock.json".to_owned(),
            layer: None,
        },
        fixed_versions: Vec::new(),
        fix_state,
        distro_severity: None,
        known_exploited: None,
        epss: None,
        severity,
        severity_source: kensa_model::SeveritySource::None,
        cvss: Vec::new(),
        summary: String::new(),
        references: Vec::new(),
        informational: None,
        evidence: Vec::new(),
        fingerprint: String::new(),
        identity_anchor: id.to_owned(),
        kensa_score: None,
        suppressed: None,
        under_investigation: None,
    }
}

fn babel() -> Finding {
    finding("GHSA-babel", "@babel/core", "pkg:npm/%40babel/core@7.0.0", Severity::High, FixState::Fixed)
}

/// A VEX statement naming the package as `pkg:npm/@babel/core@7.0.0` (how
/// people write it) suppresses the finding whose purl says `%40babel`: one
/// package per the purl specification, not two strings.
#[test]
fn vex_products_match_purls_however_they_are_encoded() {
    for product in ["pkg:npm/@babel/core@7.0.0", "pkg:npm/%40babel/core", "pkg:npm/@Babel/Core@7.0.0"] {
        let vex = format!(
            r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{{"vulnerability": {{"name": "GHSA-babel"}},
               "products": [{{"@id": "{product}"}}], "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}}]}}"#
        );
        let mut policy = Policy::default();
        policy.add_vex("vex.json", vex.as_bytes()).unwrap();
        let mut findings = vec![babel()];
        assert_eq!(policy.apply(&mut findings, "2026-01-01").suppressed, 1, "{product}");
    }
    let other_version = r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "GHSA-babel"},
        "products": [{"@id": "pkg:npm/@babel/core@7.0.1"}], "status": "not_affected", "justification": "component_not_present"}]}"#;
    let mut policy = Policy::default();
    policy.add_vex("vex.json", other_version.as_bytes()).unwrap();
    let mut findings = vec![babel()];
    assert_eq!(policy.apply(&mut findings, "2026-01-01").suppressed, 0, "another version is another product");
}

/// Ignore rules narrowed by purl compare the same way; path globs see the
/// outermost file of a nested location.
#[test]
fn ignore_rules_match_purls_and_outermost_paths() {
    let rules = "ignore:\n  - id: CVE-GHSA-babel\n    package: pkg:npm/@babel/core\n    paths: ['app.war']\n    reason: reviewed\n";
    let mut policy = Policy::default();
    policy.add_ignore_file(".kensa-ignore.yaml", rules.as_bytes()).unwrap();
    let mut findings = vec![babel()];
    assert_eq!(policy.apply(&mut findings, "2026-01-01").suppressed, 1);
    assert!(findings[0].suppressed.is_some());
}

/// Filters drop findings (unfixed, other severities); the gate counts only
/// unsuppressed findings at or above its threshold.
#[test]
fn filters_and_the_gate() {
    let mut findings = vec![
        babel(),
        finding("GHSA-low", "a", "pkg:npm/a@1", Severity::Low, FixState::Fixed),
        finding("GHSA-open", "b", "pkg:npm/b@1", Severity::Critical, FixState::NotFixed),
    ];
    let filters = FindingFilters { ignore_unfixed: true, severities: vec![Severity::High, Severity::Critical] };
    let mut kept = findings.clone();
    filters.retain(&mut kept);
    assert_eq!(kept.iter().map(|finding| finding.id.as_str()).collect::<Vec<_>>(), ["GHSA-babel"]);
    assert!(fails_at(&findings, Severity::Critical));
    findings[2].suppressed = Some(kensa_model::Suppression {
        source: kensa_model::SuppressionSource::Vex,
        status: kensa_model::SuppressionStatus::NotAffected,
        file: "vex.json".to_owned(),
        reason: "not affected".to_owned(),
        by: None,
        expires: None,
    });
    assert!(!fails_at(&findings, Severity::Critical), "a suppressed finding never fails the gate");
    assert!(fails_at(&findings, Severity::High));
}
