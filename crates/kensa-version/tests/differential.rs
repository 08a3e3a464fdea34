//! Differential tests: our `compare` and `satisfies` against each
//! ecosystem's own implementation, on generated tricky versions plus every
//! real version string in the shared data: OSV advisories, dpkg status
//! files, the RustSec / RubySec / FriendsOfPHP requirements and the
//! lockfile fixtures (see `support`).
//!
//! Exact oracles (installed by `.ci/needs/version-oracles.sh`): `dpkg
//! --compare-versions`, rpm's Lua `rpm.vercmp`, Python `packaging`, node's
//! `semver`, Ruby's `Gem::Version` / `Gem::Requirement`, Maven's
//! `ComparableVersion` / `VersionRange`, composer/semver, and Go's
//! `golang.org/x/mod/semver`. Where no exact oracle exists (NuGet, Pub, Hex,
//! crates.io, Alpine) the `osv` package's sort keys stand in; osv's Debian key
//! also stays beside dpkg, whose process per pair keeps its own pair count
//! low. Each oracle runs
//! once per test over a file of all its inputs. A missing oracle skips its
//! test with a notice, or fails when `KENSA_REQUIRE_ORACLES=1` (CI).
//!
//! Exact oracles are held to the same idea of which strings are versions.
//! Maven's `ComparableVersion` reads every string, so pairs we refuse are
//! counted, not compared; the `osv` sort keys coerce or push unreadable
//! versions to the end, so for them only pairs both sides read are compared.

#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used
)]

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::path::Path;

use kensa_version::VersionScheme;

mod support;

