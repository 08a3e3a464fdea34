//! `kensa server`: a long-running service that stores each resource's
//! latest inventory, matches it on background workers through a durable
//! queue, keeps findings with Inspector's lifecycle, and answers over HTTP.
//!
//! Every request but `/healthz` and `/readyz` is signed with AWS Signature
//! Version 4 using keys this server issued, so the AWS CLI and SDKs talk to
//! it unchanged (`inspector2` for the Inspector API, `kensa` for the native
//! endpoints). State lives in [`kensa_store`] (SQLite by default,
//! PostgreSQL to scale out); no state that matters is held in memory, so a
//! SIGKILL loses nothing the server acknowledged and several replicas can
//! share one PostgreSQL.
//!
//! The engine is synchronous; matching runs on blocking threads
//! (`spawn_blocking`), never on the runtime's.

mod advisories;
mod credentials;
mod http;
mod ingest;
mod maintenance;
mod metrics;
mod suppression;
mod updater;
mod worker;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use credentials::{Role, SERVER_KEY_FILE, ServerKey};
use kensa_api::native::IssuedCredentials;
pub use kensa_store::Retention;
pub use updater::DatabaseUpdates;

/// The advisory database's file name in the data directory.
pub const ADVISORY_DATABASE_FILE: &str = "advisories.redb";

/// The SQLite store's file name in the data directory.
pub const SQLITE_STORE_FILE: &str = "kensa.sqlite3";

/// Errors of the server, naming the operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The store refused.
    #[error(transparent)]
    Store(#[from] kensa_store::StoreError),
    /// A file in the data directory could not be used.
    #[error("{operation} {path}: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// Which file.
        path: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// The operating system's random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// `server init` on a store that already has accounts.
    #[error("the store at {0} is already initialised (it has accounts); nothing was changed")]
    AlreadyInitialised(String),
    /// `server run` on a store `server init` never set up.
    #[error("the store at {0} has no accounts: run `kensa server init` first")]
    NotInitialised(String),
    /// The address could not be bound.
    #[error("listen on {address}: {source}")]
    Listen {
        /// The address.
        address: String,
        /// The system's error.
        source: std::io::Error,
    },
}

/// Where the server keeps its state and how it serves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The data directory: server key, advisory database, SQLite store.
    pub data_dir: PathBuf,
    /// `postgres://…` to keep the state in PostgreSQL; the SQLite file in
    /// the data directory when `None`.
    pub database_url: Option<String>,
    /// The region ARNs name.
    pub region: String,
    /// Matching workers in this process.
    pub workers: usize,
    /// The largest inventory a push may send, in bytes.
    pub maximum_push_bytes: usize,
    /// How long a claim on a job lasts unless renewed; workers renew every
    /// third of it, so this is how soon a dead replica's work is taken over.
    pub job_lease_seconds: i64,
    /// How the server updates its advisory database itself; `None`: never
    /// (it only takes up files replaced under it).
    pub updates: Option<DatabaseUpdates>,
    /// How long closed findings and deleted resources are kept.
    pub retention: kensa_store::Retention,
}

impl ServerConfig {
    /// Defaults for a data directory.
    pub fn new(data_dir: &Path) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.to_path_buf(),
            database_url: None,
            region: "us-east-1".to_string(),
            workers: std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            maximum_push_bytes: 64 * 1024 * 1024,
            job_lease_seconds: 60,
            updates: None,
            retention: kensa_store::Retention::default(),
        }
    }

    fn store_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join(SQLITE_STORE_FILE).display()),
        }
    }

    fn store_description(&self) -> String {
        match &self.database_url {
            // Never print a password.
            Some(url) => url.split('@').next_back().unwrap_or(url).to_string(),
            None => self.data_dir.join(SQLITE_STORE_FILE).display().to_string(),
        }
    }
}

/// The machine's name, for telling replicas apart in logs and claims.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

fn now_seconds() -> i64 {
    kensa_model::time::now_seconds()
}

/// Creates the data directory, the server key and the store, and the
/// administrator account with its first key, whose credentials are returned.
pub async fn init(config: &ServerConfig) -> Result<IssuedCredentials, ServerError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::Io {
        operation: "create the data directory",
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let store = kensa_store::Store::open(&config.store_url()).await?;
    if store.has_accounts().await? {
        return Err(ServerError::AlreadyInitialised(config.store_description()));
    }
    let key = ServerKey::load(&config.data_dir.join(SERVER_KEY_FILE), true)?;
    let account_id = credentials::new_account_id()?;
    let account = kensa_store::Account { account_id, administrator_account_id: None, created_at: now_seconds() };
    let issued = issue_key(&key, &account.account_id, Role::Administrator)?;
    store.create_account(&account, &issued.0).await?;
    store.close().await;
    Ok(issued.1)
}

