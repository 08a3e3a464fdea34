//! Field-by-field checks of specific real advisories from shared/data, one per
//! feature of each format, and insta snapshots of a few whole parsed records.
//! Expected values were read from the files themselves.

// Tests fail by panicking; the workspace's no-panic lints are for library code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use kensa_advisory::{AdvisoryError, parse_file};
use kensa_model::{Advisory, AffectedRange, CvssVersion, Ecosystem, RangeEvent, RangeKind, Severity};

const ADVISORIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/advisories");

fn parse_one(relative: &str) -> Advisory {
    let path = format!("{ADVISORIES}/{relative}");
    let contents = std::fs::read(&path).unwrap();
    let mut advisories = parse_file(&path, &contents).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(advisories.len(), 1, "{relative} holds one advisory");
    advisories.remove(0)
}

fn parse_error(relative: &str) -> AdvisoryError {
    let path = format!("{ADVISORIES}/{relative}");
    let contents = std::fs::read(&path).unwrap();
    parse_file(&path, &contents).expect_err(relative)
}

fn events(advisory: &Advisory, package_index: usize) -> (RangeKind, Vec<RangeEvent>) {
    match &advisory.affected[package_index].ranges[0] {
        AffectedRange::Events { kind, events } => (*kind, events.clone()),
        other => panic!("expected events, got {other:?}"),
    }
}

/// An informational (unsound) RustSec advisory with aliases and no patch.
#[test]
fn rustsec_informational_advisory() {
    let advisory = parse_one("rustsec/crates/abomonation/RUSTSEC-2021-0120.md");
    assert_eq!(advisory.id, "RUSTSEC-2021-0120");
    assert_eq!(advisory.informational.as_deref(), Some("unsound"));
    assert_eq!(advisory.aliases, ["CVE-2021-45708", "GHSA-5vwc-r48g-wj6c", "GHSA-hfxp-p695-629x"]);
    assert_eq!(advisory.summary, "abomonation transmutes &T to and from &[u8] without sufficient constraints");
    assert!(advisory.details.starts_with("This transmute is at the core of the abomonation crates."));
    assert_eq!(advisory.published.as_deref(), Some("2021-10-17"));
    assert_eq!(advisory.references, ["https://github.com/TimelyDataflow/abomonation/issues/23"]);
    assert_eq!(advisory.affected[0].ecosystem, Ecosystem::CratesIo);
    assert_eq!(advisory.affected[0].name, "abomonation");
    assert_eq!(
        advisory.affected[0].ranges,
        [AffectedRange::UnlessRequirements { patched: vec![], unaffected: vec![] }]
    );
    assert_eq!(advisory.source, "rustsec");
}

