//! Every machine-readable output format checked by an independent validator
//! (installed by .ci/needs/report-validators.sh), on real scans: a project
//! with findings and suppressions (trivy-ci-test), an image (alpine 3.10), a
//! function bundle. Beyond the schema, references inside a document must
//! resolve (every `affects` names a component).

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::print_stderr)]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{database, kensa, shared};

/// Runs a validator script on a document it must refuse (a test of the validator itself).
fn assert_validator_rejects(script: &str, file: &Path) {
    let script_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate").join(script);
    let output = Command::new(common::python()).arg(&script_path).arg(file).output().unwrap();
    assert!(!output.status.success(), "{script} accepts the damaged {}", file.display());
}

/// Runs a validator script from tests/validate; `false` (with a notice) when
/// Python or the validator package is missing outside CI.
fn validate(script: &str, file: &Path) -> bool {
    let script_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate").join(script);
    let output = Command::new(common::python()).arg(&script_path).arg(file).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("ModuleNotFoundError") {
        assert!(std::env::var("KENSA_REQUIRE_FIXTURES").as_deref() != Ok("1"), "validator missing: {stderr}");
        eprintln!("skipping: validator missing (run .ci/needs/report-validators.sh)");
        return false;
    }
    assert!(output.status.success(), "{} rejects {}: {stderr}", script, file.display());
    true
}

/// The scans every format is checked on: (name, kensa arguments before the format).
fn scans(vex: &Path) -> Vec<(&'static str, Vec<String>)> {
    let project = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    let mut scans = vec![
        (
            "project",
            vec!["scan".into(), "fs".into(), project.display().to_string(), "--vex".into(), vex.display().to_string()],
        ),
        (
            "image",
            vec![
                "scan".into(),
                "image".into(),
                "--input".into(),
                shared("targets/images/docker-save/alpine-3.10.tar.gz").display().to_string(),
            ],
        ),
        (
            "bundle",
            vec![
                "scan".into(),
                "archive".into(),
                shared("targets/serverless/nodejs-lodash-axios-function.zip").display().to_string(),
            ],
        ),
    ];
    // The alpine 3.10 image has no findings against shared's secdb snapshot;
    // a root filesystem with the real apk database of Trivy's fixtures on
    // Alpine 3.4 brings OS findings (by origin package) into every format.
    let alpine_root = vex.parent().unwrap().join("alpine-3.4-root");
    std::fs::create_dir_all(alpine_root.join("lib/apk/db")).unwrap();
    std::fs::create_dir_all(alpine_root.join("etc")).unwrap();
    std::fs::copy(shared("targets/apk/trivy/installed"), alpine_root.join("lib/apk/db/installed")).unwrap();
    std::fs::write(alpine_root.join("etc/alpine-release"), "3.4.6\n").unwrap();
    scans.push(("os", vec!["scan".into(), "fs".into(), alpine_root.display().to_string()]));
    scans
}

/// Runs one of the scans writing `format` to `directory/file_name` (with
/// `extra` arguments), checks it did not fail, and returns the file.
fn scan_as(
    directory: &Path,
    name: &str,
    arguments: &[String],
    format: &str,
    file_name: &str,
    extra: &[&str],
) -> PathBuf {
    let output_path = directory.join(file_name);
    let database_path = database().to_str().unwrap().to_owned();
    let mut all: Vec<&str> = arguments.iter().map(String::as_str).collect();
    all.extend(["--format", format, "-o", output_path.to_str().unwrap(), "--db", &database_path]);
    all.extend_from_slice(extra);
    let output = kensa(&all);
    assert!(
        output.status.code().is_some_and(|code| code < 2),
        "{name} as {format}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output_path
}

fn write_vex(directory: &Path) -> std::path::PathBuf {
    let vex = directory.join("vex.json");
    std::fs::write(
        &vex,
        r#"{"statements": [{"vulnerability": {"name": "CVE-2023-45803"}, "products": [{"@id": "pkg:pypi/urllib3@1.24.1"}],
            "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#,
    )
    .unwrap();
    vex
}

#[test]
fn cyclonedx_documents_pass_the_official_schema_and_resolve() {
    let directory = tempfile::tempdir().unwrap();
    let vex = write_vex(directory.path());
    for (name, arguments) in scans(&vex) {
        let output_path = scan_as(directory.path(), name, &arguments, "cyclonedx", &format!("{name}.cdx.json"), &[]);
        if !validate("check_cyclonedx.py", &output_path) {
            return;
        }
        let document: serde_json::Value = serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap();
        let references: std::collections::HashSet<&str> = document["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|component| component["bom-ref"].as_str().unwrap())
            .collect();
        assert!(!references.is_empty(), "{name}");
        for vulnerability in document["vulnerabilities"].as_array().into_iter().flatten() {
            for affected in vulnerability["affects"].as_array().unwrap() {
                assert!(references.contains(affected["ref"].as_str().unwrap()), "{name}: dangling {affected}");
            }
        }
        if name == "project" {
            let suppressed = document["vulnerabilities"]
                .as_array()
                .unwrap()
                .iter()
                .find(|vulnerability| vulnerability["id"] == "CVE-2023-45803")
                .unwrap();
            assert_eq!(suppressed["analysis"]["state"], "not_affected");
        }
        // The same scan again gives the same bytes (content-derived serial, no timestamp).
        let again = scan_as(directory.path(), name, &arguments, "cyclonedx", &format!("{name}.again.cdx.json"), &[]);
        assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&output_path).unwrap(), "{name}");
    }
}

