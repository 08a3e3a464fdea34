//! `ListCoverage`: every resource of the caller's organisation, whether it
//! is scanned and why not (kensa_lifecycle::coverage), and when its findings
//! were last matched. Deleted resources are listed as `RESOURCE_TERMINATED`
//! until purged, as Inspector lists terminated instances for a while.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;

use kensa_api::filter::{self, DateRange, StringComparison, StringCondition};
use kensa_api::inspector::{CoveredResource, ListCoverageRequest, ListCoverageResponse, ScanStatus};
use kensa_lifecycle::{CoverageFacts, CoverageKind, CoverageRules};

use super::{ApiError, Caller, json_response, parse_body};
use crate::{Role, Shared};

const STRING_FIELDS: &[&str] =
    &["scanStatusCode", "scanStatusReason", "accountId", "resourceId", "resourceType", "scanType"];

/// How many stored resources one read takes while filling a page.
const READ_CHUNK: i64 = 500;

/// A read `CoverageFilterCriteria`: the string and date conditions of
/// `kensa_api::filter`, whose combination rules coverage shares.
#[derive(Debug, Default)]
struct Criteria {
    strings: BTreeMap<String, Vec<StringCondition>>,
    last_scanned_at: Vec<DateRange>,
}

impl Criteria {
    fn read(criteria: &serde_json::Map<String, serde_json::Value>) -> Result<Criteria, ApiError> {
        let refused = |error: filter::FilterError| ApiError::validation(error.to_string());
        let mut read = Criteria::default();
        for (field, value) in criteria {
            if STRING_FIELDS.contains(&field.as_str()) {
                let conditions: Vec<StringCondition> = filter::read_entries(field, value).map_err(refused)?;
                for (index, condition) in conditions.iter().enumerate() {
                    // Coverage's comparisons are EQUALS and NOT_EQUALS only.
                    if condition.comparison == StringComparison::Prefix {
                        return Err(ApiError::validation(format!(
                            "filterCriteria.{field}[{index}].comparison must be EQUALS or NOT_EQUALS, not PREFIX"
                        )));
                    }
                    filter::check_string(&format!("{field}[{index}]"), condition).map_err(refused)?;
                }
                read.strings.insert(field.clone(), conditions);
            } else if field == "lastScannedAt" {
                read.last_scanned_at = filter::read_entries(field, value).map_err(refused)?;
            } else if kensa_api::inspector::COVERAGE_FILTER_CRITERIA_FIELDS.contains(&field.as_str()) {
                return Err(ApiError::validation(format!("filterCriteria.{field} is not evaluated by this Kensa yet")));
            } else {
                return Err(ApiError::validation(format!(
                    "filterCriteria.{field} is not a CoverageFilterCriteria field"
                )));
            }
        }
        Ok(read)
    }

    fn matches(&self, resource: &CoveredResource) -> bool {
        self.strings.iter().all(|(field, conditions)| {
            let value = match field.as_str() {
                "scanStatusCode" => resource.scan_status.status_code.as_str(),
                "scanStatusReason" => resource.scan_status.reason.as_str(),
                "accountId" => resource.account_id.as_str(),
                "resourceId" => resource.resource_id.as_str(),
                "resourceType" => resource.resource_type.as_str(),
                _ => resource.scan_type.as_str(),
            };
            filter::strings_hold(conditions, &[value])
        }) && (self.last_scanned_at.is_empty()
            || resource.last_scanned_at.is_some_and(|at| self.last_scanned_at.iter().any(|range| range.holds_for(at))))
    }
}

fn coverage_kind(resource_type: &str) -> CoverageKind {
    match resource_type {
        "AWS_EC2_INSTANCE" => CoverageKind::Host,
        "AWS_ECR_CONTAINER_IMAGE" => CoverageKind::Image,
        _ => CoverageKind::Other,
    }
}

fn covered(resource: &kensa_store::ResourceCoverage, now: i64, rules: &CoverageRules) -> CoveredResource {
    let tags: BTreeMap<String, String> = serde_json::from_str(&resource.tags_json).unwrap_or_default();
    let facts = CoverageFacts {
        kind: coverage_kind(&resource.resource_type),
        excluded_by_tag: crate::worker::EXCLUSION_TAGS.iter().any(|tag| tags.contains_key(*tag)),
        deleted: resource.deleted_at.is_some(),
        last_inventory_at: resource.last_inventory_at,
        last_matched_at: resource.last_matched_at,
        now,
    };
    let reason = kensa_lifecycle::coverage(&facts, rules);
    #[allow(clippy::cast_precision_loss)]
    let last_scanned_at = resource.last_matched_at.map(|at| at as f64);
    CoveredResource {
        resource_type: resource.resource_type.clone(),
        resource_id: resource.resource_id.clone(),
        account_id: resource.account_id.clone(),
        scan_type: "PACKAGE".to_string(),
        scan_status: ScanStatus {
            status_code: reason.code().as_str().to_string(),
            reason: reason.as_str().to_string(),
        },
        last_scanned_at,
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct PageToken {
    #[serde(rename = "a")]
    account_id: String,
    #[serde(rename = "r")]
    resource_id: String,
}

pub(super) async fn list_coverage(shared: &Arc<Shared>, caller: &Caller, body: &[u8]) -> Result<Response, ApiError> {
    if caller.role == Role::Ingest {
        return Err(ApiError::access_denied("an ingest key cannot read coverage"));
    }
    let request: ListCoverageRequest = parse_body(body)?;
    let limit = usize::try_from(request.max_results.unwrap_or(100))
        .ok()
        .filter(|limit| (1..=200).contains(limit))
        .ok_or_else(|| ApiError::validation("maxResults must be between 1 and 200"))?;
    let criteria = request.filter_criteria.as_ref().map(Criteria::read).transpose()?.unwrap_or_default();
    let mut after: Option<(String, String)> = match &request.next_token {
        Some(token) => {
            let position: PageToken = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| ApiError::validation("nextToken is not one this server issued"))?;
            Some((position.account_id, position.resource_id))
        }
        None => None,
    };
    let now = crate::now_seconds();
    let rules =
        crate::suppression::coverage_rules_for(shared, &caller.visible_accounts).await.map_err(ApiError::internal)?;
    let mut page = Vec::new();
    let mut more = false;
    // Read in chunks until the page is full: filtered-out resources do not
    // shorten a page, and a page never holds more than asked.
    'reading: loop {
        let rows = shared
            .store
            .coverage_resources(
                &caller.visible_accounts,
                after.as_ref().map(|(account, resource)| (account.as_str(), resource.as_str())),
                READ_CHUNK,
            )
            .await
            .map_err(ApiError::internal)?;
        let exhausted = i64::try_from(rows.len()).unwrap_or(i64::MAX) < READ_CHUNK;
        for row in &rows {
            let resource = covered(row, now, rules.get(&row.account_id).unwrap_or(&CoverageRules::default()));
            if !criteria.matches(&resource) {
                after = Some((row.account_id.clone(), row.resource_id.clone()));
                continue;
            }
            if page.len() == limit {
                more = true;
                break 'reading;
            }
            after = Some((row.account_id.clone(), row.resource_id.clone()));
            page.push(resource);
        }
        if exhausted {
            break;
        }
    }
    let next_token = if more {
        page.last().and_then(|last| {
            serde_json::to_vec(&PageToken {
                account_id: last.account_id.clone(),
                resource_id: last.resource_id.clone(),
            })
            .ok()
            .map(|bytes| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
        })
    } else {
        None
    };
    Ok(json_response(StatusCode::OK, &ListCoverageResponse { covered_resources: page, next_token }))
}
