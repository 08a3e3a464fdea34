//! `CreateFilter`, `ListFilters`, `UpdateFilter`, `DeleteFilter`: Inspector's
//! filters, the suppression rules among them (action `SUPPRESS`). A rule
//! covers its account's findings, and an administrator's its members' too;
//! creating, changing or deleting one queues the re-match of the resources
//! it covers, so existing findings follow within the queue's delay and
//! future ones from their first match.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;

use kensa_api::filter::FilterCriteria;
use kensa_api::inspector::{
    CreateFilterRequest, DeleteFilterRequest, FILTER_EXPIRY_TAG, Filter, FilterArnResponse, ListFiltersRequest,
    ListFiltersResponse, UpdateFilterRequest,
};
use kensa_store::{FilterWrite, StoredFilter};

use super::{ApiError, Caller, json_response, parse_body};
use crate::{Role, Shared};

/// Inspector's quota of filters per account.
const MAXIMUM_FILTERS_PER_ACCOUNT: usize = 500;
/// Inspector's most tags on a resource.
const MAXIMUM_TAGS: usize = 50;

fn require_administrator(caller: &Caller, what: &str) -> Result<(), ApiError> {
    if caller.role == Role::Administrator {
        Ok(())
    } else {
        Err(ApiError::access_denied(format!("only an administrator key can {what}")))
    }
}

fn check_action(action: &str) -> Result<(), ApiError> {
    match action {
        "NONE" | "SUPPRESS" => Ok(()),
        other => Err(ApiError::validation(format!("action must be NONE or SUPPRESS, not '{other}'"))),
    }
}

/// Inspector's rule for filter names: 3–64 letters, digits, `.`, `_`, `-`.
fn check_name(name: &str) -> Result<(), ApiError> {
    let allowed = name.chars().all(|character| character.is_ascii_alphanumeric() || "._-".contains(character));
    if !(3..=64).contains(&name.len()) || !allowed {
        return Err(ApiError::validation(format!(
            "name '{name}' must be 3 to 64 letters, digits, '.', '_' or '-' (no spaces)"
        )));
    }
    Ok(())
}

fn check_text(field: &str, value: Option<&String>) -> Result<(), ApiError> {
    if let Some(value) = value {
        let length = value.chars().count();
        if !(1..=512).contains(&length) {
            return Err(ApiError::validation(format!("{field} must be 1 to 512 characters, not {length}")));
        }
    }
    Ok(())
}

fn check_criteria(criteria: &serde_json::Map<String, serde_json::Value>) -> Result<(), ApiError> {
    let read = FilterCriteria::from_json(criteria).map_err(|error| ApiError::validation(error.to_string()))?;
    if read.is_empty() {
        return Err(ApiError::validation("filterCriteria must filter on at least one field"));
    }
    Ok(())
}

/// The expiry a filter's tags ask (`kensa:expiresAt`: RFC 3339 or epoch
/// seconds), refused when unreadable or already past.
fn expiry_of(tags: &BTreeMap<String, String>, now: i64) -> Result<Option<i64>, ApiError> {
    let Some(text) = tags.get(FILTER_EXPIRY_TAG) else { return Ok(None) };
    let seconds = text.parse::<i64>().ok().or_else(|| {
        kensa_model::time::parse_rfc3339_nanoseconds(text)
            .map(|nanoseconds| i64::try_from(nanoseconds.div_euclid(1_000_000_000)).unwrap_or(i64::MAX))
    });
    match seconds {
        Some(seconds) if seconds > now => Ok(Some(seconds)),
        Some(_) => Err(ApiError::validation(format!("tag {FILTER_EXPIRY_TAG} '{text}' is not in the future"))),
        None => Err(ApiError::validation(format!(
            "tag {FILTER_EXPIRY_TAG} '{text}' is neither an RFC 3339 time nor epoch seconds"
        ))),
    }
}

fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if tags.len() > MAXIMUM_TAGS {
        return Err(ApiError::validation(format!("at most {MAXIMUM_TAGS} tags, not {}", tags.len())));
    }
    for (key, value) in tags {
        if !(1..=128).contains(&key.chars().count()) || value.chars().count() > 256 {
            return Err(ApiError::validation(format!("tag '{key}': keys are 1 to 128 characters, values at most 256")));
        }
    }
    Ok(())
}

