//! Advisory database generations: every advisory database a replica matches
//! with is registered here under its content fingerprint, numbered in the
//! order they arrived. Registering a new one queues, in the same
//! transaction, the re-match of exactly the resources its change touches
//! (through the package and vulnerability indexes), each job requiring that
//! generation: a replica still holding an older database never claims them,
//! so no finding is ever written from data older than the change that asked
//! for it, and a replica that dies mid-way loses nothing (the jobs stay).
//!
//! Leases name singleton work (the scheduled database update): one holder
//! at a time, taken over when the holder stops renewing.

use sqlx::Row;

use crate::{Dialect, Store, StoreError, database_error};

/// A registered advisory database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryGeneration {
    /// 1, 2, … in registration order.
    pub generation: i64,
    /// The database file's content fingerprint (SHA-256, hex).
    pub fingerprint: String,
    /// Which replica registered it.
    pub registered_by: String,
    /// When (seconds).
    pub registered_at: i64,
    /// How many re-match requests registering it queued.
    pub queued_resources: i64,
}

/// Which resources a new generation must re-match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rematch {
    /// Every live resource: the previous database is unknown (first start,
    /// a change while the server was down, another format version) or the
    /// change reaches every finding (a new day of EPSS scores).
    Everything,
    /// The resources holding one of these package keys (`ecosystem:name`,
    /// as [`crate::NewInventory::package_keys`]) or having a finding with
    /// one of these vulnerability ids (KEV and CVSS changes).
    Only {
        /// Package keys.
        package_keys: Vec<String>,
        /// Vulnerability ids (`CVE-…`, advisory ids and aliases).
        vulnerability_ids: Vec<String>,
    },
}

/// The PostgreSQL advisory lock generations are registered under.
const GENERATION_LOCK: i64 = 4_712_345_002;

/// How many values one `IN (…)` list binds.
const CHUNK: usize = 500;

fn generation_from_row(row: &sqlx::any::AnyRow) -> Result<AdvisoryGeneration, sqlx::Error> {
    Ok(AdvisoryGeneration {
        generation: row.try_get("generation")?,
        fingerprint: row.try_get("fingerprint")?,
        registered_by: row.try_get("registered_by")?,
        registered_at: row.try_get("registered_at")?,
        queued_resources: row.try_get("queued_resources")?,
    })
}

const GENERATION_COLUMNS: &str = "generation, fingerprint, registered_by, registered_at, queued_resources";

/// `INSERT … SELECT` of re-match jobs, merged into waiting ones as a push is.
/// Queues a re-match of every resource `source` (a FROM clause whose
/// parameters follow) names; binds: now, now, generation, then the source's.
/// The newest registered advisory generation (0: none), read inside the
/// transaction that queues re-matches for it.
pub(crate) async fn newest_generation_in(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COALESCE(MAX(generation), 0) AS generation FROM advisory_generations")
        .fetch_one(&mut **transaction)
        .await?
        .try_get("generation")
}

pub(crate) fn rematch_insert(
    parameters: &mut crate::Parameters,
    source: impl FnOnce(&mut crate::Parameters) -> String,
) -> String {
    let (run_after, created_at, generation) = (parameters.next(), parameters.next(), parameters.next());
    format!(
        "INSERT INTO jobs (kind, dedup_key, generation, run_after, attempts, created_at, required_generation) \
         SELECT DISTINCT 'match-resource', 'match-resource:' || account_id || '/' || resource_id, 0, {run_after}, 0, \
         {created_at}, {generation} FROM {} ON CONFLICT (dedup_key) DO UPDATE SET generation = jobs.generation + 1, \
         run_after = CASE WHEN jobs.run_after < excluded.run_after THEN jobs.run_after ELSE excluded.run_after END, \
         required_generation = CASE WHEN jobs.required_generation < excluded.required_generation \
         THEN excluded.required_generation ELSE jobs.required_generation END",
        source(parameters)
    )
}

