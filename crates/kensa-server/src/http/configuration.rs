//! `GetConfiguration` / `UpdateConfiguration`: an account's scan
//! configuration (image rescan durations, host scan mode). The
//! administrator may read and change its members' too.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;

use kensa_api::inspector::{
    Ec2ConfigurationState, Ec2ScanModeState, EcrConfigurationState, EcrRescanDurationState, GetConfigurationRequest,
    GetConfigurationResponse, UpdateConfigurationRequest,
};
use kensa_store::AccountConfiguration;

use super::{ApiError, Caller, json_response, parse_body};
use crate::{Role, Shared};

const PULL_DATE_DURATIONS: &[&str] = &["DAYS_3", "DAYS_7", "DAYS_14", "DAYS_30", "DAYS_60", "DAYS_90", "DAYS_180"];

/// The account a request names, if the caller may act on it.
fn target_account(caller: &Caller, named: Option<&String>) -> Result<String, ApiError> {
    match named {
        None => Ok(caller.account_id.clone()),
        Some(account) if caller.visible_accounts.contains(account) => Ok(account.clone()),
        Some(account) => {
            Err(ApiError::access_denied(format!("account {account} is not managed by this key's account")))
        }
    }
}

fn state_of(configuration: &AccountConfiguration) -> GetConfigurationResponse {
    #[allow(clippy::cast_precision_loss)]
    let updated_at = (configuration.updated_at > 0).then_some(configuration.updated_at as f64);
    GetConfigurationResponse {
        ecr_configuration: EcrConfigurationState {
            rescan_duration_state: EcrRescanDurationState {
                rescan_duration: configuration.ecr_rescan_duration.clone(),
                status: "SUCCESS".to_string(),
                updated_at,
                pull_date_rescan_duration: configuration.ecr_pull_date_rescan_duration.clone(),
                pull_date_rescan_mode: configuration.ecr_pull_date_rescan_mode.clone(),
            },
        },
        ec2_configuration: Ec2ConfigurationState {
            scan_mode_state: Ec2ScanModeState {
                scan_mode: configuration.ec2_scan_mode.clone(),
                scan_mode_status: "SUCCESS".to_string(),
            },
        },
    }
}

pub(super) async fn get_configuration(
    shared: &Arc<Shared>,
    caller: &Caller,
    body: &[u8],
) -> Result<Response, ApiError> {
    if caller.role == Role::Ingest {
        return Err(ApiError::access_denied("an ingest key cannot read the configuration"));
    }
    let request: GetConfigurationRequest = parse_body(body)?;
    let account = target_account(caller, request.account_id.as_ref())?;
    let configuration = shared.store.account_configuration(&account).await.map_err(ApiError::internal)?;
    Ok(json_response(StatusCode::OK, &state_of(&configuration)))
}

pub(super) async fn update_configuration(
    shared: &Arc<Shared>,
    caller: &Caller,
    body: &[u8],
) -> Result<Response, ApiError> {
    if caller.role != Role::Administrator {
        return Err(ApiError::access_denied("only an administrator key can change the configuration"));
    }
    let request: UpdateConfigurationRequest = parse_body(body)?;
    let account = target_account(caller, request.account_id.as_ref())?;
    if request.ecr_configuration.is_none() && request.ec2_configuration.is_none() {
        return Err(ApiError::validation("give ecrConfiguration, ec2Configuration or both"));
    }
    let mut configuration = shared.store.account_configuration(&account).await.map_err(ApiError::internal)?;
    if let Some(ecr) = request.ecr_configuration {
        if kensa_lifecycle::rescan_window_seconds(&ecr.rescan_duration).is_none() {
            return Err(ApiError::validation(format!(
                "ecrConfiguration.rescanDuration '{}' is not one of LIFETIME, {}",
                ecr.rescan_duration,
                PULL_DATE_DURATIONS.join(", ")
            )));
        }
        if let Some(duration) = &ecr.pull_date_rescan_duration
            && !PULL_DATE_DURATIONS.contains(&duration.as_str())
        {
            return Err(ApiError::validation(format!(
                "ecrConfiguration.pullDateRescanDuration '{duration}' is not one of {}",
                PULL_DATE_DURATIONS.join(", ")
            )));
        }
        if let Some(mode) = &ecr.pull_date_rescan_mode
            && mode != "LAST_PULL_DATE"
            && mode != "LAST_IN_USE_AT"
        {
            return Err(ApiError::validation(format!(
                "ecrConfiguration.pullDateRescanMode '{mode}' is not LAST_PULL_DATE or LAST_IN_USE_AT"
            )));
        }
        configuration.ecr_rescan_duration = ecr.rescan_duration;
        configuration.ecr_pull_date_rescan_duration = ecr.pull_date_rescan_duration;
        configuration.ecr_pull_date_rescan_mode = ecr.pull_date_rescan_mode;
    }
    if let Some(ec2) = request.ec2_configuration {
        if ec2.scan_mode != "EC2_SSM_AGENT_BASED" && ec2.scan_mode != "EC2_HYBRID" {
            return Err(ApiError::validation(format!(
                "ec2Configuration.scanMode '{}' is not EC2_SSM_AGENT_BASED or EC2_HYBRID",
                ec2.scan_mode
            )));
        }
        configuration.ec2_scan_mode = ec2.scan_mode;
    }
    configuration.updated_at = crate::now_seconds();
    shared.store.update_account_configuration(&configuration).await.map_err(ApiError::internal)?;
    tracing::info!(account_id = %account, by = %caller.access_key_id, rescan = %configuration.ecr_rescan_duration, "configuration updated");
    shared.work_arrived.notify_waiters();
    Ok(json_response(StatusCode::OK, &serde_json::json!({})))
}
