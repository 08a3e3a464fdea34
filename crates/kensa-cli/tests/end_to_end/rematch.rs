//! Findings that keep themselves current: the server's advisory database is
//! replaced under it (renamed over, as `kensa db build`/`import` do) and the
//! findings follow without any push. The "old" database is built from every
//! feed in ../shared/data/advisories but RustSec; the "new" one from all.
//! Proves: the replacement is taken up on its own; only resources holding a
//! changed package are re-matched (one without crates keeps its match time);
//! existing findings keep their ARN and first observation, new ones appear;
//! withdrawn advisories close findings, and a finding that comes back
//! reopens under the same ARN; every state equals the local scan against the
//! database in place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use super::server::{credentials, init, inspector, kensa_as, start};
use crate::common;

fn findings(url: &str, key: &serde_json::Value, filter: &serde_json::Value) -> Vec<serde_json::Value> {
    let (id, secret) = (key["access_key_id"].as_str().unwrap(), key["secret_access_key"].as_str().unwrap());
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = serde_json::json!({"maxResults": 100, "filterCriteria": filter});
        if let Some(token) = &token {
            body["nextToken"] = serde_json::Value::String(token.clone());
        }
        let (status, error, page) = inspector(url, id, secret, "/findings/list", &body.to_string());
        assert_eq!(status, 200, "{error}: {page}");
        all.extend(page["findings"].as_array().unwrap().iter().cloned());
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => return all,
        }
    }
}

fn filter(resource: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceId": [{"comparison": "EQUALS", "value": resource}],
        "findingStatus": [{"comparison": "EQUALS", "value": status}],
    })
}

/// (vulnerability id, package) → (ARN, firstObservedAt) of a resource's findings in `status`.
fn by_vulnerability(
    url: &str,
    key: &serde_json::Value,
    resource: &str,
    status: &str,
) -> BTreeMap<(String, String), (String, f64)> {
    findings(url, key, &filter(resource, status))
        .iter()
        .map(|finding| {
            let details = &finding["packageVulnerabilityDetails"];
            (
                (
                    details["vulnerabilityId"].as_str().unwrap().to_string(),
                    details["vulnerablePackages"][0]["name"].as_str().unwrap().to_string(),
                ),
                (finding["findingArn"].as_str().unwrap().to_string(), finding["firstObservedAt"].as_f64().unwrap()),
            )
        })
        .collect()
}