pub(crate) fn issue_key(
    key: &ServerKey,
    account_id: &str,
    role: Role,
) -> Result<(kensa_store::AccessKey, IssuedCredentials), ServerError> {
    let access_key_id = credentials::new_access_key_id()?;
    let secret = credentials::new_secret()?;
    let stored = kensa_store::AccessKey {
        access_key_id: access_key_id.clone(),
        account_id: account_id.to_string(),
        role: role.as_str().to_string(),
        sealed_secret: key.seal(&secret)?,
        created_at: now_seconds(),
    };
    let printed = IssuedCredentials {
        account_id: account_id.to_string(),
        access_key_id,
        secret_access_key: secret,
        role: Some(role.as_str().to_string()),
    };
    Ok((stored, printed))
}

/// What the request handlers and workers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) store: kensa_store::Store,
    pub(crate) key: ServerKey,
    pub(crate) advisories: std::sync::RwLock<Option<Arc<kensa_db::DatabaseHandle>>>,
    /// The advisory generation this process matches with (0: none yet),
    /// set by the watcher once its database is registered in the store.
    pub(crate) local_generation: std::sync::atomic::AtomicI64,
    /// This process among the replicas (host, pid, port), for job claims,
    /// leases and the generation log.
    pub(crate) replica_id: String,
    /// Pushes on their way into the store (group commit).
    pub(crate) ingest: ingest::Queue,
    /// This replica's counters, for `/metrics`.
    pub(crate) metrics: metrics::Metrics,
    /// Wakes the workers of this process when a push queued work.
    pub(crate) work_arrived: tokio::sync::Notify,
    /// Wakes the database watcher when this process replaced the file.
    pub(crate) database_replaced: tokio::sync::Notify,
    pub(crate) shutting_down: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn advisory_handle(&self) -> Option<Arc<kensa_db::DatabaseHandle>> {
        let mut slot = self.advisories.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            // Opened when first there: a server may start before its first
            // `kensa db build`/`import`, and becomes ready when it arrives.
            let path = self.config.data_dir.join(ADVISORY_DATABASE_FILE);
            match kensa_db::DatabaseHandle::open(&path) {
                Ok(handle) => *slot = Some(Arc::new(handle)),
                Err(error) => {
                    tracing::debug!(path = %path.display(), %error, "advisory database not available yet");
                }
            }
        }
        slot.clone()
    }
}

/// A running server.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on.
    pub address: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Ends last: in-flight pushes wait on it.
    ingest_task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests and jobs finish, closes the store.
    pub async fn shutdown(self) {
        let _ = self.shared.shutting_down.send(true);
        self.shared.work_arrived.notify_waiters();
        for task in self.tasks {
            let _ = task.await;
        }
        // Every request has been answered: no push waits any more.
        self.ingest_task.abort();
        let _ = self.ingest_task.await;
        self.shared.store.close().await;
    }
}

/// Opens the state and starts serving on `listen`, with the workers.
pub async fn start(config: ServerConfig, listen: &str) -> Result<RunningServer, ServerError> {
    let store = kensa_store::Store::open(&config.store_url()).await?;
    if !store.has_accounts().await? {
        return Err(ServerError::NotInitialised(config.store_description()));
    }
    let key = ServerKey::load(&config.data_dir.join(SERVER_KEY_FILE), false)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServerError::Listen { address: listen.to_string(), source })?;
    let address =
        listener.local_addr().map_err(|source| ServerError::Listen { address: listen.to_string(), source })?;
    let (shutting_down, _) = tokio::sync::watch::channel(false);
    let (ingest, ingest_receiver) = ingest::queue();
    let replica_id = format!("{}-{}-{}", host_name(), std::process::id(), address.port());
    let shared = Arc::new(Shared {
        config,
        store,
        key,
        advisories: std::sync::RwLock::new(None),
        local_generation: std::sync::atomic::AtomicI64::new(0),
        replica_id,
        ingest,
        metrics: metrics::Metrics::default(),
        work_arrived: tokio::sync::Notify::new(),
        database_replaced: tokio::sync::Notify::new(),
        shutting_down,
    });
    let _ = shared.advisory_handle();
    let mut tasks = Vec::new();
    let ingest_task = tokio::spawn(ingest::run(Arc::clone(&shared), ingest_receiver));
    tasks.push(tokio::spawn(advisories::watch(Arc::clone(&shared))));
    tasks.push(tokio::spawn(updater::schedule(Arc::clone(&shared))));
    tasks.push(tokio::spawn(maintenance::run(Arc::clone(&shared))));
    for index in 0..shared.config.workers.max(1) {
        let shared = Arc::clone(&shared);
        let worker_id = format!("{}-{index}", shared.replica_id);
        tasks.push(tokio::spawn(async move { worker::run(shared, worker_id).await }));
    }
    let router = http::router(Arc::clone(&shared));
    let mut stop = shared.shutting_down.subscribe();
    tasks.push(tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopping| *stopping).await;
        });
        if let Err(error) = serve.await {
            tracing::error!(%error, "the HTTP server stopped");
        }
    }));
    tracing::info!(%address, store = %shared.config.store_description(), "kensa server listening");
    Ok(RunningServer { address, shared, tasks, ingest_task })
}
