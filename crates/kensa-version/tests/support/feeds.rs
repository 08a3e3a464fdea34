//! Requirement strings from the advisory feeds that are not OSV: RustSec
//! `patched`/`unaffected`, RubySec `patched_versions`/`unaffected_versions`
//! and FriendsOfPHP `branches[].versions`, each by package, and the version
//! numbers those requirements name.
//!
//! Only the requirement strings are read, as each feed's consumer
//! (cargo-audit, bundler-audit, the Composer audit) hands them to its
//! ecosystem's requirement parser; the rest of each advisory is ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;

/// Requirement strings by package name.
pub(crate) type RequirementsByPackage = BTreeMap<String, BTreeSet<String>>;

/// RustSec: each entry of `patched = [...]` and `unaffected = [...]` in the
/// TOML front matter of `crates/<crate>/*.md`.
pub(crate) fn rustsec_requirements(data: &Path) -> &'static RequirementsByPackage {
    static CACHE: OnceLock<RequirementsByPackage> = OnceLock::new();
    CACHE.get_or_init(|| {
        let array = Regex::new(r"(?ms)^(?:patched|unaffected)\s*=\s*\[(.*?)\]").expect("regex");
        let quoted = Regex::new(r#""([^"]*)""#).expect("regex");
        let package = Regex::new(r#"(?m)^package\s*=\s*"([^"]+)""#).expect("regex");
        let mut by_package = RequirementsByPackage::new();
        for entry in walkdir::WalkDir::new(data.join("advisories/rustsec/crates")).into_iter().filter_map(Result::ok) {
            let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
            let Some(name) = package.captures(&text).map(|captures| captures[1].to_owned()) else { continue };
            for list in array.captures_iter(&text) {
                for requirement in quoted.captures_iter(&list[1]) {
                    by_package.entry(name.clone()).or_default().insert(requirement[1].to_owned());
                }
            }
        }
        by_package
    })
}

/// RubySec: each entry of `patched_versions` and `unaffected_versions` in
/// `gems/<gem>/*.yml` (one entry may itself be `">= 1.2, < 1.3"`).
pub(crate) fn rubysec_requirements(data: &Path) -> &'static RequirementsByPackage {
    static CACHE: OnceLock<RequirementsByPackage> = OnceLock::new();
    CACHE.get_or_init(|| {
        let mut by_package = RequirementsByPackage::new();
        for entry in walkdir::WalkDir::new(data.join("advisories/rubysec/gems")).into_iter().filter_map(Result::ok) {
            let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
            let Ok(document) = serde_yaml_ng::from_str::<serde_json::Value>(&text) else { continue };
            let Some(gem) = document.get("gem").and_then(|gem| gem.as_str()) else { continue };
            for field in ["patched_versions", "unaffected_versions"] {
                for requirement in document.get(field).and_then(|list| list.as_array()).into_iter().flatten() {
                    if let Some(requirement) = requirement.as_str() {
                        by_package.entry(gem.to_owned()).or_default().insert(requirement.to_owned());
                    }
                }
            }
        }
        by_package
    })
}

/// FriendsOfPHP: each branch's `versions` list, joined with `,` (the list is
/// an AND of constraints), by the package of `reference: composer://...`.
pub(crate) fn friendsofphp_constraints(data: &Path) -> &'static RequirementsByPackage {
    static CACHE: OnceLock<RequirementsByPackage> = OnceLock::new();
    CACHE.get_or_init(|| {
        let mut by_package = RequirementsByPackage::new();
        for entry in walkdir::WalkDir::new(data.join("advisories/php-security-advisories"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|entry| entry.path().extension().is_some_and(|extension| extension == "yaml"))
        {
            let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
            let Ok(document) = serde_yaml_ng::from_str::<serde_json::Value>(&text) else { continue };
            let Some(package) = document
                .get("reference")
                .and_then(|reference| reference.as_str())
                .and_then(|reference| reference.strip_prefix("composer://"))
            else {
                continue;
            };
            for branch in document.get("branches").and_then(|branches| branches.as_object()).into_iter().flatten() {
                let constraints: Vec<&str> = branch
                    .1
                    .get("versions")
                    .and_then(|versions| versions.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|constraint| constraint.as_str())
                    .collect();
                if !constraints.is_empty() {
                    by_package.entry(package.to_lowercase()).or_default().insert(constraints.join(","));
                }
            }
        }
        by_package
    })
}

/// The version numbers a requirement names: each operand once its operator
/// is stripped, if it starts with a digit (or `v` and a digit).
pub(crate) fn versions_named(requirement: &str) -> Vec<String> {
    requirement
        .split([',', '|', ' '])
        .map(|operand| operand.trim_start_matches(['<', '>', '=', '~', '^', '!']).trim())
        .filter(|operand| {
            let digits = operand.strip_prefix('v').unwrap_or(operand);
            digits.starts_with(|character: char| character.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect()
}

/// Every version named by every requirement.
pub(crate) fn all_versions_named(requirements: &RequirementsByPackage) -> BTreeSet<String> {
    requirements.values().flatten().flat_map(|requirement| versions_named(requirement)).collect()
}
