//! The distro feeds of issue 3 read from the real data in shared/data: Alpine,
//! Wolfi and Chainguard secdb, the Debian tracker JSON and DSA/DLA lists, CISA
//! KEV, and the distro fields of OSV records (releases, distro severities).
//! Lossless loading is checked against an independent generic walk of each
//! file; field values were read from the files themselves.

// Tests fail by panicking; the workspace's no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use kensa_advisory::{
    AdvisoryError, parse_debian_advisory_list, parse_debian_tracker_json, parse_file, parse_known_exploited,
};
use kensa_model::{Advisory, AffectedPackage, AffectedRange, Ecosystem, FixState, RangeEvent, RangeKind};

const ADVISORIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/advisories");

fn read(relative: &str) -> (String, Vec<u8>) {
    let path = format!("{ADVISORIES}/{relative}");
    let contents = std::fs::read(&path).unwrap();
    (path, contents)
}

fn parse_all(relative: &str) -> Vec<Advisory> {
    let (path, contents) = read(relative);
    parse_file(&path, &contents).unwrap_or_else(|error| panic!("{error}"))
}

fn find<'advisories>(advisories: &'advisories [Advisory], id: &str) -> &'advisories Advisory {
    advisories.iter().find(|advisory| advisory.id == id).unwrap_or_else(|| panic!("no advisory {id}"))
}

fn fixed_range(version: &str) -> Vec<AffectedRange> {
    vec![AffectedRange::Events {
        kind: RangeKind::Ecosystem,
        events: vec![RangeEvent::Introduced("0".to_owned()), RangeEvent::Fixed(version.to_owned())],
    }]
}

fn open_range() -> Vec<AffectedRange> {
    vec![AffectedRange::Events { kind: RangeKind::Ecosystem, events: vec![RangeEvent::Introduced("0".to_owned())] }]
}

fn alpine_secdb_files() -> Vec<String> {
    let mut files = Vec::new();
    for release in std::fs::read_dir(format!("{ADVISORIES}/alpine-secdb")).unwrap() {
        for file in std::fs::read_dir(release.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            files.push(path.strip_prefix(ADVISORIES).unwrap().to_string_lossy().trim_start_matches('/').to_owned());
        }
    }
    files.sort();
    files
}

/// Every `CVE-YYYY-NNNN` in a secfixes item, found by a plain scan (not the
/// parser's cleaning).
fn cves_in(item: &str) -> Vec<String> {
    let mut cves = Vec::new();
    let mut rest = item;
    while let Some(start) = rest.find("CVE-") {
        rest = &rest[start + 4..];
        let year: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let number: String = rest.chars().skip(year.len() + 1).take_while(char::is_ascii_digit).collect();
        if year.len() == 4 && number.len() >= 4 {
            cves.push(format!("CVE-{year}-{number}"));
        }
    }
    cves
}

