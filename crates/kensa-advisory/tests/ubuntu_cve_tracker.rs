//! The Ubuntu CVE Tracker parser against the real UCT snapshot in
//! shared/data/advisories/ubuntu-cve-tracker/active (329 CVE-2020 entries, read
//! in place), plus hand-made malformed entries.

// Tests fail by panicking; the workspace's no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use kensa_advisory::{AdvisoryError, parse_file};
use kensa_model::{Advisory, AffectedPackage, AffectedRange, CvssVersion, FixState, RangeEvent};

const ACTIVE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/advisories/ubuntu-cve-tracker/active");

fn parse_active(name: &str) -> Advisory {
    let path = format!("{ACTIVE}/{name}");
    let mut advisories = parse_file(&path, &std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(advisories.len(), 1, "{name}");
    advisories.remove(0)
}

fn find<'advisory>(advisory: &'advisory Advisory, release: &str, name: &str) -> &'advisory AffectedPackage {
    advisory
        .affected
        .iter()
        .find(|affected| affected.release.as_deref() == Some(release) && affected.name == name)
        .unwrap_or_else(|| panic!("{}: no {name} in {release}", advisory.id))
}

fn events(affected: &AffectedPackage) -> Vec<RangeEvent> {
    match affected.ranges.as_slice() {
        [] => Vec::new(),
        [AffectedRange::Events { events, .. }] => events.clone(),
        other => panic!("unexpected ranges {other:?}"),
    }
}

fn introduced_zero() -> RangeEvent {
    RangeEvent::Introduced("0".to_owned())
}

/// Every entry of the snapshot parses into exactly one advisory (none is
/// rejected), and the totals per fix state and per release are the ones
/// counted with grep over the status lines: e.g. 765 `released` lines minus
/// 420 upstream and 65 devel = 280 fixed; 1146 bionic lines minus 347 DNE = 799.
#[test]
fn every_active_entry_parses_with_the_counted_states() {
    let mut files = 0;
    let mut fix_states: BTreeMap<FixState, usize> = BTreeMap::new();
    let mut releases: BTreeMap<String, usize> = BTreeMap::new();
    for entry in std::fs::read_dir(ACTIVE).unwrap() {
        let path = entry.unwrap().path();
        let path = path.to_str().unwrap();
        let advisories = parse_file(path, &std::fs::read(path).unwrap()).unwrap_or_else(|error| panic!("{error}"));
        files += 1;
        assert_eq!(advisories.len(), 1, "{path}");
        let file_name = path.rsplit('/').next().unwrap();
        assert_eq!(advisories[0].id, format!("UBUNTU-{file_name}"));
        assert_eq!(advisories[0].aliases, [file_name]);
        for affected in &advisories[0].affected {
            *fix_states.entry(affected.fix_state.unwrap()).or_default() += 1;
            *releases.entry(affected.release.clone().unwrap()).or_default() += 1;
        }
    }
    assert_eq!(files, 329);
    let expected_states = BTreeMap::from([
        (FixState::Fixed, 280),
        (FixState::NotFixed, 1280),
        (FixState::WillNotFix, 82),
        (FixState::FixDeferred, 91),
        (FixState::EndOfLife, 716),
        (FixState::NotAffected, 403),
    ]);
    assert_eq!(fix_states, expected_states);
    let expected_releases = BTreeMap::from(
        [
            ("14.04:LTS", 509),
            ("16.04:LTS", 609),
            ("18.04:LTS", 799),
            ("19.04", 136),
            ("19.10", 564),
            ("Pro:12.04:LTS", 76),
            ("Pro:14.04:LTS", 159),
        ]
        .map(|(release, count)| (release.to_owned(), count)),
    );
    assert_eq!(releases, expected_releases);
}

