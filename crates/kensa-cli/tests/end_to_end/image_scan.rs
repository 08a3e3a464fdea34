//! End-to-end scans of real container images from ../shared/data/targets/images
//! (`docker save` gzips of alpine:3.10 and alpine:3.11 and a minimal OCI
//! layout), against a database built from the Alpine secdb in shared. What the
//! report must contain is read from the image itself by an independent path
//! (flate2 + tar straight over the archive), not copied from kensa's output.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use crate::common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use crate::common::{kensa, shared};

/// The database of the Alpine secdb in shared alone, once per test binary.
fn database() -> &'static Path {
    common::cached_database("advisories/alpine-secdb")
}

fn scan_image(arguments: &[&str]) -> serde_json::Value {
    let mut all = vec!["scan", "image"];
    all.extend_from_slice(arguments);
    all.extend_from_slice(&["--format", "json", "--db", database().to_str().unwrap()]);
    let output = kensa(&all);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The bytes of every `*/layer.tar` member of a gzipped `docker save` archive.
fn layer_tars(archive: &Path) -> Vec<Vec<u8>> {
    let file = std::fs::File::open(archive).unwrap();
    let mut outer = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut layers = Vec::new();
    for entry in outer.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy().ends_with("layer.tar") {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            layers.push(bytes);
        }
    }
    layers
}

/// One file of a layer tar, as text.
fn file_in_layer(layer: &[u8], wanted: &str) -> String {
    let mut archive = tar::Archive::new(layer);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy() == wanted {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            return text;
        }
    }
    panic!("{wanted} not in layer");
}

fn package_names(report: &serde_json::Value) -> BTreeSet<String> {
    report["packages"].as_array().unwrap().iter().map(|package| package["name"].as_str().unwrap().to_owned()).collect()
}

fn findings(report: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["package"]["name"].as_str().unwrap().to_owned(),
                finding["id"].as_str().unwrap().to_owned(),
                finding["fixed_versions"].to_string(),
            )
        })
        .collect()
}

/// Both real Alpine images: the distro comes from the layer's
/// etc/alpine-release, and the packages are exactly the `P:` records of its
/// lib/apk/db/installed. Neither has findings against the secdb snapshot:
/// checked by hand, every secfix of an installed origin in v3.10/v3.11
/// main.yaml is older than the image's build (openssl fixes stop at 1.1.1d-r0
/// on 3.10 and 1.1.1d-r3 on 3.11, the images have 1.1.1d-r2 and 1.1.1d-r3;
/// musl 1.1.22-r3 / 1.1.23-r2 against 1.1.22-r3 / 1.1.24-r2; busybox
/// 1.30.1-r2 against 1.30.1-r3 / 1.31.1-r9), so any finding is a false positive.
#[test]
fn real_alpine_images_list_their_apk_packages_and_release() {
    for (file, tag, release_prefix) in
        [("alpine-3.10.tar.gz", "alpine:3.10", "3.10."), ("alpine-3.11.tar.gz", "alpine:3.11", "3.11.")]
    {
        let archive = shared(&format!("targets/images/docker-save/{file}"));
        let layers = layer_tars(&archive);
        assert_eq!(layers.len(), 1, "{file}");
        let installed = file_in_layer(&layers[0], "lib/apk/db/installed");
        let expected: BTreeSet<String> =
            installed.lines().filter_map(|line| line.strip_prefix("P:")).map(str::to_owned).collect();
        let release = file_in_layer(&layers[0], "etc/alpine-release");
        let report = scan_image(&["--input", archive.to_str().unwrap()]);
        assert_eq!(report["resource"]["kind"], "image");
        assert_eq!(report["resource"]["name"], tag);
        assert_eq!(report["resource"]["distro"]["id"], "alpine");
        assert_eq!(report["resource"]["distro"]["version"], release.trim(), "{file}");
        assert!(release.starts_with(release_prefix), "{file}: {release}");
        assert_eq!(package_names(&report), expected, "{file}");
        assert_eq!(report["packages"].as_array().unwrap().len(), expected.len(), "{file}");
        assert!(findings(&report).is_empty(), "{file}: {:?}", findings(&report));
        assert_eq!(report["diagnostics"], serde_json::json!([]), "{file}");
    }
}

