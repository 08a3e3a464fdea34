//! End-to-end scans of operating-system package databases from ../shared/data,
//! laid out as root filesystems in temporary directories, against the database
//! built from every feed in shared. Expected findings below were checked by
//! hand against the feed files named in each test.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use crate::common;

use std::path::Path;

use crate::common::{database, kensa, shared};

/// A root filesystem holding the given files (relative path → contents).
fn rootfs(files: &[(&str, String)]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = directory.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    directory
}

fn read_shared(relative: &str) -> String {
    std::fs::read_to_string(shared(relative)).unwrap()
}

fn scan(root: &Path, extra: &[&str]) -> serde_json::Value {
    let mut arguments =
        vec!["scan", "fs", root.to_str().unwrap(), "--format", "json", "--db", database().to_str().unwrap()];
    arguments.extend_from_slice(extra);
    let output = kensa(&arguments);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// (package, id) of every finding.
fn findings(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (finding["package"]["name"].as_str().unwrap().to_owned(), finding["id"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn finding<'a>(report: &'a serde_json::Value, package: &str, id: &str) -> Option<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["package"]["name"] == package && finding["id"] == id)
}

/// The apk database of an Alpine 3.4-era image (trivy's fixture) on an Alpine
/// 3.4 host: alpine-secdb v3.4/main.yaml fixes openssl CVE-2016-2180 in
/// 1.0.2h-r2, so both binaries built from openssl (libssl1.0, libcrypto1.0, at
/// 1.0.2h-r1) have it; CVE-2016-2177 was fixed in 1.0.2h-r1 itself, so neither
/// has that. The record without a version is a diagnostic naming the file.
#[test]
fn alpine_packages_match_the_releases_secdb_by_origin() {
    let root = rootfs(&[
        ("lib/apk/db/installed", read_shared("targets/apk/trivy/installed")),
        ("etc/alpine-release", "3.4.6\n".to_owned()),
    ]);
    let report = scan(root.path(), &[]);
    assert_eq!(report["resource"]["distro"]["id"], "alpine");
    for binary in ["libssl1.0", "libcrypto1.0"] {
        let found = finding(&report, binary, "CVE-2016-2180").unwrap_or_else(|| panic!("{binary} CVE-2016-2180"));
        assert_eq!(found["fixed_versions"], serde_json::json!(["1.0.2h-r2"]));
        assert_eq!(found["fix_state"], "fixed");
        assert!(finding(&report, binary, "CVE-2016-2177").is_none());
    }
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(diagnostics.iter().any(|diagnostic| diagnostic["path"] == "lib/apk/db/installed"), "{diagnostics:?}");
    insta::assert_snapshot!(
        "alpine_3_4_findings",
        findings(&report).iter().map(|(package, id)| format!("{package} {id}")).collect::<Vec<_>>().join("\n")
    );
}

/// The same packages on a release the secdb snapshot does not cover (3.2)
/// match nothing: no record of another release is ever used.
#[test]
fn alpine_other_release_matches_nothing() {
    let root = rootfs(&[
        ("lib/apk/db/installed", read_shared("targets/apk/trivy/installed")),
        ("etc/alpine-release", "3.2.3\n".to_owned()),
    ]);
    assert!(findings(&scan(root.path(), &[])).is_empty());
}

fn bullseye_with_openssl(version: &str, os_release: &str) -> tempfile::TempDir {
    let status = read_shared("targets/dpkg/debootstrap-bullseye/status")
        .replace("Version: 1.1.1w-0+deb11u1", &format!("Version: {version}"));
    rootfs(&[
        ("var/lib/dpkg/status", status),
        ("etc/os-release", read_shared(os_release)),
        ("etc/debian_version", read_shared("targets/dpkg/debootstrap-bullseye/debian_version")),
    ])
}

/// Real bullseye (Debian 11.11) packages against the DSA list snapshot of
/// 2023-04: every bullseye fix in that list is older than 11.11, so there is
/// nothing to report — a false positive here would be a backport missed.
#[test]
fn debian_bullseye_point_release_has_no_findings_from_older_dsas() {
    let report =
        scan(bullseye_with_openssl("1.1.1w-0+deb11u1", "targets/dpkg/debootstrap-bullseye/os-release").path(), &[]);
    assert_eq!(report["resource"]["distro"]["version"], "11");
    assert_eq!(report["summary"]["packages"], 96);
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}

/// With openssl rolled back to 1.1.1n-0+deb11u3, DSA-5343-1 (fixed in
/// 1.1.1n-0+deb11u4, DSA/list) applies to both binaries of source openssl
/// (libssl1.1 here), one finding per CVE it fixes; DSA-5169-1 (fixed in deb11u3, the installed
/// version) does not. On a bookworm host the bullseye records never apply.
#[test]
fn debian_matches_by_source_package_and_release() {
    let report =
        scan(bullseye_with_openssl("1.1.1n-0+deb11u3", "targets/dpkg/debootstrap-bullseye/os-release").path(), &[]);
    // Minbase bullseye has libssl1.1 from source openssl, not the openssl binary.
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| {
            finding["package"]["name"] == "libssl1.1"
                && finding["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|evidence| evidence["advisory_id"] == "DSA-5343-1")
        })
        .unwrap_or_else(|| panic!("libssl1.1 DSA-5343-1 in {:?}", findings(&report)));
    assert_eq!(found["fixed_versions"], serde_json::json!(["1.1.1n-0+deb11u4"]));
    assert!(found["aliases"].as_array().unwrap().iter().any(|alias| alias == "DSA-5343-1"));
    // DSA-5343-1 names five CVEs: five findings, each listing the DSA.
    let from_dsa: Vec<String> = findings(&report)
        .into_iter()
        .filter(|(package, id)| package == "libssl1.1" && id.starts_with("CVE-"))
        .map(|(_, id)| id)
        .filter(|id| {
            ["CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"].contains(&id.as_str())
        })
        .collect();
    assert_eq!(from_dsa.len(), 5, "{:?}", findings(&report));
    let mentions =
        |id: &str| {
            report["findings"].as_array().unwrap().iter().any(|finding| {
                finding["evidence"].as_array().unwrap().iter().any(|evidence| evidence["advisory_id"] == id)
            })
        };
    assert!(!mentions("DSA-5169-1"));
    let on_bookworm =
        scan(bullseye_with_openssl("1.1.1n-0+deb11u3", "targets/dpkg/debootstrap-bookworm/os-release").path(), &[]);
    assert!(findings(&on_bookworm).is_empty(), "{:?}", findings(&on_bookworm));
}

/// `--ignore-unfixed` hides vulnerabilities without a fix and keeps fixed ones.
#[test]
fn ignore_unfixed_keeps_only_fixable_findings() {
    let feeds = rootfs(&[
        (
            "osv/DEBIAN-CVE-2099-0001.json",
            r#"{"id": "DEBIAN-CVE-2099-0001", "modified": "2024-01-01T00:00:00Z",
                "affected": [{"package": {"ecosystem": "Debian:11", "name": "tar"},
                              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}"#
                .to_owned(),
        ),
        (
            "osv/DEBIAN-CVE-2099-0002.json",
            r#"{"id": "DEBIAN-CVE-2099-0002", "modified": "2024-01-01T00:00:00Z",
                "affected": [{"package": {"ecosystem": "Debian:11", "name": "tar"},
                              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.34+dfsg-1+deb11u2"}]}]}]}"#
                .to_owned(),
        ),
    ]);
    let database_directory = tempfile::tempdir().unwrap();
    let database = database_directory.path().join("db.redb");
    let built = kensa(&["db", "build", "--from", feeds.path().to_str().unwrap(), "--db", database.to_str().unwrap()]);
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let root = bullseye_with_openssl("1.1.1w-0+deb11u1", "targets/dpkg/debootstrap-bullseye/os-release");
    let run = |extra: &[&str]| {
        let mut arguments =
            vec!["scan", "fs", root.path().to_str().unwrap(), "--format", "json", "--db", database.to_str().unwrap()];
        arguments.extend_from_slice(extra);
        let output = kensa(&arguments);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut ids: Vec<String> = findings(&report).into_iter().map(|(_, id)| id).collect();
        ids.sort();
        ids
    };
    assert_eq!(run(&[]), vec!["DEBIAN-CVE-2099-0001", "DEBIAN-CVE-2099-0002"]);
    assert_eq!(run(&["--ignore-unfixed"]), vec!["DEBIAN-CVE-2099-0002"]);
}

/// A real minbase bookworm root filesystem built by debootstrap (see
/// .ci/needs/os-rootfs.sh): detected as Debian 12, every installed package
/// found with its source, nothing unreadable.
#[test]
fn debootstrap_rootfs() {
    let Some(root) = common::debootstrap_rootfs() else { return };
    let report = scan(&root, &[]);
    assert_eq!(report["resource"]["distro"]["id"], "debian");
    assert_eq!(report["resource"]["distro"]["version"], "12");
    assert!(report["diagnostics"].as_array().unwrap().is_empty(), "{:?}", report["diagnostics"]);
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).unwrap();
    let installed = status.matches("Status: install ok installed").count();
    let packages = report["packages"].as_array().unwrap();
    assert_eq!(packages.iter().filter(|package| package["ecosystem"] == "Debian").count(), installed);
    let libc = packages.iter().find(|package| package["name"] == "libc6").unwrap();
    assert_eq!(libc["source"]["name"], "glibc");
    assert!(libc["purl"].as_str().unwrap().starts_with("pkg:deb/debian/libc6@"));
}

/// Ubuntu 18.04 (trivy's bionic dpkg status) against the Ubuntu CVE Tracker
/// snapshot: `bionic_systemd: released (237-3ubuntu10.38)` for CVE-2020-1712
/// applies to libsystemd0 and libudev1 (source systemd, 237-3ubuntu10.3);
/// `bionic_glibc: needs-triage` for CVE-2020-10029 is vulnerable with no fix.
#[test]
fn ubuntu_bionic_against_the_cve_tracker() {
    let root = rootfs(&[
        ("var/lib/dpkg/status", read_shared("targets/dpkg/trivy/ubuntu-bionic.status")),
        ("etc/os-release", read_shared("targets/os-release/claircore-ubuntu-18.04/os-release")),
    ]);
    let report = scan(root.path(), &[]);
    assert_eq!(report["resource"]["distro"]["id"], "ubuntu");
    assert_eq!(report["resource"]["distro"]["version"], "18.04");
    for binary in ["libsystemd0", "libudev1"] {
        let found = finding(&report, binary, "CVE-2020-1712").unwrap_or_else(|| panic!("{binary} CVE-2020-1712"));
        assert_eq!(found["fixed_versions"], serde_json::json!(["237-3ubuntu10.38"]));
        assert_eq!(found["fix_state"], "fixed");
        assert_eq!(found["distro_severity"], "medium");
    }
    let unfixed = finding(&report, "libc6", "CVE-2020-10029").unwrap();
    assert_eq!(unfixed["fix_state"], "not_fixed");
    assert_eq!(unfixed["fixed_versions"], serde_json::json!([]));
    let with_fix_only = scan(root.path(), &["--ignore-unfixed"]);
    assert!(finding(&with_fix_only, "libc6", "CVE-2020-10029").is_none());
    assert!(finding(&with_fix_only, "libsystemd0", "CVE-2020-1712").is_some());
}

/// The bookworm "host" fixture (152 packages: nginx, openssh-server, python3,
/// git, curl, sudo…): detected as Debian 12, every installed package found with
/// its source, and no finding — the DSA/DLA snapshot (2023-04) has no bookworm
/// fix newer than these 12.x point-release packages.
#[test]
fn debian_bookworm_host_fixture() {
    let root = rootfs(&[
        ("var/lib/dpkg/status", read_shared("targets/dpkg/debootstrap-bookworm-host/status")),
        ("etc/os-release", read_shared("targets/dpkg/debootstrap-bookworm-host/os-release")),
    ]);
    let report = scan(root.path(), &[]);
    assert_eq!(report["resource"]["distro"]["version"], "12");
    assert_eq!(report["summary"]["packages"], 152);
    let packages = report["packages"].as_array().unwrap();
    let nginx = packages.iter().find(|package| package["name"] == "nginx").unwrap();
    assert_eq!(nginx["source"]["name"], "nginx");
    let ssh = packages.iter().find(|package| package["name"] == "openssh-server").unwrap();
    assert_eq!(ssh["source"]["name"], "openssh");
    assert!(findings(&report).is_empty(), "{:?}", findings(&report));
}

/// Amazon Linux against the real ALAS `updateinfo.xml.gz` samples: an
/// inventory (as an agent would send it) of an Amazon Linux 2 host with
/// qemu-img one build before ALAS2-2018-942's, the kernel at exactly
/// ALAS2-2018-939's fixed build, and an rsyslog older than ALAS2023-2023-001's
/// fix. On AL2 only qemu-img is vulnerable (epoch 10 compared); the same
/// packages on AL2023 give only rsyslog's CVEs — no release's errata apply to
/// another. The same host as a CycloneDX SBOM with Syft's `amzn` purls finds
/// what the inventory finds.
#[test]
fn amazon_linux_hosts_match_alas_of_their_release() {
    let (_directory, database) = common::build_database("advisories/distro-samples/amazon/updateinfo");
    let work = tempfile::tempdir().unwrap();
    let package = |name: &str, version: &str, release: &str| {
        let (epoch, rest) = version.split_once(':').map_or((None, version), |(epoch, rest)| (Some(epoch), rest));
        let epoch = epoch.map(|epoch| format!("&epoch={epoch}")).unwrap_or_default();
        serde_json::json!({"ecosystem": "Amazon Linux", "name": name, "normalized_name": name, "version": version,
            "purl": format!("pkg:rpm/amzn/{name}@{rest}?arch=x86_64{epoch}&distro=amzn-{release}"),
            "locations": ["var/lib/rpm/rpmdb.sqlite"]})
    };
    let findings_on = |release: &str| -> std::collections::BTreeSet<(String, String)> {
        let inventory = serde_json::json!({
            "schema_version": 1,
            "resource": {"kind": "directory", "name": format!("al{release}-host")},
            "distro": {"id": "amzn", "version": release, "detected_from": "etc/os-release"},
            "packages": [
                package("qemu-img", "10:1.5.3-140.amzn2", release),
                package("kernel", "4.9.76-38.79.amzn2", release),
                package("rsyslog", "8.2204.0-2.amzn2023.0.1", release),
            ],
        });
        let path = work.path().join(format!("al{release}.json"));
        std::fs::write(&path, inventory.to_string()).unwrap();
        let report = common::json_report(&[
            "scan",
            "inventory",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--db",
            database.to_str().unwrap(),
        ]);
        let mut found = std::collections::BTreeSet::new();
        for finding in report["findings"].as_array().unwrap() {
            assert_eq!(finding["severity_source"], "distro", "{finding}");
            found.insert((
                finding["package"]["name"].as_str().unwrap().to_owned(),
                finding["id"].as_str().unwrap().to_owned(),
            ));
        }
        found
    };
    let on_two = findings_on("2");
    assert_eq!(
        on_two,
        [("qemu-img".to_owned(), "CVE-2017-5715".to_owned())].into_iter().collect(),
        "AL2: qemu-img only"
    );
    let on_2023 = findings_on("2023");
    assert!(!on_2023.is_empty() && on_2023.iter().all(|(package, _)| package == "rsyslog"), "{on_2023:?}");
    assert!(on_2023.contains(&("rsyslog".to_owned(), "CVE-2022-24903".to_owned())), "{on_2023:?}");

    // The AL2 host as a CycloneDX SBOM (purl namespace `amzn`, `distro=amzn-2`).
    let components: Vec<serde_json::Value> = [
        ("qemu-img", "1.5.3-140.amzn2", "&epoch=10"),
        ("kernel", "4.9.76-38.79.amzn2", ""),
        ("rsyslog", "8.2204.0-2.amzn2023.0.1", ""),
    ]
    .iter()
    .map(|(name, version, epoch)| {
        serde_json::json!({"type": "library", "name": name, "version": version,
            "purl": format!("pkg:rpm/amzn/{name}@{version}?arch=x86_64{epoch}&distro=amzn-2")})
    })
    .collect();
    let sbom = work.path().join("al2.cdx.json");
    std::fs::write(
        &sbom,
        serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components}).to_string(),
    )
    .unwrap();
    let report = common::json_report(&[
        "scan",
        "sbom",
        sbom.to_str().unwrap(),
        "--format",
        "json",
        "--db",
        database.to_str().unwrap(),
    ]);
    let from_sbom: std::collections::BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (finding["package"]["name"].as_str().unwrap().to_owned(), finding["id"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(from_sbom, on_two);
}

/// Module streams (the real AlmaLinux 9 record ALSA-2024:1576, "ruby:3.1
/// security update", fixed in a module build): it applies to ruby installed
/// from the ruby:3.1 stream below the fix, not to ruby 3.0 of the default
/// (non-modular) stream — older by version, but another line — nor to the
/// ruby:3.3 stream; a module build seen without its label (an SBOM's
/// version) is still taken as possibly that stream.
#[test]
fn rpm_module_streams_keep_errata_to_their_stream() {
    let directory = tempfile::tempdir().unwrap();
    let feed = directory.path().join("feed");
    std::fs::create_dir_all(&feed).unwrap();
    std::fs::copy(shared("advisories/almalinux-osv/almalinux9/ALSA-2024:1576.json"), feed.join("ALSA-2024-1576.json"))
        .unwrap();
    let database = directory.path().join("db.redb");
    let build = kensa(&["db", "build", "--from", feed.to_str().unwrap(), "--db", database.to_str().unwrap()]);
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let ruby = |version: &str, module: Option<&str>, location: &str| {
        let mut package = serde_json::json!({"ecosystem": "AlmaLinux", "name": "ruby", "normalized_name": "ruby",
            "version": version, "purl": format!("pkg:rpm/almalinux/ruby@{version}"), "locations": [location]});
        if let Some(module) = module {
            package["module"] = module.into();
        }
        package
    };
    let inventory = serde_json::json!({
        "schema_version": 1,
        "resource": {"kind": "directory", "name": "alma9-hosts"},
        "distro": {"id": "almalinux", "version": "9.3", "detected_from": "etc/os-release"},
        "packages": [
            ruby("3.0.4-160.el9_0", None, "default-stream"),
            ruby("3.1.2-141.module_el9.1.0+7+d5b2cb6f", Some("ruby:3.1:9010020221119221523:8cf767d6"), "stream-3.1"),
            ruby("3.3.0-1.module_el9.4.0+98+a1b2c3d4", Some("ruby:3.3:9040020240206000000:9b92b1d5"), "stream-3.3"),
            ruby("3.1.2-141.module_el9.1.0+7+d5b2cb6f", None, "unlabelled-module-build"),
        ],
    });
    let path = directory.path().join("inventory.json");
    std::fs::write(&path, inventory.to_string()).unwrap();
    let report = common::json_report(&[
        "scan",
        "inventory",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--db",
        database.to_str().unwrap(),
    ]);
    let locations: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["package"]["location"].as_str().unwrap())
        .collect();
    assert_eq!(locations, ["stream-3.1", "unlabelled-module-build"].into_iter().collect());
}
