//! Suppression policy: which findings a team has decided about, and why.
//!
//! Two inputs, parsed from bytes (the caller reads the files):
//! - an ignore file (`.kensa-ignore.yaml`): rules by vulnerability id (or any
//!   alias), optionally narrowed to a package (name or purl) and to location
//!   globs, with an expiry date, a reason and who decided;
//! - VEX documents: OpenVEX 0.2 (`statements[]` with `not_affected` +
//!   justification, `fixed`, `under_investigation`, `affected`) and
//!   CycloneDX VEX (`vulnerabilities[].analysis.state`).
//!
//! A suppressed finding is never dropped: it is marked with the rule, and the
//! caller leaves it out of the table and the exit status only. An expired
//! rule no longer applies and is reported, so a decision cannot silently
//! outlive its review date.
//!
//! The filters a caller chose (`--ignore-unfixed`, `--severity`) and the
//! `--fail-on` gate live here too ([`FindingFilters`], [`fails_at`]), so every
//! front end decides alike.
//!
//! Pure: no I/O; today's date is an input.

mod filters;

pub use filters::{FindingFilters, fails_at};

use globset::{Glob, GlobMatcher};
use kensa_model::{Finding, Suppression, SuppressionSource, SuppressionStatus};
use serde::Deserialize;

/// Errors reading a policy file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file is not what it should be.
    #[error("{path} is not a valid {what}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What it should have been.
        what: &'static str,
        /// Why it is not.
        message: String,
    },
}

/// One rule of an ignore file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    expires: Option<String>,
    reason: String,
    #[serde(default)]
    by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnoreFile {
    #[serde(default)]
    ignore: Vec<RawRule>,
}

/// A statement about one vulnerability in some products.
#[derive(Debug, Clone)]
struct Statement {
    vulnerability_ids: Vec<String>,
    /// purls (any version when the purl has none); empty: every product.
    products: Vec<String>,
    status: VexStatus,
    reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VexStatus {
    NotAffected,
    Fixed,
    UnderInvestigation,
    Affected,
}

#[derive(Debug, Clone)]
struct Rule {
    id: String,
    package: Option<String>,
    paths: Vec<GlobMatcher>,
    expires: Option<String>,
    reason: String,
    by: Option<String>,
}

/// Ignore rules and VEX statements, ready to apply.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    rules: Vec<(String, Rule)>,
    statements: Vec<(String, Statement)>,
}

/// What applying a policy did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyOutcome {
    /// Findings suppressed.
    pub suppressed: usize,
    /// Rules past their expiry date, `(file, id, expired on)`: no longer applied.
    pub expired: Vec<(String, String, String)>,
}

fn invalid(path: &str, what: &'static str, message: impl Into<String>) -> PolicyError {
    PolicyError::Invalid { path: path.to_owned(), what, message: message.into() }
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| if index == 4 || index == 7 { *byte == b'-' } else { byte.is_ascii_digit() })
}

impl Policy {
    /// Adds the rules of an ignore file (YAML).
    pub fn add_ignore_file(&mut self, path: &str, contents: &[u8]) -> Result<(), PolicyError> {
        const WHAT: &str = "ignore file";
        let raw: RawIgnoreFile =
            kensa_parse::yaml_from_slice(contents).map_err(|error| invalid(path, WHAT, error.to_string()))?;
        for (index, rule) in raw.ignore.into_iter().enumerate() {
            let number = index + 1;
            if rule.id.trim().is_empty() || rule.reason.trim().is_empty() {
                return Err(invalid(path, WHAT, format!("rule {number} needs an id and a reason")));
            }
            if let Some(expires) = &rule.expires
                && !is_date(expires)
            {
                return Err(invalid(path, WHAT, format!("rule {number}: expires {expires:?} is not YYYY-MM-DD")));
            }
            let mut paths = Vec::new();
            for pattern in rule.paths.iter().chain(rule.path.iter()) {
                let glob = Glob::new(pattern)
                    .map_err(|error| invalid(path, WHAT, format!("rule {number}: path {pattern:?}: {error}")))?;
                paths.push(glob.compile_matcher());
            }
            let compiled = Rule {
                id: rule.id.trim().to_owned(),
                package: rule.package.map(|package| package.trim().to_owned()),
                paths,
                expires: rule.expires,
                reason: rule.reason.trim().to_owned(),
                by: rule.by,
            };
            self.rules.push((path.to_owned(), compiled));
        }
        Ok(())
    }

