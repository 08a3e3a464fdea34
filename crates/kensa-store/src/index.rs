//! The package and vulnerability indexes: which resources hold a package
//! key (or carry a vulnerability id), so that an advisory change re-matches
//! only the resources it touches.
//!
//! Keys are interned (`package_keys`, `vulnerability_keys`) and resources
//! have a serial reference (`resource_refs`), so an index row is two
//! integers. Why: with text rows, each push inserted 300 wide rows at random
//! places of a B-tree that grows with the fleet, and every commit rewrote
//! most of its pages; with integer rows ordered by (key, resource), a new
//! resource's rows land at the end of each key's run and a page holds
//! hundreds of them.
//!
//! Invariant: a resource's index rows are exactly the keys of its latest
//! inventory (packages) and its latest match (vulnerabilities); a deleted
//! resource has none.

use sqlx::Row;

use crate::Parameters;

/// Rows per multi-row statement: well under SQLite's 32,766 parameters and
/// PostgreSQL's 65,535.
const CHUNK: usize = 500;

type Transaction = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Index {
    Packages,
    Vulnerabilities,
}

impl Index {
    fn keys_table(self) -> &'static str {
        match self {
            Index::Packages => "package_keys",
            Index::Vulnerabilities => "vulnerability_keys",
        }
    }

    fn refs_table(self) -> &'static str {
        match self {
            Index::Packages => "resource_package_refs",
            Index::Vulnerabilities => "resource_vulnerability_refs",
        }
    }

    /// A FROM clause naming the (account_id, resource_id) of every resource
    /// indexed under one of `count` keys, whose parameters `parameters`
    /// hands out (for [`crate::generations`]' re-match queueing).
    pub(crate) fn resources_holding(self, parameters: &mut Parameters, count: usize) -> String {
        format!(
            "{refs} i JOIN {keys} k ON k.key_id = i.key_id JOIN resource_refs r ON r.resource_ref = i.resource_ref \
             WHERE k.key IN ({list})",
            refs = self.refs_table(),
            keys = self.keys_table(),
            list = parameters.list(count)
        )
    }
}

/// The resource's serial reference, made on its first use. Called with the
/// resource's row locked (a push or a match holds it), so two transactions
/// never race to make one.
pub(crate) async fn resource_ref(
    transaction: &mut Transaction,
    account_id: &str,
    resource_id: &str,
) -> Result<i64, sqlx::Error> {
    let found = sqlx::query("SELECT resource_ref FROM resource_refs WHERE account_id = $1 AND resource_id = $2")
        .bind(account_id)
        .bind(resource_id)
        .fetch_optional(&mut **transaction)
        .await?;
    if let Some(row) = found {
        return row.try_get("resource_ref");
    }
    sqlx::query(
        "INSERT INTO resource_refs (account_id, resource_id) VALUES ($1, $2) ON CONFLICT (account_id, resource_id) \
         DO UPDATE SET account_id = excluded.account_id RETURNING resource_ref",
    )
    .bind(account_id)
    .bind(resource_id)
    .fetch_one(&mut **transaction)
    .await?
    .try_get("resource_ref")
}

