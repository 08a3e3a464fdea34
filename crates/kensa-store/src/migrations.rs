//! Versioned migrations, run on every start. Each is written once with
//! `{BIGINT}`, `{BLOB}`, `{SERIAL}` and `{WITHOUT_ROWID}` standing for the
//! dialect's types; the applied versions are recorded in `kensa_migrations`.
//! On PostgreSQL an advisory lock makes replicas starting together migrate
//! one at a time.

use sqlx::Row;

use crate::{Dialect, Store, StoreError, database_error};

/// (version, name, SQL). Never edit a released entry: add one.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "accounts, resources, inventories, findings, jobs",
        "CREATE TABLE accounts (
        account_id TEXT PRIMARY KEY,
        administrator_account_id TEXT REFERENCES accounts (account_id),
        created_at {BIGINT} NOT NULL
    );
    CREATE TABLE access_keys (
        access_key_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts (account_id),
        role TEXT NOT NULL,
        sealed_secret {BLOB} NOT NULL,
        created_at {BIGINT} NOT NULL,
        disabled {BIGINT} NOT NULL DEFAULT 0
    );
    CREATE TABLE resources (
        account_id TEXT NOT NULL REFERENCES accounts (account_id),
        resource_id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        tags_json TEXT NOT NULL,
        inventory_sequence {BIGINT} NOT NULL,
        matched_sequence {BIGINT} NOT NULL,
        last_inventory_at {BIGINT} NOT NULL,
        last_matched_at {BIGINT},
        created_at {BIGINT} NOT NULL,
        deleted_at {BIGINT},
        PRIMARY KEY (account_id, resource_id)
    );
    CREATE TABLE inventories (
        account_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        sequence {BIGINT} NOT NULL,
        digest TEXT NOT NULL,
        document {BLOB} NOT NULL,
        received_at {BIGINT} NOT NULL,
        PRIMARY KEY (account_id, resource_id)
    );
    CREATE TABLE resource_packages (
        package_key TEXT NOT NULL,
        account_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        PRIMARY KEY (package_key, account_id, resource_id)
    );
    CREATE INDEX resource_packages_by_resource ON resource_packages (account_id, resource_id);
    CREATE TABLE findings (
        arn TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        identity TEXT NOT NULL,
        lifetime {BIGINT} NOT NULL,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        first_observed_at {BIGINT} NOT NULL,
        last_observed_at {BIGINT} NOT NULL,
        updated_at {BIGINT} NOT NULL,
        closed_at {BIGINT},
        content_digest TEXT NOT NULL,
        document TEXT NOT NULL
    );
    CREATE INDEX findings_by_update ON findings (account_id, updated_at, arn);
    CREATE INDEX findings_by_resource ON findings (account_id, resource_id, identity, lifetime);
    CREATE TABLE jobs (
        job_id {SERIAL},
        kind TEXT NOT NULL,
        dedup_key TEXT NOT NULL UNIQUE,
        generation {BIGINT} NOT NULL DEFAULT 0,
        run_after {BIGINT} NOT NULL,
        attempts {BIGINT} NOT NULL DEFAULT 0,
        claimed_by TEXT,
        claimed_until {BIGINT},
        last_error TEXT,
        created_at {BIGINT} NOT NULL
    );
    CREATE INDEX jobs_by_due ON jobs (run_after, job_id);",
    ),
    (
        2,
        "advisory database generations, vulnerability index, leases",
        "CREATE TABLE advisory_generations (
        generation {BIGINT} PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        registered_by TEXT NOT NULL,
        registered_at {BIGINT} NOT NULL,
        queued_resources {BIGINT} NOT NULL
    );
    ALTER TABLE jobs ADD COLUMN required_generation {BIGINT} NOT NULL DEFAULT 0;
    ALTER TABLE resources ADD COLUMN matched_generation {BIGINT} NOT NULL DEFAULT 0;
    CREATE TABLE resource_vulnerabilities (
        vulnerability_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        PRIMARY KEY (vulnerability_id, account_id, resource_id)
    );
    CREATE INDEX resource_vulnerabilities_by_resource ON resource_vulnerabilities (account_id, resource_id);
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        held_until {BIGINT} NOT NULL
    );",
    ),
    (
        3,
        "inventory history",
        "CREATE TABLE inventory_history (
        account_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        sequence {BIGINT} NOT NULL,
        received_at {BIGINT} NOT NULL,
        digest TEXT NOT NULL,
        changes TEXT NOT NULL,
        PRIMARY KEY (account_id, resource_id, sequence)
    );",
    ),
    (
        4,
        "deflated documents",
        "ALTER TABLE inventories ADD COLUMN encoding TEXT NOT NULL DEFAULT 'identity';
    ALTER TABLE inventory_history ADD COLUMN changes_deflated {BLOB};",
    ),
    (
        5,
        "index keys as integers",
        // The package and vulnerability indexes held (key, account, resource)
        // as text: every push inserted 300 wide rows at random places of a
        // large B-tree, and each commit rewrote most of its pages. Interned
        // keys and a serial resource reference make the rows a few bytes
        // and a new resource's rows land at the end of each key's run.
        "CREATE TABLE resource_refs (
        resource_ref {SERIAL},
        account_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        UNIQUE (account_id, resource_id)
    );
    CREATE TABLE package_keys (key_id {SERIAL}, key TEXT NOT NULL UNIQUE);
    CREATE TABLE vulnerability_keys (key_id {SERIAL}, key TEXT NOT NULL UNIQUE);
    CREATE TABLE resource_package_refs (
        key_id {BIGINT} NOT NULL,
        resource_ref {BIGINT} NOT NULL,
        PRIMARY KEY (key_id, resource_ref)
    ) {WITHOUT_ROWID};
    CREATE INDEX resource_package_refs_by_resource ON resource_package_refs (resource_ref);
    CREATE TABLE resource_vulnerability_refs (
        key_id {BIGINT} NOT NULL,
        resource_ref {BIGINT} NOT NULL,
        PRIMARY KEY (key_id, resource_ref)
    ) {WITHOUT_ROWID};
    CREATE INDEX resource_vulnerability_refs_by_resource ON resource_vulnerability_refs (resource_ref);
    INSERT INTO resource_refs (account_id, resource_id)
        SELECT account_id, resource_id FROM resources ORDER BY account_id, resource_id;
    INSERT INTO package_keys (key) SELECT DISTINCT package_key FROM resource_packages ORDER BY package_key;
    INSERT INTO vulnerability_keys (key)
        SELECT DISTINCT vulnerability_id FROM resource_vulnerabilities ORDER BY vulnerability_id;
    INSERT INTO resource_package_refs (key_id, resource_ref)
        SELECT k.key_id, r.resource_ref FROM resource_packages p
        JOIN package_keys k ON k.key = p.package_key
        JOIN resource_refs r ON r.account_id = p.account_id AND r.resource_id = p.resource_id;
    INSERT INTO resource_vulnerability_refs (key_id, resource_ref)
        SELECT k.key_id, r.resource_ref FROM resource_vulnerabilities v
        JOIN vulnerability_keys k ON k.key = v.vulnerability_id
        JOIN resource_refs r ON r.account_id = v.account_id AND r.resource_id = v.resource_id;
    DROP TABLE resource_packages;
    DROP TABLE resource_vulnerabilities;",
    ),
    (
        6,
        "filters and suppression rules",
        // Inspector's filters; those whose action is SUPPRESS are the
        // suppression rules matches apply. expiry_applied says the lapse of
        // expires_at was queued for re-matching (once, by one replica).
        "CREATE TABLE filters (
        arn TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        action TEXT NOT NULL,
        criteria TEXT NOT NULL,
        description TEXT,
        reason TEXT,
        tags_json TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at {BIGINT} NOT NULL,
        updated_at {BIGINT} NOT NULL,
        expires_at {BIGINT},
        expiry_applied {BIGINT} NOT NULL DEFAULT 0,
        UNIQUE (account_id, name)
    );
    CREATE INDEX filters_lapsing ON filters (expiry_applied, expires_at);",
    ),
    (
        7,
        "account scan configuration",
        // One row per account that changed Inspector's defaults; an account
        // without one has them (LIFETIME, agent-based hosts).
        "CREATE TABLE account_configuration (
        account_id TEXT PRIMARY KEY REFERENCES accounts (account_id),
        ecr_rescan_duration TEXT NOT NULL,
        ecr_pull_date_rescan_duration TEXT,
        ecr_pull_date_rescan_mode TEXT,
        ec2_scan_mode TEXT NOT NULL,
        updated_at {BIGINT} NOT NULL
    );",
    ),
    (
        8,
        "findings by severity and status",
        // The listing every dashboard and CI gate asks first (CRITICAL or
        // HIGH, ACTIVE, newest first): with only (account, updated_at) to
        // walk, a rare severity meant reading most of the account's rows.
        "CREATE INDEX findings_by_severity ON findings (account_id, severity, status, updated_at, arn);",
    ),
];

