//! Every endpoint of `kensa server` against every way a request can be
//! wrong: no credentials, a wrong secret, a timestamp outside AWS's 15-minute
//! window (either side), a read-only key on a write, an ingest key on an
//! organisation-wide read, and another account's keys. Proves each is
//! refused with AWS's error code, and that no answer to the other account
//! carries anything of the first (its account id never appears, its
//! resource and filter are not found, and both are intact afterwards).

use super::server::{credentials, init, kensa_as, start};
use crate::common;

struct Endpoint {
    method: &'static str,
    path: &'static str,
    query: String,
    body: String,
    /// Changes state: a read-only key is refused.
    writes: bool,
    /// Reads the organisation's data: an ingest key is refused.
    organisation_read: bool,
}

fn service_of(path: &str) -> &'static str {
    if path.starts_with("/kensa/") { "kensa" } else { "inspector2" }
}

/// Sends a request signed with (id, secret) at `time`, or unsigned when
/// `key` is `None`; returns (status, x-amzn-ErrorType, body text).
fn send(url: &str, endpoint: &Endpoint, key: Option<(&str, &str)>, time: i64) -> (u16, String, String) {
    let authority = url.trim_start_matches("http://").to_string();
    let mut headers =
        vec![("host".to_string(), authority), ("content-type".to_string(), "application/json".to_string())];
    if let Some((id, secret)) = key {
        let request = kensa_sigv4::Request {
            method: endpoint.method,
            path: endpoint.path,
            query: &endpoint.query,
            headers: &headers,
            body: endpoint.body.as_bytes(),
        };
        let credentials = kensa_sigv4::Credentials { access_key_id: id, secret_access_key: secret };
        let added = kensa_sigv4::sign(&request, &credentials, "us-east-1", service_of(endpoint.path), time).unwrap();
        headers.extend(added);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let target = if endpoint.query.is_empty() {
        format!("{url}{}", endpoint.path)
    } else {
        format!("{url}{}?{}", endpoint.path, endpoint.query)
    };
    let mut builder = ureq::http::Request::builder().method(endpoint.method).uri(target);
    for (name, value) in &headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let mut response = agent.run(builder.body(endpoint.body.as_bytes().to_vec()).unwrap()).unwrap();
    let status = response.status().as_u16();
    let error =
        response.headers().get("x-amzn-ErrorType").map(|value| value.to_str().unwrap().to_string()).unwrap_or_default();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, error, text)
}

fn pair(key: &serde_json::Value) -> (&str, &str) {
    (key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap())
}

