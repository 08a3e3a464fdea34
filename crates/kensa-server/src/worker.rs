//! Matching workers: claim a resource's re-match from the queue, match its
//! latest stored inventory against the advisory database on a blocking
//! thread, reconcile with the stored findings and write the outcome.
//!
//! A job is idempotent (it recomputes from what is stored), so a worker that
//! dies mid-way costs only the lease: another claims the job again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kensa_lifecycle::{FindingStatus, LifecycleRules, Observation, Transition};
use std::sync::atomic::Ordering;

use kensa_store::{Claim, ClosedFinding, FindingContent, Job, JobKind, MatchRecord, StoredFinding};

use crate::Shared;
use crate::suppression::Rule;

/// How long an idle worker waits before looking again (other replicas queue
/// work this process is not told about).
const IDLE_POLL: Duration = Duration::from_millis(250);

/// How many jobs a worker claims, matches and records at once: one
/// transaction writes a batch's findings and index rows, whose pages the
/// resources of a fleet largely share.
const BATCH: i64 = 16;

/// How many of a batch's matches run at once.
const MATCHES_AT_ONCE: usize = 4;

/// Tags that exclude a resource from scanning (any value), as Inspector's.
pub(crate) const EXCLUSION_TAGS: &[&str] = &["KensaExclusion", "InspectorEc2Exclusion"];

pub(crate) async fn run(shared: Arc<Shared>, worker_id: String) {
    let mut stop = shared.shutting_down.subscribe();
    loop {
        if *stop.borrow() {
            return;
        }
        let advisory_generation = shared.local_generation.load(Ordering::SeqCst);
        let claimed = if advisory_generation > 0 {
            shared
                .store
                .claim_jobs(&Claim {
                    worker: &worker_id,
                    now: crate::now_seconds(),
                    lease_seconds: shared.config.job_lease_seconds,
                    limit: BATCH,
                    advisory_generation,
                })
                .await
        } else {
            Ok(Vec::new())
        };
        match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                run_batch(&shared, &jobs, &worker_id).await;
                continue;
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "claiming jobs failed"),
        }
        tokio::select! {
            () = shared.work_arrived.notified() => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
            _ = stop.changed() => {}
        }
    }
}

/// A match's outcome, to write with the batch's others.
struct Outcome {
    account_id: String,
    resource_id: String,
    sequence: i64,
    advisory_generation: i64,
    matched_at: i64,
    findings: Vec<StoredFinding>,
    closed: Vec<ClosedFinding>,
    vulnerability_ids: Vec<String>,
}

impl Outcome {
    fn record(&self) -> MatchRecord<'_> {
        MatchRecord {
            account_id: &self.account_id,
            resource_id: &self.resource_id,
            matched_sequence: self.sequence,
            advisory_generation: self.advisory_generation,
            matched_at: self.matched_at,
            findings: &self.findings,
            closed: &self.closed,
            vulnerability_ids: &self.vulnerability_ids,
        }
    }
}