async fn covered_accounts(shared: &Arc<Shared>, owner: &str) -> Result<Vec<String>, ApiError> {
    crate::suppression::covered_accounts(shared, owner).await.map_err(ApiError::internal)
}

fn filter_arn(region: &str, account_id: &str) -> Result<String, ApiError> {
    let mut bytes = [0_u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|error| ApiError::internal(format!("no randomness for a filter id: {error}")))?;
    let id: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("arn:aws:inspector2:{region}:{account_id}:owner/{account_id}/filter/{id}"))
}

fn wire_filter(filter: &StoredFilter) -> Result<Filter, ApiError> {
    #[allow(clippy::cast_precision_loss)]
    let seconds = |value: i64| value as f64;
    Ok(Filter {
        arn: filter.arn.clone(),
        owner_id: filter.account_id.clone(),
        name: filter.name.clone(),
        criteria: serde_json::from_str(&filter.criteria).map_err(ApiError::internal)?,
        action: filter.action.clone(),
        created_at: seconds(filter.created_at),
        updated_at: seconds(filter.updated_at),
        description: filter.description.clone(),
        reason: filter.reason.clone(),
        tags: serde_json::from_str(&filter.tags_json).unwrap_or_default(),
        created_by: Some(filter.created_by.clone()),
    })
}

/// The filter of `arn` if the caller may see it; not found otherwise (a
/// filter of another organisation does not exist for the caller).
async fn visible_filter(shared: &Arc<Shared>, caller: &Caller, arn: &str) -> Result<StoredFilter, ApiError> {
    shared
        .store
        .filter(arn)
        .await
        .map_err(ApiError::internal)?
        .filter(|filter| caller.visible_accounts.contains(&filter.account_id))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", format!("no filter {arn}")))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "BadRequestException", format!("a filter named '{name}' exists already"))
}

pub(super) async fn create_filter(shared: &Arc<Shared>, caller: &Caller, body: &[u8]) -> Result<Response, ApiError> {
    require_administrator(caller, "create filters")?;
    let request: CreateFilterRequest = parse_body(body)?;
    check_action(&request.action)?;
    check_name(&request.name)?;
    check_text("description", request.description.as_ref())?;
    check_text("reason", request.reason.as_ref())?;
    check_criteria(&request.filter_criteria)?;
    let tags = request.tags.unwrap_or_default();
    check_tags(&tags)?;
    let now = crate::now_seconds();
    let expires_at = expiry_of(&tags, now)?;
    let existing = shared
        .store
        .filters(
            std::slice::from_ref(&caller.account_id),
            None,
            i64::try_from(MAXIMUM_FILTERS_PER_ACCOUNT).unwrap_or(500),
        )
        .await
        .map_err(ApiError::internal)?;
    if existing.len() >= MAXIMUM_FILTERS_PER_ACCOUNT {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "ServiceQuotaExceededException",
            format!("account {} has {MAXIMUM_FILTERS_PER_ACCOUNT} filters, the most it may", caller.account_id),
        ));
    }
    let filter = StoredFilter {
        arn: filter_arn(&shared.config.region, &caller.account_id)?,
        account_id: caller.account_id.clone(),
        name: request.name.clone(),
        action: request.action.clone(),
        criteria: serde_json::to_string(&request.filter_criteria).map_err(ApiError::internal)?,
        description: request.description,
        reason: request.reason,
        tags_json: serde_json::to_string(&tags).map_err(ApiError::internal)?,
        created_by: caller.access_key_id.clone(),
        created_at: now,
        updated_at: now,
        expires_at,
    };
    let covered =
        if request.action == "SUPPRESS" { covered_accounts(shared, &caller.account_id).await? } else { Vec::new() };
    let created = shared
        .store
        .create_filter(&filter, &FilterWrite { rematch_accounts: &covered, now })
        .await
        .map_err(ApiError::internal)?;
    if !created {
        return Err(name_taken(&request.name));
    }
    tracing::info!(arn = %filter.arn, action = %filter.action, created_by = %filter.created_by, "filter created");
    shared.work_arrived.notify_waiters();
    Ok(json_response(StatusCode::OK, &FilterArnResponse { arn: filter.arn }))
}

