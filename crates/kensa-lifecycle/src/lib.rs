//! The findings lifecycle, as Amazon Inspector defines it: a finding is
//! `ACTIVE` while a match keeps observing it, `SUPPRESSED` while a rule or
//! VEX statement covers it, `CLOSED` once a match no longer sees it (the
//! package was upgraded past the fix, removed, or the advisory withdrawn).
//! A closed finding that is observed again within the reopen window comes
//! back under the same ARN, with its first observation kept; after the
//! window it is a new finding with an ARN of its own.
//!
//! Pure: the caller passes the stored state, what the match observed and the
//! time, and writes back what [`reconcile`] returns. No storage, no clock.

mod coverage;
mod history;

pub use coverage::{
    CoverageFacts, CoverageKind, CoverageRules, ScanStatusCode, ScanStatusReason, coverage, image_eligible,
    rescan_window_seconds,
};
pub use history::{InventoryChanges, PackageVersion, VersionChange, diff_packages};

use std::collections::BTreeMap;

/// Inspector's status of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingStatus {
    /// Observed by the latest match and not suppressed.
    Active,
    /// Observed, and covered by a suppression.
    Suppressed,
    /// No longer observed.
    Closed,
}

impl FindingStatus {
    /// The wire spelling (`ACTIVE`, `SUPPRESSED`, `CLOSED`).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Active => "ACTIVE",
            FindingStatus::Suppressed => "SUPPRESSED",
            FindingStatus::Closed => "CLOSED",
        }
    }

    /// Reads the wire spelling back.
    pub fn parse(text: &str) -> Option<FindingStatus> {
        match text {
            "ACTIVE" => Some(FindingStatus::Active),
            "SUPPRESSED" => Some(FindingStatus::Suppressed),
            "CLOSED" => Some(FindingStatus::Closed),
            _ => None,
        }
    }
}

/// How long timing rules last, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleRules {
    /// A closed finding observed again within this reopens under its ARN.
    pub reopen_window_seconds: i64,
}

impl Default for LifecycleRules {
    fn default() -> LifecycleRules {
        LifecycleRules { reopen_window_seconds: 7 * 86_400 }
    }
}

/// A finding as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    /// The engine's finding identity (32 hex).
    pub identity: String,
    /// How many times this identity has come back after its reopen window
    /// ran out (0 for the first life): part of the ARN.
    pub lifetime: u32,
    /// Current status.
    pub status: FindingStatus,
    /// First observation, in seconds since the epoch.
    pub first_observed_at: i64,
    /// Latest observation.
    pub last_observed_at: i64,
    /// Latest change of status or content.
    pub updated_at: i64,
    /// When it closed, while closed.
    pub closed_at: Option<i64>,
    /// A digest of what the finding says (severity, score, fix, KEV, EPSS…):
    /// a change of it moves `updated_at`.
    pub content_digest: String,
}

/// What one match observed of one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The engine's finding identity.
    pub identity: String,
    /// Whether a suppression covers it.
    pub suppressed: bool,
    /// A digest of what it says, as in [`StoredFinding::content_digest`].
    pub content_digest: String,
}

/// What happened to one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Seen for the first time (or again after the reopen window).
    Opened,
    /// Seen again; status or content changed.
    Updated,
    /// Seen again, nothing changed but the observation time.
    Observed,
    /// Closed but seen again within the window.
    Reopened,
    /// No longer seen.
    Closed,
}

/// One write the store makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The finding after the change.
    pub finding: StoredFinding,
    /// What happened.
    pub transition: Transition,
}

