//! Suppression rules: Inspector's filters with action `SUPPRESS`, created,
//! listed, changed and deleted through `CreateFilter`/`ListFilters`/
//! `UpdateFilter`/`DeleteFilter` signed as an SDK signs. Proves, on both
//! backends: a rule suppresses the findings it covers that exist already and
//! those of a resource pushed later, and only those; an administrator's rule
//! covers its members' findings; deleting it makes them ACTIVE again under
//! the same ARNs; a rule with a `kensa:expiresAt` tag lapses on its own;
//! refusals carry AWS's error codes (bad names and criteria, a duplicate
//! name, a read-only key, another organisation's filter).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::server::{all_findings, credentials, init, inspector_as, kensa_as, start};
use crate::common;

/// ARN → (status, vulnerability id, resource id) of every finding `key` sees.
fn statuses(url: &str, key: &serde_json::Value) -> BTreeMap<String, (String, String, String)> {
    all_findings(url, key)
        .into_iter()
        .map(|finding| {
            (
                finding["findingArn"].as_str().unwrap().to_string(),
                (
                    finding["status"].as_str().unwrap().to_string(),
                    finding["packageVulnerabilityDetails"]["vulnerabilityId"].as_str().unwrap().to_string(),
                    finding["resources"][0]["id"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// Waits until every finding `key` sees has the status `expected` says.
fn wait_for(
    url: &str,
    key: &serde_json::Value,
    what: &str,
    expected: impl Fn(&str, &str) -> &'static str,
) -> BTreeMap<String, (String, String, String)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = statuses(url, key);
        let open = now.values().filter(|(status, _, _)| status != "CLOSED");
        if open.clone().count() > 0 && open.clone().all(|(status, id, resource)| status == expected(id, resource)) {
            return now;
        }
        assert!(Instant::now() < deadline, "{what}: still {now:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn suppression_rules_cover_existing_and_future_findings_and_lift_on_sqlite() {
    suppression_rules_cover_existing_and_future_findings_and_lift(None);
}

#[test]
fn suppression_rules_cover_existing_and_future_findings_and_lift_on_postgresql() {
    let Some(database) = kensa_test_support::postgres_database("server_suppression") else { return };
    suppression_rules_cover_existing_and_future_findings_and_lift(Some(&database.url));
}

fn suppression_rules_cover_existing_and_future_findings_and_lift(database: Option<&str>) {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, database));
    std::fs::copy(common::database(), data_dir.join("advisories.redb")).unwrap();
    let server = start(&data_dir, database);
    let url = server.url.as_str();
    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let push = |key: &serde_json::Value, resource: &str| {
        let pushed =
            kensa_as(key, &["push", "--server", url, "--wait", "--resource-id", resource, inventory.to_str().unwrap()]);
        assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    };
    push(&admin, "app");
    let before = statuses(url, &admin);
    assert!(before.values().all(|(status, _, _)| status == "ACTIVE"));
    // The rule covers one vulnerability: the most frequent, so it spans
    // several findings, and others stay out of it.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, id, _) in before.values() {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let covered = counts.iter().max_by_key(|(id, count)| (**count, std::cmp::Reverse(**id))).unwrap().0.to_string();
    assert!(counts.len() > 1, "the fixture has more than one vulnerability");

    // Refusals first: nothing of these is stored.
    let criteria = serde_json::json!({"vulnerabilityId": [{"comparison": "EQUALS", "value": covered}]});
    for (body, code, says) in [
        (
            serde_json::json!({"name": "has space", "action": "SUPPRESS", "filterCriteria": criteria}),
            "ValidationException",
            "name",
        ),
        (
            serde_json::json!({"name": "quiet", "action": "HIDE", "filterCriteria": criteria}),
            "ValidationException",
            "action",
        ),
        (
            serde_json::json!({"name": "quiet", "action": "SUPPRESS", "filterCriteria": {"severty": []}}),
            "ValidationException",
            "filterCriteria.severty",
        ),
        (
            serde_json::json!({"name": "quiet", "action": "SUPPRESS", "filterCriteria": {}}),
            "ValidationException",
            "at least one",
        ),
        (
            serde_json::json!({"name": "quiet", "action": "SUPPRESS", "filterCriteria": criteria,
                               "tags": {"kensa:expiresAt": "2001-01-01T00:00:00Z"}}),
            "ValidationException",
            "kensa:expiresAt",
        ),
    ] {
        let (status, error, answer) = inspector_as(&admin, url, "/filters/create", body);
        assert_eq!((status, error.as_str()), (400, code), "{answer}");
        assert!(answer["message"].as_str().unwrap().contains(says), "{answer}");
    }
    let read_only = credentials(&kensa_as(&admin, &["admin", "key", "create", "--server", url, "--role", "read-only"]));
    let (status, error, _) = inspector_as(
        &read_only,
        url,
        "/filters/create",
        serde_json::json!({"name": "quiet", "action": "SUPPRESS", "filterCriteria": criteria}),
    );
    assert_eq!((status, error.as_str()), (403, "AccessDeniedException"));

    let (status, error, created) = inspector_as(
        &admin,
        url,
        "/filters/create",
        serde_json::json!({"name": "accepted-risk", "action": "SUPPRESS", "reason": "not reachable in production",
                           "description": "reviewed", "filterCriteria": criteria}),
    );
    assert_eq!(status, 200, "{error}: {created}");
    let arn = created["arn"].as_str().unwrap().to_string();
    let prefix = format!("arn:aws:inspector2:us-east-1:{0}:owner/{0}/filter/", admin["account_id"].as_str().unwrap());
    assert!(arn.starts_with(&prefix), "{arn}");
    let (status, error, _) = inspector_as(
        &admin,
        url,
        "/filters/create",
        serde_json::json!({"name": "accepted-risk", "action": "SUPPRESS", "filterCriteria": criteria}),
    );
    assert_eq!((status, error.as_str()), (400, "BadRequestException"), "a name is unique in its account");

    // Existing findings follow.
    let suppressed = wait_for(url, &admin, "the rule applies to existing findings", |id, _| {
        if id == covered { "SUPPRESSED" } else { "ACTIVE" }
    });
    assert_eq!(
        suppressed.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "suppression keeps every finding's ARN"
    );
    // A resource pushed later is suppressed from its first match, and a
    // member's too: the administrator's rule covers the organisation.
    push(&admin, "app-2");
    let member = credentials(&kensa_as(&admin, &["admin", "account", "create", "--server", url]));
    push(&member, "member-app");
    let after_push = statuses(url, &admin);
    assert!(after_push.values().any(|(_, _, resource)| resource == "member-app"));
    for (status, id, resource) in after_push.values() {
        let expected = if *id == covered { "SUPPRESSED" } else { "ACTIVE" };
        assert_eq!(status, expected, "{id} on {resource}");
    }

    // Listing: the administrator sees its rule, with who made it and why;
    // a member sees none of its administrator's filters and cannot delete one.
    let (status, _, listed) = inspector_as(&read_only, url, "/filters/list", serde_json::json!({}));
    assert_eq!(status, 200);
    let filters = listed["filters"].as_array().unwrap();
    assert_eq!(filters.len(), 1, "{listed}");
    assert_eq!(filters[0]["arn"], arn.as_str());
    assert_eq!(filters[0]["name"], "accepted-risk");
    assert_eq!(filters[0]["action"], "SUPPRESS");
    assert_eq!(filters[0]["reason"], "not reachable in production");
    assert_eq!(filters[0]["ownerId"], admin["account_id"]);
    assert_eq!(filters[0]["createdBy"], admin["access_key_id"]);
    assert_eq!(filters[0]["criteria"], criteria);
    let (_, _, none) = inspector_as(&member, url, "/filters/list", serde_json::json!({}));
    assert_eq!(none["filters"], serde_json::json!([]), "a member sees none of its administrator's filters");
    let (status, error, _) = inspector_as(&member, url, "/filters/delete", serde_json::json!({"arn": arn}));
    assert_eq!((status, error.as_str()), (404, "ResourceNotFoundException"));
    let (status, error, _) = inspector_as(&admin, url, "/filters/list", serde_json::json!({"maxResults": 101}));
    assert_eq!((status, error.as_str()), (400, "ValidationException"));

    // Lifting it: the findings are ACTIVE again, under the same ARNs.
    let (status, error, deleted) = inspector_as(&admin, url, "/filters/delete", serde_json::json!({"arn": arn}));
    assert_eq!(status, 200, "{error}: {deleted}");
    let lifted = wait_for(url, &admin, "the lifted rule's findings are active again", |_, _| "ACTIVE");
    assert_eq!(lifted.keys().collect::<Vec<_>>(), after_push.keys().collect::<Vec<_>>());

    // A rule with an expiry suppresses, then lapses on its own.
    let expires_at = (kensa_model::time::now_seconds() + 4).to_string();
    let (status, error, created) = inspector_as(
        &admin,
        url,
        "/filters/create",
        serde_json::json!({"name": "until-the-patch", "action": "SUPPRESS", "filterCriteria": criteria,
                           "tags": {"kensa:expiresAt": expires_at}}),
    );
    assert_eq!(status, 200, "{error}: {created}");
    let started = Instant::now();
    wait_for(url, &admin, "the expiring rule applies", |id, _| if id == covered { "SUPPRESSED" } else { "ACTIVE" });
    wait_for(url, &admin, "the expired rule lapses", |_, _| "ACTIVE");
    assert!(started.elapsed() >= Duration::from_secs(2), "it lapsed at its expiry, not before");
}
