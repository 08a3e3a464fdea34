//! Coverage (`ListCoverage`, signed as an SDK signs). Proves, on both
//! backends: resources pushed before any advisory database are ACTIVE /
//! PENDING_INITIAL_SCAN, then SUCCESSFUL with `lastScannedAt` once one is in
//! place; a resource tagged `KensaExclusion` is INACTIVE / EXCLUDED_BY_TAG
//! and has no findings; a deleted one is INACTIVE / RESOURCE_TERMINATED;
//! filters and pagination return each resource once; a member sees only its
//! own resources and its administrator sees them too; bad criteria and
//! `maxResults` are refused as AWS refuses them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::server::{credentials, init, inspector_as, kensa_as, start};
use crate::common;

fn call(key: &serde_json::Value, url: &str, body: serde_json::Value) -> (u16, String, serde_json::Value) {
    inspector_as(key, url, "/coverage/list", body)
}

/// resource id → (status code, reason, has lastScannedAt), every page read.
fn coverage(
    url: &str,
    key: &serde_json::Value,
    criteria: Option<serde_json::Value>,
    page_size: u64,
) -> BTreeMap<String, (String, String, bool)> {
    let mut seen = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = serde_json::json!({"maxResults": page_size});
        if let Some(criteria) = &criteria {
            body["filterCriteria"] = criteria.clone();
        }
        if let Some(token) = &token {
            body["nextToken"] = serde_json::Value::String(token.clone());
        }
        let (status, error, page) = call(key, url, body);
        assert_eq!(status, 200, "{error}: {page}");
        let resources = page["coveredResources"].as_array().unwrap();
        assert!(resources.len() as u64 <= page_size);
        for resource in resources {
            assert_eq!(resource["scanType"], "PACKAGE");
            let entry = (
                resource["scanStatus"]["statusCode"].as_str().unwrap().to_string(),
                resource["scanStatus"]["reason"].as_str().unwrap().to_string(),
                resource["lastScannedAt"].is_number(),
            );
            let id = resource["resourceId"].as_str().unwrap().to_string();
            assert!(seen.insert(id, entry).is_none(), "a page repeated a resource");
        }
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => return seen,
        }
    }
}

fn entry(code: &str, reason: &str, scanned: bool) -> (String, String, bool) {
    (code.to_string(), reason.to_string(), scanned)
}

#[test]
fn coverage_says_what_is_scanned_and_why_not_on_sqlite() {
    coverage_says_what_is_scanned_and_why_not(None);
}

#[test]
fn coverage_says_what_is_scanned_and_why_not_on_postgresql() {
    let Some(database) = kensa_test_support::postgres_database("server_coverage") else { return };
    coverage_says_what_is_scanned_and_why_not(Some(&database.url));
}

