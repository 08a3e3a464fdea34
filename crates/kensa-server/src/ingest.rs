//! Group commit of pushes. Every push is handed to one task per process,
//! which stores whatever pushes queued while its previous transaction ran
//! in one transaction (up to [`BATCH`]), then answers each. An idle server
//! commits a lone push at once; a busy one shares each sync of the log and
//! each index page among many pushes. A push is acknowledged only after its
//! transaction committed; if the batch fails, each of its pushes is tried
//! alone, so one bad push never fails the others.

use std::sync::Arc;

use kensa_lifecycle::PackageVersion;
use kensa_store::NewInventory;
use tokio::sync::{mpsc, oneshot};

use crate::Shared;

/// The most pushes one transaction stores.
const BATCH: usize = 64;

/// A push waiting to be stored.
pub(crate) struct Pending {
    pub(crate) inventory: NewInventory,
    /// The pushed inventory's packages, for its history entry.
    pub(crate) packages: Vec<PackageVersion>,
    pub(crate) reply: oneshot::Sender<Result<i64, String>>,
}

/// The sending side, held by the request handlers.
pub(crate) type Queue = mpsc::Sender<Pending>;

pub(crate) fn queue() -> (Queue, mpsc::Receiver<Pending>) {
    mpsc::channel(4 * BATCH)
}

pub(crate) async fn run(shared: Arc<Shared>, mut receiver: mpsc::Receiver<Pending>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        // One lock order across replicas on PostgreSQL (resource rows), and
        // arrival order kept among pushes of one resource (a stable sort).
        batch.sort_by(|a, b| {
            (&a.inventory.account_id, &a.inventory.resource_id)
                .cmp(&(&b.inventory.account_id, &b.inventory.resource_id))
        });
        store(&shared, batch).await;
    }
}

async fn store(shared: &Arc<Shared>, batch: Vec<Pending>) {
    let mut inventories = Vec::with_capacity(batch.len());
    let mut packages = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    for pending in batch {
        inventories.push(pending.inventory);
        packages.push(pending.packages);
        replies.push(pending.reply);
    }
    let histories: Vec<_> = packages
        .iter()
        .map(|packages| move |previous: Option<&[u8]>| crate::http::history_entry(previous, packages))
        .collect();
    let entries: Vec<(&NewInventory, kensa_store::History<'_>)> = inventories
        .iter()
        .zip(&histories)
        .map(|(inventory, history)| (inventory, history as kensa_store::History<'_>))
        .collect();
    let started = std::time::Instant::now();
    let stored = shared.store.store_inventories(&entries).await;
    tracing::debug!(pushes = entries.len(), milliseconds = started.elapsed().as_millis(), "stored a batch of pushes");
    match stored {
        Ok(sequences) => {
            for (reply, sequence) in replies.into_iter().zip(sequences) {
                let _ = reply.send(Ok(sequence));
            }
        }
        Err(error) if replies.len() > 1 => {
            tracing::warn!(%error, pushes = replies.len(), "a batch of pushes failed; storing them one by one");
            for ((reply, inventory), history) in replies.into_iter().zip(&inventories).zip(&histories) {
                let outcome = shared.store.store_inventory(inventory, history).await;
                let _ = reply.send(outcome.map_err(|error| error.to_string()));
            }
        }
        Err(error) => {
            for reply in replies {
                let _ = reply.send(Err(error.to_string()));
            }
        }
    }
    shared.work_arrived.notify_waiters();
}