    /// Adds the statements of a VEX document: OpenVEX 0.2 or CycloneDX (JSON).
    pub fn add_vex(&mut self, path: &str, contents: &[u8]) -> Result<(), PolicyError> {
        let document: serde_json::Value = serde_json::from_slice(contents)
            .map_err(|error| invalid(path, "VEX document (JSON)", error.to_string()))?;
        let statements = if document.get("statements").is_some() {
            openvex_statements(path, &document)?
        } else if document.get("bomFormat").and_then(serde_json::Value::as_str) == Some("CycloneDX") {
            cyclonedx_statements(path, &document)?
        } else {
            return Err(invalid(path, "VEX document", "neither OpenVEX (statements) nor CycloneDX (bomFormat)"));
        };
        self.statements.extend(statements.into_iter().map(|statement| (path.to_owned(), statement)));
        Ok(())
    }

    /// Marks the findings the policy suppresses; `today` is `YYYY-MM-DD`.
    pub fn apply(&self, findings: &mut [Finding], today: &str) -> PolicyOutcome {
        let mut outcome = PolicyOutcome::default();
        for (file, rule) in &self.rules {
            if let Some(expires) = &rule.expires
                && expires.as_str() < today
            {
                outcome.expired.push((file.clone(), rule.id.clone(), expires.clone()));
            }
        }
        for finding in findings.iter_mut() {
            let ids: Vec<&str> =
                std::iter::once(finding.id.as_str()).chain(finding.aliases.iter().map(String::as_str)).collect();
            for (file, statement) in &self.statements {
                let names_it = statement.vulnerability_ids.iter().any(|id| ids.contains(&id.as_str()));
                if !names_it || !products_match(&statement.products, &finding.package.purl) {
                    continue;
                }
                match statement.status {
                    VexStatus::NotAffected | VexStatus::Fixed => {
                        if finding.suppressed.is_none() {
                            finding.suppressed = Some(Suppression {
                                source: SuppressionSource::Vex,
                                status: if statement.status == VexStatus::Fixed {
                                    SuppressionStatus::Fixed
                                } else {
                                    SuppressionStatus::NotAffected
                                },
                                reason: statement.reason.clone(),
                                by: None,
                                expires: None,
                                file: file.clone(),
                            });
                        }
                    }
                    VexStatus::UnderInvestigation => {
                        finding.under_investigation = Some(format!("{} ({file})", statement.reason));
                    }
                    VexStatus::Affected => {}
                }
            }
            if finding.suppressed.is_some() {
                continue;
            }
            for (file, rule) in &self.rules {
                let active = rule.expires.as_deref().is_none_or(|expires| expires >= today);
                if active && rule_matches(rule, finding, &ids) {
                    finding.suppressed = Some(Suppression {
                        source: SuppressionSource::IgnoreFile,
                        status: SuppressionStatus::Ignored,
                        reason: rule.reason.clone(),
                        by: rule.by.clone(),
                        expires: rule.expires.clone(),
                        file: file.clone(),
                    });
                    break;
                }
            }
        }
        outcome.suppressed = findings.iter().filter(|finding| finding.suppressed.is_some()).count();
        outcome
    }
}

/// purl without qualifiers and subpath: `pkg:type/namespace/name@version`.
/// Whether a statement's products include the package: the same package
/// (as the purl specification compares them: `pkg:npm/@babel/core` is
/// `pkg:npm/%40babel/core`) at the same version, or at every version when
/// the product names none. Qualifiers do not narrow a product.
fn products_match(products: &[String], package_purl: &str) -> bool {
    if products.is_empty() {
        return true;
    }
    let Some(package) = kensa_model::Purl::parse(package_purl) else {
        return false;
    };
    products.iter().filter_map(|product| kensa_model::Purl::parse(product)).any(|product| product.covers(&package))
}

fn rule_matches(rule: &Rule, finding: &Finding, ids: &[&str]) -> bool {
    if !ids.contains(&rule.id.as_str()) {
        return false;
    }
    if let Some(package) = &rule.package {
        let matches_package = if package.starts_with("pkg:") {
            products_match(std::slice::from_ref(package), &finding.package.purl)
        } else {
            package == &finding.package.name
        };
        if !matches_package {
            return false;
        }
    }
    if !rule.paths.is_empty() {
        let location = kensa_model::outermost_path(&finding.package.location);
        if !rule.paths.iter().any(|glob| glob.is_match(location)) {
            return false;
        }
    }
    true
}

