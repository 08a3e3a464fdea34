//! Prometheus metrics at `GET /metrics` (text exposition format 0.0.4),
//! unauthenticated as scrapers expect: aggregate numbers only, nothing of
//! any account. Counters are this replica's since it started; gauges read
//! the shared store, so every replica reports the same queue.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Shared;

/// This replica's counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) requests: AtomicU64,
    pub(crate) refused_requests: AtomicU64,
    pub(crate) pushes: AtomicU64,
    pub(crate) pushed_bytes: AtomicU64,
    pub(crate) matches: AtomicU64,
    pub(crate) failed_matches: AtomicU64,
    pub(crate) match_microseconds: AtomicU64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, value: u64) {
        counter.fetch_add(value, Ordering::Relaxed);
    }
}

fn metric(text: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
}

/// The exposition text.
pub(crate) async fn render(shared: &Shared) -> String {
    let counters = &shared.metrics;
    let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    let mut text = String::new();
    metric(
        &mut text,
        "kensa_requests_total",
        "counter",
        "HTTP requests answered by this replica.",
        load(&counters.requests),
    );
    metric(
        &mut text,
        "kensa_refused_requests_total",
        "counter",
        "Requests answered with an error (4xx and 5xx).",
        load(&counters.refused_requests),
    );
    metric(
        &mut text,
        "kensa_inventories_ingested_total",
        "counter",
        "Inventories stored (acknowledged pushes).",
        load(&counters.pushes),
    );
    metric(
        &mut text,
        "kensa_ingested_bytes_total",
        "counter",
        "Bytes of the inventories stored.",
        load(&counters.pushed_bytes),
    );
    metric(
        &mut text,
        "kensa_matches_total",
        "counter",
        "Resources matched by this replica's workers.",
        load(&counters.matches),
    );
    metric(
        &mut text,
        "kensa_failed_matches_total",
        "counter",
        "Matches that failed and were queued again.",
        load(&counters.failed_matches),
    );
    metric(
        &mut text,
        "kensa_match_seconds_total",
        "counter",
        "Time spent matching, in seconds.",
        format!("{:.6}", load(&counters.match_microseconds) as f64 / 1e6),
    );
    let now = crate::now_seconds();
    match shared.store.queue_depth().await {
        Ok(depth) => {
            metric(&mut text, "kensa_queue_depth", "gauge", "Re-match jobs waiting or running (all replicas).", depth)
        }
        Err(error) => tracing::warn!(%error, "metrics: queue depth"),
    }
    match shared.store.oldest_due_job(now).await {
        Ok(oldest) => metric(
            &mut text,
            "kensa_rematch_lag_seconds",
            "gauge",
            "How long the oldest due re-match has waited (0: none waits).",
            oldest.map_or(0, |due| (now - due).max(0)),
        ),
        Err(error) => tracing::warn!(%error, "metrics: re-match lag"),
    }
    metric(
        &mut text,
        "kensa_advisory_generation",
        "gauge",
        "The advisory database generation this replica matches with.",
        shared.local_generation.load(Ordering::SeqCst),
    );
    if let Some(handle) = shared.advisory_handle()
        && let Ok(state) = handle.held().update_state()
        && let Some(changed) = state.last_changed_at()
    {
        let age = u64::try_from(now).unwrap_or(0).saturating_sub(changed);
        metric(
            &mut text,
            "kensa_advisory_database_age_seconds",
            "gauge",
            "Time since the advisory database last changed.",
            age,
        );
    }
    text
}
