//! The real-version corpus and pairing for the differential tests.
//!
//! Versions come from every OSV document in the shared advisories (by
//! ecosystem name), dpkg status files (`dpkg-status`), the requirements of
//! the non-OSV feeds (`RustSec`, `RubySec`, `FriendsOfPHP`: see `feeds`) and
//! the lockfile fixtures (by format name, `Cargo.lock` etc.: see
//! `lockfiles`). Each test names the sources its scheme reads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

pub(crate) mod feeds;
mod generated;
pub(crate) mod lockfiles;
pub(crate) mod oracles;

pub(crate) use generated::{generated_requirements, generated_versions};

/// Every version string in the shared data, by source: an OSV ecosystem
/// name, `dpkg-status`, a feed or a lockfile format. Read once per test binary.
fn all_data_versions(data: &Path) -> &'static BTreeMap<String, BTreeSet<String>> {
    static CACHE: OnceLock<BTreeMap<String, BTreeSet<String>>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let mut by_ecosystem: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for entry in walkdir::WalkDir::new(data.join("advisories")).into_iter().filter_map(Result::ok) {
            let path = entry.path();
            let extension = path.extension().and_then(|extension| extension.to_str()).unwrap_or_default();
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            let document: Option<serde_json::Value> = match extension {
                "json" => serde_json::from_str(&text).ok(),
                "yaml" | "yml" => serde_yaml_ng::from_str(&text).ok(),
                _ => None,
            };
            if let Some(document) = document {
                collect_osv(&document, &mut by_ecosystem);
            }
        }
        for entry in walkdir::WalkDir::new(data.join("targets/dpkg")).into_iter().filter_map(Result::ok) {
            let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
            for line in text.lines() {
                if let Some(version) = line.strip_prefix("Version: ") {
                    by_ecosystem.entry("dpkg-status".to_owned()).or_default().insert(version.trim().to_owned());
                }
            }
        }
        let feeds = [
            ("RustSec", feeds::rustsec_requirements(data)),
            ("RubySec", feeds::rubysec_requirements(data)),
            ("FriendsOfPHP", feeds::friendsofphp_constraints(data)),
        ];
        for (feed, requirements) in feeds {
            by_ecosystem.entry(feed.to_owned()).or_default().extend(feeds::all_versions_named(requirements));
        }
        for (kind, packages) in lockfiles::lockfile_versions(data) {
            by_ecosystem.entry(kind.label().to_owned()).or_default().extend(packages.values().flatten().cloned());
        }
        by_ecosystem
    })
}

fn collect_osv(document: &serde_json::Value, by_ecosystem: &mut BTreeMap<String, BTreeSet<String>>) {
    let Some(affected) = document.get("affected").and_then(|affected| affected.as_array()) else { return };
    for package in affected {
        let Some(ecosystem) = package.pointer("/package/ecosystem").and_then(|value| value.as_str()) else { continue };
        let bucket = by_ecosystem.entry(ecosystem.to_owned()).or_default();
        for range in package.get("ranges").and_then(|ranges| ranges.as_array()).into_iter().flatten() {
            if range.get("type").and_then(|kind| kind.as_str()) == Some("GIT") {
                continue;
            }
            for event in range.get("events").and_then(|events| events.as_array()).into_iter().flatten() {
                for value in event.as_object().into_iter().flat_map(|object| object.values()) {
                    if let Some(version) = value.as_str().filter(|version| *version != "0") {
                        bucket.insert(version.to_owned());
                    }
                }
            }
        }
        for version in package.get("versions").and_then(|versions| versions.as_array()).into_iter().flatten() {
            if let Some(version) = version.as_str() {
                bucket.insert(version.to_owned());
            }
        }
    }
}

/// Versions of every source whose name starts with one of `prefixes`
/// (`Debian` takes `Debian:11`, `Debian:12`...), and a printable count per
/// source (`Cargo.lock=1234`).
pub(crate) fn collect_data_versions(data: &Path, prefixes: &[&str]) -> (Vec<String>, String) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut versions = Vec::new();
    for (source, source_versions) in all_data_versions(data) {
        let Some(prefix) = prefixes.iter().find(|prefix| source.starts_with(**prefix)) else { continue };
        let usable = source_versions.iter().filter(|version| !version.contains(['\t', '\n', '\r']));
        let before = versions.len();
        versions.extend(usable.cloned());
        *counts.entry(prefix).or_default() += versions.len() - before;
    }
    let summary = prefixes
        .iter()
        .map(|prefix| format!("{prefix}={}", counts.get(prefix).copied().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(" ");
    (versions, summary)
}

/// A deterministic pseudo-random sequence (64-bit LCG), so runs are repeatable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Neighbours in sorted order plus neighbours in shuffled orders — as many
/// shuffles (up to 20) as the budget allows, so that small corpora are
/// crossed more densely — sampled evenly down to `budget` pairs.
pub(crate) fn make_pairs(versions: &[String], budget: usize) -> Vec<(String, String)> {
    let unique: Vec<String> = versions.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let mut pairs: Vec<(String, String)> = unique.windows(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect();
    let mut random = Lcg(0x6b656e7361);
    let rounds = budget.div_ceil(unique.len().max(1)).clamp(1, 20);
    let mut shuffled = unique.clone();
    for _ in 0..rounds {
        for index in (1..shuffled.len()).rev() {
            let other = (random.next() as usize) % (index + 1);
            shuffled.swap(index, other);
        }
        pairs.extend(shuffled.windows(2).map(|pair| (pair[0].clone(), pair[1].clone())));
    }
    if pairs.len() > budget {
        let step = pairs.len() as f64 / budget as f64;
        pairs = (0..budget).filter_map(|index| pairs.get((index as f64 * step) as usize).cloned()).collect();
    }
    pairs
}

/// `(version, requirement)` inputs for a requirement differential: every
/// requirement of a package against every version that package's
/// requirements name and every version its lockfiles pin, plus a rotating
/// pair from `pool` (other real and generated versions) per requirement,
/// sampled evenly down to `budget`.
pub(crate) fn requirement_inputs(
    requirements: &feeds::RequirementsByPackage,
    locked: Option<&BTreeMap<String, BTreeSet<String>>>,
    pool: &[String],
    budget: usize,
) -> Vec<(String, String)> {
    let mut inputs = BTreeSet::new();
    for (index, (package, package_requirements)) in requirements.iter().enumerate() {
        let mut versions: BTreeSet<String> =
            package_requirements.iter().flat_map(|requirement| feeds::versions_named(requirement)).collect();
        versions.extend(locked.and_then(|locked| locked.get(package)).into_iter().flatten().cloned());
        for (offset, requirement) in package_requirements.iter().enumerate() {
            for version in &versions {
                inputs.insert((version.clone(), requirement.clone()));
            }
            for step in 0..2 {
                if let Some(version) = pool.get((index * 31 + offset * 7 + step * 101) % pool.len().max(1)) {
                    inputs.insert((version.clone(), requirement.clone()));
                }
            }
        }
    }
    let inputs: Vec<(String, String)> = inputs.into_iter().collect();
    if inputs.len() <= budget {
        return inputs;
    }
    let step = inputs.len() as f64 / budget as f64;
    (0..budget).filter_map(|index| inputs.get((index as f64 * step) as usize).cloned()).collect()
}
