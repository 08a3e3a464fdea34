//! Coverage: whether a resource is being scanned, and why not, in
//! Inspector's terms (`ScanStatus`: `ACTIVE`/`INACTIVE` with a reason code).
//!
//! Decided from what the store knows of the resource, in this order: a
//! deleted resource is `RESOURCE_TERMINATED`; one tagged for exclusion is
//! `EXCLUDED_BY_TAG`; a host whose agent has not reported for the stale
//! window (7 days, as Inspector) is `STALE_INVENTORY`; an image past its
//! account's rescan duration since it was last pushed is
//! `SCAN_ELIGIBILITY_EXPIRED`; one never matched yet is
//! `PENDING_INITIAL_SCAN` (still `ACTIVE`); otherwise `SUCCESSFUL`. Images and
//! function bundles do not go stale: their content is fixed by their digest.

/// `ScanStatusCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScanStatusCode {
    /// Scanned, and kept current.
    Active,
    /// Not scanned (see the reason).
    Inactive,
}

impl ScanStatusCode {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatusCode::Active => "ACTIVE",
            ScanStatusCode::Inactive => "INACTIVE",
        }
    }
}

/// The `ScanStatusReason` values Kensa decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScanStatusReason {
    /// Matched, and kept current.
    Successful,
    /// Its first match is queued.
    PendingInitialScan,
    /// Tagged `KensaExclusion` or `InspectorEc2Exclusion`.
    ExcludedByTag,
    /// A host that has not reported within the stale window.
    StaleInventory,
    /// An image past the rescan duration.
    ScanEligibilityExpired,
    /// Deleted (its findings are closed).
    ResourceTerminated,
}

impl ScanStatusReason {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatusReason::Successful => "SUCCESSFUL",
            ScanStatusReason::PendingInitialScan => "PENDING_INITIAL_SCAN",
            ScanStatusReason::ExcludedByTag => "EXCLUDED_BY_TAG",
            ScanStatusReason::StaleInventory => "STALE_INVENTORY",
            ScanStatusReason::ScanEligibilityExpired => "SCAN_ELIGIBILITY_EXPIRED",
            ScanStatusReason::ResourceTerminated => "RESOURCE_TERMINATED",
        }
    }

    /// Whether the resource is scanned with this reason.
    pub fn code(self) -> ScanStatusCode {
        match self {
            ScanStatusReason::Successful | ScanStatusReason::PendingInitialScan => ScanStatusCode::Active,
            _ => ScanStatusCode::Inactive,
        }
    }
}

/// What kind of resource, as far as coverage cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageKind {
    /// Reports on its own, again and again: goes stale when it stops.
    Host,
    /// Pushed once per digest: eligible for the rescan duration.
    Image,
    /// Anything else (function bundles, SBOM-described applications).
    Other,
}

/// What the store knows of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverageFacts {
    /// What kind.
    pub kind: CoverageKind,
    /// Carries an exclusion tag.
    pub excluded_by_tag: bool,
    /// Deleted, not yet purged.
    pub deleted: bool,
    /// When its latest inventory arrived (epoch seconds).
    pub last_inventory_at: i64,
    /// When its findings were last matched, if ever.
    pub last_matched_at: Option<i64>,
    /// Now.
    pub now: i64,
}

/// The account's timing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverageRules {
    /// A host without an inventory for this long is stale (7 days).
    pub stale_inventory_seconds: i64,
    /// How long an image stays eligible after its last push; `None`:
    /// for its lifetime (Inspector's `LIFETIME`).
    pub image_rescan_seconds: Option<i64>,
}

impl Default for CoverageRules {
    fn default() -> CoverageRules {
        CoverageRules { stale_inventory_seconds: 7 * 86_400, image_rescan_seconds: None }
    }
}

/// The window of an `EcrRescanDuration` (`LIFETIME`, `DAYS_N`):
/// `Some(None)` for a lifetime, `Some(Some(seconds))` for days, `None`
/// when the text is none of Inspector's values.
pub fn rescan_window_seconds(duration: &str) -> Option<Option<i64>> {
    match duration {
        "LIFETIME" => Some(None),
        "DAYS_3" | "DAYS_7" | "DAYS_14" | "DAYS_30" | "DAYS_60" | "DAYS_90" | "DAYS_180" => {
            duration.trim_start_matches("DAYS_").parse::<i64>().ok().map(|days| Some(days * 86_400))
        }
        _ => None,
    }
}