/// Every (package, version, CVE) of every Alpine YAML secdb file is found in an
/// advisory with the file's release and the right state, checked through a
/// generic YAML walk of the same files; and the totals are pinned.
#[test]
fn alpine_secdb_yaml_loads_every_item() {
    let mut advisory_count = 0;
    let mut affected_count = 0;
    let mut items_checked = 0;
    for relative in alpine_secdb_files() {
        let advisories = parse_all(&relative);
        advisory_count += advisories.len();
        affected_count += advisories.iter().map(|advisory| advisory.affected.len()).sum::<usize>();
        let by_id: BTreeMap<&str, &Advisory> =
            advisories.iter().map(|advisory| (advisory.id.as_str(), advisory)).collect();
        let (_, contents) = read(&relative);
        let document: serde_yaml_ng::Value = serde_yaml_ng::from_slice(&contents).unwrap();
        let release = document["distroversion"].as_str().unwrap();
        for entry in document["packages"].as_sequence().map(Vec::as_slice).unwrap_or_default() {
            let name = entry["pkg"]["name"].as_str().unwrap();
            for (version, items) in entry["pkg"]["secfixes"].as_mapping().unwrap() {
                let version = match version {
                    serde_yaml_ng::Value::Number(number) => number.to_string(),
                    other => other.as_str().unwrap().to_owned(),
                };
                for item in items.as_sequence().map(Vec::as_slice).unwrap_or_default() {
                    for cve in cves_in(item.as_str().unwrap()) {
                        let advisory = by_id
                            .get(format!("ALPINE-{cve}").as_str())
                            .unwrap_or_else(|| panic!("{relative}: {name} {version}: no ALPINE-{cve}"));
                        assert!(advisory.aliases.contains(&cve), "{relative}: {:?}", advisory.aliases);
                        let matching = advisory.affected.iter().any(|affected| {
                            let state_matches = if version == "0" {
                                affected.fix_state == Some(FixState::NotAffected) && affected.ranges.is_empty()
                            } else {
                                affected.fix_state == Some(FixState::Fixed) && affected.ranges == fixed_range(&version)
                            };
                            affected.ecosystem == Ecosystem::Alpine
                                && affected.release.as_deref() == Some(release)
                                && affected.name == name
                                && state_matches
                        });
                        assert!(matching, "{relative}: ALPINE-{cve} lacks {name} {version}: {:?}", advisory.affected);
                        items_checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(items_checked, 11_923, "(item, CVE) pairs");
    assert_eq!((advisory_count, affected_count), (11_454, 12_005));
}

/// Alpine: one advisory per CVE named like osv.dev's, the CVE as alias, the
/// source package and release of the file, the fixed build as the range end.
#[test]
fn alpine_secdb_record_field_by_field() {
    let advisories = parse_all("alpine-secdb/v3.10/main.yaml");
    let advisory = find(&advisories, "ALPINE-CVE-2019-10206");
    assert_eq!(advisory.aliases, ["CVE-2019-10206"]);
    assert_eq!(advisory.source, "alpine-secdb");
    assert_eq!(advisory.affected.len(), 1);
    let affected = &advisory.affected[0];
    assert_eq!(
        (affected.ecosystem, affected.release.as_deref(), affected.name.as_str()),
        (Ecosystem::Alpine, Some("v3.10"), "ansible")
    );
    assert_eq!(affected.ranges, fixed_range("2.8.4-r0"));
    assert_eq!(affected.fix_state, Some(FixState::Fixed));
}

/// `0` in secfixes marks ids that never affected the package (here Oracle's
/// later closed-source Berkeley DB releases, whitelisted for Alpine's db 5.3
/// by the comment above the key): not affected, with no range to match.
#[test]
fn alpine_secfixes_zero_means_not_affected() {
    let advisories = parse_all("alpine-secdb/v3.8/main.yaml");
    let advisory = find(&advisories, "ALPINE-CVE-2016-0682");
    let affected = &advisory.affected[0];
    assert_eq!((affected.name.as_str(), affected.release.as_deref()), ("db", Some("v3.8")));
    assert_eq!(affected.fix_state, Some(FixState::NotAffected));
    assert!(affected.ranges.is_empty() && affected.versions.is_empty());
}

/// Xen items carry the Xen advisory id next to the CVE: it becomes an alias;
/// an item without a CVE (`CVE-????-?????  XSA-284`) is keyed by the XSA id.
#[test]
fn alpine_secdb_other_tracker_ids_are_kept() {
    let advisories = parse_all("alpine-secdb/v3.9/main.yaml");
    let with_xsa = advisories.iter().find(|advisory| advisory.aliases.iter().any(|alias| alias.starts_with("XSA-")));
    let with_xsa = with_xsa.expect("some Xen CVE carries its XSA id");
    assert!(with_xsa.id.starts_with("ALPINE-CVE-"));
    assert_eq!(with_xsa.affected[0].name, "xen");
    assert!(advisories.iter().any(|advisory| advisory.id == "ALPINE-XSA-284"), "XSA-only item");
}

/// Wolfi and Chainguard secdb: rolling (no release), ids prefixed per
/// distribution, `0` (wolfictl's NAK) is not affected.
#[test]
fn wolfi_and_chainguard_secdb() {
    let wolfi = parse_all("distro-samples/wolfi/security.json");
    assert_eq!(wolfi.len(), 59);
    let coreutils = find(&wolfi, "WOLFI-CVE-2016-2781");
    assert_eq!(coreutils.source, "wolfi-secdb");
    let affected = &coreutils.affected[0];
    assert_eq!(
        (affected.ecosystem, affected.release.as_deref(), affected.name.as_str()),
        (Ecosystem::Wolfi, None, "coreutils")
    );
    assert_eq!(affected.fix_state, Some(FixState::NotAffected));
    assert_eq!(find(&wolfi, "WOLFI-CVE-2022-38126").affected[0].ranges, fixed_range("2.39-r1"));

    let chainguard = parse_all("distro-samples/chainguard/security.json");
    assert_eq!(chainguard.len(), 189);
    let grafana = find(&chainguard, "CHAINGUARD-CVE-2021-36156");
    assert_eq!((grafana.affected[0].ecosystem, grafana.affected[0].name.as_str()), (Ecosystem::Chainguard, "grafana"));
    assert_eq!(grafana.affected[0].ranges, fixed_range("7.5.19-r0"));
}

/// The Debian tracker JSON: one advisory per CVE, releases numbered, states and
/// urgencies as the module documents (values read from the sample).
#[test]
fn debian_tracker_json_sample_field_by_field() {
    let advisories = parse_all("distro-samples/debian/tracker-json-sample.json");
    let prototype = find(&advisories, "DEBIAN-CVE-2008-7220");
    assert_eq!(prototype.aliases, ["CVE-2008-7220"]);
    assert!(prototype.summary.starts_with("Unspecified vulnerability in Prototype JavaScript framework"));
    assert_eq!(
        prototype.references,
        ["https://security-tracker.debian.org/tracker/CVE-2008-7220", "https://bugs.debian.org/555217"]
    );
    let stretch = prototype.affected.iter().find(|affected| affected.release.as_deref() == Some("9")).unwrap();
    assert_eq!((stretch.ecosystem, stretch.name.as_str()), (Ecosystem::Debian, "prototypejs"));
    assert_eq!(stretch.ranges, fixed_range("1.6.0.2-1"));
    assert_eq!((stretch.fix_state, stretch.distro_severity.as_deref()), (Some(FixState::Fixed), Some("high")));
    let releases: Vec<&str> = prototype.affected.iter().filter_map(|affected| affected.release.as_deref()).collect();
    assert_eq!(releases.len(), 4);
    assert!(releases.contains(&"sid") && releases.contains(&"8") && releases.contains(&"10"));

    let never_affected = find(&advisories, "DEBIAN-CVE-2007-2383");
    assert!(never_affected.affected.iter().all(|affected| affected.fix_state == Some(FixState::NotAffected)
        && affected.ranges.is_empty()
        && affected.distro_severity.as_deref() == Some("unimportant")));

    let chromium = find(&advisories, "DEBIAN-CVE-2022-0456");
    let buster = chromium.affected.iter().find(|affected| affected.release.as_deref() == Some("10")).unwrap();
    assert_eq!((buster.fix_state, buster.distro_severity.as_deref()), (Some(FixState::EndOfLife), None));
    assert_eq!(buster.ranges, open_range());
    let bullseye = chromium.affected.iter().find(|affected| affected.release.as_deref() == Some("11")).unwrap();
    assert_eq!(bullseye.ranges, fixed_range("98.0.4758.80-1~deb11u1"));

    // `releases: []` (chromium-browser) gives nothing to record, and says so.
    let (path, contents) = read("distro-samples/debian/tracker-json-sample.json");
    let parse = parse_debian_tracker_json(&path, &contents).unwrap();
    assert_eq!(parse.skipped.len(), 1);
    assert_eq!(parse.skipped[0].location, "CVE-2022-0358");
    assert!(advisories.iter().all(|advisory| advisory.id != "DEBIAN-CVE-2022-0358"));
}

/// Tracker states the sample lacks, in a hand-made export: `nodsa_reason`
/// ignored/postponed, `undetermined`, an unknown release and an unknown status
/// (both skipped with the reason, the rest kept).
#[test]
fn debian_tracker_json_states() {
    let json = r#"{"openssl": {"CVE-2024-0001": {"description": "d", "releases": {
        "bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
        "bullseye": {"status": "open", "urgency": "medium", "nodsa": "Minor issue", "nodsa_reason": "postponed"},
        "trixie": {"status": "undetermined", "urgency": "not yet assigned"},
        "sid": {"status": "open", "urgency": "unimportant"},
        "hurd": {"status": "open", "urgency": "low"},
        "forky": {"status": "confused", "urgency": "low"}}}}}"#;
    let parse = parse_debian_tracker_json("tracker.json", json.as_bytes()).unwrap();
    let affected: BTreeMap<&str, &AffectedPackage> =
        parse.advisories[0].affected.iter().map(|affected| (affected.release.as_deref().unwrap(), affected)).collect();
    let state = |release: &str| (affected[release].fix_state.unwrap(), affected[release].distro_severity.clone());
    assert_eq!(state("12"), (FixState::WillNotFix, Some("low".to_owned())));
    assert_eq!(state("11"), (FixState::FixDeferred, Some("medium".to_owned())));
    assert_eq!(state("13"), (FixState::NotFixed, None));
    assert_eq!(state("sid"), (FixState::NotFixed, Some("unimportant".to_owned())));
    assert_eq!(affected.len(), 4);
    let reasons: Vec<&str> = parse.skipped.iter().map(|skipped| skipped.reason.as_str()).collect();
    assert_eq!(reasons, ["unknown status \"confused\"", "unknown Debian release \"hurd\""]);
}

/// Both real DSA/DLA lists load completely: every header line is either an
/// advisory or a checked skip (announcements without packages), and the only
/// rejected annotation is the one broken line of the DSA list.
#[test]
fn debian_dsa_and_dla_lists_load_completely() {
    for (relative, advisories_expected, announcements_expected) in
        [("debian-security-tracker/DSA/list", 5382, 24), ("debian-security-tracker/DLA/list", 3530, 4)]
    {
        let (path, contents) = read(relative);
        let parse = parse_debian_advisory_list(&path, &contents).unwrap();
        let header_lines = String::from_utf8_lossy(&contents).lines().filter(|line| line.starts_with('[')).count();
        let announcements: Vec<_> =
            parse.skipped.iter().filter(|skipped| skipped.reason.starts_with("names no package")).collect();
        assert_eq!(
            parse.advisories.len() + announcements.len(),
            header_lines,
            "{relative}: every header accounted for"
        );
        assert_eq!((parse.advisories.len(), announcements.len()), (advisories_expected, announcements_expected));
        // Announcements are notices (`jessie end-of-life`, key changes) or
        // advisories whose packages the tracker never listed.
        assert!(announcements.iter().all(|skipped| skipped.text.contains("] D")), "{relative}");
        let rejected: Vec<String> = parse
            .skipped
            .iter()
            .filter(|skipped| !skipped.reason.starts_with("names no package"))
            .map(ToString::to_string)
            .collect();
        let expected_rejections: Vec<String> = if relative.contains("DSA") {
            // The version slot repeats the package name: nothing to match on.
            vec!["line 17244: \"kernel-image-2.4.17-ia64\" is neither a Debian version nor a known state of package kernel-image-2.4.17-ia64 (\"[woody] - kernel-image-2.4.17-ia64 kernel-image-2.4.17-ia64\")".to_owned()]
        } else {
            Vec::new()
        };
        assert_eq!(rejected, expected_rejections, "{relative}");
        for advisory in &parse.advisories {
            assert!(advisory.aliases.iter().all(|alias| alias.starts_with("CVE-")), "{}", advisory.id);
            assert!(advisory.affected.iter().all(|affected| affected.ecosystem == Ecosystem::Debian
                && affected.release.is_some()
                && affected.fix_state.is_some()));
        }
    }
}

/// A recent DSA field by field, and an old one with a not-affected release and
/// an urgency in the note.
#[test]
fn debian_dsa_records_field_by_field() {
    let advisories = parse_all("debian-security-tracker/DSA/list");
    let xorg = find(&advisories, "DSA-5380-1");
    assert_eq!(xorg.aliases, ["CVE-2023-1393"]);
    assert_eq!(xorg.published.as_deref(), Some("2023-03-29"));
    assert_eq!(xorg.summary, "xorg-server - security update");
    assert_eq!(xorg.source, "debian-security-tracker");
    assert_eq!(xorg.affected.len(), 1);
    let affected = &xorg.affected[0];
    assert_eq!((affected.release.as_deref(), affected.name.as_str()), (Some("11"), "xorg-server"));
    assert_eq!(affected.ranges, fixed_range("2:1.20.11-1+deb11u6"));

    let tcpdump = find(&advisories, "DSA-854-1");
    let woody = tcpdump.affected.iter().find(|affected| affected.release.as_deref() == Some("3.0")).unwrap();
    assert_eq!(woody.fix_state, Some(FixState::NotAffected));
    let weex = find(&advisories, "DSA-855-1");
    assert!(weex.affected.iter().all(|affected| affected.distro_severity.as_deref() == Some("medium")));
    assert_eq!(weex.affected.len(), 2);
}

/// The hand-trimmed DLA sample has a malformed header: that entry is skipped
/// with the reason and the list's other entry still loads.
#[test]
fn debian_list_with_a_malformed_header() {
    let (path, contents) = read("distro-samples/debian/tracker-text-sample/DLA/list");
    let parse = parse_debian_advisory_list(&path, &contents).unwrap();
    assert_eq!(parse.advisories.iter().map(|advisory| advisory.id.as_str()).collect::<Vec<_>>(), ["DLA-2711-1"]);
    assert_eq!(parse.skipped.len(), 1);
    assert_eq!(parse.skipped[0].reason, "header without a DSA/DLA id (found \"MALFORMED\")");
}

/// KEV: every catalog entry is returned (the count is the catalog's own
/// `count` field), ransomware use and dates as published.
#[test]
fn known_exploited_catalog() {
    let (path, contents) = read("cisa-kev/known_exploited_vulnerabilities.json");
    let entries = parse_known_exploited(&path, &contents).unwrap();
    let document: serde_json::Value = serde_json::from_slice(&contents).unwrap();
    assert_eq!(entries.len() as u64, document["count"].as_u64().unwrap());
    assert_eq!(entries.len(), 1404);
    let known_in_file = document["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["knownRansomwareCampaignUse"] == "Known")
        .count();
    assert_eq!(entries.iter().filter(|entry| entry.known_ransomware_use).count(), known_in_file);
    let git = &entries[0];
    assert_eq!(
        (git.cve.as_str(), git.date_added.as_str(), git.due_date.as_str(), git.name.as_str(), git.known_ransomware_use),
        ("CVE-2025-48384", "2025-08-25", "2025-09-15", "Git Link Following Vulnerability", false)
    );
    // parse_file keeps treating the catalog as enrichment, pointing at the function.
    let error = parse_file(&path, &contents).unwrap_err();
    assert!(matches!(error, AdvisoryError::Unsupported { .. }), "{error:?}");
    assert!(error.reason().ends_with("enrichment data: use parse_known_exploited"), "{}", error.reason());
}

/// The complete AlmaLinux 9 and 10 feeds: every affected package of every
/// record (counted by a generic JSON walk) is kept with its release and range.
#[test]
fn almalinux_feeds_load_without_loss() {
    // Some records of each feed also cover older releases (37 in almalinux9
    // list AlmaLinux:8 packages too): each entry keeps its own release.
    for (directory, files_expected) in [("almalinux9", 1783), ("almalinux10", 660)] {
        let mut files = 0;
        for entry in std::fs::read_dir(format!("{ADVISORIES}/almalinux-osv/{directory}")).unwrap() {
            let path = entry.unwrap().path();
            let contents = std::fs::read(&path).unwrap();
            let advisories = parse_file(&path.to_string_lossy(), &contents).unwrap();
            let document: serde_json::Value = serde_json::from_slice(&contents).unwrap();
            let raw_affected = document["affected"].as_array().unwrap();
            let mut raw_pairs: Vec<(String, String)> = raw_affected
                .iter()
                .map(|entry| (entry["package"]["name"].as_str().unwrap().to_owned(), entry["ranges"].to_string()))
                .collect();
            raw_pairs.dedup();
            let advisory = &advisories[0];
            assert_eq!(advisory.affected.len(), raw_pairs.len(), "{}", path.display());
            for (affected, raw) in advisory.affected.iter().zip(raw_affected) {
                let raw_release = raw["package"]["ecosystem"].as_str().unwrap().strip_prefix("AlmaLinux:");
                assert_eq!((affected.ecosystem, affected.release.as_deref()), (Ecosystem::AlmaLinux, raw_release));
                assert_eq!(affected.name, raw["package"]["name"].as_str().unwrap());
                let fixed = raw["ranges"][0]["events"][1]["fixed"].as_str().unwrap();
                assert_eq!(affected.ranges, fixed_range(fixed), "{}", path.display());
            }
            files += 1;
        }
        assert_eq!(files, files_expected);
    }
}

/// Distro severities in OSV: Ubuntu's priority (record-level `Ubuntu`
/// severity), the Red Hat rating at the start of an AlmaLinux summary, the
/// module stream of an AlmaLinux 8 modular package, Debian's urgency.
#[test]
fn osv_distro_fields() {
    let ubuntu = parse_all("osv-samples/vunnel-ubuntu/osv/cve/2016/UBUNTU-CVE-2016-20013.json");
    let first = &ubuntu[0].affected[0];
    assert_eq!(
        (first.ecosystem, first.release.as_deref(), first.name.as_str()),
        (Ecosystem::Ubuntu, Some("Pro:14.04:LTS"), "eglibc")
    );
    assert!(ubuntu[0].affected.iter().all(|affected| affected.distro_severity.as_deref() == Some("negligible")));

    let alma = parse_all("osv-samples/vunnel-alma/almalinux9/ALSA-2022:8194.json");
    assert!(alma[0].affected.iter().all(|affected| affected.distro_severity.as_deref() == Some("Moderate")));
    let modular = parse_all("osv-samples/grype-osv/ALSA-2021-4156.json");
    let stream = modular[0].affected.iter().find_map(|affected| affected.ecosystem_specific.as_deref());
    assert_eq!(stream, Some(r#"{"rpm_modularity":"go-toolset:rhel8"}"#));

    let debian = r#"{"id": "DEBIAN-CVE-2016-10713", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Debian:12", "name": "patch"}, "ecosystem_specific": {"urgency": "unimportant"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.7.6-1"}]}]}]}"#;
    let advisory = &parse_file("DEBIAN-CVE-2016-10713.json", debian.as_bytes()).unwrap()[0];
    assert_eq!(advisory.affected[0].distro_severity.as_deref(), Some("unimportant"));
    assert_eq!(advisory.affected[0].release.as_deref(), Some("12"));
}

/// Every OSV distro ecosystem string, as osv.dev writes it, parses to its
/// ecosystem with the whole qualifier after the first `:` kept as the release.
#[test]
fn osv_distro_ecosystem_strings_keep_their_release() {
    let cases = [
        ("Debian:12", Ecosystem::Debian, Some("12")),
        ("Ubuntu:22.04:LTS", Ecosystem::Ubuntu, Some("22.04:LTS")),
        ("Ubuntu:Pro:18.04:LTS", Ecosystem::Ubuntu, Some("Pro:18.04:LTS")),
        ("Ubuntu:Pro:FIPS-updates:20.04:LTS", Ecosystem::Ubuntu, Some("Pro:FIPS-updates:20.04:LTS")),
        ("Alpine:v3.18", Ecosystem::Alpine, Some("v3.18")),
        ("AlmaLinux:9", Ecosystem::AlmaLinux, Some("9")),
        ("Rocky Linux:9", Ecosystem::RockyLinux, Some("9")),
        ("Red Hat:enterprise_linux:9::appstream", Ecosystem::RedHat, Some("enterprise_linux:9::appstream")),
        ("SUSE:Linux Enterprise Server 15 SP5", Ecosystem::Suse, Some("Linux Enterprise Server 15 SP5")),
        ("openSUSE:Leap 15.5", Ecosystem::OpenSuse, Some("Leap 15.5")),
        ("Wolfi", Ecosystem::Wolfi, None),
        ("Chainguard", Ecosystem::Chainguard, None),
        ("Mageia:9", Ecosystem::Mageia, Some("9")),
    ];
    for (ecosystem_text, ecosystem, release) in cases {
        let record = format!(
            r#"{{"id": "TEST-1", "modified": "2024-01-01T00:00:00Z", "affected": [{{"package": {{"ecosystem": "{ecosystem_text}", "name": "openssl"}}, "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "3.0.2-1"}}]}}]}}]}}"#
        );
        let advisory = &parse_file("TEST-1.json", record.as_bytes()).unwrap()[0];
        let affected = &advisory.affected[0];
        assert_eq!(
            (affected.ecosystem, affected.release.as_deref(), affected.name.as_str()),
            (ecosystem, release, "openssl"),
            "{ecosystem_text}"
        );
        assert_eq!(affected.ranges, fixed_range("3.0.2-1"));
    }
}

/// Malformed hand-made inputs of each new format are rejected naming the file.
#[test]
fn malformed_distro_feeds_are_invalid() {
    let cases: [(&str, &str, &str); 6] = [
        (
            "secdb/v3.9/main.yaml",
            "distroversion: v3.9\napkurl: x\npackages:\n- pkg:\n    name: zlib\n    secfixes:\n      1.5:\n      - CVE-2020-0001\n",
            "spelling is lost",
        ),
        (
            "secdb/main.json",
            r#"{"distroversion": "v3.18", "reponame": "main", "packages": {"pkg": 1}}"#,
            "not a valid secdb",
        ),
        (
            "secdb/community.json",
            r#"{"urlprefix": "https://dl-cdn.alpinelinux.org/alpine", "reponame": "community", "apkurl": "x", "packages": []}"#,
            "without a distroversion",
        ),
        (
            "DSA/list",
            "[01 Jan 2024] DSA-1-1 x - y\n\t[bookworm] - x not-a-version\n[02 Jan 2024] nonsense\n",
            "no readable advisory",
        ),
        ("tracker.json", r#"{"openssl": {"CVE-2024-0001": "fixed somewhere"}}"#, "no readable entry"),
        (
            "wolfi/security.json",
            r#"{"urlprefix": "https://packages.wolfi.dev", "reponame": "os", "apkurl": "x", "packages": [{"pkg": {"name": "curl", "secfixes": {"1.0-r0": ["no id here"]}}}]}"#,
            "no vulnerability id",
        ),
    ];
    for (path, contents, reason) in cases {
        match parse_file(path, contents.as_bytes()) {
            Err(error @ AdvisoryError::Invalid { .. }) => {
                assert_eq!(error.path(), path);
                assert!(error.to_string().contains(path));
                assert!(error.reason().contains(reason), "{path}: {:?} lacks {reason:?}", error.reason());
            }
            other => panic!("{path}: expected Invalid, got {other:?}"),
        }
    }
    let kev_cases = [
        (
            r#"{"vulnerabilities": [{"cveID": "CVE-2024-1234", "dateAdded": "24 Jan 2024", "dueDate": "2024-02-01"}]}"#,
            "dateAdded",
        ),
        (
            r#"{"vulnerabilities": [{"cveID": "GHSA-1", "dateAdded": "2024-01-24", "dueDate": "2024-02-01"}]}"#,
            "not a CVE id",
        ),
        (r#"{"catalogVersion": "1"}"#, "not a KEV catalog"),
    ];
    for (contents, reason) in kev_cases {
        let error = parse_known_exploited("kev.json", contents.as_bytes()).unwrap_err();
        assert!(matches!(error, AdvisoryError::Invalid { .. }) && error.to_string().contains("kev.json"), "{error:?}");
        assert!(error.reason().contains(reason), "{:?} lacks {reason:?}", error.reason());
    }
}

/// One whole parsed record per new format, pinned as JSON.
#[test]
fn snapshots_of_distro_records() {
    insta::assert_json_snapshot!(
        "alpine_secdb_ansible",
        find(&parse_all("alpine-secdb/v3.10/main.yaml"), "ALPINE-CVE-2019-10206")
    );
    insta::assert_json_snapshot!(
        "wolfi_secdb_coreutils",
        find(&parse_all("distro-samples/wolfi/security.json"), "WOLFI-CVE-2016-2781")
    );
    insta::assert_json_snapshot!(
        "debian_tracker_json_chromium",
        find(&parse_all("distro-samples/debian/tracker-json-sample.json"), "DEBIAN-CVE-2022-0456")
    );
    insta::assert_json_snapshot!(
        "debian_dsa_tcpdump",
        find(&parse_all("debian-security-tracker/DSA/list"), "DSA-854-1")
    );
    insta::assert_json_snapshot!(
        "ubuntu_osv_eglibc",
        parse_all("osv-samples/vunnel-ubuntu/osv/cve/2016/UBUNTU-CVE-2016-20013.json")
    );
    let (path, contents) = read("cisa-kev/known_exploited_vulnerabilities.json");
    insta::assert_json_snapshot!("kev_first_entry", parse_known_exploited(&path, &contents).unwrap()[0]);
}

/// Amazon Linux's `updateinfo.xml.gz` (real ALAS samples of AL2, AL2022 and
/// AL2023, read gzipped as repositories publish them): one advisory per
/// security erratum, its CVE references as aliases, its severity as the
/// distribution's rating, every package fixed at its listed build
/// (`epoch:version-release`, epoch only when not 0), the release from the
/// collection; a truncated file is an error naming the file and the byte.
#[test]
fn amazon_linux_updateinfo_field_by_field() {
    let two = parse_all("distro-samples/amazon/updateinfo/updateinfo_2_items.xml.gz");
    assert_eq!(
        two.iter().map(|advisory| advisory.id.as_str()).collect::<Vec<_>>(),
        ["ALAS2-2018-942", "ALAS2-2018-949"]
    );
    let qemu = find(&two, "ALAS2-2018-942");
    assert_eq!(qemu.aliases, ["CVE-2017-5715"]);
    assert_eq!(qemu.database_severity, Some(kensa_model::Severity::High));
    assert_eq!(qemu.published.as_deref(), Some("2018-02-07T18:49:00Z"));
    let qemu_img = qemu.affected.iter().find(|affected| affected.name == "qemu-img").unwrap();
    assert_eq!(qemu_img.ecosystem, Ecosystem::AmazonLinux);
    assert_eq!(qemu_img.release.as_deref(), Some("2"));
    assert_eq!(qemu_img.ranges, fixed_range("10:1.5.3-141.amzn2.5.3"));
    assert_eq!(qemu_img.fix_state, Some(FixState::Fixed));
    assert_eq!(qemu_img.distro_severity.as_deref(), Some("important"));
    let java = find(&two, "ALAS2-2018-949");
    assert_eq!(java.aliases.len(), 15, "{:?}", java.aliases);
    assert!(java.affected.iter().any(|affected| affected.name == "java-1.8.0-openjdk-headless"));

    let kernel = parse_all("distro-samples/amazon/updateinfo/updateinfo_1_item.xml.gz");
    assert_eq!(kernel.len(), 1);
    assert_eq!(kernel[0].database_severity, Some(kensa_model::Severity::Critical));
    for (file, id, release) in [
        ("updateinfo_AL2022.xml.gz", "ALAS2022-2021-001", "2022"),
        ("updateinfo_AL2023.xml.gz", "ALAS2023-2023-001", "2023"),
    ] {
        let advisories = parse_all(&format!("distro-samples/amazon/updateinfo/{file}"));
        let advisory = find(&advisories, id);
        assert!(advisory.aliases.iter().all(|alias| alias.starts_with("CVE-")) && !advisory.aliases.is_empty());
        assert!(advisory.affected.iter().all(|affected| affected.release.as_deref() == Some(release)), "{file}");
    }
    let rsyslog = find(&parse_all("distro-samples/amazon/updateinfo/updateinfo_AL2023.xml.gz"), "ALAS2023-2023-001")
        .affected
        .iter()
        .find(|affected| affected.name == "rsyslog")
        .unwrap()
        .ranges
        .clone();
    assert_eq!(rsyslog, fixed_range("8.2204.0-3.amzn2023.0.2"));

    let (path, contents) = read("distro-samples/amazon/updateinfo/updateinfo_invalid.xml.gz");
    let error = parse_file(&path, &contents).unwrap_err();
    assert!(matches!(error, AdvisoryError::Invalid { .. }), "{error}");
    assert!(error.to_string().contains("updateinfo_invalid.xml.gz") && error.to_string().contains("byte"), "{error}");
}

/// Rocky Linux's `updateinfo.xml`: security errata only (the bug-fix one is
/// no advisory), the release from `<release>Rocky Linux 8</release>`.
#[test]
fn rocky_linux_updateinfo_security_errata_only() {
    let advisories = parse_all("distro-samples/rocky/updateinfo/updateinfo.xml");
    assert_eq!(advisories.len(), 3, "{:?}", advisories.iter().map(|advisory| &advisory.id).collect::<Vec<_>>());
    assert!(advisories.iter().all(|advisory| advisory.id.starts_with("RLSA-")));
    // RLSA-2019:1972 fixes the ruby:2.6 module stream's packages: each entry says so.
    let ruby = find(&advisories, "RLSA-2019:1972");
    let abrt = ruby.affected.iter().find(|affected| affected.name == "rubygem-abrt").unwrap();
    assert_eq!(abrt.ecosystem_specific.as_deref(), Some(r#"{"module":"ruby:2.6"}"#));
    assert!(lz4_has_no_module(&advisories));
    let lz4 = find(&advisories, "RLSA-2021:2575");
    assert_eq!(lz4.aliases, ["CVE-2021-3520"]);
    assert!(lz4.affected.iter().all(|affected| affected.ecosystem == Ecosystem::RockyLinux
        && affected.release.as_deref() == Some("8")
        && affected.distro_severity.as_deref() == Some("moderate")));
}

fn lz4_has_no_module(advisories: &[Advisory]) -> bool {
    find(advisories, "RLSA-2021:2575").affected.iter().all(|affected| affected.ecosystem_specific.is_none())
}

/// Hand-made edge cases: an erratum of an unknown distribution is refused
/// by name; `<severity/>` and empty errata are handled; a package without a
/// version is an error naming the erratum.
#[test]
fn updateinfo_edge_cases() {
    let document = |updates: &str| format!("<?xml version=\"1.0\"?><updates>{updates}</updates>");
    let fedora = document(
        r#"<update type="security"><id>FEDORA-2024-1</id><pkglist><collection short="f40">
           <package name="a" version="1" release="1.fc40" epoch="0" arch="noarch"/></collection></pkglist></update>"#,
    );
    let error = parse_file("updateinfo.xml", fedora.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("FEDORA-2024-1"), "{error}");
    let quiet = document(
        r#"<update type="security"><id>ALAS2-2099-1</id><severity/><title>t</title><pkglist><collection short="amazon-linux-2">
           <package name="curl" version="8.3.0" release="1.amzn2.0.1" epoch="0" arch="x86_64"/>
           <package name="curl" version="8.3.0" release="1.amzn2.0.1" epoch="0" arch="aarch64"/></collection></pkglist></update>
           <update type="bugfix"><id>ALAS2-2099-2</id></update><update type="security"/>"#,
    );
    let advisories = parse_file("updateinfo.xml", quiet.as_bytes()).unwrap();
    assert_eq!(advisories.len(), 1);
    assert_eq!(advisories[0].summary, "t");
    assert_eq!(advisories[0].affected.len(), 1, "one entry per package name, whatever the architectures");
    assert_eq!(advisories[0].affected[0].distro_severity, None);
    let no_version = document(
        r#"<update type="security"><id>ALAS2-2099-3</id><pkglist><collection short="amazon-linux-2">
           <package name="curl" release="1" epoch="0"/></collection></pkglist></update>"#,
    );
    let error = parse_file("updateinfo.xml", no_version.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("without version"), "{error}");
}
