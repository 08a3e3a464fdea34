//! Kensa's own endpoints, signed with SigV4 under the service name
//! [`NATIVE_SERVICE`].

use serde::{Deserialize, Serialize};

/// The SigV4 service name of Kensa's native endpoints.
pub const NATIVE_SERVICE: &str = "kensa";

/// The path inventories are pushed to (`POST`, body: a Kensa inventory
/// document; query: `resourceId`, `tag=KEY=VALUE`…).
pub const PUSH_INVENTORY_PATH: &str = "/kensa/v1/inventories";

/// A resource: its state (`GET`, query `resourceId`); `DELETE`: the
/// resource is gone, its findings close.
pub const RESOURCE_PATH: &str = "/kensa/v1/resource";

/// The path new access keys are created at (`POST`).
pub const CREATE_KEY_PATH: &str = "/kensa/v1/access-keys";

/// The path new accounts are created at (`POST`).
pub const CREATE_ACCOUNT_PATH: &str = "/kensa/v1/accounts";

/// `GET`: the server's state (advisory generation, queue), for operators and load tests.
pub const STATUS_PATH: &str = "/kensa/v1/status";

/// What [`STATUS_PATH`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatus {
    /// The replica answering.
    pub replica: String,
    /// The advisory generation this replica matches with (0: none yet).
    pub local_generation: i64,
    /// The newest generation registered by any replica.
    pub current_generation: i64,
    /// Re-match jobs waiting or running, all replicas together.
    pub queue_depth: i64,
}

/// `POST`: update the server's advisory database now (`kensa admin db-update`).
pub const DATABASE_UPDATE_PATH: &str = "/kensa/v1/advisory-database/update";

/// What an on-demand advisory database update did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseUpdateReport {
    /// The replica that ran it.
    pub replica: String,
    /// Whether the database was rebuilt from scratch (first download, `full`).
    pub rebuilt: bool,
    /// Advisories added.
    pub added: u64,
    /// Advisories whose record was replaced.
    pub replaced: u64,
    /// Package keys whose advisories changed (each re-matches the resources holding it).
    pub changed_packages: u64,
    /// CVEs whose CISA KEV entry changed.
    pub known_exploited_changes: u64,
    /// Whether a new day of EPSS scores arrived.
    pub epss_changed: bool,
    /// Per source (`osv:PyPI`, `kev`): `full N` or `incremental N` records.
    pub sources: Vec<(String, String)>,
    /// HTTP requests made.
    pub requests: u64,
    /// Bytes received.
    pub bytes: u64,
    /// How long it took (milliseconds).
    pub milliseconds: u64,
}

/// Credentials as `server init`, `admin account create` and `admin key
/// create` print them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCredentials {
    /// 12 digits.
    pub account_id: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret, shown once.
    pub secret_access_key: String,
    /// The key's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// `POST /kensa/v1/access-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAccessKeyRequest {
    /// The account (the caller's own when absent).
    #[serde(default)]
    pub account_id: Option<String>,
    /// `administrator`, `read-only` or `ingest`.
    pub role: String,
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResponse {
    /// The account it was stored under.
    pub account_id: String,
    /// The resource id it was stored under.
    pub resource_id: String,
    /// Inspector's resource type.
    pub resource_type: String,
    /// The inventory's sequence number for that resource.
    pub inventory_sequence: i64,
    /// SHA-256 of the document as stored.
    pub digest: String,
    /// How many packages it holds.
    pub package_count: usize,
}

/// `GET`, query `resourceId` (and `before`, a sequence, to page back): a
/// resource's inventory history, newest first, 100 entries at most.
pub const RESOURCE_HISTORY_PATH: &str = "/kensa/v1/resource/history";

/// `GET`, query `resourceId`: the resource's open findings (ACTIVE and
/// SUPPRESSED) as the engine wrote them, for `kensa scan … --server` to
/// print in any output format.
pub const RESOURCE_FINDINGS_PATH: &str = "/kensa/v1/resource/findings";

/// The answer of [`RESOURCE_FINDINGS_PATH`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFindings {
    /// The resource.
    pub resource_id: String,
    /// The inventory sequence the findings were matched from.
    pub matched_sequence: i64,
    /// The findings, in the engine's shape and order.
    pub findings: Vec<kensa_model::Finding>,
}

/// A package at a version, in a history entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    /// The ecosystem.
    pub ecosystem: String,
    /// The name.
    pub name: String,
    /// The version.
    pub version: String,
}

/// A package that changed version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChangeRef {
    /// The ecosystem.
    pub ecosystem: String,
    /// The name.
    pub name: String,
    /// The version before.
    pub from: String,
    /// The version after.
    pub to: String,
}

/// What one inventory changed from the one before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryChanges {
    /// The resource's first inventory (everything is `added`).
    pub first: bool,
    /// Packages added.
    pub added: Vec<PackageRef>,
    /// Packages removed.
    pub removed: Vec<PackageRef>,
    /// Packages upgraded (or downgraded).
    pub changed: Vec<VersionChangeRef>,
}

/// One inventory in a resource's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryHistoryEntry {
    /// Its sequence number.
    pub sequence: i64,
    /// When it arrived (epoch seconds).
    pub received_at: i64,
    /// SHA-256 of the document.
    pub digest: String,
    /// What it changed.
    pub changes: InventoryChanges,
}

/// The answer of [`RESOURCE_HISTORY_PATH`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryHistory {
    /// The resource.
    pub resource_id: String,
    /// Newest first.
    pub entries: Vec<InventoryHistoryEntry>,
}

/// The answer to `DELETE /kensa/v1/resource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedResource {
    /// Owner.
    pub account_id: String,
    /// The resource deleted.
    pub resource_id: String,
    /// How many of its findings closed.
    pub closed_findings: u64,
}

/// A resource's state (`GET /kensa/v1/resource`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceState {
    /// Owner.
    pub account_id: String,
    /// Id.
    pub resource_id: String,
    /// Inspector's resource type.
    pub resource_type: String,
    /// Latest inventory's sequence number.
    pub inventory_sequence: i64,
    /// The sequence the findings are matched from (equal once current).
    pub matched_sequence: i64,
    /// When the findings were last matched (epoch seconds).
    #[serde(default)]
    pub last_scanned_at: Option<i64>,
}