/// Whether an image pushed at `pushed_at` is still eligible for re-matching
/// at `now` under `rules`.
pub fn image_eligible(pushed_at: i64, now: i64, rules: &CoverageRules) -> bool {
    rules.image_rescan_seconds.is_none_or(|window| now.saturating_sub(pushed_at) <= window)
}

/// The resource's scan status reason (its code follows from it).
pub fn coverage(facts: &CoverageFacts, rules: &CoverageRules) -> ScanStatusReason {
    let age = facts.now.saturating_sub(facts.last_inventory_at);
    if facts.deleted {
        ScanStatusReason::ResourceTerminated
    } else if facts.excluded_by_tag {
        ScanStatusReason::ExcludedByTag
    } else if facts.kind == CoverageKind::Host && age > rules.stale_inventory_seconds {
        ScanStatusReason::StaleInventory
    } else if facts.kind == CoverageKind::Image && !image_eligible(facts.last_inventory_at, facts.now, rules) {
        ScanStatusReason::ScanEligibilityExpired
    } else if facts.last_matched_at.is_none() {
        ScanStatusReason::PendingInitialScan
    } else {
        ScanStatusReason::Successful
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn facts(kind: CoverageKind) -> CoverageFacts {
        CoverageFacts {
            kind,
            excluded_by_tag: false,
            deleted: false,
            last_inventory_at: 100 * DAY,
            last_matched_at: Some(100 * DAY),
            now: 101 * DAY,
        }
    }

    /// Each reason, and the order in which they win.
    #[test]
    fn reasons_follow_inspectors_rules_in_order() {
        let rules = CoverageRules::default();
        assert_eq!(coverage(&facts(CoverageKind::Host), &rules), ScanStatusReason::Successful);
        let pending = CoverageFacts { last_matched_at: None, ..facts(CoverageKind::Host) };
        assert_eq!(coverage(&pending, &rules), ScanStatusReason::PendingInitialScan);
        assert_eq!(ScanStatusReason::PendingInitialScan.code(), ScanStatusCode::Active);
        let stale = CoverageFacts { now: 108 * DAY, ..facts(CoverageKind::Host) };
        assert_eq!(coverage(&stale, &rules), ScanStatusReason::StaleInventory);
        assert_eq!(ScanStatusReason::StaleInventory.code(), ScanStatusCode::Inactive);
        // Exactly seven days is not yet stale.
        let edge = CoverageFacts { now: 107 * DAY, ..facts(CoverageKind::Host) };
        assert_eq!(coverage(&edge, &rules), ScanStatusReason::Successful);
        // Images and bundles do not go stale; images expire only by the rule.
        let old_image = CoverageFacts { now: 500 * DAY, ..facts(CoverageKind::Image) };
        assert_eq!(coverage(&old_image, &rules), ScanStatusReason::Successful);
        let thirty_days = CoverageRules { image_rescan_seconds: Some(30 * DAY), ..rules };
        assert_eq!(coverage(&old_image, &thirty_days), ScanStatusReason::ScanEligibilityExpired);
        let old_bundle = CoverageFacts { now: 500 * DAY, ..facts(CoverageKind::Other) };
        assert_eq!(coverage(&old_bundle, &thirty_days), ScanStatusReason::Successful);
        let excluded = CoverageFacts { excluded_by_tag: true, ..stale };
        assert_eq!(coverage(&excluded, &rules), ScanStatusReason::ExcludedByTag);
        assert_eq!(rescan_window_seconds("LIFETIME"), Some(None));
        assert_eq!(rescan_window_seconds("DAYS_14"), Some(Some(14 * DAY)));
        assert_eq!(rescan_window_seconds("DAYS_15"), None, "only Inspector's values");
        let deleted = CoverageFacts { deleted: true, ..excluded };
        assert_eq!(coverage(&deleted, &rules), ScanStatusReason::ResourceTerminated);
    }
}
