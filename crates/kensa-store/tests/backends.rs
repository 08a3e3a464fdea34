//! The store's contract, run against both backends: SQLite (a file in a
//! temporary directory) and a real PostgreSQL (kensa-test-support starts
//! one on 127.0.0.1). Proves: migrations run and re-run; inventories are
//! stored with their sequence; one queued job per resource whose generation
//! tracks pushes that arrive while it runs; leases keep a job from a second
//! worker until they run out; concurrent claimers never get the same job;
//! findings list in keyset pages without repeats or gaps, and only for the
//! accounts asked for.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;

use kensa_store::{
    AccessKey, Account, Claim, ClosedFinding, FindingContent, FindingQuery, MatchRecord, NewInventory, Rematch, Store,
    StoredFinding,
};

fn claim(worker: &str, now: i64, lease_seconds: i64, limit: i64) -> Claim<'_> {
    Claim { worker, now, lease_seconds, limit, advisory_generation: i64::MAX }
}

fn record<'a>(
    account_id: &'a str,
    resource_id: &'a str,
    matched_sequence: i64,
    findings: &'a [StoredFinding],
    vulnerability_ids: &'a [String],
) -> MatchRecord<'a> {
    MatchRecord {
        account_id,
        resource_id,
        matched_sequence,
        advisory_generation: 1,
        matched_at: 1_100,
        findings,
        closed: &[],
        vulnerability_ids,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn inventory(account: &str, resource: &str, received_at: i64) -> NewInventory {
    NewInventory {
        account_id: account.to_string(),
        resource_id: resource.to_string(),
        resource_type: "AWS_EC2_INSTANCE".to_string(),
        tags_json: "{}".to_string(),
        deflated_document: kensa_store::deflate(b"{}"),
        digest: "0".repeat(64),
        package_keys: vec!["npm:lodash".to_string(), "deb:openssl".to_string()],
        received_at,
    }
}

fn finding(account: &str, resource: &str, index: i64, updated_at: i64) -> StoredFinding {
    StoredFinding {
        arn: format!("arn:aws:inspector2:us-east-1:{account}:finding/{index:032x}"),
        account_id: account.to_string(),
        resource_id: resource.to_string(),
        identity: format!("{index:064x}"),
        lifetime: 0,
        status: "ACTIVE".to_string(),
        severity: "HIGH".to_string(),
        first_observed_at: updated_at,
        last_observed_at: updated_at,
        updated_at,
        closed_at: None,
        content_digest: String::new(),
        document: "{}".to_string(),
    }
}

fn no_history(_: Option<&[u8]>) -> String {
    String::new()
}

async fn exercise(url: &str) {
    let store = Store::open(url).await.unwrap();
    drop(Store::open(url).await.unwrap()); // migrations are idempotent
    assert!(!store.has_accounts().await.unwrap());
    let key = |id: &str, account: &str| AccessKey {
        access_key_id: id.to_string(),
        account_id: account.to_string(),
        role: "administrator".to_string(),
        sealed_secret: vec![1, 2, 3],
        created_at: 1,
    };
    let administrator =
        Account { account_id: "111111111111".to_string(), administrator_account_id: None, created_at: 1 };
    let member = Account {
        account_id: "222222222222".to_string(),
        administrator_account_id: Some(administrator.account_id.clone()),
        created_at: 2,
    };
    store.create_account(&administrator, &key("KENSAADMIN", "111111111111")).await.unwrap();
    store.create_account(&member, &key("KENSAMEMBER", "222222222222")).await.unwrap();
    assert_eq!(store.member_accounts("111111111111").await.unwrap(), vec!["222222222222".to_string()]);
    assert_eq!(store.access_key("KENSAMEMBER").await.unwrap().unwrap().sealed_secret, vec![1, 2, 3]);
    assert!(store.access_key("KENSANONE").await.unwrap().is_none());

    // One job per resource; a push while it runs bumps its generation.
    assert_eq!(store.store_inventory(&inventory("111111111111", "host-1", 100), &no_history).await.unwrap(), 1);
    assert_eq!(store.store_inventory(&inventory("111111111111", "host-1", 101), &no_history).await.unwrap(), 2);
    assert_eq!(store.queue_depth().await.unwrap(), 1);
    let claimed = store.claim_jobs(&claim("worker-a", 200, 30, 10)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].key, "111111111111/host-1");
    assert!(store.claim_jobs(&claim("worker-b", 200, 30, 10)).await.unwrap().is_empty(), "leased to worker-a");
    store.store_inventory(&inventory("111111111111", "host-1", 205), &no_history).await.unwrap();
    store.complete_job(&claimed[0]).await.unwrap();
    assert_eq!(store.queue_depth().await.unwrap(), 1, "the push that arrived mid-run is matched too");
    let again = store.claim_jobs(&claim("worker-b", 210, 30, 10)).await.unwrap();
    assert_eq!(again.len(), 1);
    // worker-b dies; once its lease runs out, worker-c takes the job over.
    assert!(store.claim_jobs(&claim("worker-c", 239, 30, 10)).await.unwrap().is_empty());
    let taken_over = store.claim_jobs(&claim("worker-c", 241, 30, 10)).await.unwrap();
    assert_eq!(taken_over.len(), 1);
    assert_eq!(taken_over[0].attempts, 2);
    store.complete_job(&taken_over[0]).await.unwrap();
    assert_eq!(store.queue_depth().await.unwrap(), 0);
    let (sequence, document) = store.latest_inventory("111111111111", "host-1").await.unwrap().unwrap();
    assert_eq!(document, b"{}", "stored deflated, read back as pushed");
    assert_eq!(sequence, 3);
    // History: each entry made from its true predecessor, newest first.
    let described = |previous: Option<&[u8]>| match previous {
        Some(document) => format!("after {}", String::from_utf8_lossy(document)),
        None => "first".to_string(),
    };
    let mut changed = inventory("111111111111", "db-1", 150);
    store.store_inventory(&changed, &described).await.unwrap();
    changed.deflated_document = kensa_store::deflate(b"{\"second\": true}");
    store.store_inventory(&changed, &described).await.unwrap();
    store.store_inventory(&changed, &described).await.unwrap();
    let history = store.inventory_history("111111111111", "db-1", None, 10).await.unwrap();
    let told: Vec<(i64, &str)> = history.iter().map(|entry| (entry.sequence, entry.changes.as_str())).collect();
    assert_eq!(told, [(3, "after {\"second\": true}"), (2, "after {}"), (1, "first")]);
    assert_eq!(store.inventory_history("111111111111", "db-1", Some(3), 1).await.unwrap()[0].sequence, 2);
    assert!(store.inventory_history("222222222222", "db-1", None, 10).await.unwrap().is_empty());
    store.delete_resource("111111111111", "db-1", 160).await.unwrap();

    // Concurrent claimers never share a job.
    for index in 0..40 {
        store.store_inventory(&inventory("222222222222", &format!("image-{index}"), 300), &no_history).await.unwrap();
    }
    let mut claimers = Vec::new();
    for worker in 0..4 {
        let store = store.clone();
        claimers.push(tokio::spawn(async move {
            let mut keys = Vec::new();
            loop {
                let jobs = store.claim_jobs(&claim(&format!("worker-{worker}"), 400, 60, 1)).await.unwrap();
                let Some(job) = jobs.into_iter().next() else { return keys };
                keys.push(job.key.clone());
                store.complete_job(&job).await.unwrap();
            }
        }));
    }
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (40, 40), "every job claimed exactly once");

    // Keyset pages: newest change first, no repeats, no gaps, per account.
    let findings: Vec<StoredFinding> =
        (0..25).map(|index| finding("111111111111", "host-1", index, 1_000 + index / 3)).collect();
    store.record_match(&record("111111111111", "host-1", 3, &findings, &[])).await.unwrap();
    let other = [finding("222222222222", "image-0", 99, 5_000)];
    store.record_match(&record("222222222222", "image-0", 1, &other, &["CVE-2024-0001".to_string()])).await.unwrap();
    let mut listed = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_findings(&FindingQuery {
                account_ids: vec!["111111111111".to_string()],
                after: after.clone(),
                limit: 4,
                ..FindingQuery::default()
            })
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.updated_at, last.arn.clone()));
        listed.extend(page);
    }
    let mut expected = findings.clone();
    expected.sort_by(|a, b| (b.updated_at, &b.arn).cmp(&(a.updated_at, &a.arn)));
    assert_eq!(listed.iter().map(|f| &f.arn).collect::<Vec<_>>(), expected.iter().map(|f| &f.arn).collect::<Vec<_>>());
    let resource = store.resource("111111111111", "host-1").await.unwrap().unwrap();
    assert_eq!((resource.inventory_sequence, resource.matched_sequence), (3, 3));
    // An open finding was last observed by its resource's latest match
    // (at 1,100), though the match did not rewrite it.
    assert!(listed.iter().all(|f| f.last_observed_at == f.updated_at.max(1_100)), "{listed:?}");
    let states = store.findings_of_resource("111111111111", "host-1", FindingContent::StateOnly).await.unwrap();
    assert_eq!(states.len(), 25);
    assert!(states.iter().all(|f| f.document.is_empty() && f.last_observed_at == f.updated_at.max(1_100)));
    let both = store
        .list_findings(&FindingQuery {
            account_ids: vec!["222222222222".to_string()],
            limit: 100,
            ..FindingQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(both.len(), 1, "another account's findings are not listed");

    // Advisory generations queue exactly the re-matches their change names,
    // for workers holding that generation or a newer one.
    assert!(store.current_generation().await.unwrap().is_none());
    let first = store.register_generation("fingerprint-1", "replica-a", 2_000, &Rematch::Everything).await.unwrap();
    assert_eq!((first.generation, first.queued_resources), (1, 41));
    let same = store.register_generation("fingerprint-1", "replica-b", 2_001, &Rematch::Everything).await.unwrap();
    assert_eq!(same, first, "the newest database registered again is the same generation and queues nothing");
    let held_by_older = Claim { advisory_generation: 0, ..claim("worker-old", 2_000, 60, 100) };
    assert!(store.claim_jobs(&held_by_older).await.unwrap().is_empty(), "a replica on no database claims nothing");
    let all = store.claim_jobs(&Claim { advisory_generation: 1, ..claim("worker-new", 2_000, 60, 100) }).await.unwrap();
    assert_eq!(all.len(), 41);
    for job in &all {
        store.complete_job(job).await.unwrap();
    }
    store
        .store_inventory(
            &NewInventory { package_keys: vec!["pypi:django".to_string()], ..inventory("111111111111", "web", 2_100) },
            &no_history,
        )
        .await
        .unwrap();
    let pushed =
        store.claim_jobs(&Claim { advisory_generation: 0, ..claim("worker-old", 2_100, 60, 10) }).await.unwrap();
    assert!(pushed.is_empty(), "a push needs the newest registered database");
    let pushed =
        store.claim_jobs(&Claim { advisory_generation: 1, ..claim("worker-new", 2_100, 60, 10) }).await.unwrap();
    store.complete_job(&pushed[0]).await.unwrap();
    let second = store
        .register_generation(
            "fingerprint-2",
            "replica-b",
            2_200,
            &Rematch::Only {
                package_keys: vec!["pypi:django".to_string(), "cargo:serde".to_string()],
                vulnerability_ids: vec!["CVE-2024-0001".to_string()],
            },
        )
        .await
        .unwrap();
    assert_eq!(second.generation, 2);
    assert_eq!(store.current_generation().await.unwrap().unwrap(), second);
    assert!(
        store
            .claim_jobs(&Claim { advisory_generation: 1, ..claim("worker-old", 2_200, 60, 10) })
            .await
            .unwrap()
            .is_empty()
    );
    let mut touched: Vec<String> = store
        .claim_jobs(&Claim { advisory_generation: 2, ..claim("worker-new", 2_200, 60, 10) })
        .await
        .unwrap()
        .into_iter()
        .map(|job| job.key)
        .collect();
    touched.sort();
    assert_eq!(
        touched,
        ["111111111111/web", "222222222222/image-0"],
        "the package and vulnerability indexes name them"
    );
    // The re-push of web dropped npm:lodash: a change to it no longer
    // touches web, and still touches the resources that hold it. (The
    // claims above lapse at 2,260.)
    for job in store.claim_jobs(&claim("worker-new", 2_270, 60, 100)).await.unwrap() {
        store.complete_job(&job).await.unwrap();
    }
    let lodash = Rematch::Only { package_keys: vec!["npm:lodash".to_string()], vulnerability_ids: Vec::new() };
    let third = store.register_generation("fingerprint-lodash", "replica-b", 2_275, &lodash).await.unwrap();
    let touched: Vec<String> = store
        .claim_jobs(&Claim { advisory_generation: third.generation, ..claim("worker-new", 2_275, 60, 100) })
        .await
        .unwrap()
        .into_iter()
        .map(|job| job.key)
        .collect();
    assert!(!touched.contains(&"111111111111/web".to_string()), "{touched:?}");
    assert!(touched.contains(&"222222222222/image-0".to_string()), "{touched:?}");
    let rolled_back =
        store.register_generation("fingerprint-1", "replica-a", 2_300, &Rematch::Everything).await.unwrap();
    assert_eq!(rolled_back.generation, 4, "a database that comes back is a new generation");
    assert_eq!(store.generation_of("fingerprint-1").await.unwrap().unwrap().generation, 4);

    // Leases: one holder at a time, taken over once it stops renewing.
    assert!(store.try_lease("database-update", "replica-a", 3_000, 30).await.unwrap());
    assert!(!store.try_lease("database-update", "replica-b", 3_010, 30).await.unwrap());
    assert!(store.try_lease("database-update", "replica-a", 3_020, 30).await.unwrap(), "the holder renews");
    assert!(!store.try_lease("database-update", "replica-b", 3_049, 30).await.unwrap());
    assert!(store.try_lease("database-update", "replica-b", 3_051, 30).await.unwrap(), "taken over after expiry");
    store.release_lease("database-update", "replica-b").await.unwrap();
    assert!(store.try_lease("database-update", "replica-a", 3_052, 30).await.unwrap());
    // A schedule: due once its time has passed, for anyone, its last holder too.
    assert!(store.take_when_due("update-due", "replica-a", 4_000, 4_100).await.unwrap());
    assert!(!store.take_when_due("update-due", "replica-a", 4_050, 4_150).await.unwrap());
    assert!(!store.take_when_due("update-due", "replica-b", 4_050, 4_150).await.unwrap());
    assert!(store.take_when_due("update-due", "replica-b", 4_101, 4_200).await.unwrap());
    store.set_lease("update-due", "replica-a", 0).await.unwrap();
    assert!(store.take_when_due("update-due", "replica-b", 4_102, 4_300).await.unwrap(), "set back: due at once");

    // A deleted resource's findings close at once; purged three days on.
    assert_eq!(store.delete_resource("111111111111", "host-1", 10_000).await.unwrap(), Some(25));
    assert_eq!(store.delete_resource("111111111111", "host-1", 10_001).await.unwrap(), None, "deleted already");
    assert!(store.resource("111111111111", "host-1").await.unwrap().is_none());
    assert!(store.latest_inventory("111111111111", "host-1").await.unwrap().is_none());
    let closed = store
        .list_findings(&FindingQuery {
            account_ids: vec!["111111111111".to_string()],
            statuses: vec!["CLOSED".to_string()],
            limit: 100,
            ..FindingQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(closed.len(), 25);
    assert!(closed.iter().all(|finding| finding.closed_at == Some(10_000) && finding.updated_at == 10_000));
    // A closed finding of a live resource: kept 30 days.
    let fixed = ClosedFinding { arn: other[0].arn.clone(), closed_at: 10_000, last_observed_at: 9_000 };
    store
        .record_match(&MatchRecord {
            closed: std::slice::from_ref(&fixed),
            ..record("222222222222", "image-0", 1, &[], &[])
        })
        .await
        .unwrap();
    let [closed] = &store.findings_of_resource("222222222222", "image-0", FindingContent::Full).await.unwrap()[..]
    else {
        panic!("one finding")
    };
    assert_eq!(
        (
            closed.status.as_str(),
            closed.closed_at,
            closed.updated_at,
            closed.last_observed_at,
            closed.document.as_str()
        ),
        ("CLOSED", Some(10_000), 10_000, 9_000, "{}"),
        "a close changes the state only"
    );
    let retention = kensa_store::Retention::default();
    let day = 86_400;
    // db-1, deleted long before, goes first, with its history.
    assert_eq!(
        store.purge(10_000 + 3 * day, &retention).await.unwrap(),
        kensa_store::Purged { findings: 0, resources: 1 }
    );
    assert!(store.inventory_history("111111111111", "db-1", None, 10).await.unwrap().is_empty());
    let purged = store.purge(10_001 + 3 * day, &retention).await.unwrap();
    assert_eq!((purged.findings, purged.resources), (25, 1));
    assert_eq!(store.purge(10_000 + 30 * day, &retention).await.unwrap().findings, 0);
    assert_eq!(store.purge(10_001 + 30 * day, &retention).await.unwrap().findings, 1);

    // Images past their account's rescan window (14 days after their last
    // push) are queued, once: the match that follows closes their findings.
    let image = |resource: &str, received_at: i64| NewInventory {
        resource_type: "AWS_ECR_CONTAINER_IMAGE".to_string(),
        ..inventory("222222222222", resource, received_at)
    };
    store.store_inventory(&image("old-image", 20_000), &no_history).await.unwrap();
    store.store_inventory(&image("new-image", 20_000 + 14 * day), &no_history).await.unwrap();
    let lapse = 20_001 + 14 * day;
    assert_eq!(store.queue_lapsed_images("222222222222", 14 * day, lapse).await.unwrap(), 1, "only the old image");
    store
        .record_match(&MatchRecord { matched_at: lapse, ..record("222222222222", "old-image", 1, &[], &[]) })
        .await
        .unwrap();
    assert_eq!(
        store.queue_lapsed_images("222222222222", 14 * day, lapse + 3_600).await.unwrap(),
        0,
        "matched after its window passed: not queued again"
    );
    store.close().await;
}

#[test]
fn the_store_keeps_its_contract_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", directory.path().join("kensa.sqlite3").display());
    runtime().block_on(exercise(&url));
}

#[test]
fn the_store_keeps_its_contract_on_postgresql() {
    let Some(database) = kensa_test_support::postgres_database("store_contract") else { return };
    runtime().block_on(exercise(&database.url));
}
