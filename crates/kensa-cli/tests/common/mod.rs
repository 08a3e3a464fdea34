//! Helpers every end-to-end test of the `kensa` binary shares: paths into
//! ../shared/data, running the binary, and databases built once per run for
//! every test process (`kensa-test-support`). Each test file is its own crate, so a helper one file does not use
//! is dead code there.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::print_stderr, dead_code)]

pub(crate) mod feed_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A path under ../shared/data.
pub(crate) fn shared(relative: &str) -> PathBuf {
    kensa_test_support::shared_data(relative)
}

/// `$KENSA_FIXTURES_DIR`, where the `.ci/needs` scripts build things.
pub(crate) fn fixtures_directory() -> PathBuf {
    PathBuf::from(std::env::var("KENSA_FIXTURES_DIR").unwrap_or_else(|_| "/tmp/kensa-fixtures".to_owned()))
}

/// A file or directory a `.ci/needs` script builds under
/// `$KENSA_FIXTURES_DIR` (`/tmp/kensa-fixtures`): `None` with a notice when it
/// is missing, a failure when `KENSA_REQUIRE_FIXTURES` is set (CI), so CI
/// cannot pass by skipping.
pub(crate) fn fixture(relative: &str, built_by: &str) -> Option<PathBuf> {
    let path = fixtures_directory().join(relative);
    if path.exists() {
        return Some(path);
    }
    assert!(std::env::var("KENSA_REQUIRE_FIXTURES").is_err(), "missing {} (run {built_by})", path.display());
    eprintln!("skipping: missing {} (run {built_by})", path.display());
    None
}

/// The Python the test helpers and validators run on: the venv
/// `.ci/needs/report-validators.sh` builds (cryptography, the format
/// validators), else `python3` from the PATH.
pub(crate) fn python() -> PathBuf {
    python_tool("python").unwrap_or_else(|| PathBuf::from("python3"))
}

/// A program of that venv (`pyspdxtools`), when it is installed.
pub(crate) fn python_tool(name: &str) -> Option<PathBuf> {
    let path = fixtures_directory().join("python-tools/bin").join(name);
    path.exists().then_some(path)
}

/// The debootstrap bookworm root filesystem of `.ci/needs/os-rootfs.sh`.
pub(crate) fn debootstrap_rootfs() -> Option<PathBuf> {
    let status = fixture("rootfs-bookworm/var/lib/dpkg/status", ".ci/needs/os-rootfs.sh")?;
    status.ancestors().nth(4).map(Path::to_path_buf)
}

/// Runs the `kensa` binary built for this test, ignoring any `KENSA_DB` of
/// the caller, with a layer cache of its own (fresh each run, so image scans
/// fill a cache but never read one a test did not ask for).
pub(crate) fn kensa(arguments: &[&str]) -> Output {
    let cache = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_kensa"))
        .args(arguments)
        .env_remove("KENSA_DB")
        .env_remove("KENSA_NO_CACHE")
        .env("KENSA_CACHE_DIR", cache.path())
        .output()
        .unwrap()
}

/// Runs `kensa` with `arguments` (which ask for a JSON report) and parses
/// what it wrote, failing with its standard error when that is no JSON.
pub(crate) fn json_report(arguments: &[&str]) -> serde_json::Value {
    let output = kensa(arguments);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!("kensa {arguments:?} wrote no JSON report ({error}): {}", String::from_utf8_lossy(&output.stderr))
    })
}

/// Builds a database from a directory under ../shared/data into a new temporary directory.
pub(crate) fn build_database(from: &str) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("kensa.redb");
    let output = kensa(&["db", "build", "--from", shared(from).to_str().unwrap(), "--db", path.to_str().unwrap()]);
    assert!(output.status.success(), "db build failed: {}", String::from_utf8_lossy(&output.stderr));
    (directory, path)
}

/// The database built from every feed in ../shared/data/advisories (the input
/// a user gives `kensa db build`), once per run for all test processes; read-only.
pub(crate) fn database() -> &'static Path {
    cached_database("advisories")
}

/// The database this build of `kensa` makes from `../shared/data/<from>`,
/// once per run for all test processes; read-only.
pub(crate) fn cached_database(from: &str) -> &'static Path {
    static DATABASES: std::sync::Mutex<Vec<(String, &'static Path)>> = std::sync::Mutex::new(Vec::new());
    let mut databases = DATABASES.lock().unwrap();
    if let Some((_, path)) = databases.iter().find(|(built_from, _)| built_from == from) {
        return path;
    }
    let path: &'static Path =
        Box::leak(kensa_test_support::cached_database(Path::new(env!("CARGO_BIN_EXE_kensa")), from).into_boxed_path());
    databases.push((from.to_owned(), path));
    path
}

/// One image of a test OCI layout: its platform and the files of its single
/// (uncompressed) layer, as (path, contents, mode).
pub(crate) struct TestImage {
    pub(crate) os: String,
    pub(crate) architecture: String,
    pub(crate) variant: Option<String>,
    pub(crate) files: Vec<(String, Vec<u8>, u32)>,
}

/// Writes an OCI image layout of `images`: `index.json` names the image
/// itself when there is one, else a nested multi-platform index, as
/// `docker buildx` writes them.
pub(crate) fn write_oci_layout(directory: &Path, images: &[TestImage]) {
    use sha2::Digest as _;
    std::fs::create_dir_all(directory.join("blobs/sha256")).unwrap();
    let write_blob = |bytes: &[u8]| -> (String, usize) {
        let hex: String = sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect();
        std::fs::write(directory.join("blobs/sha256").join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let mut manifests = Vec::new();
    for image in images {
        let mut layer = tar::Builder::new(Vec::new());
        for (path, contents, mode) in &image.files {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(*mode);
            header.set_entry_type(tar::EntryType::Regular);
            header.set_cksum();
            layer.append_data(&mut header, path, contents.as_slice()).unwrap();
        }
        let (layer_digest, layer_size) = write_blob(&layer.into_inner().unwrap());
        let config = serde_json::json!({
            "architecture": image.architecture, "os": image.os,
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
            "history": [{"created_by": format!("test layer for {}", image.architecture)}],
        });
        let (config_digest, config_size) = write_blob(config.to_string().as_bytes());
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}],
        });
        let (manifest_digest, manifest_size) = write_blob(manifest.to_string().as_bytes());
        let mut platform = serde_json::json!({"architecture": image.architecture, "os": image.os});
        if let Some(variant) = &image.variant {
            platform["variant"] = variant.as_str().into();
        }
        manifests.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest, "size": manifest_size, "platform": platform,
        }));
    }
    let top = if manifests.len() == 1 {
        serde_json::json!({"schemaVersion": 2, "manifests": manifests})
    } else {
        let index = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
        let (index_digest, index_size) = write_blob(index.to_string().as_bytes());
        serde_json::json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": index_digest, "size": index_size,
        }]})
    };
    std::fs::write(directory.join("index.json"), top.to_string()).unwrap();
    std::fs::write(directory.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}
