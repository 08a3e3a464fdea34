//! Images pulled from a real registry: Debian's `docker-registry`
//! (distribution 2.8) started on 127.0.0.1 by each test, images pushed into
//! it with Debian's `skopeo` — the real alpine `docker save` archives from
//! ../shared/data, the debootstrap bookworm rootfs, and a multi-platform OCI
//! index built here. Anonymous, htpasswd (Basic) and token (Bearer) auth;
//! the token service is tests/registry/token_server.py, whose ES256 tokens
//! the registry itself verifies. What a registry scan must report is what
//! the scan of the same image from its archive reports (or, for the rootfs,
//! of the directory): an independent path through the same catalogers.
//!
//! The tools come from .ci/needs/registry.sh; without them these tests skip,
//! or fail under `KENSA_REQUIRE_FIXTURES=1` (CI).

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::print_stderr)]

use crate::common;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{TestImage, shared, write_oci_layout};

const USER: &str = "kensa-user";
const PASSWORD: &str = "correct horse battery";
const TOKEN_SERVICE: &str = "kensa-test-registry";
const TOKEN_ISSUER: &str = "kensa-test-issuer";

/// The Alpine secdb in shared: small, and enough to compare findings.
fn database() -> &'static Path {
    common::cached_database("advisories/alpine-secdb")
}

