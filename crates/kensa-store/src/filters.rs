//! Inspector's filters, and among them the suppression rules (action
//! `SUPPRESS`) that matches apply to existing and future findings.
//!
//! A write that changes what a suppression rule covers (creating, changing
//! or deleting one, or its expiry passing) queues, in the same transaction,
//! the re-match of every resource of the accounts the rule applies to: the
//! findings' status follows from the next match, through the same lifecycle
//! as everything else, so a rule's effect survives any crash the queue does.

use sqlx::Row;

use crate::{Parameters, Store, StoreError, database_error};

/// A filter as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFilter {
    /// `arn:aws:inspector2:REGION:ACCOUNT:owner/ACCOUNT/filter/ID`.
    pub arn: String,
    /// The owning account.
    pub account_id: String,
    /// Unique in the account.
    pub name: String,
    /// `NONE` or `SUPPRESS`.
    pub action: String,
    /// The `FilterCriteria`, JSON.
    pub criteria: String,
    /// What it is for.
    pub description: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Tags, JSON object.
    pub tags_json: String,
    /// The access key that created it.
    pub created_by: String,
    /// Epoch seconds.
    pub created_at: i64,
    /// Epoch seconds.
    pub updated_at: i64,
    /// When it stops applying (epoch seconds), if ever.
    pub expires_at: Option<i64>,
}

/// What a filter write asks besides the row.
#[derive(Debug, Clone, Copy)]
pub struct FilterWrite<'a> {
    /// Whose resources to re-match (the owner's, and its members' when the
    /// owner is an administrator); empty when the write changes no rule's
    /// effect (a `NONE` filter).
    pub rematch_accounts: &'a [String],
    /// Now (seconds).
    pub now: i64,
}

const FILTER_COLUMNS: &str = "arn, account_id, name, action, criteria, description, reason, tags_json, created_by, \
     created_at, updated_at, expires_at";