fn coverage_says_what_is_scanned_and_why_not(database: Option<&str>) {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, database));
    // No advisory database yet: nothing can be matched.
    let server = start(&data_dir, database);
    let url = server.url.as_str();
    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let push = |key: &serde_json::Value, resource: &str, extra: &[&str]| {
        let mut arguments = vec!["push", "--server", url, "--resource-id", resource];
        arguments.extend_from_slice(extra);
        arguments.push(inventory.to_str().unwrap());
        let pushed = kensa_as(key, &arguments);
        assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    };
    push(&admin, "app", &[]);
    push(&admin, "excluded", &["--tag", "KensaExclusion=true"]);
    push(&admin, "gone", &[]);
    assert_eq!(
        coverage(url, &admin, None, 100),
        BTreeMap::from([
            ("app".to_string(), entry("ACTIVE", "PENDING_INITIAL_SCAN", false)),
            ("excluded".to_string(), entry("INACTIVE", "EXCLUDED_BY_TAG", false)),
            ("gone".to_string(), entry("ACTIVE", "PENDING_INITIAL_SCAN", false)),
        ])
    );

    // The database arrives: the pending resources are scanned.
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while coverage(url, &admin, None, 100)["app"].1 != "SUCCESSFUL"
        || coverage(url, &admin, None, 100)["gone"].1 != "SUCCESSFUL"
    {
        assert!(Instant::now() < deadline, "never scanned: {:?}", coverage(url, &admin, None, 100));
        std::thread::sleep(Duration::from_millis(200));
    }
    let deleted = kensa_as(&admin, &["admin", "resource", "delete", "--server", url, "gone"]);
    assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stderr));
    let member = credentials(&kensa_as(&admin, &["admin", "account", "create", "--server", url]));
    push(&member, "member-app", &["--wait"]);

    let everything = coverage(url, &admin, None, 1);
    assert_eq!(
        everything,
        BTreeMap::from([
            ("app".to_string(), entry("ACTIVE", "SUCCESSFUL", true)),
            ("excluded".to_string(), entry("INACTIVE", "EXCLUDED_BY_TAG", true)),
            ("gone".to_string(), entry("INACTIVE", "RESOURCE_TERMINATED", true)),
            ("member-app".to_string(), entry("ACTIVE", "SUCCESSFUL", true)),
        ]),
        "pages of one resource each list every resource once"
    );
    let inactive = coverage(
        url,
        &admin,
        Some(serde_json::json!({"scanStatusCode": [{"comparison": "EQUALS", "value": "INACTIVE"}]})),
        1,
    );
    assert_eq!(inactive.keys().collect::<Vec<_>>(), ["excluded", "gone"]);
    let not_excluded = coverage(
        url,
        &admin,
        Some(serde_json::json!({
            "scanStatusReason": [{"comparison": "NOT_EQUALS", "value": "EXCLUDED_BY_TAG"},
                                 {"comparison": "NOT_EQUALS", "value": "RESOURCE_TERMINATED"}],
            "accountId": [{"comparison": "EQUALS", "value": admin["account_id"]}]})),
        100,
    );
    assert_eq!(not_excluded.keys().collect::<Vec<_>>(), ["app"]);
    assert_eq!(
        coverage(url, &member, None, 100).keys().collect::<Vec<_>>(),
        ["member-app"],
        "a member sees only its own resources"
    );
    // The excluded resource holds no finding, the others do.
    let findings = super::server::all_findings(url, &admin);
    assert!(findings.iter().any(|finding| finding["resources"][0]["id"] == "app"));
    assert!(!findings.iter().any(|finding| finding["resources"][0]["id"] == "excluded"));

    // Scan configuration: Inspector's defaults, changed by the
    // administrator (for a member too), refused to others and for values
    // outside Inspector's.
    let configure = |key: &serde_json::Value, path: &str, body: serde_json::Value| inspector_as(key, url, path, body);
    let (status, _, defaults) = configure(&admin, "/configuration/get", serde_json::json!({}));
    assert_eq!(status, 200, "{defaults}");
    assert_eq!(defaults["ecrConfiguration"]["rescanDurationState"]["rescanDuration"], "LIFETIME");
    assert_eq!(defaults["ec2Configuration"]["scanModeState"]["scanMode"], "EC2_SSM_AGENT_BASED");
    let (status, error, answer) = configure(
        &admin,
        "/configuration/update",
        serde_json::json!({"accountId": member["account_id"], "ecrConfiguration": {"rescanDuration": "DAYS_14", "pullDateRescanDuration": "DAYS_30"}}),
    );
    assert_eq!(status, 200, "{error}: {answer}");
    let (_, _, changed) = configure(&member, "/configuration/get", serde_json::json!({}));
    assert_eq!(changed["ecrConfiguration"]["rescanDurationState"]["rescanDuration"], "DAYS_14");
    assert_eq!(changed["ecrConfiguration"]["rescanDurationState"]["pullDateRescanDuration"], "DAYS_30");
    assert!(changed["ecrConfiguration"]["rescanDurationState"]["updatedAt"].is_number());
    let (_, _, unchanged) = configure(&admin, "/configuration/get", serde_json::json!({}));
    assert_eq!(
        unchanged["ecrConfiguration"]["rescanDurationState"]["rescanDuration"], "LIFETIME",
        "only the member's changed"
    );
    let (status, error, _) = configure(
        &admin,
        "/configuration/update",
        serde_json::json!({"ecrConfiguration": {"rescanDuration": "DAYS_15"}}),
    );
    assert_eq!((status, error.as_str()), (400, "ValidationException"));
    let (status, error, _) =
        configure(&member, "/configuration/get", serde_json::json!({"accountId": admin["account_id"]}));
    assert_eq!((status, error.as_str()), (403, "AccessDeniedException"), "a member cannot read its administrator's");

    for (body, says) in [
        (serde_json::json!({"maxResults": 201}), "maxResults"),
        (
            serde_json::json!({"filterCriteria": {"resourceTypo": [{"comparison": "EQUALS", "value": "x"}]}}),
            "resourceTypo",
        ),
        (
            serde_json::json!({"filterCriteria": {"ecrImageTags": [{"comparison": "EQUALS", "value": "x"}]}}),
            "not evaluated",
        ),
        (
            serde_json::json!({"filterCriteria": {"resourceId": [{"comparison": "PREFIX", "value": "a"}]}}),
            "EQUALS or NOT_EQUALS",
        ),
        (serde_json::json!({"nextToken": "not-a-token"}), "nextToken"),
    ] {
        let (status, error, answer) = call(&admin, url, body);
        assert_eq!((status, error.as_str()), (400, "ValidationException"), "{answer}");
        assert!(answer["message"].as_str().unwrap().contains(says), "{answer}");
    }
}
