//! SARIF 2.1.0, for code-scanning dashboards (GitHub, Azure DevOps, …): one
//! rule per vulnerability (with `security-severity`, the CVSS score GitHub
//! ranks by), one result per finding at the file the package was found in,
//! suppressed findings carrying an external suppression with the reason, and
//! a stable `partialFingerprints` entry so dashboards track findings across
//! runs.

use std::collections::BTreeMap;
use std::io::Write;

use kensa_model::{Finding, Severity};
use serde_json::{Value, json};

use crate::Report;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// A location as a URI reference: `/`-separated, with what a URI cannot hold
/// percent-encoded.
fn uri(location: &str) -> String {
    let mut encoded = String::with_capacity(location.len());
    for byte in location.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn rule(finding: &Finding) -> Value {
    let score = finding
        .cvss
        .iter()
        .filter_map(|cvss| kensa_score::cvss_base_score(&cvss.vector))
        .fold(None, |best: Option<f64>, score| Some(best.map_or(score, |best| best.max(score))));
    let summary = if finding.summary.is_empty() { finding.id.clone() } else { finding.summary.clone() };
    let mut properties = serde_json::Map::new();
    properties.insert("tags".to_owned(), json!(["security", "vulnerability", finding.package.ecosystem.as_str()]));
    if let Some(score) = score {
        properties.insert("security-severity".to_owned(), json!(format!("{score:.1}")));
    }
    let mut value = json!({
        "id": finding.id,
        "name": finding.id.replace('-', ""),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "defaultConfiguration": {"level": level(finding.severity)},
        "help": {"text": format!("{}: {}. Aliases: {}.", finding.id, summary, if finding.aliases.is_empty() { "none".to_owned() } else { finding.aliases.join(", ") })},
        "properties": Value::Object(properties),
    });
    // The first web link: a `javascript:` or `data:` reference would run in
    // the viewer that renders the help link.
    let web_link = finding.references.iter().find(|url| crate::text::is_web_link(url));
    if let (Some(url), Some(object)) = (web_link, value.as_object_mut()) {
        object.insert("helpUri".to_owned(), json!(url));
    }
    value
}

fn result(finding: &Finding, rule_index: usize) -> Value {
    let fix = if finding.fixed_versions.is_empty() {
        format!("no fixed version ({})", finding.fix_state.as_str())
    } else {
        format!("fixed in {}", finding.fixed_versions.join(", "))
    };
    let message = format!(
        "{} {} ({}) is affected by {} ({}): {}.",
        finding.package.name,
        finding.package.version,
        finding.package.ecosystem.as_str(),
        finding.id,
        finding.severity.as_str(),
        fix
    );
    let mut properties = serde_json::Map::new();
    properties.insert("purl".to_owned(), json!(finding.package.purl));
    if let Some(score) = &finding.kensa_score {
        properties.insert("kensa-score".to_owned(), json!(score.score));
    }
    let mut value = json!({
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(kensa_model::outermost_path(&finding.package.location))},
            "region": {"startLine": 1}
        }}],
        "partialFingerprints": {"kensaFindingFingerprint/v1": finding.fingerprint},
        "properties": Value::Object(properties),
    });
    if let (Some(suppression), Some(object)) = (&finding.suppressed, value.as_object_mut()) {
        object.insert(
            "suppressions".to_owned(),
            json!([{"kind": "external", "status": "accepted", "justification": format!("{} ({})", suppression.reason, suppression.file)}]),
        );
    }
    value
}

/// Writes the findings as a SARIF 2.1.0 log.
pub fn write_sarif(report: &Report<'_>, output: &mut dyn Write) -> std::io::Result<()> {
    let mut rule_indexes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    for finding in report.findings {
        if !rule_indexes.contains_key(finding.id.as_str()) {
            rule_indexes.insert(&finding.id, rules.len());
            rules.push(rule(finding));
        }
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| result(finding, rule_indexes.get(finding.id.as_str()).copied().unwrap_or(0)))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kensa",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/kensa-security/kensa",
                "rules": rules,
            }},
            "automationDetails": {"id": format!("kensa/{}/", report.inventory.resource.name)},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *output, &log).map_err(std::io::Error::other)?;
    writeln!(output)
}
