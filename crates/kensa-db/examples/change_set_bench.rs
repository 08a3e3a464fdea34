//! Measures what an update with 20 changed records costs the service: the
//! change set of `apply_changes` (and the whole atomic change around it),
//! and the diff of two whole database files (what a rebuild or an import
//! computes).
//!
//! Usage: `cargo run --release -p kensa-db --example change_set_bench -- DB FEED_DIRECTORY`
//! (DB built from the shared advisories; FEED_DIRECTORY holds OSV JSON
//! records already in it, 20 of which are changed).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout, missing_docs)]

use std::time::Instant;

fn median(mut timings: Vec<f64>) -> f64 {
    timings.sort_by(f64::total_cmp);
    timings[timings.len() / 2]
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let database = std::path::PathBuf::from(&arguments[1]);
    let feed = std::path::PathBuf::from(&arguments[2]);
    let mut names: Vec<_> = std::fs::read_dir(&feed).unwrap().map(|entry| entry.unwrap().path()).collect();
    names.sort();
    let mut builder = kensa_db::DatabaseBuilder::default();
    for path in names.iter().filter(|path| path.extension().is_some_and(|extension| extension == "json")).take(20) {
        builder.add_file(&path.display().to_string(), &std::fs::read(path).unwrap());
    }
    let mut advisories = builder.into_parts().advisories;
    assert_eq!(advisories.len(), 20);
    for advisory in &mut advisories {
        advisory.summary.push_str(" (changed)");
        advisory.modified = Some("2099-01-01T00:00:00Z".to_owned());
    }
    // The change set alone: each stored record read, compared with the new one.
    let opened = kensa_db::Database::open(&database).unwrap();
    let mut computing = Vec::new();
    for _ in 0..11 {
        let started = Instant::now();
        let mut set = kensa_db::ChangeSet::default();
        for advisory in &advisories {
            let old = opened.advisory(&advisory.id).unwrap();
            set.record_advisory(&advisory.id, old.as_ref(), Some(advisory));
        }
        computing.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(set.advisory_ids().len(), 20);
    }
    drop(opened);
    let changes = kensa_db::Changes { advisories, ..kensa_db::Changes::default() };
    let work = tempfile::tempdir().unwrap();
    let (mut whole, mut packages, mut ids) = (Vec::new(), 0, 0);
    for run in 0..11 {
        let copy = work.path().join(format!("run-{run}.redb"));
        std::fs::copy(&database, &copy).unwrap();
        let started = Instant::now();
        let applied = kensa_db::apply_changes(&copy, &changes).unwrap();
        whole.push(started.elapsed().as_secs_f64() * 1000.0);
        packages = applied.changes.packages.len();
        ids = applied.changes.advisory_ids().len();
        if run > 0 {
            std::fs::remove_file(&copy).unwrap();
        }
    }
    let changed = work.path().join("run-0.redb");
    let mut diffs = Vec::new();
    for _ in 0..11 {
        let started = Instant::now();
        let set = kensa_db::diff_databases(&database, &changed).unwrap();
        diffs.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(set.advisory_ids().len(), ids);
    }
    let size = std::fs::metadata(&database).unwrap().len();
    println!(
        "database: {:.1} MiB; update: 20 changed records -> {ids} advisories, {packages} package keys",
        size as f64 / 1048576.0
    );
    println!(
        "change set of the update (20 stored records read and compared): median {:.2} ms (11 runs)",
        median(computing)
    );
    println!(
        "apply_changes with its change set (copy, write, compact, fsync, rename): median {:.1} ms (11 runs)",
        median(whole)
    );
    println!("change set of two whole database files (rebuild/import diff): median {:.1} ms (11 runs)", median(diffs));
}
