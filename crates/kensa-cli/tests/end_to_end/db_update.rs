//! `kensa db update` against a real HTTP server on 127.0.0.1 serving the real
//! advisories of ../shared/data in OSV's bucket layout (built here: Go's
//! vulndb records as they are, PyPA's YAML records as the JSON the bucket
//! holds, per-ecosystem `all.zip` and `modified_id.csv`, `ecosystems.txt`)
//! and the real CISA KEV catalog. What the database must hold is what
//! `kensa db build` makes of the same records read from files.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use crate::common;

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::common::feed_server::{Fault, FeedServer};
use crate::common::shared;

/// One OSV record of the bucket: its ecosystem directory, id and JSON.
#[derive(Clone)]
pub(crate) struct Record {
    pub(crate) ecosystem: &'static str,
    pub(crate) id: String,
    pub(crate) json: serde_json::Value,
}

/// The real Go and PyPI records of ../shared/data, once per test binary.
pub(crate) fn shared_records() -> &'static Vec<Record> {
    static RECORDS: std::sync::OnceLock<Vec<Record>> = std::sync::OnceLock::new();
    RECORDS.get_or_init(|| {
        let mut records = Vec::new();
        for entry in std::fs::read_dir(shared("advisories/go-vulndb/osv")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|extension| extension == "json") {
                let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                records.push(Record { ecosystem: "Go", id: json["id"].as_str().unwrap().to_owned(), json });
            }
        }
        let mut stack = vec![shared("advisories/pypa/vulns")];
        while let Some(directory) = stack.pop() {
            for entry in std::fs::read_dir(directory).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|extension| extension == "yaml") {
                    let json: serde_json::Value =
                        serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                    records.push(Record { ecosystem: "PyPI", id: json["id"].as_str().unwrap().to_owned(), json });
                }
            }
        }
        records.sort_by(|a, b| (a.ecosystem, &a.id).cmp(&(b.ecosystem, &b.id)));
        records
    })
}

/// The bucket layout of `records`, plus `kev.json`.
pub(crate) fn bucket(records: &[Record]) -> HashMap<String, Vec<u8>> {
    let mut files = HashMap::new();
    let mut by_ecosystem: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for record in records {
        by_ecosystem.entry(record.ecosystem).or_default().push(record);
    }
    for (ecosystem, records) in &by_ecosystem {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let mut modified: Vec<(String, String)> = Vec::new();
        for record in records {
            let bytes = serde_json::to_vec(&record.json).unwrap();
            zip.start_file(format!("{}.json", record.id), zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(&bytes).unwrap();
            files.insert(format!("{ecosystem}/{}.json", record.id), bytes);
            let when = record.json["modified"].as_str().unwrap_or("2000-01-01T00:00:00Z").to_owned();
            modified.push((when, record.id.clone()));
        }
        files.insert(format!("{ecosystem}/all.zip"), zip.finish().unwrap().into_inner());
        // Newest first, as the bucket writes it.
        modified.sort_by(|a, b| b.cmp(a));
        let csv: String = modified.iter().map(|(when, id)| format!("{when},{id}\n")).collect();
        files.insert(format!("{ecosystem}/modified_id.csv"), csv.into_bytes());
    }
    let ecosystems: String = by_ecosystem.keys().map(|ecosystem| format!("{ecosystem}\n")).collect();
    files.insert("ecosystems.txt".to_owned(), ecosystems.into_bytes());
    files.insert(
        "kev.json".to_owned(),
        std::fs::read(shared("advisories/cisa-kev/known_exploited_vulnerabilities.json")).unwrap(),
    );
    // The real EPSS sample, gzipped as FIRST publishes it.
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&std::fs::read(shared("advisories/epss/epss-sample-2024-10-25.csv")).unwrap()).unwrap();
    files.insert("epss.csv.gz".to_owned(), gzip.finish().unwrap());
    files
}

/// The `kensa` binary with none of the caller's feed, database, proxy or CA
/// settings: each test says what it wants.
fn kensa_command(arguments: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kensa"));
    command.args(arguments);
    for variable in [
        "KENSA_DB",
        "KENSA_OSV_URL",
        "KENSA_KEV_URL",
        "KENSA_EPSS_URL",
        "KENSA_OFFLINE",
        "HTTP_PROXY",
        "http_proxy",
        "SSL_CERT_FILE",
    ] {
        command.env_remove(variable);
    }
    command.env("NO_PROXY", "127.0.0.1,localhost");
    command
}

fn kensa_run(arguments: &[&str]) -> Output {
    kensa_command(arguments).output().unwrap()
}

fn update(server: &FeedServer, database: &Path, extra: &[&str]) -> Output {
    update_from(&server.url(), database, extra)
}

