//! CycloneDX 1.6 JSON: the inventory as an SBOM (`components`, one per
//! package and location) and the findings as `vulnerabilities` that point at
//! them (`affects`), with ratings from the CVSS vectors and the severity
//! Kensa decided, the fix as a recommendation, and suppressed findings as a
//! VEX `analysis` (not_affected / resolved with the reason).
//!
//! Deterministic: the serial number is derived from the content, and no
//! timestamp is written (both are optional in the schema's sense of
//! "generated at"; a content-derived UUID keeps diffs and snapshots stable).

use std::io::Write;

use kensa_model::{CvssVersion, Finding, Package, ResourceKind};
use serde_json::{Value, json};

use crate::Report;

/// Sets `key` on a JSON object (every value this module builds is one).
fn set(value: &mut Value, key: &str, field: Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert(key.to_owned(), field);
    }
}

/// The component reference of a package at one location.
fn component_reference(purl: &str, location: &str) -> String {
    format!("{purl}?kensa-location={location}")
}

/// 64-bit FNV-1a, twice with different seeds: a stable UUID-shaped serial.
fn serial_number(text: &str) -> String {
    let hash =
        |seed: u64| text.bytes().fold(seed, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    let (high, low) = (hash(0xcbf2_9ce4_8422_2325), hash(0x8422_2325_cbf2_9ce4));
    // Version 4 / variant 1 bits, so validators that check the shape accept it.
    let high = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "urn:uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

fn component(package: &Package) -> Vec<Value> {
    let locations: Vec<&str> =
        if package.locations.is_empty() { vec![""] } else { package.locations.iter().map(String::as_str).collect() };
    locations
        .into_iter()
        .map(|location| {
            let mut properties = vec![json!({"name": "kensa:ecosystem", "value": package.ecosystem.as_str()})];
            if !location.is_empty() {
                properties.push(json!({"name": "kensa:location", "value": location}));
            }
            if let Some(layer) = &package.layer {
                properties.push(json!({"name": "kensa:layer", "value": layer}));
            }
            json!({
                "type": "library",
                "bom-ref": component_reference(&package.purl, location),
                "name": package.name,
                "version": package.version,
                "purl": package.purl,
                "properties": properties,
            })
        })
        .collect()
}

fn rating_method(version: CvssVersion, vector: &str) -> &'static str {
    match version {
        CvssVersion::V2 => "CVSSv2",
        CvssVersion::V3 if vector.starts_with("CVSS:3.0") => "CVSSv3",
        CvssVersion::V3 => "CVSSv31",
        CvssVersion::V4 => "CVSSv4",
    }
}

fn vulnerability(finding: &Finding) -> Value {
    let mut ratings: Vec<Value> = finding
        .cvss
        .iter()
        .map(|cvss| {
            let mut rating = json!({"method": rating_method(cvss.version, &cvss.vector), "vector": cvss.vector});
            if let Some(score) = kensa_score::cvss_base_score(&cvss.vector) {
                set(&mut rating, "score", json!(score));
                let severity = kensa_model::Severity::from_cvss_score(score).as_str().to_ascii_lowercase();
                set(&mut rating, "severity", json!(severity));
            }
            rating
        })
        .collect();
    // The severity Kensa decided (distro rating, database rating, CVSS), as "other".
    ratings.push(json!({
        "method": "other",
        "severity": finding.severity.as_str().to_ascii_lowercase(),
        "justification": format!("kensa severity, from {}", finding.severity_source),
    }));
    let mut value = json!({
        "bom-ref": finding.fingerprint,
        "id": finding.id,
        "ratings": ratings,
        "description": finding.summary,
        "affects": [{"ref": component_reference(&finding.package.purl, &finding.package.location)}],
    });
    if !finding.aliases.is_empty() {
        set(
            &mut value,
            "references",
            Value::Array(
                finding
                    .aliases
                    .iter()
                    .map(|alias| json!({"id": alias, "source": {"name": alias_source(alias)}}))
                    .collect(),
            ),
        );
    }
    if !finding.references.is_empty() {
        set(&mut value, "advisories", Value::Array(finding.references.iter().map(|url| json!({"url": url})).collect()));
    }
    if !finding.fixed_versions.is_empty() {
        let recommendation = format!("Upgrade {} to {}", finding.package.name, finding.fixed_versions.join(" or "));
        set(&mut value, "recommendation", json!(recommendation));
    }
    if let Some(suppression) = &finding.suppressed {
        let state =
            if suppression.status == kensa_model::SuppressionStatus::Fixed { "resolved" } else { "not_affected" };
        set(
            &mut value,
            "analysis",
            json!({"state": state, "detail": format!("{} ({})", suppression.reason, suppression.file)}),
        );
    } else if let Some(note) = &finding.under_investigation {
        set(&mut value, "analysis", json!({"state": "in_triage", "detail": note}));
    }
    let mut properties = vec![json!({"name": "kensa:fix_state", "value": finding.fix_state.as_str()})];
    if let Some(score) = &finding.kensa_score {
        properties.push(json!({"name": "kensa:score", "value": format!("{:.1}", score.score)}));
    }
    if let Some(entry) = &finding.known_exploited {
        properties.push(json!({"name": "kensa:cisa_kev_date_added", "value": entry.date_added}));
    }
    set(&mut value, "properties", Value::Array(properties));
    value
}

fn alias_source(alias: &str) -> &'static str {
    match alias.split('-').next().unwrap_or_default() {
        "CVE" => "NVD",
        "GHSA" => "GitHub Advisory Database",
        "RUSTSEC" => "RustSec",
        "PYSEC" => "PyPA",
        "GO" => "Go Vulnerability Database",
        _ => "OSV",
    }
}

/// Writes the report as CycloneDX 1.6 JSON.
pub fn write_cyclonedx(report: &Report<'_>, output: &mut dyn Write) -> std::io::Result<()> {
    let inventory = report.inventory;
    let components: Vec<Value> = inventory.packages.iter().flat_map(component).collect();
    let vulnerabilities: Vec<Value> = report.findings.iter().map(vulnerability).collect();
    let subject_type = match inventory.resource.kind {
        ResourceKind::Image => "container",
        ResourceKind::File | ResourceKind::Archive => "file",
        _ => "application",
    };
    let mut document = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "tools": {"components": [{"type": "application", "name": "kensa", "version": env!("CARGO_PKG_VERSION")}]},
            "component": {"type": subject_type, "bom-ref": "kensa-resource", "name": inventory.resource.name},
        },
        "components": components,
    });
    if !vulnerabilities.is_empty() {
        set(&mut document, "vulnerabilities", Value::Array(vulnerabilities));
    }
    let body = serde_json::to_string(&document).map_err(std::io::Error::other)?;
    set(&mut document, "serialNumber", json!(serial_number(&body)));
    serde_json::to_writer_pretty(&mut *output, &document).map_err(std::io::Error::other)?;
    writeln!(output)
}

#[cfg(test)]
mod tests {
    use super::serial_number;

    #[test]
    fn serial_numbers_are_stable_version_4_uuids() {
        let serial = serial_number("a bom");
        assert_eq!(serial, serial_number("a bom"));
        assert_ne!(serial, serial_number("another bom"));
        let uuid = serial.strip_prefix("urn:uuid:").unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid.as_bytes()[14], b'4');
        assert!(matches!(uuid.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }
}
