//! End-to-end tests of the `kensa` binary on real data from ../shared/data.
//!
//! One database is built per test run from every advisory feed in shared (the
//! same input a user gives `kensa db build`), then real projects are scanned.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use crate::common;

use std::path::Path;
use std::process::Output;

use crate::common::{database, kensa, shared};

fn scan_json(target: &Path, extra: &[&str]) -> (serde_json::Value, Output) {
    let mut arguments =
        vec!["scan", "fs", target.to_str().unwrap(), "--format", "json", "--db", database().to_str().unwrap()];
    arguments.extend_from_slice(extra);
    let output = kensa(&arguments);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", String::from_utf8_lossy(&output.stderr)));
    (report, output)
}

/// One line per finding: the part of the report a reviewer checks by eye.
fn finding_lines(report: &serde_json::Value, list: &str) -> Vec<String> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            format!(
                "{} {}@{} {} {} fixed={}",
                finding["package"]["location"].as_str().unwrap(),
                finding["package"]["name"].as_str().unwrap(),
                finding["package"]["version"].as_str().unwrap(),
                finding["id"].as_str().unwrap(),
                finding["severity"].as_str().unwrap(),
                finding["fixed_versions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("|"),
            )
        })
        .collect()
}

/// The database build reads every feed in shared and names what it skipped.
#[test]
fn database_build_reports_counts_and_skips() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("db.redb");
    let output = kensa(&[
        "db",
        "build",
        "--from",
        shared("advisories/rustsec").to_str().unwrap(),
        "--db",
        path.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("advisories"), "{stderr}");
    // LICENSE.txt is not an advisory: listed as skipped, not an error.
    assert!(stderr.contains("skipped"), "{stderr}");
    let status = kensa(&["db", "status", "--db", path.to_str().unwrap()]);
    assert!(status.status.success());
    assert!(String::from_utf8_lossy(&status.stdout).contains("crates.io"));
}

