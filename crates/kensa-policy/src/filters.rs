//! What a caller chose to see, and when a scan counts as failed: the
//! `--ignore-unfixed` and `--severity` filters and the `--fail-on` decision,
//! shared by the CLI, the server's CI gate and the agent so they can never
//! disagree about which findings pass.

use kensa_model::{Finding, FixState, Severity};

/// Findings left out of a report altogether (unlike suppression, which
/// marks them): the ones nobody asked to see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingFilters {
    /// Leave out vulnerabilities with no fixed version yet, including those
    /// the distribution will not fix or has deferred.
    pub ignore_unfixed: bool,
    /// Keep only these severities; empty keeps every one.
    pub severities: Vec<Severity>,
}

impl FindingFilters {
    /// Whether a finding passes the filters.
    pub fn keeps(&self, finding: &Finding) -> bool {
        (!self.ignore_unfixed || finding.fix_state == FixState::Fixed)
            && (self.severities.is_empty() || self.severities.contains(&finding.severity))
    }

    /// Drops the findings the filters leave out, keeping the order of the rest.
    pub fn retain(&self, findings: &mut Vec<Finding>) {
        findings.retain(|finding| self.keeps(finding));
    }
}

/// Whether findings fail a gate at `threshold`: some finding that no rule
/// suppressed is at or above it. Suppressed findings never fail a gate (a
/// team decided about them), whatever their severity.
pub fn fails_at(findings: &[Finding], threshold: Severity) -> bool {
    findings.iter().any(|finding| finding.suppressed.is_none() && finding.severity >= threshold)
}
