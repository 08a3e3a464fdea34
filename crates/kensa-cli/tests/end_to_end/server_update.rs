//! The server updates its own advisory database, from a real HTTP server on
//! 127.0.0.1 serving the real Go and PyPI records of ../shared/data in OSV's
//! bucket layout (db_update.rs builds it) with the real KEV and EPSS files.
//! Proves: a server started with no database downloads one on its schedule
//! and becomes ready; `kensa admin db-update` updates it on demand,
//! incrementally, and the record the feed just published shows up as a
//! finding of an already pushed resource without any push; only the
//! organisation's administrator may ask.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::db_update::{Record, bucket, shared_records};
use super::server::{all_findings, credentials, init, kensa_as, start_with};
use crate::common;
use crate::common::feed_server::FeedServer;

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(120), "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn ready(url: &str) -> bool {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    agent.get(format!("{url}/readyz")).call().is_ok_and(|response| response.status() == 200)
}

#[test]
fn the_server_updates_its_advisory_database_on_schedule_and_on_demand() {
    let data = tempfile::tempdir().unwrap();
    let project = common::shared("targets/lockfiles/trivy-integration-repos");
    let inventory = data.path().join("inventory.json");
    let output = common::kensa(&["inventory", project.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let local = common::json_report(&[
        "scan",
        "inventory",
        inventory.to_str().unwrap(),
        "--db",
        common::database().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let finding_ids: BTreeSet<String> = local["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|finding| {
            std::iter::once(finding["id"].as_str().unwrap().to_string())
                .chain(finding["aliases"].as_array().into_iter().flatten().map(|id| id.as_str().unwrap().to_string()))
        })
        .collect();
    // A Go record naming a vulnerability of the project: the feed lacks it at first.
    let names = |record: &Record| -> BTreeSet<String> {
        std::iter::once(record.id.clone())
            .chain(record.json["aliases"].as_array().into_iter().flatten().map(|id| id.as_str().unwrap().to_string()))
            .collect()
    };
    let chosen = shared_records()
        .iter()
        .find(|record| record.ecosystem == "Go" && !names(record).is_disjoint(&finding_ids))
        .expect("a Go record of the project's findings")
        .clone();
    let chosen_names = names(&chosen);
    let without: Vec<Record> = shared_records().iter().filter(|record| record.id != chosen.id).cloned().collect();
    let feed = FeedServer::start(bucket(&without));

    let data_dir = data.path().join("data");
    let admin = credentials(&init(&data_dir, None));
    let (osv, kev, epss) = (feed.url(), format!("{}/kev.json", feed.url()), format!("{}/epss.csv.gz", feed.url()));
    let server = start_with(
        &data_dir,
        None,
        &["--osv-url", &osv, "--kev-url", &kev, "--epss-url", &epss, "--db-update-interval", "1h"],
    );
    wait_for("the scheduled first download made the server ready", || ready(&server.url));
    assert!(data_dir.join("advisories.redb").is_file());

    let pushed = kensa_as(&admin, &["push", "--server", &server.url, "--wait", inventory.to_str().unwrap()]);
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    let vulnerability_ids = |findings: &[serde_json::Value]| -> BTreeSet<String> {
        findings
            .iter()
            .map(|finding| finding["packageVulnerabilityDetails"]["vulnerabilityId"].as_str().unwrap().to_string())
            .collect()
    };
    let before = all_findings(&server.url, &admin);
    assert!(!before.is_empty());
    assert!(vulnerability_ids(&before).is_disjoint(&chosen_names), "the feed does not have {} yet", chosen.id);

    // The feed publishes it; an on-demand update takes it, incrementally.
    let mut published = chosen.clone();
    published.json["modified"] = serde_json::Value::String("2030-01-01T00:00:00Z".to_string());
    let mut records = without.clone();
    records.push(published);
    for (path, bytes) in bucket(&records) {
        feed.set(&path, bytes);
    }
    let updated = kensa_as(&admin, &["admin", "db-update", "--server", &server.url]);
    assert!(updated.status.success(), "{}", String::from_utf8_lossy(&updated.stderr));
    let report: serde_json::Value = serde_json::from_slice(&updated.stdout).unwrap();
    assert_eq!(report["rebuilt"], false, "{report}");
    assert_eq!(report["added"], 1, "{report}");
    assert!(report["changedPackages"].as_u64().unwrap() >= 1, "{report}");
    assert!(
        report["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|source| source[0] == "osv:Go" && source[1].as_str().unwrap().starts_with("incremental")),
        "{report}"
    );
    wait_for("the published record's finding is listed", || {
        !vulnerability_ids(&all_findings(&server.url, &admin)).is_disjoint(&chosen_names)
    });

    let member = credentials(&kensa_as(&admin, &["admin", "account", "create", "--server", &server.url]));
    let refused = kensa_as(&member, &["admin", "db-update", "--server", &server.url]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("AccessDenied"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