/// RustSec aliases are sorted and the CVSS v3.1 vector is kept as given.
#[test]
fn rustsec_advisory_with_aliases_and_cvss() {
    let advisory = parse_one("rustsec/crates/abi_stable/RUSTSEC-2020-0105.md");
    assert_eq!(advisory.aliases, ["CVE-2020-36212", "CVE-2020-36213", "GHSA-vq23-5h4f-vwpv", "GHSA-wqxc-qrq4-w5v4"]);
    assert_eq!(advisory.cvss.len(), 1);
    assert_eq!(advisory.cvss[0].version, CvssVersion::V3);
    assert_eq!(advisory.cvss[0].vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
    assert_eq!(advisory.summary, "Update unsound DrainFilter and RString::retain");
    assert_eq!(advisory.informational, None);
    assert_eq!(
        advisory.affected[0].ranges,
        [AffectedRange::UnlessRequirements { patched: vec![">= 0.9.1".to_owned()], unaffected: vec![] }]
    );
}

/// A CVSS v4.0 vector in RustSec is recognised as v4.
#[test]
fn rustsec_cvss_v4_vector() {
    let advisory = parse_one("rustsec/crates/astral-tokio-tar/RUSTSEC-2026-0066.md");
    assert_eq!(advisory.cvss[0].version, CvssVersion::V4);
    assert!(advisory.cvss[0].vector.starts_with("CVSS:4.0/AV:N/AC:H/AT:P"));
    assert_eq!(advisory.aliases, ["CVE-2026-32766", "GHSA-6gx3-4362-rf54"]);
}

/// `[affected.functions]` is kept as JSON, and `unaffected` requirements are kept.
#[test]
fn rustsec_affected_functions_and_unaffected() {
    let advisory = parse_one("rustsec/crates/aes-gcm/RUSTSEC-2023-0096.md");
    let affected = &advisory.affected[0];
    assert_eq!(
        affected.ranges,
        [AffectedRange::UnlessRequirements {
            patched: vec![">= 0.10.3".to_owned()],
            unaffected: vec!["< 0.10.0".to_owned()],
        }]
    );
    let specific: serde_json::Value = serde_json::from_str(affected.ecosystem_specific.as_deref().unwrap()).unwrap();
    assert_eq!(
        specific["functions"]["aes_gcm::AeadInPlace::decrypt_in_place_detached"],
        serde_json::json!([">= 0.10.0, < 0.10.3"])
    );
    // The file has a commented-out `#withdrawn` line: it is not withdrawn.
    assert_eq!(advisory.withdrawn, None);
}

/// A withdrawn RustSec advisory is returned with its withdrawal date set.
#[test]
fn rustsec_withdrawn_advisory() {
    let advisory = parse_one("rustsec/crates/daemonize/RUSTSEC-2021-0147.md");
    assert_eq!(advisory.withdrawn.as_deref(), Some("2023-02-19"));
    assert_eq!(advisory.informational.as_deref(), Some("unmaintained"));
}

/// Toolchain advisories are unsupported, naming the toolchain component.
#[test]
fn rustsec_toolchain_advisory_is_unsupported() {
    let error = parse_error("rustsec/rust/std/CVE-2021-28875.md");
    assert!(matches!(error, AdvisoryError::Unsupported { .. }), "{error:?}");
    assert_eq!(error.reason(), "Rust toolchain advisory for `std`, which is not a crates.io package");
}

/// PyPA YAML: enumerated versions keep their exact spelling (`0.12.01`), the
/// range events are ECOSYSTEM, and the name is PEP 503 normalised.
#[test]
fn pypa_yaml_record_with_versions() {
    let advisory = parse_one("pypa/vulns/requests/PYSEC-2014-13.yaml");
    assert_eq!(advisory.id, "PYSEC-2014-13");
    assert_eq!(advisory.aliases, ["CVE-2014-1829", "GHSA-cfj3-7x9c-4p3h"]);
    let affected = &advisory.affected[0];
    assert_eq!((affected.ecosystem, affected.name.as_str()), (Ecosystem::PyPI, "requests"));
    assert_eq!(affected.versions.len(), 84);
    assert!(affected.versions.contains(&"0.12.01".to_owned()));
    assert_eq!(affected.versions.first().map(String::as_str), Some("0.0.1"));
    assert_eq!(
        events(&advisory, 0),
        (RangeKind::Ecosystem, vec![RangeEvent::Introduced("0".into()), RangeEvent::Fixed("2.3.0".into())])
    );
    assert_eq!(advisory.modified.as_deref(), Some("2021-07-05T00:01:25.632991Z"));
    assert_eq!(advisory.published.as_deref(), Some("2014-10-15T14:55:00Z"));
    assert_eq!(advisory.summary, "");
    assert_eq!(advisory.references.len(), 7);
}

/// Go vulndb: SEMVER ranges with several introduced/fixed pairs, and the
/// symbol-level `ecosystem_specific.imports` kept as JSON.
#[test]
fn go_record_with_semver_ranges() {
    let advisory = parse_one("go-vulndb/osv/GO-2022-0969.json");
    assert_eq!(advisory.aliases, ["CVE-2022-27664", "GHSA-69cg-p879-7622"]);
    assert_eq!(advisory.affected.len(), 2);
    assert_eq!(advisory.affected[0].name, "stdlib");
    assert_eq!(advisory.affected[1].name, "golang.org/x/net");
    assert_eq!(
        events(&advisory, 0),
        (
            RangeKind::Semver,
            vec![
                RangeEvent::Introduced("0".into()),
                RangeEvent::Fixed("1.18.6".into()),
                RangeEvent::Introduced("1.19.0-0".into()),
                RangeEvent::Fixed("1.19.1".into()),
            ]
        )
    );
    let imports: serde_json::Value =
        serde_json::from_str(advisory.affected[0].ecosystem_specific.as_deref().unwrap()).unwrap();
    assert_eq!(imports["imports"][0]["path"], "net/http");
}

/// A withdrawn Go record keeps its withdrawal time and its affected package.
#[test]
fn go_withdrawn_record() {
    let advisory = parse_one("go-vulndb/osv/GO-2022-0617.json");
    assert_eq!(advisory.withdrawn.as_deref(), Some("2024-08-21T16:25:56Z"));
    assert_eq!(advisory.affected[0].name, "k8s.io/kubernetes");
}

/// GitHub advisory database files are OSV; `database_specific.severity`
/// becomes the database severity ("HIGH").
#[test]
fn ghsa_record_with_database_severity() {
    let advisory = parse_one("ghsa/advisory-database/GHSA-p6mc-m468-83gw.json");
    assert_eq!(advisory.database_severity, Some(Severity::High));
    assert_eq!(advisory.aliases, ["CVE-2020-8203"]);
    assert_eq!(advisory.cvss[0].vector, "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H");
    let names: Vec<&str> = advisory.affected.iter().map(|affected| affected.name.as_str()).collect();
    assert_eq!(names, ["lodash", "lodash-es"]);
    assert_eq!(advisory.references.len(), 13);
    assert_eq!(advisory.summary, "Prototype Pollution in lodash");
}

/// GHSA's "MODERATE" is a medium severity; trivy's GHSA fixtures are OSV too,
/// and a vector with a trailing `/` is kept without it.
#[test]
fn ghsa_moderate_and_trailing_slash_vector() {
    let moderate = parse_one("ghsa/advisory-database/GHSA-wf5p-g6vw-rhxx.json");
    assert_eq!(moderate.database_severity, Some(Severity::Medium));
    let trailing = parse_one("ghsa/trivy-db-fixtures/GHSA-f5pg-7wfw-84q9.json");
    assert_eq!(trailing.cvss[0].vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C");
    let nuget = parse_one("ghsa/trivy-db-fixtures/GHSA-266m-wp2v-x7mq.json");
    assert_eq!(nuget.affected[0].ecosystem, Ecosystem::NuGet);
    assert_eq!(nuget.affected[0].name, "microsoft.netcore.app.runtime.linux-arm", "NuGet names are lowercased");
}

/// OSV CVSS_V4 severities are stored as v4 vectors.
#[test]
fn osv_cvss_v4_severity() {
    let advisory = parse_one("osv-samples/osv-scanner-offline-dbs/Maven/GHSA-3pxv-7cmr-fjr4.json");
    assert_eq!(advisory.cvss[0].version, CvssVersion::V4);
    assert_eq!(advisory.database_severity, Some(Severity::Medium));
}

/// Distro ecosystems carry their release; Ubuntu's own severity type is a label.
#[test]
fn osv_distro_releases_and_ubuntu_severity() {
    let debian = parse_one("osv-samples/osv-scanner-offline-dbs/Debian/DLA-3012-1.json");
    assert_eq!((debian.affected[0].ecosystem, debian.affected[0].release.as_deref()), (Ecosystem::Debian, Some("9")));
    let alpine = parse_one("osv-samples/osv-scanner-offline-dbs/Alpine/ALPINE-CVE-2025-26519.json");
    let releases: Vec<&str> = alpine.affected.iter().filter_map(|affected| affected.release.as_deref()).collect();
    assert_eq!(releases.first(), Some(&"v3.16"));
    assert_eq!(releases.len(), 9);
    let ubuntu = parse_one("osv-samples/vunnel-ubuntu/osv/cve/2026/UBUNTU-CVE-2026-1403.json");
    assert_eq!(ubuntu.affected[0].ecosystem, Ecosystem::Ubuntu);
    assert_eq!(ubuntu.affected[0].release.as_deref(), Some("16.04:LTS"));
    assert_eq!(ubuntu.database_severity, Some(Severity::Medium));
}

/// A withdrawn OSV record (Ubuntu) is returned with `withdrawn` set.
#[test]
fn osv_withdrawn_ubuntu_record() {
    let advisory = parse_one("osv-samples/vunnel-ubuntu/osv/cve/2013/UBUNTU-CVE-2013-2208.json");
    assert!(advisory.withdrawn.is_some());
}

/// A Drupal repository qualifier on Packagist is kept as the release qualifier.
#[test]
fn osv_packagist_with_repository_qualifier() {
    let advisory = parse_one("osv-samples/osv-scanner-offline-dbs/Packagist/DRUPAL-CONTRIB-2025-083.json");
    let affected = &advisory.affected[0];
    assert_eq!(affected.ecosystem, Ecosystem::Packagist);
    assert_eq!(affected.release.as_deref(), Some("https://packages.drupal.org/8"));
    assert_eq!(affected.name, "drupal/simple_sitemap");
}

/// An AlmaLinux OSV record parses, keeping the `AlmaLinux:9` release and the RPM fixed version.
#[test]
fn almalinux_record_parses_with_its_release() {
    let advisory = parse_one("osv-samples/vunnel-alma/almalinux9/ALSA-2022:8194.json");
    assert_eq!(advisory.id, "ALSA-2022:8194");
    let affected = &advisory.affected[0];
    assert_eq!(
        (affected.ecosystem, affected.release.as_deref(), affected.name.as_str()),
        (Ecosystem::AlmaLinux, Some("9"), "libtiff")
    );
    assert_eq!(
        events(&advisory, 0),
        (
            RangeKind::Ecosystem,
            vec![RangeEvent::Introduced("0".to_owned()), RangeEvent::Fixed("4.4.0-2.el9".to_owned())]
        )
    );
}

/// RubySec: the id is the file stem, `cve`/`ghsa` gain their prefixes, the
/// CVSS v3 score gives the severity, and unaffected versions are kept.
#[test]
fn rubysec_record_with_unaffected_versions() {
    let advisory = parse_one("rubysec/gems/RedCloth/CVE-2023-31606.yml");
    assert_eq!(advisory.id, "CVE-2023-31606");
    assert_eq!(advisory.aliases, ["GHSA-qcm3-vfq5-wfr2"]);
    assert_eq!(advisory.database_severity, Some(Severity::High));
    assert_eq!(advisory.published.as_deref(), Some("2023-06-06"));
    assert_eq!(advisory.summary, "RedCloth Regular Expression Denial of Service issue");
    let affected = &advisory.affected[0];
    assert_eq!((affected.ecosystem, affected.name.as_str()), (Ecosystem::RubyGems, "RedCloth"));
    assert_eq!(
        affected.ranges,
        [AffectedRange::UnlessRequirements {
            patched: vec![">= 4.3.3".to_owned()],
            unaffected: vec!["< 4.0.0".to_owned()],
        }]
    );
    assert_eq!(advisory.references[0], "https://github.com/e23e/CVE-2023-31606#readme");
    assert_eq!(advisory.references.len(), 7, "url and related urls, without the repeated first one");
}

/// Interpreter advisories under rubies/ are unsupported.
#[test]
fn rubysec_interpreter_advisory_is_unsupported() {
    let error = parse_error("rubysec/rubies/ruby/CVE-2024-27282.yml");
    assert!(matches!(error, AdvisoryError::Unsupported { .. }), "{error:?}");
}

/// FriendsOfPHP with two branches: both are affected requirements, but only
/// the branch with a fix time contributes a fixed version.
#[test]
fn friendsofphp_record_with_two_branches() {
    let advisory = parse_one("php-security-advisories/swiftmailer/swiftmailer/CVE-2024-28859.yaml");
    assert_eq!(advisory.id, "CVE-2024-28859");
    assert_eq!(advisory.aliases, ["GHSA-wjv8-pxr6-5f4r"]);
    assert_eq!(advisory.summary, "Deserialization Gadget chain in Swift Mailer");
    let affected = &advisory.affected[0];
    assert_eq!((affected.ecosystem, affected.name.as_str()), (Ecosystem::Packagist, "swiftmailer/swiftmailer"));
    assert_eq!(
        affected.ranges,
        [AffectedRange::IfRequirements {
            affected: vec![">=4.0.0,<6.0.0".to_owned(), ">=6.0.0,<6.2.5".to_owned()],
            fixed: vec!["6.2.5".to_owned()],
        }]
    );
}

/// Branches keep the file's order, and unfixed (`time: ~`) branches give no fix.
#[test]
fn friendsofphp_many_branches_in_file_order() {
    let advisory = parse_one("php-security-advisories/symfony/symfony/CVE-2019-10909.yaml");
    let AffectedRange::IfRequirements { affected, fixed } = &advisory.affected[0].ranges[0] else {
        panic!("expected requirements");
    };
    assert_eq!(affected.len(), 10);
    assert_eq!(affected[0], ">=2.7.0,<2.7.51");
    assert_eq!(affected[9], ">=4.2.0,<4.2.7");
    assert_eq!(fixed, &["2.7.51", "2.8.50", "3.4.26", "4.1.12", "4.2.7"]);
}

/// Without a CVE the id is synthesised from the package and the file stem.
#[test]
fn friendsofphp_record_without_cve() {
    let advisory = parse_one("php-security-advisories/amphp/http-client/2020-06-16.yaml");
    assert_eq!(advisory.id, "FRIENDSOFPHP-amphp-http-client-2020-06-16");
    assert!(advisory.aliases.is_empty());
    assert_eq!(advisory.references, ["https://github.com/amphp/http-client/releases/tag/v4.4.0"]);
}

/// Legacy npm advisories: NSWG-ECO id, vulnerable/patched ranges, CVSS v3.0.
#[test]
fn nodejs_security_wg_npm_record() {
    let advisory = parse_one("nodejs-security-wg/npm/1.json");
    assert_eq!(advisory.id, "NSWG-ECO-1");
    assert_eq!(advisory.aliases, ["CVE-2014-7205"]);
    assert_eq!(advisory.summary, "Arbitrary JavaScript Execution");
    assert_eq!(advisory.cvss[0].vector, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N");
    assert_eq!(advisory.cvss[0].version, CvssVersion::V3);
    let affected = &advisory.affected[0];
    assert_eq!((affected.ecosystem, affected.name.as_str()), (Ecosystem::Npm, "bassmaster"));
    assert_eq!(
        affected.ranges,
        [AffectedRange::IfRequirements { affected: vec!["<=1.5.1".to_owned()], fixed: vec![">=1.5.2".to_owned()] }]
    );
    assert_eq!(advisory.published.as_deref(), Some("2015-10-17"));
}

/// Node.js core advisories and index files are not npm advisories.
#[test]
fn nodejs_security_wg_core_and_index_are_not_parsed() {
    assert!(matches!(parse_error("nodejs-security-wg/core/1.json"), AdvisoryError::Unsupported { .. }));
    assert!(matches!(parse_error("nodejs-security-wg/npm/index.json"), AdvisoryError::NotAnAdvisory { .. }));
}

/// Whole parsed advisories, one per format, pinned as JSON.
#[test]
fn snapshots_of_whole_advisories() {
    insta::assert_json_snapshot!("rustsec_abi_stable", parse_one("rustsec/crates/abi_stable/RUSTSEC-2020-0105.md"));
    insta::assert_json_snapshot!("ghsa_lodash", parse_one("ghsa/advisory-database/GHSA-p6mc-m468-83gw.json"));
    insta::assert_json_snapshot!("pypa_flask", parse_one("pypa/vulns/flask/PYSEC-2019-179.yaml"));
    insta::assert_json_snapshot!("rubysec_redcloth", parse_one("rubysec/gems/RedCloth/CVE-2023-31606.yml"));
    insta::assert_json_snapshot!(
        "friendsofphp_swiftmailer",
        parse_one("php-security-advisories/swiftmailer/swiftmailer/CVE-2024-28859.yaml")
    );
    insta::assert_json_snapshot!("nodejs_npm_1", parse_one("nodejs-security-wg/npm/1.json"));
}
