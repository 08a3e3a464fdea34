//! The HTTP edge: one entry point reads the body (bounded), checks the
//! SigV4 signature against the issuing key, decides what the key's role may
//! do, and dispatches by method and path. Errors are rest-json errors: the
//! code in `x-amzn-ErrorType`, the message in the body.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;

use kensa_api::inspector::{self, ListFindingsRequest, ListFindingsResponse};
use kensa_api::native::{self, CreateAccessKeyRequest, PushResponse, ResourceState};
use kensa_store::FindingQuery;

use crate::{Role, Shared};

mod configuration;
mod coverage;
mod filters;

/// Requests other than pushes: Inspector's API bodies are small.
const MAXIMUM_API_BODY_BYTES: usize = 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new().fallback(move |request: Request<Body>| {
        let shared = Arc::clone(&shared);
        async move { handle(&shared, request).await }
    })
}

/// A refusal in AWS's terms.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }

    fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    fn access_denied(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "AccessDeniedException", message)
    }

    fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            "internal error; see the server's log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&kensa_api::ErrorBody { message: self.message }).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert("x-amzn-ErrorType", HeaderValue::from_static(self.code));
        response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
        response
    }
}

fn json_response<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
            response
        }
        Err(error) => ApiError::internal(error).into_response(),
    }
}

/// A JSON request body; an empty one reads as `{}` (the SDKs send none
/// for a request whose members are all absent).
fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(if body.is_empty() { b"{}" } else { body })
        .map_err(|error| ApiError::validation(format!("request body: {error}")))
}

/// Who signed a request.
#[derive(Debug, Clone)]
struct Caller {
    account_id: String,
    /// The key that signed: who did what, in logs and on what it created.
    access_key_id: String,
    role: Role,
    /// The accounts whose data the caller may read: its own, and its
    /// members' when it is an administrator account's administrator or
    /// read-only key.
    visible_accounts: Vec<String>,
}

