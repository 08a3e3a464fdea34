//! Keeping findings current when the advisory database changes.
//!
//! A watcher looks at `DATA_DIR/advisories.redb` four times a second. When the file
//! was replaced (by the server's own update, `kensa db build`, `kensa db
//! import`, or a copy an operator renamed into place), it fingerprints the
//! new file (SHA-256 of its bytes) and registers it in the store as the
//! newest advisory generation — unless a replica registered the same file
//! already. Registering computes the change set against the snapshot this
//! process still holds of the previous file (readable though replaced) and
//! queues, in the same transaction, the re-match of only the resources that
//! hold a changed package or carry a vulnerability whose KEV entry or CVSS
//! changed; a new day of EPSS scores, or a previous database this process
//! never held (first start, a change while it was down), re-matches every
//! resource.
//!
//! Workers claim only jobs whose required generation they have, so a
//! replica still on an older file never writes findings the change would
//! alter; the jobs wait for a replica that has it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use kensa_store::Rematch;

use crate::Shared;

/// How often the database file is looked at (one `stat`): a replacement is
/// seen within this, plus the time to fingerprint it. Findings are to be
/// current within a second of the new file being in place, so the wait for
/// noticing it must be a small part of that.
const WATCH_PERIOD: Duration = Duration::from_millis(250);

/// The key of the package index for an (ecosystem, normalised name): the
/// same for inventories (kensa_match::lookup_keys) and change sets.
pub(crate) fn package_index_key(ecosystem: kensa_model::Ecosystem, name: &str) -> String {
    format!("{}:{name}", ecosystem.as_str())
}

/// The database this process registered last.
struct Registered {
    database: Arc<kensa_db::Database>,
    fingerprint: String,
}

pub(crate) async fn watch(shared: Arc<Shared>) {
    let mut stop = shared.shutting_down.subscribe();
    let mut registered: Option<Registered> = None;
    let mut last_error = String::new();
    loop {
        if *stop.borrow() {
            return;
        }
        match look(&shared, &mut registered).await {
            Ok(()) => last_error.clear(),
            // Said once, not every second.
            Err(error) if error != last_error => {
                tracing::warn!(%error, "the advisory database could not be taken up");
                last_error = error;
            }
            Err(_) => {}
        }
        tokio::select! {
            () = tokio::time::sleep(WATCH_PERIOD) => {}
            () = shared.database_replaced.notified() => {}
            _ = stop.changed() => {}
        }
    }
}

async fn look(shared: &Arc<Shared>, registered: &mut Option<Registered>) -> Result<(), String> {
    let Some(handle) = shared.advisory_handle() else { return Ok(()) };
    let snapshot = handle.snapshot().map_err(|error| error.to_string())?;
    if registered.as_ref().is_some_and(|held| Arc::ptr_eq(&held.database, &snapshot)) {
        return Ok(());
    }
    let path = snapshot.path().to_path_buf();
    let fingerprint = blocking({
        let path = path.clone();
        move || fingerprint_of(&path)
    })
    .await?;
    // Replaced again while being read: take the newer one next time.
    if !handle.snapshot().is_ok_and(|now| Arc::ptr_eq(&now, &snapshot)) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let current = shared.store.current_generation().await.map_err(|error| error.to_string())?;
    let known = shared.store.generation_of(&fingerprint).await.map_err(|error| error.to_string())?;
    let generation = match (registered.as_ref(), current, known) {
        // The newest generation already (another replica took it up first).
        (_, Some(current), _) if current.fingerprint == fingerprint => current,
        // At start, a database of an older generation: this replica lags
        // (its copy is not updated yet). It matches only what that
        // generation may, and registers nothing.
        (None, Some(_), Some(older)) => older,
        // A change this process saw, or a database new to the store.
        (previous, current, _) => {
            let rematch = match (previous, current) {
                (Some(previous), Some(current)) if previous.fingerprint == current.fingerprint => {
                    let old = Arc::clone(&previous.database);
                    let new = path.clone();
                    let changes =
                        blocking(move || kensa_db::diff_from_snapshot(&old, &new).map_err(|error| error.to_string()))
                            .await?;
                    rematch_of(&changes)
                }
                _ => Rematch::Everything,
            };
            shared
                .store
                .register_generation(&fingerprint, &shared.replica_id, crate::now_seconds(), &rematch)
                .await
                .map_err(|error| error.to_string())?
        }
    };
    let previous = shared.local_generation.swap(generation.generation, Ordering::SeqCst);
    tracing::info!(
        generation = generation.generation,
        previous,
        queued = generation.queued_resources,
        registered_by = %generation.registered_by,
        milliseconds = started.elapsed().as_millis() as u64,
        path = %path.display(),
        "advisory database taken up"
    );
    *registered = Some(Registered { database: snapshot, fingerprint });
    shared.work_arrived.notify_waiters();
    Ok(())
}

/// What a change set asks to re-match.
fn rematch_of(changes: &kensa_db::ChangeSet) -> Rematch {
    if changes.epss {
        return Rematch::Everything;
    }
    let package_keys =
        changes.packages.keys().map(|key| package_index_key(key.ecosystem, &key.name)).collect::<Vec<_>>();
    let mut vulnerability_ids: Vec<String> = changes.known_exploited.iter().chain(&changes.cve_cvss).cloned().collect();
    vulnerability_ids.sort();
    vulnerability_ids.dedup();
    Rematch::Only { package_keys, vulnerability_ids }
}

/// SHA-256 of the file's bytes, hex.
fn fingerprint_of(path: &Path) -> Result<String, String> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|error| format!("open {}: {error}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0_u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(|error| format!("read {}: {error}", path.display()))?;
        let Some(bytes) = buffer.get(..read).filter(|bytes| !bytes.is_empty()) else { break };
        hasher.update(bytes);
    }
    Ok(hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    tokio::task::spawn_blocking(work).await.map_err(|error| format!("stopped: {error}"))?
}