fn text(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key).and_then(serde_json::Value::as_str).map(str::to_owned)
}

fn openvex_statements(path: &str, document: &serde_json::Value) -> Result<Vec<Statement>, PolicyError> {
    const WHAT: &str = "OpenVEX document";
    let items = document
        .get("statements")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| invalid(path, WHAT, "statements is not a list"))?;
    let mut statements = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let number = index + 1;
        let vulnerability = item.get("vulnerability");
        let mut vulnerability_ids: Vec<String> = vulnerability
            .and_then(|vulnerability| text(vulnerability, "name").or_else(|| vulnerability.as_str().map(str::to_owned)))
            .into_iter()
            .collect();
        if let Some(aliases) =
            vulnerability.and_then(|vulnerability| vulnerability.get("aliases")).and_then(serde_json::Value::as_array)
        {
            vulnerability_ids.extend(aliases.iter().filter_map(serde_json::Value::as_str).map(str::to_owned));
        }
        if vulnerability_ids.is_empty() {
            return Err(invalid(path, WHAT, format!("statement {number} names no vulnerability")));
        }
        let products: Vec<String> = item
            .get("products")
            .and_then(serde_json::Value::as_array)
            .map(|products| {
                products
                    .iter()
                    .filter_map(|product| {
                        text(product, "@id")
                            .or_else(|| product.get("identifiers").and_then(|identifiers| text(identifiers, "purl")))
                            .or_else(|| product.as_str().map(str::to_owned))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let status = match text(item, "status").as_deref() {
            Some("not_affected") => VexStatus::NotAffected,
            Some("fixed") => VexStatus::Fixed,
            Some("under_investigation") => VexStatus::UnderInvestigation,
            Some("affected") => VexStatus::Affected,
            other => return Err(invalid(path, WHAT, format!("statement {number}: unknown status {other:?}"))),
        };
        let justification = text(item, "justification");
        let impact = text(item, "impact_statement");
        if status == VexStatus::NotAffected && justification.is_none() && impact.is_none() {
            return Err(invalid(
                path,
                WHAT,
                format!("statement {number}: not_affected needs a justification or impact_statement"),
            ));
        }
        let reason =
            [justification, impact, text(item, "status_notes")].into_iter().flatten().collect::<Vec<_>>().join(": ");
        let reason = if reason.is_empty() { text(item, "status").unwrap_or_default() } else { reason };
        statements.push(Statement { vulnerability_ids, products, status, reason });
    }
    Ok(statements)
}

fn cyclonedx_statements(path: &str, document: &serde_json::Value) -> Result<Vec<Statement>, PolicyError> {
    const WHAT: &str = "CycloneDX VEX document";
    let Some(items) = document.get("vulnerabilities").and_then(serde_json::Value::as_array) else {
        return Ok(Vec::new());
    };
    // `affects[].ref` points at a component's bom-ref, which is often its purl.
    let mut purl_of_reference = std::collections::HashMap::new();
    for component in document.get("components").and_then(serde_json::Value::as_array).into_iter().flatten() {
        if let (Some(reference), Some(purl)) = (text(component, "bom-ref"), text(component, "purl")) {
            purl_of_reference.insert(reference, purl);
        }
    }
    let mut statements = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(id) = text(item, "id") else {
            return Err(invalid(path, WHAT, format!("vulnerability {} has no id", index + 1)));
        };
        let Some(analysis) = item.get("analysis") else { continue };
        let status = match text(analysis, "state").as_deref() {
            Some("not_affected" | "false_positive") => VexStatus::NotAffected,
            Some("resolved" | "resolved_with_pedigree") => VexStatus::Fixed,
            Some("in_triage") => VexStatus::UnderInvestigation,
            Some("exploitable") => VexStatus::Affected,
            other => return Err(invalid(path, WHAT, format!("vulnerability {id}: unknown analysis state {other:?}"))),
        };
        let products = item
            .get("affects")
            .and_then(serde_json::Value::as_array)
            .map(|affects| {
                affects
                    .iter()
                    .filter_map(|affected| text(affected, "ref"))
                    .map(|reference| purl_of_reference.get(&reference).cloned().unwrap_or(reference))
                    .collect()
            })
            .unwrap_or_default();
        let reason = [text(analysis, "justification"), text(analysis, "detail")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ");
        let reason = if reason.is_empty() { text(analysis, "state").unwrap_or_default() } else { reason };
        statements.push(Statement { vulnerability_ids: vec![id], products, status, reason });
    }
    Ok(statements)
}