async fn run_batch(shared: &Arc<Shared>, jobs: &[Job], worker_id: &str) {
    // The rules are read once for the batch: a match that could not apply
    // them would lift suppressions it does not know of, so without them the
    // batch waits for its leases to run out and is tried again.
    let accounts: Vec<String> =
        jobs.iter().filter_map(|job| job.key.split_once('/').map(|(account_id, _)| account_id.to_string())).collect();
    let read = async {
        Ok::<_, kensa_store::StoreError>((
            crate::suppression::rules_for(shared, &accounts).await?,
            crate::suppression::coverage_rules_for(shared, &accounts).await?,
        ))
    };
    let (rules, coverage_rules) = match read.await {
        Ok(read) => read,
        Err(error) => {
            tracing::warn!(%error, jobs = jobs.len(), "could not read the accounts' rules; the batch waits");
            return;
        }
    };
    let work = async {
        let mut outcomes = Vec::with_capacity(jobs.len());
        // A match waits on the store between its parts (the inventory, the
        // stored states) and computes on a blocking thread in between: a
        // batch's jobs run a few at a time, so the cores stay busy while one
        // waits. Results keep the jobs' order.
        for group in jobs.chunks(MATCHES_AT_ONCE) {
            let running: Vec<_> = group
                .iter()
                .map(|job| {
                    let shared = Arc::clone(shared);
                    let job = job.clone();
                    let rules = job
                        .key
                        .split_once('/')
                        .and_then(|(account_id, _)| rules.get(account_id))
                        .cloned()
                        .unwrap_or_default();
                    let coverage = job
                        .key
                        .split_once('/')
                        .and_then(|(account_id, _)| coverage_rules.get(account_id))
                        .copied()
                        .unwrap_or_default();
                    tokio::spawn(async move {
                        let started = std::time::Instant::now();
                        let outcome = match job.kind {
                            JobKind::MatchResource => match_resource(&shared, &job.key, &rules, &coverage).await,
                            _ => Err(format!("this build cannot run {:?} jobs", job.kind)),
                        };
                        let elapsed = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                        crate::metrics::Metrics::add(&shared.metrics.match_microseconds, elapsed);
                        outcome
                    })
                })
                .collect();
            for task in running {
                outcomes.push(task.await.unwrap_or_else(|error| Err(format!("matching stopped: {error}"))));
            }
        }
        outcomes
    };
    let outcomes = with_renewed_leases(shared, jobs, worker_id, work).await;
    let mut records = Vec::new();
    let mut done = Vec::new();
    for (job, outcome) in jobs.iter().zip(outcomes) {
        match outcome {
            Ok(outcome) => {
                crate::metrics::Metrics::add(&shared.metrics.matches, 1);
                records.extend(outcome);
                done.push(job.clone());
            }
            Err(message) => {
                crate::metrics::Metrics::add(&shared.metrics.failed_matches, 1);
                tracing::warn!(job = job.job_id, key = %job.key, attempts = job.attempts, %message, "job failed");
                // Exponential back-off, at most ten minutes.
                let delay = 2_i64.saturating_pow(u32::try_from(job.attempts.clamp(0, 10)).unwrap_or(10)).min(600);
                if let Err(error) = shared.store.fail_job(job, &message, crate::now_seconds() + delay).await {
                    tracing::warn!(job = job.job_id, %error, "could not record the job's failure; its lease will run out");
                }
            }
        }
    }
    let views: Vec<MatchRecord<'_>> = records.iter().map(Outcome::record).collect();
    match shared.store.record_matches(&views, &done).await {
        Ok(()) => {
            for outcome in &records {
                tracing::debug!(
                    account_id = %outcome.account_id,
                    resource_id = %outcome.resource_id,
                    sequence = outcome.sequence,
                    changed = outcome.findings.len() + outcome.closed.len(),
                    "matched"
                );
            }
        }
        Err(error) => {
            tracing::warn!(%error, jobs = done.len(), "could not record a batch of matches; their leases will run out")
        }
    }
}

/// Runs `work` while renewing the job's lease every third of its length,
/// so a long job is not taken over while its worker lives, and a dead
/// worker's job is taken over soon.
async fn with_renewed_leases<T>(
    shared: &Arc<Shared>,
    jobs: &[Job],
    worker_id: &str,
    work: impl std::future::Future<Output = T>,
) -> T {
    let lease = shared.config.job_lease_seconds.max(3);
    let period = Duration::from_secs(u64::try_from(lease / 3).unwrap_or(1).max(1));
    tokio::pin!(work);
    loop {
        tokio::select! {
            outcome = &mut work => return outcome,
            () = tokio::time::sleep(period) => {
                match shared.store.renew_jobs(jobs, worker_id, crate::now_seconds() + lease).await {
                    Ok(renewed) if renewed == jobs.len() as u64 => {}
                    // Another worker took some over: this one's outcomes are
                    // still written (jobs are idempotent), but it no longer owns them.
                    Ok(_) => tracing::warn!("lost the claim on some jobs; finishing anyway"),
                    Err(error) => tracing::warn!(%error, "could not renew the jobs' leases"),
                }
            }
        }
    }
}

