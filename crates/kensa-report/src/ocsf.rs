//! OCSF Vulnerability Finding events (class 2002, schema 1.6.0 — the version
//! Security Hub reads), for SIEMs and data lakes: a JSON array, one event per
//! Kensa finding.
//!
//! What goes where, and why:
//! - The vulnerability is named once, as the schema's `just_one` constraint
//!   on `vulnerability` asks: by `cve` when it has a CVE id (its own, an alias,
//!   or the KEV entry's), carrying the CVSS scores and EPSS, else by `advisory`
//!   (GHSA, RUSTSEC, distro ids).
//! - The Kensa score and CISA KEV entry go into `enrichments`, the schema's
//!   place for context a producer adds to an event, with their reasons and
//!   dates in `data`.
//! - Suppressed findings keep their place with `status_id` 3 (Suppressed) and
//!   the reason in `status_detail`, as the JSON report keeps them.

use std::io::Write;

use kensa_model::{Finding, ResourceKind, Severity};
use serde_json::{Map, Value, json};

use crate::Report;

/// The OCSF schema version the events follow.
pub const OCSF_SCHEMA_VERSION: &str = "1.6.0";

const CLASS_UID: u64 = 2002;
const CATEGORY_UID: u64 = 2;
/// `activity_id` 1: a finding reported for the first time (Create). A one-off
/// scan has no history to say Update or Close; the service will.
const ACTIVITY_CREATE: u64 = 1;

/// OCSF `severity_id` and its caption.
fn severity(severity: Severity) -> (u64, &'static str) {
    match severity {
        Severity::Critical => (5, "Critical"),
        Severity::High => (4, "High"),
        Severity::Medium => (3, "Medium"),
        Severity::Low => (2, "Low"),
        Severity::Unknown => (0, "Unknown"),
    }
}

/// The CVE the finding is about: its own id, the KEV entry's, or the first CVE alias.
fn cve_id(finding: &Finding) -> Option<&str> {
    if finding.id.starts_with("CVE-") {
        return Some(&finding.id);
    }
    if let Some(known) = &finding.known_exploited {
        return Some(&known.cve);
    }
    finding.aliases.iter().map(String::as_str).find(|alias| alias.starts_with("CVE-"))
}

fn cvss_scores(finding: &Finding) -> Vec<Value> {
    finding
        .cvss
        .iter()
        .filter_map(|cvss| {
            let score = kensa_score::cvss_base_score(&cvss.vector)?;
            Some(json!({
                "version": crate::cvss_version_label(cvss),
                "base_score": score,
                "vector_string": cvss.vector,
                "severity": severity(Severity::from_cvss_score(score)).1,
            }))
        })
        .collect()
}

fn insert_some(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), value);
    }
}

fn vulnerability(finding: &Finding) -> Value {
    let title = if finding.summary.is_empty() { finding.id.clone() } else { finding.summary.clone() };
    let mut package = Map::new();
    package.insert("name".to_owned(), json!(finding.package.name));
    package.insert("version".to_owned(), json!(finding.package.version));
    package.insert("package_manager".to_owned(), json!(finding.package.ecosystem.as_str()));
    // type_id: 1 Application, 2 Operating System.
    let (type_id, type_name) =
        if finding.package.ecosystem.is_operating_system() { (2, "Operating System") } else { (1, "Application") };
    package.insert("type_id".to_owned(), json!(type_id));
    package.insert("type".to_owned(), json!(type_name));
    insert_some(&mut package, "purl", (!finding.package.purl.is_empty()).then(|| json!(finding.package.purl)));
    insert_some(&mut package, "path", (!finding.package.location.is_empty()).then(|| json!(finding.package.location)));
    let remediation =
        finding.fixed_versions.first().map(|fixed| format!("Upgrade {} to {fixed} or later", finding.package.name));
    insert_some(&mut package, "fixed_in_version", finding.fixed_versions.first().map(|fixed| json!(fixed)));
    insert_some(&mut package, "remediation", remediation.as_ref().map(|desc| json!({"desc": desc})));

    let mut vulnerability = Map::new();
    vulnerability.insert("title".to_owned(), json!(title));
    vulnerability.insert("severity".to_owned(), json!(severity(finding.severity).1));
    vulnerability.insert("affected_packages".to_owned(), json!([Value::Object(package)]));
    vulnerability.insert("is_fix_available".to_owned(), json!(!finding.fixed_versions.is_empty()));
    vulnerability.insert("is_exploit_available".to_owned(), json!(finding.known_exploited.is_some()));
    vulnerability.insert("vendor_name".to_owned(), json!("Kensa"));
    // The schema asks for references (recommended); an advisory without any still names itself.
    vulnerability.insert("references".to_owned(), json!(finding.references));
    let related: Vec<&String> = finding.aliases.iter().chain(std::iter::once(&finding.id)).collect();
    match cve_id(finding) {
        Some(cve) => {
            let mut cve_object = Map::new();
            cve_object.insert("uid".to_owned(), json!(cve));
            cve_object.insert("title".to_owned(), json!(title));
            let scores = cvss_scores(finding);
            insert_some(&mut cve_object, "cvss", (!scores.is_empty()).then_some(Value::Array(scores)));
            insert_some(
                &mut cve_object,
                "epss",
                finding
                    .epss
                    .as_ref()
                    .map(|epss| json!({"score": format!("{:.5}", epss.probability), "percentile": epss.percentile})),
            );
            vulnerability.insert("cve".to_owned(), Value::Object(cve_object));
            let others: Vec<&&String> = related.iter().filter(|id| id.as_str() != cve).collect();
            insert_some(&mut vulnerability, "related_vulnerabilities", (!others.is_empty()).then(|| json!(others)));
        }
        None => {
            vulnerability.insert("advisory".to_owned(), json!({"uid": finding.id, "title": title}));
            insert_some(
                &mut vulnerability,
                "related_vulnerabilities",
                (!finding.aliases.is_empty()).then(|| json!(finding.aliases)),
            );
        }
    }
    insert_some(&mut vulnerability, "remediation", remediation.map(|desc| json!({"desc": desc})));
    Value::Object(vulnerability)
}

