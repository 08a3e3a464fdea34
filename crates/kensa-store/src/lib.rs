//! The server's state, behind one interface over two backends: one SQLite
//! file (WAL, the embedded default) and PostgreSQL (several replicas side by
//! side). Queries are written once, with `$N` placeholders both accept
//! (statements built at run time take theirs from [`Parameters`]), and
//! run through sqlx's `Any` driver; where the dialects differ (column types
//! in migrations, `FOR UPDATE SKIP LOCKED`) [`Dialect`] says which to use.
//!
//! What lives here: accounts and access keys (secrets sealed by the caller),
//! resources with their latest inventory and the package index re-matching
//! reads, findings with their lifecycle timestamps, and the durable job queue
//! (rows claimed under a lease, so a worker that dies loses nothing: its jobs
//! are claimed again once the lease runs out).
//!
//! Dynamic SQL (`sqlx::AssertSqlSafe`) is only ever built from constants
//! and placeholder counts, never from input: values are always bound.
//!
//! What does not: the Inspector wire shapes (finding documents are stored as
//! the server serialised them), matching, signatures.

mod compression;
mod configuration;
mod filters;
mod generations;
mod index;
mod migrations;
mod queue;
mod retention;

use std::sync::Arc;

use sqlx::Row;
use sqlx::any::{AnyPoolOptions, AnyRow};

pub use compression::deflate;
pub use configuration::AccountConfiguration;
pub use filters::{FilterWrite, StoredFilter};
pub use generations::{AdvisoryGeneration, Rematch};
pub use queue::{Claim, Job, JobKind};
pub use retention::{Purged, Retention};

/// Errors of the store, naming the operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be reached or refused a statement.
    #[error("{operation}: {source}")]
    Database {
        /// What was being done.
        operation: &'static str,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The URL names no supported backend.
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The database was written by a newer Kensa.
    #[error("the database is at schema version {found}, newer than this Kensa's {supported}: upgrade Kensa")]
    NewerSchema {
        /// The version found.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// A stored value is not what this build writes.
    #[error("stored {what} is damaged: {detail}")]
    Damaged {
        /// Which value.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

pub(crate) fn database_error(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database { operation, source }
}

/// Which SQL dialect the store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// One SQLite file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// An open store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: sqlx::AnyPool,
    /// SQLite: connections with `synchronous = NORMAL`, for the workers'
    /// bookkeeping (see [`Store::begin_bookkeeping`]); the main pool on
    /// PostgreSQL.
    bookkeeping_pool: sqlx::AnyPool,
    dialect: Dialect,
    /// SQLite allows one writer: write transactions of this process queue
    /// here instead of failing with `SQLITE_BUSY` when a deferred
    /// transaction tries to upgrade.
    sqlite_writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// Pool options: on SQLite, each connection in WAL mode with the given
/// `synchronous` level.
fn pool_options(dialect: Dialect, synchronous: &'static str) -> AnyPoolOptions {
    let options = AnyPoolOptions::new().max_connections(match dialect {
        Dialect::Sqlite => 4,
        Dialect::Postgres => 8,
    });
    if dialect != Dialect::Sqlite {
        return options;
    }
    options.after_connect(move |connection, _| {
        Box::pin(async move {
            // WAL: readers never wait for the writer. FULL: a commit is on
            // disk before the server acknowledges it, so what was
            // acknowledged survives a SIGKILL and a power cut. NORMAL (the
            // bookkeeping pool): a commit survives a SIGKILL, and the next
            // FULL commit's sync of the same log makes it durable too.
            // A 64 MiB page cache and memory-mapped reads: the package index
            // is written in key order of package, not of resource, so its
            // pages are touched all over; SQLite's 2 MiB default made every
            // push read pages back from the kernel.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA busy_timeout = 10000; \
                 PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA mmap_size = 1073741824; \
                 PRAGMA temp_store = MEMORY;"
            )))
            .execute(connection)
            .await?;
            Ok(())
        })
    })
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// 12 digits.
    pub account_id: String,
    /// The administrator account this one is a member of; `None` for an
    /// administrator.
    pub administrator_account_id: Option<String>,
    /// When it was created (seconds).
    pub created_at: i64,
}

/// An access key as stored: the secret sealed by the server key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// `KENSA…` id.
    pub access_key_id: String,
    /// The account it acts for.
    pub account_id: String,
    /// `administrator`, `read-only` or `ingest`.
    pub role: String,
    /// The secret, sealed (nonce + ciphertext).
    pub sealed_secret: Vec<u8>,
    /// When it was created (seconds).
    pub created_at: i64,
}

/// What turns a resource's previous inventory document (none for a new
/// resource) into the history entry stored with the new one.
pub type History<'a> = &'a (dyn Fn(Option<&[u8]>) -> String + Sync);