/// The real alpine:3.10 layer with a second layer on top that rolls openssl
/// back to 1.1.1c-r0 (a plain, uncompressed `docker save` archive): the upper
/// layer's apk database wins, and secdb v3.10 main.yaml fixes CVE-2019-1547,
/// CVE-2019-1549 and CVE-2019-1563 in 1.1.1d-r0 for both binaries built from
/// openssl, while CVE-2019-1543 (fixed in 1.1.1b-r1) no longer applies. Each
/// package names the layer that introduced it: the two rolled-back packages
/// the upper layer, every other package (listed unchanged in both versions of
/// the database) the base layer, although the upper layer rewrote the file.
#[test]
fn an_upper_layer_rewriting_the_apk_database_is_what_is_scanned() {
    let base = layer_tars(&shared("targets/images/docker-save/alpine-3.10.tar.gz")).remove(0);
    let installed = file_in_layer(&base, "lib/apk/db/installed");
    assert_eq!(installed.matches("V:1.1.1d-r2\n").count(), 2, "libssl1.1 and libcrypto1.1");
    let rolled_back = installed.replace("V:1.1.1d-r2\n", "V:1.1.1c-r0\n");
    let mut upper = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(rolled_back.len() as u64);
    header.set_mode(0o644);
    upper.append_data(&mut header, "lib/apk/db/installed", rolled_back.as_bytes()).unwrap();
    let upper = upper.into_inner().unwrap();
    let config = br#"{"rootfs":{"type":"layers","diff_ids":[]},"history":[]}"#;
    let manifest =
        br#"[{"Config":"config.json","RepoTags":["rolled-back:1"],"Layers":["base/layer.tar","upper/layer.tar"]}]"#;
    let mut archive = tar::Builder::new(Vec::new());
    for (name, bytes) in [
        ("manifest.json", manifest.as_slice()),
        ("upper/layer.tar", upper.as_slice()),
        ("config.json", config.as_slice()),
        ("base/layer.tar", base.as_slice()),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        archive.append_data(&mut header, name, bytes).unwrap();
    }
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("rolled-back.tar");
    std::fs::write(&path, archive.into_inner().unwrap()).unwrap();
    let report = scan_image(&["--input", path.to_str().unwrap()]);
    assert_eq!(report["resource"]["name"], "rolled-back:1");
    let expected: BTreeSet<(String, String, String)> = ["libssl1.1", "libcrypto1.1"]
        .into_iter()
        .flat_map(|package| {
            ["CVE-2019-1547", "CVE-2019-1549", "CVE-2019-1563"]
                .map(|id| (package.to_owned(), id.to_owned(), r#"["1.1.1d-r0"]"#.to_owned()))
        })
        .collect();
    assert_eq!(findings(&report), expected);
    let packages = report["packages"].as_array().unwrap();
    assert!(packages.len() > 10);
    for package in packages {
        let introduced_by =
            if ["libssl1.1", "libcrypto1.1"].contains(&package["name"].as_str().unwrap()) { "upper" } else { "base" };
        assert_eq!(package["layer"], format!("{introduced_by}/layer.tar"), "{package}");
    }
}

/// trivy's minimal OCI layout holds one layer with a single static `hello`
/// executable (no package metadata, no release file), checked with tar by
/// hand: the scan succeeds, names the layout, and finds nothing.
#[test]
fn oci_layout_with_one_static_binary_scans_clean() {
    let layout = shared("targets/images/oci-layout/trivy-test.oci");
    let report = scan_image(&[&format!("oci-dir:{}", layout.to_str().unwrap())]);
    assert_eq!(report["resource"]["kind"], "image");
    assert_eq!(report["resource"]["name"], layout.to_str().unwrap());
    assert!(report["resource"]["distro"].is_null());
    assert_eq!(report["packages"], serde_json::json!([]));
    assert_eq!(report["diagnostics"], serde_json::json!([]));
}

/// A `docker save` gzip cut in half fails with exit status 2 and a message
/// saying what is truncated; an unreachable registry names the URL.
#[test]
fn truncated_archive_and_unreachable_registry_are_clear_errors() {
    let bytes = std::fs::read(shared("targets/images/docker-save/alpine-3.10.tar.gz")).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("half.tar.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let output = kensa(&["scan", "image", "--input", path.to_str().unwrap(), "--db", database().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("truncated or corrupt") && stderr.contains("half.tar.gz"), "{stderr}");
    // Nothing listens on port 1: the error names the URL that failed.
    let output = kensa(&["scan", "image", "127.0.0.1:1/alpine:3.10", "--db", database().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("http://127.0.0.1:1/v2/alpine/manifests/3.10"), "{stderr}");
}

/// The report carries the image's tags, platform, creation time and layers
/// (from the archive's manifest and config), and each package names the layer
/// that wrote the file it was found in: alpine:3.10 has one layer, made by
/// `ADD file:… in /`.
#[test]
fn image_metadata_and_layer_attribution() {
    let report = scan_image(&["--input", shared("targets/images/docker-save/alpine-3.10.tar.gz").to_str().unwrap()]);
    let image = &report["resource"]["image"];
    assert_eq!(image["tags"], serde_json::json!(["alpine:3.10"]));
    assert_eq!(image["os"], "linux");
    assert_eq!(image["architecture"], "amd64");
    assert!(image["created"].as_str().unwrap().starts_with("2020-01-23"));
    let layers = image["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert!(layers[0]["created_by"].as_str().unwrap().contains("ADD file:"));
    let digest = layers[0]["digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:"));
    for package in report["packages"].as_array().unwrap() {
        assert_eq!(package["layer"], digest, "{package}");
    }
}

/// Executables are judged by their contents as the layer streams by: the Go
/// demo program (.ci/needs/catalog-binaries.sh) in an image is cataloged from
/// its build info, while a C program beside it (`/bin/ls`) and a large shell
/// script are dropped without a diagnostic.
#[test]
fn go_binary_in_an_image_is_found_among_other_executables() {
    let Some(go_binary) = common::fixture("go/godemo-linux-amd64", ".ci/needs/catalog-binaries.sh") else { return };
    let go_binary = std::fs::read(go_binary).unwrap();
    let script = format!("#!/bin/sh\n{}", "echo setting up\n".repeat(8192)).into_bytes();
    let layout = tempfile::tempdir().unwrap();
    common::write_oci_layout(
        layout.path(),
        &[common::TestImage {
            os: "linux".to_owned(),
            architecture: "amd64".to_owned(),
            variant: None,
            files: vec![
                ("usr/local/bin/godemo".to_owned(), go_binary, 0o755),
                ("bin/ls".to_owned(), std::fs::read("/bin/ls").unwrap(), 0o755),
                ("usr/local/bin/setup.sh".to_owned(), script, 0o755),
            ],
        }],
    );
    let report = scan_image(&[&format!("oci-dir:{}", layout.path().display())]);
    let packages = report["packages"].as_array().unwrap();
    assert!(packages.iter().any(|package| package["name"] == "stdlib"), "{packages:?}");
    assert!(packages.iter().all(|package| package["locations"][0] == "usr/local/bin/godemo"), "{packages:?}");
    assert!(report["diagnostics"].as_array().is_none_or(Vec::is_empty), "{:?}", report["diagnostics"]);
}

/// `kensa inventory image` writes what `kensa scan image` reads, and
/// `kensa scan inventory` of it gives the same report: the image can be
/// inventoried where it lives and matched elsewhere.
#[test]
fn image_inventory_round_trips_through_scan_inventory() {
    let archive = shared("targets/images/docker-save/alpine-3.11.tar.gz");
    let directory = tempfile::tempdir().unwrap();
    let inventory = directory.path().join("inventory.json");
    let output =
        kensa(&["inventory", "image", "--input", archive.to_str().unwrap(), "-o", inventory.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let direct = scan_image(&["--input", archive.to_str().unwrap()]);
    let output = kensa(&[
        "scan",
        "inventory",
        inventory.to_str().unwrap(),
        "--format",
        "json",
        "--db",
        database().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stored: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stored, direct);
    assert!(!direct["packages"].as_array().unwrap().is_empty());
    assert_eq!(stored["resource"]["image"]["tags"][0], "alpine:3.11");
}

/// The layer cache from the command line: an OCI layout holding the real
/// alpine:3.10 apk database scans the same from the cache (with the layer
/// blob gone, so the cache was used), `kensa cache status` counts the entry,
/// `kensa cache clean` removes it and leaves a database beside it alone.
#[test]
fn layer_cache_status_and_clean() {
    let base = layer_tars(&shared("targets/images/docker-save/alpine-3.10.tar.gz")).remove(0);
    let files = ["lib/apk/db/installed", "etc/alpine-release", "etc/os-release"]
        .map(|path| (path.to_owned(), file_in_layer(&base, path).into_bytes(), 0o644))
        .to_vec();
    let layout = tempfile::tempdir().unwrap();
    common::write_oci_layout(
        layout.path(),
        &[common::TestImage { os: "linux".to_owned(), architecture: "amd64".to_owned(), variant: None, files }],
    );
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(cache.path().join("advisories.redb"), b"not touched").unwrap();
    let reference = format!("oci-dir:{}", layout.path().display());
    let cached = ["--cache-dir", cache.path().to_str().unwrap()];
    let first = scan_image(&[&reference, cached[0], cached[1]]);
    assert!(!first["findings"].as_array().unwrap().is_empty() || !first["packages"].as_array().unwrap().is_empty());

    let status = kensa(&["cache", "status", cached[0], cached[1]]);
    assert!(String::from_utf8_lossy(&status.stdout).contains(": 1 cached layers"), "{status:?}");
    let manifest_blobs = std::fs::read_dir(layout.path().join("blobs/sha256")).unwrap();
    let layer_blob = manifest_blobs
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            tar::Archive::new(std::fs::File::open(path).unwrap()).entries().is_ok_and(|mut entries| {
                entries.next().is_some_and(|entry| {
                    entry.is_ok_and(|entry| entry.path().is_ok_and(|path| path.starts_with("lib")))
                })
            })
        })
        .unwrap();
    std::fs::remove_file(&layer_blob).unwrap();
    assert_eq!(scan_image(&[&reference, cached[0], cached[1]]), first);

    let clean = kensa(&["cache", "clean", cached[0], cached[1]]);
    assert!(String::from_utf8_lossy(&clean.stdout).contains("removed 1 cached layers"), "{clean:?}");
    assert!(!cache.path().join("layers").exists());
    assert_eq!(std::fs::read(cache.path().join("advisories.redb")).unwrap(), b"not touched");
    let output = kensa(&["scan", "image", &reference, cached[0], cached[1], "--db", database().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "the layer is gone and no longer cached");
}