#[test]
fn spdx_documents_pass_the_spdx_tools_validator() {
    let directory = tempfile::tempdir().unwrap();
    let vex = write_vex(directory.path());
    for (name, arguments) in scans(&vex) {
        let output_path = scan_as(directory.path(), name, &arguments, "spdx", &format!("{name}.spdx.json"), &[]);
        if !validate("check_spdx.py", &output_path) {
            return;
        }
        let document: serde_json::Value = serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap();
        let contained = document["relationships"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|relationship| relationship["relationshipType"] == "CONTAINS")
            .count();
        assert_eq!(contained + 1, document["packages"].as_array().unwrap().len(), "{name}");
    }
}

#[test]
fn sarif_logs_pass_the_official_schema_and_the_multitool() {
    let directory = tempfile::tempdir().unwrap();
    let vex = write_vex(directory.path());
    for (name, arguments) in scans(&vex) {
        let output_path = scan_as(directory.path(), name, &arguments, "sarif", &format!("{name}.sarif"), &[]);
        if !validate("check_sarif.py", &output_path) {
            return;
        }
        let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap();
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"], "{name}");
        }
        if name == "project" {
            let suppressed =
                run["results"].as_array().unwrap().iter().find(|result| result["ruleId"] == "CVE-2023-45803").unwrap();
            assert_eq!(suppressed["suppressions"][0]["kind"], "external");
        }
    }
}

#[test]
fn csv_reports_parse_strictly_with_one_row_per_finding() {
    let directory = tempfile::tempdir().unwrap();
    let vex = write_vex(directory.path());
    for (name, arguments) in scans(&vex) {
        let csv_path = scan_as(directory.path(), name, &arguments, "csv", &format!("{name}.csv"), &[]);
        let json_path = scan_as(directory.path(), name, &arguments, "json", &format!("{name}.json"), &[]);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate/check_csv.py");
        let output = Command::new(common::python()).arg(script).arg(&csv_path).output().unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let rows: usize = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
        assert_eq!(rows, report["findings"].as_array().unwrap().len(), "{name}");
    }
}

