//! ARCHITECTURE.md's crate graph is the workspace's: every line
//! `kensa-x ──► kensa-a, kensa-b` of its code map equals the normal
//! dependencies `cargo metadata` reports, and no crate with Kensa
//! dependencies is left out.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn architecture_crate_graph_matches_cargo_metadata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut actual: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        let dependencies: BTreeSet<String> = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|dependency| dependency["kind"].is_null())
            .map(|dependency| dependency["name"].as_str().unwrap().to_owned())
            .filter(|name| name.starts_with("kensa-"))
            .collect();
        if !dependencies.is_empty() {
            actual.insert(package["name"].as_str().unwrap().to_owned(), dependencies);
        }
    }
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in architecture.lines() {
        let Some((left, right)) = line.split_once('►') else { continue };
        let crate_name = left.trim_end_matches(['─', ' ']).trim();
        if !crate_name.starts_with("kensa-") || crate_name.contains(' ') {
            continue;
        }
        let dependencies = right.split(',').map(|name| name.trim().to_owned()).collect();
        documented.insert(crate_name.to_owned(), dependencies);
    }
    assert_eq!(documented, actual, "ARCHITECTURE.md's code map differs from cargo metadata");
}