/// An inventory to store, with what indexes it.
#[derive(Debug, Clone)]
pub struct NewInventory {
    /// Owner.
    pub account_id: String,
    /// The resource's id within the account.
    pub resource_id: String,
    /// Inspector's resource type (`AWS_EC2_INSTANCE`, …).
    pub resource_type: String,
    /// The resource's tags, JSON object; `{}` keeps the tags stored (an
    /// agent re-reporting need not repeat them), any other replaces them.
    pub tags_json: String,
    /// The inventory document (Kensa inventory JSON), [`deflate`]d: the
    /// caller compresses it off the store's write path.
    pub deflated_document: Vec<u8>,
    /// SHA-256 of the document.
    pub digest: String,
    /// Normalised package keys (`ecosystem:name`), de-duplicated: the index
    /// re-matching uses to find the resources a database change touches.
    pub package_keys: Vec<String>,
    /// Receipt time (seconds).
    pub received_at: i64,
}

/// One entry of a resource's inventory history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The inventory's sequence.
    pub sequence: i64,
    /// When it arrived.
    pub received_at: i64,
    /// Its digest.
    pub digest: String,
    /// What changed from the previous one, as the caller serialised it.
    pub changes: String,
}

/// A resource as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResource {
    /// Owner.
    pub account_id: String,
    /// Id within the account.
    pub resource_id: String,
    /// Inspector's resource type.
    pub resource_type: String,
    /// Tags, JSON object.
    pub tags_json: String,
    /// The sequence number of the latest inventory (1, 2, …).
    pub inventory_sequence: i64,
    /// The inventory sequence the findings were last matched from (0: never).
    pub matched_sequence: i64,
    /// When the latest inventory arrived.
    pub last_inventory_at: i64,
    /// When the findings were last matched.
    pub last_matched_at: Option<i64>,
    /// The advisory generation they were last matched against (0: never).
    pub matched_generation: i64,
}

/// What coverage is decided from, of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceCoverage {
    /// Owner.
    pub account_id: String,
    /// Id within the account.
    pub resource_id: String,
    /// Inspector's resource type.
    pub resource_type: String,
    /// Tags, JSON object.
    pub tags_json: String,
    /// When the latest inventory arrived.
    pub last_inventory_at: i64,
    /// When the findings were last matched.
    pub last_matched_at: Option<i64>,
    /// When it was deleted, until purged.
    pub deleted_at: Option<i64>,
}

/// A finding as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    /// The full ARN.
    pub arn: String,
    /// Owner.
    pub account_id: String,
    /// The resource it is on.
    pub resource_id: String,
    /// The engine's identity.
    pub identity: String,
    /// Which life of the identity.
    pub lifetime: i64,
    /// `ACTIVE`, `SUPPRESSED`, `CLOSED`.
    pub status: String,
    /// Severity label (`CRITICAL`…).
    pub severity: String,
    /// Seconds.
    pub first_observed_at: i64,
    /// Seconds.
    pub last_observed_at: i64,
    /// Seconds.
    pub updated_at: i64,
    /// Seconds, while closed.
    pub closed_at: Option<i64>,
    /// Digest of the content, for the lifecycle.
    pub content_digest: String,
    /// The finding as the server serialised it.
    pub document: String,
}

/// A finding a match closes: only its state changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedFinding {
    /// The full ARN.
    pub arn: String,
    /// When (seconds): its `updated_at` and `closed_at`.
    pub closed_at: i64,
    /// When it was last seen (seconds).
    pub last_observed_at: i64,
}

/// A match's outcome, for [`Store::record_match`].
#[derive(Debug, Clone, Copy)]
pub struct MatchRecord<'a> {
    /// Owner.
    pub account_id: &'a str,
    /// The resource matched.
    pub resource_id: &'a str,
    /// The inventory sequence matched.
    pub matched_sequence: i64,
    /// The advisory generation matched against.
    pub advisory_generation: i64,
    /// When (seconds).
    pub matched_at: i64,
    /// The findings opened, reopened or updated (written whole).
    pub findings: &'a [StoredFinding],
    /// The findings this match no longer sees.
    pub closed: &'a [ClosedFinding],
    /// Every vulnerability id (ids and aliases) the resource's open findings
    /// carry, de-duplicated.
    pub vulnerability_ids: &'a [String],
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingQuery {
    /// The accounts whose findings the caller may see (never empty in use).
    pub account_ids: Vec<String>,
    /// Only these statuses, when not empty.
    pub statuses: Vec<String>,
    /// Only these severities, when not empty.
    pub severities: Vec<String>,
    /// Only this resource.
    pub resource_id: Option<String>,
    /// Keyset position: findings strictly after this (updated_at, arn) in
    /// the listing order (updated_at descending, arn descending).
    pub after: Option<(i64, String)>,
    /// At most this many.
    pub limit: i64,
}

const SCHEMA_VERSION: i64 = migrations::MIGRATIONS.len() as i64;

/// One finding's state as [`Store::findings_of_resource`] aggregates it:
/// arn, identity, lifetime, status, severity, first/last observation,
/// update, closing, content digest.
type FindingStateRow = (String, String, i64, String, String, i64, i64, i64, Option<i64>, String);

