//! Composer's `VersionParser::normalize` and `normalizeBranch`.
//!
//! The patterns are Composer's own, minus PCRE's possessive quantifiers,
//! which only change how a failing match backtracks, not what matches.

use std::sync::LazyLock;

use regex::Regex;

const MODIFIER: &str = r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?";

static ALIAS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^([^,\s]+) +as +([^,\s]+)$").ok());
static STABILITY_FLAG: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)@(?:stable|RC|beta|alpha|dev)$").ok());
static BUILD_METADATA: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^([^,\s+]+)\+[^\s]+$").ok());
static CLASSICAL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(&format!(r"(?i)^v?(\d{{1,5}})(\.\d+)?(\.\d+)?(\.\d+)?{MODIFIER}$")).ok());
static DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)^v?(\d{{4}}(?:[.:-]?\d{{2}}){{1,6}}(?:[.:-]?\d{{1,3}}){{0,2}}){MODIFIER}$")).ok()
});
static DEV_SUFFIX: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?i)^(.*?)[.-]?dev$").ok());
static BRANCH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$").ok());

/// Composer's `expandStability`.
fn expand_stability(stability: &str) -> String {
    match stability.to_lowercase().as_str() {
        "a" => "alpha".to_owned(),
        "b" => "beta".to_owned(),
        "p" | "pl" => "patch".to_owned(),
        "rc" => "RC".to_owned(),
        _ => stability.to_owned(),
    }
}

/// `normalize($version)`, or `None` where Composer throws.
pub(super) fn normalize(version: &str) -> Option<String> {
    let mut version = version.trim().to_owned();
    if version.is_empty() {
        return None;
    }
    if let Some(captures) = ALIAS.as_ref()?.captures(&version) {
        version = captures.get(1)?.as_str().to_owned();
    }
    if let Some(found) = STABILITY_FLAG.as_ref()?.find(&version) {
        version.truncate(found.start());
    }
    if matches!(version.as_str(), "master" | "trunk" | "default") {
        version = format!("dev-{version}");
    }
    if version.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("dev-")) {
        return Some(format!("dev-{}", version.get(4..)?));
    }
    if let Some(captures) = BUILD_METADATA.as_ref()?.captures(&version) {
        version = captures.get(1)?.as_str().to_owned();
    }
    let group = |captures: &regex::Captures<'_>, index: usize| {
        captures.get(index).map_or("", |found| found.as_str()).to_owned()
    };
    let (mut normalized, captures, modifier_index) = if let Some(captures) = CLASSICAL.as_ref()?.captures(&version) {
        let mut normalized = group(&captures, 1);
        for index in 2..=4 {
            let part = group(&captures, index);
            normalized.push_str(if part.is_empty() { ".0" } else { &part });
        }
        (normalized, captures, 5)
    } else if let Some(captures) = DATE.as_ref()?.captures(&version) {
        let normalized: String = group(&captures, 1)
            .chars()
            .map(|character| if character.is_ascii_digit() { character } else { '.' })
            .collect();
        (normalized, captures, 2)
    } else {
        // A numeric branch ending in -dev (`1.x-dev`), which Composer accepts as a version.
        let captures = DEV_SUFFIX.as_ref()?.captures(&version)?;
        let branch = normalize_branch(captures.get(1)?.as_str())?;
        return (!branch.contains("dev-")).then_some(branch);
    };
    let stability = group(&captures, modifier_index);
    if !stability.is_empty() {
        // Composer compares the captured text with 'stable' case-sensitively.
        if stability == "stable" {
            return Some(normalized);
        }
        normalized.push('-');
        normalized.push_str(&expand_stability(&stability));
        normalized.push_str(group(&captures, modifier_index + 1).trim_start_matches(['.', '-']));
    }
    if !group(&captures, modifier_index + 2).is_empty() {
        normalized.push_str("-dev");
    }
    Some(normalized)
}

/// `normalizeBranch($name)`: numeric branches padded with `9999999`.
fn normalize_branch(name: &str) -> Option<String> {
    let name = name.trim();
    let Some(captures) = BRANCH.as_ref()?.captures(name) else {
        return Some(format!("dev-{name}"));
    };
    let mut version = String::new();
    for index in 1..5 {
        match captures.get(index) {
            Some(part) => version.push_str(&part.as_str().replace(['*', 'X'], "x")),
            None => version.push_str(".x"),
        }
    }
    Some(format!("{}-dev", version.replace('x', "9999999")))
}