/// (package, version, vulnerability) of every finding.
fn finding_keys(report: &serde_json::Value) -> std::collections::BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["package"]["name"].as_str().unwrap().to_owned(),
                finding["package"]["version"].as_str().unwrap().to_owned(),
                finding["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Kensa's own SBOMs round-trip: `kensa scan sbom` of the CycloneDX and the
/// SPDX output of a scan finds what the scan found (the project, and the
/// alpine image whose OS packages need the distro qualifiers).
#[test]
fn own_sboms_round_trip_to_the_same_findings() {
    let directory = tempfile::tempdir().unwrap();
    let vex = write_vex(directory.path());
    for (name, arguments) in scans(&vex).into_iter().filter(|(name, _)| *name != "bundle") {
        let arguments: Vec<String> = arguments.into_iter().filter(|argument| !argument.contains("vex")).collect();
        let json_path = scan_as(directory.path(), name, &arguments, "json", &format!("{name}.json"), &[]);
        let direct: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
        for format in ["cyclonedx", "spdx"] {
            let sbom = scan_as(directory.path(), name, &arguments, format, &format!("{name}.{format}.json"), &[]);
            let from_sbom = common::json_report(&[
                "scan",
                "sbom",
                sbom.to_str().unwrap(),
                "--format",
                "json",
                "--db",
                database().to_str().unwrap(),
            ]);
            assert_eq!(finding_keys(&from_sbom), finding_keys(&direct), "{name} through {format}");
        }
    }
}

/// The real SBOMs in shared (osv-scanner's CycloneDX JSON and XML of alpine
/// and postgres:stretch images, claircore's SPDX of UBI and a Go image): every
/// distinct (purl type, name, version) becomes a package — the UBI SBOM lists
/// each RPM once per architecture, the Go image's SBOM each RPM also as its
/// source entry — (counted here by reading the files with
/// Python's parsers, independently), the distribution comes from the purls' `distro`
/// qualifiers, and what has no purl or no advisory source is reported.
#[test]
fn shared_sboms_are_read_by_purl() {
    let count = r##"
import json, sys, xml.etree.ElementTree as ET
path = sys.argv[1]
if path.endswith(".xml"):
    purls = [e.text for e in ET.parse(path).iter() if e.tag.endswith("}purl")]
else:
    d = json.load(open(path))
    if "spdxVersion" in d:
        purls = [r["referenceLocator"] for p in d["packages"] for r in p.get("externalRefs", []) if r.get("referenceType") == "purl"]
    else:
        purls = [c["purl"] for c in d.get("components", []) if "purl" in c]
kept = [p for p in purls if p.split(":", 1)[1].split("/", 1)[0] in ("deb", "apk", "rpm", "npm", "pypi", "golang", "maven", "cargo", "gem", "composer", "nuget") and "@" in p.split("/", 2)[-1]]
# One package per (type, name@version): qualifiers (architecture) and the
# namespace an RPM's source entry leaves out do not make another package.
print(len(set((p.split(":", 1)[1].split("/", 1)[0], p.split("?")[0].split("#")[0].rsplit("/", 1)[-1]) for p in kept)))
"##;
    for (file, distro) in [
        ("osv-scanner/alpine-zlib-16.cdx.json", ("alpine", "3.22.0")),
        ("osv-scanner/alpine.cdx.xml", ("alpine", "3.17.2")),
        ("osv-scanner/postgres-stretch.cdx.xml", ("debian", "9")),
        ("claircore/ubi_latest_spdx.json", ("rhel", "9.6")),
        ("claircore/go-hummingbird.spdx.json", ("fedora", "44")),
    ] {
        let path = shared(&format!("targets/sbom/{file}"));
        let expected = Command::new(common::python()).args(["-c", count, path.to_str().unwrap()]).output().unwrap();
        let expected: usize = String::from_utf8_lossy(&expected.stdout).trim().parse().unwrap();
        let report = common::json_report(&[
            "scan",
            "sbom",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--db",
            database().to_str().unwrap(),
        ]);
        let purls: std::collections::BTreeSet<&str> =
            report["packages"].as_array().unwrap().iter().map(|package| package["purl"].as_str().unwrap()).collect();
        assert_eq!(report["packages"].as_array().unwrap().len(), expected, "{file}: {purls:?}");
        assert_eq!(report["resource"]["distro"]["id"], distro.0, "{file}");
        assert_eq!(report["resource"]["distro"]["version"], distro.1, "{file}");
    }
}

#[test]
fn asff_documents_pass_the_security_hub_model() {
    let directory = tempfile::tempdir().unwrap();
    let vex = write_vex(directory.path());
    for (name, arguments) in scans(&vex) {
        let output_path = scan_as(
            directory.path(),
            name,
            &arguments,
            "asff",
            &format!("{name}.asff.json"),
            &["--aws-account-id", "123456789012"],
        );
        if !validate("check_asff.py", &output_path) {
            return;
        }
        let document: serde_json::Value = serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap();
        for finding in document["Findings"].as_array().unwrap() {
            assert!(finding["ProductArn"].as_str().unwrap().contains(":123456789012:product/123456789012/default"));
        }
        if name == "project" {
            let suppressed = document["Findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|finding| finding["Vulnerabilities"][0]["Id"] == "CVE-2023-45803")
                .unwrap();
            assert_eq!(suppressed["Workflow"]["Status"], "SUPPRESSED");
        }
    }
}

#[test]
fn ocsf_events_pass_the_ocsf_schema() {
    let directory = tempfile::tempdir().unwrap();
    let vex = write_vex(directory.path());
    for (name, arguments) in scans(&vex) {
        let output_path = scan_as(directory.path(), name, &arguments, "ocsf", &format!("{name}.ocsf.json"), &[]);
        if !validate("check_ocsf.py", &output_path) {
            return;
        }
        let events: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(&output_path).unwrap()).unwrap();
        let json_path = scan_as(directory.path(), name, &arguments, "json", &format!("{name}.json"), &[]);
        let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
        assert_eq!(events.len(), report["findings"].as_array().unwrap().len(), "{name}: one event per finding");
        if name == "project" {
            let suppressed =
                events.iter().find(|event| event["vulnerabilities"][0]["cve"]["uid"] == "CVE-2023-45803").unwrap();
            assert_eq!(suppressed["status_id"], 3);
            assert!(suppressed["status_detail"].as_str().unwrap().contains("vulnerable_code_not_in_execute_path"));
        }
        // The validator is not a rubber stamp: an attribute OCSF does not define is refused.
        if let Some(first) = events.first() {
            let mut damaged = first.clone();
            damaged["vulnerabilities"][0]["affected_packages"][0]["fixed_version"] = "1.0".into();
            let damaged_path = directory.path().join(format!("{name}.damaged.ocsf.json"));
            std::fs::write(&damaged_path, serde_json::to_vec(&[damaged]).unwrap()).unwrap();
            assert_validator_rejects("check_ocsf.py", &damaged_path);
        }
    }
}

#[test]
fn html_reports_parse_strictly_and_open_offline() {
    let directory = tempfile::tempdir().unwrap();
    let vex = write_vex(directory.path());
    for (name, arguments) in scans(&vex) {
        let output_path = scan_as(directory.path(), name, &arguments, "html", &format!("{name}.html"), &[]);
        if !validate("check_html.py", &output_path) {
            return;
        }
        let html = std::fs::read_to_string(&output_path).unwrap();
        assert!(html.contains("<svg"), "{name}: the severity chart");
        if name == "project" {
            assert!(html.contains("<h2>Suppressed</h2>") && html.contains("vulnerable_code_not_in_execute_path"));
        }
    }
}

/// SPDX tag-value input: Kensa's SPDX JSON of the project converted to
/// tag-value by the SPDX project's own tool (`pyspdxtools`), then scanned,
/// finds what the direct scan finds.
#[test]
fn spdx_tag_value_written_by_spdx_tools_round_trips() {
    let directory = tempfile::tempdir().unwrap();
    let project = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    let database_path = database().to_str().unwrap().to_owned();
    let json_path = directory.path().join("project.spdx.json");
    kensa(&[
        "scan",
        "fs",
        project.to_str().unwrap(),
        "--format",
        "spdx",
        "-o",
        json_path.to_str().unwrap(),
        "--db",
        &database_path,
    ]);
    let tag_value = directory.path().join("project.spdx");
    let converted = Command::new(common::python_tool("pyspdxtools").unwrap_or_else(|| "pyspdxtools".into()))
        .args(["-i", json_path.to_str().unwrap(), "-o", tag_value.to_str().unwrap()])
        .output();
    let Ok(converted) = converted else {
        assert!(std::env::var("KENSA_REQUIRE_FIXTURES").as_deref() != Ok("1"), "pyspdxtools missing");
        return;
    };
    assert!(converted.status.success(), "{}", String::from_utf8_lossy(&converted.stderr));
    let text = std::fs::read_to_string(&tag_value).unwrap();
    assert!(
        text.contains("ExternalRef: PACKAGE-MANAGER purl") || text.contains("ExternalRef: PACKAGE_MANAGER purl"),
        "{}",
        &text[..text.len().min(2000)]
    );
    let direct = kensa(&["scan", "fs", project.to_str().unwrap(), "--format", "json", "--db", &database_path]);
    let from_tag_value =
        kensa(&["scan", "sbom", tag_value.to_str().unwrap(), "--format", "json", "--db", &database_path]);
    let direct: serde_json::Value = serde_json::from_slice(&direct.stdout).unwrap();
    let from_tag_value: serde_json::Value = serde_json::from_slice(&from_tag_value.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&from_tag_value.stderr)));
    assert_eq!(finding_keys(&from_tag_value), finding_keys(&direct));
}