use support::oracles::{Mode, Oracle, Validity, run_or_skip};
use support::{
    collect_data_versions, feeds, generated_requirements, generated_versions, lockfiles, make_pairs, requirement_inputs,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

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

/// A run of digits too large for a `u64` (leading zeros aside).
fn has_number_beyond_u64(version: &str) -> bool {
    version.split(|character: char| !character.is_ascii_digit()).any(|digits| {
        let significant = digits.trim_start_matches('0');
        !significant.is_empty() && significant.parse::<u64>().is_err()
    })
}

const KNOWN_DISAGREEMENTS: &[KnownDisagreement] = &[
    KnownDisagreement {
        scheme: VersionScheme::Pep440,
        oracle: "Packaging",
        applies: |left, right| has_number_beyond_u64(left) || has_number_beyond_u64(right),
        reason: "pep440_rs keeps release numbers in a u64 and refuses larger ones; packaging's Python ints are unbounded. No PyPI version has a 20-digit component, and refusing beats guessing",
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

/// One line both sides answered differently: `(left, right, ours, theirs)`.
type Disagreement = (String, String, String, String);

fn ours_compare(scheme: VersionScheme, left: &str, right: &str) -> &'static str {
    match scheme.compare(left, right) {
        None if scheme.is_valid(left) && scheme.is_valid(right) => "unordered",
        None => "invalid",
        Some(Ordering::Less) => "lt",
        Some(Ordering::Equal) => "eq",
        Some(Ordering::Greater) => "gt",
    }
}

fn ours_satisfies(scheme: VersionScheme, version: &str, requirement: &str) -> &'static str {
    match scheme.satisfies(version, requirement) {
        Ok(true) => "true",
        Ok(false) => "false",
        Err(_) => "invalid",
    }
}

/// Our answers against the oracle's: the disagreements, how many lines were
/// compared, and how many were left out because validity cannot be held
/// against this oracle (see `Validity`).
fn disagreements(
    scheme: VersionScheme,
    oracle: Oracle,
    mode: Mode,
    lines: &[(String, String)],
    answers: &[String],
) -> (Vec<Disagreement>, usize, usize) {
    let mut found = Vec::new();
    let (mut compared, mut left_out) = (0, 0);
    for ((left, right), theirs) in lines.iter().zip(answers) {
        let mine = match mode {
            Mode::Compare => ours_compare(scheme, left, right),
            Mode::Satisfies => ours_satisfies(scheme, left, right),
        };
        let we_refuse_a_version = !scheme.is_valid(left) || (mode == Mode::Compare && !scheme.is_valid(right));
        let skip = match oracle.validity() {
            Validity::Exact => false,
            Validity::ReadsEverything => we_refuse_a_version,
            Validity::Approximate => mine == "invalid" || theirs == "invalid",
        };
        if skip {
            left_out += usize::from(mine != theirs);
            continue;
        }
        compared += 1;
        if mine != theirs {
            found.push((left.clone(), right.clone(), mine.to_owned(), theirs.clone()));
        }
    }
    (found, compared, left_out)
}

/// Fails on any disagreement no known rule explains, and on any rule for
/// this oracle that explains nothing (so stale entries are removed).
fn assert_explained(scheme: VersionScheme, oracle_label: &str, found: Vec<Disagreement>) {
    let found: BTreeSet<(String, String)> = found
        .into_iter()
        .map(|(left, right, mine, theirs)| {
            println!(
                "  DISAGREE {} {oracle_label}: {left:?} vs {right:?}: ours {mine}, oracle {theirs}",
                scheme.name()
            );
            (left, right)
        })
        .collect();
    let rules: Vec<&KnownDisagreement> =
        KNOWN_DISAGREEMENTS.iter().filter(|rule| rule.scheme == scheme && rule.oracle == oracle_label).collect();
    let unexplained: Vec<_> =
        found.iter().filter(|(left, right)| !rules.iter().any(|rule| (rule.applies)(left, right))).collect();
    assert!(
        unexplained.is_empty(),
        "{}: {} unexplained disagreements with {oracle_label}: {unexplained:?}",
        scheme.name(),
        unexplained.len()
    );
    for rule in rules {
        let explained = found.iter().filter(|(left, right)| (rule.applies)(left, right)).count();
        println!("  known ({explained} pairs): {}", rule.reason);
        assert!(explained > 0, "known disagreement explains nothing any more: {}", rule.reason);
    }
}

/// Orders generated and real versions (from the named data sources) with
/// the scheme and the oracle, and holds them to each other.
fn check(scheme: VersionScheme, oracle: Oracle, sources: &[&str], pair_budget: usize) {
    let mut versions = generated_versions(scheme);
    let (from_data, per_source) = collect_data_versions(Path::new(DATA), sources);
    let data_count = from_data.len();
    versions.extend(from_data);
    let pairs = make_pairs(&versions, pair_budget);
    let Some(answers) = run_or_skip(oracle, Mode::Compare, &pairs, scheme.name()) else { return };
    let (found, compared, left_out) = disagreements(scheme, oracle, Mode::Compare, &pairs, &answers);
    println!(
        "{}: {} versions ({data_count} from data: {per_source}), {} pairs, {compared} compared against {oracle:?}, {} disagreements, {left_out} validity differences not compared",
        scheme.name(),
        versions.len(),
        pairs.len(),
        found.len(),
    );
    assert_explained(scheme, &format!("{oracle:?}"), found);
}

/// Checks `(version, requirement)` inputs with the scheme and the oracle's
/// requirement implementation, and holds them to each other.
fn check_requirements(scheme: VersionScheme, oracle: Oracle, inputs: &[(String, String)], what: &str) {
    let requirement_count = inputs.iter().map(|(_, requirement)| requirement).collect::<BTreeSet<_>>().len();
    let Some(answers) = run_or_skip(oracle, Mode::Satisfies, inputs, what) else { return };
    let (found, compared, left_out) = disagreements(scheme, oracle, Mode::Satisfies, inputs, &answers);
    let satisfied = answers.iter().filter(|answer| *answer == "true").count();
    println!(
        "{what}: {requirement_count} requirements, {} (version, requirement) inputs, {compared} compared against {oracle:?} ({satisfied} satisfied), {} disagreements, {left_out} not compared",
        inputs.len(),
        found.len(),
    );
    assert_explained(scheme, &format!("{oracle:?} satisfies"), found);
}

// Each ordering test proves that one scheme orders the real and generated
// versions of its ecosystem as the named oracle does (up to the known,
// explained disagreements above).

/// Pairs per ordering test with a fast oracle (one process for all pairs);
/// dpkg runs a process per pair and gets fewer.
const PAIR_BUDGET: usize = 20_000;
/// `(version, requirement)` inputs per requirement test: enough for every
/// input the feeds give today (about 77,000 for FriendsOfPHP).
const REQUIREMENT_BUDGET: usize = 100_000;

const NPM_SOURCES: &[&str] = &["npm", "package-lock.json"];
const RUBYGEMS_SOURCES: &[&str] = &["RubyGems", "RubySec", "Gemfile.lock"];
const COMPOSER_SOURCES: &[&str] = &["Packagist", "FriendsOfPHP", "composer.lock"];
const GO_SOURCES: &[&str] = &["Go", "go.mod"];
const MAVEN_SOURCES: &[&str] = &["Maven", "gradle.lockfile"];
const CARGO_SOURCES: &[&str] = &["crates.io", "RustSec", "Cargo.lock"];

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
    check(VersionScheme::Rpm, Oracle::Rpm, &["AlmaLinux", "Rocky Linux", "Red Hat", "openSUSE", "SUSE"], PAIR_BUDGET);
}

#[test]
fn pep440_matches_packaging() {
    check(VersionScheme::Pep440, Oracle::Packaging, &["PyPI"], PAIR_BUDGET);
}