/// The PostgreSQL advisory lock replicas migrate under.
const MIGRATION_LOCK: i64 = 4_712_345_001;

fn render(sql: &str, dialect: Dialect) -> String {
    let (bigint, blob, serial, without_rowid) = match dialect {
        Dialect::Sqlite => ("INTEGER", "BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT", "WITHOUT ROWID"),
        Dialect::Postgres => ("BIGINT", "BYTEA", "BIGSERIAL PRIMARY KEY", ""),
    };
    sql.replace("{BIGINT}", bigint)
        .replace("{BLOB}", blob)
        .replace("{SERIAL}", serial)
        .replace("{WITHOUT_ROWID}", without_rowid)
}

pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    const OPERATION: &str = "migrate the store";
    let (_guard, mut transaction) = store.begin_write(OPERATION).await?;
    if store.dialect == Dialect::Postgres {
        // Any constant: every replica takes the same lock.
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")))
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?;
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(render(
        "CREATE TABLE IF NOT EXISTS kensa_migrations (version {BIGINT} PRIMARY KEY, name TEXT NOT NULL, \
         applied_at {BIGINT} NOT NULL)",
        store.dialect,
    )))
    .execute(&mut *transaction)
    .await
    .map_err(database_error(OPERATION))?;
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS version FROM kensa_migrations")
        .fetch_one(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
    let current: i64 = row.try_get("version").map_err(database_error(OPERATION))?;
    let supported = crate::SCHEMA_VERSION;
    if current > supported {
        return Err(StoreError::NewerSchema { found: current, supported });
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX));
    for (version, name, sql) in MIGRATIONS.iter().filter(|(version, _, _)| *version > current) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(render(sql, store.dialect)))
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?;
        sqlx::query("INSERT INTO kensa_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(*version)
            .bind(*name)
            .bind(now)
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?;
    }
    transaction.commit().await.map_err(database_error(OPERATION))
}
