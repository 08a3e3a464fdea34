//! The JSON report, a documented wire format (docs/json-output.md).

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::Report;
use kensa_model::{CvssVersion, Finding, Severity};

/// Version of the JSON report. Minor bumps add fields; a major bump removes or
/// changes one.
pub const JSON_SCHEMA_VERSION: &str = "1.0";

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: &'static str,
    tool: JsonTool,
    resource: JsonResource<'a>,
    summary: JsonSummary,
    packages: Vec<JsonPackage<'a>>,
    findings: Vec<JsonFinding<'a>>,
    warnings: Vec<JsonFinding<'a>>,
    unresolved: Vec<JsonUnresolved<'a>>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonTool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonResource<'a> {
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    distro: Option<JsonDistro<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a kensa_model::ImageMetadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonDistro<'a> {
    id: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    codename: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    extended_support: bool,
}

#[derive(Serialize)]
struct JsonKnownExploited<'a> {
    date_added: &'a str,
    due_date: &'a str,
    known_ransomware_use: bool,
}

#[derive(Serialize)]
struct JsonSummary {
    packages: usize,
    findings: usize,
    warnings: usize,
    by_severity: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct JsonPackage<'a> {
    name: &'a str,
    normalized_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a kensa_model::SourcePackage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    architecture: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    installed_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<&'a str>,
    version: &'a str,
    ecosystem: &'static str,
    purl: &'a str,
    locations: &'a [String],
}

#[derive(Serialize)]
struct JsonFindingPackage<'a> {
    name: &'a str,
    version: &'a str,
    ecosystem: &'static str,
    purl: &'a str,
    location: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonCvss<'a> {
    version: &'static str,
    vector: &'a str,
    score: Option<f64>,
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    advisory_id: &'a str,
    range: &'a str,
    fixed_version: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    id: &'a str,
    aliases: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    package: JsonFindingPackage<'a>,
    fixed_versions: &'a [String],
    fix_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    distro_severity: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    known_exploited: Option<JsonKnownExploited<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epss: Option<kensa_model::EpssScore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kensa_score: Option<&'a kensa_model::KensaScore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a kensa_model::Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    under_investigation: Option<&'a str>,
    severity: Severity,
    severity_source: &'a str,
    cvss: Vec<JsonCvss<'a>>,
    summary: &'a str,
    references: &'a [String],
    evidence: Vec<JsonEvidence<'a>>,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct JsonUnresolved<'a> {
    name: &'a str,
    ecosystem: &'static str,
    requirement: &'a str,
    location: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: &'a str,
    message: &'a str,
}

fn cvss_version_label(version: CvssVersion) -> &'static str {
    match version {
        CvssVersion::V2 => "2",
        CvssVersion::V3 => "3",
        CvssVersion::V4 => "4",
    }
}

fn json_finding(finding: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        id: &finding.id,
        aliases: &finding.aliases,
        kind: finding.informational.as_deref(),
        package: JsonFindingPackage {
            name: &finding.package.name,
            version: &finding.package.version,
            ecosystem: finding.package.ecosystem.as_str(),
            purl: &finding.package.purl,
            location: &finding.package.location,
            layer: finding.package.layer.as_deref(),
        },
        fixed_versions: &finding.fixed_versions,
        fix_state: finding.fix_state.as_str(),
        distro_severity: finding.distro_severity.as_deref(),
        epss: finding.epss,
        kensa_score: finding.kensa_score.as_ref(),
        suppressed: finding.suppressed.as_ref(),
        under_investigation: finding.under_investigation.as_deref(),
        known_exploited: finding.known_exploited.as_ref().map(|entry| JsonKnownExploited {
            date_added: &entry.date_added,
            due_date: &entry.due_date,
            known_ransomware_use: entry.known_ransomware_use,
        }),
        severity: finding.severity,
        severity_source: finding.severity_source.as_str(),
        cvss: finding
            .cvss
            .iter()
            .map(|vector| JsonCvss {
                version: cvss_version_label(vector.version),
                vector: &vector.vector,
                score: kensa_score::cvss_base_score(&vector.vector),
            })
            .collect(),
        summary: &finding.summary,
        references: &finding.references,
        evidence: finding
            .evidence
            .iter()
            .map(|evidence| JsonEvidence {
                advisory_id: &evidence.advisory_id,
                range: &evidence.range,
                fixed_version: evidence.fixed_version.as_deref(),
            })
            .collect(),
        fingerprint: &finding.fingerprint,
    }
}

/// Writes the JSON report, pretty-printed, followed by a newline.
pub fn write_json(report: &Report<'_>, output: &mut dyn Write) -> std::io::Result<()> {
    let inventory = report.inventory;
    let mut by_severity: BTreeMap<&'static str, usize> =
        ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"].into_iter().map(|label| (label, 0)).collect();
    for finding in report.findings {
        *by_severity.entry(finding.severity.as_str()).or_default() += 1;
    }
    let mut diagnostics: Vec<JsonDiagnostic<'_>> = inventory
        .diagnostics
        .iter()
        .map(|diagnostic| JsonDiagnostic { path: &diagnostic.path, message: &diagnostic.message })
        .collect();
    diagnostics.extend(report.match_notes.iter().map(|(subject, message)| JsonDiagnostic { path: subject, message }));
    let json = JsonReport {
        schema_version: JSON_SCHEMA_VERSION,
        tool: JsonTool { name: "kensa", version: env!("CARGO_PKG_VERSION") },
        resource: JsonResource {
            kind: match inventory.resource.kind {
                kensa_model::ResourceKind::Directory => "directory",
                kensa_model::ResourceKind::File => "file",
                kensa_model::ResourceKind::Image => "image",
                kensa_model::ResourceKind::Archive => "archive",
                _ => "other",
            },
            name: &inventory.resource.name,
            distro: inventory.distro.as_ref().map(|distro| JsonDistro {
                id: &distro.id,
                version: &distro.version,
                codename: distro.codename.as_deref(),
                extended_support: distro.extended_support,
            }),
            image: inventory.image.as_ref(),
            runtime: inventory.runtime.as_deref(),
        },
        summary: JsonSummary {
            packages: inventory.packages.len(),
            findings: report.findings.len(),
            warnings: report.warnings.len(),
            by_severity,
        },
        packages: inventory
            .packages
            .iter()
            .map(|package| JsonPackage {
                name: &package.name,
                normalized_name: &package.normalized_name,
                source: package.source.as_ref(),
                architecture: package.architecture.as_deref(),
                installed_by: package.installed_by.as_deref(),
                layer: package.layer.as_deref(),
                version: &package.version,
                ecosystem: package.ecosystem.as_str(),
                purl: &package.purl,
                locations: &package.locations,
            })
            .collect(),
        findings: report.findings.iter().map(json_finding).collect(),
        warnings: report.warnings.iter().map(json_finding).collect(),
        unresolved: inventory
            .unresolved
            .iter()
            .map(|unresolved| JsonUnresolved {
                name: &unresolved.name,
                ecosystem: unresolved.ecosystem.as_str(),
                requirement: &unresolved.requirement,
                location: &unresolved.location,
            })
            .collect(),
        diagnostics,
    };
    serde_json::to_writer_pretty(&mut *output, &json).map_err(std::io::Error::other)?;
    output.write_all(b"\n")
}
