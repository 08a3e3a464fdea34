//! `kensa server`: init, run on the embedded SQLite default, push a real
//! inventory with `kensa push --wait`, and read the findings back through
//! the Inspector API signed as an AWS SDK signs (kensa-sigv4, checked against
//! AWS's published vector). Proves: the server's findings equal the local
//! scan of the same inventory; unsigned, mis-signed, unknown-key and
//! wrong-role requests are refused with AWS's error codes; a member account
//! sees nothing of its administrator's.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common;

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `--database URL` when the state is in PostgreSQL, nothing for SQLite.
fn store_arguments(data_dir: &Path, database: Option<&str>) -> Vec<String> {
    let mut arguments = vec!["--data-dir".to_string(), data_dir.to_str().unwrap().to_string()];
    if let Some(url) = database {
        arguments.extend(["--database".to_string(), url.to_string()]);
    }
    arguments
}

pub(crate) fn init(data_dir: &Path, database: Option<&str>) -> std::process::Output {
    let mut arguments = vec!["server".to_string(), "init".to_string()];
    arguments.extend(store_arguments(data_dir, database));
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    common::kensa(&arguments)
}

/// A server that updates no advisory database itself (the tests have no
/// network): it takes up the file in its data directory.
pub(crate) fn start(data_dir: &Path, database: Option<&str>) -> Server {
    start_with(data_dir, database, &["--no-db-update"])
}

pub(crate) fn start_with(data_dir: &Path, database: Option<&str>, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kensa"))
        .args(["server", "run", "--listen", "127.0.0.1:0", "--workers", "2"])
        .args(store_arguments(data_dir, database))
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines.next().expect("the server exited before listening").unwrap();
        if let Some(url) = line.strip_prefix("kensa server listening on ") {
            break url.to_string();
        }
    };
    // Keep draining its log so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

