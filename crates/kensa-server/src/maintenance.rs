//! Retention: closed findings and deleted resources are purged on
//! Inspector's schedule (closed findings after 30 days, a deleted resource's
//! after 3; configurable). Singleton work, one replica at a time by a
//! due-lease in the store; the purge itself is one transaction. And the
//! lapse of suppression rules whose expiry passed (queued once, whichever
//! replica sees it first), and, with the purge, the re-match of images whose
//! rescan window passed (which closes their findings).

use std::sync::Arc;
use std::time::Duration;

use crate::Shared;

/// The due-lease of the purge.
const PURGE_LEASE: &str = "retention-purge";
/// How often a purge runs.
const PURGE_INTERVAL_SECONDS: i64 = 3_600;
/// How often replicas look whether a purge is due.
const POLL_SECONDS: i64 = 60;
/// How often replicas look for suppression rules whose expiry passed: a
/// rule's lapse shows within this and the re-match it queues.
const LAPSE_POLL: Duration = Duration::from_secs(5);

pub(crate) async fn run(shared: Arc<Shared>) {
    let mut stop = shared.shutting_down.subscribe();
    let mut next_purge_look = 0;
    loop {
        let now = crate::now_seconds();
        if now >= next_purge_look {
            next_purge_look = now + POLL_SECONDS;
            purge_when_due(&shared, now).await;
        }
        // Cheap (an indexed read that is empty as a rule), and idempotent
        // across replicas: each lapse is queued once.
        if let Err(error) = crate::suppression::apply_lapses(&shared).await {
            tracing::warn!(%error, "could not apply the lapse of suppression rules");
        }
        tokio::select! {
            () = tokio::time::sleep(LAPSE_POLL) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn purge_when_due(shared: &Arc<Shared>, now: i64) {
    match shared.store.take_when_due(PURGE_LEASE, &shared.replica_id, now, now + PURGE_INTERVAL_SECONDS).await {
        Ok(true) => match shared.store.purge(now, &shared.config.retention).await {
            Ok(purged) if purged != kensa_store::Purged::default() => {
                tracing::info!(findings = purged.findings, resources = purged.resources, "retention purge");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "retention purge failed"),
        },
        Ok(false) => return,
        Err(error) => {
            tracing::warn!(%error, "could not look whether a purge is due");
            return;
        }
    }
    // With the purge (hourly, one replica): images whose account's rescan
    // window passed since their last match are re-matched, which closes
    // their findings, rather than waiting for the next database change.
    match queue_lapsed_images(shared, now).await {
        Ok(0) => {}
        Ok(queued) => {
            tracing::info!(queued, "images past their rescan window queued");
            shared.work_arrived.notify_waiters();
        }
        Err(error) => tracing::warn!(%error, "could not queue the images past their rescan window"),
    }
}

async fn queue_lapsed_images(shared: &Arc<Shared>, now: i64) -> Result<u64, kensa_store::StoreError> {
    let mut queued = 0;
    for configuration in shared.store.account_configurations().await? {
        if let Some(Some(window)) = kensa_lifecycle::rescan_window_seconds(&configuration.ecr_rescan_duration) {
            queued += shared.store.queue_lapsed_images(&configuration.account_id, window, now).await?;
        }
    }
    Ok(queued)
}
