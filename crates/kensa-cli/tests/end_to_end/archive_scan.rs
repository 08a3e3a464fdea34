//! End-to-end `kensa scan archive` of the two real Lambda-style bundles in
//! ../shared/data/targets/serverless against the database built from every
//! feed in shared. Every expected finding was checked by hand against the
//! advisory file named next to it.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;
use std::process::Output;

use crate::common::{database, kensa, shared};

fn scan_archive(bundle: &str, extra: &[&str]) -> (Output, serde_json::Value) {
    let path = shared(&format!("targets/serverless/{bundle}"));
    let mut arguments =
        vec!["scan", "archive", path.to_str().unwrap(), "--format", "json", "--db", database().to_str().unwrap()];
    arguments.extend_from_slice(extra);
    let output = kensa(&arguments);
    assert!(output.status.code().is_some_and(|code| code <= 1), "{}", String::from_utf8_lossy(&output.stderr));
    let report = serde_json::from_slice(&output.stdout).unwrap();
    (output, report)
}

/// (name, version, location) of every package in the report.
fn packages(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| (package["name"].as_str().unwrap().to_owned(), package["version"].as_str().unwrap().to_owned()))
        .collect()
}

/// (package, version, advisory id from the evidence) of every finding.
fn findings(report: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|finding| {
            finding["evidence"].as_array().unwrap().iter().map(|evidence| {
                (
                    finding["package"]["name"].as_str().unwrap().to_owned(),
                    finding["package"]["version"].as_str().unwrap().to_owned(),
                    evidence["advisory_id"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect()
}

fn owned(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items.iter().map(|(name, version)| ((*name).to_owned(), (*version).to_owned())).collect()
}

/// The python bundle yields exactly its eleven pip-installed distributions
/// (the MANIFEST's pins), as an "archive" resource, and requests 2.19.1 is
/// flagged by PYSEC-2018-28 (pypa/vulns/requests/PYSEC-2018-28.yaml: fixed
/// 2.20.0, alias CVE-2018-18074) with 2.20.0 as the fix.
#[test]
fn python_bundle_packages_and_requests_finding() {
    let (_, report) = scan_archive("python3.11-requests-flask-function.zip", &[]);
    assert_eq!(report["resource"]["kind"], "archive");
    assert_eq!(report["resource"]["runtime"], "python");
    assert_eq!(
        packages(&report),
        owned(&[
            ("Click", "7.0"),
            ("Flask", "1.0"),
            ("Jinja2", "2.10"),
            ("MarkupSafe", "2.1.3"),
            ("Werkzeug", "0.15.3"),
            ("certifi", "2018.4.16"),
            ("chardet", "3.0.4"),
            ("idna", "2.7"),
            ("itsdangerous", "1.1.0"),
            ("requests", "2.19.1"),
            ("urllib3", "1.23"),
        ])
    );
    let found = findings(&report);
    assert!(found.contains(&("requests".into(), "2.19.1".into(), "PYSEC-2018-28".into())), "{found:?}");
    let requests = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["evidence"][0]["advisory_id"] == "PYSEC-2018-28")
        .unwrap();
    assert_eq!(requests["id"], "CVE-2018-18074");
    assert_eq!(requests["fixed_versions"], serde_json::json!(["2.20.0"]));
    assert_eq!(requests["package"]["location"], "requests-2.19.1.dist-info/METADATA");
    assert!(report["diagnostics"].as_array().unwrap().is_empty(), "{}", report["diagnostics"]);
}

/// The node bundle yields its five direct pins plus the transitive packages
/// npm installed, and each pin is flagged by the GHSA record whose range was
/// checked by hand in advisories/ghsa/advisory-database:
/// lodash 4.17.15 < 4.17.20 (p6mc-m468-83gw) and < 4.17.21 (35jh-r3h4-6jhm,
/// 29mw-wpgm-hmr9); minimist 1.2.0 in [1.0.0, 1.2.6) (xvch-5gv4-984h);
/// node-fetch 2.6.0 < 2.6.7 (r683-j2x4-v87g); jsonwebtoken 8.5.1 < 9.0.0
/// (8cf7-32gw-wr33); axios 0.21.0 in [0.8.1, 1.6.0) (wf5p-g6vw-rhxx).
#[test]
fn nodejs_bundle_packages_and_ghsa_findings() {
    let (_, report) = scan_archive("nodejs-lodash-axios-function.zip", &[]);
    assert_eq!(report["resource"]["kind"], "archive");
    assert_eq!(report["resource"]["runtime"], "nodejs");
    assert_eq!(
        packages(&report),
        owned(&[
            ("axios", "0.21.0"),
            ("buffer-equal-constant-time", "1.0.1"),
            ("ecdsa-sig-formatter", "1.0.11"),
            ("follow-redirects", "1.16.3"),
            ("jsonwebtoken", "8.5.1"),
            ("jwa", "1.4.2"),
            ("jws", "3.2.3"),
            ("lodash", "4.17.15"),
            ("lodash.includes", "4.3.0"),
            ("lodash.isboolean", "3.0.3"),
            ("lodash.isinteger", "4.0.4"),
            ("lodash.isnumber", "3.0.3"),
            ("lodash.isplainobject", "4.0.6"),
            ("lodash.isstring", "4.0.1"),
            ("lodash.once", "4.1.1"),
            ("minimist", "1.2.0"),
            ("ms", "2.1.3"),
            ("node-fetch", "2.6.0"),
            ("safe-buffer", "5.2.1"),
            ("semver", "5.7.3"),
        ])
    );
    let found = findings(&report);
    for (package, version, id) in [
        ("lodash", "4.17.15", "GHSA-p6mc-m468-83gw"),
        ("lodash", "4.17.15", "GHSA-35jh-r3h4-6jhm"),
        ("lodash", "4.17.15", "GHSA-29mw-wpgm-hmr9"),
        ("minimist", "1.2.0", "GHSA-xvch-5gv4-984h"),
        ("node-fetch", "2.6.0", "GHSA-r683-j2x4-v87g"),
        ("jsonwebtoken", "8.5.1", "GHSA-8cf7-32gw-wr33"),
        ("axios", "0.21.0", "GHSA-wf5p-g6vw-rhxx"),
    ] {
        assert!(found.contains(&(package.into(), version.into(), id.into())), "{id} missing from {found:?}");
    }
}

/// Exit codes follow `scan fs`: 1 with --fail-on when a finding reaches the
/// threshold (the lodash findings are high), 0 without it.
#[test]
fn fail_on_sets_the_exit_code() {
    let (without, _) = scan_archive("nodejs-lodash-axios-function.zip", &[]);
    assert_eq!(without.status.code(), Some(0));
    let (with, _) = scan_archive("nodejs-lodash-axios-function.zip", &["--fail-on", "high"]);
    assert_eq!(with.status.code(), Some(1));
}

/// A truncated bundle fails the scan with a message naming the file, not a
/// panic and not an empty report.
#[test]
fn truncated_bundle_fails_with_a_clear_error() {
    let bytes = std::fs::read(shared("targets/serverless/nodejs-lodash-axios-function.zip")).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let truncated = directory.path().join("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let output = kensa(&["scan", "archive", truncated.to_str().unwrap(), "--db", database().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && output.status.code() != Some(1), "{stderr}");
    assert!(stderr.contains("truncated.zip") && stderr.contains("truncated or corrupt"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
