//! An inventory, a database snapshot and a policy in; the report model out.

use kensa_match::{AdvisoryLookup, MatchNote};
use kensa_model::{Exposure, Finding, Inventory};
use kensa_policy::{FindingFilters, Policy, PolicyOutcome};

use crate::ScanError;

/// How to judge an inventory's matches.
#[derive(Debug, Clone, Default)]
pub struct AssessOptions {
    /// How reachable the resource is, for the Kensa score.
    pub exposure: Exposure,
    /// Findings left out altogether (`--ignore-unfixed`, `--severity`).
    pub filters: FindingFilters,
    /// Ignore rules and VEX statements marking findings as suppressed.
    pub policy: Policy,
    /// Today's date (`YYYY-MM-DD`), against which rules expire.
    pub today: String,
}

/// What matching an inventory found, after filters and policy.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Vulnerabilities, sorted; suppressed ones are kept, marked.
    pub findings: Vec<Finding>,
    /// Informational advisories (unmaintained, unsound, notice).
    pub warnings: Vec<Finding>,
    /// Comparisons matching could not make, and parts left out of advisories.
    pub notes: Vec<MatchNote>,
    /// What the policy did: how many findings it suppressed, which rules expired.
    pub policy: PolicyOutcome,
    /// The notes as the report model carries them: (package, "id: message").
    report_notes: Vec<(String, String)>,
}

impl Assessment {
    /// Whether an unsuppressed finding is at or above `threshold` (`--fail-on`).
    pub fn fails_at(&self, threshold: kensa_model::Severity) -> bool {
        kensa_policy::fails_at(&self.findings, threshold)
    }

    /// Drops the suppressed findings, for outputs that do not show them (the table).
    pub fn without_suppressed(mut self) -> Assessment {
        self.findings.retain(|finding| finding.suppressed.is_none());
        self
    }

    /// The model every output format is written from.
    pub fn report<'a>(&'a self, inventory: &'a Inventory) -> kensa_report::Report<'a> {
        kensa_report::Report {
            inventory,
            findings: &self.findings,
            warnings: &self.warnings,
            match_notes: &self.report_notes,
        }
    }
}

/// Matches an inventory against a database snapshot, scores the findings for
/// the resource's exposure, drops what the filters leave out and marks what
/// the policy suppresses.
pub fn assess<L>(inventory: &Inventory, lookup: &L, options: &AssessOptions) -> Result<Assessment, ScanError>
where
    L: AdvisoryLookup,
    L::Error: std::fmt::Display,
{
    let mut outcome = kensa_match::match_inventory_with_exposure(inventory, lookup, options.exposure)
        .map_err(|error| ScanError::Lookup { resource: inventory.resource.name.clone(), message: error.to_string() })?;
    options.filters.retain(&mut outcome.findings);
    let policy = options.policy.apply(&mut outcome.findings, &options.today);
    let report_notes = outcome
        .notes
        .iter()
        .map(|note| (note.package.clone(), format!("{}: {}", note.advisory_id, note.message)))
        .collect();
    Ok(Assessment {
        findings: outcome.findings,
        warnings: outcome.warnings,
        notes: outcome.notes,
        policy,
        report_notes,
    })
}