impl Store {
    /// The newest generation registered under a fingerprint (a database
    /// can come back: a rollback registers it again, as a new generation).
    pub async fn generation_of(&self, fingerprint: &str) -> Result<Option<AdvisoryGeneration>, StoreError> {
        const OPERATION: &str = "read an advisory generation";
        let sql = format!(
            "SELECT {GENERATION_COLUMNS} FROM advisory_generations WHERE fingerprint = $1 \
             ORDER BY generation DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(fingerprint)
            .fetch_optional(self.pool())
            .await
            .map_err(database_error(OPERATION))?;
        row.as_ref().map(generation_from_row).transpose().map_err(database_error(OPERATION))
    }

    /// The newest registered generation.
    pub async fn current_generation(&self) -> Result<Option<AdvisoryGeneration>, StoreError> {
        const OPERATION: &str = "read the current advisory generation";
        let sql = format!("SELECT {GENERATION_COLUMNS} FROM advisory_generations ORDER BY generation DESC LIMIT 1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_optional(self.pool())
            .await
            .map_err(database_error(OPERATION))?;
        row.as_ref().map(generation_from_row).transpose().map_err(database_error(OPERATION))
    }

    /// Registers the database with `fingerprint` as the newest generation
    /// and queues the re-matches `rematch` names, in one transaction;
    /// returns the newest generation unchanged when it is this database
    /// already (another replica registered it first). A database equal to
    /// an older generation is registered anew: it came back (a rollback),
    /// and what it changes must be matched.
    pub async fn register_generation(
        &self,
        fingerprint: &str,
        registered_by: &str,
        now: i64,
        rematch: &Rematch,
    ) -> Result<AdvisoryGeneration, StoreError> {
        const OPERATION: &str = "register an advisory generation";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT pg_advisory_xact_lock({GENERATION_LOCK})")))
                .execute(&mut *transaction)
                .await
                .map_err(database_error(OPERATION))?;
        }
        let sql = format!("SELECT {GENERATION_COLUMNS} FROM advisory_generations ORDER BY generation DESC LIMIT 1");
        let newest = match sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_optional(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?
        {
            Some(row) => Some(generation_from_row(&row).map_err(database_error(OPERATION))?),
            None => None,
        };
        if let Some(newest) = newest.as_ref().filter(|newest| newest.fingerprint == fingerprint) {
            return Ok(newest.clone());
        }
        let generation = newest.map_or(1, |newest| newest.generation + 1);
        let mut queued: u64 = 0;
        match rematch {
            Rematch::Everything => {
                let sql = rematch_insert(&mut crate::Parameters::new(self.dialect), |_| {
                    "resources WHERE deleted_at IS NULL".to_string()
                });
                queued += sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now)
                    .bind(now)
                    .bind(generation)
                    .execute(&mut *transaction)
                    .await
                    .map_err(database_error(OPERATION))?
                    .rows_affected();
            }
            Rematch::Only { package_keys, vulnerability_ids } => {
                for (index, values) in [
                    (crate::index::Index::Packages, package_keys),
                    (crate::index::Index::Vulnerabilities, vulnerability_ids),
                ] {
                    for chunk in values.chunks(CHUNK) {
                        let sql = rematch_insert(&mut crate::Parameters::new(self.dialect), |parameters| {
                            index.resources_holding(parameters, chunk.len())
                        });
                        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(now).bind(generation);
                        for value in chunk {
                            query = query.bind(value);
                        }
                        queued +=
                            query.execute(&mut *transaction).await.map_err(database_error(OPERATION))?.rows_affected();
                    }
                }
            }
        }
        let queued = i64::try_from(queued).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO advisory_generations (generation, fingerprint, registered_by, registered_at, \
             queued_resources) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(generation)
        .bind(fingerprint)
        .bind(registered_by)
        .bind(now)
        .bind(queued)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(AdvisoryGeneration {
            generation,
            fingerprint: fingerprint.to_string(),
            registered_by: registered_by.to_string(),
            registered_at: now,
            queued_resources: queued,
        })
    }

    /// Takes or renews the lease `name` for `holder` until `now + seconds`;
    /// false while another holder's lease runs.
    pub async fn try_lease(&self, name: &str, holder: &str, now: i64, seconds: i64) -> Result<bool, StoreError> {
        const OPERATION: &str = "take a lease";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        let taken = sqlx::query(
            "INSERT INTO leases (name, holder, held_until) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE \
             SET holder = excluded.holder, held_until = excluded.held_until \
             WHERE leases.holder = excluded.holder OR leases.held_until < $4",
        )
        .bind(name)
        .bind(holder)
        .bind(now + seconds)
        .bind(now)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(taken.rows_affected() > 0)
    }

    /// Takes the lease `name` for `holder` until `until` only if nobody
    /// holds it now (absent or run out) — the holder included: used as a
    /// schedule ("due after"), where renewing one's own would run the work
    /// again and again.
    pub async fn take_when_due(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        const OPERATION: &str = "take a due lease";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        let taken = sqlx::query(
            "INSERT INTO leases (name, holder, held_until) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE \
             SET holder = excluded.holder, held_until = excluded.held_until WHERE leases.held_until < $4",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(taken.rows_affected() > 0)
    }

    /// Sets the lease `name` to `holder` until `until`, whoever held it.
    pub async fn set_lease(&self, name: &str, holder: &str, until: i64) -> Result<(), StoreError> {
        const OPERATION: &str = "set a lease";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        sqlx::query(
            "INSERT INTO leases (name, holder, held_until) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE \
             SET holder = excluded.holder, held_until = excluded.held_until",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))
    }

    /// Gives a lease up (a holder shutting down cleanly).
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        const OPERATION: &str = "release a lease";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))
    }
}