pub(super) async fn update_filter(shared: &Arc<Shared>, caller: &Caller, body: &[u8]) -> Result<Response, ApiError> {
    require_administrator(caller, "update filters")?;
    let request: UpdateFilterRequest = parse_body(body)?;
    let mut filter = visible_filter(shared, caller, &request.filter_arn).await?;
    let was_suppressing = filter.action == "SUPPRESS";
    if let Some(action) = request.action {
        check_action(&action)?;
        filter.action = action;
    }
    if let Some(name) = request.name {
        check_name(&name)?;
        filter.name = name;
    }
    if let Some(description) = request.description {
        check_text("description", Some(&description))?;
        filter.description = Some(description);
    }
    if let Some(reason) = request.reason {
        check_text("reason", Some(&reason))?;
        filter.reason = Some(reason);
    }
    let criteria_changed = request.filter_criteria.is_some();
    if let Some(criteria) = request.filter_criteria {
        check_criteria(&criteria)?;
        filter.criteria = serde_json::to_string(&criteria).map_err(ApiError::internal)?;
    }
    let now = crate::now_seconds();
    filter.updated_at = now;
    let rematch = (was_suppressing || filter.action == "SUPPRESS")
        && (criteria_changed || was_suppressing != (filter.action == "SUPPRESS"));
    let covered = if rematch { covered_accounts(shared, &filter.account_id).await? } else { Vec::new() };
    let updated = shared
        .store
        .update_filter(&filter, &FilterWrite { rematch_accounts: &covered, now })
        .await
        .map_err(ApiError::internal)?;
    if !updated {
        return Err(name_taken(&filter.name));
    }
    tracing::info!(arn = %filter.arn, by = %caller.access_key_id, "filter updated");
    shared.work_arrived.notify_waiters();
    Ok(json_response(StatusCode::OK, &FilterArnResponse { arn: filter.arn }))
}

pub(super) async fn delete_filter(shared: &Arc<Shared>, caller: &Caller, body: &[u8]) -> Result<Response, ApiError> {
    require_administrator(caller, "delete filters")?;
    let request: DeleteFilterRequest = parse_body(body)?;
    let filter = visible_filter(shared, caller, &request.arn).await?;
    let now = crate::now_seconds();
    let covered = if filter.action == "SUPPRESS" && filter.expires_at.is_none_or(|expires_at| expires_at > now) {
        covered_accounts(shared, &filter.account_id).await?
    } else {
        Vec::new()
    };
    shared
        .store
        .delete_filter(&filter.arn, &FilterWrite { rematch_accounts: &covered, now })
        .await
        .map_err(ApiError::internal)?;
    tracing::info!(arn = %filter.arn, by = %caller.access_key_id, "filter deleted");
    shared.work_arrived.notify_waiters();
    Ok(json_response(StatusCode::OK, &FilterArnResponse { arn: filter.arn }))
}

/// The keyset position of a `ListFilters` page: the last ARN listed.
fn decode_token(token: &str) -> Result<String, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| ApiError::validation("nextToken is not one this server issued"))
}

pub(super) async fn list_filters(shared: &Arc<Shared>, caller: &Caller, body: &[u8]) -> Result<Response, ApiError> {
    if caller.role == Role::Ingest {
        return Err(ApiError::access_denied("an ingest key cannot read filters"));
    }
    let request: ListFiltersRequest = parse_body(body)?;
    let limit = request.max_results.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation("maxResults must be between 1 and 100"));
    }
    if let Some(action) = &request.action {
        check_action(action)?;
    }
    let after = request.next_token.as_deref().map(decode_token).transpose()?;
    // An account holds at most 500 filters: the organisation's are read
    // whole and selected here.
    let everything =
        shared.store.filters(&caller.visible_accounts, after.as_deref(), i64::MAX).await.map_err(ApiError::internal)?;
    let mut selected = everything.into_iter().filter(|filter| {
        request.action.as_ref().is_none_or(|action| &filter.action == action)
            && request.arns.as_ref().is_none_or(|arns| arns.contains(&filter.arn))
    });
    let page: Vec<StoredFilter> = selected.by_ref().take(usize::try_from(limit).unwrap_or(100)).collect();
    let next_token = if selected.next().is_some() {
        page.last().map(|last| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last.arn.as_bytes()))
    } else {
        None
    };
    let filters = page.iter().map(wire_filter).collect::<Result<Vec<_>, _>>()?;
    Ok(json_response(StatusCode::OK, &ListFiltersResponse { filters, next_token }))
}
