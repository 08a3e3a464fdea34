//! RubySec advisories about gems (rubysec/ruby-advisory-db `gems/<gem>/<ID>.yml`).
//!
//! The advisory id is the file stem (`CVE-2019-1234`, `GHSA-…`, `OSVDB-…`), as
//! bundler-audit uses it; the `cve`, `ghsa` and `osvdb` fields become aliases with
//! their prefixes restored (the feed writes `cve: 2019-1234`). Ranges use
//! bundler-audit's meaning: vulnerable unless a `patched_versions` or
//! `unaffected_versions` requirement is satisfied.
//!
//! RubySec publishes CVSS *scores*, not vectors, so nothing goes into
//! `Advisory::cvss`; the highest-version score becomes the database severity.
//! Interpreter advisories (`rubies/`) are classified as unsupported before they
//! reach this module. `related` identifiers name other vulnerabilities and are
//! not aliases.

use kensa_model::{Advisory, AffectedPackage, AffectedRange, Ecosystem, Severity};
use serde::Deserialize;

use crate::AdvisoryError;
use crate::normalize::{dedupe_keep_order, normalize_aliases, validate_advisory};

#[derive(Deserialize)]
struct GemAdvisory {
    gem: String,
    cve: Option<String>,
    ghsa: Option<String>,
    osvdb: Option<String>,
    title: String,
    description: Option<String>,
    date: Option<String>,
    url: Option<String>,
    related: Option<RelatedReferences>,
    cvss_v2: Option<f64>,
    cvss_v3: Option<f64>,
    cvss_v4: Option<f64>,
    criticality: Option<String>,
    patched_versions: Option<Vec<String>>,
    unaffected_versions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RelatedReferences {
    url: Option<Vec<String>>,
}

/// Parses one RubySec gem advisory.
pub(crate) fn parse(path: &str, contents: &[u8]) -> Result<Vec<Advisory>, AdvisoryError> {
    let record: GemAdvisory = kensa_parse::yaml_from_slice(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("not a valid RubySec gem advisory: {error}")))?;
    let id = file_stem(path).to_owned();
    let invalid = |reason: String| AdvisoryError::invalid(path, format!("{id}: {reason}"));

    let patched = trimmed_requirements(record.patched_versions.unwrap_or_default());
    let unaffected = trimmed_requirements(record.unaffected_versions.unwrap_or_default());
    for requirement in patched.iter().chain(&unaffected) {
        validate_gem_requirement(requirement).map_err(invalid)?;
    }
    let gem = record.gem.trim().to_owned();

    let aliases = [
        record.cve.map(|cve| with_prefix("CVE-", &cve)),
        record.ghsa.map(|ghsa| with_prefix("GHSA-", &ghsa)),
        record.osvdb.map(|osvdb| with_prefix("OSVDB-", &osvdb)),
    ];
    let related_urls = record.related.and_then(|related| related.url).unwrap_or_default();
    let database_severity = record
        .criticality
        .as_deref()
        .and_then(Severity::from_label)
        .or_else(|| record.cvss_v4.map(Severity::from_cvss_score))
        .or_else(|| record.cvss_v3.map(Severity::from_cvss_score))
        .or_else(|| record.cvss_v2.map(Severity::from_cvss_v2_score))
        .filter(|severity| *severity != Severity::Unknown);

    let advisory = Advisory {
        aliases: normalize_aliases(&id, aliases.into_iter().flatten()),
        summary: record.title.trim().to_owned(),
        details: record.description.unwrap_or_default().trim().to_owned(),
        published: record.date,
        modified: None,
        withdrawn: None,
        cvss: Vec::new(),
        database_severity,
        references: dedupe_keep_order(record.url.into_iter().chain(related_urls)),
        informational: None,
        affected: vec![AffectedPackage {
            ecosystem: Ecosystem::RubyGems,
            release: None,
            name: Ecosystem::RubyGems.normalize_name(&gem),
            ranges: vec![AffectedRange::UnlessRequirements { patched, unaffected }],
            versions: Vec::new(),
            ecosystem_specific: None,
            fix_state: None,
            distro_severity: None,
        }],
        source: "rubysec".to_owned(),
        notes: Vec::new(),
        id,
    };
    validate_advisory(&advisory).map_err(|reason| AdvisoryError::invalid(path, reason))?;
    Ok(vec![advisory])
}

fn file_stem(path: &str) -> &str {
    let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file_name.strip_suffix(".yml").or_else(|| file_name.strip_suffix(".yaml")).unwrap_or(file_name)
}

fn with_prefix(prefix: &str, identifier: &str) -> String {
    let identifier = identifier.trim();
    if identifier.is_empty() || identifier.starts_with(prefix) {
        identifier.to_owned()
    } else {
        format!("{prefix}{identifier}")
    }
}

fn trimmed_requirements(requirements: Vec<String>) -> Vec<String> {
    requirements.into_iter().map(|requirement| requirement.trim().to_owned()).collect()
}

/// A RubyGems requirement: comma-separated `OP VERSION` clauses, where OP is one
/// of `=`, `!=`, `>`, `<`, `>=`, `<=`, `~>` (or absent, meaning `=`) and VERSION
/// is a Gem::Version (digits, letters, dots and dashes, starting with a digit).
fn validate_gem_requirement(requirement: &str) -> Result<(), String> {
    let invalid = || format!("version requirement {requirement:?} is not a valid RubyGems requirement");
    if requirement.is_empty() {
        return Err(invalid());
    }
    for clause in requirement.split(',') {
        let clause = clause.trim();
        let version = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|operator| clause.strip_prefix(operator))
            .unwrap_or(clause)
            .trim();
        let well_formed = version.starts_with(|character: char| character.is_ascii_digit())
            && version.chars().all(|character| character.is_ascii_alphanumeric() || matches!(character, '.' | '-'));
        if !well_formed {
            return Err(invalid());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compound and pessimistic requirements are accepted; prose is not.
    #[test]
    fn gem_requirements_are_checked() {
        assert!(validate_gem_requirement("~> 4.2.5, >= 4.2.5.1").is_ok());
        assert!(validate_gem_requirement(">= 2.0.0-rc1").is_ok());
        assert!(validate_gem_requirement("= 1.0.0-alpha").is_ok());
        assert!(validate_gem_requirement("A CVE has been requested").is_err());
        assert!(validate_gem_requirement(">=").is_err());
    }

    /// The feed writes bare numbers; aliases get their prefixes back exactly once.
    #[test]
    fn identifier_prefixes_are_restored_once() {
        assert_eq!(with_prefix("CVE-", "2019-1234"), "CVE-2019-1234");
        assert_eq!(with_prefix("CVE-", "CVE-2019-1234"), "CVE-2019-1234");
        assert_eq!(with_prefix("OSVDB-", "94644"), "OSVDB-94644");
    }
}