/// trivy-ci-test is a real project with a known-vulnerable Cargo.lock and
/// Pipfile.lock: the findings are pinned by snapshot (checked by hand against
/// the advisories for a sample: smallvec 0.6.9 is RUSTSEC-2019-0009/0012 and
/// RUSTSEC-2021-0003; urllib3 1.24.1 is PYSEC-2019-133 (CVE-2019-11324), fixed in 1.24.2).
#[test]
fn scan_real_project_json() {
    let (report, output) = scan_json(&shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test"), &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(report["schema_version"], "1.0");
    insta::assert_snapshot!("trivy_ci_test_findings", finding_lines(&report, "findings").join("\n"));
    insta::assert_snapshot!("trivy_ci_test_warnings", finding_lines(&report, "warnings").join("\n"));
}

/// `--fail-on` decides the exit status: 1 when a finding is at or above it.
#[test]
fn fail_on_sets_exit_status() {
    let target = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    let (report, output) = scan_json(&target, &["--fail-on", "low"]);
    assert!(!report["findings"].as_array().unwrap().is_empty());
    assert_eq!(output.status.code(), Some(1));
}

/// Without a database an `--offline` scan fails clearly with exit status 2
/// (without `--offline` it downloads one: see db_update.rs).
#[test]
fn missing_database_is_a_clear_error() {
    let directory = tempfile::tempdir().unwrap();
    let missing = directory.path().join("nope.redb");
    let output =
        kensa(&["scan", "fs", directory.path().to_str().unwrap(), "--offline", "--db", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no advisory database") && stderr.contains("nope.redb"), "{stderr}");
}

/// Usage errors exit with status 2.
#[test]
fn usage_error_exit_status() {
    assert_eq!(kensa(&["scan", "fs"]).status.code(), Some(2));
    assert_eq!(kensa(&["scan", "fs", ".", "--fail-on", "extreme"]).status.code(), Some(2));
}

/// An inventory written by `kensa inventory` and matched later gives exactly the
/// findings of a direct scan: matching is a function of (inventory, database).
#[test]
fn stored_inventory_matches_like_a_scan() {
    let target = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    let directory = tempfile::tempdir().unwrap();
    let inventory = directory.path().join("inventory.json");
    let output = kensa(&["inventory", target.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success());
    let stored = kensa(&[
        "scan",
        "inventory",
        inventory.to_str().unwrap(),
        "--format",
        "json",
        "--db",
        database().to_str().unwrap(),
    ]);
    let (direct, _) = scan_json(&target, &[]);
    let stored: serde_json::Value = serde_json::from_slice(&stored.stdout).unwrap();
    assert_eq!(stored["findings"], direct["findings"]);
    assert_eq!(stored["packages"], direct["packages"]);
}

/// A malformed lockfile is a diagnostic naming it; the other files are still scanned.
#[test]
fn malformed_lockfile_is_a_diagnostic() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::create_dir(directory.path().join("broken")).unwrap();
    std::fs::write(directory.path().join("broken/Cargo.lock"), "[[package]\nname = ").unwrap();
    std::fs::copy(
        shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test/Cargo.lock"),
        directory.path().join("Cargo.lock"),
    )
    .unwrap();
    let (report, output) = scan_json(directory.path(), &[]);
    assert_eq!(output.status.code(), Some(0));
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(diagnostics.iter().any(|d| d["path"].as_str().unwrap().contains("broken/Cargo.lock")), "{diagnostics:?}");
    assert!(!report["findings"].as_array().unwrap().is_empty());
}

/// The table groups by file and is plain text when not on a terminal.
#[test]
fn table_output() {
    let target = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test/Pipfile.lock");
    let output = kensa(&["scan", "fs", target.to_str().unwrap(), "--db", database().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains('\u{1b}'), "no colour when piped");
    let stdout = stdout.replace(target.to_str().unwrap(), "[TARGET]");
    insta::assert_snapshot!("pipfile_table", stdout);
}

/// The JSON report format, whole, for one small real lockfile.
#[test]
fn json_report_format() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("requirements.txt"),
        "# a pinned vulnerable package and an unpinned one\nurllib3==1.24.1\nflask>=1.0\n",
    )
    .unwrap();
    let (report, _) = scan_json(directory.path(), &[]);
    let text = serde_json::to_string_pretty(&report)
        .unwrap()
        .replace(directory.path().to_str().unwrap(), "[TARGET]")
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    insta::assert_snapshot!("requirements_json", text);
}

/// `--exposure` enters the Kensa score: on the trivy-ci-test project every
/// finding whose vector says the attack works over the network scores 1.0
/// more when the resource is internet-facing and 1.5 less when isolated
/// (within the 0–10 bounds), with the step and its reason listed; findings
/// stay sorted by score within each location.
#[test]
fn exposure_adjusts_the_kensa_score() {
    let target = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    let (unknown, _) = scan_json(&target, &[]);
    let (internet, _) = scan_json(&target, &["--exposure", "internet"]);
    let (isolated, _) = scan_json(&target, &["--exposure", "isolated"]);
    let scores = |report: &serde_json::Value| -> std::collections::BTreeMap<String, (f64, bool)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| {
                let network = finding["cvss"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|cvss| cvss["vector"].as_str().unwrap().contains("AV:N"));
                (
                    finding["fingerprint"].as_str().unwrap().to_owned(),
                    (finding["kensa_score"]["score"].as_f64().unwrap(), network),
                )
            })
            .collect()
    };
    let (base, raised, lowered) = (scores(&unknown), scores(&internet), scores(&isolated));
    let mut checked = 0;
    for (fingerprint, (score, network)) in &base {
        if !network {
            continue;
        }
        checked += 1;
        assert_eq!(raised[fingerprint].0, (score + 1.0).min(10.0), "{fingerprint}");
        assert_eq!(lowered[fingerprint].0, ((score - 1.5) * 10.0).round().max(0.0) / 10.0, "{fingerprint}");
    }
    assert!(checked > 5, "{checked}");
    let first = &internet["findings"][0];
    let steps = first["kensa_score"]["adjustments"].as_array().unwrap();
    assert!(
        steps.iter().any(|step| step["factor"] == "exposure" && step["reason"].as_str().unwrap().contains("internet"))
    );
    for pair in internet["findings"].as_array().unwrap().windows(2) {
        if pair[0]["package"]["location"] == pair[1]["package"]["location"] {
            assert!(pair[0]["kensa_score"]["score"].as_f64() >= pair[1]["kensa_score"]["score"].as_f64());
        }
    }
}

