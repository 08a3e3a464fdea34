//! The server's clients in the CLI: `kensa push` and `kensa admin …`.
//! Requests are signed with SigV4 (service `kensa`) like any AWS SDK does.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use kensa_api::native::{self, CreateAccessKeyRequest, IssuedCredentials, PushResponse, ResourceState};

use crate::args::ServerConnection;

/// How long `--wait` waits for the server to match a push.
const WAIT_LIMIT: Duration = Duration::from_secs(300);

struct Client {
    agent: ureq::Agent,
    base: String,
    authority: String,
    access_key_id: String,
    secret_access_key: String,
    region: String,
}

impl Client {
    fn new(connection: &ServerConnection) -> Result<Client> {
        Client::with_read_timeout(connection, kensa_http::ClientOptions::default().read_timeout)
    }

    /// A client that waits up to `read_timeout` for an answer (a database
    /// update answers once it is done).
    fn with_read_timeout(connection: &ServerConnection, read_timeout: std::time::Duration) -> Result<Client> {
        let (access_key_id, secret_access_key) = crate::settings::server_credentials(connection.profile.as_deref())?;
        let base = connection.server.trim_end_matches('/').to_string();
        let uri: ureq::http::Uri = base.parse().with_context(|| format!("--server '{base}' is not a URL"))?;
        let authority = uri
            .authority()
            .map(|authority| authority.as_str().to_string())
            .ok_or_else(|| anyhow::anyhow!("--server '{base}' has no host"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            bail!("--server '{base}' must be an http:// or https:// URL");
        }
        let options = kensa_http::ClientOptions {
            ca_file: connection.ca_file.clone(),
            proxy: kensa_http::proxy_from_environment(),
            read_timeout,
            ..kensa_http::ClientOptions::default()
        };
        Ok(Client {
            agent: kensa_http::agent(&options)?,
            base,
            authority,
            access_key_id,
            secret_access_key,
            region: crate::settings::server_region(),
        })
    }

    /// Sends a signed request; returns the body of a 2xx answer, the
    /// server's error (code and message) otherwise.
    fn send(&self, method: &str, path: &str, query: &str, body: &[u8]) -> Result<Vec<u8>> {
        let mut headers = vec![("host".to_string(), self.authority.clone())];
        if !body.is_empty() {
            headers.push(("content-type".to_string(), "application/json".to_string()));
        }
        let request = kensa_sigv4::Request { method, path, query, headers: &headers, body };
        let credentials =
            kensa_sigv4::Credentials { access_key_id: &self.access_key_id, secret_access_key: &self.secret_access_key };
        let added = kensa_sigv4::sign(
            &request,
            &credentials,
            &self.region,
            native::NATIVE_SERVICE,
            kensa_model::time::now_seconds(),
        )?;
        let url =
            if query.is_empty() { format!("{}{path}", self.base) } else { format!("{}{path}?{query}", self.base) };
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers.iter().chain(added.iter()) {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let request = builder.body(body.to_vec()).context("cannot build the request")?;
        let mut response = self.agent.run(request).with_context(|| format!("cannot reach {url}"))?;
        let status = response.status();
        let error_type =
            response.headers().get("x-amzn-ErrorType").and_then(|value| value.to_str().ok()).map(str::to_string);
        let bytes = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .with_context(|| format!("cannot read the answer of {url}"))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<kensa_api::ErrorBody>(&bytes)
                .map(|error| error.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned());
            bail!("{method} {url}: {} {}: {message}", status.as_u16(), error_type.unwrap_or_default());
        }
        Ok(bytes)
    }
}

/// The query of a push: resource id and type, tags.
fn push_query(resource_id: Option<&str>, resource_type: Option<&str>, tags: &[String]) -> Result<String> {
    let mut query = Vec::new();
    if let Some(id) = resource_id {
        query.push(format!("resourceId={}", kensa_model::percent_encode(id)));
    }
    if let Some(kind) = resource_type {
        query.push(format!("resourceType={}", kensa_model::percent_encode(kind)));
    }
    for tag in tags {
        if !tag.contains('=') {
            bail!("--tag '{tag}' is not KEY=VALUE");
        }
        query.push(format!("tag={}", kensa_model::percent_encode(tag)));
    }
    Ok(query.join("&"))
}

/// `kensa scan … --server`: pushes an inventory collected here, waits for
/// the server to match it, and returns the server's open findings of the
/// resource, in the engine's shape (for any output format).
pub(crate) fn findings_from_server(
    connection: &ServerConnection,
    inventory: &kensa_model::Inventory,
    resource_id: Option<&str>,
    tags: &[String],
) -> Result<Vec<kensa_model::Finding>> {
    let client = Client::new(connection)?;
    let query = push_query(resource_id, None, tags)?;
    let document = serde_json::to_vec(inventory).context("cannot serialise the inventory")?;
    let answer =
        client.send("POST", native::PUSH_INVENTORY_PATH, &query, &document).context("cannot push the inventory")?;
    let pushed: PushResponse = serde_json::from_slice(&answer).context("the server's answer is not a push response")?;
    wait_for_match(&client, &pushed)?;
    let query = format!("resourceId={}", kensa_model::percent_encode(&pushed.resource_id));
    let answer = client.send("GET", native::RESOURCE_FINDINGS_PATH, &query, b"")?;
    let findings: native::ResourceFindings =
        serde_json::from_slice(&answer).context("the server's answer is not a resource's findings")?;
    Ok(findings.findings)
}

pub(crate) fn push(
    connection: &ServerConnection,
    resource_id: Option<&str>,
    resource_type: Option<&str>,
    tags: &[String],
    wait: bool,
    files: &[PathBuf],
) -> Result<ExitCode> {
    if resource_id.is_some() && files.len() > 1 {
        bail!("--resource-id names one resource: push one file at a time with it");
    }
    let client = Client::new(connection)?;
    let query = push_query(resource_id, resource_type, tags)?;
    let mut stdout = std::io::stdout().lock();
    for file in files {
        let document = kensa_scan::read_input_file(file, "inventory", kensa_scan::INPUT_SIZE_LIMIT)?;
        // Checked here too, so a wrong file is named before it is sent.
        kensa_scan::inventory_from_json(&file.display().to_string(), &document)?;
        let answer = client
            .send("POST", native::PUSH_INVENTORY_PATH, &query, &document)
            .with_context(|| format!("cannot push {}", file.display()))?;
        let pushed: PushResponse =
            serde_json::from_slice(&answer).context("the server's answer is not a push response")?;
        if wait {
            wait_for_match(&client, &pushed)?;
        }
        serde_json::to_writer(&mut stdout, &pushed).context("cannot write the answer")?;
        writeln!(stdout).context("cannot write the answer")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn wait_for_match(client: &Client, pushed: &PushResponse) -> Result<()> {
    let query = format!("resourceId={}", kensa_model::percent_encode(&pushed.resource_id));
    let started = Instant::now();
    loop {
        let answer = client.send("GET", native::RESOURCE_PATH, &query, b"")?;
        let state: ResourceState = serde_json::from_slice(&answer).context("the server's answer is not a resource")?;
        if state.matched_sequence >= pushed.inventory_sequence {
            return Ok(());
        }
        if started.elapsed() > WAIT_LIMIT {
            bail!(
                "the server has not matched {} after {} s (is its advisory database in place?)",
                pushed.resource_id,
                WAIT_LIMIT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn print_credentials(bytes: &[u8]) -> Result<ExitCode> {
    let issued: IssuedCredentials = serde_json::from_slice(bytes).context("the server's answer is not credentials")?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &issued).context("cannot write the credentials")?;
    writeln!(stdout).context("cannot write the credentials")?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn create_account(connection: &ServerConnection) -> Result<ExitCode> {
    let client = Client::new(connection)?;
    print_credentials(&client.send("POST", native::CREATE_ACCOUNT_PATH, "", b"{}")?)
}

pub(crate) fn create_key(connection: &ServerConnection, account: Option<String>, role: &str) -> Result<ExitCode> {
    let client = Client::new(connection)?;
    let body = serde_json::to_vec(&CreateAccessKeyRequest { account_id: account, role: role.to_string() })?;
    print_credentials(&client.send("POST", native::CREATE_KEY_PATH, "", &body)?)
}

pub(crate) fn update_database(connection: &ServerConnection) -> Result<ExitCode> {
    // A first download can take many minutes.
    let client = Client::with_read_timeout(connection, std::time::Duration::from_secs(3 * 3600))?;
    let answer = client.send("POST", native::DATABASE_UPDATE_PATH, "", b"{}")?;
    let report: native::DatabaseUpdateReport =
        serde_json::from_slice(&answer).context("the server's answer is not an update report")?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &report).context("cannot write the report")?;
    writeln!(stdout).context("cannot write the report")?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn delete_resource(connection: &ServerConnection, resource_id: &str) -> Result<ExitCode> {
    let client = Client::new(connection)?;
    let query = format!("resourceId={}", kensa_model::percent_encode(resource_id));
    let answer = client.send("DELETE", native::RESOURCE_PATH, &query, b"")?;
    let deleted: native::DeletedResource =
        serde_json::from_slice(&answer).context("the server's answer is not a deleted resource")?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &deleted).context("cannot write the answer")?;
    writeln!(stdout).context("cannot write the answer")?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn resource_history(connection: &ServerConnection, resource_id: &str) -> Result<ExitCode> {
    let client = Client::new(connection)?;
    let query = format!("resourceId={}", kensa_model::percent_encode(resource_id));
    let answer = client.send("GET", native::RESOURCE_HISTORY_PATH, &query, b"")?;
    let history: native::InventoryHistory =
        serde_json::from_slice(&answer).context("the server's answer is not an inventory history")?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &history).context("cannot write the history")?;
    writeln!(stdout).context("cannot write the history")?;
    Ok(ExitCode::SUCCESS)
}
