//! Per-account scan configuration, Inspector's `GetConfiguration` /
//! `UpdateConfiguration`: how long images keep being re-matched after they
//! were pushed (and, once registries report pulls, after their last pull),
//! and the host scan mode. A change queues, in the same transaction, the
//! re-match of the account's resources: images past a shortened window
//! close their findings, those inside a lengthened one get them back.

use sqlx::Row;

use crate::{Store, StoreError, database_error};

/// An account's configuration (Inspector's defaults when it set none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfiguration {
    /// The account.
    pub account_id: String,
    /// `LIFETIME`, `DAYS_3` … `DAYS_180`.
    pub ecr_rescan_duration: String,
    /// `DAYS_3` … `DAYS_180`, when set.
    pub ecr_pull_date_rescan_duration: Option<String>,
    /// `LAST_PULL_DATE` or `LAST_IN_USE_AT`, when set.
    pub ecr_pull_date_rescan_mode: Option<String>,
    /// `EC2_SSM_AGENT_BASED` or `EC2_HYBRID`.
    pub ec2_scan_mode: String,
    /// When it was last changed (0: never).
    pub updated_at: i64,
}

impl AccountConfiguration {
    /// Inspector's defaults.
    pub fn defaults(account_id: &str) -> AccountConfiguration {
        AccountConfiguration {
            account_id: account_id.to_string(),
            ecr_rescan_duration: "LIFETIME".to_string(),
            ecr_pull_date_rescan_duration: None,
            ecr_pull_date_rescan_mode: None,
            ec2_scan_mode: "EC2_SSM_AGENT_BASED".to_string(),
            updated_at: 0,
        }
    }
}

const CONFIGURATION_COLUMNS: &str = "account_id, ecr_rescan_duration, ecr_pull_date_rescan_duration, \
     ecr_pull_date_rescan_mode, ec2_scan_mode, updated_at";

fn configuration_from_row(row: &sqlx::any::AnyRow) -> Result<AccountConfiguration, sqlx::Error> {
    Ok(AccountConfiguration {
        account_id: row.try_get("account_id")?,
        ecr_rescan_duration: row.try_get("ecr_rescan_duration")?,
        ecr_pull_date_rescan_duration: row.try_get("ecr_pull_date_rescan_duration")?,
        ecr_pull_date_rescan_mode: row.try_get("ecr_pull_date_rescan_mode")?,
        ec2_scan_mode: row.try_get("ec2_scan_mode")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// The account's configuration.
    pub async fn account_configuration(&self, account_id: &str) -> Result<AccountConfiguration, StoreError> {
        const OPERATION: &str = "read an account's configuration";
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONFIGURATION_COLUMNS} FROM account_configuration WHERE account_id = $1"
        )))
        .bind(account_id)
        .fetch_optional(self.pool())
        .await
        .map_err(database_error(OPERATION))?;
        match row {
            Some(row) => configuration_from_row(&row).map_err(database_error(OPERATION)),
            None => Ok(AccountConfiguration::defaults(account_id)),
        }
    }

    /// Stores the account's configuration and queues the re-match of its
    /// resources.
    pub async fn update_account_configuration(&self, configuration: &AccountConfiguration) -> Result<(), StoreError> {
        const OPERATION: &str = "update an account's configuration";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        sqlx::query(
            "INSERT INTO account_configuration (account_id, ecr_rescan_duration, ecr_pull_date_rescan_duration, \
             ecr_pull_date_rescan_mode, ec2_scan_mode, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (account_id) DO UPDATE SET ecr_rescan_duration = excluded.ecr_rescan_duration, \
             ecr_pull_date_rescan_duration = excluded.ecr_pull_date_rescan_duration, \
             ecr_pull_date_rescan_mode = excluded.ecr_pull_date_rescan_mode, \
             ec2_scan_mode = excluded.ec2_scan_mode, updated_at = excluded.updated_at",
        )
        .bind(&configuration.account_id)
        .bind(&configuration.ecr_rescan_duration)
        .bind(&configuration.ecr_pull_date_rescan_duration)
        .bind(&configuration.ecr_pull_date_rescan_mode)
        .bind(&configuration.ec2_scan_mode)
        .bind(configuration.updated_at)
        .execute(&mut *transaction)
        .await
        .map_err(database_error(OPERATION))?;
        crate::filters::rematch_accounts_in(
            &mut transaction,
            std::slice::from_ref(&configuration.account_id),
            configuration.updated_at,
        )
        .await
        .map_err(database_error(OPERATION))?;
        transaction.commit().await.map_err(database_error(OPERATION))
    }
}

impl Store {
    /// Every account configuration stored (accounts on the defaults have
    /// none).
    pub async fn account_configurations(&self) -> Result<Vec<AccountConfiguration>, StoreError> {
        const OPERATION: &str = "list account configurations";
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONFIGURATION_COLUMNS} FROM account_configuration ORDER BY account_id"
        )))
        .fetch_all(self.pool())
        .await
        .map_err(database_error(OPERATION))?;
        rows.iter().map(configuration_from_row).collect::<Result<_, _>>().map_err(database_error(OPERATION))
    }

    /// Queues the re-match of the account's images whose rescan window
    /// (`window_seconds` after their last push) has passed since they were
    /// last matched: that match closes their findings. Returns how many.
    pub async fn queue_lapsed_images(
        &self,
        account_id: &str,
        window_seconds: i64,
        now: i64,
    ) -> Result<u64, StoreError> {
        const OPERATION: &str = "queue images past their rescan window";
        let (_guard, mut transaction) = self.begin_write(OPERATION).await?;
        let generation =
            crate::generations::newest_generation_in(&mut transaction).await.map_err(database_error(OPERATION))?;
        let mut parameters = crate::Parameters::on(&transaction);
        let sql = crate::generations::rematch_insert(&mut parameters, |parameters| {
            let (account, cutoff, window) = (parameters.next(), parameters.next(), parameters.next());
            format!(
                "resources WHERE account_id = {account} AND resource_type = 'AWS_ECR_CONTAINER_IMAGE' \
                 AND deleted_at IS NULL AND last_inventory_at < {cutoff} \
                 AND (last_matched_at IS NULL OR last_matched_at <= last_inventory_at + {window})"
            )
        });
        let queued = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(now)
            .bind(generation)
            .bind(account_id)
            .bind(now.saturating_sub(window_seconds))
            .bind(window_seconds)
            .execute(&mut *transaction)
            .await
            .map_err(database_error(OPERATION))?
            .rows_affected();
        transaction.commit().await.map_err(database_error(OPERATION))?;
        Ok(queued)
    }
}