/// The finding of `package` for vulnerability `id` (its id or an alias).
fn finding_for<'a>(report: &'a serde_json::Value, package: &str, id: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| {
            finding["package"]["name"] == package
                && (finding["id"] == id || finding["aliases"].as_array().unwrap().iter().any(|alias| alias == id))
        })
        .unwrap_or_else(|| panic!("no {package} {id} finding"))
}

/// Suppression policy on the real trivy-ci-test project: an ignore rule (by
/// id and package, with who and an expiry), a rule narrowed by a path glob,
/// an OpenVEX `not_affected` statement and an `under_investigation` one, and
/// a CycloneDX VEX `not_affected` analysis each mark their finding in JSON
/// (never dropped) and take it out of the table; an expired rule no longer
/// applies and says so; a rule whose glob misses leaves the finding active;
/// an OpenVEX `not_affected` without justification is refused.
#[test]
fn ignore_rules_and_vex_suppress_with_reasons() {
    let target = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    let directory = tempfile::tempdir().unwrap();
    let ignore = directory.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        r#"ignore:
  - id: CVE-2019-15551
    package: smallvec
    reason: "insert_many is never called in this service"
    by: alice@example.com
    expires: 2099-12-31
  - id: CVE-2023-43804
    path: "**/Pipfile.lock"
    reason: "cookies are never forwarded across origins here"
  - id: CVE-2019-15542
    package: ammonia
    paths: ["services/**"]
    reason: "does not match: the lockfile is at the top"
  - id: CVE-2019-15554
    reason: "expired decision"
    expires: 2020-01-01
"#,
    )
    .unwrap();
    let openvex = directory.path().join("openvex.json");
    std::fs::write(
        &openvex,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "sec team",
            "timestamp": "2026-11-01T00:00:00Z", "version": 1, "statements": [
            {"vulnerability": {"name": "CVE-2023-45803"}, "products": [{"@id": "pkg:pypi/urllib3@1.24.1"}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
             "impact_statement": "redirects are not followed"},
            {"vulnerability": {"name": "CVE-2019-11324"}, "products": [{"@id": "pkg:pypi/urllib3"}],
             "status": "under_investigation", "status_notes": "checking the CA handling"}]}"#,
    )
    .unwrap();
    let cyclonedx = directory.path().join("cyclonedx-vex.json");
    std::fs::write(
        &cyclonedx,
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "components": [{"bom-ref": "ammonia-1", "type": "library", "name": "ammonia", "purl": "pkg:cargo/ammonia@1.9.0"}],
            "vulnerabilities": [{"id": "CVE-2019-15542", "affects": [{"ref": "ammonia-1"}],
              "analysis": {"state": "not_affected", "justification": "code_not_reachable", "detail": "no untrusted HTML"}}]}"#,
    )
    .unwrap();
    let arguments = [
        "--ignore-file",
        ignore.to_str().unwrap(),
        "--vex",
        openvex.to_str().unwrap(),
        "--vex",
        cyclonedx.to_str().unwrap(),
    ];
    let (report, output) = scan_json(&target, &arguments);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the rule for CVE-2019-15554") && stderr.contains("expired on 2020-01-01"), "{stderr}");

    let smallvec = &finding_for(&report, "smallvec", "CVE-2019-15551")["suppressed"];
    assert_eq!(smallvec["source"], "ignore_file");
    assert_eq!(smallvec["reason"], "insert_many is never called in this service");
    assert_eq!(smallvec["by"], "alice@example.com");
    assert_eq!(smallvec["expires"], "2099-12-31");
    assert_eq!(finding_for(&report, "urllib3", "CVE-2023-43804")["suppressed"]["source"], "ignore_file");
    let vex = &finding_for(&report, "urllib3", "CVE-2023-45803")["suppressed"];
    assert_eq!(vex["source"], "vex");
    assert_eq!(vex["status"], "not_affected");
    assert!(vex["reason"].as_str().unwrap().contains("vulnerable_code_not_in_execute_path"));
    let ammonia = &finding_for(&report, "ammonia", "CVE-2019-15542")["suppressed"];
    assert_eq!(ammonia["source"], "vex", "the CycloneDX analysis, not the ignore rule whose glob misses");
    assert!(finding_for(&report, "urllib3", "CVE-2019-11324")["suppressed"].is_null());
    assert!(
        finding_for(&report, "urllib3", "CVE-2019-11324")["under_investigation"]
            .as_str()
            .unwrap()
            .contains("CA handling")
    );
    assert!(finding_for(&report, "smallvec", "CVE-2019-15554")["suppressed"].is_null(), "expired rules do not apply");

    let output = kensa(
        &[&["scan", "fs", target.to_str().unwrap(), "--db", database().to_str().unwrap()][..], &arguments[..]].concat(),
    );
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(!table.contains("CVE-2019-15551") && !table.contains("CVE-2023-45803"), "{table}");
    assert!(table.contains("CVE-2019-11324"));

    std::fs::write(
        &openvex,
        r#"{"statements": [{"vulnerability": {"name": "CVE-2023-45803"}, "products": [], "status": "not_affected"}]}"#,
    )
    .unwrap();
    let output = kensa(&[
        "scan",
        "fs",
        target.to_str().unwrap(),
        "--db",
        database().to_str().unwrap(),
        "--vex",
        openvex.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs a justification"));
}

/// `--severity` keeps only the listed severities.
#[test]
fn severity_filter_keeps_only_the_listed_severities() {
    let target = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    let (all, _) = scan_json(&target, &[]);
    let (filtered, _) = scan_json(&target, &["--severity", "critical,high"]);
    let count = |report: &serde_json::Value, severities: &[&str]| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| severities.contains(&finding["severity"].as_str().unwrap()))
            .count()
    };
    assert_eq!(filtered["findings"].as_array().unwrap().len(), count(&all, &["CRITICAL", "HIGH"]));
    assert!(count(&all, &["MEDIUM", "LOW"]) > 0 && count(&filtered, &["MEDIUM", "LOW", "UNKNOWN"]) == 0);
}