/// With `SOURCE_DATE_EPOCH` set (reproducible builds' convention) the formats
/// that must carry a time — SPDX's creation time, ASFF's and OCSF's event
/// times — carry that one, so two scans write identical bytes.
#[test]
fn source_date_epoch_pins_report_times() {
    let project = shared("targets/lockfiles/trivy-integration-repos/trivy-ci-test");
    let directory = tempfile::tempdir().unwrap();
    let database_path = database().to_str().unwrap().to_owned();
    for (format, stamp) in
        [("spdx", "2023-11-14T22:13:20Z"), ("asff", "2023-11-14T22:13:20Z"), ("ocsf", "1700000000000")]
    {
        let outputs: Vec<Vec<u8>> = (0..2)
            .map(|run| {
                if run == 1 {
                    // The clock moves on between the two runs.
                    std::thread::sleep(std::time::Duration::from_millis(1100));
                }
                let path = directory.path().join(format!("{format}-{run}.json"));
                let status = Command::new(env!("CARGO_BIN_EXE_kensa"))
                    .args(["scan", "fs", project.to_str().unwrap(), "--format", format, "--db", &database_path])
                    .args(["-o", path.to_str().unwrap()])
                    .env("SOURCE_DATE_EPOCH", "1700000000")
                    .env_remove("KENSA_DB")
                    .status()
                    .unwrap();
                assert!(status.code().is_some_and(|code| code < 2), "{format}");
                std::fs::read(&path).unwrap()
            })
            .collect();
        assert_eq!(outputs[0], outputs[1], "{format}");
        assert!(String::from_utf8_lossy(&outputs[0]).contains(stamp), "{format} carries {stamp}");
    }
}
