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

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kensa"))
        .args(["server", "run", "--data-dir", data_dir.to_str().unwrap(), "--listen", "127.0.0.1:0", "--workers", "2"])
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

fn credentials(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn kensa_as(key: &serde_json::Value, arguments: &[&str]) -> std::process::Output {
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
fn inspector(url: &str, id: &str, secret: &str, path: &str, body: &str) -> (u16, String, serde_json::Value) {
    let authority = url.trim_start_matches("http://").to_string();
    let headers = vec![("host".to_string(), authority), ("content-type".to_string(), "application/json".to_string())];
    let request = kensa_sigv4::Request { method: "POST", path, query: "", headers: &headers, body: body.as_bytes() };
    let credentials = kensa_sigv4::Credentials { access_key_id: id, secret_access_key: secret };
    let added =
        kensa_sigv4::sign(&request, &credentials, "us-east-1", "inspector2", kensa_model::time::now_seconds()).unwrap();
    send(url, path, headers.iter().chain(added.iter()), body)
}

fn send<'a>(
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
    let error =
        response.headers().get("x-amzn-ErrorType").map(|value| value.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = response.body_mut().read_to_vec().unwrap();
    (status, error, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

fn all_findings(url: &str, key: &serde_json::Value) -> Vec<serde_json::Value> {
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
fn pushed_inventories_are_matched_and_listed_like_a_local_scan() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&common::kensa(&["server", "init", "--data-dir", data_dir.to_str().unwrap()]));
    assert_eq!(admin["account_id"].as_str().unwrap().len(), 12);
    let again = common::kensa(&["server", "init", "--data-dir", data_dir.to_str().unwrap()]);
    assert!(!again.status.success(), "a second init must refuse");
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let server = start(&data_dir);

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
}