/// Whether the registry tools are installed; skips (or fails in CI) when not.
fn tools_present(extra: &[&str]) -> bool {
    let missing: Vec<&str> = ["docker-registry", "skopeo"]
        .iter()
        .chain(extra)
        .copied()
        .filter(|tool| {
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|output| !output.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("KENSA_REQUIRE_FIXTURES").as_deref() != Ok("1"),
        "missing {missing:?}: run .ci/needs/registry.sh"
    );
    eprintln!("skipping: missing {missing:?} (run .ci/needs/registry.sh)");
    false
}

enum Auth {
    Anonymous,
    /// htpasswd: the registry itself asks for Basic credentials.
    Basic,
    /// A token service: the registry challenges with Bearer.
    Token,
    /// No credentials, but HTTPS with a certificate from a private CA, whose
    /// certificate is `ca.pem` in the registry's directory.
    AnonymousTls,
}

/// A running `docker-registry` (and token service), stopped on drop.
struct Registry {
    registry: Child,
    token_server: Option<Child>,
    port: u16,
    directory: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        for child in std::iter::once(&mut self.registry).chain(self.token_server.as_mut()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Registry {
    fn start(auth: Auth) -> Registry {
        let directory = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut token_server = None;
        let auth_section = match auth {
            Auth::Anonymous => String::new(),
            Auth::AnonymousTls => {
                let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/registry/tls_server.py");
                let output = Command::new(common::python())
                    .arg(script)
                    .args(["--certificates-only", directory.path().to_str().unwrap()])
                    .arg(directory.path().join("ca.pem"))
                    .output()
                    .unwrap();
                assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
                format!(
                    "  tls:\n    certificate: {}\n    key: {}\n",
                    directory.path().join("chain.pem").display(),
                    directory.path().join("key.pem").display()
                )
            }
            Auth::Basic => {
                let output = Command::new("htpasswd").args(["-Bbn", USER, PASSWORD]).output().unwrap();
                assert!(output.status.success());
                let htpasswd = directory.path().join("htpasswd");
                std::fs::write(&htpasswd, &output.stdout).unwrap();
                format!("auth:\n  htpasswd:\n    realm: kensa-test\n    path: {}\n", htpasswd.display())
            }
            Auth::Token => {
                let certificate = directory.path().join("token-issuer.pem");
                let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/registry/token_server.py");
                let mut child = Command::new(common::python())
                    .arg(script)
                    .args([certificate.to_str().unwrap(), TOKEN_ISSUER, TOKEN_SERVICE, &format!("{USER}:{PASSWORD}")])
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut line = String::new();
                std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
                let token_port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("token server said {line:?}"));
                token_server = Some(child);
                format!(
                    "auth:\n  token:\n    realm: http://127.0.0.1:{token_port}/token\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                    certificate.display()
                )
            }
        };
        let config = directory.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth_section}",
                directory.path().join("storage").display()
            ),
        )
        .unwrap();
        let registry = Command::new("docker-registry")
            .args(["serve", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "docker-registry did not start on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry { registry, token_server, port, directory }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `skopeo copy SOURCE docker://127.0.0.1:PORT/NAME`, with the test credentials.
    fn push(&self, source: &str, name: &str, extra: &[&str]) {
        let destination = format!("docker://{}/{name}", self.host());
        let credentials = format!("{USER}:{PASSWORD}");
        let output = Command::new("skopeo")
            .args(["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", &credentials])
            .args(extra)
            .args([source, &destination])
            .env("HOME", self.directory.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "skopeo copy {source}: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// The registry's stored file for a blob.
    fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.directory.path().join(format!("storage/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]))
    }
}

/// Runs kensa with nothing of the caller's registry credentials: an empty
/// Docker config directory and no Podman auth file, plus `environment`.
fn kensa_isolated(arguments: &[&str], environment: &[(&str, &str)]) -> Output {
    let empty = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kensa"));
    command
        .args(arguments)
        .env_remove("KENSA_DB")
        .env_remove("KENSA_NO_CACHE")
        // A layer cache of this run's own; tests that rescan from a cache pass --cache-dir.
        .env("KENSA_CACHE_DIR", empty.path().join("cache"))
        .env_remove("KENSA_REGISTRY_USERNAME")
        .env_remove("KENSA_REGISTRY_PASSWORD")
        .env("DOCKER_CONFIG", empty.path())
        .env("REGISTRY_AUTH_FILE", empty.path().join("auth.json"))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy");
    for (name, value) in environment {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn scan(arguments: &[&str], environment: &[(&str, &str)]) -> serde_json::Value {
    let mut all = vec!["scan", "image"];
    all.extend_from_slice(arguments);
    all.extend_from_slice(&["--format", "json", "--db", database().to_str().unwrap()]);
    let output = kensa_isolated(&all, environment);
    assert!(output.status.success(), "kensa {all:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn scan_fails(arguments: &[&str], environment: &[(&str, &str)]) -> String {
    let mut all = vec!["scan", "image"];
    all.extend_from_slice(arguments);
    all.extend_from_slice(&["--db", database().to_str().unwrap()]);
    let output = kensa_isolated(&all, environment);
    assert_eq!(output.status.code(), Some(2), "{all:?} should fail: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A shared `docker save` gzip, inflated (skopeo reads only plain tars).
fn plain_archive(name: &str, into: &Path) -> PathBuf {
    let gzip = std::fs::File::open(shared(&format!("targets/images/docker-save/{name}.tar.gz"))).unwrap();
    let path = into.join(format!("{name}.tar"));
    std::io::copy(&mut flate2::read::GzDecoder::new(gzip), &mut std::fs::File::create(&path).unwrap()).unwrap();
    path
}

/// The part of a report that must not depend on where the image was read from.
fn packages_and_findings(report: &serde_json::Value) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    let mut packages = report["packages"].clone();
    // Locations name the source (`… (in ARCHIVE)`); the rest must be equal.
    for package in packages.as_array_mut().unwrap() {
        package.as_object_mut().unwrap().remove("locations");
    }
    let findings: Vec<serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| serde_json::json!([finding["id"], finding["package"]["name"], finding["package"]["version"]]))
        .collect();
    let layers = report["resource"]["image"]["layers"].clone();
    (packages, serde_json::Value::Array(findings), layers)
}

/// Both real alpine images, pushed anonymously, scan to exactly what their
/// archives scan to — by tag and by the digest the report gives — and the
/// report names the repository digest, the image ID and the platform.
#[test]
fn anonymous_pull_matches_the_archive_scan() {
    if !tools_present(&[]) {
        return;
    }
    let registry = Registry::start(Auth::Anonymous);
    let work = tempfile::tempdir().unwrap();
    for (name, tag) in [("alpine-3.10", "alpine:3.10"), ("alpine-3.11", "alpine:3.11")] {
        let archive = plain_archive(name, work.path());
        registry.push(&format!("docker-archive:{}", archive.display()), tag, &[]);
        let from_archive = scan(&["--input", archive.to_str().unwrap()], &[]);
        let reference = format!("{}/{tag}", registry.host());
        let pulled = scan(&[&reference], &[]);
        assert_eq!(packages_and_findings(&pulled), packages_and_findings(&from_archive), "{tag}");
        assert!(!pulled["packages"].as_array().unwrap().is_empty());
        let image = &pulled["resource"]["image"];
        assert_eq!(image["tags"][0], reference);
        assert_eq!(image["config_digest"], from_archive["resource"]["image"]["config_digest"]);
        assert_eq!(image["os"], "linux");
        assert_eq!(image["architecture"], "amd64");
        let repository_digest = image["repository_digest"].as_str().unwrap();
        let digest = repository_digest.split_once('@').unwrap().1;
        // The digest the report gives is the one the registry serves.
        let inspect = Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}", &format!("docker://{reference}")])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&inspect.stdout).trim(), digest);
        let by_digest = scan(&[repository_digest], &[]);
        assert_eq!(packages_and_findings(&by_digest), packages_and_findings(&from_archive));
        // `docker://` is accepted as skopeo and Syft write it.
        let prefixed = scan(&[&format!("docker://{reference}")], &[]);
        assert_eq!(packages_and_findings(&prefixed), packages_and_findings(&from_archive));
    }
    // A tag or repository the registry does not have: its own error code.
    let stderr = scan_fails(&[&format!("{}/alpine:9.99", registry.host())], &[]);
    assert!(stderr.contains("MANIFEST_UNKNOWN") && stderr.contains("/v2/alpine/manifests/9.99"), "{stderr}");
}

/// An OCI manifest with zstd layers (skopeo recompresses) reads the same.
#[test]
fn oci_manifest_with_zstd_layers() {
    if !tools_present(&[]) {
        return;
    }
    let registry = Registry::start(Auth::Anonymous);
    let work = tempfile::tempdir().unwrap();
    let archive = plain_archive("alpine-3.11", work.path());
    registry.push(
        &format!("docker-archive:{}", archive.display()),
        "zstd/alpine:3.11",
        &["--format", "oci", "--dest-compress-format", "zstd"],
    );
    // skopeo reuses a gzip blob it has pushed to the same registry before;
    // this registry is new, so the layer really is zstd.
    let manifest = fetch_manifest(&registry, "zstd/alpine", "3.11");
    assert_eq!(manifest["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd");
    let pulled = scan(&[&format!("{}/zstd/alpine:3.11", registry.host())], &[]);
    let from_archive = scan(&["--input", archive.to_str().unwrap()], &[]);
    assert_eq!(packages_and_findings(&pulled), packages_and_findings(&from_archive));
}

/// htpasswd: no credentials is a clear refusal; credentials from Docker's
/// config.json, from the flags, and from the environment all work; a wrong
/// password is named as refused.
#[test]
fn basic_auth_from_docker_config_flags_and_environment() {
    if !tools_present(&["htpasswd"]) {
        return;
    }
    let registry = Registry::start(Auth::Basic);
    let work = tempfile::tempdir().unwrap();
    let archive = plain_archive("alpine-3.10", work.path());
    registry.push(&format!("docker-archive:{}", archive.display()), "private/alpine:3.10", &[]);
    let reference = format!("{}/private/alpine:3.10", registry.host());
    let expected = packages_and_findings(&scan(&["--input", archive.to_str().unwrap()], &[]));

    let stderr = scan_fails(&[&reference], &[]);
    assert!(stderr.contains("requires credentials and none are configured"), "{stderr}");

    let docker_config = tempfile::tempdir().unwrap();
    let auth = base64_of(&format!("{USER}:{PASSWORD}"));
    std::fs::write(
        docker_config.path().join("config.json"),
        format!(r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#, registry.host()),
    )
    .unwrap();
    let report = scan(&[&reference], &[("DOCKER_CONFIG", docker_config.path().to_str().unwrap())]);
    assert_eq!(packages_and_findings(&report), expected);

    let report = scan(&[&reference, "--username", USER, "--password", PASSWORD], &[]);
    assert_eq!(packages_and_findings(&report), expected);
    let report = scan(&[&reference], &[("KENSA_REGISTRY_USERNAME", USER), ("KENSA_REGISTRY_PASSWORD", PASSWORD)]);
    assert_eq!(packages_and_findings(&report), expected);

    let stderr = scan_fails(&[&reference, "--username", USER, "--password", "wrong"], &[]);
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    assert!(!stderr.contains("wrong"), "the password must not be printed: {stderr}");
}

/// A token service: the registry answers 401 with a Bearer challenge; kensa
/// gets a token (anonymously for a public repository, with credentials for
/// a private one) and the registry accepts it.
#[test]
fn bearer_tokens_anonymous_and_with_credentials() {
    if !tools_present(&["python3"]) {
        return;
    }
    let registry = Registry::start(Auth::Token);
    let work = tempfile::tempdir().unwrap();
    let archive = plain_archive("alpine-3.10", work.path());
    registry.push(&format!("docker-archive:{}", archive.display()), "public/alpine:3.10", &[]);
    registry.push(&format!("docker-archive:{}", archive.display()), "team/alpine:3.10", &[]);
    let expected = packages_and_findings(&scan(&["--input", archive.to_str().unwrap()], &[]));

    let public = scan(&[&format!("{}/public/alpine:3.10", registry.host())], &[]);
    assert_eq!(packages_and_findings(&public), expected);

    let private = format!("{}/team/alpine:3.10", registry.host());
    let stderr = scan_fails(&[&private], &[]);
    assert!(stderr.contains("token service wants credentials"), "{stderr}");
    let report = scan(&[&private, "--username", USER, "--password", PASSWORD], &[]);
    assert_eq!(packages_and_findings(&report), expected);
    let stderr = scan_fails(&[&private, "--username", USER, "--password", "nope"], &[]);
    assert!(stderr.contains("token service refused the credentials"), "{stderr}");
}

/// A multi-platform index (amd64, arm64/v8 and a BuildKit attestation entry),
/// built here as an OCI layout and pushed with `skopeo copy --all`: the
/// default is linux/amd64, `--platform` picks the other, and a platform the
/// index lacks is refused with the list of those it has. The same index read
/// from the layout directory gives the same answers.
#[test]
fn multi_platform_index_and_platform_choice() {
    if !tools_present(&[]) {
        return;
    }
    let registry = Registry::start(Auth::Anonymous);
    let layout = tempfile::tempdir().unwrap();
    write_multi_platform_layout(layout.path());
    registry.push(&format!("oci:{}", layout.path().display()), "multi:1", &["--all"]);
    let reference = format!("{}/multi:1", registry.host());
    let layout_reference = format!("oci-dir:{}", layout.path().display());
    for source in [reference.as_str(), layout_reference.as_str()] {
        let musl_version = |report: &serde_json::Value| {
            let packages = report["packages"].as_array().unwrap();
            assert_eq!(packages.len(), 1, "{packages:?}");
            (packages[0]["version"].as_str().unwrap().to_owned(), report["resource"]["image"]["architecture"].clone())
        };
        assert_eq!(musl_version(&scan(&[source], &[])), ("1.1.22-r3".to_owned(), "amd64".into()), "{source}");
        assert_eq!(
            musl_version(&scan(&[source, "--platform", "linux/arm64"], &[])),
            ("1.1.22-r2".to_owned(), "arm64".into()),
            "{source}"
        );
        assert_eq!(musl_version(&scan(&[source, "--platform", "linux/arm64/v8"], &[])).0, "1.1.22-r2");
        let stderr = scan_fails(&[source, "--platform", "linux/s390x"], &[]);
        assert!(
            stderr.contains("no image for platform linux/s390x")
                && stderr.contains("linux/amd64")
                && stderr.contains("linux/arm64/v8"),
            "{stderr}"
        );
        assert!(!stderr.contains("unknown/unknown"), "attestations are not images: {stderr}");
    }
    let stderr = scan_fails(&[&reference, "--platform", "linux"], &[]);
    assert!(stderr.contains("not a platform"), "{stderr}");
}

/// A layer blob altered in the registry's storage (the gzip header's
/// timestamp, so it still inflates) is caught by its digest; a manifest
/// naming a blob the registry lacks is a clear error naming the blob.
#[test]
fn altered_and_missing_blobs_are_caught() {
    if !tools_present(&[]) {
        return;
    }
    let registry = Registry::start(Auth::Anonymous);
    let work = tempfile::tempdir().unwrap();
    let archive = plain_archive("alpine-3.10", work.path());
    registry.push(&format!("docker-archive:{}", archive.display()), "alpine:3.10", &[]);
    let report = scan(&[&format!("{}/alpine:3.10", registry.host())], &[]);
    let manifest = fetch_manifest(&registry, "alpine", "3.10");
    let layer_digest = manifest["layers"][0]["digest"].as_str().unwrap().to_owned();
    assert!(!report["packages"].as_array().unwrap().is_empty());

    let blob = registry.blob_file(&layer_digest);
    let mut bytes = std::fs::read(&blob).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    bytes[4] ^= 0xff; // MTIME: the stream still inflates
    std::fs::write(&blob, &bytes).unwrap();
    let stderr = scan_fails(&[&format!("{}/alpine:3.10", registry.host())], &[]);
    assert!(stderr.contains("does not match its digest") && stderr.contains(&layer_digest), "{stderr}");

    std::fs::remove_file(&blob).unwrap();
    let stderr = scan_fails(&[&format!("{}/alpine:3.10", registry.host())], &[]);
    assert!(stderr.contains(&layer_digest) && stderr.contains("/blobs/"), "{stderr}");
}

/// The layer cache: a rescan with the same --cache-dir downloads no layer
/// (it succeeds with the layer blob deleted from the registry's storage) and
/// reports exactly what the first scan did; --no-cache reads the registry and
/// so fails on the missing blob; the manifest is still fetched and verified
/// every time (a tag moved to another image is seen).
#[test]
fn layer_cache_rescans_without_downloading_layers() {
    if !tools_present(&[]) {
        return;
    }
    let registry = Registry::start(Auth::Anonymous);
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    let archive = plain_archive("alpine-3.10", work.path());
    registry.push(&format!("docker-archive:{}", archive.display()), "alpine:3.10", &[]);
    let reference = format!("{}/alpine:3.10", registry.host());
    let cached = ["--cache-dir", cache.to_str().unwrap()];
    let first = scan(&[&reference, cached[0], cached[1]], &[]);
    assert!(!first["packages"].as_array().unwrap().is_empty());

    let manifest = fetch_manifest(&registry, "alpine", "3.10");
    let layer_digest = manifest["layers"][0]["digest"].as_str().unwrap().to_owned();
    std::fs::remove_file(registry.blob_file(&layer_digest)).unwrap();
    let second = scan(&[&reference, cached[0], cached[1]], &[]);
    assert_eq!(second, first);
    let stderr = scan_fails(&[&reference, cached[0], cached[1], "--no-cache"], &[]);
    assert!(stderr.contains(&layer_digest), "{stderr}");

    // The tag now names another image: its manifest is read, its layers downloaded.
    let other = plain_archive("alpine-3.11", work.path());
    registry.push(&format!("docker-archive:{}", other.display()), "alpine:3.10", &[]);
    let moved = scan(&[&reference, cached[0], cached[1]], &[]);
    assert_eq!(moved["resource"]["distro"]["version"].as_str().map(|version| &version[..4]), Some("3.11"));
}

/// A registry serving HTTPS with a certificate from a private CA (as behind
/// a company's own CA): scanned with `--ca-file` naming that CA it works,
/// and finds what the archive scan finds; without it (a registry on this
/// machine is then spoken to in plain HTTP) and with another CA's bundle it
/// fails clearly, naming the registry.
#[test]
fn registry_behind_a_private_ca() {
    if !tools_present(&[]) {
        return;
    }
    let registry = Registry::start(Auth::AnonymousTls);
    let work = tempfile::tempdir().unwrap();
    let archive = plain_archive("alpine-3.10", work.path());
    registry.push(&format!("docker-archive:{}", archive.display()), "alpine:3.10", &[]);
    let reference = format!("{}/alpine:3.10", registry.host());
    let ca = registry.directory.path().join("ca.pem");
    let report = scan(&[&reference, "--ca-file", ca.to_str().unwrap()], &[]);
    let from_archive = scan(&["--input", archive.to_str().unwrap()], &[]);
    assert_eq!(packages_and_findings(&report), packages_and_findings(&from_archive));

    let stderr = scan_fails(&[&reference], &[]);
    assert!(stderr.contains(&registry.host()), "{stderr}");
    let other_ca = work.path().join("other-ca.pem");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/registry/tls_server.py");
    let output = Command::new(common::python())
        .arg(script)
        .args(["--certificates-only", work.path().to_str().unwrap(), other_ca.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = scan_fails(&[&reference, "--ca-file", other_ca.to_str().unwrap()], &[]);
    assert!(stderr.contains(&registry.host()) && stderr.to_lowercase().contains("certificate"), "{stderr}");
    let stderr = scan_fails(&[&reference, "--ca-file", work.path().join("missing.pem").to_str().unwrap()], &[]);
    assert!(stderr.contains("missing.pem"), "{stderr}");
}

/// The debootstrap bookworm rootfs (.ci/needs/os-rootfs.sh) pushed as a
/// one-layer image: the registry scan finds every Debian package the
/// directory scan finds.
#[test]
fn debootstrap_rootfs_image_matches_the_directory_scan() {
    if !tools_present(&["tar"]) {
        return;
    }
    let Some(root) = common::debootstrap_rootfs() else { return };
    let registry = Registry::start(Auth::Anonymous);
    let work = tempfile::tempdir().unwrap();
    let layer = work.path().join("rootfs.tar");
    let status = Command::new("tar")
        .args(["--create", "--file", layer.to_str().unwrap(), "--directory", root.to_str().unwrap(), "."])
        .status()
        .unwrap();
    assert!(status.success());
    registry.push(&format!("tarball:{}", layer.display()), "bookworm:rootfs", &[]);
    let pulled = scan(&[&format!("{}/bookworm:rootfs", registry.host())], &[]);
    let directory = kensa_isolated(
        &["scan", "fs", root.to_str().unwrap(), "--format", "json", "--db", database().to_str().unwrap()],
        &[],
    );
    assert!(directory.status.success());
    let directory: serde_json::Value = serde_json::from_slice(&directory.stdout).unwrap();
    let key = |report: &serde_json::Value| {
        let mut packages: Vec<String> = report["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|package| format!("{} {} {}", package["ecosystem"], package["name"], package["version"]))
            .collect();
        packages.sort();
        packages
    };
    assert_eq!(key(&pulled), key(&directory));
    assert!(key(&pulled).len() > 80);
    assert_eq!(pulled["resource"]["distro"], directory["resource"]["distro"]);
}

fn fetch_manifest(registry: &Registry, repository: &str, tag: &str) -> serde_json::Value {
    let output = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false", &format!("docker://{}/{repository}:{tag}", registry.host())])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Writes an OCI layout whose index has a linux/amd64 image (musl
/// 1.1.22-r3), a linux/arm64/v8 one (musl 1.1.22-r2), and an attestation
/// manifest under unknown/unknown, as BuildKit writes.
fn write_multi_platform_layout(directory: &Path) {
    let image = |architecture: &str, variant: Option<&str>, apk_architecture: &str, version: &str| TestImage {
        os: "linux".to_owned(),
        architecture: architecture.to_owned(),
        variant: variant.map(str::to_owned),
        files: vec![
            ("etc/os-release".to_owned(), b"ID=alpine\nVERSION_ID=3.10.4\nNAME=\"Alpine Linux\"\n".to_vec(), 0o644),
            (
                "lib/apk/db/installed".to_owned(),
                format!("C:Q1abc=\nP:musl\nV:{version}\nA:{apk_architecture}\no:musl\nL:MIT\n\n").into_bytes(),
                0o644,
            ),
        ],
    };
    let attestation = TestImage {
        os: "unknown".to_owned(),
        architecture: "unknown".to_owned(),
        variant: None,
        files: vec![("attestation.json".to_owned(), b"{}".to_vec(), 0o644)],
    };
    write_oci_layout(
        directory,
        &[image("amd64", None, "x86_64", "1.1.22-r3"), image("arm64", Some("v8"), "aarch64", "1.1.22-r2"), attestation],
    );
}