fn local_scan(inventory: &Path, database: &Path) -> BTreeSet<(String, String)> {
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
            (finding["id"].as_str().unwrap().to_string(), finding["package"]["name"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Renames a copy of `database` over the server's, as `kensa db build` publishes.
fn replace_database(database: &Path, data_dir: &Path) -> Instant {
    let staged = data_dir.join("advisories.redb.staged");
    std::fs::copy(database, &staged).unwrap();
    std::fs::rename(&staged, data_dir.join("advisories.redb")).unwrap();
    Instant::now()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(90), "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
    started.elapsed()
}

/// The database built from every feed but RustSec, by hard links to the
/// shared feed files (no copy of the data).
fn database_without_rustsec(directory: &Path) -> std::path::PathBuf {
    let feeds = directory.join("feeds");
    std::fs::create_dir_all(&feeds).unwrap();
    for entry in std::fs::read_dir(common::shared("advisories")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "rustsec" {
            let status = std::process::Command::new("cp").args(["-rl"]).arg(entry.path()).arg(&feeds).status().unwrap();
            if !status.success() {
                // Another file system: copy instead.
                assert!(
                    std::process::Command::new("cp")
                        .arg("-r")
                        .arg(entry.path())
                        .arg(&feeds)
                        .status()
                        .unwrap()
                        .success()
                );
            }
        }
    }
    let database = directory.join("old.redb");
    let output = common::kensa(&["db", "build", "--from", feeds.to_str().unwrap(), "--db", database.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    database
}

#[test]
fn a_replaced_advisory_database_rematches_only_the_resources_it_touches() {
    let data = tempfile::tempdir().unwrap();
    let old_database = database_without_rustsec(data.path());
    let new_database = common::database();
    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, None));
    std::fs::copy(&old_database, data_dir.join("advisories.redb")).unwrap();
    let server = start(&data_dir, None);

    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // The same project without its Rust packages: RustSec cannot touch it.
    let mut document: serde_json::Value = serde_json::from_slice(&std::fs::read(&inventory).unwrap()).unwrap();
    document["packages"].as_array_mut().unwrap().retain(|package| package["ecosystem"] != "crates.io");
    let without_rust = data.path().join("without-rust.json");
    std::fs::write(&without_rust, serde_json::to_vec(&document).unwrap()).unwrap();
    for (resource, file) in [("app", &inventory), ("no-rust", &without_rust)] {
        let pushed = kensa_as(
            &admin,
            &["push", "--server", &server.url, "--wait", "--resource-id", resource, file.to_str().unwrap()],
        );
        assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    }
    let old_expected = local_scan(&inventory, &old_database);
    let new_expected = local_scan(&inventory, new_database);
    let added: BTreeSet<_> = new_expected.difference(&old_expected).cloned().collect();
    assert!(!added.is_empty() && old_expected.is_subset(&new_expected), "RustSec adds findings to the project");

    let before = by_vulnerability(&server.url, &admin, "app", "ACTIVE");
    assert_eq!(before.keys().cloned().collect::<BTreeSet<_>>(), old_expected);
    let untouched_before = findings(&server.url, &admin, &filter("no-rust", "ACTIVE"));
    std::thread::sleep(Duration::from_millis(1_100)); // so a re-match would show in updatedAt

    // The full database arrives: the RustSec findings open, nothing else moves.
    let replaced_at = replace_database(new_database, &data_dir);
    wait_for("the new database's findings are listed", || {
        by_vulnerability(&server.url, &admin, "app", "ACTIVE").len() == new_expected.len()
    });
    // Printed, not asserted (no timings in tests): bench/server-rematch.sh measures it.
    eprintln!("findings current {:.2} s after the replacement", replaced_at.elapsed().as_secs_f64());
    let after = by_vulnerability(&server.url, &admin, "app", "ACTIVE");
    assert_eq!(after.keys().cloned().collect::<BTreeSet<_>>(), new_expected);
    for (key, (arn, first_seen)) in &before {
        assert_eq!(after.get(key), Some(&(arn.clone(), *first_seen)), "{key:?} keeps its ARN and first observation");
    }
    let untouched_after = findings(&server.url, &admin, &filter("no-rust", "ACTIVE"));
    assert_eq!(untouched_after, untouched_before, "a resource without a changed package is not re-matched");

    // RustSec withdrawn again: its findings close, under their ARNs.
    replace_database(&old_database, &data_dir);
    wait_for("the withdrawn advisories' findings close", || {
        by_vulnerability(&server.url, &admin, "app", "CLOSED").len() == added.len()
    });
    let closed = by_vulnerability(&server.url, &admin, "app", "CLOSED");
    assert_eq!(closed.keys().cloned().collect::<BTreeSet<_>>(), added);
    assert_eq!(by_vulnerability(&server.url, &admin, "app", "ACTIVE").len(), old_expected.len());
    for (key, value) in &closed {
        assert_eq!(after.get(key), Some(value), "{key:?} closes under the ARN it had");
    }

    // And back: they reopen under the same ARNs (within Inspector's 7 days).
    replace_database(new_database, &data_dir);
    wait_for("the findings reopen", || {
        by_vulnerability(&server.url, &admin, "app", "ACTIVE").len() == new_expected.len()
    });
    assert!(by_vulnerability(&server.url, &admin, "app", "CLOSED").is_empty());
    let reopened = by_vulnerability(&server.url, &admin, "app", "ACTIVE");
    for key in &added {
        assert_eq!(reopened.get(key).map(|(arn, _)| arn), after.get(key).map(|(arn, _)| arn));
    }
}
