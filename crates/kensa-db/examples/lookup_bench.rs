//! Measures what a scan pays for the database: open it and match N packages.
//!
//! Usage: `cargo run --release -p kensa-db --example lookup_bench -- DB INVENTORY.json [N]`
//! (the inventory comes from `kensa inventory`; the first N packages are used).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout, missing_docs)]

use std::time::Instant;

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let database_path = std::path::PathBuf::from(&arguments[1]);
    let mut inventory: kensa_model::Inventory = serde_json::from_slice(&std::fs::read(&arguments[2]).unwrap()).unwrap();
    let count: usize = arguments.get(3).map_or(1000, |count| count.parse().unwrap());
    inventory.packages.truncate(count);
    let mut timings = Vec::new();
    let mut findings = 0;
    for _ in 0..21 {
        let started = Instant::now();
        let database = kensa_db::Database::open(&database_path).unwrap();
        let outcome = kensa_match::match_inventory(&inventory, &database).unwrap();
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
        findings = outcome.findings.len();
    }
    timings.sort_by(f64::total_cmp);
    println!(
        "open + match {} packages: median {:.2} ms, min {:.2} ms, max {:.2} ms ({} findings, 21 runs)",
        inventory.packages.len(),
        timings[timings.len() / 2],
        timings[0],
        timings[timings.len() - 1],
        findings
    );
}
