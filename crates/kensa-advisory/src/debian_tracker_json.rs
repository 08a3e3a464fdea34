//! The Debian security tracker's JSON export
//! (`https://security-tracker.debian.org/tracker/data/json`), the form
//! scanners mirror: source package → CVE → `{description, debianbug, releases:
//! {codename: {status, fixed_version, urgency, nodsa, nodsa_reason}}}`.
//!
//! The export is keyed by package; Kensa's advisories are keyed by
//! vulnerability, so it is turned around into one [`Advisory`] per CVE (id
//! `DEBIAN-<CVE>`, the CVE as alias) with one affected entry per (release,
//! source package). The states are read as:
//!
//! | tracker | Kensa |
//! |---|---|
//! | `resolved`, `fixed_version` V | fixed in V |
//! | `resolved`, `fixed_version` `0` | not affected |
//! | `open` | not fixed |
//! | `open`, `nodsa_reason: ignored` | will not fix |
//! | `open`, `nodsa_reason: postponed` | fix deferred |
//! | `open`, `urgency: end-of-life` | end of life |
//! | `undetermined` | not fixed (the team has not decided; reporting it is the safe side) |
//!
//! The urgency is kept as the distro severity (`unimportant` included: such
//! issues stay not fixed but are rated unimportant by Debian).
//!
//! One malformed CVE entry or release does not cost the rest of a 70 MB file:
//! it is returned as a [`SkippedEntry`] with the reason. The per-CVE files of the
//! vuln-list mirror layout (`Header`/`Annotations`) are a different format and
//! are not parsed here.

use std::collections::BTreeMap;

use kensa_model::{Advisory, AffectedPackage};
use serde::Deserialize;
use serde_json::Value as JsonValue;

use crate::debian_release::{TrackerState, affected_from_state, release_for_codename, severity_from_urgency};
use crate::normalize::{dedupe_affected, normalize_aliases, validate_advisory};
use crate::{AdvisoryError, DebianTrackerParse, SkippedEntry};

#[derive(Deserialize)]
struct RawCveEntry {
    description: Option<String>,
    debianbug: Option<JsonValue>,
    releases: Option<RawReleases>,
}

/// The tracker is written in Python and serialises an empty release table as
/// `[]` rather than `{}` (seen in the real export, e.g. for chromium-browser).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawReleases {
    ByCodename(BTreeMap<String, RawRelease>),
    Empty([JsonValue; 0]),
}

#[derive(Deserialize)]
struct RawRelease {
    status: String,
    fixed_version: Option<String>,
    urgency: Option<String>,
    nodsa_reason: Option<String>,
}

/// What one CVE collects across the packages of the export.
#[derive(Default)]
struct CveParts {
    description: Option<String>,
    references: Vec<String>,
    affected: Vec<AffectedPackage>,
}

/// Parses the whole export.
pub(crate) fn parse(path: &str, contents: &[u8]) -> Result<DebianTrackerParse, AdvisoryError> {
    let document: BTreeMap<String, BTreeMap<String, JsonValue>> =
        serde_json::from_slice(contents).map_err(|error| {
            AdvisoryError::invalid(path, format!("not the tracker's JSON export (package → CVE → entry): {error}"))
        })?;
    let mut parse = DebianTrackerParse::default();
    let mut by_cve: BTreeMap<String, CveParts> = BTreeMap::new();
    for (package, entries) in document {
        for (vulnerability, value) in entries {
            let location = format!("package {package}, {vulnerability}");
            let entry: RawCveEntry = match serde_json::from_value(value) {
                Ok(entry) => entry,
                Err(error) => {
                    parse.skipped.push(skipped(location, &vulnerability, format!("malformed entry: {error}")));
                    continue;
                }
            };
            let parts = by_cve.entry(vulnerability.clone()).or_default();
            if parts.description.is_none() {
                parts.description = entry.description.map(|description| description.trim().to_owned());
            }
            if let Some(bug) = entry.debianbug.as_ref().and_then(bug_number) {
                parts.references.push(format!("https://bugs.debian.org/{bug}"));
            }
            let releases = match entry.releases {
                Some(RawReleases::ByCodename(releases)) => releases,
                Some(RawReleases::Empty(_)) | None => BTreeMap::new(),
            };
            for (codename, release) in releases {
                let location = format!("{location}, release {codename}");
                match affected_for_release(&package, &codename, release) {
                    Ok(affected) => parts.affected.push(affected),
                    Err(reason) => parse.skipped.push(skipped(location, &vulnerability, reason)),
                }
            }
        }
    }
    let nothing_readable = by_cve.values().all(|parts| parts.affected.is_empty()) && !parse.skipped.is_empty();
    if nothing_readable {
        let first = parse.skipped.first().map(ToString::to_string).unwrap_or_default();
        return Err(AdvisoryError::invalid(path, format!("no readable entry in the export; first problem: {first}")));
    }
    for (vulnerability, parts) in by_cve {
        if parts.affected.is_empty() {
            parse.skipped.push(skipped(
                vulnerability.clone(),
                &vulnerability,
                "no release of any package has a state for it",
            ));
            continue;
        }
        let id = format!("DEBIAN-{vulnerability}");
        let aliases = vulnerability.starts_with("CVE-").then(|| vulnerability.clone());
        let mut references = vec![format!("https://security-tracker.debian.org/tracker/{vulnerability}")];
        references.extend(parts.references);
        references.dedup();
        let advisory = Advisory {
            aliases: normalize_aliases(&id, aliases),
            summary: parts.description.unwrap_or_default(),
            details: String::new(),
            published: None,
            modified: None,
            withdrawn: None,
            cvss: Vec::new(),
            database_severity: None,
            references,
            informational: None,
            affected: dedupe_affected(parts.affected),
            source: "debian-security-tracker".to_owned(),
            notes: Vec::new(),
            id,
        };
        validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
        parse.advisories.push(advisory);
    }
    Ok(parse)
}

fn affected_for_release(package: &str, codename: &str, release: RawRelease) -> Result<AffectedPackage, String> {
    let release_number =
        release_for_codename(codename).ok_or_else(|| format!("unknown Debian release {codename:?}"))?;
    let urgency = release.urgency.as_deref().unwrap_or_default().trim();
    let state = match release.status.as_str() {
        "resolved" => {
            let fixed_version = release
                .fixed_version
                .map(|version| version.trim().to_owned())
                .filter(|version| !version.is_empty())
                .ok_or_else(|| "resolved without a fixed_version".to_owned())?;
            TrackerState::Fixed(fixed_version)
        }
        "open" | "undetermined" => match release.nodsa_reason.as_deref().map(str::trim) {
            _ if urgency == "end-of-life" => TrackerState::EndOfLife,
            Some("ignored") => TrackerState::WillNotFix,
            Some("postponed") => TrackerState::Postponed,
            _ => TrackerState::Unfixed,
        },
        other => return Err(format!("unknown status {other:?}")),
    };
    Ok(affected_from_state(release_number, package, state, severity_from_urgency(urgency)))
}

fn bug_number(value: &JsonValue) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
}

fn skipped(location: String, vulnerability: &str, reason: impl Into<String>) -> SkippedEntry {
    SkippedEntry { location, text: vulnerability.to_owned(), reason: reason.into() }
}