/// CVE-2020-0034 (libvpx), field by field: header fields, the CVSS vector,
/// ESM as `Pro:`, out-of-standard-support trusty as end of life, not-affected
/// kept without ranges, and upstream/devel/DNE lines left out.
#[test]
fn libvpx_entry_is_read_field_by_field() {
    let advisory = parse_active("CVE-2020-0034");
    assert_eq!(advisory.id, "UBUNTU-CVE-2020-0034");
    assert_eq!(advisory.aliases, ["CVE-2020-0034"]);
    assert_eq!(advisory.published.as_deref(), Some("2020-03-10T20:15:00Z"));
    assert_eq!(
        advisory.summary,
        "In vp8_decode_frame of decodeframe.c, there is a possible out of bounds read due to improper input validation."
    );
    assert!(advisory.details.ends_with("Android ID: A-62458770"), "{}", advisory.details);
    assert_eq!(
        advisory.references,
        ["https://ubuntu.com/security/CVE-2020-0034", "https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2020-0034"]
    );
    assert_eq!(advisory.cvss.len(), 1);
    assert_eq!(advisory.cvss[0].version, CvssVersion::V3);
    assert_eq!(advisory.cvss[0].vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N");
    assert_eq!(advisory.source, "ubuntu-cve-tracker");

    // trusty, trusty/esm, xenial, bionic, eoan; precise/esm is DNE.
    assert_eq!(advisory.affected.len(), 5);
    let trusty = find(&advisory, "14.04:LTS", "libvpx");
    assert_eq!(trusty.fix_state, Some(FixState::EndOfLife));
    assert_eq!(events(trusty), [introduced_zero()]);
    let trusty_esm = find(&advisory, "Pro:14.04:LTS", "libvpx");
    assert_eq!(trusty_esm.fix_state, Some(FixState::NotFixed));
    assert_eq!(events(trusty_esm), [introduced_zero()]);
    let xenial = find(&advisory, "16.04:LTS", "libvpx");
    assert_eq!(xenial.fix_state, Some(FixState::NotFixed));
    assert_eq!(xenial.distro_severity.as_deref(), Some("low"));
    let bionic = find(&advisory, "18.04:LTS", "libvpx");
    assert_eq!(bionic.fix_state, Some(FixState::NotAffected));
    assert!(bionic.ranges.is_empty());
    let eoan = find(&advisory, "19.10", "libvpx");
    assert_eq!(eoan.fix_state, Some(FixState::NotAffected));
    assert!(advisory.affected.iter().all(|affected| affected.release.as_deref() != Some("Pro:12.04:LTS")));
}

/// CVE-2020-6805 (Firefox and Thunderbird): a released fix becomes the range
/// `[0, fixed)`, and `Priority_thunderbird: low` overrides the entry's
/// `medium` for thunderbird only.
#[test]
fn firefox_entry_has_fixed_ranges_and_a_package_priority() {
    let advisory = parse_active("CVE-2020-6805");
    assert_eq!(advisory.published.as_deref(), Some("2020-03-25T22:15:00Z"));
    assert!(advisory.references.contains(&"https://usn.ubuntu.com/usn/usn-4299-1".to_owned()));
    let firefox = find(&advisory, "18.04:LTS", "firefox");
    assert_eq!(firefox.fix_state, Some(FixState::Fixed));
    assert_eq!(events(firefox), [introduced_zero(), RangeEvent::Fixed("74.0+build3-0ubuntu0.18.04.1".to_owned())]);
    assert_eq!(firefox.distro_severity.as_deref(), Some("medium"));
    let thunderbird = find(&advisory, "18.04:LTS", "thunderbird");
    assert_eq!(thunderbird.fix_state, Some(FixState::NotFixed));
    assert_eq!(events(thunderbird), [introduced_zero()]);
    assert_eq!(thunderbird.distro_severity.as_deref(), Some("low"));
    assert_eq!(find(&advisory, "14.04:LTS", "thunderbird").fix_state, Some(FixState::EndOfLife));
    // mozjs60 is DNE in bionic: no entry.
    assert!(
        advisory
            .affected
            .iter()
            .all(|affected| affected.name != "mozjs60" || affected.release.as_deref() != Some("18.04:LTS"))
    );
}

/// The whole glibc/eglibc entry, pinned: two source packages, needs-triage
/// everywhere they exist.
#[test]
fn glibc_entry_snapshot() {
    insta::assert_json_snapshot!("ubuntu_cve_tracker_glibc", parse_active("CVE-2020-10029"));
}

const MINIMAL: &str =
    "Candidate: CVE-2020-1234\nPublicDate: 2020-01-02\nDescription:\n Something bad.\nPriority: high\n";

fn parse_text(text: &str) -> Result<Vec<Advisory>, AdvisoryError> {
    parse_file("uct/active/CVE-2020-1234", text.as_bytes())
}

fn invalid_reason(text: &str) -> String {
    match parse_text(text) {
        Err(AdvisoryError::Invalid { path, reason }) => {
            assert_eq!(path, "uct/active/CVE-2020-1234");
            reason
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// Malformed entries are rejected as invalid, naming the file and the problem.
#[test]
fn malformed_entries_are_invalid() {
    let cases = [
        (format!("{MINIMAL}bionic_foo: fixed (1.0)\n"), "unknown status \"fixed\""),
        (format!("{MINIMAL}bionic_foo: released\n"), "without the version"),
        (format!("{MINIMAL}bionic_foo: released (soon)\n"), "not a Debian version"),
        (format!("{MINIMAL}this line has no colon\n"), "neither `Field: value`"),
        (" indented first\nCandidate: CVE-2020-1234\nPublicDate: 2020-01-02\n".to_owned(), "outside any field"),
        (MINIMAL.replace("CVE-2020-1234", "CVE-20-x") + "bionic_foo: needed\n", "is not a CVE id"),
        ("PublicDate: 2020-01-02\nCandidate:\nbionic_foo: needed\n".to_owned(), "no `Candidate:`"),
    ];
    for (text, expected) in cases {
        let reason = invalid_reason(&text);
        assert!(reason.contains(expected), "{reason:?} should mention {expected:?}");
    }
    // A malformed CVSS vector costs only the vector, with a note.
    let advisories = parse_text(&format!("{MINIMAL}CVSS:\n nvd: CVSS:3.1/AV:N/AC\nbionic_foo: needed\n")).unwrap();
    assert!(advisories[0].cvss.is_empty());
    assert!(advisories[0].notes[0].contains("CVSS:3.1/AV:N/AC"), "{:?}", advisories[0].notes);
}

/// Edge cases of the format: release-specific priorities beat package ones,
/// `untriaged` is no severity, ESM names of every form, ignored-but-not-EOL is
/// will-not-fix, deferred is deferred, and an entry whose packages exist in no
/// known release yields no advisory rather than an empty one.
#[test]
fn hand_made_entries_cover_the_format() {
    let text = format!(
        "{MINIMAL}Priority_foo: low\nPriority_foo_focal: critical\nPatches_foo:\n upstream: https://example.org/fix\n\
         upstream_foo: released (4.4.7 and 5.0.7)\ndevel_foo: needed\nfocal_foo: released (1:2.0-1ubuntu1)\n\
         jammy_foo: deferred (2020-03-03)\nesm-infra/xenial_foo: ignored (was needed ESM criteria)\n\
         esm-apps/bionic_foo: pending (1.0-1)\nsnap_foo: needed\nnoble_bar: needed\nPriority_bar: untriaged\n"
    );
    let advisories = parse_text(&text).unwrap();
    let advisory = &advisories[0];
    assert_eq!(advisory.summary, "Something bad.");
    assert_eq!(advisory.affected.len(), 5);
    let focal = find(advisory, "20.04:LTS", "foo");
    assert_eq!(events(focal), [introduced_zero(), RangeEvent::Fixed("1:2.0-1ubuntu1".to_owned())]);
    assert_eq!(focal.distro_severity.as_deref(), Some("critical"));
    let jammy = find(advisory, "22.04:LTS", "foo");
    assert_eq!(jammy.fix_state, Some(FixState::FixDeferred));
    assert_eq!(jammy.distro_severity.as_deref(), Some("low"));
    assert_eq!(find(advisory, "Pro:16.04:LTS", "foo").fix_state, Some(FixState::WillNotFix));
    assert_eq!(find(advisory, "Pro:18.04:LTS", "foo").fix_state, Some(FixState::NotFixed));
    assert_eq!(find(advisory, "24.04:LTS", "bar").distro_severity, None);

    let nothing_in_ubuntu = format!("{MINIMAL}upstream_foo: needed\nbionic_foo: DNE\ndevel_foo: needed\n");
    assert_eq!(parse_text(&nothing_in_ubuntu).unwrap(), Vec::<Advisory>::new());
}