#[test]
fn every_endpoint_refuses_what_it_must_and_shows_nothing_across_accounts() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, None));
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let server = start(&data_dir, None);
    let url = server.url.as_str();
    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let pushed =
        kensa_as(&admin, &["push", "--server", url, "--wait", "--resource-id", "app", inventory.to_str().unwrap()]);
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    let key_of =
        |role: &str| credentials(&kensa_as(&admin, &["admin", "key", "create", "--server", url, "--role", role]));
    let (read_only, ingest) = (key_of("read-only"), key_of("ingest"));
    let member = credentials(&kensa_as(&admin, &["admin", "account", "create", "--server", url]));
    let admin_account = admin["account_id"].as_str().unwrap().to_string();
    let now = kensa_model::time::now_seconds();

    let filter = Endpoint {
        method: "POST",
        path: "/filters/create",
        query: String::new(),
        body: serde_json::json!({"name": "matrix", "action": "NONE",
            "filterCriteria": {"severity": [{"comparison": "EQUALS", "value": "LOW"}]}})
        .to_string(),
        writes: true,
        organisation_read: false,
    };
    let (status, _, created) = send(url, &filter, Some(pair(&admin)), now);
    assert_eq!(status, 200, "{created}");
    let filter_arn = serde_json::from_str::<serde_json::Value>(&created).unwrap()["arn"].as_str().unwrap().to_string();

    let document = std::fs::read_to_string(&inventory).unwrap();
    let endpoint = |method, path, query: &str, body: serde_json::Value, writes, organisation_read| Endpoint {
        method,
        path,
        query: query.to_string(),
        body: if body.is_null() { String::new() } else { body.to_string() },
        writes,
        organisation_read,
    };
    let mut endpoints = vec![
        endpoint("GET", "/kensa/v1/resource", "resourceId=app", serde_json::Value::Null, false, false),
        endpoint("DELETE", "/kensa/v1/resource", "resourceId=app", serde_json::Value::Null, true, false),
        endpoint("GET", "/kensa/v1/resource/history", "resourceId=app", serde_json::Value::Null, false, false),
        endpoint("GET", "/kensa/v1/resource/findings", "resourceId=app", serde_json::Value::Null, false, false),
        endpoint("GET", "/kensa/v1/status", "", serde_json::Value::Null, false, true),
        endpoint(
            "POST",
            "/kensa/v1/access-keys",
            "",
            serde_json::json!({"role": "administrator", "accountId": admin_account}),
            true,
            false,
        ),
        endpoint("POST", "/kensa/v1/accounts", "", serde_json::json!({}), true, false),
        endpoint("POST", "/kensa/v1/advisory-database/update", "", serde_json::json!({}), true, false),
        endpoint("POST", "/findings/list", "", serde_json::json!({}), false, true),
        endpoint("POST", "/coverage/list", "", serde_json::json!({}), false, true),
        endpoint("POST", "/filters/list", "", serde_json::json!({}), false, true),
        endpoint("POST", "/configuration/get", "", serde_json::json!({}), false, true),
        endpoint(
            "POST",
            "/configuration/update",
            "",
            serde_json::json!({"ecrConfiguration": {"rescanDuration": "DAYS_30"}}),
            true,
            false,
        ),
        endpoint(
            "POST",
            "/filters/update",
            "",
            serde_json::json!({"filterArn": filter_arn, "reason": "changed"}),
            true,
            false,
        ),
        endpoint("POST", "/filters/delete", "", serde_json::json!({"arn": filter_arn}), true, false),
    ];
    endpoints.push(Endpoint {
        method: "POST",
        path: "/kensa/v1/inventories",
        query: "resourceId=app".to_string(),
        body: document,
        writes: true,
        organisation_read: false,
    });
    endpoints.push(filter);

    for endpoint in &endpoints {
        let name = format!("{} {}", endpoint.method, endpoint.path);
        let (status, error, _) = send(url, endpoint, None, now);
        assert_eq!((status, error.as_str()), (403, "MissingAuthenticationTokenException"), "{name} unsigned");
        let wrong = (pair(&admin).0, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let (status, error, _) = send(url, endpoint, Some(wrong), now);
        assert_eq!((status, error.as_str()), (403, "InvalidSignatureException"), "{name} wrong secret");
        for skew in [-16 * 60, 16 * 60] {
            let (status, error, body) = send(url, endpoint, Some(pair(&admin)), now + skew);
            assert_eq!((status, error.as_str()), (403, "InvalidSignatureException"), "{name} {skew} s off: {body}");
        }
        let (status, error, _) = send(url, endpoint, Some(("AKIAUNKNOWNKEY000000", "x")), now);
        assert_eq!((status, error.as_str()), (403, "UnrecognizedClientException"), "{name} unknown key");
        if endpoint.writes {
            let (status, error, body) = send(url, endpoint, Some(pair(&read_only)), now);
            assert_eq!((status, error.as_str()), (403, "AccessDeniedException"), "{name} read-only: {body}");
        }
        if endpoint.organisation_read {
            let (status, error, body) = send(url, endpoint, Some(pair(&ingest)), now);
            assert_eq!((status, error.as_str()), (403, "AccessDeniedException"), "{name} ingest: {body}");
        }
        // Another account: whatever it may do, nothing of the first shows.
        let (status, _, body) = send(url, endpoint, Some(pair(&member)), now);
        // (An answer may echo what the member itself sent.)
        if !endpoint.body.contains(&admin_account) {
            assert!(!body.contains(&admin_account), "{name} answered the member with the administrator's data: {body}");
        }
        if endpoint.path.starts_with("/filters/update") || endpoint.path.starts_with("/filters/delete") {
            assert_eq!(status, 404, "{name}: another account's filter does not exist for the member");
        }
        if endpoint.path == "/kensa/v1/resource" || endpoint.path == "/kensa/v1/resource/findings" {
            assert_eq!(status, 404, "{name}: another account's resource does not exist for the member");
        }
        if endpoint.path == "/kensa/v1/access-keys" {
            assert_eq!(status, 403, "a member cannot issue keys of its administrator's account");
        }
    }

    // Both are intact: the member deleted nothing of the administrator's.
    let (status, _, state) = send(url, &endpoints[0], Some(pair(&admin)), now);
    assert_eq!(status, 200, "{state}");
    let list = Endpoint {
        method: "POST",
        path: "/filters/list",
        query: String::new(),
        body: "{}".to_string(),
        writes: false,
        organisation_read: true,
    };
    let (_, _, filters) = send(url, &list, Some(pair(&admin)), now);
    assert!(filters.contains(&filter_arn), "{filters}");
}