fn filter_from_row(row: &sqlx::any::AnyRow) -> Result<StoredFilter, sqlx::Error> {
    Ok(StoredFilter {
        arn: row.try_get("arn")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        action: row.try_get("action")?,
        criteria: row.try_get("criteria")?,
        description: row.try_get("description")?,
        reason: row.try_get("reason")?,
        tags_json: row.try_get("tags_json")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// Queues the re-match of every live resource of `accounts`, for the newest
/// registered advisory generation.
pub(crate) async fn rematch_accounts_in(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    accounts: &[String],
    now: i64,
) -> Result<(), sqlx::Error> {
    if accounts.is_empty() {
        return Ok(());
    }
    let generation = crate::generations::newest_generation_in(transaction).await?;
    let mut parameters = Parameters::on(transaction);
    let sql = crate::generations::rematch_insert(&mut parameters, |parameters| {
        format!("resources WHERE deleted_at IS NULL AND account_id IN ({})", parameters.list(accounts.len()))
    });
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(now).bind(generation);
    for account in accounts {
        query = query.bind(account);
    }
    query.execute(&mut **transaction).await?;
    Ok(())
}

/// Whether another filter of the account has the name.
async fn name_taken_in(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    filter: &StoredFilter,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT COUNT(*) AS taken FROM filters WHERE account_id = $1 AND name = $2 AND arn <> $3")
        .bind(&filter.account_id)
        .bind(&filter.name)
        .bind(&filter.arn)
        .fetch_one(&mut **transaction)
        .await?;
    let taken: i64 = row.try_get("taken")?;
    Ok(taken > 0)
}

impl Store {
    /// Stores a new filter; `false` (and nothing written) when its account
    /// has a filter of that name already.
    pub async fn create_filter(&self, filter: &StoredFilter, write: &FilterWrite<'_>) -> Result<bool, StoreError> {
        const OPERATION: &str = "create a filter";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        if name_taken_in(&mut transaction, filter).await.map_err(database_error(OPERATION))? {
            return Ok(false);
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO filters ({FILTER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        )))
        .bind(&filter.arn)
        .bind(&filter.account_id)
        .bind(&filter.name)
        .bind(&filter.action)
        .bind(&filter.criteria)
        .bind(&filter.description)
        .bind(&filter.reason)
        .bind(&filter.tags_json)
        .bind(&filter.created_by)
        .bind(filter.created_at)
        .bind(filter.updated_at)
        .bind(filter.expires_at)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        rematch_accounts_in(&mut transaction, write.rematch_accounts, write.now)
            .await
            .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(true)
    }

    /// Replaces a stored filter (same ARN); `false` when another filter of
    /// the account has the new name.
    pub async fn update_filter(&self, filter: &StoredFilter, write: &FilterWrite<'_>) -> Result<bool, StoreError> {
        const OPERATION: &str = "update a filter";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        if name_taken_in(&mut transaction, filter).await.map_err(database_error(OPERATION))? {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE filters SET name = $2, action = $3, criteria = $4, description = $5, reason = $6, \
             updated_at = $7, expires_at = $8, expiry_applied = 0 WHERE arn = $1",
        )
        .bind(&filter.arn)
        .bind(&filter.name)
        .bind(&filter.action)
        .bind(&filter.criteria)
        .bind(&filter.description)
        .bind(&filter.reason)
        .bind(filter.updated_at)
        .bind(filter.expires_at)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        rematch_accounts_in(&mut transaction, write.rematch_accounts, write.now)
            .await
            .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(true)
    }

    /// Deletes a filter; `false` when there was none of that ARN.
    pub async fn delete_filter(&self, arn: &str, write: &FilterWrite<'_>) -> Result<bool, StoreError> {
        const OPERATION: &str = "delete a filter";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        let deleted = sqlx::query("DELETE FROM filters WHERE arn = $1")
            .bind(arn)
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?
            .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        rematch_accounts_in(&mut transaction, write.rematch_accounts, write.now)
            .await
            .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(true)
    }

    /// One filter by ARN.
    pub async fn filter(&self, arn: &str) -> Result<Option<StoredFilter>, StoreError> {
        const OPERATION: &str = "read a filter";
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {FILTER_COLUMNS} FROM filters WHERE arn = $1")))
            .bind(arn)
            .fetch_optional(self.pool())
            .await
            .map_err(database_error(OPERATION))?;
        row.as_ref().map(filter_from_row).transpose().map_err(database_error(OPERATION))
    }

    /// The filters of `accounts`, by ARN, after `after` when given, at most
    /// `limit`.
    pub async fn filters(
        &self,
        accounts: &[String],
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StoredFilter>, StoreError> {
        const OPERATION: &str = "list filters";
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let mut parameters = Parameters::new(self.dialect);
        let mut sql =
            format!("SELECT {FILTER_COLUMNS} FROM filters WHERE account_id IN ({})", parameters.list(accounts.len()));
        if after.is_some() {
            sql.push_str(&format!(" AND arn > {}", parameters.next()));
        }
        sql.push_str(&format!(" ORDER BY arn LIMIT {}", parameters.next()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for account in accounts {
            query = query.bind(account);
        }
        if let Some(after) = after {
            query = query.bind(after);
        }
        let rows = query.bind(limit).fetch_all(self.pool()).await.map_err(database_error(OPERATION))?;
        rows.iter().map(filter_from_row).collect::<Result<_, _>>().map_err(database_error(OPERATION))
    }

    /// The suppression rules in force at `now` among `accounts`' filters.
    pub async fn suppression_rules(&self, accounts: &[String], now: i64) -> Result<Vec<StoredFilter>, StoreError> {
        const OPERATION: &str = "read the suppression rules";
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let mut parameters = Parameters::new(self.dialect);
        let sql = format!(
            "SELECT {FILTER_COLUMNS} FROM filters WHERE action = 'SUPPRESS' AND account_id IN ({}) \
             AND (expires_at IS NULL OR expires_at > {}) ORDER BY arn",
            parameters.list(accounts.len()),
            parameters.next()
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for account in accounts {
            query = query.bind(account);
        }
        let rows = query.bind(now).fetch_all(self.pool()).await.map_err(database_error(OPERATION))?;
        rows.iter().map(filter_from_row).collect::<Result<_, _>>().map_err(database_error(OPERATION))
    }

    /// Suppression rules whose expiry has passed and whose lapse is not
    /// queued yet.
    pub async fn lapsed_rules(&self, now: i64) -> Result<Vec<StoredFilter>, StoreError> {
        const OPERATION: &str = "read the lapsed suppression rules";
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FILTER_COLUMNS} FROM filters WHERE expiry_applied = 0 AND expires_at <= $1 \
             AND action = 'SUPPRESS' ORDER BY arn"
        )))
        .bind(now)
        .fetch_all(self.pool())
        .await
        .map_err(database_error(OPERATION))?;
        rows.iter().map(filter_from_row).collect::<Result<_, _>>().map_err(database_error(OPERATION))
    }

    /// Queues the re-match a rule's lapse asks, once: `false` when another
    /// replica did it first.
    pub async fn apply_lapse(&self, arn: &str, write: &FilterWrite<'_>) -> Result<bool, StoreError> {
        const OPERATION: &str = "queue a suppression rule's lapse";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        let marked = sqlx::query("UPDATE filters SET expiry_applied = 1 WHERE arn = $1 AND expiry_applied = 0")
            .bind(arn)
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?
            .rows_affected();
        if marked == 0 {
            return Ok(false);
        }
        rematch_accounts_in(&mut transaction, write.rematch_accounts, write.now)
            .await
            .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(true)
    }
}
