//! The durable job queue: jobs are rows. A worker claims due jobs under a
//! lease (`claimed_until`); finishing deletes the row, failing releases it
//! with a back-off. A worker that dies holds its jobs only until the lease
//! runs out, then another claims them: at-least-once, so every job is
//! idempotent (a re-match recomputes from the stored inventory).
//!
//! One job per `dedup_key` (e.g. one re-match per resource): queueing again
//! while one waits or runs bumps its `generation`, and a worker finishing an
//! older generation releases the job instead of deleting it, so the change
//! that arrived mid-run is matched too.

use sqlx::Row;

use crate::{Dialect, Store, StoreError, database_error};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobKind {
    /// Match a resource's latest inventory; the key is `account/resource`.
    MatchResource,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            JobKind::MatchResource => "match-resource",
        }
    }

    fn parse(text: &str) -> Option<JobKind> {
        match text {
            "match-resource" => Some(JobKind::MatchResource),
            _ => None,
        }
    }
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Row id.
    pub job_id: i64,
    /// What to do.
    pub kind: JobKind,
    /// On what (`account/resource`).
    pub key: String,
    /// The generation claimed.
    pub generation: i64,
    /// How many times it was claimed, this one included.
    pub attempts: i64,
}

/// What a worker asks [`Store::claim_jobs`] for.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// The worker's id (renewals must name it).
    pub worker: &'a str,
    /// Now (seconds).
    pub now: i64,
    /// How long the claim lasts unless renewed.
    pub lease_seconds: i64,
    /// At most this many jobs.
    pub limit: i64,
    /// The advisory generation the worker matches with.
    pub advisory_generation: i64,
}

pub(crate) async fn enqueue_in(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    kind: JobKind,
    key: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    // A push's match needs the newest registered advisory database: a
    // replica still on an older one must not match what a change it has not
    // seen would alter.
    sqlx::query(
        "INSERT INTO jobs (kind, dedup_key, generation, run_after, attempts, created_at, required_generation) \
         VALUES ($1, $2, 0, $3, 0, $3, (SELECT COALESCE(MAX(generation), 0) FROM advisory_generations)) \
         ON CONFLICT (dedup_key) DO UPDATE SET generation = jobs.generation + 1, run_after = \
         CASE WHEN jobs.run_after < excluded.run_after THEN jobs.run_after ELSE excluded.run_after END, \
         required_generation = CASE WHEN jobs.required_generation < excluded.required_generation \
         THEN excluded.required_generation ELSE jobs.required_generation END",
    )
    .bind(kind.as_str())
    .bind(format!("{}:{key}", kind.as_str()))
    .bind(now)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

/// [`Store::complete_job`] inside a transaction.
pub(crate) async fn complete_job_in(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    job: &Job,
) -> Result<(), sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM jobs WHERE job_id = $1 AND generation = $2")
        .bind(job.job_id)
        .bind(job.generation)
        .execute(&mut **transaction)
        .await?;
    if deleted.rows_affected() == 0 {
        sqlx::query("UPDATE jobs SET claimed_by = NULL, claimed_until = NULL, attempts = 0 WHERE job_id = $1")
            .bind(job.job_id)
            .execute(&mut **transaction)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Claims up to `limit` due jobs for `worker` for `lease_seconds`,
    /// among those a worker holding `advisory_generation` may run (jobs
    /// queued for a newer database wait for a replica that has it).
    pub async fn claim_jobs(&self, claim: &Claim<'_>) -> Result<Vec<Job>, StoreError> {
        const OPERATION: &str = "claim jobs";
        let lock = if self.dialect == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE jobs SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 WHERE job_id IN \
             (SELECT job_id FROM jobs WHERE run_after <= $3 AND (claimed_until IS NULL OR claimed_until < $3) \
             AND required_generation <= $5 ORDER BY run_after, job_id LIMIT $4{lock}) RETURNING job_id, kind, dedup_key, generation, attempts"
        );
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(claim.worker)
            .bind(claim.now + claim.lease_seconds)
            .bind(claim.now)
            .bind(claim.limit)
            .bind(claim.advisory_generation)
            .fetch_all(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        let mut jobs = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("kind").map_err(database_error(OPERATION))?;
            let dedup_key: String = row.try_get("dedup_key").map_err(database_error(OPERATION))?;
            let kind = JobKind::parse(&kind)
                .ok_or_else(|| StoreError::Damaged { what: "job kind", detail: format!("unknown kind '{kind}'") })?;
            let key = dedup_key.split_once(':').map(|(_, key)| key.to_string()).unwrap_or_default();
            jobs.push(Job {
                job_id: row.try_get("job_id").map_err(database_error(OPERATION))?,
                kind,
                key,
                generation: row.try_get("generation").map_err(database_error(OPERATION))?,
                attempts: row.try_get("attempts").map_err(database_error(OPERATION))?,
            });
        }
        jobs.sort_by_key(|job| job.job_id);
        Ok(jobs)
    }

    /// Finishes a job: deleted if nothing was queued for its key since the
    /// claim, released to run again otherwise.
    pub async fn complete_job(&self, job: &Job) -> Result<(), StoreError> {
        const OPERATION: &str = "complete a job";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        complete_job_in(&mut transaction, job).await.map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))
    }

    /// Extends `worker`'s claim on several jobs at once.
    pub async fn renew_jobs(&self, jobs: &[Job], worker: &str, claimed_until: i64) -> Result<u64, StoreError> {
        const OPERATION: &str = "renew jobs' leases";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        let mut renewed = 0;
        for job in jobs {
            renewed += sqlx::query("UPDATE jobs SET claimed_until = $3 WHERE job_id = $1 AND claimed_by = $2")
                .bind(job.job_id)
                .bind(worker)
                .bind(claimed_until)
                .execute(&mut *transaction)
                .await
                .map_err(database_error(OPERATION))?
                .rows_affected();
        }
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(renewed)
    }

    /// Gives a failed job back, to run again after `retry_at`.
    pub async fn fail_job(&self, job: &Job, error: &str, retry_at: i64) -> Result<(), StoreError> {
        const OPERATION: &str = "release a failed job";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        sqlx::query(
            "UPDATE jobs SET claimed_by = NULL, claimed_until = NULL, run_after = $2, last_error = $3 WHERE job_id = $1",
        )
        .bind(job.job_id)
        .bind(retry_at)
        .bind(error)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))
    }

    /// When the oldest job due at `now` became due (for the re-match lag).
    pub async fn oldest_due_job(&self, now: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MIN(run_after) AS due FROM jobs WHERE run_after <= $1")
            .bind(now)
            .fetch_one(self.pool())
            .await
            .map_err(database_error("measure the re-match lag"))?;
        row.try_get("due").map_err(database_error("measure the re-match lag"))
    }

    /// How many jobs wait or run.
    pub async fn queue_depth(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS depth FROM jobs")
            .fetch_one(self.pool())
            .await
            .map_err(database_error("measure the queue"))?;
        row.try_get("depth").map_err(database_error("measure the queue"))
    }
}