/// Answers a request; every answer carries `x-amzn-RequestId` (as AWS's
/// do, and as SDKs log them), and is logged with it.
async fn handle(shared: &Arc<Shared>, request: Request<Body>) -> Response {
    let started = std::time::Instant::now();
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let request_id = request_id();
    let mut response = match respond(shared, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    let status = response.status();
    crate::metrics::Metrics::add(&shared.metrics.requests, 1);
    if status.is_client_error() || status.is_server_error() {
        crate::metrics::Metrics::add(&shared.metrics.refused_requests, 1);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-RequestId", value);
    }
    tracing::info!(
        request_id = %request_id,
        %method,
        path = %path,
        status = status.as_u16(),
        milliseconds = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// A request id in the UUID form AWS uses (random, version 4 bits set).
fn request_id() -> String {
    let mut bytes = [0_u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: a time-based id still tells requests apart in logs.
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos());
        bytes = nanos.to_be_bytes();
    }
    if let Some(byte) = bytes.get_mut(6) {
        *byte = (*byte & 0x0f) | 0x40;
    }
    if let Some(byte) = bytes.get_mut(8) {
        *byte = (*byte & 0x3f) | 0x80;
    }
    let mut id = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

async fn respond(shared: &Arc<Shared>, request: Request<Body>) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    match (parts.method.clone(), path.as_str()) {
        (Method::GET, "/healthz") => return Ok((StatusCode::OK, "ok\n").into_response()),
        (Method::GET, "/metrics") => {
            let text = crate::metrics::render(shared).await;
            return Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response());
        }
        (Method::GET, "/readyz") => {
            return Ok(if shared.local_generation.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                (StatusCode::OK, "ready\n").into_response()
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, "no advisory database loaded yet\n").into_response()
            });
        }
        _ => {}
    }
    let limit =
        if path == native::PUSH_INVENTORY_PATH { shared.config.maximum_push_bytes } else { MAXIMUM_API_BODY_BYTES };
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ValidationException",
            format!("the request body is larger than the {limit} bytes {path} accepts"),
        )
    })?;
    let service = if path.starts_with("/kensa/") { native::NATIVE_SERVICE } else { inspector::INSPECTOR_SERVICE };
    let query = parts.uri.query().unwrap_or_default().to_string();
    let caller = authenticate(shared, &parts.method, &path, &query, &parts.headers, &body, service).await?;
    match (parts.method, path.as_str()) {
        (Method::POST, native::PUSH_INVENTORY_PATH) => push_inventory(shared, &caller, &query, &body).await,
        (Method::GET, native::RESOURCE_PATH) => resource_state(shared, &caller, &query).await,
        (Method::DELETE, native::RESOURCE_PATH) => delete_resource(shared, &caller, &query).await,
        (Method::GET, native::RESOURCE_HISTORY_PATH) => inventory_history(shared, &caller, &query).await,
        (Method::GET, native::RESOURCE_FINDINGS_PATH) => resource_findings(shared, &caller, &query).await,
        (Method::GET, native::STATUS_PATH) => server_status(shared, &caller).await,
        (Method::POST, native::CREATE_KEY_PATH) => create_access_key(shared, &caller, &body).await,
        (Method::POST, native::CREATE_ACCOUNT_PATH) => create_account(shared, &caller).await,
        (Method::POST, native::DATABASE_UPDATE_PATH) => update_database(shared, &caller).await,
        (Method::POST, inspector::LIST_FINDINGS_PATH) => list_findings(shared, &caller, &body).await,
        (Method::POST, inspector::GET_CONFIGURATION_PATH) => {
            configuration::get_configuration(shared, &caller, &body).await
        }
        (Method::POST, inspector::UPDATE_CONFIGURATION_PATH) => {
            configuration::update_configuration(shared, &caller, &body).await
        }
        (Method::POST, inspector::LIST_COVERAGE_PATH) => coverage::list_coverage(shared, &caller, &body).await,
        (Method::POST, inspector::CREATE_FILTER_PATH) => filters::create_filter(shared, &caller, &body).await,
        (Method::POST, inspector::LIST_FILTERS_PATH) => filters::list_filters(shared, &caller, &body).await,
        (Method::POST, inspector::UPDATE_FILTER_PATH) => filters::update_filter(shared, &caller, &body).await,
        (Method::POST, inspector::DELETE_FILTER_PATH) => filters::delete_filter(shared, &caller, &body).await,
        (method, path) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("no operation {method} {path} in this Kensa"),
        )),
    }
}

async fn authenticate(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    service: &str,
) -> Result<Caller, ApiError> {
    let header_pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|value| (name.as_str().to_string(), value.to_string())))
        .collect();
    let signed = kensa_sigv4::Request { method: method.as_str(), path, query, headers: &header_pairs, body };
    let refuse = |error: kensa_sigv4::SignatureError| {
        let status = match error {
            kensa_sigv4::SignatureError::Malformed(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::FORBIDDEN,
        };
        ApiError::new(status, error.error_code(), error.to_string())
    };
    let authorization = kensa_sigv4::authorization_of(&signed).map_err(refuse)?;
    let unrecognised = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    };
    let key = shared
        .store
        .access_key(&authorization.access_key_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(unrecognised)?;
    let secret = shared.key.open(&key.sealed_secret).ok_or_else(unrecognised)?;
    kensa_sigv4::verify(&signed, &authorization, &secret, service, crate::now_seconds()).map_err(refuse)?;
    let role = Role::parse(&key.role).ok_or_else(unrecognised)?;
    let account = shared.store.account(&key.account_id).await.map_err(ApiError::internal)?.ok_or_else(unrecognised)?;
    let mut visible_accounts = vec![account.account_id.clone()];
    if account.administrator_account_id.is_none() && role != Role::Ingest {
        visible_accounts.extend(shared.store.member_accounts(&account.account_id).await.map_err(ApiError::internal)?);
    }
    Ok(Caller { account_id: account.account_id, access_key_id: authorization.access_key_id, role, visible_accounts })
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(key), decode_component(value))
        })
        .collect()
}

