//! Crash safety of `kensa server`: SIGKILL during ingestion, during a
//! re-match and during an advisory database update, then a restart on the
//! same state. Proves: every push the server acknowledged is there after the
//! restart; re-matches queued before the kill are finished after it (the
//! dead workers' leases run out); a killed update leaves the previous
//! database intact and a restarted server updates again; in every case the
//! findings then equal a local scan of each stored inventory against the
//! database in place — what a fresh full re-match would give.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::db_update::{bucket, shared_records};
use super::server::{Server, credentials, init, inspector, start_with};
use crate::common;
use crate::common::feed_server::FeedServer;

/// Short leases: a dead replica's work moves on within seconds.
const LEASE: [&str; 2] = ["--job-lease-seconds", "3"];

/// A request to the native API signed with `key`: (status, JSON body).
fn native(
    url: &str,
    key: &serde_json::Value,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let authority = url.trim_start_matches("http://").to_string();
    let headers = vec![("host".to_string(), authority)];
    let request = kensa_sigv4::Request { method, path, query, headers: &headers, body };
    let credentials = kensa_sigv4::Credentials {
        access_key_id: key["access_key_id"].as_str().unwrap(),
        secret_access_key: key["secret_access_key"].as_str().unwrap(),
    };
    let added =
        kensa_sigv4::sign(&request, &credentials, "us-east-1", "kensa", kensa_model::time::now_seconds()).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let target = if query.is_empty() { format!("{url}{path}") } else { format!("{url}{path}?{query}") };
    let mut builder = ureq::http::Request::builder().method(method).uri(target);
    for (name, value) in headers.iter().chain(added.iter()) {
        builder = builder.header(name.as_str(), value.as_str());
    }
    match agent.run(builder.body(body.to_vec()).unwrap()) {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let bytes = response.body_mut().read_to_vec().unwrap_or_default();
            (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
        }
        // The server is gone (killed): no answer, nothing acknowledged.
        Err(_) => (0, serde_json::Value::Null),
    }
}

fn status(url: &str, key: &serde_json::Value) -> serde_json::Value {
    let (code, body) = native(url, key, "GET", "/kensa/v1/status", "", b"");
    assert_eq!(code, 200, "{body}");
    body
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(120), "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn kill(server: &mut Server) {
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
}

/// (vulnerability id, package, version) of a resource's ACTIVE findings.
fn served(url: &str, key: &serde_json::Value, resource: &str) -> BTreeSet<(String, String, String)> {
    let (id, secret) = (key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    let mut all = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = serde_json::json!({"maxResults": 100, "filterCriteria": {
            "resourceId": [{"comparison": "EQUALS", "value": resource}],
            "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}],
        }});
        if let Some(token) = &token {
            body["nextToken"] = serde_json::Value::String(token.clone());
        }
        let (status, error, page) = inspector(url, id, secret, "/findings/list", &body.to_string());
        assert_eq!(status, 200, "{error}: {page}");
        for finding in page["findings"].as_array().unwrap() {
            let details = &finding["packageVulnerabilityDetails"];
            let package = &details["vulnerablePackages"][0];
            all.insert((
                details["vulnerabilityId"].as_str().unwrap().to_string(),
                package["name"].as_str().unwrap().to_string(),
                package["version"].as_str().unwrap().to_string(),
            ));
        }
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => return all,
        }
    }
}