/// The ARN suffix of an identity's `lifetime`: the identity itself for the
/// first life, so an ARN is the engine's identity for as long as the finding
/// lives; a finding that comes back after its window gets a new one.
pub fn arn_suffix(identity: &str, lifetime: u32) -> String {
    if lifetime == 0 {
        return identity.to_string();
    }
    // FNV-1a over the identity and the lifetime: 32 hex like the identity.
    const OFFSET_BASIS: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET_BASIS;
    for byte in identity.bytes().chain(*b"\0lifetime\0").chain(lifetime.to_be_bytes()) {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    format!("{hash:032x}")
}

/// Reconciles a resource's stored findings (the latest lifetime of each
/// identity) with what a match of its current inventory observed, at `now`.
/// Returns only the findings that changed; unchanged closed findings are left
/// alone. Output is sorted by identity.
pub fn reconcile(stored: &[StoredFinding], observed: &[Observation], now: i64, rules: &LifecycleRules) -> Vec<Change> {
    let stored_by_identity: BTreeMap<&str, &StoredFinding> =
        stored.iter().map(|finding| (finding.identity.as_str(), finding)).collect();
    let observed_by_identity: BTreeMap<&str, &Observation> =
        observed.iter().map(|observation| (observation.identity.as_str(), observation)).collect();
    let mut changes = Vec::new();
    for (identity, observation) in &observed_by_identity {
        let status = if observation.suppressed { FindingStatus::Suppressed } else { FindingStatus::Active };
        let fresh = |lifetime: u32| StoredFinding {
            identity: (*identity).to_string(),
            lifetime,
            status,
            first_observed_at: now,
            last_observed_at: now,
            updated_at: now,
            closed_at: None,
            content_digest: observation.content_digest.clone(),
        };
        let Some(previous) = stored_by_identity.get(identity) else {
            changes.push(Change { finding: fresh(0), transition: Transition::Opened });
            continue;
        };
        if previous.status == FindingStatus::Closed {
            let closed_at = previous.closed_at.unwrap_or(previous.updated_at);
            if now - closed_at <= rules.reopen_window_seconds {
                let finding = StoredFinding {
                    status,
                    last_observed_at: now,
                    updated_at: now,
                    closed_at: None,
                    content_digest: observation.content_digest.clone(),
                    ..(*previous).clone()
                };
                changes.push(Change { finding, transition: Transition::Reopened });
            } else {
                changes.push(Change {
                    finding: fresh(previous.lifetime.saturating_add(1)),
                    transition: Transition::Opened,
                });
            }
            continue;
        }
        let changed = previous.status != status || previous.content_digest != observation.content_digest;
        let finding = StoredFinding {
            status,
            last_observed_at: now,
            updated_at: if changed { now } else { previous.updated_at },
            content_digest: observation.content_digest.clone(),
            ..(*previous).clone()
        };
        changes.push(Change { finding, transition: if changed { Transition::Updated } else { Transition::Observed } });
    }
    for (identity, previous) in &stored_by_identity {
        if previous.status != FindingStatus::Closed && !observed_by_identity.contains_key(identity) {
            let finding = StoredFinding {
                status: FindingStatus::Closed,
                updated_at: now,
                closed_at: Some(now),
                ..(*previous).clone()
            };
            changes.push(Change { finding, transition: Transition::Closed });
        }
    }
    changes.sort_by(|left, right| left.finding.identity.cmp(&right.finding.identity));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn observation(identity: &str, digest: &str) -> Observation {
        Observation { identity: identity.to_string(), suppressed: false, content_digest: digest.to_string() }
    }

    fn step(stored: &mut Vec<StoredFinding>, observed: &[Observation], now: i64) -> Vec<Transition> {
        let changes = reconcile(stored, observed, now, &LifecycleRules::default());
        let transitions = changes.iter().map(|change| change.transition).collect();
        for change in changes {
            stored.retain(|finding| finding.identity != change.finding.identity);
            stored.push(change.finding);
        }
        transitions
    }

    /// The whole life of one finding: opened, observed, updated when its
    /// content changes, closed when no longer seen, reopened within 7 days
    /// under the same ARN with its first observation kept, and a new finding
    /// with a new ARN after the window.
    #[test]
    fn a_finding_lives_closes_reopens_and_is_born_again() {
        let mut stored = Vec::new();
        let seen = [observation("a", "1")];
        assert_eq!(step(&mut stored, &seen, 100), [Transition::Opened]);
        assert_eq!(step(&mut stored, &seen, 200), [Transition::Observed]);
        assert_eq!(stored[0].updated_at, 100);
        assert_eq!(stored[0].last_observed_at, 200);
        let changed = [observation("a", "2")];
        assert_eq!(step(&mut stored, &changed, 300), [Transition::Updated]);
        assert_eq!(step(&mut stored, &[], 400), [Transition::Closed]);
        assert!(reconcile(&stored, &[], 500, &LifecycleRules::default()).is_empty(), "a closed finding stays as it is");
        assert_eq!(step(&mut stored, &changed, 400 + 7 * DAY), [Transition::Reopened]);
        assert_eq!((stored[0].first_observed_at, stored[0].lifetime), (100, 0));
        step(&mut stored, &[], 1_000_000);
        assert_eq!(step(&mut stored, &changed, 1_000_001 + 7 * DAY), [Transition::Opened]);
        assert_eq!((stored[0].first_observed_at, stored[0].lifetime), (1_000_001 + 7 * DAY, 1));
        assert_eq!(arn_suffix("a", 0), "a");
        assert_ne!(arn_suffix("a", 1), arn_suffix("a", 2));
        assert_eq!(arn_suffix("a", 1).len(), 32);
    }

    /// Suppression is a status change, not a new finding.
    #[test]
    fn suppression_moves_status_and_updated_at() {
        let mut stored = Vec::new();
        step(&mut stored, &[observation("a", "1")], 10);
        let suppressed = [Observation { suppressed: true, ..observation("a", "1") }];
        assert_eq!(step(&mut stored, &suppressed, 20), [Transition::Updated]);
        assert_eq!((stored[0].status, stored[0].updated_at), (FindingStatus::Suppressed, 20));
    }
}