fn decode_component(text: &str) -> String {
    let text = text.replace('+', " ");
    kensa_model::percent_decode(&text)
}

/// Inspector's resource type for an inventory.
fn resource_type_of(inventory: &kensa_model::Inventory) -> &'static str {
    match inventory.resource.kind {
        kensa_model::ResourceKind::Image => "AWS_ECR_CONTAINER_IMAGE",
        kensa_model::ResourceKind::Archive => "AWS_LAMBDA_FUNCTION",
        _ if inventory.distro.is_some() => "AWS_EC2_INSTANCE",
        _ => "CODE_REPOSITORY",
    }
}

fn package_versions(inventory: &kensa_model::Inventory) -> Vec<kensa_lifecycle::PackageVersion> {
    inventory
        .packages
        .iter()
        .map(|package| kensa_lifecycle::PackageVersion {
            ecosystem: package.ecosystem.as_str().to_string(),
            name: package.name.clone(),
            version: package.version.clone(),
        })
        .collect()
}

/// The history entry of an inventory, from its predecessor's document (as
/// stored: it was validated when pushed).
pub(crate) fn history_entry(previous: Option<&[u8]>, packages: &[kensa_lifecycle::PackageVersion]) -> String {
    let before = previous
        .and_then(|document| kensa_scan::inventory_from_json("previous inventory", document).ok())
        .map(|inventory| package_versions(&inventory));
    let changes = kensa_lifecycle::diff_packages(before.as_deref().unwrap_or_default(), packages);
    let reference = |package: kensa_lifecycle::PackageVersion| native::PackageRef {
        ecosystem: package.ecosystem,
        name: package.name,
        version: package.version,
    };
    let entry = native::InventoryChanges {
        first: before.is_none(),
        added: changes.added.into_iter().map(reference).collect(),
        removed: changes.removed.into_iter().map(reference).collect(),
        changed: changes
            .changed
            .into_iter()
            .map(|change| native::VersionChangeRef {
                ecosystem: change.ecosystem,
                name: change.name,
                from: change.from,
                to: change.to,
            })
            .collect(),
    };
    serde_json::to_string(&entry).unwrap_or_default()
}

/// One resource's open findings in the engine's shape (any role: CI gates
/// on what it pushed with an ingest key).
async fn resource_findings(shared: &Arc<Shared>, caller: &Caller, query: &str) -> Result<Response, ApiError> {
    let resource_id = resource_id_of(query)?;
    let resource = shared
        .store
        .resource(&caller.account_id, &resource_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", format!("no resource '{resource_id}'"))
        })?;
    let stored = shared
        .store
        .findings_of_resource(&caller.account_id, &resource_id, kensa_store::FindingContent::Full)
        .await
        .map_err(ApiError::internal)?;
    let mut findings = Vec::with_capacity(stored.len());
    for finding in stored.iter().filter(|finding| finding.status != "CLOSED") {
        let parsed: kensa_model::Finding = serde_json::from_str(&finding.document)
            .map_err(|error| ApiError::internal(format!("stored finding {}: {error}", finding.arn)))?;
        findings.push(parsed);
    }
    kensa_match::sort_findings(&mut findings);
    Ok(json_response(
        StatusCode::OK,
        &native::ResourceFindings { resource_id, matched_sequence: resource.matched_sequence, findings },
    ))
}

