//! Hand-made inputs for the cases real feeds rarely show: malformed documents,
//! wrong shapes, hostile nesting, and the normalisation rules (aliases,
//! duplicates, unknown ecosystems). Each must give a clear, typed outcome naming
//! the file, and never a panic.

// Tests fail by panicking; the workspace's no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use kensa_advisory::{AdvisoryError, parse_file};
use kensa_model::{AffectedRange, Ecosystem, RangeEvent};

/// A minimal valid OSV record whose `affected` and `extra` fields are spliced in.
fn osv_json(affected: &str, extra: &str) -> String {
    format!(r#"{{"id": "TEST-2024-0001", "modified": "2024-01-01T00:00:00Z", {extra} "affected": [{affected}]}}"#)
}

const NPM_LODASH: &str = r#"{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}"#;

fn rustsec_file(advisory_table: &str, versions_table: &str) -> String {
    format!(
        "```toml\n[advisory]\n{advisory_table}\n\n[versions]\n{versions_table}\n```\n\n# A title\n\nSome details.\n"
    )
}

const RUSTSEC_ADVISORY_TABLE: &str = "id = \"RUSTSEC-2024-0001\"\npackage = \"demo\"\ndate = \"2024-01-01\"";

#[track_caller]
fn assert_invalid(path: &str, contents: &str, reason_contains: &str) {
    match parse_file(path, contents.as_bytes()) {
        Err(error @ AdvisoryError::Invalid { .. }) => {
            assert_eq!(error.path(), path);
            assert!(error.to_string().contains(path), "message names the path: {error}");
            assert!(error.reason().contains(reason_contains), "reason {:?} lacks {reason_contains:?}", error.reason());
        }
        other => panic!("expected Invalid for {path}, got {other:?}"),
    }
}

/// Truncated JSON is rejected with the parser's position, not a panic.
#[test]
fn truncated_json_is_invalid() {
    let full = osv_json(NPM_LODASH, "");
    assert_invalid("osv/TEST-2024-0001.json", &full[..full.len() / 2], "malformed JSON");
}

/// A YAML file whose top level is a list is not an advisory of any YAML feed.
#[test]
fn yaml_that_is_not_a_mapping_is_invalid() {
    assert_invalid("vulns/demo/PYSEC-2024-1.yaml", "- id: PYSEC-2024-1\n- modified: x\n", "not a mapping");
    assert_invalid("vulns/demo/PYSEC-2024-2.yaml", "just a string\n", "not a mapping");
    assert_invalid("vulns/demo/PYSEC-2024-3.yaml", "", "not a mapping");
}

/// A RustSec advisory without front matter is rejected, while an ordinary
/// Markdown file elsewhere is simply not an advisory.
#[test]
fn rustsec_file_without_front_matter() {
    assert_invalid("rustsec/crates/demo/RUSTSEC-2024-0001.md", "# Title\n\nNo front matter.\n", "front matter");
    let readme = parse_file("docs/guide.md", b"# Guide\n");
    assert!(matches!(readme, Err(AdvisoryError::NotAnAdvisory { .. })), "{readme:?}");
}

/// An unclosed front matter block and a missing title are both named.
#[test]
fn rustsec_unclosed_front_matter_and_missing_title() {
    assert_invalid("crates/demo/RUSTSEC-2024-0001.md", "```toml\n[advisory]\nid = \"x\"\n", "never closed");
    let without_title = rustsec_file(RUSTSEC_ADVISORY_TABLE, "patched = []").replace("# A title", "");
    assert_invalid("crates/demo/RUSTSEC-2024-0001.md", &without_title, "Title");
}

/// TOML errors report the line in the file, counting the fence line.
#[test]
fn rustsec_toml_error_reports_the_file_line() {
    let broken = rustsec_file("id = \"RUSTSEC-2024-0001\"\npackage = ", "patched = []");
    assert_invalid("crates/demo/RUSTSEC-2024-0001.md", &broken, "at line 4");
}

/// A requirement Cargo cannot parse would match nothing: the advisory is rejected.
#[test]
fn rustsec_requirement_that_is_not_semver_is_invalid() {
    let file = rustsec_file(RUSTSEC_ADVISORY_TABLE, "patched = [\">= 1.0.0\", \"fixed in 1.2\"]");
    assert_invalid("crates/demo/RUSTSEC-2024-0001.md", &file, "\"fixed in 1.2\" is not a valid Cargo requirement");
}

/// A TOML date literal (instead of a string) is accepted as the date.
#[test]
fn rustsec_toml_date_literal() {
    let file = rustsec_file("id = \"RUSTSEC-2024-0001\"\npackage = \"demo\"\ndate = 2024-01-01", "patched = []");
    let advisories = parse_file("crates/demo/RUSTSEC-2024-0001.md", file.as_bytes()).unwrap();
    assert_eq!(advisories[0].published.as_deref(), Some("2024-01-01"));
}

/// Toolchain advisories are recognised by their directory, not their id.
#[test]
fn rustsec_toolchain_directory_is_unsupported() {
    let file = rustsec_file("id = \"CVE-2024-0001\"\npackage = \"std\"\ndate = \"2024-01-01\"", "patched = []");
    let result = parse_file("advisory-db/rust/std/CVE-2024-0001.md", file.as_bytes());
    assert!(matches!(result, Err(AdvisoryError::Unsupported { .. })), "{result:?}");
}

/// An OSV range type outside ECOSYSTEM/SEMVER/GIT cannot be evaluated.
#[test]
fn osv_unknown_range_type_is_invalid() {
    let affected = NPM_LODASH.replace("SEMVER", "CALVER");
    assert_invalid("TEST-2024-0001.json", &osv_json(&affected, ""), "unknown range type \"CALVER\"");
}

/// Events must have exactly one kind and a non-empty version.
#[test]
fn osv_malformed_events_are_invalid() {
    let two_kinds = NPM_LODASH.replace(r#"{"fixed": "4.17.21"}"#, r#"{"fixed": "4.17.21", "introduced": "1"}"#);
    assert_invalid("a.json", &osv_json(&two_kinds, ""), "exactly one of");
    let empty_version = NPM_LODASH.replace("4.17.21", " ");
    assert_invalid("a.json", &osv_json(&empty_version, ""), "empty version");
    let unknown_kind = NPM_LODASH.replace("fixed", "patched");
    assert_invalid("a.json", &osv_json(&unknown_kind, ""), "unknown range event \"patched\"");
    let no_introduced = NPM_LODASH.replace(r#"{"introduced": "0"}, "#, "");
    assert_invalid("a.json", &osv_json(&no_introduced, ""), "no introduced event");
}

/// A missing id and a CVSS vector that contradicts its declared type are rejected.
#[test]
fn osv_missing_id_is_invalid_and_bad_cvss_is_left_out_with_a_note() {
    let without_id = osv_json(NPM_LODASH, "").replace(r#""id": "TEST-2024-0001", "#, r#""aliases": [], "#);
    assert_invalid("a.json", &without_id, "missing field `id`");
    // A vector of another version than its type says, and an incomplete one:
    // each is left out with a note, the advisory (and its ranges) kept.
    let mismatched = osv_json(
        NPM_LODASH,
        r#""severity": [{"type": "CVSS_V3", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
                        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H"}],"#,
    );
    let advisories = parse_file("a.json", mismatched.as_bytes()).unwrap();
    assert!(advisories[0].cvss.is_empty());
    assert!(!advisories[0].affected.is_empty());
    assert_eq!(advisories[0].notes.len(), 2, "{:?}", advisories[0].notes);
    assert!(advisories[0].notes[0].contains("another CVSS version"), "{:?}", advisories[0].notes);
    assert!(advisories[0].notes[1].contains("missing mandatory CVSSv3 base metric S"), "{:?}", advisories[0].notes);
}

/// Aliases are sorted and de-duplicated, never contain the id, and `related`
/// identifiers stay out of them.
#[test]
fn osv_aliases_are_normalised() {
    let record = osv_json(
        NPM_LODASH,
        r#""aliases": ["GHSA-b", "CVE-2", "TEST-2024-0001", "CVE-2", "CVE-1"], "related": ["CVE-9"],"#,
    );
    let advisories = parse_file("a.json", record.as_bytes()).unwrap();
    assert_eq!(advisories[0].aliases, ["CVE-1", "CVE-2", "GHSA-b"]);
}

/// Repeated identical affected entries are kept once; CVSS repeats too.
#[test]
fn osv_duplicates_are_removed() {
    let vector = r#"{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}"#;
    let record = osv_json(&format!("{NPM_LODASH}, {NPM_LODASH}"), &format!(r#""severity": [{vector}, {vector}],"#));
    let advisories = parse_file("a.json", record.as_bytes()).unwrap();
    assert_eq!(advisories[0].affected.len(), 1);
    assert_eq!(advisories[0].cvss.len(), 1);
}

/// Unknown ecosystems are dropped; a record with none left is unsupported,
/// one with a known ecosystem left keeps just that.
#[test]
fn osv_unknown_ecosystems() {
    let bitnami = r#"{"package": {"ecosystem": "Bitnami", "name": "apache"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}"#;
    let only_bitnami = parse_file("a.json", osv_json(bitnami, "").as_bytes());
    match only_bitnami {
        Err(AdvisoryError::Unsupported { reason, .. }) => {
            assert_eq!(reason, "no affected package in a supported ecosystem: Bitnami");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    let mixed = parse_file("a.json", osv_json(&format!("{bitnami}, {NPM_LODASH}"), "").as_bytes()).unwrap();
    assert_eq!(mixed[0].affected.len(), 1);
    assert_eq!(mixed[0].affected[0].ecosystem, Ecosystem::Npm);
}

/// Withdrawn records are still returned, with the withdrawal time.
#[test]
fn osv_withdrawn_is_kept() {
    let record = osv_json(NPM_LODASH, r#""withdrawn": "2024-02-02T00:00:00Z","#);
    let advisories = parse_file("a.json", record.as_bytes()).unwrap();
    assert_eq!(advisories[0].withdrawn.as_deref(), Some("2024-02-02T00:00:00Z"));
}

/// YAML version scalars keep their spelling: `1.10` is not the float 1.1.
#[test]
fn osv_yaml_versions_keep_their_spelling() {
    let yaml = "id: PYSEC-2024-1\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package:\n    ecosystem: PyPI\n    name: Demo_Package\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n  versions:\n  - 1.0\n  - 1.10\n";
    let advisories = parse_file("vulns/demo/PYSEC-2024-1.yaml", yaml.as_bytes()).unwrap();
    let affected = &advisories[0].affected[0];
    assert_eq!(affected.name, "demo-package");
    assert_eq!(affected.versions, ["1.0", "1.10"]);
    let AffectedRange::Events { events, .. } = &affected.ranges[0] else { panic!("events expected") };
    assert_eq!(events[1], RangeEvent::Fixed("1.10".to_owned()));
}

/// Very deep nesting is refused by the parsers' recursion limits instead of
/// overflowing the stack, in all three syntaxes.
#[test]
fn deeply_nested_documents_are_invalid() {
    let depth = 20_000;
    let json = osv_json(NPM_LODASH, &format!(r#""database_specific": {}1{},"#, "[".repeat(depth), "]".repeat(depth)));
    assert_invalid("deep.json", &json, "recursion limit");
    let yaml = format!("id: X-1\nmodified: x\ndatabase_specific: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    assert_invalid("deep.yaml", &yaml, "recursion limit");
    let toml = rustsec_file(
        &format!("{RUSTSEC_ADVISORY_TABLE}\nnested = {}1{}", "[".repeat(depth), "]".repeat(depth)),
        "patched = []",
    );
    assert_invalid("crates/demo/RUSTSEC-2024-0001.md", &toml, "invalid RustSec front matter");
}

/// A YAML alias bomb is refused instead of expanding billions of nodes, and
/// the reason stays one bounded line even when the input is huge.
#[test]
fn yaml_alias_bomb_and_long_reasons_are_bounded() {
    let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
    for (name, previous) in
        ["b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!("{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"));
    }
    bomb.push_str("id: X-1\nmodified: x\n");
    assert_invalid("bomb.yaml", &bomb, "limit exceeded");
    let long_line =
        rustsec_file(&format!("{RUSTSEC_ADVISORY_TABLE}\nbroken = {}", "x".repeat(100_000)), "patched = []");
    let error = parse_file("crates/demo/RUSTSEC-2024-0001.md", long_line.as_bytes()).unwrap_err();
    assert!(error.reason().chars().count() <= 501 && !error.reason().contains('\n'), "{}", error.reason());
}

/// RubySec: missing required fields and prose in requirement lists are rejected.
#[test]
fn rubysec_invalid_records() {
    assert_invalid("gems/demo/CVE-2024-1.yml", "gem: demo\ndate: 2024-01-01\n", "missing field `title`");
    let prose = "gem: demo\ntitle: t\npatched_versions:\n  - \"upgrade to the latest version\"\n";
    assert_invalid("gems/demo/CVE-2024-1.yml", prose, "not a valid RubyGems requirement");
    let fine = "gem: demo\ntitle: t\ncve: 2024-1\nosvdb: 12\npatched_versions:\n  - \"~> 1.2.3, >= 1.2.3.4\"\n";
    let advisories = parse_file("gems/demo/GHSA-aaaa-bbbb-cccc.yml", fine.as_bytes()).unwrap();
    assert_eq!(advisories[0].id, "GHSA-aaaa-bbbb-cccc");
    assert_eq!(advisories[0].aliases, ["CVE-2024-1", "OSVDB-12"]);
}

/// FriendsOfPHP: a reference that is not composer:// and empty branches are rejected.
#[test]
fn friendsofphp_invalid_records() {
    let bad_reference =
        "title: t\nlink: l\nbranches:\n  1.x:\n    time: ~\n    versions: ['<1.0']\nreference: https://example.org/x\n";
    assert_invalid("vendor/package/CVE-2024-1.yaml", bad_reference, "composer://");
    let no_branches = "title: t\nlink: l\nbranches: {}\nreference: composer://vendor/package\n";
    assert_invalid("vendor/package/CVE-2024-1.yaml", no_branches, "no branches");
    let bad_constraint = "title: t\nbranches:\n  1.x:\n    time: ~\n    versions: ['>=1.0,<2.0']\nreference: composer://vendor/package\n";
    assert_invalid("vendor/package/CVE-2024-1.yaml", bad_constraint, "constraints");
}

/// Legacy npm: a record without a vulnerable range says nothing and is rejected.
#[test]
fn nodejs_security_wg_record_without_vulnerable_versions() {
    let record =
        r#"{"id": 7, "title": "t", "module_name": "m", "vulnerable_versions": "", "patched_versions": "<0.0.0"}"#;
    assert_invalid("vuln/npm/7.json", record, "vulnerable_versions");
}

/// Binary files and byte order marks are handled without errors from the parsers.
#[test]
fn binary_files_and_byte_order_marks() {
    let binary = parse_file("feed/blob.json", &[0xff, 0xfe, 0x00, 0x41]);
    assert!(matches!(binary, Err(AdvisoryError::NotAnAdvisory { .. })), "{binary:?}");
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(osv_json(NPM_LODASH, "").as_bytes());
    assert_eq!(parse_file("bom.json", &with_bom).unwrap()[0].id, "TEST-2024-0001");
}

/// A record naming 50,000 aliases (each of which a distribution advisory
/// turns into a finding) keeps the first 1,000, with a note saying so.
#[test]
fn aliases_per_record_are_bounded_with_a_note() {
    let aliases: Vec<String> = (0..50_000).map(|index| format!("\"CVE-2024-{:05}\"", index + 10_000)).collect();
    let json = osv_json(NPM_LODASH, &format!(r#""aliases": [{}],"#, aliases.join(",")));
    let advisories = parse_file("big.json", json.as_bytes()).unwrap();
    assert_eq!(advisories[0].aliases.len(), kensa_advisory::MAXIMUM_ALIASES);
    assert!(
        advisories[0].notes.iter().any(|note| note.starts_with("49000 aliases left out")),
        "{:?}",
        advisories[0].notes
    );
}

/// Nesting that makes the YAML parser's time grow with its square (a
/// 100 KB lockfile of `[[[[…` took 14 s) is refused before parsing
/// (bench/hostile.sh times it).
#[test]
fn quadratic_yaml_nesting_is_refused_at_once() {
    let yaml = format!("id: X-1\nmodified: x\ndatabase_specific: {}\n", "[".repeat(100_000));
    assert_invalid("deep.yaml", &yaml, "recursion limit");
}
