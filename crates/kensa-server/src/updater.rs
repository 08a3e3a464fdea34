//! The server's own advisory database updates: on a schedule and on demand
//! (`kensa admin db-update`), from the same sources and options as `kensa db
//! update`. Singleton work: with several replicas, one runs it at a time,
//! under a lease in the store (renewed while it runs, so a replica that dies
//! mid-update hands it on); the schedule itself is a lease ("due after") so
//! replicas do not each update once per interval.
//!
//! The update writes `DATA_DIR/advisories.redb` the way `kensa db update`
//! does (a copy renamed over it); the watcher (advisories.rs) then takes the
//! new file up and queues the re-matches, as for any other replacement.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kensa_api::native::DatabaseUpdateReport;

use crate::Shared;

/// Held while an update runs.
const RUNNING_LEASE: &str = "advisory-database-update";
/// Held until the next scheduled update is due.
const SCHEDULE_LEASE: &str = "advisory-database-update-due";
/// How soon a failed scheduled update is tried again.
const RETRY_SECONDS: i64 = 600;
/// How often replicas look whether an update is due.
const SCHEDULE_POLL: Duration = Duration::from_secs(15);

/// How the server updates its database.
#[derive(Debug, Clone)]
pub struct DatabaseUpdates {
    /// Sources and options, as `kensa db update` takes them.
    pub options: kensa_update::UpdateOptions,
    /// Seconds between scheduled updates; 0: only on demand.
    pub interval_seconds: i64,
}

/// Why an update did not run.
#[derive(Debug)]
pub(crate) enum UpdateRefusal {
    /// No sources configured.
    NotConfigured,
    /// Another replica (or request) is updating now.
    Busy,
    /// The update failed.
    Failed(String),
}

pub(crate) async fn schedule(shared: Arc<Shared>) {
    let Some(updates) = shared.config.updates.clone() else { return };
    if updates.interval_seconds <= 0 {
        return;
    }
    let mut stop = shared.shutting_down.subscribe();
    loop {
        let now = crate::now_seconds();
        // Held for a lease's length while the update starts: a replica that
        // dies here hands the schedule on as soon as a dead worker's jobs.
        let until = now + shared.config.job_lease_seconds;
        match shared.store.take_when_due(SCHEDULE_LEASE, &shared.replica_id, now, until).await {
            Ok(true) => {
                let next = match run(&shared).await {
                    Ok(report) => {
                        tracing::info!(
                            added = report.added,
                            replaced = report.replaced,
                            changed_packages = report.changed_packages,
                            "scheduled advisory database update done"
                        );
                        crate::now_seconds() + updates.interval_seconds
                    }
                    Err(UpdateRefusal::Busy) => crate::now_seconds() + RETRY_SECONDS.min(updates.interval_seconds),
                    Err(refusal) => {
                        tracing::warn!(?refusal, "scheduled advisory database update failed");
                        crate::now_seconds() + RETRY_SECONDS.min(updates.interval_seconds)
                    }
                };
                if let Err(error) = shared.store.set_lease(SCHEDULE_LEASE, &shared.replica_id, next).await {
                    tracing::warn!(%error, "could not record when the next update is due");
                }
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "could not look whether an update is due"),
        }
        tokio::select! {
            () = tokio::time::sleep(SCHEDULE_POLL) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Runs one update now, on this replica, unless another one runs.
pub(crate) async fn run(shared: &Arc<Shared>) -> Result<DatabaseUpdateReport, UpdateRefusal> {
    let updates = shared.config.updates.clone().ok_or(UpdateRefusal::NotConfigured)?;
    let replica = shared.replica_id.clone();
    let now = crate::now_seconds();
    // The same lease length as jobs: how soon a dead replica's work moves on.
    let lease_seconds = shared.config.job_lease_seconds.max(3);
    match shared.store.try_lease(RUNNING_LEASE, &replica, now, lease_seconds).await {
        Ok(true) => {}
        Ok(false) => return Err(UpdateRefusal::Busy),
        Err(error) => return Err(UpdateRefusal::Failed(error.to_string())),
    }
    let started = Instant::now();
    let path = shared.config.data_dir.join(crate::ADVISORY_DATABASE_FILE);
    let options = updates.options.clone();
    let work = tokio::task::spawn_blocking(move || kensa_update::update(&path, &options));
    tokio::pin!(work);
    let outcome = loop {
        tokio::select! {
            outcome = &mut work => break outcome,
            () = tokio::time::sleep(Duration::from_secs(u64::try_from(lease_seconds / 3).unwrap_or(1).max(1))) => {
                let renewed = shared.store.try_lease(RUNNING_LEASE, &replica, crate::now_seconds(), lease_seconds).await;
                if !matches!(renewed, Ok(true)) {
                    tracing::warn!("could not renew the advisory database update's lease");
                }
            }
        }
    };
    if let Err(error) = shared.store.release_lease(RUNNING_LEASE, &replica).await {
        tracing::warn!(%error, "could not release the advisory database update's lease");
    }
    let report = outcome
        .map_err(|error| UpdateRefusal::Failed(format!("the update stopped: {error}")))?
        .map_err(|error| UpdateRefusal::Failed(error.to_string()))?;
    // Taken up at once rather than on the watcher's next look.
    shared.database_replaced.notify_waiters();
    if updates.interval_seconds > 0 {
        let next = crate::now_seconds() + updates.interval_seconds;
        if let Err(error) = shared.store.set_lease(SCHEDULE_LEASE, &replica, next).await {
            tracing::warn!(%error, "could not record when the next update is due");
        }
    }
    Ok(DatabaseUpdateReport {
        replica,
        rebuilt: report.rebuilt,
        added: report.added,
        replaced: report.replaced,
        changed_packages: u64::try_from(report.changes.packages.len()).unwrap_or(u64::MAX),
        known_exploited_changes: u64::try_from(report.changes.known_exploited.len()).unwrap_or(u64::MAX),
        epss_changed: report.changes.epss,
        sources: report
            .sources
            .iter()
            .map(|(source, how)| {
                let how = match how {
                    kensa_update::SourceUpdate::Full { records } => format!("full {records}"),
                    kensa_update::SourceUpdate::Incremental { records } => format!("incremental {records}"),
                };
                (source.clone(), how)
            })
            .collect(),
        requests: report.requests,
        bytes: report.bytes,
        milliseconds: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}
