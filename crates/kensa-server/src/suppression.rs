//! What a match applies of its account's settings, read once per batch and
//! account: the suppression rules (filters with action `SUPPRESS`) in force
//! for its findings (its own, and its administrator's), and its scan
//! configuration (how long images stay eligible). And the lapse of rules
//! whose expiry passed.

use std::collections::BTreeMap;
use std::sync::Arc;

use kensa_api::filter::FilterCriteria;
use kensa_store::{FilterWrite, StoreError};

use crate::Shared;

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) criteria: FilterCriteria,
}

/// The accounts whose findings a filter of `owner` covers: its own, and its
/// members' when it is an administrator account.
pub(crate) async fn covered_accounts(shared: &Arc<Shared>, owner: &str) -> Result<Vec<String>, StoreError> {
    let mut accounts = vec![owner.to_string()];
    let account = shared.store.account(owner).await?;
    if account.is_some_and(|account| account.administrator_account_id.is_none()) {
        accounts.extend(shared.store.member_accounts(owner).await?);
    }
    Ok(accounts)
}

/// The rules in force now for the findings of each of `accounts`.
pub(crate) async fn rules_for(
    shared: &Arc<Shared>,
    accounts: &[String],
) -> Result<BTreeMap<String, Arc<Vec<Rule>>>, StoreError> {
    let now = crate::now_seconds();
    let mut rules = BTreeMap::new();
    for account_id in accounts {
        let account_id = account_id.as_str();
        if rules.contains_key(account_id) {
            continue;
        }
        let mut owners = vec![account_id.to_string()];
        if let Some(administrator) =
            shared.store.account(account_id).await?.and_then(|account| account.administrator_account_id)
        {
            owners.push(administrator);
        }
        let mut read = Vec::new();
        for filter in shared.store.suppression_rules(&owners, now).await? {
            let criteria = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&filter.criteria)
                .map_err(|error| error.to_string())
                .and_then(|criteria| FilterCriteria::from_json(&criteria).map_err(|error| error.to_string()));
            match criteria {
                Ok(criteria) => read.push(Rule { criteria }),
                // Stored by an older or newer build that evaluated more:
                // said, and not applied, rather than applied wrongly.
                Err(error) => tracing::warn!(arn = %filter.arn, %error, "a suppression rule cannot be evaluated"),
            }
        }
        rules.insert(account_id.to_string(), Arc::new(read));
    }
    Ok(rules)
}

/// Queues the re-match of what rules whose expiry passed covered.
pub(crate) async fn apply_lapses(shared: &Arc<Shared>) -> Result<usize, StoreError> {
    let now = crate::now_seconds();
    let mut applied = 0;
    for rule in shared.store.lapsed_rules(now).await? {
        let covered = covered_accounts(shared, &rule.account_id).await?;
        if shared.store.apply_lapse(&rule.arn, &FilterWrite { rematch_accounts: &covered, now }).await? {
            tracing::info!(arn = %rule.arn, "a suppression rule lapsed");
            applied += 1;
        }
    }
    if applied > 0 {
        shared.work_arrived.notify_waiters();
    }
    Ok(applied)
}

/// The coverage rules of an account's scan configuration (an unreadable
/// stored duration counts as a lifetime, and is said).
pub(crate) async fn coverage_rules_of(
    shared: &Arc<Shared>,
    account_id: &str,
) -> Result<kensa_lifecycle::CoverageRules, StoreError> {
    let configuration = shared.store.account_configuration(account_id).await?;
    let image_rescan_seconds = kensa_lifecycle::rescan_window_seconds(&configuration.ecr_rescan_duration)
        .unwrap_or_else(|| {
            tracing::warn!(account_id, duration = %configuration.ecr_rescan_duration, "unknown rescan duration");
            None
        });
    Ok(kensa_lifecycle::CoverageRules { image_rescan_seconds, ..kensa_lifecycle::CoverageRules::default() })
}

/// [`coverage_rules_of`] for each of `accounts`.
pub(crate) async fn coverage_rules_for(
    shared: &Arc<Shared>,
    accounts: &[String],
) -> Result<BTreeMap<String, kensa_lifecycle::CoverageRules>, StoreError> {
    let mut rules = BTreeMap::new();
    for account_id in accounts {
        if !rules.contains_key(account_id) {
            rules.insert(account_id.clone(), coverage_rules_of(shared, account_id).await?);
        }
    }
    Ok(rules)
}