/// The resource's key in the queue: `account/resource`.
pub(crate) fn job_key(account_id: &str, resource_id: &str) -> String {
    format!("{account_id}/{resource_id}")
}

pub(crate) fn arn(region: &str, account_id: &str, identity: &str, lifetime: u32) -> String {
    format!("arn:aws:inspector2:{region}:{account_id}:finding/{}", kensa_lifecycle::arn_suffix(identity, lifetime))
}

/// Matches a resource; `None` when there is nothing to match (deleted).
async fn match_resource(
    shared: &Arc<Shared>,
    key: &str,
    rules: &[Rule],
    coverage: &kensa_lifecycle::CoverageRules,
) -> Result<Option<Outcome>, String> {
    let (account_id, resource_id) = key.split_once('/').ok_or_else(|| format!("malformed job key '{key}'"))?;
    let Some(resource) = shared.store.resource(account_id, resource_id).await.map_err(|error| error.to_string())?
    else {
        return Ok(None);
    };
    let Some((sequence, document)) =
        shared.store.latest_inventory(account_id, resource_id).await.map_err(|error| error.to_string())?
    else {
        return Ok(None);
    };
    let handle = shared.advisory_handle().ok_or("no advisory database yet")?;
    // Read before the snapshot: the snapshot is this generation or newer.
    let advisory_generation = shared.local_generation.load(Ordering::SeqCst);
    let tags: BTreeMap<String, String> = serde_json::from_str(&resource.tags_json).unwrap_or_default();
    // Excluded by tag, or an image past its account's rescan duration: not
    // scanned, so nothing is observed and its findings close (Inspector
    // closes the findings of a resource no longer eligible).
    let expired_image = resource.resource_type == "AWS_ECR_CONTAINER_IMAGE"
        && !kensa_lifecycle::image_eligible(resource.last_inventory_at, crate::now_seconds(), coverage);
    let excluded = EXCLUSION_TAGS.iter().any(|tag| tags.contains_key(*tag)) || expired_image;
    let resource_key = format!("{account_id}/{resource_id}");
    // The engine is synchronous: it runs on a blocking thread.
    let matched = tokio::task::spawn_blocking(move || -> Result<Vec<kensa_model::Finding>, String> {
        if excluded {
            return Ok(Vec::new());
        }
        let inventory = kensa_scan::inventory_from_json(&resource_key, &document).map_err(|error| error.to_string())?;
        let snapshot = handle.snapshot().unwrap_or_else(|_| handle.held());
        let options = kensa_scan::AssessOptions {
            today: kensa_model::time::date_utc(kensa_model::time::now_seconds()),
            ..kensa_scan::AssessOptions::default()
        };
        let assessment =
            kensa_scan::assess(&inventory, snapshot.as_ref(), &options).map_err(|error| error.to_string())?;
        Ok(assessment.findings)
    })
    .await
    .map_err(|error| format!("matching stopped: {error}"))??;

    let stored = shared
        .store
        .findings_of_resource(account_id, resource_id, FindingContent::StateOnly)
        .await
        .map_err(|error| error.to_string())?;
    let now = crate::now_seconds();
    let resource_key = job_key(account_id, resource_id);
    let suppressed_by_rule = |identity: &str, finding: &kensa_model::Finding| {
        if rules.is_empty() {
            return false;
        }
        // The rules see the finding as it would be listed were it not
        // suppressed: ACTIVE, under its current ARN and times.
        let previous = stored.iter().find(|stored| stored.identity == identity);
        let lifetime = previous.map_or(0, |previous| u32::try_from(previous.lifetime).unwrap_or(0));
        let finding_arn = arn(&shared.config.region, account_id, identity, lifetime);
        let context = kensa_api::inspector::FindingContext {
            finding_arn: &finding_arn,
            account_id,
            region: &shared.config.region,
            status: FindingStatus::Active.as_str(),
            first_observed_at: previous.map_or(now, |previous| previous.first_observed_at),
            last_observed_at: now,
            updated_at: previous.map_or(now, |previous| previous.updated_at),
            resource_id,
            resource_type: &resource.resource_type,
            tags: tags.clone(),
        };
        let listed = kensa_api::inspector::finding_of(finding, &context);
        rules.iter().any(|rule| rule.criteria.matches(&listed))
    };
    let mut documents = BTreeMap::new();
    let mut observations = Vec::with_capacity(matched.len());
    let mut vulnerability_ids: Vec<String> =
        matched.iter().flat_map(|finding| std::iter::once(&finding.id).chain(&finding.aliases)).cloned().collect();
    vulnerability_ids.sort();
    vulnerability_ids.dedup();
    for finding in matched {
        let identity = kensa_model::finding_identity(&resource_key, &finding);
        observations.push(Observation {
            identity: identity.clone(),
            suppressed: finding.suppressed.is_some() || suppressed_by_rule(&identity, &finding),
            content_digest: content_digest(&finding)?,
        });
        documents.insert(identity, finding);
    }
    let lifecycle_view: Vec<kensa_lifecycle::StoredFinding> = stored
        .into_iter()
        .map(|finding| kensa_lifecycle::StoredFinding {
            identity: finding.identity,
            lifetime: u32::try_from(finding.lifetime).unwrap_or(0),
            status: FindingStatus::parse(&finding.status).unwrap_or(FindingStatus::Active),
            first_observed_at: finding.first_observed_at,
            last_observed_at: finding.last_observed_at,
            updated_at: finding.updated_at,
            closed_at: finding.closed_at,
            content_digest: finding.content_digest,
        })
        .collect();
    let changes = kensa_lifecycle::reconcile(&lifecycle_view, &observations, now, &LifecycleRules::default());
    let mut writes = Vec::new();
    let mut closed = Vec::new();
    for change in changes {
        let finding = change.finding;
        let arn = arn(&shared.config.region, account_id, &finding.identity, finding.lifetime);
        match change.transition {
            // Seen again, unchanged: the resource's match time says so.
            Transition::Observed => continue,
            // It keeps what it last said; only its state changes.
            Transition::Closed => {
                closed.push(ClosedFinding {
                    arn,
                    closed_at: finding.closed_at.unwrap_or(now),
                    last_observed_at: finding.last_observed_at,
                });
                continue;
            }
            Transition::Opened | Transition::Reopened | Transition::Updated => {}
        }
        let Some(engine_finding) = documents.remove(&finding.identity) else {
            return Err(format!("finding {} changed without being observed", finding.identity));
        };
        // Only what is written is serialised: most findings of a re-match
        // are unchanged.
        let severity = kensa_api::inspector::severity_label(engine_finding.severity);
        let document = serde_json::to_string(&engine_finding).map_err(|error| error.to_string())?;
        writes.push(StoredFinding {
            arn,
            account_id: account_id.to_string(),
            resource_id: resource_id.to_string(),
            identity: finding.identity,
            lifetime: i64::from(finding.lifetime),
            status: finding.status.as_str().to_string(),
            severity: severity.to_string(),
            first_observed_at: finding.first_observed_at,
            last_observed_at: finding.last_observed_at,
            updated_at: finding.updated_at,
            closed_at: finding.closed_at,
            content_digest: finding.content_digest,
            document,
        });
    }
    Ok(Some(Outcome {
        account_id: account_id.to_string(),
        resource_id: resource_id.to_string(),
        sequence,
        advisory_generation,
        matched_at: now,
        findings: writes,
        closed,
        vulnerability_ids,
    }))
}

/// SHA-256 (hex) of the finding's JSON, hashed as it is written out rather
/// than serialised into a string first: a re-match digests every finding and
/// writes only the changed ones.
fn content_digest(finding: &kensa_model::Finding) -> Result<String, String> {
    use sha2::Digest;
    struct HashingWriter(sha2::Sha256);
    impl std::io::Write for HashingWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = HashingWriter(sha2::Sha256::new());
    serde_json::to_writer(&mut writer, finding).map_err(|error| error.to_string())?;
    Ok(writer.0.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}
