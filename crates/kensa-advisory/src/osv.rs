//! OSV records (schema 1.x), in JSON or YAML, into [`Advisory`] values.
//!
//! Handles every field matching needs: ids and aliases (`related` and `upstream`
//! are deliberately not aliases: they name different vulnerabilities), affected
//! packages with their ranges, enumerated versions and `ecosystem_specific` data,
//! CVSS vectors from top-level and per-package `severity`, GHSA's
//! `database_specific.severity`, references and withdrawal.
//!
//! Distro records keep the full release qualifier after the first `:` of the
//! ecosystem (`Ubuntu:Pro:18.04:LTS` → `Pro:18.04:LTS`, `Red Hat:enterprise_linux:9::appstream`
//! → `enterprise_linux:9::appstream`) and the distribution's own rating as
//! `distro_severity`: Ubuntu's priority (severity type `Ubuntu`), an `urgency`
//! or `severity` in `ecosystem_specific`/`database_specific` (Debian's export),
//! or the Red Hat impact rating that starts AlmaLinux and Rocky summaries.
//!
//! Affected entries in ecosystems `kensa_model::Ecosystem` does not know are
//! dropped; a record left with none is [`AdvisoryError::Unsupported`]. Adding an
//! ecosystem to the model is all it takes to start keeping them.
//!
//! Version strings are deserialised straight into `String` (never through a
//! generic value) so that YAML scalars like `1.10` keep their spelling instead of
//! becoming the float `1.1`.

use std::collections::{BTreeMap, BTreeSet};

use kensa_model::{Advisory, AffectedPackage, AffectedRange, CvssVector, Ecosystem, RangeEvent, RangeKind, Severity};
use serde::Deserialize;
use serde_json::Value as JsonValue;

use crate::AdvisoryError;
use crate::cvss::valid_cvss_vector_or_note;
use crate::normalize::{dedupe_affected, dedupe_keep_order, normalize_aliases, validate_advisory};

#[derive(Deserialize)]
struct OsvRecord {
    id: String,
    modified: String,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<OsvSeverity>>,
    affected: Option<Vec<OsvAffected>>,
    references: Option<Vec<OsvReference>>,
    database_specific: Option<JsonValue>,
}

#[derive(Deserialize, Clone)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct OsvAffected {
    package: Option<OsvPackage>,
    ranges: Option<Vec<OsvRange>>,
    versions: Option<Vec<String>>,
    severity: Option<Vec<OsvSeverity>>,
    ecosystem_specific: Option<JsonValue>,
    database_specific: Option<JsonValue>,
}

#[derive(Deserialize)]
struct OsvPackage {
    ecosystem: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    events: Vec<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct OsvReference {
    url: String,
}

/// Parses one OSV record written as JSON.
pub(crate) fn parse_json(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let record: OsvRecord = serde_json::from_slice(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("not a valid OSV record: {error}")))?;
    convert_record(path, record).map(|advisory| vec![advisory])
}

/// Parses one OSV record written as YAML (the PyPA advisory database).
pub(crate) fn parse_yaml(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let record: OsvRecord = kensa_parse::yaml_from_slice(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("not a valid OSV record: {error}")))?;
    convert_record(path, record).map(|advisory| vec![advisory])
}

/// What the severity entries of a record add up to.
#[derive(Default)]
struct SeverityFindings {
    cvss: Vec<CvssVector>,
    /// A qualitative label published as a severity type of its own (Ubuntu's).
    label: Option<Severity>,
    /// That label as written (`negligible`, `medium`): Ubuntu's priority, kept
    /// as the distribution's own rating of its packages.
    ubuntu_priority: Option<String>,
    /// Vectors left out, and why.
    notes: Vec<String>,
}