/// `kensa db update` from the bucket at `url` (its kev.json and epss.csv.gz too).
fn update_from(url: &str, database: &Path, extra: &[&str]) -> Output {
    let osv = url.to_owned();
    let kev = format!("{url}/kev.json");
    let epss = format!("{url}/epss.csv.gz");
    let mut arguments = vec![
        "db",
        "update",
        "--osv-url",
        &osv,
        "--kev-url",
        &kev,
        "--epss-url",
        &epss,
        "--db",
        database.to_str().unwrap(),
    ];
    arguments.extend_from_slice(extra);
    kensa_run(&arguments)
}

fn update_ok(server: &FeedServer, database: &Path, extra: &[&str]) -> String {
    let output = update(server, database, extra);
    assert!(output.status.success(), "update failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn show(database: &Path, id: &str) -> serde_json::Value {
    let output = kensa_run(&["db", "show", id, "--db", database.to_str().unwrap()]);
    assert!(output.status.success(), "db show {id}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn status(database: &Path) -> String {
    let output = kensa_run(&["db", "status", "--db", database.to_str().unwrap()]);
    assert!(output.status.success(), "db status: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The `advisories:` count `kensa db status` prints.
fn advisory_count(database: &Path) -> u64 {
    let text = status(database);
    let line = text.lines().find(|line| line.starts_with("advisories:")).unwrap();
    line.split_whitespace().last().unwrap().parse().unwrap()
}

/// The first update downloads every ecosystem's all.zip and the KEV catalog
/// and builds exactly what `kensa db build` builds from the same records as
/// files; a second one with twenty changed records (modified, new, withdrawn)
/// fetches the two lists and those twenty records only, and the database
/// then holds the new versions.
#[test]
fn full_then_incremental_update() {
    let records = shared_records().clone();
    let server = FeedServer::start(bucket(&records));
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("kensa.redb");

    let stderr = update_ok(&server, &database, &[]);
    assert!(stderr.contains("full download"), "{stderr}");
    let log = server.take_log();
    assert_eq!(
        log,
        [
            "ecosystems.txt",
            "Go/modified_id.csv",
            "Go/all.zip",
            "PyPI/modified_id.csv",
            "PyPI/all.zip",
            "kev.json",
            "epss.csv.gz"
        ]
    );
    // The same records read from files by `kensa db build`.
    let files = tempfile::tempdir().unwrap();
    for record in &records {
        let path = files.path().join(record.ecosystem).join(format!("{}.json", record.id));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_vec(&record.json).unwrap()).unwrap();
    }
    std::fs::copy(
        shared("advisories/cisa-kev/known_exploited_vulnerabilities.json"),
        files.path().join("known_exploited_vulnerabilities.json"),
    )
    .unwrap();
    std::fs::copy(shared("advisories/epss/epss-sample-2024-10-25.csv"), files.path().join("epss_scores.csv")).unwrap();
    let built = directory.path().join("built.redb");
    let output = kensa_run(&["db", "build", "--from", files.path().to_str().unwrap(), "--db", built.to_str().unwrap()]);
    assert!(output.status.success());
    let counts = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| !line.starts_with("database:") && !line.starts_with("built at"))
            .map(str::to_owned)
            .collect()
    };
    let updated_status = status(&database);
    let built_status = status(&built);
    let sources_start = updated_status.find("sources").unwrap();
    assert_eq!(counts(&updated_status[..sources_start]), counts(&built_status));
    assert!(updated_status.contains("osv:Go") && updated_status.contains("osv:PyPI") && updated_status.contains("kev"));
    let go_id = records.iter().find(|record| record.ecosystem == "Go").unwrap().id.clone();
    assert_eq!(show(&database, &go_id), show(&built, &go_id));
    let before = advisory_count(&database);
    assert_eq!(before, records.len() as u64);

    // Twenty changes: 17 Go records modified, 2 new, 1 PyPI record withdrawn.
    let mut changed = records.clone();
    let later = "2030-01-01T00:00:00Z";
    let mut touched = Vec::new();
    for record in changed.iter_mut().filter(|record| record.ecosystem == "Go").take(17) {
        record.json["modified"] = later.into();
        record.json["summary"] = format!("changed summary of {}", record.id).into();
        touched.push(record.id.clone());
    }
    for number in 1..=2 {
        let mut new = changed.iter().find(|record| record.ecosystem == "Go").unwrap().clone();
        new.id = format!("GO-2099-000{number}");
        new.json["id"] = new.id.clone().into();
        new.json["modified"] = later.into();
        new.json["aliases"] = serde_json::json!([]);
        touched.push(new.id.clone());
        changed.push(new);
    }
    let withdrawn = changed.iter_mut().find(|record| record.ecosystem == "PyPI").unwrap();
    withdrawn.json["modified"] = later.into();
    withdrawn.json["withdrawn"] = later.into();
    let withdrawn_id = withdrawn.id.clone();
    touched.push(withdrawn_id.clone());
    for (path, bytes) in bucket(&changed) {
        server.set(&path, bytes);
    }
    server.take_log();

    let stderr = update_ok(&server, &database, &[]);
    let log = server.take_log();
    let mut fetched: Vec<String> =
        log.iter().filter(|path| path.ends_with(".json") && *path != "kev.json").cloned().collect();
    fetched.sort();
    let mut expected: Vec<String> = changed
        .iter()
        .filter(|record| touched.contains(&record.id))
        .map(|record| format!("{}/{}.json", record.ecosystem, record.id))
        .collect();
    expected.sort();
    assert!(
        fetched == expected,
        "only the changed records are fetched: {} fetched, {} expected",
        fetched.len(),
        expected.len()
    );
    assert!(!log.iter().any(|path| path.ends_with("all.zip")), "{log:?}");
    assert!(stderr.contains("2 advisories added, 18 replaced"), "{stderr}");
    assert_eq!(advisory_count(&database), before + 2);
    assert_eq!(show(&database, &touched[0])[0]["summary"], format!("changed summary of {}", touched[0]));
    assert_eq!(show(&database, "GO-2099-0001")[0]["id"], "GO-2099-0001");
    assert!(show(&database, &withdrawn_id)[0]["withdrawn"].is_string());

    // Nothing changed upstream: the lists and the catalog answer 304 (their
    // ETags were kept), and no record is fetched.
    let stderr = update_ok(&server, &database, &[]);
    let log = server.take_log();
    assert_eq!(log, ["ecosystems.txt", "Go/modified_id.csv", "PyPI/modified_id.csv", "kev.json", "epss.csv.gz"]);
    assert!(stderr.contains("0 advisories added, 0 replaced"), "{stderr}");
    let bytes: u64 = stderr.split(" bytes").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(bytes < 100, "only ecosystems.txt has no validator kept: {bytes} bytes");
    assert_eq!(advisory_count(&database), before + 2);
}

/// Transient failures are retried (500, 429 with Retry-After, a body cut
/// short once); permanent ones fail with the URL and leave the database
/// byte for byte as it was; a malformed record is left out by name while the
/// rest of the update lands.
#[test]
fn faults_are_retried_or_fail_cleanly() {
    let records: Vec<Record> =
        shared_records().iter().filter(|record| record.ecosystem == "PyPI").take(300).cloned().collect();
    let server = FeedServer::start(bucket(&records));
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("kensa.redb");

    server.fault("PyPI/all.zip", Fault::Status(500));
    server.fault("ecosystems.txt", Fault::RetryAfter(1));
    server.fault("kev.json", Fault::Truncate(1000));
    update_ok(&server, &database, &[]);
    let log = server.take_log();
    assert_eq!(log.iter().filter(|path| *path == "PyPI/all.zip").count(), 2, "{log:?}");
    assert_eq!(log.iter().filter(|path| *path == "ecosystems.txt").count(), 2, "{log:?}");
    assert_eq!(advisory_count(&database), 300);

    // A zip cut short once: the download resumes where it stopped (an HTTP
    // Range request with If-Range), so the bytes received are about one zip.
    let zip_size = server.get("PyPI/all.zip").unwrap().len() as u64;
    server.fault("PyPI/all.zip", Fault::Truncate(5000));
    let stderr = update_ok(&server, &database, &["--full", "--no-kev", "--no-epss"]);
    let received: u64 = stderr.split(" bytes").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(received < zip_size + 20_000, "{received} bytes received for a {zip_size}-byte zip: {stderr}");
    assert_eq!(server.take_log().iter().filter(|path| *path == "PyPI/all.zip").count(), 2);
    assert_eq!(advisory_count(&database), 300);
    let good = std::fs::read(&database).unwrap();

    // A zip cut short every time: a clear error, the database untouched.
    for _ in 0..5 {
        server.fault("PyPI/all.zip", Fault::Truncate(5000));
    }
    let output = update(&server, &database, &["--full"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/PyPI/all.zip") && stderr.contains("cut short"), "{stderr}");
    assert_eq!(std::fs::read(&database).unwrap(), good);

    // Not a zip at all.
    let zip = server.get("PyPI/all.zip").unwrap();
    server.set("PyPI/all.zip", b"this is no zip archive".to_vec());
    let output = update(&server, &database, &["--full"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/PyPI/all.zip is not a valid zip of OSV records"), "{stderr}");
    assert_eq!(std::fs::read(&database).unwrap(), good);
    server.set("PyPI/all.zip", zip);

    // A malformed record in an incremental update, beside a good change.
    let mut changed = records.clone();
    changed[0].json["modified"] = "2030-01-01T00:00:00Z".into();
    changed[0].json["summary"] = "changed".into();
    changed[1].json["modified"] = "2030-01-01T00:00:00Z".into();
    for (path, bytes) in bucket(&changed) {
        server.set(&path, bytes);
    }
    server.set(&format!("PyPI/{}.json", changed[1].id), b"{\"id\": \"broken".to_vec());
    let stderr = update_ok(&server, &database, &[]);
    assert!(stderr.contains(&format!("malformed record left out: PyPI/{}.json", changed[1].id)), "{stderr}");
    assert_eq!(show(&database, &changed[0].id)[0]["summary"], "changed");

    // An ecosystem the bucket lacks.
    let output = update(&server, &database, &["--ecosystem", "NoSuchEcosystem"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/NoSuchEcosystem/all.zip"));
}

/// `kill -9` of the updater at many points of a full rebuild (the server
/// slows every response so the kills land in downloading, parsing and
/// writing): after each, the database is the previous one, whole, and the
/// next update completes and cleans up what the killed one left.
#[test]
fn killed_updates_leave_the_previous_database() {
    let records: Vec<Record> =
        shared_records().iter().filter(|record| record.ecosystem == "PyPI").take(1500).cloned().collect();
    let server = FeedServer::start(bucket(&records));
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("kensa.redb");
    update_ok(&server, &database, &["--no-kev", "--no-epss"]);
    server.set_delay(Duration::from_millis(30));
    for step in 0..12u64 {
        let osv = server.url();
        let mut child = kensa_command(&[
            "db",
            "update",
            "--full",
            "--no-kev",
            "--no-epss",
            "--osv-url",
            &osv,
            "--db",
            database.to_str().unwrap(),
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(Duration::from_millis(20 + step * 25));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever moment it died at, the database is the complete old one
        // or a complete new one: it opens, and holds every record.
        assert_eq!(advisory_count(&database), 1500, "after a kill at step {step}");
    }
    server.set_delay(Duration::ZERO);
    update_ok(&server, &database, &["--full", "--no-kev", "--no-epss"]);
    assert_eq!(advisory_count(&database), 1500);
    let leftovers: Vec<String> = std::fs::read_dir(directory.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".building-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `kensa db export` writes one bundle that `kensa db import` turns back
/// into the same database on another path; a bundle damaged anywhere (a
/// flipped byte in the compressed database, a cut) or of another kind is
/// refused with the reason, and the database it would have replaced is left
/// byte for byte as it was.
#[test]
fn export_and_import_round_trip_and_refuse_damage() {
    let (_built, source) = common::build_database("advisories/rustsec");
    let directory = tempfile::tempdir().unwrap();
    let bundle = directory.path().join("kensa-db.tar.gz");
    let output = kensa_run(&["db", "export", bundle.to_str().unwrap(), "--db", source.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let imported = directory.path().join("imported/kensa.redb");
    let output = kensa_run(&["db", "import", bundle.to_str().unwrap(), "--db", imported.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read(&imported).unwrap(), std::fs::read(&source).unwrap());
    assert!(String::from_utf8_lossy(&output.stderr).contains("verified"));

    let good_bundle = std::fs::read(&bundle).unwrap();
    let good_database = std::fs::read(&imported).unwrap();
    let import = |bytes: &[u8]| {
        let damaged = directory.path().join("damaged.tar.gz");
        std::fs::write(&damaged, bytes).unwrap();
        let output = kensa_run(&["db", "import", damaged.to_str().unwrap(), "--db", imported.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(std::fs::read(&imported).unwrap(), good_database, "the database must be untouched");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let mut flipped = good_bundle.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    let stderr = import(&flipped);
    assert!(stderr.contains("damaged") || stderr.contains("does not match its manifest"), "{stderr}");
    let stderr = import(&good_bundle[..good_bundle.len() * 2 / 3]);
    assert!(stderr.contains("damaged or truncated") || stderr.contains("truncated"), "{stderr}");
    let stderr = import(b"not a bundle at all");
    assert!(stderr.contains("damaged.tar.gz"), "{stderr}");
    let leftovers = std::fs::read_dir(directory.path().join("imported"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().file_name().to_string_lossy().contains(".building-"))
        .count();
    assert_eq!(leftovers, 0);
}

/// A first scan with no database downloads only what the project needs: a
/// Python project gets PyPI's advisories and the KEV catalog, not Go's; its
/// findings are those a full database gives. A later `kensa db update` then
/// downloads Go whole and checks PyPI incrementally.
#[test]
fn first_scan_downloads_only_the_ecosystems_it_needs() {
    let records = shared_records().clone();
    let server = FeedServer::start(bucket(&records));
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("first/kensa.redb");
    let project = shared("targets/lockfiles/trivy-integration-repos/pip");
    let scan = |database: &Path| {
        kensa_command(&[
            "scan",
            "fs",
            project.to_str().unwrap(),
            "--format",
            "json",
            "--db",
            database.to_str().unwrap(),
        ])
        .env("KENSA_OSV_URL", server.url())
        .env("KENSA_KEV_URL", format!("{}/kev.json", server.url()))
        .env("KENSA_EPSS_URL", format!("{}/epss.csv.gz", server.url()))
        .output()
        .unwrap()
    };
    let output = scan(&database);
    assert!(output.status.code().is_some_and(|code| code < 2), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("downloading the advisories for PyPI"), "{stderr}");
    let log = server.take_log();
    assert_eq!(log, ["ecosystems.txt", "PyPI/modified_id.csv", "PyPI/all.zip", "kev.json", "epss.csv.gz"]);
    let first: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!first["findings"].as_array().unwrap().is_empty());

    // The same scan against a full update's database finds the same.
    let full = directory.path().join("full/kensa.redb");
    update_ok(&server, &full, &[]);
    let output = scan(&full);
    let complete: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(first["findings"], complete["findings"]);

    server.take_log();
    let stderr = update_ok(&server, &database, &[]);
    assert!(stderr.contains("osv:Go") && stderr.contains("full download"), "{stderr}");
    let log = server.take_log();
    assert!(log.contains(&"Go/all.zip".to_owned()) && !log.contains(&"PyPI/all.zip".to_owned()), "{log:?}");
    assert_eq!(advisory_count(&database), advisory_count(&full));
}

/// Every file under `directory`, as the bucket paths a static server would serve.
fn files_under(directory: &Path) -> HashMap<String, Vec<u8>> {
    let mut files = HashMap::new();
    let mut stack = vec![directory.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(directory).unwrap().to_string_lossy().replace('\\', "/");
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// `kensa db mirror` copies the bucket (and the KEV catalog) into a
/// directory; a database updated from that directory, served by another
/// server, equals one updated from upstream. After twenty upstream changes a
/// second mirror run fetches only those records, and a client updating from
/// the mirror then gets them incrementally.
#[test]
fn mirror_feeds_other_machines() {
    let records: Vec<Record> =
        shared_records().iter().filter(|record| record.ecosystem == "PyPI").take(400).cloned().collect();
    let upstream = FeedServer::start(bucket(&records));
    let directory = tempfile::tempdir().unwrap();
    let mirror_directory = directory.path().join("mirror");
    let mirror = || {
        let osv = upstream.url();
        let kev = format!("{}/kev.json", upstream.url());
        let epss = format!("{}/epss.csv.gz", upstream.url());
        let output = kensa_run(&[
            "db",
            "mirror",
            mirror_directory.to_str().unwrap(),
            "--osv-url",
            &osv,
            "--kev-url",
            &kev,
            "--epss-url",
            &epss,
        ]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };
    mirror();
    let served = FeedServer::start(files_under(&mirror_directory));
    let from_mirror = directory.path().join("from-mirror.redb");
    update_ok(&served, &from_mirror, &[]);
    let from_upstream = directory.path().join("from-upstream.redb");
    update_ok(&upstream, &from_upstream, &[]);
    assert_eq!(advisory_count(&from_mirror), 400);
    assert_eq!(show(&from_mirror, &records[7].id), show(&from_upstream, &records[7].id));

    let mut changed = records.clone();
    for record in changed.iter_mut().take(20) {
        record.json["modified"] = "2030-01-01T00:00:00Z".into();
        record.json["summary"] = "changed upstream".into();
    }
    for (path, bytes) in bucket(&changed) {
        upstream.set(&path, bytes);
    }
    upstream.take_log();
    mirror();
    let fetched = upstream.take_log().iter().filter(|path| path.starts_with("PyPI/PYSEC")).count();
    assert_eq!(fetched, 20);
    for (path, bytes) in files_under(&mirror_directory) {
        served.set(&path, bytes);
    }
    let stderr = update_ok(&served, &from_mirror, &[]);
    assert!(stderr.contains("20 records changed since the last update"), "{stderr}");
    assert_eq!(show(&from_mirror, &changed[0].id)[0]["summary"], "changed upstream");
}

/// NVD's CVE API, paged as NVD pages it (the 23 real records in shared, in
/// two pages of the 2.0 response format): the first update reads every page;
/// the next asks only for CVEs modified since, with NVD's date parameters. A
/// finding whose advisory has no
/// CVSS vector and no rating (a hand-made OSV record aliasing the xz backdoor,
/// CVE-2024-3094) then takes NVD's v3.1 score: CRITICAL, source nvd_cvss_v3,
/// and the EPSS score of its CVE (served as plain CSV, not gzipped).
#[test]
fn nvd_pages_fill_in_severity() {
    let mut records: Vec<serde_json::Value> = Vec::new();
    for entry in std::fs::read_dir(shared("advisories/nvd/cve-api-2.0-records")).unwrap() {
        let page: serde_json::Value = serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        records.extend(page["vulnerabilities"].as_array().unwrap().iter().cloned());
    }
    records.sort_by_key(|record| record["cve"]["id"].as_str().unwrap().to_owned());
    let total = records.len();
    let page = |items: &[serde_json::Value], start: usize| {
        serde_json::to_vec(&serde_json::json!({
            "resultsPerPage": items.len(), "startIndex": start, "totalResults": total,
            "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-11-22T00:00:00.000", "vulnerabilities": items,
        }))
        .unwrap()
    };
    // An OSV record without severity, for a PyPI package, aliasing CVE-2024-3094.
    let advisory = serde_json::json!({
        "id": "KENSA-TEST-NVD-1", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2024-3094"],
        "summary": "test record without severity",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "kensa-nvd-demo"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}],
    });
    let mut files = bucket(&[Record { ecosystem: "PyPI", id: "KENSA-TEST-NVD-1".to_owned(), json: advisory }]);
    let half = total / 2;
    files.insert("nvd/cves?resultsPerPage=2000&startIndex=0".to_owned(), page(&records[..half], 0));
    files.insert(format!("nvd/cves?resultsPerPage=2000&startIndex={half}"), page(&records[half..], half));
    // Any other query (a date window): nothing modified since.
    let empty = serde_json::json!({"resultsPerPage": 0, "startIndex": 0, "totalResults": 0, "format": "NVD_CVE",
        "version": "2.0", "timestamp": "2026-11-22T00:00:00.000", "vulnerabilities": []});
    files.insert("nvd/cves".to_owned(), serde_json::to_vec(&empty).unwrap());
    // The real EPSS sample plus one hand-made line scoring CVE-2024-3094.
    let mut epss = std::fs::read_to_string(shared("advisories/epss/epss-sample-2024-10-25.csv")).unwrap();
    epss = format!("{}\nCVE-2024-3094,0.85000,0.99500\n", epss.trim_end());
    files.insert("epss.csv.gz".to_owned(), epss.into_bytes());
    let server = FeedServer::start(files);
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("kensa.redb");
    let nvd_url = format!("{}/nvd/cves", server.url());
    let nvd_arguments = ["--nvd-url", nvd_url.as_str(), "--nvd-api-key", "test-key", "--nvd-interval-ms", "10"];

    let stderr = update_ok(&server, &database, &nvd_arguments);
    assert!(stderr.contains(&format!("nvd                      full download, {total} records")), "{stderr}");
    let log = server.take_log();
    assert!(log.contains(&"nvd/cves?resultsPerPage=2000&startIndex=0".to_owned()), "{log:?}");
    assert!(status(&database).contains(&format!("NVD CVSS:        {total} CVEs")));

    let project = directory.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("requirements.txt"), "kensa-nvd-demo==1.0\n").unwrap();
    let output =
        kensa_run(&["scan", "fs", project.to_str().unwrap(), "--format", "json", "--db", database.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = &report["findings"][0];
    // The CVE is the vulnerability's primary id; the record is an alias.
    assert_eq!(finding["id"], "CVE-2024-3094");
    assert!(finding["aliases"].as_array().unwrap().contains(&"KENSA-TEST-NVD-1".into()), "{finding}");
    assert_eq!(finding["severity"], "CRITICAL");
    assert_eq!(finding["severity_source"], "nvd_cvss_v3");
    assert_eq!(finding["epss"], serde_json::json!({"probability": 0.85, "percentile": 0.995}));

    // The next update asks for what changed since, by date.
    server.take_log();
    update_ok(&server, &database, &nvd_arguments);
    let log = server.take_log();
    let nvd_requests: Vec<&String> = log.iter().filter(|path| path.starts_with("nvd/")).collect();
    assert_eq!(nvd_requests.len(), 1, "{log:?}");
    assert!(
        nvd_requests[0].contains("&lastModStartDate=") && nvd_requests[0].contains("&lastModEndDate="),
        "{nvd_requests:?}"
    );
}

/// Native feeds by URL: Alpine's secdb (the real v3.10 main and community
/// files of shared, served as the JSON secdb publishes today) and the Debian
/// security tracker's JSON (the real sample of shared, at an extensionless
/// path like the tracker's own `…/data/json`). The database then holds what
/// `kensa db build` makes of the same files; an unchanged feed is not read
/// again (304); a URL serving something that is no feed fails the update
/// with the URL.
#[test]
fn native_feeds_by_url() {
    let mut files = bucket(&[]);
    for repository in ["main", "community"] {
        let yaml =
            std::fs::read_to_string(shared(&format!("advisories/alpine-secdb/v3.10/{repository}.yaml"))).unwrap();
        let json: serde_json::Value = serde_yaml_ng::from_str(&yaml).unwrap();
        files.insert(format!("alpine/v3.10/{repository}.json"), serde_json::to_vec(&json).unwrap());
    }
    files.insert(
        "debian/tracker/data/json".to_owned(),
        std::fs::read(shared("advisories/distro-samples/debian/tracker-json-sample.json")).unwrap(),
    );
    // Amazon Linux publishes ALAS as its repositories' gzipped updateinfo.xml.
    files.insert(
        "al2/core/2.0/x86_64/repodata/updateinfo.xml.gz".to_owned(),
        std::fs::read(shared("advisories/distro-samples/amazon/updateinfo/updateinfo_2_items.xml.gz")).unwrap(),
    );
    files.insert("not-a-feed.json".to_owned(), b"{\"hello\": \"world\"}".to_vec());
    let server = FeedServer::start(files.clone());
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("kensa.redb");
    let feeds: Vec<String> = [
        "alpine/v3.10/main.json",
        "alpine/v3.10/community.json",
        "debian/tracker/data/json",
        "al2/core/2.0/x86_64/repodata/updateinfo.xml.gz",
    ]
    .iter()
    .map(|path| format!("{}/{path}", server.url()))
    .collect();
    let mut arguments = vec!["--no-epss", "--no-kev", "--ecosystem", "PyPI"];
    for feed in &feeds {
        arguments.extend_from_slice(&["--feed", feed.as_str()]);
    }
    // The bucket has no PyPI records here: an empty ecosystem is fine.
    server.set("PyPI/all.zip", zip::ZipWriter::new(std::io::Cursor::new(Vec::new())).finish().unwrap().into_inner());
    server.set("PyPI/modified_id.csv", Vec::new());
    update_ok(&server, &database, &arguments);

    let built_from = tempfile::tempdir().unwrap();
    for (path, bytes) in &files {
        if path.starts_with("alpine/") || path.starts_with("debian/") || path.starts_with("al2/") {
            let name = if path.ends_with("/json") { format!("{path}.json") } else { path.clone() };
            let target = built_from.path().join(name);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, bytes).unwrap();
        }
    }
    let built = directory.path().join("built.redb");
    let output =
        kensa_run(&["db", "build", "--from", built_from.path().to_str().unwrap(), "--db", built.to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(advisory_count(&database), advisory_count(&built));
    assert!(advisory_count(&database) > 100);
    let show = kensa_run(&["db", "show", "ALAS2-2018-942", "--db", database.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("Amazon Linux"), "{show:?}");

    server.take_log();
    let stderr = update_ok(&server, &database, &arguments);
    assert!(stderr.contains("0 advisories added, 0 replaced"), "{stderr}");
    assert_eq!(server.take_log().iter().filter(|path| path.starts_with("alpine/")).count(), 2);

    let bad = format!("{}/not-a-feed.json", server.url());
    let output = update(&server, &database, &["--no-epss", "--no-kev", "--ecosystem", "PyPI", "--feed", &bad]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not-a-feed.json"));
}

/// A mirror served over HTTPS with a certificate from a private CA (made by
/// tests/registry/tls_server.py with Python's `ssl`): refused with the
/// built-in roots, naming the URL; accepted with `--ca-file` (or
/// `SSL_CERT_FILE`) pointing at that CA.
#[test]
fn https_mirror_behind_a_private_ca() {
    if Command::new(common::python())
        .args(["-c", "import cryptography"])
        .output()
        .map_or(true, |output| !output.status.success())
    {
        assert!(std::env::var("KENSA_REQUIRE_FIXTURES").as_deref() != Ok("1"), "python3 cryptography missing");
        return;
    }
    let records: Vec<Record> =
        shared_records().iter().filter(|record| record.ecosystem == "PyPI").take(50).cloned().collect();
    let served = tempfile::tempdir().unwrap();
    for (path, bytes) in bucket(&records) {
        let target = served.path().join(&path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    let ca = served.path().join("private-ca.pem");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/registry/tls_server.py");
    let mut child = Command::new(common::python())
        .arg(script)
        .args([served.path().to_str().unwrap(), ca.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let url = format!("https://127.0.0.1:{}", line.trim());
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("kensa.redb");
    let run = |extra: &[&str]| update_from(&url, &database, extra);
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains(&format!("{url}/ecosystems.txt")), "{stderr}");
    let accepted = run(&["--ca-file", ca.to_str().unwrap()]);
    assert!(accepted.status.success(), "{}", String::from_utf8_lossy(&accepted.stderr));
    assert_eq!(advisory_count(&database), 50);
    let _ = child.kill();
    let _ = child.wait();
}

/// Amazon Linux's errata as `kensa db update --feed` finds them: the mirror
/// list names the repository, whose repodata/repomd.xml (the real AL2
/// sample, its updateinfo entry pointed at the served file and checksum)
/// names a hash-named updateinfo.xml.gz (the real AL2023 sample). The
/// errata land; the next update reads the repomd only (304) and nothing
/// else; an errata file that does not match repomd's SHA-256 is refused,
/// naming its URL, with the database untouched.
#[test]
fn amazon_linux_errata_through_mirror_list_and_repomd() {
    use sha2::Digest as _;
    let updateinfo =
        std::fs::read(shared("advisories/distro-samples/amazon/updateinfo/updateinfo_AL2023.xml.gz")).unwrap();
    let digest: String = sha2::Sha256::digest(&updateinfo).iter().map(|byte| format!("{byte:02x}")).collect();
    let repomd = std::fs::read_to_string(shared("advisories/distro-samples/amazon/updateinfo/repomd_valid.xml"))
        .unwrap()
        .replace("repodata/updateinfo.xml.gz", &format!("repodata/{digest}-updateinfo.xml.gz"))
        .replace("e6f569f8ed2246a6b06c0fef7cfd71560df02781327e31c38396ed358d591d48", &digest);
    let mut files = bucket(&[]);
    let repository = "al2023/core/guids/0a1b2c/x86_64";
    files.insert(format!("{repository}/repodata/repomd.xml"), repomd.into_bytes());
    files.insert(format!("{repository}/repodata/{digest}-updateinfo.xml.gz"), updateinfo.clone());
    let server = FeedServer::start(files);
    server
        .set("al2023/core/mirrors/latest/x86_64/mirror.list", format!("{}/{repository}\n", server.url()).into_bytes());
    server.set("PyPI/all.zip", zip::ZipWriter::new(std::io::Cursor::new(Vec::new())).finish().unwrap().into_inner());
    server.set("PyPI/modified_id.csv", Vec::new());
    let mirror_list = format!("{}/al2023/core/mirrors/latest/x86_64/mirror.list", server.url());
    let arguments = ["--no-epss", "--no-kev", "--ecosystem", "PyPI", "--feed", mirror_list.as_str()];
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("kensa.redb");
    update_ok(&server, &database, &arguments);
    let advisory = &show(&database, "ALAS2023-2023-001")[0];
    assert_eq!(advisory["affected"][0]["ecosystem"], "Amazon Linux");
    assert_eq!(advisory["affected"][0]["release"], "2023");

    server.take_log();
    update_ok(&server, &database, &arguments);
    let fetched: Vec<String> = server.take_log().into_iter().filter(|path| path.starts_with("al2023/")).collect();
    assert!(!fetched.iter().any(|path| path.ends_with("updateinfo.xml.gz")), "{fetched:?}");

    // A changed repomd (new revision) whose errata file does not match it.
    let tampered = {
        let mut bytes = updateinfo.clone();
        bytes[4] ^= 0xff; // the gzip MTIME: still a valid file, another digest
        bytes
    };
    server.set(&format!("{repository}/repodata/{digest}-updateinfo.xml.gz"), tampered);
    let repomd_path = format!("{repository}/repodata/repomd.xml");
    let changed_repomd =
        std::fs::read_to_string(shared("advisories/distro-samples/amazon/updateinfo/repomd_valid.xml"))
            .unwrap()
            .replace("repodata/updateinfo.xml.gz", &format!("repodata/{digest}-updateinfo.xml.gz"))
            .replace("e6f569f8ed2246a6b06c0fef7cfd71560df02781327e31c38396ed358d591d48", &digest)
            .replace("1569972356", "1569972357");
    server.set(&repomd_path, changed_repomd.into_bytes());
    let before = std::fs::read(&database).unwrap();
    let output = update(&server, &database, &arguments);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{digest}-updateinfo.xml.gz")) && stderr.contains("SHA-256"), "{stderr}");
    assert_eq!(std::fs::read(&database).unwrap(), before);
}