/// A malformed CVSS vector (hand-made record: a v3.1 vector with the unknown
/// attack vector `Q`, beside a valid v2 one) costs only the vector: `db
/// build` keeps the advisory and names the vector and why, the finding takes
/// its severity from the next source (GitHub's rating) and the scan reports
/// the dropped vector as a diagnostic.
#[test]
fn malformed_cvss_vectors_are_dropped_with_a_diagnostic() {
    let directory = tempfile::tempdir().unwrap();
    let feed = directory.path().join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    std::fs::write(
        feed.join("GHSA-test-cvss-0001.json"),
        r#"{"schema_version": "1.6.0", "id": "GHSA-test-cvss-0001", "modified": "2026-01-01T00:00:00Z",
            "summary": "record with a malformed vector",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                         {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}],
            "database_specific": {"severity": "MODERATE"},
            "affected": [{"package": {"ecosystem": "PyPI", "name": "kensa-example"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}"#,
    )
    .unwrap();
    let database = directory.path().join("db.redb");
    let build = kensa(&["db", "build", "--from", feed.to_str().unwrap(), "--db", database.to_str().unwrap()]);
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(
        stderr.contains("1 records kept with a part left out")
            && stderr.contains("GHSA-test-cvss-0001: severity CVSS_V3")
            && stderr.contains("AV:Q"),
        "{stderr}"
    );
    let project = directory.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("requirements.txt"), "kensa-example==1.0\n").unwrap();
    let report = common::json_report(&[
        "scan",
        "fs",
        project.to_str().unwrap(),
        "--format",
        "json",
        "--db",
        database.to_str().unwrap(),
    ]);
    let finding = finding_for(&report, "kensa-example", "GHSA-test-cvss-0001");
    // The valid v2 vector stays; the database rating outranks v2 (see kensa-score's assess).
    assert_eq!(finding["severity"], "MEDIUM");
    assert_eq!(finding["severity_source"], "database");
    assert_eq!(finding["cvss"].as_array().unwrap().len(), 1, "{finding}");
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics.iter().any(|diagnostic| diagnostic["path"] == "kensa-example@1.0"
            && diagnostic["message"].as_str().unwrap().contains("AV:Q")),
        "{diagnostics:?}"
    );
}