#[test]
fn npm_matches_node_semver() {
    check(VersionScheme::Npm, Oracle::NodeSemver, NPM_SOURCES, PAIR_BUDGET);
}

#[test]
fn semver_matches_osv_crates_io() {
    check(VersionScheme::Semver, Oracle::Osv("crates.io"), CARGO_SOURCES, 4000);
}

#[test]
fn go_matches_x_mod_semver() {
    check(VersionScheme::Go, Oracle::GoModSemver, GO_SOURCES, PAIR_BUDGET);
}

#[test]
fn maven_matches_comparable_version() {
    check(VersionScheme::Maven, Oracle::MavenArtifact, MAVEN_SOURCES, PAIR_BUDGET);
}

#[test]
fn nuget_matches_osv_nuget() {
    check(VersionScheme::NuGet, Oracle::Osv("NuGet"), &["NuGet"], 4000);
}

#[test]
fn rubygems_matches_gem_version() {
    check(VersionScheme::RubyGems, Oracle::RubyGems, RUBYGEMS_SOURCES, PAIR_BUDGET);
}

#[test]
fn composer_matches_composer_semver() {
    check(VersionScheme::Composer, Oracle::ComposerSemver, COMPOSER_SOURCES, PAIR_BUDGET);
}

#[test]
fn pub_matches_osv_pub() {
    check(VersionScheme::Pub, Oracle::Osv("Pub"), &["Pub", "pubspec.lock"], 4000);
}

#[test]
fn hex_matches_osv_hex() {
    check(VersionScheme::Hex, Oracle::Osv("Hex"), &["Hex", "mix.lock"], 4000);
}

/// No Debian package ships apk-tools, so osv's Alpine key is the only oracle.
#[test]
fn apk_matches_osv_alpine() {
    check(VersionScheme::Apk, Oracle::Osv("Alpine:v3.18"), &["Alpine"], 4000);
}

/// Proves that `satisfies` reads node-semver ranges as node's `semver` does,
/// on every `vulnerable_versions` / `patched_versions` range of the Node.js
/// security WG advisories, against the versions they name, the versions
/// package-lock.json fixtures pin for the package, and a spread of others.
#[test]
fn npm_ranges_match_node_semver_satisfies() {
    let mut ranges = feeds::RequirementsByPackage::new();
    for entry in walkdir::WalkDir::new(Path::new(DATA).join("advisories/nodejs-security-wg/npm"))
        .into_iter()
        .filter_map(Result::ok)
    {
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        let Ok(document) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        let Some(module) = document.get("module_name").and_then(|module| module.as_str()) else { continue };
        for field in ["vulnerable_versions", "patched_versions"] {
            if let Some(range) = document.get(field).and_then(|value| value.as_str())
                && !range.contains(['\t', '\n'])
            {
                ranges.entry(module.to_owned()).or_default().insert(range.to_owned());
            }
        }
    }
    assert!(ranges.len() > 100, "the security WG advisories should name hundreds of modules, found {}", ranges.len());
    let mut pool = generated_versions(VersionScheme::Npm);
    pool.extend(collect_data_versions(Path::new(DATA), NPM_SOURCES).0);
    pool.retain(|version| VersionScheme::Npm.is_valid(version));
    let locked = lockfiles::lockfile_versions(Path::new(DATA)).get(&lockfiles::LockfileKind::PackageLockJson);
    let inputs = requirement_inputs(&ranges, locked, &pool, REQUIREMENT_BUDGET);
    check_requirements(VersionScheme::Npm, Oracle::NodeSemver, &inputs, "npm ranges (security WG)");
}

/// Proves that `satisfies` reads RubySec's `patched_versions` and
/// `unaffected_versions` as `Gem::Requirement#satisfied_by?` does (each entry
/// split on commas as bundler-audit does), against the versions the
/// requirements name, Gemfile.lock versions of the gem, hand-made edge
/// cases, and others.
#[test]
fn rubysec_requirements_match_gem_requirement() {
    let mut requirements = feeds::rubysec_requirements(Path::new(DATA)).clone();
    assert!(requirements.len() > 300, "RubySec should cover hundreds of gems, found {}", requirements.len());
    requirements
        .insert("(generated)".to_owned(), generated_requirements(VersionScheme::RubyGems).into_iter().collect());
    let mut pool = generated_versions(VersionScheme::RubyGems);
    pool.extend(collect_data_versions(Path::new(DATA), RUBYGEMS_SOURCES).0);
    let locked = lockfiles::lockfile_versions(Path::new(DATA)).get(&lockfiles::LockfileKind::GemfileLock);
    let inputs = requirement_inputs(&requirements, locked, &pool, REQUIREMENT_BUDGET);
    check_requirements(VersionScheme::RubyGems, Oracle::RubyGems, &inputs, "rubygems requirements (RubySec)");
}

