//! Every CVSS base score stated in ../shared/data/advisories/nvd (the CVE API
//! 2.0 records, page and single response, and the legacy 1.1 feed sample:
//! 433 v3.1, 13 v2 and 2 v3.0 scores, NVD's own and the CNAs') and in the CVE
//! JSON 5 records of ../shared/data/advisories/cve5 (CNA and CISA ADP
//! metrics, which add v4.0) is reproduced from its vector to one decimal.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};

fn nvd_directory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/nvd")
}

/// Every (vector, stated score) under any `cvssData` or `cvssV2`/`cvssV3`
/// object of a JSON document, wherever it sits.
fn stated_scores(value: &serde_json::Value, found: &mut Vec<(String, f64)>) {
    match value {
        serde_json::Value::Object(object) => {
            if let (Some(vector), Some(score)) =
                (object.get("vectorString").and_then(|v| v.as_str()), object.get("baseScore").and_then(|s| s.as_f64()))
            {
                found.push((vector.to_owned(), score));
            }
            for child in object.values() {
                stated_scores(child, found);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| stated_scores(item, found)),
        _ => {}
    }
}

#[test]
fn every_nvd_stated_base_score_is_reproduced() {
    let directory = nvd_directory();
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(directory.join("cve-api-2.0-records")).unwrap().map(|entry| entry.unwrap().path()).collect();
    files.extend(
        ["cve-api-2.0-page.json", "cve-api-2.0-single.json", "nvdcve-1.1-feed-sample.json"]
            .map(|name| directory.join(name)),
    );
    let cve5 = directory.join("../cve5");
    let mut stack = vec![cve5];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|extension| extension == "json") {
                files.push(path);
            }
        }
    }
    let mut stated = Vec::new();
    for file in &files {
        let document: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        stated_scores(&document, &mut stated);
    }
    let mut per_version = std::collections::BTreeMap::<String, usize>::new();
    let mut mismatches = Vec::new();
    for (vector, score) in &stated {
        let version = vector.split('/').next().filter(|prefix| prefix.starts_with("CVSS:")).unwrap_or("v2").to_owned();
        *per_version.entry(version).or_default() += 1;
        match kensa_score::cvss_base_score(vector) {
            Some(computed) if (computed * 10.0).round() == (score * 10.0).round() => {}
            other => mismatches.push(format!("{vector}: NVD says {score}, kensa computes {other:?}")),
        }
    }
    assert!(stated.len() > 100, "{} scores found", stated.len());
    assert!(per_version.contains_key("CVSS:4.0") && per_version.contains_key("v2"), "{per_version:?}");
    assert!(mismatches.is_empty(), "{} of {} differ: {mismatches:#?}", mismatches.len(), stated.len());
}
