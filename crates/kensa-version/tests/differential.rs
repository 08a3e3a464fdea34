//! Differential tests: our `compare` against each ecosystem's own
//! implementation, on generated tricky versions plus every real version
//! string found in the shared advisory data and dpkg status files.
//!
//! Oracles (installed by `.ci/needs/version-oracles.sh`): `dpkg
//! --compare-versions`, rpm's Lua `rpm.vercmp`, Python `packaging`, node's
//! `semver`, and the `osv` package's ecosystem sort keys. Each runs once per
//! scheme over a file of pairs. A missing oracle skips its scheme with a
//! notice, or fails when `KENSA_REQUIRE_ORACLES=1` (CI).
//!
//! Exact oracles (dpkg, rpm, packaging, node semver) are also held to the
//! same idea of which strings are versions. The `osv` sort keys coerce or
//! push unreadable versions to the end, so for them only pairs both sides
//! can read are compared; validity differences are counted and printed.

#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used
)]

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kensa_version::VersionScheme;

mod support;

use support::{collect_data_versions, generated_versions, make_pairs};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
const ORACLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracles");

/// How an oracle is run for a scheme.
#[derive(Debug, Clone, Copy)]
enum Oracle {
    Dpkg,
    Rpm,
    Packaging,
    NodeSemver,
    Osv(&'static str),
}

impl Oracle {
    /// Exact oracles read the same strings as versions that we do.
    fn is_exact(self) -> bool {
        !matches!(self, Oracle::Osv(_))
    }
}

/// A class of disagreement we have examined and accept: which scheme and
/// oracle, how to recognise a pair of it, and why the oracle is wrong (or the
/// difference intended). The test fails on any disagreement no rule explains,
/// and on any rule that explains nothing (so stale entries are removed).
struct KnownDisagreement {
    scheme: VersionScheme,
    oracle: &'static str,
    applies: fn(&str, &str) -> bool,
    reason: &'static str,
}

fn has_leading_zero_component(version: &str) -> bool {
    version.split(['.', '_', '-']).skip(1).any(|part| part.len() > 1 && part.starts_with('0'))
}

fn composer_suffix_count(version: &str) -> usize {
    version.trim_start_matches('v').split(['-', '+']).next().map_or(0, |numbers| numbers.split('.').count())
}

const KNOWN_DISAGREEMENTS: &[KnownDisagreement] = &[
    KnownDisagreement {
        scheme: VersionScheme::Composer,
        oracle: "Osv(\"Packagist\")",
        applies: |left, right| [left, right].iter().any(|version| version.contains('+')),
        reason: "Composer's VersionParser::normalize strips `+build` metadata; osv's PackagistVersion keeps it and ranks it",
    },
    KnownDisagreement {
        scheme: VersionScheme::Composer,
        oracle: "Osv(\"Packagist\")",
        applies: |left, right| [left, right].iter().any(|version| version.ends_with("-stable")),
        reason: "Composer normalises `-stable` away (1.0-stable is 1.0.0.0); osv treats `stable` as an unknown word",
    },
    KnownDisagreement {
        scheme: VersionScheme::Composer,
        oracle: "Osv(\"Packagist\")",
        applies: |left, right| {
            [left, right].iter().any(|version| version.contains("-pl"))
                && [left, right].iter().any(|version| version.contains("-patch"))
        },
        reason: "Composer expands `pl` and `p` to `patch`, so 1.0-pl1 = 1.0-patch1; osv compares the words",
    },
    KnownDisagreement {
        scheme: VersionScheme::Composer,
        oracle: "Osv(\"Packagist\")",
        applies: |left, right| {
            composer_suffix_count(left) != composer_suffix_count(right)
                && [left, right].iter().all(|version| version.contains('-'))
        },
        reason: "Composer pads to four numeric parts before comparing stabilities (1-RC1 is 1.0.0.0-RC1); osv compares the unpadded strings, so `1-RC1` lands after `1.0.0-alpha1` on padding, not stability",
    },
    KnownDisagreement {
        scheme: VersionScheme::Apk,
        oracle: "Osv(\"Alpine:v3.18\")",
        applies: |left, right| left.strip_suffix("-r0") == Some(right) || right.strip_suffix("-r0") == Some(left),
        reason: "apk-tools reads `-r0` as a revision token, which outranks the end of the string (1.0 < 1.0-r0); osv's Gentoo-based key treats a missing revision as r0",
    },
    KnownDisagreement {
        scheme: VersionScheme::Apk,
        oracle: "Osv(\"Alpine:v3.18\")",
        applies: |left, right| has_leading_zero_component(left) || has_leading_zero_component(right),
        reason: "apk-tools gives a component with leading zeros (`.01`, `.00`) a special negative token; osv uses Gentoo's string comparison of such components",
    },
];

fn require_oracles() -> bool {
    std::env::var("KENSA_REQUIRE_ORACLES").is_ok_and(|value| value == "1")
}

fn installed(relative: &str) -> Option<PathBuf> {
    let path = Path::new(ORACLES).join(".installed").join(relative);
    path.exists().then_some(path)
}

fn program_exists(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs an oracle over the pairs; `None` when it is not installed.
fn run_oracle(oracle: Oracle, pairs: &[(String, String)]) -> Option<Vec<String>> {
    let directory = tempfile::tempdir().expect("temp dir");
    let pairs_path = directory.path().join("pairs.tsv");
    let text: String = pairs.iter().map(|(left, right)| format!("{left}\t{right}\n")).collect();
    std::fs::write(&pairs_path, &text).expect("write pairs");
    let stdin = || std::fs::File::open(&pairs_path).expect("open pairs");
    let output = match oracle {
        Oracle::Dpkg => {
            if !program_exists("dpkg") {
                return None;
            }
            Command::new("bash").arg(Path::new(ORACLES).join("dpkg_oracle.sh")).arg(&pairs_path).output()
        }
        Oracle::Rpm => {
            if !program_exists("rpm") {
                return None;
            }
            Command::new("bash").arg(Path::new(ORACLES).join("rpm_oracle.sh")).arg(&pairs_path).output()
        }
        Oracle::Packaging => Command::new(installed("venv-packaging/bin/python")?)
            .arg(Path::new(ORACLES).join("packaging_oracle.py"))
            .stdin(stdin())
            .output(),
        Oracle::NodeSemver => {
            let semver_directory = installed("node_modules/semver")?;
            if !program_exists("node") {
                return None;
            }
            Command::new("node")
                .arg(Path::new(ORACLES).join("npm_oracle.js"))
                .arg(semver_directory)
                .arg("compare")
                .stdin(stdin())
                .output()
        }
        Oracle::Osv(ecosystem) => Command::new(installed("venv-osv/bin/python")?)
            .arg(Path::new(ORACLES).join("osv_oracle.py"))
            .arg(ecosystem)
            .stdin(stdin())
            .output(),
    }
    .expect("run oracle");
    assert!(output.status.success(), "oracle {oracle:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<String> =
        String::from_utf8_lossy(&output.stdout).lines().filter(|line| !line.is_empty()).map(str::to_owned).collect();
    assert_eq!(lines.len(), pairs.len(), "oracle {oracle:?} answered {} lines for {} pairs", lines.len(), pairs.len());
    Some(lines)
}

fn oracle_installed(oracle: Oracle) -> bool {
    match oracle {
        Oracle::Osv(_) => installed("venv-osv/bin/python").is_some(),
        _ => true,
    }
}

fn ours(scheme: VersionScheme, left: &str, right: &str) -> &'static str {
    match scheme.compare(left, right) {
        None => "invalid",
        Some(Ordering::Less) => "lt",
        Some(Ordering::Equal) => "eq",
        Some(Ordering::Greater) => "gt",
    }
}

/// Compares one scheme against one oracle; returns the disagreements.
fn differential(
    scheme: VersionScheme,
    oracle: Oracle,
    data_ecosystems: &[&str],
    pair_budget: usize,
) -> Vec<(String, String, String, String)> {
    let mut versions = generated_versions(scheme);
    let from_data = collect_data_versions(Path::new(DATA), data_ecosystems);
    let data_count = from_data.len();
    versions.extend(from_data);
    let pairs = make_pairs(&versions, pair_budget);
    let Some(answers) = run_oracle(oracle, &pairs) else {
        assert!(
            !require_oracles(),
            "oracle {oracle:?} for {} is not installed and KENSA_REQUIRE_ORACLES=1",
            scheme.name()
        );
        eprintln!("SKIP {}: oracle {oracle:?} is not installed (run .ci/needs/version-oracles.sh)", scheme.name());
        return Vec::new();
    };
    let mut disagreements = Vec::new();
    let mut compared = 0;
    let mut validity_differences = 0;
    for ((left, right), theirs) in pairs.iter().zip(&answers) {
        let mine = ours(scheme, left, right);
        if !oracle.is_exact() && (mine == "invalid" || theirs == "invalid") {
            if mine != theirs {
                validity_differences += 1;
            }
            continue;
        }
        compared += 1;
        if mine != theirs {
            disagreements.push((left.clone(), right.clone(), mine.to_owned(), theirs.clone()));
        }
    }
    println!(
        "{}: {} versions ({} from data), {} pairs, {} compared against {oracle:?}, {} disagreements, {} validity differences skipped",
        scheme.name(),
        versions.len(),
        data_count,
        pairs.len(),
        compared,
        disagreements.len(),
        validity_differences
    );
    disagreements
}

fn check(scheme: VersionScheme, oracle: Oracle, data_ecosystems: &[&str], pair_budget: usize) {
    let oracle_name = format!("{oracle:?}");
    let found: BTreeSet<(String, String)> = differential(scheme, oracle, data_ecosystems, pair_budget)
        .into_iter()
        .map(|(left, right, mine, theirs)| {
            println!("  DISAGREE {} {oracle_name}: {left:?} vs {right:?}: ours {mine}, oracle {theirs}", scheme.name());
            (left, right)
        })
        .collect();
    let rules: Vec<&KnownDisagreement> =
        KNOWN_DISAGREEMENTS.iter().filter(|rule| rule.scheme == scheme && rule.oracle == oracle_name).collect();
    let unexplained: Vec<_> =
        found.iter().filter(|(left, right)| !rules.iter().any(|rule| (rule.applies)(left, right))).collect();
    assert!(
        unexplained.is_empty(),
        "{}: {} unexplained disagreements with {oracle_name}: {unexplained:?}",
        scheme.name(),
        unexplained.len()
    );
    if found.is_empty() && !oracle_installed(oracle) {
        return;
    }
    for rule in rules {
        let explained = found.iter().filter(|(left, right)| (rule.applies)(left, right)).count();
        println!("  known ({explained} pairs): {}", rule.reason);
        assert!(explained > 0, "known disagreement explains nothing any more: {}", rule.reason);
    }
}

// Each test proves that one scheme orders the real and generated versions of
// its ecosystem exactly as the ecosystem's own tool does.

#[test]
fn dpkg_matches_dpkg_compare_versions() {
    check(VersionScheme::Dpkg, Oracle::Dpkg, &["Debian", "Ubuntu", "dpkg-status"], 1500);
}

#[test]
fn dpkg_matches_osv_debian() {
    check(VersionScheme::Dpkg, Oracle::Osv("Debian:12"), &["Debian", "Ubuntu", "dpkg-status"], 4000);
}

#[test]
fn rpm_matches_rpm_vercmp() {
    check(VersionScheme::Rpm, Oracle::Rpm, &["AlmaLinux", "Rocky Linux", "Red Hat", "openSUSE", "SUSE"], 4000);
}

#[test]
fn pep440_matches_packaging() {
    check(VersionScheme::Pep440, Oracle::Packaging, &["PyPI"], 4000);
}

#[test]
fn npm_matches_node_semver() {
    check(VersionScheme::Npm, Oracle::NodeSemver, &["npm"], 4000);
}

#[test]
fn semver_matches_osv_crates_io() {
    check(VersionScheme::Semver, Oracle::Osv("crates.io"), &["crates.io"], 4000);
}

#[test]
fn go_matches_osv_go() {
    check(VersionScheme::Go, Oracle::Osv("Go"), &["Go"], 4000);
}

#[test]
fn maven_matches_osv_maven() {
    check(VersionScheme::Maven, Oracle::Osv("Maven"), &["Maven"], 4000);
}

#[test]
fn nuget_matches_osv_nuget() {
    check(VersionScheme::NuGet, Oracle::Osv("NuGet"), &["NuGet"], 4000);
}

#[test]
fn rubygems_matches_osv_rubygems() {
    check(VersionScheme::RubyGems, Oracle::Osv("RubyGems"), &["RubyGems"], 4000);
}

#[test]
fn composer_matches_osv_packagist() {
    check(VersionScheme::Composer, Oracle::Osv("Packagist"), &["Packagist"], 4000);
}

#[test]
fn pub_matches_osv_pub() {
    check(VersionScheme::Pub, Oracle::Osv("Pub"), &["Pub"], 4000);
}

#[test]
fn hex_matches_osv_hex() {
    check(VersionScheme::Hex, Oracle::Osv("Hex"), &["Hex"], 4000);
}

#[test]
fn apk_matches_osv_alpine() {
    check(VersionScheme::Apk, Oracle::Osv("Alpine:v3.18"), &["Alpine"], 4000);
}

/// Proves that `satisfies` reads node-semver ranges as node's `semver` does,
/// on every `vulnerable_versions` / `patched_versions` range of the Node.js
/// security WG advisories, against a spread of real and generated versions.
#[test]
fn npm_ranges_match_node_semver_satisfies() {
    let mut ranges = BTreeSet::new();
    for entry in walkdir::WalkDir::new(Path::new(DATA).join("advisories/nodejs-security-wg/npm"))
        .into_iter()
        .filter_map(Result::ok)
    {
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        let Ok(document) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        for field in ["vulnerable_versions", "patched_versions"] {
            if let Some(range) = document.get(field).and_then(|value| value.as_str())
                && !range.contains(['\t', '\n'])
            {
                ranges.insert(range.to_owned());
            }
        }
    }
    assert!(ranges.len() > 100, "the security WG advisories should give hundreds of ranges, found {}", ranges.len());
    let mut versions = generated_versions(VersionScheme::Npm);
    versions.extend(collect_data_versions(Path::new(DATA), &["npm"]));
    versions.retain(|version| VersionScheme::Npm.is_valid(version));
    let versions: Vec<String> = versions.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    // Each range against a rotating window of versions keeps the pair count in the thousands.
    let mut inputs = Vec::new();
    for (index, range) in ranges.iter().enumerate() {
        for offset in 0..8 {
            if let Some(version) = versions.get((index * 7 + offset * 13) % versions.len().max(1)) {
                inputs.push((version.clone(), range.clone()));
            }
        }
    }
    let (Some(semver_directory), true) = (installed("node_modules/semver"), program_exists("node")) else {
        assert!(!require_oracles(), "node semver is not installed and KENSA_REQUIRE_ORACLES=1");
        eprintln!("SKIP npm ranges: node semver is not installed (run .ci/needs/version-oracles.sh)");
        return;
    };
    let directory = tempfile::tempdir().expect("temp dir");
    let input_path = directory.path().join("ranges.tsv");
    std::fs::write(
        &input_path,
        inputs.iter().map(|(version, range)| format!("{version}\t{range}\n")).collect::<String>(),
    )
    .expect("write");
    let output = Command::new("node")
        .arg(Path::new(ORACLES).join("npm_oracle.js"))
        .arg(semver_directory)
        .arg("satisfies")
        .stdin(std::fs::File::open(&input_path).expect("open"))
        .output()
        .expect("run node");
    assert!(output.status.success(), "node failed: {}", String::from_utf8_lossy(&output.stderr));
    let answers: Vec<String> = String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect();
    assert_eq!(answers.len(), inputs.len());
    let mut disagreements = Vec::new();
    for ((version, range), theirs) in inputs.iter().zip(&answers) {
        let mine = match VersionScheme::Npm.satisfies(version, range) {
            Ok(true) => "true",
            Ok(false) => "false",
            Err(_) => "invalid",
        };
        if mine != theirs {
            disagreements.push(format!("{version:?} in {range:?}: ours {mine}, node {theirs}"));
        }
    }
    println!(
        "npm ranges: {} ranges, {} (version, range) pairs, {} disagreements",
        ranges.len(),
        inputs.len(),
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "npm range disagreements: {disagreements:#?}");
}