/// Proves that `satisfies` reads FriendsOfPHP constraints as Composer's
/// `Semver::satisfies` does, against the versions they name, composer.lock
/// versions of the package, hand-made edge cases, and others.
#[test]
fn friendsofphp_constraints_match_composer_semver() {
    let mut constraints = feeds::friendsofphp_constraints(Path::new(DATA)).clone();
    assert!(constraints.len() > 300, "FriendsOfPHP should cover hundreds of packages, found {}", constraints.len());
    constraints.insert("(generated)".to_owned(), generated_requirements(VersionScheme::Composer).into_iter().collect());
    let mut pool = generated_versions(VersionScheme::Composer);
    pool.extend(collect_data_versions(Path::new(DATA), COMPOSER_SOURCES).0);
    let locked = lockfiles::lockfile_versions(Path::new(DATA)).get(&lockfiles::LockfileKind::ComposerLock);
    let inputs = requirement_inputs(&constraints, locked, &pool, REQUIREMENT_BUDGET);
    check_requirements(VersionScheme::Composer, Oracle::ComposerSemver, &inputs, "composer constraints (FriendsOfPHP)");
}

/// Proves that `satisfies` reads Maven ranges as Maven's `VersionRange`
/// does: ranges of every shape (`[a,b)`, `(a,b]`, `[a,)`, `(,a]`, `[a]`,
/// unions, a soft `a`, and malformed ones) built from consecutive real
/// Maven versions, each checked against the versions around it, plus
/// hand-made ranges against a spread of versions.
#[test]
fn maven_ranges_match_version_range() {
    let (from_data, _) = collect_data_versions(Path::new(DATA), MAVEN_SOURCES);
    let mut versions: Vec<String> = from_data
        .into_iter()
        .chain(generated_versions(VersionScheme::Maven))
        .filter(|version| VersionScheme::Maven.is_valid(version) && !version.contains([',', '[', ']', '(', ')']))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    versions.sort_by(|left, right| VersionScheme::Maven.compare(left, right).unwrap_or(Ordering::Equal));
    let mut inputs = Vec::new();
    for (index, window) in versions.windows(4).enumerate() {
        let [a, b, c, d] = [&window[0], &window[1], &window[2], &window[3]];
        let ranges = [
            format!("[{a},{c})"),
            format!("({a},{c}]"),
            format!("[{b},)"),
            format!("(,{b}]"),
            format!("(,{b})"),
            format!("[{b}]"),
            b.clone(),
            format!("[{a},{b}),[{c},)"),
            format!("(,{a}],[{c},{d}]"),
            format!("[{c},{a}]"),
            format!("[{a},{c}"),
            format!("({b})"),
        ];
        for range in [&ranges[index % ranges.len()], &ranges[(index + 5) % ranges.len()]] {
            for version in [a, b, c, d] {
                inputs.push((version.clone(), range.clone()));
            }
        }
    }
    for requirement in generated_requirements(VersionScheme::Maven) {
        for version in versions.iter().step_by(5) {
            inputs.push((version.clone(), requirement.clone()));
        }
    }
    inputs.truncate(REQUIREMENT_BUDGET);
    check_requirements(VersionScheme::Maven, Oracle::MavenArtifact, &inputs, "maven ranges");
}

/// No exact oracle for Cargo requirements runs here: the `semver` crate is
/// Cargo's own parser, and cargo-audit's interval reading would need the
/// `rustsec` crate and its dependency tree. This proves the weaker real-data
/// property that every RustSec `patched`/`unaffected` requirement is read,
/// and that a one-comparator inclusive requirement holds for the full
/// version it names.
#[test]
fn rustsec_requirements_are_all_read() {
    let requirements = feeds::rustsec_requirements(Path::new(DATA));
    assert!(requirements.len() > 300, "RustSec should cover hundreds of crates, found {}", requirements.len());
    let mut checked = 0;
    for requirement in requirements.values().flatten() {
        let operator = requirement.trim_start();
        let inclusive = !requirement.contains(',')
            && (operator.starts_with(">=") || operator.starts_with("<=") || operator.starts_with(['=', '^', '~']));
        for version in feeds::versions_named(requirement) {
            if !VersionScheme::Semver.is_valid(&version) {
                continue;
            }
            let holds = VersionScheme::Semver.satisfies(&version, requirement);
            assert!(holds.is_ok(), "RustSec requirement {requirement:?} is not read: {holds:?}");
            if inclusive {
                assert_eq!(holds, Ok(true), "{version:?} should meet its own inclusive requirement {requirement:?}");
            }
            checked += 1;
        }
    }
    println!(
        "rustsec: {} requirements read, {checked} named versions checked",
        requirements.values().flatten().count()
    );
}
