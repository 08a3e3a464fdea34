use serde::{Deserialize, Serialize};

use crate::{Ecosystem, Severity};

/// One advisory from one feed, validated and normalised.
///
/// Every feed (OSV, RustSec, RubySec, FriendsOfPHP, …) is mapped onto this type so
/// that matching has a single model. Fields that a feed does not have are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The feed's own identifier (`RUSTSEC-2021-0001`, `GHSA-…`, `PYSEC-…`, `CVE-…`).
    pub id: String,
    /// Other identifiers of the same vulnerability, sorted, without `id`.
    pub aliases: Vec<String>,
    /// One-line summary (OSV `summary`, RustSec title, …).
    pub summary: String,
    /// Longer description, possibly Markdown.
    pub details: String,
    /// When the advisory was first published (RFC 3339 or a date), if known.
    pub published: Option<String>,
    /// When the advisory was last modified, if known.
    pub modified: Option<String>,
    /// Set when the advisory was withdrawn; withdrawn advisories never match.
    pub withdrawn: Option<String>,
    /// CVSS vectors as the feed published them.
    pub cvss: Vec<CvssVector>,
    /// A qualitative severity published by the feed itself (GHSA `severity`,
    /// RubySec `criticality`, …), used when no CVSS vector is given.
    pub database_severity: Option<Severity>,
    /// Reference URLs, in feed order.
    pub references: Vec<String>,
    /// RustSec informational kind (`unmaintained`, `unsound`, `notice`): such
    /// advisories are warnings, not vulnerabilities.
    pub informational: Option<String>,
    /// Packages and version ranges this advisory affects.
    pub affected: Vec<AffectedPackage>,
    /// Which feed this came from (`osv`, `rustsec`, `rubysec`, `friendsofphp`, …).
    pub source: String,
    /// Problems in the record that did not stop it being used, each naming
    /// what was left out and why (a malformed CVSS vector dropped, …):
    /// reported when the database is built and on the findings it yields.
    pub notes: Vec<String>,
}

impl Advisory {
    /// The advisory's id followed by its aliases.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// The CVSS specification version a vector is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CvssVersion {
    /// CVSS v2.
    V2,
    /// CVSS v3.0 or v3.1.
    V3,
    /// CVSS v4.0.
    V4,
}

/// A CVSS vector string as published, with its version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CvssVector {
    /// Specification version.
    pub version: CvssVersion,
    /// The vector, e.g. `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`.
    pub vector: String,
}

/// The versions of one package that one advisory says are affected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedPackage {
    /// Ecosystem of the package.
    pub ecosystem: Ecosystem,
    /// Distribution release qualifier from the ecosystem string (`12` in `Debian:12`).
    pub release: Option<String>,
    /// Package name, normalised with [`Ecosystem::normalize_name`].
    pub name: String,
    /// Version ranges; a version is affected if any range says so or it is listed in `versions`.
    pub ranges: Vec<AffectedRange>,
    /// Explicitly enumerated affected versions.
    pub versions: Vec<String>,
    /// Feed-specific data about this package (OSV `ecosystem_specific`), as JSON text.
    pub ecosystem_specific: Option<String>,
    /// What the distribution says about fixing it (distro feeds only; `None`
    /// means the ranges say everything: fixed where a range ends, else not fixed).
    pub fix_state: Option<FixState>,
    /// The distribution's own rating for this package, as written (Debian
    /// urgency `low`/`unimportant`, Ubuntu priority, a vendor's `Important`).
    pub distro_severity: Option<String>,
}

/// What a distribution's security team says about fixing a vulnerable package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FixState {
    /// A fixed version exists.
    Fixed,
    /// Affected; no fix yet (Debian "open", OSV range without `fixed`).
    #[default]
    NotFixed,
    /// Affected; the distribution will not fix it (Debian `<no-dsa>` ignored, Ubuntu "wontfix").
    WillNotFix,
    /// Affected; the fix is postponed (Debian "postponed", Ubuntu "deferred").
    FixDeferred,
    /// Affected; the release is out of support (Debian `<end-of-life>`).
    EndOfLife,
    /// The distribution says this release's package is not affected: never a finding.
    NotAffected,
}

impl FixState {
    /// The snake_case label used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FixState::Fixed => "fixed",
            FixState::NotFixed => "not_fixed",
            FixState::WillNotFix => "will_not_fix",
            FixState::FixDeferred => "fix_deferred",
            FixState::EndOfLife => "end_of_life",
            FixState::NotAffected => "not_affected",
        }
    }
}

/// One way a feed expresses a set of affected versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AffectedRange {
    /// OSV event list: affected from each `introduced` up to the next `fixed`
    /// (exclusive) or `last_affected` (inclusive).
    Events {
        /// How versions in the events are ordered.
        kind: RangeKind,
        /// The events, in feed order (matching sorts them).
        events: Vec<RangeEvent>,
    },
    /// Requirement-based feeds (RustSec, RubySec): affected unless the version
    /// satisfies one of the patched or unaffected requirements.
    UnlessRequirements {
        /// Requirements satisfied by fixed versions (`>= 1.2.3`).
        patched: Vec<String>,
        /// Requirements satisfied by never-affected versions.
        unaffected: Vec<String>,
    },
    /// Constraint-based feeds (FriendsOfPHP, legacy npm): affected if the version
    /// satisfies any of these requirements.
    IfRequirements {
        /// Requirements satisfied by affected versions (`>=1.0,<1.2.3`).
        affected: Vec<String>,
        /// Versions that fix each branch, for upgrade advice.
        fixed: Vec<String>,
    },
}

/// How the versions in an OSV range are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RangeKind {
    /// The ecosystem's own version ordering.
    Ecosystem,
    /// SemVer 2.0 ordering.
    Semver,
    /// Git commits: cannot be evaluated against a package version.
    Git,
}

/// One event of an OSV range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RangeEvent {
    /// Affected from this version on (`0` means from the beginning).
    Introduced(String),
    /// Not affected from this version on.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
    /// Upper bound on the range for Git ranges.
    Limit(String),
}