async fn inventory_history(shared: &Arc<Shared>, caller: &Caller, query: &str) -> Result<Response, ApiError> {
    let resource_id = resource_id_of(query)?;
    let before = match query_pairs(query).into_iter().find(|(key, _)| key == "before") {
        Some((_, value)) => {
            Some(value.parse::<i64>().map_err(|_| ApiError::validation("before must be a sequence number"))?)
        }
        None => None,
    };
    let stored = shared
        .store
        .inventory_history(&caller.account_id, &resource_id, before, 100)
        .await
        .map_err(ApiError::internal)?;
    let entries = stored
        .into_iter()
        .map(|entry| native::InventoryHistoryEntry {
            sequence: entry.sequence,
            received_at: entry.received_at,
            digest: entry.digest,
            changes: serde_json::from_str(&entry.changes).unwrap_or_default(),
        })
        .collect();
    Ok(json_response(StatusCode::OK, &native::InventoryHistory { resource_id, entries }))
}

const RESOURCE_TYPES: &[&str] =
    &["AWS_EC2_INSTANCE", "AWS_ECR_CONTAINER_IMAGE", "AWS_LAMBDA_FUNCTION", "CODE_REPOSITORY"];

async fn push_inventory(shared: &Arc<Shared>, caller: &Caller, query: &str, body: &[u8]) -> Result<Response, ApiError> {
    if caller.role == Role::ReadOnly {
        return Err(ApiError::access_denied("a read-only key cannot push inventories"));
    }
    let mut resource_id = None;
    let mut resource_type = None;
    let mut tags = BTreeMap::new();
    for (key, value) in query_pairs(query) {
        match key.as_str() {
            "resourceId" => resource_id = Some(value),
            "resourceType" => resource_type = Some(value),
            "tag" => {
                let (name, tag_value) = value.split_once('=').unwrap_or((value.as_str(), ""));
                if name.is_empty() || name.len() > 128 || tag_value.len() > 256 {
                    return Err(ApiError::validation(format!(
                        "tag '{value}': a tag is KEY=VALUE, the key 1-128 characters, the value at most 256"
                    )));
                }
                tags.insert(name.to_string(), tag_value.to_string());
            }
            other => return Err(ApiError::validation(format!("unknown query parameter '{other}'"))),
        }
    }
    if tags.len() > 50 {
        return Err(ApiError::validation("at most 50 tags per resource"));
    }
    // Parsing, indexing and deflating a push is CPU work: off the runtime's
    // threads, which keep answering other requests meanwhile.
    let owned_body = body.to_vec();
    let (inventory, package_keys, packages, deflated_document, digest) = tokio::task::spawn_blocking(move || {
        let inventory = kensa_scan::inventory_from_json("pushed inventory", &owned_body)
            .map_err(|error| ApiError::validation(error.to_string()))?;
        // The keys matching will look up: a change set naming one re-matches this.
        let package_keys: Vec<String> = kensa_match::lookup_keys(&inventory)
            .iter()
            .map(|(ecosystem, name)| crate::advisories::package_index_key(*ecosystem, name))
            .collect();
        let packages = package_versions(&inventory);
        let digest = kensa_sigv4::sha256_hex(&owned_body);
        Ok::<_, ApiError>((inventory, package_keys, packages, kensa_store::deflate(&owned_body), digest))
    })
    .await
    .map_err(|error| ApiError::internal(format!("reading the push stopped: {error}")))??;
    let resource_id = resource_id.unwrap_or_else(|| inventory.resource.name.clone());
    if resource_id.is_empty() || resource_id.len() > 1024 || resource_id.chars().any(char::is_control) {
        return Err(ApiError::validation("the resource id must be 1-1024 printable characters"));
    }
    let resource_type = match resource_type {
        Some(kind) if RESOURCE_TYPES.contains(&kind.as_str()) => kind,
        Some(kind) => {
            return Err(ApiError::validation(format!(
                "unknown resource type '{kind}' (one of {})",
                RESOURCE_TYPES.join(", ")
            )));
        }
        None => resource_type_of(&inventory).to_string(),
    };
    let stored = kensa_store::NewInventory {
        account_id: caller.account_id.clone(),
        resource_id: resource_id.clone(),
        resource_type: resource_type.clone(),
        tags_json: serde_json::to_string(&tags).map_err(ApiError::internal)?,
        deflated_document,
        digest: digest.clone(),
        package_keys,
        received_at: crate::now_seconds(),
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    shared
        .ingest
        .send(crate::ingest::Pending { inventory: stored, packages, reply })
        .await
        .map_err(|_| ApiError::internal("the ingest queue is closed"))?;
    let sequence =
        answer.await.map_err(|_| ApiError::internal("the ingest task stopped"))?.map_err(ApiError::internal)?;
    crate::metrics::Metrics::add(&shared.metrics.pushes, 1);
    crate::metrics::Metrics::add(&shared.metrics.pushed_bytes, u64::try_from(body.len()).unwrap_or(u64::MAX));
    shared.work_arrived.notify_waiters();
    Ok(json_response(
        StatusCode::OK,
        &PushResponse {
            account_id: caller.account_id.clone(),
            resource_id,
            resource_type,
            inventory_sequence: sequence,
            digest,
            package_count: inventory.packages.len(),
        },
    ))
}

fn resource_id_of(query: &str) -> Result<String, ApiError> {
    query_pairs(query)
        .into_iter()
        .find(|(key, _)| key == "resourceId")
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::validation("resourceId is required"))
}

