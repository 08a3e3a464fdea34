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

use std::collections::{BTreeMap, BTreeSet};

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
pub(crate) async fn replace(
    transaction: &mut Transaction,
    index: Index,
    resource_ref: i64,
    keys: &[String],
) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT k.key_id AS key_id, k.key AS key FROM {refs} i JOIN {keys} k ON k.key_id = i.key_id \
         WHERE i.resource_ref = $1",
        refs = index.refs_table(),
        keys = index.keys_table()
    )))
    .bind(resource_ref)
    .fetch_all(&mut **transaction)
    .await?;
    let mut stored = BTreeMap::new();
    for row in &rows {
        stored.insert(row.try_get::<String, _>("key")?, row.try_get::<i64, _>("key_id")?);
    }
    let wanted: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
    let gone: Vec<i64> =
        stored.iter().filter(|(key, _)| !wanted.contains(key.as_str())).map(|(_, key_id)| *key_id).collect();
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
    let new: Vec<&str> = wanted.into_iter().filter(|key| !stored.contains_key(*key)).collect();
    let mut key_ids: Vec<i64> = intern(transaction, index, &new).await?.into_values().collect();
    // Ascending key order: the rows go into the B-tree front to back.
    key_ids.sort_unstable();
    for chunk in key_ids.chunks(CHUNK) {
        let mut parameters = Parameters::on(transaction);
        let rows = (0..chunk.len()).map(|_| format!("({})", parameters.list(2))).collect::<Vec<_>>().join(", ");
        let sql =
            format!("INSERT INTO {} (key_id, resource_ref) VALUES {rows} ON CONFLICT DO NOTHING", index.refs_table());
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for key_id in chunk {
            query = query.bind(*key_id).bind(resource_ref);
        }
        query.execute(&mut **transaction).await?;
    }
    Ok(())
}

/// The ids of `keys` (sorted, distinct), making the ones not seen before.
/// Known keys cost one read; new ones are inserted in key order, so
/// PostgreSQL transactions interning the same new keys in one statement
/// wait on each other rather than deadlock. A key another transaction made
/// meanwhile is read back after the insert skipped it.
async fn intern<'k>(
    transaction: &mut Transaction,
    index: Index,
    keys: &[&'k str],
) -> Result<BTreeMap<&'k str, i64>, sqlx::Error> {
    let mut ids = BTreeMap::new();
    for chunk in keys.chunks(CHUNK) {
        read_key_ids(transaction, index, chunk, &mut ids).await?;
        let missing: Vec<&str> = chunk.iter().copied().filter(|key| !ids.contains_key(key)).collect();
        if missing.is_empty() {
            continue;
        }
        let mut parameters = Parameters::on(transaction);
        let rows = (0..missing.len()).map(|_| format!("({})", parameters.next())).collect::<Vec<_>>().join(", ");
        let sql = format!("INSERT INTO {} (key) VALUES {rows} ON CONFLICT (key) DO NOTHING", index.keys_table());
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for key in &missing {
            query = query.bind(*key);
        }
        query.execute(&mut **transaction).await?;
        read_key_ids(transaction, index, &missing, &mut ids).await?;
    }
    Ok(ids)
}

async fn read_key_ids<'k>(
    transaction: &mut Transaction,
    index: Index,
    keys: &[&'k str],
    ids: &mut BTreeMap<&'k str, i64>,
) -> Result<(), sqlx::Error> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut parameters = Parameters::on(transaction);
    let sql = format!("SELECT key_id, key FROM {} WHERE key IN ({})", index.keys_table(), parameters.list(keys.len()));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for key in keys {
        query = query.bind(*key);
    }
    let rows = query.fetch_all(&mut **transaction).await?;
    for row in &rows {
        let key: String = row.try_get("key")?;
        // Map back to the caller's borrowed key: the ids are keyed by it.
        if let Some(borrowed) = keys.binary_search(&key.as_str()).ok().and_then(|position| keys.get(position)) {
            ids.insert(*borrowed, row.try_get("key_id")?);
        }
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