fn enrichments(finding: &Finding) -> Vec<Value> {
    let mut enrichments = Vec::new();
    if let Some(score) = &finding.kensa_score {
        enrichments.push(json!({
            "name": "kensa_score",
            "value": format!("{:.1}", score.score),
            "type": "risk_score",
            "provider": "Kensa",
            "short_desc": "Environment-adjusted risk, 0 to 10: CVSS adjusted for exploitation, EPSS, fix state and exposure",
            "data": {
                "score": score.score,
                "adjustments": score.adjustments.iter().map(|adjustment| json!({
                    "factor": adjustment.factor,
                    "effect": adjustment.effect,
                    "reason": adjustment.reason,
                })).collect::<Vec<_>>(),
            },
        }));
    }
    if let Some(known) = &finding.known_exploited {
        enrichments.push(json!({
            "name": "cisa_kev",
            "value": known.cve,
            "type": "known_exploited_vulnerability",
            "provider": "CISA",
            "short_desc": known.name,
            "src_url": "https://www.cisa.gov/known-exploited-vulnerabilities-catalog",
            "data": {
                "date_added": known.date_added,
                "due_date": known.due_date,
                "known_ransomware_use": known.known_ransomware_use,
            },
        }));
    }
    enrichments
}

fn resource(report: &Report<'_>) -> Value {
    let inventory = report.inventory;
    let type_name = match inventory.resource.kind {
        ResourceKind::Directory => "Directory",
        ResourceKind::File => "File",
        ResourceKind::Image => "Container Image",
        ResourceKind::Archive => "Archive",
        _ => "Other",
    };
    let mut object = Map::new();
    let uid = inventory
        .image
        .as_ref()
        .and_then(|image| image.repository_digest.clone().or_else(|| image.config_digest.clone()))
        .unwrap_or_else(|| inventory.resource.name.clone());
    object.insert("uid".to_owned(), json!(uid));
    object.insert("name".to_owned(), json!(inventory.resource.name));
    object.insert("type".to_owned(), json!(type_name));
    let mut data = Map::new();
    if let Some(distro) = &inventory.distro {
        data.insert("distro".to_owned(), json!({"id": distro.id, "version": distro.version}));
    }
    if let Some(image) = &inventory.image {
        insert_some(&mut data, "tags", (!image.tags.is_empty()).then(|| json!(image.tags)));
        insert_some(&mut data, "config_digest", image.config_digest.as_ref().map(|digest| json!(digest)));
        insert_some(&mut data, "os", image.os.as_ref().map(|os| json!(os)));
        insert_some(&mut data, "architecture", image.architecture.as_ref().map(|arch| json!(arch)));
    }
    if let Some(runtime) = &inventory.runtime {
        data.insert("runtime".to_owned(), json!(runtime));
    }
    insert_some(&mut object, "data", (!data.is_empty()).then_some(Value::Object(data)));
    Value::Object(object)
}

fn event(finding: &Finding, report: &Report<'_>, time_milliseconds: u64) -> Value {
    let (severity_id, severity_caption) = severity(finding.severity);
    let title = format!("{} in {} {}", finding.id, finding.package.name, finding.package.version);
    let mut event = json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Vulnerability Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Vulnerability Finding: Create",
        "severity_id": severity_id,
        "severity": severity_caption,
        "time": time_milliseconds,
        "message": title,
        "metadata": {
            "version": OCSF_SCHEMA_VERSION,
            "product": {"name": "Kensa", "vendor_name": "Kensa", "version": env!("CARGO_PKG_VERSION")},
            "uid": finding.fingerprint,
        },
        "finding_info": {
            "uid": format!("kensa/{}", finding.fingerprint),
            "title": title,
            "desc": if finding.summary.is_empty() { &finding.id } else { &finding.summary },
            "types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
            "created_time": time_milliseconds,
        },
        "resources": [resource(report)],
        "vulnerabilities": [vulnerability(finding)],
    });
    if let Some(object) = event.as_object_mut() {
        let (status_id, status, detail) = match (&finding.suppressed, &finding.under_investigation) {
            (Some(suppression), _) => {
                (3, "Suppressed", Some(format!("{}: {}", suppression.status, suppression.reason)))
            }
            (None, Some(note)) => (1, "New", Some(format!("under investigation: {note}"))),
            (None, None) => (1, "New", None),
        };
        object.insert("status_id".to_owned(), json!(status_id));
        object.insert("status".to_owned(), json!(status));
        insert_some(object, "status_detail", detail.map(Value::String));
        let enrichments = enrichments(finding);
        insert_some(object, "enrichments", (!enrichments.is_empty()).then_some(Value::Array(enrichments)));
    }
    event
}

/// Writes the findings as a JSON array of OCSF Vulnerability Finding events,
/// stamped with the scan time (milliseconds since the Unix epoch).
pub fn write_ocsf(report: &Report<'_>, time_milliseconds: u64, output: &mut dyn Write) -> std::io::Result<()> {
    let events: Vec<Value> = report.findings.iter().map(|finding| event(finding, report, time_milliseconds)).collect();
    serde_json::to_writer_pretty(&mut *output, &events).map_err(std::io::Error::other)?;
    writeln!(output)
}