pub(crate) fn credentials(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

pub(crate) fn kensa_as(key: &serde_json::Value, arguments: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kensa"))
        .args(arguments)
        .env("AWS_ACCESS_KEY_ID", key["access_key_id"].as_str().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", key["secret_access_key"].as_str().unwrap())
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

/// POSTs a body to the Inspector API, signed with (id, secret); returns the
/// status, the error type header and the JSON body.
pub(crate) fn inspector(url: &str, id: &str, secret: &str, path: &str, body: &str) -> (u16, String, serde_json::Value) {
    let authority = url.trim_start_matches("http://").to_string();
    let headers = vec![("host".to_string(), authority), ("content-type".to_string(), "application/json".to_string())];
    let request = kensa_sigv4::Request { method: "POST", path, query: "", headers: &headers, body: body.as_bytes() };
    let credentials = kensa_sigv4::Credentials { access_key_id: id, secret_access_key: secret };
    let added =
        kensa_sigv4::sign(&request, &credentials, "us-east-1", "inspector2", kensa_model::time::now_seconds()).unwrap();
    send(url, path, headers.iter().chain(added.iter()), body)
}

/// [`inspector`] signed with a key as `server init` and `admin key create`
/// print it.
pub(crate) fn inspector_as(
    key: &serde_json::Value,
    url: &str,
    path: &str,
    body: serde_json::Value,
) -> (u16, String, serde_json::Value) {
    let (id, secret) = (key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    inspector(url, id, secret, path, &body.to_string())
}

pub(crate) fn send<'a>(
    url: &str,
    path: &str,
    headers: impl Iterator<Item = &'a (String, String)>,
    body: &str,
) -> (u16, String, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut builder = ureq::http::Request::builder().method("POST").uri(format!("{url}{path}"));
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let mut response = agent.run(builder.body(body.as_bytes().to_vec()).unwrap()).unwrap();
    let status = response.status().as_u16();
    let request_id = response.headers().get("x-amzn-RequestId").map(|value| value.to_str().unwrap().len());
    assert_eq!(request_id, Some(36), "every answer carries x-amzn-RequestId, as AWS's do");
    let error =
        response.headers().get("x-amzn-ErrorType").map(|value| value.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = response.body_mut().read_to_vec().unwrap();
    (status, error, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

pub(crate) fn all_findings(url: &str, key: &serde_json::Value) -> Vec<serde_json::Value> {
    let (id, secret) = (key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    let mut findings = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let body = match &token {
            Some(token) => serde_json::json!({"maxResults": 40, "nextToken": token}),
            None => serde_json::json!({"maxResults": 40}),
        };
        let (status, error, page) = inspector(url, id, secret, "/findings/list", &body.to_string());
        assert_eq!(status, 200, "{error}: {page}");
        findings.extend(page["findings"].as_array().unwrap().iter().cloned());
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => return findings,
        }
    }
}

#[test]
fn pushed_inventories_are_matched_and_listed_like_a_local_scan_on_sqlite() {
    pushed_inventories_are_matched_and_listed_like_a_local_scan(None);
}

#[test]
fn pushed_inventories_are_matched_and_listed_like_a_local_scan_on_postgresql() {
    let Some(database) = kensa_test_support::postgres_database("server_scan") else { return };
    pushed_inventories_are_matched_and_listed_like_a_local_scan(Some(&database.url));
}

fn pushed_inventories_are_matched_and_listed_like_a_local_scan(database: Option<&str>) {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, database));
    assert_eq!(admin["account_id"].as_str().unwrap().len(), 12);
    let again = init(&data_dir, database);
    assert!(!again.status.success(), "a second init must refuse");
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let server = start(&data_dir, database);

    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let pushed = kensa_as(
        &admin,
        &["push", "--server", &server.url, "--wait", "--tag", "team=payments", inventory.to_str().unwrap()],
    );
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));

    let local = common::json_report(&[
        "scan",
        "inventory",
        inventory.to_str().unwrap(),
        "--db",
        common::database().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let mut expected: Vec<(String, String, String)> = local["findings"]
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
        .collect();
    expected.sort();
    assert!(expected.len() > 50, "the fixture should have many findings, got {}", expected.len());

    let listed = all_findings(&server.url, &admin);
    let mut served: Vec<(String, String, String)> = listed
        .iter()
        .map(|finding| {
            let package = &finding["packageVulnerabilityDetails"]["vulnerablePackages"][0];
            (
                finding["packageVulnerabilityDetails"]["vulnerabilityId"].as_str().unwrap().to_string(),
                package["name"].as_str().unwrap().to_string(),
                package["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    served.sort();
    assert_eq!(served, expected, "the server's findings are the local scan's");
    let arns: std::collections::BTreeSet<&str> =
        listed.iter().map(|finding| finding["findingArn"].as_str().unwrap()).collect();
    assert_eq!(arns.len(), listed.len(), "pagination neither repeats nor drops findings");
    let prefix = format!("arn:aws:inspector2:us-east-1:{}:finding/", admin["account_id"].as_str().unwrap());
    assert!(arns.iter().all(|arn| arn.starts_with(&prefix) && arn.len() == prefix.len() + 32));
    assert!(
        listed
            .iter()
            .all(|finding| finding["status"] == "ACTIVE" && finding["resources"][0]["tags"]["team"] == "payments")
    );

    // Pushing the same inventory again keeps every ARN and first observation.
    let first_seen: std::collections::BTreeMap<String, f64> = listed
        .iter()
        .map(|finding| {
            (finding["findingArn"].as_str().unwrap().to_string(), finding["firstObservedAt"].as_f64().unwrap())
        })
        .collect();
    let again = kensa_as(&admin, &["push", "--server", &server.url, "--wait", inventory.to_str().unwrap()]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let relisted: std::collections::BTreeMap<String, f64> = all_findings(&server.url, &admin)
        .iter()
        .map(|finding| {
            (finding["findingArn"].as_str().unwrap().to_string(), finding["firstObservedAt"].as_f64().unwrap())
        })
        .collect();
    assert_eq!(relisted, first_seen);

    // Prometheus metrics, unauthenticated, aggregate only.
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let metrics = agent.get(format!("{}/metrics", server.url)).call().unwrap().body_mut().read_to_string().unwrap();
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing from:\n{metrics}"))
            .parse()
            .unwrap()
    };
    assert_eq!(value("kensa_inventories_ingested_total"), 2.0);
    assert!(value("kensa_matches_total") >= 2.0);
    assert_eq!(value("kensa_queue_depth"), 0.0);
    assert_eq!(value("kensa_advisory_generation"), 1.0);
    assert!(value("kensa_advisory_database_age_seconds") >= 0.0);
    assert!(!metrics.contains(admin["account_id"].as_str().unwrap()), "no account appears in the metrics");

    // Refusals, with AWS's codes.
    let (id, secret) = (admin["access_key_id"].as_str().unwrap(), admin["secret_access_key"].as_str().unwrap());
    let (status, error, _) = send(&server.url, "/findings/list", std::iter::empty(), "{}");
    assert_eq!((status, error.as_str()), (403, "MissingAuthenticationTokenException"));
    let (status, error, _) = inspector(&server.url, id, "not-the-secret", "/findings/list", "{}");
    assert_eq!((status, error.as_str()), (403, "InvalidSignatureException"));
    let (status, error, _) = inspector(&server.url, "KENSAUNKNOWNKEY00000", secret, "/findings/list", "{}");
    assert_eq!((status, error.as_str()), (403, "UnrecognizedClientException"));
    let (status, error, _) = inspector(&server.url, id, secret, "/findings/list", r#"{"maxResults": 500}"#);
    assert_eq!((status, error.as_str()), (400, "ValidationException"));

    let ingest =
        credentials(&kensa_as(&admin, &["admin", "key", "create", "--server", &server.url, "--role", "ingest"]));
    let (status, error, _) = inspector(
        &server.url,
        ingest["access_key_id"].as_str().unwrap(),
        ingest["secret_access_key"].as_str().unwrap(),
        "/findings/list",
        "{}",
    );
    assert_eq!((status, error.as_str()), (403, "AccessDeniedException"));

    let member = credentials(&kensa_as(&admin, &["admin", "account", "create", "--server", &server.url]));
    assert_ne!(member["account_id"], admin["account_id"]);
    assert!(all_findings(&server.url, &member).is_empty(), "a member sees nothing of its administrator's");

    // The resource is deleted (by an agent's ingest key; a read-only key may
    // not): its findings close under their ARNs, and come back if it does.
    let resource_id = listed[0]["resources"][0]["id"].as_str().unwrap().to_string();
    let read_only =
        credentials(&kensa_as(&admin, &["admin", "key", "create", "--server", &server.url, "--role", "read-only"]));
    let refused = kensa_as(&read_only, &["admin", "resource", "delete", "--server", &server.url, &resource_id]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("AccessDenied"));
    let deleted = kensa_as(&ingest, &["admin", "resource", "delete", "--server", &server.url, &resource_id]);
    assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&deleted.stdout).unwrap();
    assert_eq!(answer["closedFindings"].as_u64().unwrap(), listed.len() as u64);
    let closed = all_findings(&server.url, &admin);
    assert!(closed.iter().all(|finding| finding["status"] == "CLOSED" && finding["remediation"].is_object()));
    assert_eq!(closed.len(), listed.len());
    let again = kensa_as(&admin, &["push", "--server", &server.url, "--wait", inventory.to_str().unwrap()]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let reopened: std::collections::BTreeMap<String, String> = all_findings(&server.url, &admin)
        .iter()
        .map(|finding| {
            (finding["findingArn"].as_str().unwrap().to_string(), finding["status"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        reopened.keys().cloned().collect::<std::collections::BTreeSet<_>>(),
        arns.iter().map(|arn| arn.to_string()).collect()
    );
    assert!(reopened.values().all(|status| status == "ACTIVE"), "reopened within 7 days under the same ARNs");
}

fn findings_of_resource(url: &str, key: &serde_json::Value, resource_id: &str) -> usize {
    let (id, secret) = (key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    let mut count = 0;
    let mut token: Option<String> = None;
    loop {
        let mut body = serde_json::json!({
            "maxResults": 100,
            "filterCriteria": {"resourceId": [{"comparison": "EQUALS", "value": resource_id}]},
        });
        if let Some(token) = &token {
            body["nextToken"] = serde_json::Value::String(token.clone());
        }
        let (status, error, page) = inspector(url, id, secret, "/findings/list", &body.to_string());
        assert_eq!(status, 200, "{error}: {page}");
        count += page["findings"].as_array().unwrap().len();
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => return count,
        }
    }
}

/// Two `kensa server run` replicas, each with a data directory of its own
/// (the same server key), on one PostgreSQL. Proves: work pushed to either is
/// matched and served identically by both; when one replica is killed with
/// SIGKILL right after acknowledging pushes, the other finishes their
/// matching — whether the jobs were still queued or the dead replica held
/// them (then once its 3 s lease runs out; the lease takeover itself is
/// proven step by step in kensa-store's backend tests) — and nothing is lost.
#[test]
fn two_replicas_on_one_postgresql_serve_the_same_findings_and_take_over_a_dead_ones_work() {
    let Some(database) = kensa_test_support::postgres_database("replicas") else { return };
    let url = Some(database.url.as_str());
    let data = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (data.path().join("a"), data.path().join("b"));
    let admin = credentials(&init(&dir_a, url));
    std::fs::create_dir_all(&dir_b).unwrap();
    std::fs::copy(dir_a.join("server.key"), dir_b.join("server.key")).unwrap();
    for directory in [&dir_a, &dir_b] {
        std::fs::copy(common::database(), directory.join("advisories.redb")).unwrap();
    }
    let lease = ["--job-lease-seconds", "3", "--no-db-update"];
    let mut replica_a = start_with(&dir_a, url, &lease);
    let replica_b = start_with(&dir_b, url, &lease);

    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let inventory = inventory.to_str().unwrap();
    for index in 0..4 {
        let replica = if index % 2 == 0 { &replica_a } else { &replica_b };
        let resource = format!("app-{index}");
        let pushed =
            kensa_as(&admin, &["push", "--server", &replica.url, "--wait", "--resource-id", &resource, inventory]);
        assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    }
    let summary = |url: &str| -> std::collections::BTreeSet<(String, String, String)> {
        all_findings(url, &admin)
            .iter()
            .map(|finding| {
                (
                    finding["findingArn"].as_str().unwrap().to_string(),
                    finding["status"].as_str().unwrap().to_string(),
                    finding["resources"][0]["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let via_a = summary(&replica_a.url);
    assert_eq!(via_a, summary(&replica_b.url), "both replicas serve the same findings");
    let per_resource = findings_of_resource(&replica_b.url, &admin, "app-0");
    assert!(per_resource > 50);
    assert_eq!(via_a.len(), 4 * per_resource, "every resource pushed to either replica was matched");

    // Acknowledged pushes to A, then A dies before (all of) their matching.
    for index in 4..8 {
        let resource = format!("app-{index}");
        let pushed = kensa_as(&admin, &["push", "--server", &replica_a.url, "--resource-id", &resource, inventory]);
        assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    }
    replica_a.child.kill().unwrap(); // SIGKILL
    replica_a.child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    for index in 4..8 {
        let resource = format!("app-{index}");
        loop {
            if findings_of_resource(&replica_b.url, &admin, &resource) == per_resource {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{resource} was never matched after its replica died");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
    assert_eq!(summary(&replica_b.url).len(), 8 * per_resource);
}

/// (vulnerability id, package, version) of ACTIVE findings as listed.
fn active(url: &str, key: &serde_json::Value) -> std::collections::BTreeSet<(String, String, String)> {
    all_findings(url, key)
        .iter()
        .filter(|finding| finding["status"] == "ACTIVE")
        .map(|finding| {
            let package = &finding["packageVulnerabilityDetails"]["vulnerablePackages"][0];
            (
                finding["packageVulnerabilityDetails"]["vulnerabilityId"].as_str().unwrap().to_string(),
                package["name"].as_str().unwrap().to_string(),
                package["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A resource's inventory changes: one package is upgraded to the version
/// that fixes one of its findings. Proves: that finding closes and the
/// server's open findings equal the local scan of the new inventory; the
/// resource's history tells the first inventory, then the upgrade.
#[test]
fn an_upgrade_past_the_fix_closes_the_finding_and_the_history_records_it() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, None));
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let server = start(&data_dir, None);
    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let scan = |file: &Path| {
        common::json_report(&[
            "scan",
            "inventory",
            file.to_str().unwrap(),
            "--db",
            common::database().to_str().unwrap(),
            "--format",
            "json",
        ])
    };
    let pushed = kensa_as(
        &admin,
        &["push", "--server", &server.url, "--wait", "--resource-id", "app", inventory.to_str().unwrap()],
    );
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));

    let report = scan(&inventory);
    let fixable = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["fixed_versions"].as_array().is_some_and(|versions| !versions.is_empty()))
        .expect("a finding with a fix");
    let (id, name, version) = (
        fixable["id"].as_str().unwrap().to_string(),
        fixable["package"]["name"].as_str().unwrap().to_string(),
        fixable["package"]["version"].as_str().unwrap().to_string(),
    );
    let fixed = fixable["fixed_versions"][0].as_str().unwrap().to_string();
    let mut document: serde_json::Value = serde_json::from_slice(&std::fs::read(&inventory).unwrap()).unwrap();
    for package in document["packages"].as_array_mut().unwrap() {
        if package["name"] == name.as_str() && package["version"] == version.as_str() {
            package["version"] = serde_json::Value::String(fixed.clone());
            if let Some(purl) = package["purl"].as_str() {
                package["purl"] = serde_json::Value::String(purl.replace(&format!("@{version}"), &format!("@{fixed}")));
            }
        }
    }
    let upgraded = data.path().join("upgraded.json");
    std::fs::write(&upgraded, serde_json::to_vec(&document).unwrap()).unwrap();
    let pushed = kensa_as(
        &admin,
        &["push", "--server", &server.url, "--wait", "--resource-id", "app", upgraded.to_str().unwrap()],
    );
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));

    let expected: std::collections::BTreeSet<(String, String, String)> = scan(&upgraded)["findings"]
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
        .collect();
    let open = active(&server.url, &admin);
    assert_eq!(open, expected, "the open findings are the new inventory's");
    assert!(!open.contains(&(id.clone(), name.clone(), version.clone())), "{id} on {name} {version} is fixed");
    let closed: Vec<serde_json::Value> =
        all_findings(&server.url, &admin).into_iter().filter(|finding| finding["status"] == "CLOSED").collect();
    assert!(closed.iter().any(|finding| finding["packageVulnerabilityDetails"]["vulnerabilityId"] == id.as_str()));

    let history = kensa_as(&admin, &["admin", "resource", "history", "--server", &server.url, "app"]);
    assert!(history.status.success(), "{}", String::from_utf8_lossy(&history.stderr));
    let history: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["sequence"], 2);
    let changes = &entries[0]["changes"];
    assert_eq!(changes["first"], false);
    assert!(changes["added"].as_array().unwrap().is_empty() && changes["removed"].as_array().unwrap().is_empty());
    let changed = changes["changed"].as_array().unwrap();
    assert!(
        changed.iter().any(|change| change["name"] == name.as_str()
            && change["from"] == version.as_str()
            && change["to"] == fixed.as_str()),
        "{changes}"
    );
    assert_eq!(entries[1]["changes"]["first"], true);
    assert_eq!(
        entries[1]["changes"]["added"].as_array().unwrap().len(),
        document["packages"].as_array().unwrap().len(),
        "the first inventory adds every package"
    );
}

/// `kensa scan fs … --server`: collected here, matched there. Proves: the
/// report (any format) carries the server's findings, equal to a local scan
/// of the same project; `--fail-on` gates on them; an ingest key (what CI
/// holds) is enough; the resource takes the id and tags given.
#[test]
fn scan_with_server_reports_the_servers_findings_in_any_format() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, None));
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let server = start(&data_dir, None);
    let ci = credentials(&kensa_as(&admin, &["admin", "key", "create", "--server", &server.url, "--role", "ingest"]));
    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let project = project.to_str().unwrap();
    let findings_of = |report: &serde_json::Value| -> Vec<(String, String, String)> {
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
    };
    let local = common::kensa(&[
        "scan",
        "fs",
        project,
        "--db",
        common::database().to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "critical",
    ]);
    let remote = kensa_as(
        &ci,
        &[
            "scan",
            "fs",
            project,
            "--server",
            &server.url,
            "--resource-id",
            "repo",
            "--tag",
            "ci=true",
            "--format",
            "json",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(local.status.code(), Some(1), "the project has CRITICAL findings");
    assert_eq!(remote.status.code(), local.status.code(), "{}", String::from_utf8_lossy(&remote.stderr));
    let (local, remote): (serde_json::Value, serde_json::Value) =
        (serde_json::from_slice(&local.stdout).unwrap(), serde_json::from_slice(&remote.stdout).unwrap());
    assert!(!findings_of(&remote).is_empty());
    assert_eq!(findings_of(&remote), findings_of(&local), "same findings, same order");
    let sarif =
        kensa_as(&ci, &["scan", "fs", project, "--server", &server.url, "--resource-id", "repo", "--format", "sarif"]);
    assert!(sarif.status.success(), "{}", String::from_utf8_lossy(&sarif.stderr));
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), findings_of(&local).len());
    let listed = all_findings(&server.url, &admin);
    assert!(
        listed
            .iter()
            .all(|finding| finding["resources"][0]["id"] == "repo" && finding["resources"][0]["tags"]["ci"] == "true")
    );
}

/// `server run --config FILE`: the packaged example is valid; a file's
/// values apply (the region ARNs name) and flags win over them; an unknown
/// key is refused, named.
#[test]
fn the_server_reads_its_configuration_file() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/server.toml");
    let checked = common::kensa(&["server", "run", "--config", example.to_str().unwrap(), "--help"]);
    assert!(checked.status.success(), "the packaged example: {}", String::from_utf8_lossy(&checked.stderr));

    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, None));
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let config = data.path().join("server.toml");
    std::fs::write(
        &config,
        "region = \"eu-west-1\"\nno-db-update = true\nlisten = \"127.0.0.1:1\"\njob-lease-seconds = 5\n",
    )
    .unwrap();
    let server = start_with(&data_dir, None, &["--config", config.to_str().unwrap()]);
    assert!(!server.url.ends_with(":1"), "--listen on the command line wins over the file's: {}", server.url);
    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let pushed = kensa_as(&admin, &["push", "--server", &server.url, "--wait", inventory.to_str().unwrap()]);
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    let listed = all_findings(&server.url, &admin);
    assert!(!listed.is_empty());
    assert!(
        listed
            .iter()
            .all(|finding| finding["findingArn"].as_str().unwrap().starts_with("arn:aws:inspector2:eu-west-1:"))
    );

    std::fs::write(&config, "regoin = \"eu-west-1\"\n").unwrap();
    let refused = common::kensa(&[
        "server",
        "run",
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        data_dir.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("unknown key 'regoin'"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
