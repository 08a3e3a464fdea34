//! Deleting resources and purging what Inspector's retention rules let go:
//! a deleted resource's findings close at once and are purged (with the
//! resource) after three days; other closed findings after thirty (both
//! configurable by the caller).

use crate::{Store, StoreError, database_error};

/// How long closed findings are kept (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// A closed finding of a live resource.
    pub closed_findings_seconds: i64,
    /// A deleted resource and its findings.
    pub deleted_resources_seconds: i64,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention { closed_findings_seconds: 30 * 86_400, deleted_resources_seconds: 3 * 86_400 }
    }
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Findings removed.
    pub findings: u64,
    /// Deleted resources removed for good.
    pub resources: u64,
}

impl Store {
    /// Deletes a resource: its findings close now, its inventory, indexes
    /// and queued re-match go; the resource row stays (marked deleted) until
    /// the purge, so its closed findings still list. Returns how many
    /// findings closed, or `None` if there is no such live resource.
    pub async fn delete_resource(
        &self,
        account_id: &str,
        resource_id: &str,
        now: i64,
    ) -> Result<Option<u64>, StoreError> {
        const OPERATION: &str = "delete a resource";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        let marked = sqlx::query(
            "UPDATE resources SET deleted_at = $3 WHERE account_id = $1 AND resource_id = $2 AND deleted_at IS NULL",
        )
        .bind(account_id)
        .bind(resource_id)
        .bind(now)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        if marked.rows_affected() == 0 {
            return Ok(None);
        }
        let closed = sqlx::query(
            "UPDATE findings SET status = 'CLOSED', closed_at = $3, updated_at = $3 WHERE account_id = $1 \
             AND resource_id = $2 AND status <> 'CLOSED'",
        )
        .bind(account_id)
        .bind(resource_id)
        .bind(now)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?
        .rows_affected();
        sqlx::query("DELETE FROM inventories WHERE account_id = $1 AND resource_id = $2")
            .bind(account_id)
            .bind(resource_id)
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?;
        crate::index::remove_resource(&mut transaction, account_id, resource_id)
            .await
            .map_err(database_error(OPERATION))?;
        sqlx::query("DELETE FROM jobs WHERE dedup_key = $1")
            .bind(format!("match-resource:{account_id}/{resource_id}"))
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(Some(closed))
    }

    /// Removes what `retention` no longer keeps at `now`.
    pub async fn purge(&self, now: i64, retention: &Retention) -> Result<Purged, StoreError> {
        const OPERATION: &str = "purge closed findings";
        let (_guard, mut transaction) = self.begin_bookkeeping(OPERATION).await?;
        let deleted_before = now - retention.deleted_resources_seconds;
        let mut findings = sqlx::query(
            "DELETE FROM findings WHERE EXISTS (SELECT 1 FROM resources r WHERE r.account_id = findings.account_id \
             AND r.resource_id = findings.resource_id AND r.deleted_at IS NOT NULL AND r.deleted_at < $1)",
        )
        .bind(deleted_before)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?
        .rows_affected();
        sqlx::query(
            "DELETE FROM inventory_history WHERE EXISTS (SELECT 1 FROM resources r WHERE \
             r.account_id = inventory_history.account_id AND r.resource_id = inventory_history.resource_id \
             AND r.deleted_at IS NOT NULL AND r.deleted_at < $1)",
        )
        .bind(deleted_before)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        let resources = sqlx::query("DELETE FROM resources WHERE deleted_at IS NOT NULL AND deleted_at < $1")
            .bind(deleted_before)
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?
            .rows_affected();
        if resources > 0 {
            // Their index rows went when they were deleted; their references
            // go with them (a resource pushed again gets a new one).
            sqlx::query(
                "DELETE FROM resource_refs WHERE NOT EXISTS (SELECT 1 FROM resources r \
                 WHERE r.account_id = resource_refs.account_id AND r.resource_id = resource_refs.resource_id)",
            )
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?;
        }
        findings += sqlx::query("DELETE FROM findings WHERE status = 'CLOSED' AND closed_at < $1")
            .bind(now - retention.closed_findings_seconds)
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?
            .rows_affected();
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(Purged { findings, resources })
    }
}
