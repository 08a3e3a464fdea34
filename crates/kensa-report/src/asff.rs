//! AWS Security Finding Format (ASFF), as Security Hub's BatchImportFindings
//! takes it (`{"Findings": [...]}`): one finding per Kensa finding, with the
//! vulnerable package, CVSS, fix availability, exploitation (KEV) and the
//! scanned resource. Suppressed findings are sent with `Workflow.Status`
//! SUPPRESSED and the reason in a note, as Security Hub models suppression.

use std::io::Write;

use kensa_model::{Finding, ResourceKind, Severity};
use serde_json::{Value, json};

use crate::Report;

/// Where the findings go: the AWS account and region of the product ARN.
#[derive(Debug, Clone)]
pub struct AsffTarget {
    /// The 12-digit account id.
    pub account_id: String,
    /// The region (`us-east-1`).
    pub region: String,
    /// When the scan ran, RFC 3339 (`2026-11-22T05:00:00Z`).
    pub created_at: String,
}

fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Unknown => "INFORMATIONAL",
    }
}

fn finding_value(finding: &Finding, report: &Report<'_>, target: &AsffTarget) -> Value {
    let product_arn =
        format!("arn:aws:securityhub:{}:{}:product/{}/default", target.region, target.account_id, target.account_id);
    let resource_type = match report.inventory.resource.kind {
        ResourceKind::Image => "Container",
        _ => "Other",
    };
    let cvss: Vec<Value> = finding
        .cvss
        .iter()
        .filter_map(|cvss| {
            let score = kensa_score::cvss_base_score(&cvss.vector)?;
            Some(json!({"Version": crate::cvss_version_label(cvss), "BaseScore": score, "BaseVector": cvss.vector}))
        })
        .collect();
    let mut package = json!({
        "Name": finding.package.name,
        "Version": finding.package.version,
        "PackageManager": finding.package.ecosystem.as_str(),
        "FilePath": finding.package.location,
    });
    if let (Some(fixed), Some(object)) = (finding.fixed_versions.first(), package.as_object_mut()) {
        object.insert("FixedInVersion".to_owned(), json!(fixed));
        object.insert("Remediation".to_owned(), json!(format!("Upgrade {} to {fixed}", finding.package.name)));
    }
    let mut vulnerability = json!({
        "Id": finding.id,
        "VulnerablePackages": [package],
        "Vendor": {"Name": "kensa"},
        "FixAvailable": if finding.fixed_versions.is_empty() { "NO" } else { "YES" },
        "ExploitAvailable": if finding.known_exploited.is_some() { "YES" } else { "NO" },
    });
    if let Some(object) = vulnerability.as_object_mut() {
        if !cvss.is_empty() {
            object.insert("Cvss".to_owned(), Value::Array(cvss));
        }
        if !finding.references.is_empty() {
            object.insert("ReferenceUrls".to_owned(), json!(finding.references.iter().take(10).collect::<Vec<_>>()));
        }
        if !finding.aliases.is_empty() {
            object.insert("RelatedVulnerabilities".to_owned(), json!(finding.aliases));
        }
    }
    let summary = if finding.summary.is_empty() { finding.id.clone() } else { finding.summary.clone() };
    let mut value = json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("kensa/{}", finding.fingerprint),
        "ProductArn": product_arn,
        "ProductName": "Kensa",
        "CompanyName": "Kensa",
        "GeneratorId": "kensa",
        "AwsAccountId": target.account_id,
        "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
        "CreatedAt": target.created_at,
        "UpdatedAt": target.created_at,
        "Severity": {"Label": label(finding.severity)},
        "Title": truncate(&format!("{} in {} {}", finding.id, finding.package.name, finding.package.version), 256),
        "Description": truncate(&summary, 1024),
        "Resources": [{
            "Type": resource_type,
            "Id": truncate(&report.inventory.resource.name, 512),
            "Details": {"Other": {"kensa:location": truncate(&finding.package.location, 1024)}},
        }],
        "Vulnerabilities": [vulnerability],
        "RecordState": "ACTIVE",
    });
    if let Some(object) = value.as_object_mut() {
        if let Some(score) = &finding.kensa_score {
            object.insert("ProductFields".to_owned(), json!({"kensa/score": format!("{:.1}", score.score)}));
        }
        if let Some(suppression) = &finding.suppressed {
            object.insert("Workflow".to_owned(), json!({"Status": "SUPPRESSED"}));
            object.insert(
                "Note".to_owned(),
                json!({"Text": truncate(&suppression.reason, 512), "UpdatedBy": suppression.by.clone().unwrap_or_else(|| "kensa".to_owned()), "UpdatedAt": target.created_at}),
            );
        }
    }
    value
}

/// Writes the findings as ASFF (`{"Findings": [...]}`).
pub fn write_asff(report: &Report<'_>, target: &AsffTarget, output: &mut dyn Write) -> std::io::Result<()> {
    let findings: Vec<Value> = report.findings.iter().map(|finding| finding_value(finding, report, target)).collect();
    serde_json::to_writer_pretty(&mut *output, &json!({"Findings": findings})).map_err(std::io::Error::other)?;
    writeln!(output)
}