/// Makes the resource's rows in `index` the set `keys`, writing only the
/// difference: a push or a match that changes nothing (the usual case)
/// writes no page of the index.
///
/// Done in statements that return no rows: the store's SQLite driver hands
/// each result row from its connection thread to the caller's task, and
/// reading a resource's few hundred keys and ids back on every push and
/// match was most of what the single writer did.
pub(crate) async fn replace(
    transaction: &mut Transaction,
    index: Index,
    resource_ref: i64,
    keys: &[String],
) -> Result<(), sqlx::Error> {
    let mut wanted: Vec<&str> = keys.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    wanted.dedup();
    delete_others(transaction, index, resource_ref, &wanted).await?;
    for chunk in wanted.chunks(CHUNK) {
        // New keys first, in key order (PostgreSQL transactions interning
        // the same new keys then wait on each other rather than deadlock);
        // then the pairs, those already there skipped.
        let mut parameters = Parameters::on(transaction);
        let values = (0..chunk.len()).map(|_| format!("({})", parameters.next())).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "WITH wanted (key) AS (VALUES {values}) INSERT INTO {keys} (key) SELECT w.key FROM wanted w \
             WHERE NOT EXISTS (SELECT 1 FROM {keys} k WHERE k.key = w.key) ORDER BY w.key \
             ON CONFLICT (key) DO NOTHING",
            keys = index.keys_table()
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for key in chunk {
            query = query.bind(*key);
        }
        query.execute(&mut **transaction).await?;
        let mut parameters = Parameters::on(transaction);
        let resource_parameter = parameters.next();
        let sql = format!(
            "INSERT INTO {refs} (key_id, resource_ref) SELECT k.key_id, {resource_parameter} FROM {keys} k \
             WHERE k.key IN ({list}) ORDER BY k.key_id ON CONFLICT DO NOTHING",
            refs = index.refs_table(),
            keys = index.keys_table(),
            list = parameters.list(chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(resource_ref);
        for key in chunk {
            query = query.bind(*key);
        }
        query.execute(&mut **transaction).await?;
    }
    Ok(())
}

/// The most keys [`delete_others`] names in one statement (both backends
/// accept far more parameters; an inventory larger than this is diffed
/// after reading what is stored).
const KEYS_IN_ONE_STATEMENT: usize = 20_000;

/// Deletes the resource's rows whose key is not in `wanted` (sorted).
async fn delete_others(
    transaction: &mut Transaction,
    index: Index,
    resource_ref: i64,
    wanted: &[&str],
) -> Result<(), sqlx::Error> {
    if wanted.len() <= KEYS_IN_ONE_STATEMENT {
        let mut parameters = Parameters::on(transaction);
        let resource_parameter = parameters.next();
        let condition = if wanted.is_empty() {
            String::new()
        } else {
            format!(
                " AND key_id NOT IN (SELECT key_id FROM {} WHERE key IN ({}))",
                index.keys_table(),
                parameters.list(wanted.len())
            )
        };
        let sql = format!("DELETE FROM {} WHERE resource_ref = {resource_parameter}{condition}", index.refs_table());
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(resource_ref);
        for key in wanted {
            query = query.bind(*key);
        }
        query.execute(&mut **transaction).await?;
        return Ok(());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT k.key_id AS key_id, k.key AS key FROM {refs} i JOIN {keys} k ON k.key_id = i.key_id \
         WHERE i.resource_ref = $1",
        refs = index.refs_table(),
        keys = index.keys_table()
    )))
    .bind(resource_ref)
    .fetch_all(&mut **transaction)
    .await?;
    let mut gone = Vec::new();
    for row in &rows {
        let key: String = row.try_get("key")?;
        if wanted.binary_search(&key.as_str()).is_err() {
            gone.push(row.try_get::<i64, _>("key_id")?);
        }
    }
    for chunk in gone.chunks(CHUNK) {
        let mut parameters = Parameters::on(transaction);
        let sql = format!(
            "DELETE FROM {} WHERE resource_ref = {} AND key_id IN ({})",
            index.refs_table(),
            parameters.next(),
            parameters.list(chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(resource_ref);
        for key_id in chunk {
            query = query.bind(*key_id);
        }
        query.execute(&mut **transaction).await?;
    }
    Ok(())
}

/// Removes every index row of a resource (it was deleted).
pub(crate) async fn remove_resource(
    transaction: &mut Transaction,
    account_id: &str,
    resource_id: &str,
) -> Result<(), sqlx::Error> {
    for index in [Index::Packages, Index::Vulnerabilities] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {} WHERE resource_ref IN (SELECT resource_ref FROM resource_refs \
             WHERE account_id = $1 AND resource_id = $2)",
            index.refs_table()
        )))
        .bind(account_id)
        .bind(resource_id)
        .execute(&mut **transaction)
        .await?;
    }
    Ok(())
}