/// The Kensa score of real exploited vulnerabilities, pinned by snapshot: the
/// real PyPA, GHSA and CISA KEV records and one day's real EPSS list (the
/// 2024-10-25 sample alone, since a database keeps one day's list), against a
/// hand-made project that pins versions those advisories name — log4j-core
/// 2.14.1 (CVE-2021-44228, KEV with ransomware use), spring-beans 5.3.17
/// (Spring4Shell), salt 3000.1 and apache-airflow 1.10.10 (KEV, no CVSS in
/// PyPA: scored from the rating band), nvflare 2.1.1 (EPSS 0.31 %, 71st
/// percentile) — on an internet-facing resource.
#[test]
fn kensa_scores_of_real_exploited_findings() {
    let directory = tempfile::tempdir().unwrap();
    let feed = directory.path().join("feed");
    for (relative, name) in [
        ("ghsa/advisory-database/GHSA-jfh8-c2jp-5v3q.json", "GHSA-jfh8-c2jp-5v3q.json"),
        ("ghsa/advisory-database/GHSA-36p3-wjmg-h94x.json", "GHSA-36p3-wjmg-h94x.json"),
        ("pypa/vulns/salt/PYSEC-2020-102.yaml", "pypa/PYSEC-2020-102.yaml"),
        ("pypa/vulns/salt/PYSEC-2020-103.yaml", "pypa/PYSEC-2020-103.yaml"),
        ("pypa/vulns/salt/PYSEC-2020-104.yaml", "pypa/PYSEC-2020-104.yaml"),
        ("pypa/vulns/apache-airflow/PYSEC-2020-14.yaml", "pypa/PYSEC-2020-14.yaml"),
        ("pypa/vulns/nvflare/PYSEC-2022-257.yaml", "pypa/PYSEC-2022-257.yaml"),
        ("cisa-kev/known_exploited_vulnerabilities.json", "cisa-kev/known_exploited_vulnerabilities.json"),
        ("epss/epss-sample-2024-10-25.csv", "epss/epss-sample-2024-10-25.csv"),
    ] {
        let target = feed.join(name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(shared(&format!("advisories/{relative}")), &target).unwrap();
    }
    let database = directory.path().join("db.redb");
    let build = kensa(&["db", "build", "--from", feed.to_str().unwrap(), "--db", database.to_str().unwrap()]);
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let project = directory.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("requirements.txt"), "salt==3000.1\napache-airflow==1.10.10\nnvflare==2.1.1\n")
        .unwrap();
    std::fs::write(
        project.join("gradle.lockfile"),
        "# This is a Gradle generated file for dependency locking.\n\
         org.apache.logging.log4j:log4j-core:2.14.1=runtimeClasspath\n\
         org.springframework:spring-beans:5.3.17=runtimeClasspath\nempty=\n",
    )
    .unwrap();
    let report = common::json_report(&[
        "scan",
        "fs",
        project.to_str().unwrap(),
        "--format",
        "json",
        "--exposure",
        "internet",
        "--db",
        database.to_str().unwrap(),
    ]);
    let lines: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            let score = &finding["kensa_score"];
            let steps: Vec<String> = score["adjustments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|step| {
                    format!("    {:+.1} {}: {}", step["effect"].as_f64().unwrap(), step["factor"], step["reason"])
                })
                .collect();
            format!(
                "{} {} {} {} → {}\n{}",
                finding["package"]["name"].as_str().unwrap(),
                finding["package"]["version"].as_str().unwrap(),
                finding["id"].as_str().unwrap(),
                finding["severity"].as_str().unwrap(),
                score["score"],
                steps.join("\n")
            )
        })
        .collect();
    let exploited =
        report["findings"].as_array().unwrap().iter().filter(|finding| !finding["known_exploited"].is_null());
    assert_eq!(exploited.count(), 6, "log4j, spring-beans, three salt and one airflow CVE are in KEV");
    assert!(lines.iter().any(|line| line.contains("CVE-2022-34668") && line.contains("epss")), "{lines:#?}");
    insta::assert_snapshot!("kensa_scores_of_real_exploited_findings", lines.join("\n"));
}