fn local_scan(inventory: &Path, database: &Path) -> BTreeSet<(String, String, String)> {
    let report = common::json_report(&[
        "scan",
        "inventory",
        inventory.to_str().unwrap(),
        "--db",
        database.to_str().unwrap(),
        "--format",
        "json",
    ]);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["id"].as_str().unwrap().to_string(),
                finding["package"]["name"].as_str().unwrap().to_string(),
                finding["package"]["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn project_inventory(directory: &Path) -> std::path::PathBuf {
    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = directory.join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    inventory
}

#[test]
fn sigkill_during_ingestion_and_rematch_loses_nothing_on_sqlite() {
    sigkill_during_ingestion_and_rematch_loses_nothing(None);
}

#[test]
fn sigkill_during_ingestion_and_rematch_loses_nothing_on_postgresql() {
    let Some(database) = kensa_test_support::postgres_database("crash") else { return };
    sigkill_during_ingestion_and_rematch_loses_nothing(Some(&database.url));
}

fn sigkill_during_ingestion_and_rematch_loses_nothing(database: Option<&str>) {
    let data = tempfile::tempdir().unwrap();
    let inventory = project_inventory(data.path());
    let document = std::fs::read(&inventory).unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, database));
    // The old database (the suite's shared one without KEV would do, but a
    // change must touch these resources): matched first with an empty one.
    let empty_feeds = data.path().join("empty-feeds");
    std::fs::create_dir_all(&empty_feeds).unwrap();
    let empty = data.path().join("empty.redb");
    let built =
        common::kensa(&["db", "build", "--from", empty_feeds.to_str().unwrap(), "--db", empty.to_str().unwrap()]);
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    std::fs::copy(&empty, data_dir.join("advisories.redb")).unwrap();
    let run = |data_dir: &Path| {
        let mut arguments = LEASE.to_vec();
        arguments.push("--no-db-update");
        start_with(data_dir, database, &arguments)
    };
    let mut server = run(&data_dir);
    wait_for("the server is ready", || status(&server.url, &admin)["localGeneration"] == 1);

    // Ingestion: four clients push while the server is killed under them.
    let acknowledged: Arc<Mutex<Vec<(String, i64)>>> = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let (url, key, document, acknowledged) =
                (server.url.clone(), admin.clone(), document.clone(), Arc::clone(&acknowledged));
            std::thread::spawn(move || {
                for index in 0..40 {
                    let resource = format!("host-{client}-{index}");
                    let query = format!("resourceId={resource}");
                    let (code, answer) = native(&url, &key, "POST", "/kensa/v1/inventories", &query, &document);
                    if code != 200 {
                        return;
                    }
                    acknowledged.lock().unwrap().push((resource, answer["inventorySequence"].as_i64().unwrap()));
                }
            })
        })
        .collect();
    wait_for("some pushes are acknowledged", || acknowledged.lock().unwrap().len() >= 12);
    kill(&mut server);
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() < 160, "the kill came before the clients were done");

    let mut server = run(&data_dir);
    for (resource, sequence) in &acknowledged {
        let (code, state) =
            native(&server.url, &admin, "GET", "/kensa/v1/resource", &format!("resourceId={resource}"), b"");
        assert_eq!(code, 200, "acknowledged {resource} is lost: {state}");
        assert!(state["inventorySequence"].as_i64().unwrap() >= *sequence);
    }
    wait_for("the queue drains", || status(&server.url, &admin)["queueDepth"] == 0);

    // A re-match: the full database replaces the empty one; kill the server
    // once the change is registered and its re-matches are queued.
    let staged = data_dir.join("advisories.redb.staged");
    std::fs::copy(common::database(), &staged).unwrap();
    std::fs::rename(&staged, data_dir.join("advisories.redb")).unwrap();
    wait_for("the new database is registered", || status(&server.url, &admin)["currentGeneration"] == 2);
    let queued = status(&server.url, &admin)["queueDepth"].as_i64().unwrap();
    kill(&mut server);
    eprintln!("killed with {queued} re-matches queued");

    let server = run(&data_dir);
    wait_for("the re-matches finish after the restart", || {
        let now = status(&server.url, &admin);
        now["localGeneration"] == 2 && now["queueDepth"] == 0
    });
    let expected = local_scan(&inventory, common::database());
    assert!(!expected.is_empty());
    for (resource, _) in &acknowledged {
        assert_eq!(served(&server.url, &admin, resource), expected, "{resource}: findings of a fresh full re-match");
    }
}

#[test]
fn sigkill_during_a_database_update_keeps_the_previous_database() {
    let data = tempfile::tempdir().unwrap();
    let inventory = project_inventory(data.path());
    let feed = FeedServer::start(bucket(shared_records()));
    let (osv, kev, epss) = (feed.url(), format!("{}/kev.json", feed.url()), format!("{}/epss.csv.gz", feed.url()));
    let sources = ["--osv-url", osv.as_str(), "--kev-url", kev.as_str(), "--epss-url", epss.as_str()];
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, None));
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let before = std::fs::read(data_dir.join("advisories.redb")).unwrap();

    // The scheduled update starts at once and downloads slowly: killed mid-way.
    feed.set_delay(Duration::from_millis(300));
    let mut arguments = LEASE.to_vec();
    arguments.extend(sources);
    let mut server = start_with(&data_dir, None, &arguments);
    wait_for("the update is downloading", || !feed.take_log().is_empty());
    std::thread::sleep(Duration::from_millis(700));
    kill(&mut server);
    assert_eq!(std::fs::read(data_dir.join("advisories.redb")).unwrap(), before, "the previous database is intact");
    let status_output = common::kensa(&["db", "status", "--db", data_dir.join("advisories.redb").to_str().unwrap()]);
    assert!(status_output.status.success(), "{}", String::from_utf8_lossy(&status_output.stderr));

    // Restarted, it updates again once the dead replica's lease runs out.
    feed.set_delay(Duration::ZERO);
    let server = start_with(&data_dir, None, &arguments);
    wait_for("the database is updated after the restart", || {
        std::fs::read(data_dir.join("advisories.redb")).unwrap() != before
    });
    let pushed =
        super::server::kensa_as(&admin, &["push", "--server", &server.url, "--wait", inventory.to_str().unwrap()]);
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    wait_for("the findings are current", || status(&server.url, &admin)["queueDepth"] == 0);
    let in_place = data.path().join("in-place.redb");
    std::fs::copy(data_dir.join("advisories.redb"), &in_place).unwrap();
    let resource = served_resource_id(&server, &admin);
    assert_eq!(served(&server.url, &admin, &resource), local_scan(&inventory, &in_place));
}

/// The id the server gave the one pushed resource.
fn served_resource_id(server: &Server, key: &serde_json::Value) -> String {
    let findings = super::server::all_findings(&server.url, key);
    findings.first().expect("findings")["resources"][0]["id"].as_str().unwrap().to_string()
}