/// A resource is gone (a host terminated, an image deleted): its findings
/// close now and are purged after the retention of deleted resources.
/// Agents and CI (ingest keys) report it as they report inventories.
async fn delete_resource(shared: &Arc<Shared>, caller: &Caller, query: &str) -> Result<Response, ApiError> {
    if caller.role == Role::ReadOnly {
        return Err(ApiError::access_denied("a read-only key cannot delete resources"));
    }
    let resource_id = resource_id_of(query)?;
    let closed = shared
        .store
        .delete_resource(&caller.account_id, &resource_id, crate::now_seconds())
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", format!("no resource '{resource_id}'"))
        })?;
    Ok(json_response(
        StatusCode::OK,
        &native::DeletedResource { account_id: caller.account_id.clone(), resource_id, closed_findings: closed },
    ))
}

async fn resource_state(shared: &Arc<Shared>, caller: &Caller, query: &str) -> Result<Response, ApiError> {
    let resource_id = resource_id_of(query)?;
    let not_found =
        || ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", format!("no resource '{resource_id}'"));
    let resource = shared
        .store
        .resource(&caller.account_id, &resource_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    Ok(json_response(
        StatusCode::OK,
        &ResourceState {
            account_id: resource.account_id,
            resource_id: resource.resource_id,
            resource_type: resource.resource_type,
            inventory_sequence: resource.inventory_sequence,
            matched_sequence: resource.matched_sequence,
            last_scanned_at: resource.last_matched_at,
        },
    ))
}

async fn create_access_key(shared: &Arc<Shared>, caller: &Caller, body: &[u8]) -> Result<Response, ApiError> {
    if caller.role != Role::Administrator {
        return Err(ApiError::access_denied("only an administrator key can create keys"));
    }
    let request: CreateAccessKeyRequest =
        serde_json::from_slice(body).map_err(|error| ApiError::validation(format!("request body: {error}")))?;
    let role = Role::parse(&request.role).ok_or_else(|| {
        ApiError::validation(format!("unknown role '{}' (administrator, read-only, ingest)", request.role))
    })?;
    let account_id = request.account_id.unwrap_or_else(|| caller.account_id.clone());
    if !caller.visible_accounts.contains(&account_id) {
        return Err(ApiError::access_denied(format!("account {account_id} is not managed by this key's account")));
    }
    let (stored, printed) = crate::issue_key(&shared.key, &account_id, role).map_err(ApiError::internal)?;
    shared.store.create_access_key(&stored).await.map_err(ApiError::internal)?;
    Ok(json_response(StatusCode::OK, &printed))
}

async fn create_account(shared: &Arc<Shared>, caller: &Caller) -> Result<Response, ApiError> {
    if caller.role != Role::Administrator {
        return Err(ApiError::access_denied("only an administrator key can create accounts"));
    }
    let own = shared.store.account(&caller.account_id).await.map_err(ApiError::internal)?;
    if own.as_ref().is_some_and(|account| account.administrator_account_id.is_some()) {
        return Err(ApiError::access_denied("a member account cannot create accounts"));
    }
    let account = kensa_store::Account {
        account_id: crate::credentials::new_account_id().map_err(ApiError::internal)?,
        administrator_account_id: Some(caller.account_id.clone()),
        created_at: crate::now_seconds(),
    };
    let (stored, printed) =
        crate::issue_key(&shared.key, &account.account_id, Role::Administrator).map_err(ApiError::internal)?;
    shared.store.create_account(&account, &stored).await.map_err(ApiError::internal)?;
    Ok(json_response(StatusCode::OK, &printed))
}

/// The replica's state; administrators and read-only keys may read it.
async fn server_status(shared: &Arc<Shared>, caller: &Caller) -> Result<Response, ApiError> {
    if caller.role == Role::Ingest {
        return Err(ApiError::access_denied("an ingest key cannot read the server's status"));
    }
    let current = shared.store.current_generation().await.map_err(ApiError::internal)?;
    Ok(json_response(
        StatusCode::OK,
        &native::ServerStatus {
            replica: shared.replica_id.clone(),
            local_generation: shared.local_generation.load(std::sync::atomic::Ordering::SeqCst),
            current_generation: current.map_or(0, |generation| generation.generation),
            queue_depth: shared.store.queue_depth().await.map_err(ApiError::internal)?,
        },
    ))
}

/// `kensa admin db-update`: the organisation's administrator updates the
/// server's advisory database now; answers once it is written (the
/// re-matches it causes follow within seconds).
async fn update_database(shared: &Arc<Shared>, caller: &Caller) -> Result<Response, ApiError> {
    if caller.role != Role::Administrator {
        return Err(ApiError::access_denied("only an administrator key can update the advisory database"));
    }
    let own = shared.store.account(&caller.account_id).await.map_err(ApiError::internal)?;
    if own.as_ref().is_some_and(|account| account.administrator_account_id.is_some()) {
        return Err(ApiError::access_denied(
            "only the organisation's administrator account can update the advisory database",
        ));
    }
    match crate::updater::run(shared).await {
        Ok(report) => Ok(json_response(StatusCode::OK, &report)),
        Err(crate::updater::UpdateRefusal::NotConfigured) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            "this server has no update sources: it only takes up databases replaced in its data directory".to_string(),
        )),
        Err(crate::updater::UpdateRefusal::Busy) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "ConflictException",
            "an advisory database update is running already".to_string(),
        )),
        Err(crate::updater::UpdateRefusal::Failed(message)) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "InternalServerException",
            format!("the advisory database update failed: {message}"),
        )),
    }
}

