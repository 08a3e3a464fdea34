//! Distribution detection over the 103 real release-file samples in
//! shared/data/targets/os-release, each placed where it lives on a real system
//! (`etc/os-release`, `etc/redhat-release`, `var/lib/ubuntu-advantage/status.json`)
//! in an in-memory tree, plus hand-made edge cases.

// Helpers outside #[test] functions fail loudly on a broken fixture, like the tests.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use kensa_catalog::{DistroDetection, detect_distro};
use kensa_fs::{FileEntry, FileSystem, FsError};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/targets/os-release");

/// A tree held in memory: the samples are files named after their origin,
/// and a test places each at its real path.
struct MemoryFileSystem {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemoryFileSystem {
    fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> MemoryFileSystem {
        MemoryFileSystem { files: files.into_iter().collect() }
    }
}

impl FileSystem for MemoryFileSystem {
    fn root_name(&self) -> &str {
        "memory"
    }

    fn walk(&self, visit: &mut dyn FnMut(&FileEntry), _visit_error: &mut dyn FnMut(FsError)) {
        for path in self.files.keys() {
            visit(&self.entry(path).unwrap());
        }
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, FsError> {
        match self.files.get(path) {
            Some(contents) => Ok(Box::new(contents.as_slice())),
            None => Err(FsError::Io {
                operation: "open",
                path: path.to_owned(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            }),
        }
    }

    fn entry(&self, path: &str) -> Option<FileEntry> {
        let contents = self.files.get(path)?;
        Some(FileEntry { path: path.to_owned(), size: contents.len() as u64, executable: false })
    }
}

/// Where a sample file lives on a real system, from its name in the samples.
fn real_path(sample: &str) -> String {
    let file_name = sample.rsplit('/').next().unwrap();
    if sample.starts_with("trivy-os-release/") || file_name == "os-release" {
        "etc/os-release".to_owned()
    } else if file_name.ends_with("debian_version") {
        "etc/debian_version".to_owned()
    } else if file_name.ends_with(".json") {
        "var/lib/ubuntu-advantage/status.json".to_owned()
    } else if file_name.ends_with("-release") || file_name == "issue" {
        format!("etc/{file_name}")
    } else {
        panic!("no real path known for sample {sample}")
    }
}

fn detect_sample(samples: &[&str]) -> DistroDetection {
    let files =
        samples.iter().map(|sample| (real_path(sample), std::fs::read(Path::new(SAMPLES).join(sample)).unwrap()));
    detect_distro(&MemoryFileSystem::new(files))
}

/// `id version (codename) from path`, the form of the expected table.
fn summary(detection: &DistroDetection) -> String {
    match &detection.distro {
        Some(distro) => {
            let codename = distro.codename.as_deref().map(|codename| format!(" ({codename})")).unwrap_or_default();
            let esm = if distro.extended_support { " +esm" } else { "" };
            format!("{} {}{codename}{esm} from {}", distro.id, distro.version, distro.detected_from)
        }
        None => format!("unknown: {:?}", detection.diagnostics),
    }
}

/// One row per sample: the files of one sample directory together, or one
/// file where a directory holds unrelated samples (`trivy-os-release/*`).
/// Expected values read by hand from each file: os-release's `ID`,
/// `VERSION_ID` and code name; the Red Hat family's `<name> release
/// <version> (<code name>)`; debian_version's major release.
const EXPECTED: &[(&[&str], &str)] = &[
    (&["alpine-3.3/os-release", "alpine-3.3/issue"], "alpine 3.3.3 from etc/os-release"),
    (&["alpine-3.4/os-release", "alpine-3.4/issue"], "alpine 3.4.6 from etc/os-release"),
    (&["alpine-3.5/os-release", "alpine-3.5/issue"], "alpine 3.5.3 from etc/os-release"),
    (&["alpine-3.6/os-release", "alpine-3.6/issue"], "alpine 3.6.5 from etc/os-release"),
    (&["alpine-3.7/os-release", "alpine-3.7/issue"], "alpine 3.7.3 from etc/os-release"),
    (&["alpine-3.8/os-release", "alpine-3.8/issue"], "alpine 3.8.5 from etc/os-release"),
    (&["alpine-3.9/os-release", "alpine-3.9/issue"], "alpine 3.9.6 from etc/os-release"),
    (&["alpine-3.10/os-release", "alpine-3.10/issue"], "alpine 3.10.9 from etc/os-release"),
    (&["alpine-3.11/os-release", "alpine-3.11/issue"], "alpine 3.11.13 from etc/os-release"),
    (&["alpine-3.12/os-release", "alpine-3.12/issue"], "alpine 3.12.9 from etc/os-release"),
    (&["alpine-3.13/os-release", "alpine-3.13/issue"], "alpine 3.13.7 from etc/os-release"),
    (&["alpine-3.14/os-release", "alpine-3.14/issue"], "alpine 3.14.3 from etc/os-release"),
    (&["alpine-3.15/os-release", "alpine-3.15/issue"], "alpine 3.15.0 from etc/os-release"),
    (&["alpine-3.16/os-release", "alpine-3.16/issue"], "alpine 3.16.0 from etc/os-release"),
    (&["alpine-3.17/os-release", "alpine-3.17/issue"], "alpine 3.17.5 from etc/os-release"),
    (&["alpine-3.18/os-release", "alpine-3.18/issue"], "alpine 3.18.4 from etc/os-release"),
    (&["alpine-edge/os-release", "alpine-edge/issue"], "alpine 3.19_alpha20230901 from etc/os-release"),
    // Its os-release starts with a pasted shell prompt line, which is skipped.
    (
        &["alpine-3.18-osv-scanner/os-release", "alpine-3.18-osv-scanner/alpine-release"],
        "alpine 3.18.1 from etc/os-release",
    ),
    (&["alpine-3.18-osv-scanner/alpine-release"], "alpine 3.18.1 from etc/alpine-release"),
    (&["debian-7/os-release"], "debian 7 from etc/os-release"),
    (&["debian-8/os-release"], "debian 8 from etc/os-release"),
    (&["debian-9/os-release"], "debian 9 (stretch) from etc/os-release"),
    (&["debian-10/os-release"], "debian 10 (buster) from etc/os-release"),
    (&["debian-11/os-release"], "debian 11 (bullseye) from etc/os-release"),
    (&["debian-12/os-release"], "debian 12 (bookworm) from etc/os-release"),
    (&["claircore-debian-10-buster/os-release"], "debian 10 (buster) from etc/os-release"),
    (&["distroless-debian-9/os-release"], "debian 9 from etc/os-release"),
    (&["distroless-debian-10/os-release"], "debian 10 from etc/os-release"),
    (&["distroless-debian-11/os-release"], "debian 11 from etc/os-release"),
    (&["trivy-debian/debian_9_debian_version"], "debian 9 from etc/debian_version"),
    // Testing/unstable: no release number.
    (&["trivy-debian/debian_sid_debian_version"], "debian  (sid) from etc/debian_version"),
    (&["claircore-ubuntu-18.04/os-release"], "ubuntu 18.04 (bionic) from etc/os-release"),
    (&["trivy-ubuntu/lsb-release"], "ubuntu 18.04 (bionic) from etc/lsb-release"),
    // The Pro client's status says esm-infra is enabled.
    (
        &["trivy-ubuntu/lsb-release", "trivy-ubuntu/ubuntu-advantage-status-esm-enabled.json"],
        "ubuntu 18.04 (bionic) +esm from etc/lsb-release",
    ),
    // vyos indents every line and is Debian-based without saying so (no ID_LIKE).
    (&["claircore-vyos/os-release"], "vyos 1.4-rolling-202307070317 (bookworm) from etc/os-release"),
    (&["claircore-fedora-silverblue/os-release"], "fedora 30 from etc/os-release"),
    (&["claircore-fedora-toolbox/os-release"], "fedora 30 from etc/os-release"),
    (&["claircore-opensuse/os-release"], "opensuse-leap 15.1 from etc/os-release"),
    (&["claircore-ubi-8/os-release"], "rhel 8.0 from etc/os-release"),
    // os-release (7.7) and redhat-release (7.4) disagree; os-release wins.
    (&["rhel-family-7/os-release", "rhel-family-7/redhat-release"], "rhel 7.7 from etc/os-release"),
    (&["rhel-family-7/redhat-release"], "rhel 7.4 (Maipo) from etc/redhat-release"),
    (&["rhel-family-8/os-release", "rhel-family-8/redhat-release"], "rhel 8.1 from etc/os-release"),
    (&["rhel-family-9/os-release", "rhel-family-9/redhat-release"], "rhel 9.0 from etc/os-release"),
    (
        &["rhel-family-atomichost-7/os-release", "rhel-family-atomichost-7/redhat-release"],
        "rhel 7.9 from etc/os-release",
    ),
    (&["rhel-family-hummingbird/os-release"], "hummingbird 20251124 from etc/os-release"),
    // Oracle Linux also ships a redhat-release; oracle-release is read first.
    (
        &["rhel-family-oracle-6/oracle-release", "rhel-family-oracle-6/redhat-release"],
        "ol 6.10 from etc/oracle-release",
    ),
    (&["rhel-family-oracle-7/oracle-release", "rhel-family-oracle-7/redhat-release"], "ol 7.9 from etc/oracle-release"),
    (&["rhel-family-oracle-8/oracle-release", "rhel-family-oracle-8/redhat-release"], "ol 8.9 from etc/oracle-release"),
    (&["rhel-family-oracle-9/oracle-release", "rhel-family-oracle-9/redhat-release"], "ol 9.3 from etc/oracle-release"),
    (&["trivy-redhatbase/alma/almalinux-release"], "almalinux 8.4 (Electric Cheetah) from etc/almalinux-release"),
    (&["trivy-redhatbase/centos/centos-release"], "centos 7.6.1810 (Core) from etc/centos-release"),
    (&["trivy-redhatbase/fedora_29/fedora-release"], "fedora 29 (Twenty Nine) from etc/fedora-release"),
    (&["trivy-redhatbase/oracle_7/oracle-release"], "ol 7.6 from etc/oracle-release"),
    // "Red Hat Linux release 6.2 (Zoot)" is the 2000 product, kept as rhel.
    (&["trivy-redhatbase/redhat_6/redhat-release"], "rhel 6.2 (Zoot) from etc/redhat-release"),
    (&["trivy-redhatbase/rocky/rocky-release"], "rocky 8.4 (Green Obsidian) from etc/rocky-release"),
    (&["trivy-os-release/activestate"], "activestate 1.0 from etc/os-release"),
    (&["trivy-os-release/alma"], "almalinux 9.4 from etc/os-release"),
    (&["trivy-os-release/alpine"], "alpine 3.15.4 from etc/os-release"),
    (&["trivy-os-release/azurelinux-3.0"], "azurelinux 3.0 from etc/os-release"),
    (&["trivy-os-release/bottlerocket"], "bottlerocket 1.34.0 from etc/os-release"),
    (&["trivy-os-release/centos"], "centos 7 from etc/os-release"),
    (&["trivy-os-release/centos-stream"], "centos 8 from etc/os-release"),
    (&["trivy-os-release/coreos"], "coreos 3.15.4 from etc/os-release"),
    (&["trivy-os-release/echo"], "echo 1 from etc/os-release"),
    (&["trivy-os-release/fedora"], "fedora 42 from etc/os-release"),
    (&["trivy-os-release/mariner-1.0"], "mariner 1.0 from etc/os-release"),
    (&["trivy-os-release/mariner-2.0"], "mariner 2.0 from etc/os-release"),
    (&["trivy-os-release/minimos"], "minimos 20241031 from etc/os-release"),
    (&["trivy-os-release/opensuseleap-15.2.1"], "opensuse-leap 15.2.1 from etc/os-release"),
    (&["trivy-os-release/opensuseleap-42.3"], "opensuse 42.3 from etc/os-release"),
    // The commented-out VERSION line is ignored.
    (&["trivy-os-release/opensusetumbleweed"], "opensuse-tumbleweed 20220412 from etc/os-release"),
    (&["trivy-os-release/oracle"], "ol 8.10 from etc/os-release"),
    (&["trivy-os-release/photon"], "photon 4.0 from etc/os-release"),
    (&["trivy-os-release/rhel"], "rhel 9.4 from etc/os-release"),
    (&["trivy-os-release/rocky"], "rocky 9.3 from etc/os-release"),
    (&["trivy-os-release/slemicro"], "sle-micro 5.3 from etc/os-release"),
    (&["trivy-os-release/slemicro-rancher"], "sle-micro-rancher 5.4 from etc/os-release"),
    (&["trivy-os-release/slemicro6.0"], "sl-micro 6.0 from etc/os-release"),
    (&["trivy-os-release/sles"], "sles 15.3 from etc/os-release"),
];

/// Every sample is detected as the distribution and release written in it,
/// and no sample file is left out of the table.
#[test]
fn every_sample_is_detected_as_written() {
    let mut failures = Vec::new();
    for (samples, expected) in EXPECTED {
        let detection = detect_sample(samples);
        let found = summary(&detection);
        if found != *expected {
            failures.push(format!("{samples:?}: expected {expected:?}, found {found:?}"));
        }
        if detection.distro.is_some() && !detection.diagnostics.is_empty() {
            failures.push(format!("{samples:?}: unexpected diagnostics {:?}", detection.diagnostics));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let mut all_samples = Vec::new();
    common_find_files(Path::new(SAMPLES), &mut all_samples);
    let covered: BTreeSet<&str> = EXPECTED.iter().flat_map(|(samples, _)| samples.iter().copied()).collect();
    let missing: Vec<&String> = all_samples.iter().filter(|sample| !covered.contains(sample.as_str())).collect();
    assert_eq!(all_samples.len(), 103);
    assert!(missing.is_empty(), "samples missing from the table: {missing:?}");
}

fn common_find_files(directory: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            common_find_files(&path, found);
        } else {
            found.push(path.strip_prefix(SAMPLES).unwrap().to_str().unwrap().to_owned());
        }
    }
}

/// ID_LIKE, PRETTY_NAME and the Red Hat family's implied ID_LIKE are kept,
/// so a derivative can be mapped to its parent's advisories.
#[test]
fn id_like_and_pretty_name() {
    let ubuntu = detect_sample(&["claircore-ubuntu-18.04/os-release"]).distro.unwrap();
    assert_eq!(ubuntu.id_like, ["debian"]);
    assert_eq!(ubuntu.pretty_name.as_deref(), Some("Ubuntu 18.04.3 LTS"));
    let rocky = detect_sample(&["trivy-redhatbase/rocky/rocky-release"]).distro.unwrap();
    assert_eq!(rocky.id_like, ["rhel", "centos", "fedora"]);
    let opensuse = detect_sample(&["claircore-opensuse/os-release"]).distro.unwrap();
    assert_eq!(opensuse.id_like, ["suse", "opensuse"]);
}

fn detect_inline(files: &[(&str, &str)]) -> DistroDetection {
    detect_distro(&MemoryFileSystem::new(
        files.iter().map(|(path, text)| ((*path).to_owned(), text.as_bytes().to_vec())),
    ))
}

/// A tree without release files (a project directory) is no distribution and no problem.
#[test]
fn no_release_files() {
    assert_eq!(detect_inline(&[("Cargo.lock", "")]), DistroDetection::default());
}

/// A release file that names nothing is reported unknown with the reason and the file.
#[test]
fn unusable_release_files_are_reported_with_the_reason() {
    let detection = detect_inline(&[("etc/os-release", "NAME=\"Mystery\"\nVERSION_ID=1\n")]);
    assert_eq!(detection.distro, None);
    assert_eq!(detection.diagnostics.len(), 1);
    assert_eq!(detection.diagnostics[0].path, "etc/os-release");
    assert!(detection.diagnostics[0].message.contains("no ID"), "{:?}", detection.diagnostics);

    let detection = detect_inline(&[("etc/system-release", "Slackware 15.0\n")]);
    assert_eq!(detection.distro, None);
    assert!(detection.diagnostics[0].message.contains("etc/system-release"), "{:?}", detection.diagnostics);
}

/// An unusable os-release falls through to the next source, and says so.
#[test]
fn falls_through_to_the_next_source() {
    let detection =
        detect_inline(&[("etc/os-release", "garbage\n"), ("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n")]);
    assert_eq!(summary(&detection), "debian 12 from usr/lib/os-release");
    assert_eq!(detection.diagnostics.len(), 1);
}

/// Debian testing's os-release has no VERSION_ID; debian_version supplies the code name.
#[test]
fn debian_testing_takes_the_codename_from_debian_version() {
    let detection = detect_inline(&[
        ("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nID=debian\n"),
        ("etc/debian_version", "trixie/sid\n"),
    ]);
    assert_eq!(summary(&detection), "debian  (sid) from etc/os-release");
}

/// Distroless Debian without os-release: the release comes from base-files in status.d.
#[test]
fn distroless_without_os_release() {
    let detection = detect_inline(&[(
        "var/lib/dpkg/status.d/base-files",
        "Package: base-files\nVersion: 11.1+deb11u8\nArchitecture: amd64\n",
    )]);
    assert_eq!(summary(&detection), "debian 11 from var/lib/dpkg/status.d/base-files");
}

/// ESM is set only when an esm service is enabled, and a broken status is a diagnostic.
#[test]
fn ubuntu_pro_status() {
    let os_release = "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"20.04\"\n";
    let disabled =
        r#"{"services": [{"name": "esm-infra", "status": "disabled"}, {"name": "livepatch", "status": "enabled"}]}"#;
    let detection =
        detect_inline(&[("etc/os-release", os_release), ("var/lib/ubuntu-advantage/status.json", disabled)]);
    assert!(!detection.distro.unwrap().extended_support);
    let apps = r#"{"services": [{"name": "esm-apps", "status": "enabled"}]}"#;
    let detection = detect_inline(&[("etc/os-release", os_release), ("var/lib/ubuntu-advantage/status.json", apps)]);
    assert!(detection.distro.unwrap().extended_support);
    let detection = detect_inline(&[("etc/os-release", os_release), ("var/lib/ubuntu-advantage/status.json", "{")]);
    assert!(!detection.distro.unwrap().extended_support);
    assert_eq!(detection.diagnostics[0].path, "var/lib/ubuntu-advantage/status.json");
}

/// CRLF line ends (a file edited on Windows) do not leak into values.
#[test]
fn crlf_os_release() {
    let detection = detect_inline(&[("etc/os-release", "ID=alpine\r\nVERSION_ID=3.19.1\r\n")]);
    assert_eq!(summary(&detection), "alpine 3.19.1 from etc/os-release");
}
