//! Legacy nodejs/security-wg advisories about npm packages (`vuln/npm/<n>.json`):
//! `module_name`, `vulnerable_versions` and `patched_versions` as node-semver
//! ranges, `cves`, `cvss_vector`.
//!
//! Mapped to [`AffectedRange::IfRequirements`] with the vulnerable range as the
//! one affected requirement, and the patched range as the fix when there is one
//! (the feed writes `<0.0.0` for "no patch"). The id is `NSWG-ECO-<n>`, the
//! identifier npm and osv.dev used for these records.
//!
//! Node.js core advisories (`vuln/core/`) describe the runtime, not a package,
//! and are classified as unsupported before they reach this module.

use kensa_model::{Advisory, AffectedPackage, AffectedRange, Ecosystem, Severity};
use serde::Deserialize;

use crate::AdvisoryError;
use crate::cvss::valid_cvss_vector_or_note;
use crate::normalize::{dedupe_keep_order, normalize_aliases, validate_advisory};

#[derive(Deserialize)]
struct NpmAdvisory {
    id: u64,
    created_at: Option<String>,
    updated_at: Option<String>,
    title: String,
    module_name: String,
    cves: Option<Vec<String>>,
    vulnerable_versions: Option<String>,
    patched_versions: Option<String>,
    overview: Option<String>,
    recommendation: Option<String>,
    references: Option<Vec<String>>,
    cvss_vector: Option<String>,
    cvss_score: Option<f64>,
}

/// Parses one legacy npm advisory.
pub(crate) fn parse(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let record: NpmAdvisory = serde_json::from_slice(contents).map_err(|error| {
        AdvisoryError::invalid(path, format!("not a valid nodejs/security-wg npm advisory: {error}"))
    })?;
    let id = format!("NSWG-ECO-{}", record.id);
    let invalid = |reason: String| AdvisoryError::invalid(path, format!("{id}: {reason}"));

    let vulnerable = record.vulnerable_versions.as_deref().map(str::trim).unwrap_or_default();
    if vulnerable.is_empty() {
        return Err(invalid("vulnerable_versions is missing or empty".to_owned()));
    }
    let patched =
        record.patched_versions.as_deref().map(str::trim).filter(|patched| !patched.is_empty() && *patched != "<0.0.0");
    let mut notes = Vec::new();
    let cvss: Vec<_> = record
        .cvss_vector
        .as_deref()
        .map(str::trim)
        .filter(|vector| !vector.is_empty())
        .and_then(|vector| valid_cvss_vector_or_note(vector, "cvss_vector", &mut notes))
        .into_iter()
        .collect();
    // The score only matters when there is no vector to compute it from.
    let database_severity = match cvss.is_empty() {
        true => record.cvss_score.map(Severity::from_cvss_score).filter(|severity| *severity != Severity::Unknown),
        false => None,
    };
    let overview = record.overview.unwrap_or_default().trim().to_owned();
    let recommendation = record.recommendation.unwrap_or_default().trim().to_owned();
    let details = match recommendation.is_empty() {
        true => overview,
        false => format!("{overview}\n\n## Recommendation\n\n{recommendation}").trim().to_owned(),
    };

    let advisory = Advisory {
        aliases: normalize_aliases(&id, record.cves.unwrap_or_default()),
        summary: record.title.trim().to_owned(),
        details,
        published: record.created_at,
        modified: record.updated_at,
        withdrawn: None,
        cvss,
        database_severity,
        references: dedupe_keep_order(record.references.unwrap_or_default()),
        informational: None,
        affected: vec![AffectedPackage {
            ecosystem: Ecosystem::Npm,
            release: None,
            name: Ecosystem::Npm.normalize_name(&record.module_name),
            ranges: vec![AffectedRange::IfRequirements {
                affected: vec![vulnerable.to_owned()],
                fixed: patched.map(str::to_owned).into_iter().collect(),
            }],
            versions: Vec::new(),
            ecosystem_specific: None,
            fix_state: None,
            distro_severity: None,
        }],
        source: "nodejs-security-wg".to_owned(),
        notes,
        id,
    };
    validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    Ok(vec![advisory])
}
