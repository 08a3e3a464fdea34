//! Version collection and pairing for the differential tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use kensa_version::VersionScheme;

/// Every version string in the shared data, by OSV ecosystem name
/// (`dpkg-status` for dpkg status files). Read once per test binary.
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

/// Versions of every ecosystem whose name starts with one of `prefixes`.
pub(crate) fn collect_data_versions(data: &Path, prefixes: &[&str]) -> Vec<String> {
    all_data_versions(data)
        .iter()
        .filter(|(ecosystem, _)| prefixes.iter().any(|prefix| ecosystem.starts_with(prefix)))
        .flat_map(|(_, versions)| versions.iter().cloned())
        .filter(|version| !version.contains(['\t', '\n', '\r']))
        .collect()
}

/// A deterministic pseudo-random sequence (64-bit LCG), so runs are repeatable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Neighbours in sorted order plus neighbours in a shuffled order, sampled
/// evenly down to `budget` pairs.
pub(crate) fn make_pairs(versions: &[String], budget: usize) -> Vec<(String, String)> {
    let unique: Vec<String> = versions.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let mut shuffled = unique.clone();
    let mut random = Lcg(0x6b656e7361);
    for index in (1..shuffled.len()).rev() {
        let other = (random.next() as usize) % (index + 1);
        shuffled.swap(index, other);
    }
    let mut pairs: Vec<(String, String)> = unique.windows(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect();
    pairs.extend(shuffled.windows(2).map(|pair| (pair[0].clone(), pair[1].clone())));
    if pairs.len() > budget {
        let step = pairs.len() as f64 / budget as f64;
        pairs = (0..budget).filter_map(|index| pairs.get((index as f64 * step) as usize).cloned()).collect();
    }
    pairs
}

/// Crosses parts into versions: every combination of one item from each list.
fn cross(lists: &[&[&str]]) -> Vec<String> {
    let mut results = vec![String::new()];
    for list in lists {
        results = results.iter().flat_map(|prefix| list.iter().map(move |item| format!("{prefix}{item}"))).collect();
    }
    results
}

/// Tricky versions per scheme: epochs, `~`, `^`, pre-releases, long numbers,
/// letters, separators, and some invalid strings.
pub(crate) fn generated_versions(scheme: VersionScheme) -> Vec<String> {
    let numbers: &[&str] = &["0", "1", "01", "2", "10", "99999999999999999999"];
    let mut versions = match scheme {
        VersionScheme::Dpkg => {
            let mut versions = cross(&[
                &["", "1:", "0:"],
                &["1.0", "1.00", "1.0a", "1.0+dfsg", "1.0~rc1", "1.0~", "1.0.1", "1a"],
                &["", "-1", "-1ubuntu1", "-0", "-1~bpo1", "-1+deb12u1"],
            ]);
            versions.extend(["1.0-", ":1.0", "abc", "1.0 1", "1.0_1", "a:1", "2147483648:1"].map(String::from));
            versions
        }
        VersionScheme::Rpm => {
            let mut versions = cross(&[
                &["", "1:", "0:", ":"],
                &["1.0", "1.0~rc1", "1.0^git1", "1.0^", "1.0a", "1.010", "1_0", "1.0."],
                &["", "-1", "-1.el9", "-1.el9_2", "-1~beta"],
            ]);
            versions.extend(["a", "~", "^", "1..2", "1.0-1-2"].map(String::from));
            versions
        }
        VersionScheme::Apk => {
            let mut versions = cross(&[
                &["1.0", "1.01", "1.00", "1", "1.0a", "1.2.3"],
                &["", "_alpha1", "_beta", "_pre2", "_rc1", "_p1", "_git20200101", "_cvs", "_svn1", "_hg2"],
                &["", "-r0", "-r1", "-r10"],
            ]);
            versions.extend(["1.0_foo", "1.0ab", "1.0-1", "a", "1.0_rc1_p2", "2.0p1"].map(String::from));
            versions
        }
        VersionScheme::Pep440 => cross(&[
            &["", "1!", "v"],
            &["1.0", "1.0.0", "1.01"],
            &["", "a1", "b2", "rc1", "-alpha.1", ".dev0", ".post1", "-1", "c1", "pre1"],
            &["", "+local.1", "+1"],
        ]),
        VersionScheme::Maven => {
            let qualifiers: &[&str] = &[
                "",
                "-alpha-1",
                "-a1",
                "-beta",
                "-b2",
                "-milestone-1",
                "-m1",
                "-rc1",
                "-cr1",
                "-snapshot",
                "-SNAPSHOT",
                "-ga",
                "-final",
                ".release",
                "-sp1",
                "-foo",
                ".foo",
                "-1",
                ".0",
                "a",
                "-0",
            ];
            cross(&[&["1", "1.0", "1.0.0", "1.1", "1-1", "1.0.1"], qualifiers])
        }
        VersionScheme::NuGet => cross(&[
            &["1", "1.0", "1.0.0", "1.0.0.0", "1.0.0.1", "01.0"],
            &["", "-alpha", "-ALPHA", "-beta.2", "-beta.10", "-1", "-01", "-rc.1.x"],
            &["", "+build.1"],
        ]),
        VersionScheme::RubyGems => {
            cross(&[&["1", "1.0", "1.0.0", "1.01", "2"], &["", ".a", ".rc1", "-1", ".pre.2", "b", ".0.1", "-beta"]])
        }
        VersionScheme::Composer => cross(&[
            &["", "v"],
            &["1", "1.0", "1.0.0", "1.0.0.0", "1.0.0.1"],
            &[
                "", "-dev", "-alpha1", "-a2", "-beta", "-b1", "-RC1", "-rc.2", "-pl1", "-p2", "-patch1", "-stable",
                "+build",
            ],
        ]),
        VersionScheme::Pub => cross(&[
            &["1.0.0", "01.0.0", "1.0.1", "0.9.99"],
            &["", "-1", "-01", "-a", "-dev.2", "-beta.10", "-beta.9"],
            &["", "+1", "+2", "+b"],
        ]),
        VersionScheme::Go => cross(&[
            &["v", ""],
            &["1.2.3", "1.2.4", "0.0.0", "1.2", "1"],
            &["", "-0.20191109021931-daa7c04131f5", "-rc.1", "-rc.1.0.20191109021931-daa7c04131f5", "-pre"],
            &["", "+incompatible"],
        ]),
        VersionScheme::Semver | VersionScheme::Hex | VersionScheme::Npm => {
            let mut versions = cross(&[
                &["1.0.0", "1.2.3", "0.0.1", "1.0", "01.0.0"],
                &["", "-alpha", "-alpha.1", "-alpha.beta", "-beta.2", "-beta.11", "-rc.1", "-0", "-01", "-x-y"],
                &["", "+build.5", "+001"],
            ]);
            if scheme == VersionScheme::Npm {
                versions.extend(["v1.2.3", "=1.2.3", " 1.2.3 ", "v 1.2.3", "1.2.3-"].map(String::from));
            }
            versions
        }
        _ => Vec::new(),
    };
    versions.extend(numbers.iter().map(|number| format!("{number}.{number}.{number}")));
    versions
}