/// The keyset position a `nextToken` carries. It names no account: what a
/// caller sees is decided by its key alone, whatever token it sends.
#[derive(serde::Serialize, serde::Deserialize)]
struct PageToken {
    #[serde(rename = "u")]
    updated_at: i64,
    #[serde(rename = "a")]
    arn: String,
}

fn string_filter_values(
    criteria: &serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(value) = criteria.get(field) else { return Ok(None) };
    let filters: Vec<inspector::StringFilter> = serde_json::from_value(value.clone())
        .map_err(|error| ApiError::validation(format!("filterCriteria.{field}: {error}")))?;
    let mut values = Vec::new();
    for filter in filters {
        if filter.comparison != "EQUALS" {
            return Err(ApiError::validation(format!(
                "filterCriteria.{field}: comparison {} is not supported by this Kensa yet (EQUALS is)",
                filter.comparison
            )));
        }
        values.push(filter.value);
    }
    Ok(Some(values))
}

async fn list_findings(shared: &Arc<Shared>, caller: &Caller, body: &[u8]) -> Result<Response, ApiError> {
    if caller.role == Role::Ingest {
        return Err(ApiError::access_denied("an ingest key cannot read findings"));
    }
    let request: ListFindingsRequest = parse_body(body)?;
    let limit = request.max_results.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation("maxResults must be between 1 and 100"));
    }
    if request.sort_criteria.is_some() {
        return Err(ApiError::validation("sortCriteria is not supported by this Kensa yet"));
    }
    let mut query =
        FindingQuery { account_ids: caller.visible_accounts.clone(), limit: limit + 1, ..FindingQuery::default() };
    if let Some(criteria) = &request.filter_criteria {
        const SUPPORTED: &[&str] = &["findingStatus", "severity", "awsAccountId", "resourceId"];
        if let Some(field) = criteria.keys().find(|field| !SUPPORTED.contains(&field.as_str())) {
            return Err(ApiError::validation(format!(
                "filterCriteria.{field} is not supported by this Kensa yet (supported: {})",
                SUPPORTED.join(", ")
            )));
        }
        if let Some(statuses) = string_filter_values(criteria, "findingStatus")? {
            query.statuses = statuses;
        }
        if let Some(severities) = string_filter_values(criteria, "severity")? {
            query.severities = severities;
        }
        if let Some(accounts) = string_filter_values(criteria, "awsAccountId")? {
            query.account_ids.retain(|account| accounts.contains(account));
        }
        if let Some(resources) = string_filter_values(criteria, "resourceId")? {
            match resources.as_slice() {
                [one] => query.resource_id = Some(one.clone()),
                [] => {}
                _ => return Err(ApiError::validation("filterCriteria.resourceId: one EQUALS value at a time for now")),
            }
        }
    }
    if let Some(token) = &request.next_token {
        let position: PageToken = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| ApiError::validation("nextToken is not one this server issued"))?;
        query.after = Some((position.updated_at, position.arn));
    }
    let mut rows = shared.store.list_findings(&query).await.map_err(ApiError::internal)?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(100);
    rows.truncate(usize::try_from(limit).unwrap_or(100));
    let next_token = if more {
        rows.last().and_then(|last| {
            serde_json::to_vec(&PageToken { updated_at: last.updated_at, arn: last.arn.clone() })
                .ok()
                .map(|bytes| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
        })
    } else {
        None
    };
    // The page's resources in one read: a page sorted by update time spans
    // many resources, and a read per resource was most of a page's cost.
    let mut keys: Vec<(String, String)> =
        rows.iter().map(|row| (row.account_id.clone(), row.resource_id.clone())).collect();
    keys.sort();
    keys.dedup();
    let resources: BTreeMap<(String, String), (String, BTreeMap<String, String>)> = shared
        .store
        .resources_by_key(&keys)
        .await
        .map_err(ApiError::internal)?
        .into_iter()
        .map(|resource| {
            let tags = serde_json::from_str(&resource.tags_json).unwrap_or_default();
            ((resource.account_id, resource.resource_id), (resource.resource_type, tags))
        })
        .collect();
    let mut findings = Vec::with_capacity(rows.len());
    for row in &rows {
        let resource_key = (row.account_id.clone(), row.resource_id.clone());
        let (resource_type, tags) = resources.get(&resource_key).cloned().unwrap_or_default();
        let engine: kensa_model::Finding = serde_json::from_str(&row.document).map_err(ApiError::internal)?;
        let context = inspector::FindingContext {
            finding_arn: &row.arn,
            account_id: &row.account_id,
            region: &shared.config.region,
            status: &row.status,
            first_observed_at: row.first_observed_at,
            last_observed_at: row.last_observed_at,
            updated_at: row.updated_at,
            resource_id: &row.resource_id,
            resource_type: &resource_type,
            tags,
        };
        findings.push(inspector::finding_of(&engine, &context));
    }
    Ok(json_response(StatusCode::OK, &ListFindingsResponse { findings, next_token }))
}