fn resource_from_row(row: &AnyRow) -> Result<StoredResource, sqlx::Error> {
    Ok(StoredResource {
        account_id: row.try_get("account_id")?,
        resource_id: row.try_get("resource_id")?,
        resource_type: row.try_get("resource_type")?,
        tags_json: row.try_get("tags_json")?,
        inventory_sequence: row.try_get("inventory_sequence")?,
        matched_sequence: row.try_get("matched_sequence")?,
        last_inventory_at: row.try_get("last_inventory_at")?,
        last_matched_at: row.try_get("last_matched_at")?,
        matched_generation: row.try_get("matched_generation")?,
    })
}

fn finding_from_row(row: &AnyRow) -> Result<StoredFinding, sqlx::Error> {
    Ok(StoredFinding {
        arn: row.try_get("arn")?,
        account_id: row.try_get("account_id")?,
        resource_id: row.try_get("resource_id")?,
        identity: row.try_get("identity")?,
        lifetime: row.try_get("lifetime")?,
        status: row.try_get("status")?,
        severity: row.try_get("severity")?,
        first_observed_at: row.try_get("first_observed_at")?,
        last_observed_at: row.try_get("last_observed_at")?,
        updated_at: row.try_get("updated_at")?,
        closed_at: row.try_get("closed_at")?,
        content_digest: row.try_get("content_digest")?,
        document: row.try_get("document")?,
    })
}

const FINDING_COLUMNS: &str = "arn, account_id, resource_id, identity, lifetime, status, severity, first_observed_at, \
     last_observed_at, updated_at, closed_at, content_digest, document";

/// The columns a read of `findings f` selects. An open finding was observed
/// by its resource's latest match (a match closes what it no longer sees),
/// so its `last_observed_at` is the resource's `last_matched_at`: a match
/// rewrites only the findings that changed, not every one it saw again.
fn finding_read_columns(content: FindingContent) -> String {
    let document = match content {
        FindingContent::Full => "f.document",
        FindingContent::StateOnly => "'' AS document",
    };
    format!(
        "f.arn, f.account_id, f.resource_id, f.identity, f.lifetime, f.status, f.severity, f.first_observed_at, \
         CASE WHEN f.status = 'CLOSED' THEN f.last_observed_at ELSE COALESCE((SELECT CASE WHEN \
         r.last_matched_at > f.last_observed_at THEN r.last_matched_at ELSE f.last_observed_at END FROM resources r \
         WHERE r.account_id = f.account_id AND r.resource_id = f.resource_id), f.last_observed_at) END \
         AS last_observed_at, f.updated_at, f.closed_at, f.content_digest, {document}"
    )
}

/// Whether a read of findings carries their documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingContent {
    /// Everything.
    Full,
    /// The lifecycle state only (`document` is empty): what a match
    /// reconciles against.
    StateOnly,
}

/// Parameter placeholders for one statement, in the order they are bound.
///
/// SQLite gets anonymous `?`: a `$N` name is looked up by a linear scan,
/// both by SQLite's parser and when sqlx asks each parameter's name before
/// binding, which made a statement of a few thousand parameters (one
/// match's findings) quadratic and most of a match's cost. PostgreSQL needs
/// `$N`. Every parameter of a statement must come from one `Parameters`
/// (sqlx binds anonymous ones by position, named ones by number).
pub(crate) struct Parameters {
    dialect: Dialect,
    used: usize,
}

impl Parameters {
    pub(crate) fn new(dialect: Dialect) -> Parameters {
        Parameters { dialect, used: 0 }
    }

    /// For a statement on `connection`.
    pub(crate) fn on(connection: &sqlx::AnyConnection) -> Parameters {
        let dialect =
            if connection.backend_name().eq_ignore_ascii_case("sqlite") { Dialect::Sqlite } else { Dialect::Postgres };
        Parameters::new(dialect)
    }

    /// The next parameter.
    pub(crate) fn next(&mut self) -> String {
        self.used += 1;
        match self.dialect {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => format!("${}", self.used),
        }
    }

