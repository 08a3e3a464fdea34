use serde::{Deserialize, Serialize};

use crate::{CvssVector, Ecosystem, FixState, Severity};

/// The package a finding is about: enough to identify it without the inventory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PackageRef {
    /// Name as written in the inventory.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Package URL.
    pub purl: String,
    /// The location this finding is about.
    pub location: String,
    /// In a container image: the layer that introduced the package.
    pub layer: Option<String>,
}

/// An entry of CISA's Known Exploited Vulnerabilities catalog.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KnownExploited {
    /// The CVE id.
    pub cve: String,
    /// When CISA added it (`YYYY-MM-DD`).
    pub date_added: String,
    /// The remediation due date for US federal agencies (`YYYY-MM-DD`).
    pub due_date: String,
    /// Whether it is known to be used in ransomware campaigns (`Known`).
    pub known_ransomware_use: bool,
    /// CISA's name for the vulnerability.
    pub name: String,
}

/// Why a package matched an advisory: which record, which range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MatchEvidence {
    /// The advisory record that matched.
    pub advisory_id: String,
    /// The range that contained the version, in a readable form (`>=1.0.0, <1.2.3`).
    pub range: String,
    /// The version that ends that range, if any.
    pub fixed_version: Option<String>,
}

/// The CVSS vectors NVD publishes for one CVE, used for severity when no
/// matched advisory carries a vector or a rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CveCvss {
    /// The CVE id.
    pub cve: String,
    /// NVD's own (Primary) vectors, else the CNA's (Secondary).
    pub vectors: Vec<CvssVector>,
    /// NVD's `lastModified` of the record.
    pub last_modified: Option<String>,
    /// Vectors NVD published that are malformed, left out, and why.
    pub notes: Vec<String>,
}

/// FIRST's Exploit Prediction Scoring System score of a CVE.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpssScore {
    /// Probability of exploitation activity in the next 30 days (0–1).
    pub probability: f64,
    /// Percentile among all scored CVEs (0–1).
    pub percentile: f64,
}

/// How reachable the scanned resource is from attackers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exposure {
    /// Not known: no adjustment.
    #[default]
    Unknown,
    /// Reachable from the internet.
    Internet,
    /// Reachable only from an internal network.
    Internal,
    /// No network access.
    Isolated,
}

/// One step of the score: what it looked at, how much it moved the score,
/// and why, in words a reviewer can check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreAdjustment {
    /// `cvss`, `known_exploited`, `epss`, `fix`, `exposure`.
    pub factor: String,
    /// Points added (negative: removed); the first, `cvss`, is the base itself.
    pub effect: f64,
    /// Why.
    pub reason: String,
}

/// A finding's Kensa score and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KensaScore {
    /// 0.0–10.0, one decimal.
    pub score: f64,
    /// The base and each adjustment, in the order applied.
    pub adjustments: Vec<ScoreAdjustment>,
}

/// What kind of decision suppressed a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionSource {
    /// A rule of an ignore file (`.kensa-ignore.yaml`).
    IgnoreFile,
    /// A VEX statement.
    Vex,
}

impl SuppressionSource {
    /// The snake_case label reports use (`ignore_file`, `vex`).
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionSource::IgnoreFile => "ignore_file",
            SuppressionSource::Vex => "vex",
        }
    }
}

impl std::fmt::Display for SuppressionSource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What the decision says about the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionStatus {
    /// VEX: the product is not affected.
    NotAffected,
    /// VEX: the product is fixed.
    Fixed,
    /// An ignore rule accepted it.
    Ignored,
}

impl SuppressionStatus {
    /// The snake_case label reports use (`not_affected`, `fixed`, `ignored`).
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionStatus::NotAffected => "not_affected",
            SuppressionStatus::Fixed => "fixed",
            SuppressionStatus::Ignored => "ignored",
        }
    }
}

impl std::fmt::Display for SuppressionStatus {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why a finding is suppressed: it stays in machine-readable reports, marked,
/// and leaves the table and the exit status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// An ignore file's rule or a VEX statement.
    pub source: SuppressionSource,
    /// The VEX status (`not_affected`, `fixed`) or `ignored`.
    pub status: SuppressionStatus,
    /// The justification or reason given.
    pub reason: String,
    /// Who decided, when the rule says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The date the rule stops applying (`YYYY-MM-DD`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The file the rule came from.
    pub file: String,
}

/// One vulnerability (an advisory and all its aliases) affecting one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The vulnerability's primary identifier.
    pub id: String,
    /// Every other identifier of the same vulnerability, sorted.
    pub aliases: Vec<String>,
    /// The affected package.
    pub package: PackageRef,
    /// Versions to upgrade to, lowest first.
    pub fixed_versions: Vec<String>,
    /// Whether a fix exists, or what the distribution decided instead.
    pub fix_state: FixState,
    /// The distribution's own severity rating, for operating-system packages.
    pub distro_severity: Option<String>,
    /// Listed in CISA's Known Exploited Vulnerabilities catalog.
    pub known_exploited: Option<KnownExploited>,
    /// EPSS score of the vulnerability's CVE (the highest, when it has several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<EpssScore>,
    /// Qualitative severity.
    pub severity: Severity,
    /// Where the severity came from (`cvss_v3`, `database`, …).
    pub severity_source: crate::SeveritySource,
    /// CVSS vectors as published by the matched advisories.
    pub cvss: Vec<CvssVector>,
    /// One-line summary.
    pub summary: String,
    /// Reference URLs, de-duplicated.
    pub references: Vec<String>,
    /// RustSec informational kind, for warnings.
    pub informational: Option<String>,
    /// Evidence from each matched advisory record.
    pub evidence: Vec<MatchEvidence>,
    /// Stable fingerprint of (package, vulnerability) for de-duplication.
    pub fingerprint: String,
    /// What the finding's lifecycle identity is anchored to: the smallest id
    /// of the advisory records it came from (record ids never change, aliases
    /// do), or for one CVE of a distribution advisory bundling several, that
    /// CVE. See [`crate::finding_identity`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_anchor: String,
    /// The Kensa score (risk, 0–10) and how it was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kensa_score: Option<KensaScore>,
    /// Set when a policy rule or VEX statement suppresses the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// A VEX `under_investigation` (or CycloneDX `in_triage`) statement: still
    /// active, with the note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under_investigation: Option<String>,
}
