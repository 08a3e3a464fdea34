//! Retention: closed findings and deleted resources are purged on
//! Inspector's schedule (closed findings after 30 days, a deleted resource's
//! after 3; configurable). Singleton work, one replica at a time by a
//! due-lease in the store; the purge itself is one transaction.

use std::sync::Arc;
use std::time::Duration;

use crate::Shared;

/// The due-lease of the purge.
const PURGE_LEASE: &str = "retention-purge";
/// How often a purge runs.
const PURGE_INTERVAL_SECONDS: i64 = 3_600;
/// How often replicas look whether one is due.
const POLL: Duration = Duration::from_secs(60);

pub(crate) async fn run(shared: Arc<Shared>) {
    let mut stop = shared.shutting_down.subscribe();
    loop {
        let now = crate::now_seconds();
        match shared.store.take_when_due(PURGE_LEASE, &shared.replica_id, now, now + PURGE_INTERVAL_SECONDS).await {
            Ok(true) => match shared.store.purge(now, &shared.config.retention).await {
                Ok(purged) if purged != kensa_store::Purged::default() => {
                    tracing::info!(findings = purged.findings, resources = purged.resources, "retention purge");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "retention purge failed"),
            },
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "could not look whether a purge is due"),
        }
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => return,
        }
    }
}