fn convert_record(path: &str, record: OsvRecord) -> Result<Advisory, AdvisoryError> {
    let id = record.id.trim().to_owned();
    let invalid = |reason: String| AdvisoryError::invalid(path, format!("{id}: {reason}"));

    let mut severities = SeverityFindings::default();
    for severity in record.severity.unwrap_or_default() {
        collect_severity(severity, &mut severities);
    }

    let record_ubuntu_priority = severities.ubuntu_priority.clone();
    let vendor_rating = record.summary.as_deref().and_then(vendor_rating_from_summary);
    let record_affected = record.affected.unwrap_or_default();
    let mut unsupported_ecosystems = BTreeSet::new();
    let mut affected = Vec::with_capacity(record_affected.len());
    for entry in record_affected {
        let mut entry_severities = SeverityFindings::default();
        for severity in entry.severity.unwrap_or_default() {
            collect_severity(severity.clone(), &mut entry_severities);
            collect_severity(severity, &mut severities);
        }
        let Some(package) = entry.package else {
            unsupported_ecosystems.insert("Git repositories (affected entry without a package)".to_owned());
            continue;
        };
        let package_name = package.name.unwrap_or_default().trim().to_owned();
        let Some(ecosystem_text) = package.ecosystem.filter(|text| !text.trim().is_empty()) else {
            if package_name.is_empty() {
                unsupported_ecosystems.insert("Git repositories (affected entry without a package)".to_owned());
                continue;
            }
            return Err(invalid(format!("affected package {package_name:?} has no ecosystem")));
        };
        let Ok((ecosystem, release)) = Ecosystem::parse_with_release(ecosystem_text.trim()) else {
            unsupported_ecosystems.insert(ecosystem_text);
            continue;
        };
        if package_name.is_empty() {
            return Err(invalid(format!("an affected {ecosystem_text} package has no name")));
        }
        let ranges = entry
            .ranges
            .unwrap_or_default()
            .into_iter()
            .map(|range| convert_range(range).map_err(|reason| format!("affected package {package_name}: {reason}")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        let versions = entry.versions.unwrap_or_default();
        if versions.iter().any(|version| version.trim().is_empty()) {
            return Err(invalid(format!("affected package {package_name} lists an empty version")));
        }
        let distro_severity = if ecosystem.is_operating_system() {
            entry_severities
                .ubuntu_priority
                .or_else(|| specific_rating(entry.ecosystem_specific.as_ref()))
                .or_else(|| specific_rating(entry.database_specific.as_ref()))
                .or_else(|| record_ubuntu_priority.clone())
                .or_else(|| vendor_rating.filter(|_| ecosystem_uses_red_hat_ratings(ecosystem)).map(str::to_owned))
        } else {
            None
        };
        affected.push(AffectedPackage {
            ecosystem,
            release: release.map(str::to_owned),
            name: ecosystem.normalize_name(&package_name),
            ranges,
            versions: versions.into_iter().map(|version| version.trim().to_owned()).collect(),
            ecosystem_specific: entry
                .ecosystem_specific
                .filter(|value| !value.is_null())
                .map(|value| value.to_string()),
            fix_state: None,
            distro_severity,
        });
    }
    if affected.is_empty() && !unsupported_ecosystems.is_empty() {
        let listed: Vec<String> = unsupported_ecosystems.into_iter().collect();
        return Err(AdvisoryError::unsupported(
            path,
            format!("no affected package in a supported ecosystem: {}", listed.join(", ")),
        ));
    }

    let database_severity = record
        .database_specific
        .as_ref()
        .and_then(|specific| specific.get("severity"))
        .and_then(JsonValue::as_str)
        .and_then(Severity::from_label)
        .or(severities.label);
    let mut cvss = Vec::with_capacity(severities.cvss.len());
    for vector in severities.cvss {
        if !cvss.contains(&vector) {
            cvss.push(vector);
        }
    }

    let advisory = Advisory {
        aliases: normalize_aliases(&id, record.aliases.unwrap_or_default()),
        summary: record.summary.unwrap_or_default().trim().to_owned(),
        details: record.details.unwrap_or_default().trim().to_owned(),
        published: record.published,
        modified: Some(record.modified),
        withdrawn: record.withdrawn,
        cvss,
        database_severity,
        references: dedupe_keep_order(record.references.unwrap_or_default().into_iter().map(|reference| reference.url)),
        informational: None,
        affected: dedupe_affected(affected),
        source: "osv".to_owned(),
        notes: dedupe_keep_order(severities.notes),
        id,
    };
    validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    Ok(advisory)
}

/// Adds one `severity` entry; a vector that is malformed, or of another CVSS
/// version than its type says, is left out with a note.
fn collect_severity(severity: OsvSeverity, findings: &mut SeverityFindings) {
    let declared_version = match severity.kind.as_str() {
        "CVSS_V2" => kensa_model::CvssVersion::V2,
        "CVSS_V3" => kensa_model::CvssVersion::V3,
        "CVSS_V4" => kensa_model::CvssVersion::V4,
        "Ubuntu" => {
            findings.label = findings.label.or_else(|| Severity::from_label(&severity.score));
            let priority = severity.score.trim();
            if findings.ubuntu_priority.is_none() && !priority.is_empty() {
                findings.ubuntu_priority = Some(priority.to_owned());
            }
            return;
        }
        // Severity types are an open list in OSV; an unknown one carries nothing
        // Kensa can use, and rejecting the record for it would lose the rest.
        _ => return,
    };
    let what = format!("severity {}", severity.kind);
    let Some(vector) = valid_cvss_vector_or_note(&severity.score, &what, &mut findings.notes) else {
        return;
    };
    if vector.version != declared_version {
        findings
            .notes
            .push(format!("{what}: the vector {:?} is of another CVSS version; the vector is left out", vector.vector));
        return;
    }
    findings.cvss.push(vector);
}

fn convert_range(range: OsvRange) -> Result<AffectedRange, String> {
    let kind = match range.kind.as_str() {
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "SEMVER" => RangeKind::Semver,
        "GIT" => RangeKind::Git,
        other => return Err(format!("unknown range type {other:?} (expected ECOSYSTEM, SEMVER or GIT)")),
    };
    let mut events = Vec::with_capacity(range.events.len());
    for event in range.events {
        let mut entries = event.into_iter();
        let (Some((event_kind, version)), None) = (entries.next(), entries.next()) else {
            return Err("a range event must have exactly one of introduced, fixed, last_affected or limit".to_owned());
        };
        let version = version.trim().to_owned();
        if version.is_empty() {
            return Err(format!("range event {event_kind:?} has an empty version"));
        }
        events.push(match event_kind.as_str() {
            "introduced" => RangeEvent::Introduced(version),
            "fixed" => RangeEvent::Fixed(version),
            "last_affected" => RangeEvent::LastAffected(version),
            "limit" => RangeEvent::Limit(version),
            other => return Err(format!("unknown range event {other:?}")),
        });
    }
    if !events.iter().any(|event| matches!(event, RangeEvent::Introduced(_))) {
        return Err(format!("{} range has no introduced event", range.kind));
    }
    Ok(AffectedRange::Events { kind, events })
}

/// The distribution's rating of one affected package where the record carries
/// it in `ecosystem_specific` or `database_specific`: Debian's OSV export writes
/// the tracker's `urgency` there; other distro exporters use `severity`.
fn specific_rating(specific: Option<&JsonValue>) -> Option<String> {
    let specific = specific?;
    ["urgency", "severity"].into_iter().find_map(|key| {
        let rating = specific.get(key)?.as_str()?.trim();
        (!rating.is_empty()).then(|| rating.to_owned())
    })
}

/// RHEL rebuilds (AlmaLinux, Rocky Linux) publish no severity field; their
/// errata summaries start with Red Hat's impact rating (`Important: openssl
/// security update`), which is the vendor rating distro scanners report.
fn vendor_rating_from_summary(summary: &str) -> Option<&'static str> {
    let (prefix, _) = summary.split_once(':')?;
    ["Low", "Moderate", "Important", "Critical"].into_iter().find(|rating| *rating == prefix.trim())
}

fn ecosystem_uses_red_hat_ratings(ecosystem: Ecosystem) -> bool {
    matches!(ecosystem, Ecosystem::AlmaLinux | Ecosystem::RockyLinux | Ecosystem::RedHat)
}