    /// The next `count` parameters, comma-separated.
    pub(crate) fn list(&mut self, count: usize) -> String {
        (0..count).map(|_| self.next()).collect::<Vec<_>>().join(", ")
    }
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the store at
    /// `url`: `sqlite://PATH` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let url =
            if dialect == Dialect::Sqlite && !url.contains('?') { format!("{url}?mode=rwc") } else { url.to_string() };
        let pool = pool_options(dialect, "FULL").connect(&url).await.map_err(database_error("connect to the store"))?;
        let bookkeeping_pool = match dialect {
            Dialect::Sqlite => pool_options(dialect, "NORMAL")
                .max_connections(2)
                .connect(&url)
                .await
                .map_err(database_error("connect to the store"))?,
            Dialect::Postgres => pool.clone(),
        };
        let store = Store {
            pool,
            bookkeeping_pool,
            dialect,
            sqlite_writer: (dialect == Dialect::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(()))),
        };
        migrations::run(&store).await?;
        Ok(store)
    }

    /// The dialect in use.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The schema version this build writes.
    pub fn schema_version() -> i64 {
        SCHEMA_VERSION
    }

    /// SQLite's one writer: this process's write transactions wait here.
    async fn writer_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.sqlite_writer {
            Some(lock) => Some(Arc::clone(lock).lock_owned().await),
            None => None,
        }
    }

    /// A write transaction whose commit is on disk before it returns.
    pub(crate) async fn begin_write(
        &self,
        operation: &'static str,
    ) -> Result<(Option<tokio::sync::OwnedMutexGuard<()>>, sqlx::Transaction<'static, sqlx::Any>), StoreError> {
        let guard = self.writer_turn().await;
        let transaction = self.pool.begin().await.map_err(database_error(operation))?;
        Ok((guard, transaction))
    }

    /// A write transaction for what can be recomputed — job claims,
    /// renewals and ends, match outcomes, leases, purges — committed without
    /// waiting for the disk: on SQLite a `synchronous = NORMAL` connection
    /// (it survives a SIGKILL; a power cut can lose only a suffix of such
    /// commits, and never one before an acknowledged push, whose FULL sync
    /// covers the whole log), on PostgreSQL `synchronous_commit = off` for
    /// the transaction. Whatever is lost is redone: a job not marked done
    /// runs again, a match recomputes.
    pub(crate) async fn begin_bookkeeping(
        &self,
        operation: &'static str,
    ) -> Result<(Option<tokio::sync::OwnedMutexGuard<()>>, sqlx::Transaction<'static, sqlx::Any>), StoreError> {
        let guard = self.writer_turn().await;
        let mut transaction = self.bookkeeping_pool.begin().await.map_err(database_error(operation))?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *transaction)
                .await
                .map_err(database_error(operation))?;
        }
        Ok((guard, transaction))
    }

    /// Closes the pools, waiting for connections to return.
    pub async fn close(&self) {
        self.pool.close().await;
        self.bookkeeping_pool.close().await;
    }

    /// Whether any account exists (`server init` was run).
    pub async fn has_accounts(&self) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS count FROM accounts")
            .fetch_one(&self.pool)
            .await
            .map_err(database_error("count accounts"))?;
        let count: i64 = row.try_get("count").map_err(database_error("count accounts"))?;
        Ok(count > 0)
    }

    /// Creates an account and its first access key in one transaction.
    pub async fn create_account(&self, account: &Account, key: &AccessKey) -> Result<(), StoreError> {
        let (_guard, mut transaction) = self.begin_write("create an account").await?;
        sqlx::query("INSERT INTO accounts (account_id, administrator_account_id, created_at) VALUES ($1, $2, $3)")
            .bind(&account.account_id)
            .bind(account.administrator_account_id.clone())
            .bind(account.created_at)
            .execute(&mut *transaction)
            .await
            .map_err(database_error("create an account"))?;
        insert_key(&mut transaction, key).await?;
        transaction.commit().await.map_err(database_error("create an account"))
    }

    /// Adds an access key to an existing account.
    pub async fn create_access_key(&self, key: &AccessKey) -> Result<(), StoreError> {
        let (_guard, mut transaction) = self.begin_write("create an access key").await?;
        insert_key(&mut transaction, key).await?;
        transaction.commit().await.map_err(database_error("create an access key"))
    }

    /// An account by id.
    pub async fn account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        let row =
            sqlx::query("SELECT account_id, administrator_account_id, created_at FROM accounts WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error("read an account"))?;
        row.map(|row| {
            Ok(Account {
                account_id: row.try_get("account_id")?,
                administrator_account_id: row.try_get("administrator_account_id")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
        .map_err(database_error("read an account"))
    }

    /// The member accounts of an administrator.
    pub async fn member_accounts(&self, administrator_account_id: &str) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT account_id FROM accounts WHERE administrator_account_id = $1 ORDER BY account_id")
                .bind(administrator_account_id)
                .fetch_all(&self.pool)
                .await
                .map_err(database_error("list member accounts"))?;
        rows.iter()
            .map(|row| row.try_get("account_id"))
            .collect::<Result<_, _>>()
            .map_err(database_error("list member accounts"))
    }

    /// An access key by id.
    pub async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKey>, StoreError> {
        let row = sqlx::query(
            "SELECT access_key_id, account_id, role, sealed_secret, created_at FROM access_keys \
             WHERE access_key_id = $1 AND disabled = 0",
        )
        .bind(access_key_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(database_error("read an access key"))?;
        row.map(|row| {
            Ok(AccessKey {
                access_key_id: row.try_get("access_key_id")?,
                account_id: row.try_get("account_id")?,
                role: row.try_get("role")?,
                sealed_secret: row.try_get("sealed_secret")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
        .map_err(database_error("read an access key"))
    }

    /// Stores a resource's new inventory, replaces its package index,
    /// records its history entry and queues its re-match, in one
    /// transaction: once this returns, the inventory is durable and will be
    /// matched even if the process dies. `history` turns the previous
    /// inventory document (none for a new resource) into the entry stored
    /// for this one (what changed, as the caller serialises it); it runs
    /// inside the transaction, after the resource's row is locked, so
    /// concurrent pushes to one resource each see their true predecessor.
    /// Returns the inventory's sequence number.
    pub async fn store_inventory(
        &self,
        inventory: &NewInventory,
        history: &(dyn Fn(Option<&[u8]>) -> String + Sync),
    ) -> Result<i64, StoreError> {
        let sequences = self.store_inventories(&[(inventory, history)]).await?;
        sequences.first().copied().ok_or(StoreError::Damaged { what: "a push", detail: "no sequence".to_string() })
    }

    /// Stores several inventories as [`Store::store_inventory`] does, in
    /// one transaction (group commit: concurrent pushes share one sync of
    /// the log, and the index pages they share are written once); in the
    /// order given, so two pushes of one resource see each other. Returns
    /// their sequence numbers; on an error nothing of the batch is stored.
    pub async fn store_inventories(&self, batch: &[(&NewInventory, History<'_>)]) -> Result<Vec<i64>, StoreError> {
        const OPERATION: &str = "store inventories";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        let mut sequences = Vec::with_capacity(batch.len());
        for (inventory, history) in batch {
            sequences.push(
                store_inventory_in(&mut transaction, inventory, *history).await.map_err(database_error(OPERATION))?,
            );
        }
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(sequences)
    }

    /// A resource's inventory history, newest first, at most `limit`
    /// entries from before sequence `before` (from the newest when `None`).
    pub async fn inventory_history(
        &self,
        account_id: &str,
        resource_id: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        const OPERATION: &str = "read an inventory history";
        let rows = sqlx::query(
            "SELECT sequence, received_at, digest, changes, changes_deflated FROM inventory_history \
             WHERE account_id = $1 \
             AND resource_id = $2 AND sequence < $3 ORDER BY sequence DESC LIMIT $4",
        )
        .bind(account_id)
        .bind(resource_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(database_error(OPERATION))?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in &rows {
            let deflated: Option<Vec<u8>> = row.try_get("changes_deflated").map_err(database_error(OPERATION))?;
            let changes = match deflated {
                Some(deflated) => {
                    let changes = compression::inflate("inventory history entry", compression::DEFLATE, deflated)?;
                    String::from_utf8(changes).map_err(|error| StoreError::Damaged {
                        what: "inventory history entry",
                        detail: error.to_string(),
                    })?
                }
                None => row.try_get("changes").map_err(database_error(OPERATION))?,
            };
            entries.push(HistoryEntry {
                sequence: row.try_get("sequence").map_err(database_error(OPERATION))?,
                received_at: row.try_get("received_at").map_err(database_error(OPERATION))?,
                digest: row.try_get("digest").map_err(database_error(OPERATION))?,
                changes,
            });
        }
        Ok(entries)
    }

    /// A resource by account and id.
    pub async fn resource(&self, account_id: &str, resource_id: &str) -> Result<Option<StoredResource>, StoreError> {
        let row = sqlx::query(
            "SELECT account_id, resource_id, resource_type, tags_json, inventory_sequence, matched_sequence, \
             last_inventory_at, last_matched_at, matched_generation FROM resources WHERE account_id = $1 \
             AND resource_id = $2 AND deleted_at IS NULL",
        )
        .bind(account_id)
        .bind(resource_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(database_error("read a resource"))?;
        row.as_ref().map(resource_from_row).transpose().map_err(database_error("read a resource"))
    }

    /// Several resources by (account, id) in one read, deleted ones
    /// included until purged (their closed findings are still listed).
    pub async fn resources_by_key(&self, keys: &[(String, String)]) -> Result<Vec<StoredResource>, StoreError> {
        const OPERATION: &str = "read resources";
        let mut resources = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(200) {
            let mut parameters = Parameters::new(self.dialect);
            let pairs = (0..chunk.len()).map(|_| format!("({})", parameters.list(2))).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT account_id, resource_id, resource_type, tags_json, inventory_sequence, matched_sequence, \
                 last_inventory_at, last_matched_at, matched_generation FROM resources \
                 WHERE (account_id, resource_id) IN ({pairs})"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (account_id, resource_id) in chunk {
                query = query.bind(account_id).bind(resource_id);
            }
            let rows = query.fetch_all(&self.pool).await.map_err(database_error(OPERATION))?;
            for row in &rows {
                resources.push(resource_from_row(row).map_err(database_error(OPERATION))?);
            }
        }
        Ok(resources)
    }

    /// [`Store::findings_of_resource`] without documents, as one row: the
    /// states aggregated into a JSON array by the database. A match reads
    /// them every time, and the SQLite driver hands each result row from its
    /// connection thread to the caller's task.
    async fn finding_states_of_resource(
        &self,
        account_id: &str,
        resource_id: &str,
    ) -> Result<Vec<StoredFinding>, StoreError> {
        const OPERATION: &str = "read a resource's finding states";
        let fields = "f.arn, f.identity, f.lifetime, f.status, f.severity, f.first_observed_at, f.last_observed_at, \
                      f.updated_at, f.closed_at, f.content_digest";
        let aggregate = match self.dialect {
            Dialect::Sqlite => format!("COALESCE(json_group_array(json_array({fields})), '[]')"),
            Dialect::Postgres => format!("COALESCE(json_agg(json_build_array({fields})), '[]'::json)::text"),
        };
        let sql = format!(
            "SELECT {aggregate} AS states FROM (SELECT {} FROM findings f WHERE account_id = $1 AND resource_id = $2 \
             AND lifetime = (SELECT MAX(lifetime) FROM findings g WHERE g.account_id = f.account_id \
             AND g.identity = f.identity AND g.resource_id = f.resource_id)) f",
            finding_read_columns(FindingContent::StateOnly)
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(resource_id)
            .fetch_one(&self.pool)
            .await
            .map_err(database_error(OPERATION))?;
        let text: String = row.try_get("states").map_err(database_error(OPERATION))?;
        let damaged = |detail: String| StoreError::Damaged { what: "finding states", detail };
        let rows: Vec<FindingStateRow> =
            serde_json::from_str(&text).map_err(|error| damaged(format!("{account_id}/{resource_id}: {error}")))?;
        let mut states: Vec<StoredFinding> = rows
            .into_iter()
            .map(|(arn, identity, lifetime, status, severity, first, last, updated, closed_at, content_digest)| {
                StoredFinding {
                    arn,
                    account_id: account_id.to_string(),
                    resource_id: resource_id.to_string(),
                    identity,
                    lifetime,
                    status,
                    severity,
                    first_observed_at: first,
                    last_observed_at: last,
                    updated_at: updated,
                    closed_at,
                    content_digest,
                    document: String::new(),
                }
            })
            .collect();
        states.sort_by(|left, right| left.identity.cmp(&right.identity));
        Ok(states)
    }

    /// The resources of `accounts` for coverage, deleted ones included until
    /// purged, in (account, resource) order after `after`, at most `limit`.
    pub async fn coverage_resources(
        &self,
        accounts: &[String],
        after: Option<(&str, &str)>,
        limit: i64,
    ) -> Result<Vec<ResourceCoverage>, StoreError> {
        const OPERATION: &str = "list resources for coverage";
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let mut parameters = Parameters::new(self.dialect);
        let mut sql = format!(
            "SELECT account_id, resource_id, resource_type, tags_json, last_inventory_at, last_matched_at, \
             deleted_at FROM resources WHERE account_id IN ({})",
            parameters.list(accounts.len())
        );
        if after.is_some() {
            // Anonymous placeholders bind in the order they appear.
            let (account, account_again, resource) = (parameters.next(), parameters.next(), parameters.next());
            sql.push_str(&format!(
                " AND (account_id > {account} OR (account_id = {account_again} AND resource_id > {resource}))"
            ));
        }
        sql.push_str(&format!(" ORDER BY account_id, resource_id LIMIT {}", parameters.next()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for account in accounts {
            query = query.bind(account);
        }
        if let Some((account, resource)) = after {
            query = query.bind(account).bind(account).bind(resource);
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await.map_err(database_error(OPERATION))?;
        rows.iter()
            .map(|row| {
                Ok(ResourceCoverage {
                    account_id: row.try_get("account_id")?,
                    resource_id: row.try_get("resource_id")?,
                    resource_type: row.try_get("resource_type")?,
                    tags_json: row.try_get("tags_json")?,
                    last_inventory_at: row.try_get("last_inventory_at")?,
                    last_matched_at: row.try_get("last_matched_at")?,
                    deleted_at: row.try_get("deleted_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(database_error(OPERATION))
    }

    /// The latest inventory of a resource: (sequence, document).
    pub async fn latest_inventory(
        &self,
        account_id: &str,
        resource_id: &str,
    ) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT sequence, encoding, document FROM inventories WHERE account_id = $1 AND resource_id = $2",
        )
        .bind(account_id)
        .bind(resource_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(database_error("read an inventory"))?;
        let Some(row) = row else { return Ok(None) };
        let (sequence, encoding, document): (i64, String, Vec<u8>) =
            (|| Ok::<_, sqlx::Error>((row.try_get("sequence")?, row.try_get("encoding")?, row.try_get("document")?)))()
                .map_err(database_error("read an inventory"))?;
        Ok(Some((sequence, compression::inflate("inventory", &encoding, document)?)))
    }

    /// The latest life of every finding of a resource.
    pub async fn findings_of_resource(
        &self,
        account_id: &str,
        resource_id: &str,
        content: FindingContent,
    ) -> Result<Vec<StoredFinding>, StoreError> {
        if content == FindingContent::StateOnly {
            return self.finding_states_of_resource(account_id, resource_id).await;
        }
        let sql = format!(
            "SELECT {} FROM findings f WHERE account_id = $1 AND resource_id = $2 AND lifetime = \
             (SELECT MAX(lifetime) FROM findings g WHERE g.account_id = f.account_id AND g.identity = f.identity \
             AND g.resource_id = f.resource_id) ORDER BY identity",
            finding_read_columns(content)
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(account_id)
            .bind(resource_id)
            .fetch_all(&self.pool)
            .await
            .map_err(database_error("read a resource's findings"))?;
        rows.iter()
            .map(finding_from_row)
            .collect::<Result<_, _>>()
            .map_err(database_error("read a resource's findings"))
    }

    /// Writes a match's outcome in one transaction: the changed findings,
    /// the vulnerability ids the resource's findings now carry (the index a
    /// KEV or CVSS change re-matches by), and the inventory sequence and
    /// advisory generation they were matched from.
    pub async fn record_match(&self, outcome: &MatchRecord<'_>) -> Result<(), StoreError> {
        self.record_matches(std::slice::from_ref(outcome), &[]).await
    }

    /// Writes several matches' outcomes and ends the jobs that asked for
    /// them ([`Store::complete_job`]'s rule) in one transaction: a batch
    /// of resources usually shares most of its index and findings pages,
    /// which a transaction writes once.
    pub async fn record_matches(&self, outcomes: &[MatchRecord<'_>], jobs: &[Job]) -> Result<(), StoreError> {
        const OPERATION: &str = "record matches";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        for outcome in outcomes {
            record_match_in(&mut transaction, outcome).await.map_err(database_error(OPERATION))?;
        }
        for job in jobs {
            queue::complete_job_in(&mut transaction, job).await.map_err(database_error(OPERATION))?;
        }
        transaction.commit().await.map_err(database_error(OPERATION))
    }

    /// Findings visible to `query.account_ids`, newest change first,
    /// keyset-paginated.
    pub async fn list_findings(&self, query: &FindingQuery) -> Result<Vec<StoredFinding>, StoreError> {
        const OPERATION: &str = "list findings";
        if query.account_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut parameters = Parameters::new(self.dialect);
        let mut sql = format!(
            "SELECT {} FROM findings f WHERE account_id IN ({})",
            finding_read_columns(FindingContent::Full),
            parameters.list(query.account_ids.len())
        );
        if !query.statuses.is_empty() {
            sql.push_str(&format!(" AND status IN ({})", parameters.list(query.statuses.len())));
        }
        if !query.severities.is_empty() {
            sql.push_str(&format!(" AND severity IN ({})", parameters.list(query.severities.len())));
        }
        if query.resource_id.is_some() {
            sql.push_str(&format!(" AND resource_id = {}", parameters.next()));
        }
        if query.after.is_some() {
            let (before, equal, arn) = (parameters.next(), parameters.next(), parameters.next());
            sql.push_str(&format!(" AND (updated_at < {before} OR (updated_at = {equal} AND arn < {arn}))"));
        }
        sql.push_str(&format!(" ORDER BY updated_at DESC, arn DESC LIMIT {}", parameters.next()));
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for account in &query.account_ids {
            statement = statement.bind(account);
        }
        for status in &query.statuses {
            statement = statement.bind(status);
        }
        for severity in &query.severities {
            statement = statement.bind(severity);
        }
        if let Some(resource) = &query.resource_id {
            statement = statement.bind(resource);
        }
        if let Some((updated_at, arn)) = &query.after {
            statement = statement.bind(*updated_at).bind(*updated_at).bind(arn);
        }
        statement = statement.bind(query.limit);
        let rows = statement.fetch_all(&self.pool).await.map_err(database_error(OPERATION))?;
        rows.iter().map(finding_from_row).collect::<Result<_, _>>().map_err(database_error(OPERATION))
    }

    /// The pool, for the queue module.
    pub(crate) fn pool(&self) -> &sqlx::AnyPool {
        &self.pool
    }
}

/// [`Store::store_inventory`] inside a transaction.
async fn store_inventory_in(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    inventory: &NewInventory,
    history: &(dyn Fn(Option<&[u8]>) -> String + Sync),
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO resources (account_id, resource_id, resource_type, tags_json, inventory_sequence, \
             matched_sequence, last_inventory_at, created_at) VALUES ($1, $2, $3, $4, 1, 0, $5, $5) \
             ON CONFLICT (account_id, resource_id) DO UPDATE SET resource_type = excluded.resource_type, \
             tags_json = CASE WHEN excluded.tags_json = '{}' THEN resources.tags_json ELSE excluded.tags_json END, \
             inventory_sequence = resources.inventory_sequence + 1, \
             last_inventory_at = excluded.last_inventory_at, deleted_at = NULL \
             RETURNING inventory_sequence",
    )
    .bind(&inventory.account_id)
    .bind(&inventory.resource_id)
    .bind(&inventory.resource_type)
    .bind(&inventory.tags_json)
    .bind(inventory.received_at)
    .fetch_one(&mut **transaction)
    .await?;
    let sequence: i64 = row.try_get("inventory_sequence")?;
    let previous = sqlx::query("SELECT encoding, document FROM inventories WHERE account_id = $1 AND resource_id = $2")
        .bind(&inventory.account_id)
        .bind(&inventory.resource_id)
        .fetch_optional(&mut **transaction)
        .await?;
    let previous = match previous {
        Some(row) => {
            let encoding: String = row.try_get("encoding")?;
            // A damaged previous inventory does not stop the push: its
            // history entry then reads as a first one.
            compression::inflate("inventory", &encoding, row.try_get("document")?).ok()
        }
        None => None,
    };
    let entry = history(previous.as_deref());
    sqlx::query(
        "INSERT INTO inventory_history (account_id, resource_id, sequence, received_at, digest, changes, \
             changes_deflated) VALUES ($1, $2, $3, $4, $5, '', $6)",
    )
    .bind(&inventory.account_id)
    .bind(&inventory.resource_id)
    .bind(sequence)
    .bind(inventory.received_at)
    .bind(&inventory.digest)
    .bind(compression::deflate(entry.as_bytes()))
    .execute(&mut **transaction)
    .await?;
    sqlx::query(
        "INSERT INTO inventories (account_id, resource_id, sequence, digest, document, received_at, encoding) \
             VALUES ($1, $2, $3, $4, $5, $6, 'deflate') ON CONFLICT (account_id, resource_id) DO UPDATE SET \
             sequence = excluded.sequence, digest = excluded.digest, document = excluded.document, \
             received_at = excluded.received_at, encoding = excluded.encoding",
    )
    .bind(&inventory.account_id)
    .bind(&inventory.resource_id)
    .bind(sequence)
    .bind(&inventory.digest)
    .bind(inventory.deflated_document.clone())
    .bind(inventory.received_at)
    .execute(&mut **transaction)
    .await?;
    let resource_ref = index::resource_ref(transaction, &inventory.account_id, &inventory.resource_id).await?;
    index::replace(transaction, index::Index::Packages, resource_ref, &inventory.package_keys).await?;
    queue::enqueue_in(
        transaction,
        JobKind::MatchResource,
        &format!("{}/{}", inventory.account_id, inventory.resource_id),
        inventory.received_at,
    )
    .await?;
    Ok(sequence)
}

/// [`Store::record_match`] inside a transaction.
async fn record_match_in(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    outcome: &MatchRecord<'_>,
) -> Result<(), sqlx::Error> {
    {
        let (account_id, resource_id) = (outcome.account_id, outcome.resource_id);
        // Many rows per statement (13 values each): a match writes each of
        // its findings, and a round trip per finding was most of its cost.
        for chunk in outcome.findings.chunks(200) {
            let mut parameters = Parameters::on(transaction);
            let rows = (0..chunk.len()).map(|_| format!("({})", parameters.list(13))).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "INSERT INTO findings ({FINDING_COLUMNS}) VALUES {rows} ON CONFLICT (arn) DO UPDATE SET \
                 status = excluded.status, severity = excluded.severity, \
                 last_observed_at = excluded.last_observed_at, updated_at = excluded.updated_at, \
                 closed_at = excluded.closed_at, content_digest = excluded.content_digest, \
                 document = excluded.document"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for finding in chunk {
                query = query
                    .bind(&finding.arn)
                    .bind(&finding.account_id)
                    .bind(&finding.resource_id)
                    .bind(&finding.identity)
                    .bind(finding.lifetime)
                    .bind(&finding.status)
                    .bind(&finding.severity)
                    .bind(finding.first_observed_at)
                    .bind(finding.last_observed_at)
                    .bind(finding.updated_at)
                    .bind(finding.closed_at)
                    .bind(&finding.content_digest)
                    .bind(&finding.document);
            }
            query.execute(&mut **transaction).await?;
        }
        // The findings a match closes share their times (the match's, the
        // previous observation's) as a rule: one statement per distinct pair.
        let mut closing: std::collections::BTreeMap<(i64, i64), Vec<&str>> = std::collections::BTreeMap::new();
        for closed in outcome.closed {
            closing.entry((closed.closed_at, closed.last_observed_at)).or_default().push(&closed.arn);
        }
        for ((closed_at, last_observed_at), arns) in closing {
            for chunk in arns.chunks(500) {
                let mut parameters = Parameters::on(transaction);
                // Each placeholder once: anonymous ones are bound in order.
                let (updated, closed, observed) = (parameters.next(), parameters.next(), parameters.next());
                let sql = format!(
                    "UPDATE findings SET status = 'CLOSED', updated_at = {updated}, closed_at = {closed}, \
                     last_observed_at = {observed} WHERE arn IN ({})",
                    parameters.list(chunk.len())
                );
                let mut query =
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(closed_at).bind(closed_at).bind(last_observed_at);
                for arn in chunk {
                    query = query.bind(*arn);
                }
                query.execute(&mut **transaction).await?;
            }
        }
        let resource_ref = index::resource_ref(transaction, account_id, resource_id).await?;
        index::replace(transaction, index::Index::Vulnerabilities, resource_ref, outcome.vulnerability_ids).await?;
        sqlx::query(
            "UPDATE resources SET matched_sequence = $3, last_matched_at = $4, matched_generation = $5 \
             WHERE account_id = $1 AND resource_id = $2 AND matched_sequence <= $3",
        )
        .bind(account_id)
        .bind(resource_id)
        .bind(outcome.matched_sequence)
        .bind(outcome.matched_at)
        .bind(outcome.advisory_generation)
        .execute(&mut **transaction)
        .await?;
        Ok(())
    }
}

async fn insert_key(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    key: &AccessKey,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO access_keys (access_key_id, account_id, role, sealed_secret, created_at, disabled) \
         VALUES ($1, $2, $3, $4, $5, 0)",
    )
    .bind(&key.access_key_id)
    .bind(&key.account_id)
    .bind(&key.role)
    .bind(key.sealed_secret.clone())
    .bind(key.created_at)
    .execute(&mut **transaction)
    .await
    .map_err(database_error("create an access key"))?;
    Ok(())
}
