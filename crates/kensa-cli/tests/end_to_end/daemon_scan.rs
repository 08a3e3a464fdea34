//! Images in a local engine: `kensa scan image REF` asks the Docker Engine
//! API (as `DOCKER_HOST` names its socket) before any registry. The engine
//! here is a stand-in speaking the Engine API's HTTP/1.1 over a Unix socket
//! on this machine (`/images/{name}/json`, `/images/{name}/get` sending the
//! real alpine:3.10 `docker save` archive in chunks, as dockerd does), since
//! the test machine runs no Docker daemon.

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, clippy::print_stderr)]

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::shared;

/// How the stand-in answers an image export.
#[derive(Clone, Copy)]
enum Export {
    Whole,
    /// The connection drops halfway through the archive.
    CutShort,
}

/// The image ID the engine reports: the digest of the archive's config.
fn image_id(archive: &[u8]) -> String {
    use sha2::Digest as _;
    let mut members = std::collections::HashMap::new();
    for entry in tar::Archive::new(archive).entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        members.insert(name, bytes);
    }
    let manifest: serde_json::Value = serde_json::from_slice(&members["manifest.json"]).unwrap();
    let config = &members[manifest[0]["Config"].as_str().unwrap()];
    let hex: String = sha2::Sha256::digest(config).iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

/// Serves the Engine API on `socket` until the test ends; every request path is logged.
fn start_engine(socket: &Path, archive: Vec<u8>, export: Export) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    let listener = UnixListener::bind(socket).unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let served = log.clone();
    let id = image_id(&archive);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            // Nothing a client does may stop the engine: every I/O error ends
            // that connection only.
            let Ok(mut stream) = stream else { continue };
            let Ok(clone) = stream.try_clone() else { continue };
            let mut request_line = String::new();
            let mut reader = BufReader::new(clone);
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |read| read == 0) || header.trim().is_empty() {
                    break;
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_owned();
            served.lock().unwrap().push(path.clone());
            match path.as_str() {
                "/images/alpine:3.10/json" => {
                    let body = format!(
                        r#"{{"Id":"{id}","RepoTags":["alpine:3.10"],"RepoDigests":["alpine@sha256:451eee8bedcb2f029756dc3e9d73bab0e7943c1ac55cff3a4861c52a0fdd3e98"]}}"#
                    );
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                }
                "/images/alpine:3.10/get" => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n",
                    );
                    let end = match export {
                        Export::Whole => archive.len(),
                        Export::CutShort => archive.len() / 2,
                    };
                    // Chunks of uneven sizes, as a streaming server sends them.
                    let mut position = 0;
                    let mut size = 1;
                    while position < end {
                        let chunk = &archive[position..(position + size).min(end)];
                        let _ = write!(stream, "{:x}\r\n", chunk.len());
                        let _ = stream.write_all(chunk);
                        let _ = stream.write_all(b"\r\n");
                        position += chunk.len();
                        size = (size * 7 + 13) % 65_536 + 1;
                    }
                    if matches!(export, Export::Whole) {
                        let _ = stream.write_all(b"0\r\n\r\n");
                    }
                }
                _ => {
                    let body = r#"{"message":"No such image"}"#;
                    let _ = write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                }
            }
        }
    });
    log
}

/// The real alpine:3.10 `docker save` archive, inflated (dockerd sends it uncompressed).
fn alpine_archive() -> Vec<u8> {
    let mut archive = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(shared("targets/images/docker-save/alpine-3.10.tar.gz")).unwrap())
        .read_to_end(&mut archive)
        .unwrap();
    archive
}

fn kensa_with_engine(socket: &Path, arguments: &[&str]) -> Output {
    let cache = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_kensa"))
        .args(arguments)
        .env_remove("KENSA_DB")
        .env_remove("KENSA_IMAGE_SRC")
        .env("KENSA_CACHE_DIR", cache.path())
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .env("CONTAINER_HOST", "unix:///nonexistent/podman.sock")
        .output()
        .unwrap()
}

fn engine(export: Export) -> (tempfile::TempDir, PathBuf) {
    let (directory, socket, _log) = logged_engine(export);
    (directory, socket)
}

fn logged_engine(export: Export) -> (tempfile::TempDir, PathBuf, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let directory = tempfile::tempdir().unwrap();
    let socket = directory.path().join("docker.sock");
    let log = start_engine(&socket, alpine_archive(), export);
    (directory, socket, log)
}

/// The image the engine holds scans to exactly what its `docker save`
/// archive scans to, with the engine's repository digest in the report.
#[test]
fn images_in_the_docker_engine_are_scanned_from_its_export() {
    let (_directory, socket) = engine(Export::Whole);
    let database = common::database().to_str().unwrap().to_owned();
    let output = kensa_with_engine(&socket, &["scan", "image", "alpine:3.10", "--format", "json", "--db", &database]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let from_engine: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let archive = shared("targets/images/docker-save/alpine-3.10.tar.gz");
    let output = kensa_with_engine(
        &socket,
        &["scan", "image", "--input", archive.to_str().unwrap(), "--format", "json", "--db", &database],
    );
    let from_archive: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names_and_versions = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|package| {
                (package["name"].as_str().unwrap().to_owned(), package["version"].as_str().unwrap().to_owned())
            })
            .collect()
    };
    assert_eq!(names_and_versions(&from_engine).len(), 14);
    assert_eq!(names_and_versions(&from_engine), names_and_versions(&from_archive));
    assert_eq!(from_engine["resource"]["distro"], from_archive["resource"]["distro"]);
    let image = &from_engine["resource"]["image"];
    assert_eq!(
        image["repository_digest"], "alpine@sha256:451eee8bedcb2f029756dc3e9d73bab0e7943c1ac55cff3a4861c52a0fdd3e98",
        "{image}"
    );
    assert_eq!(image["config_digest"], from_archive["resource"]["image"]["config_digest"]);
}

/// An image the engine does not hold: with only the engine to ask, a clear
/// error saying so; with the registry after it, the registry's error, also
/// naming the engine that was asked first.
#[test]
fn images_the_engine_lacks_fall_through_to_the_registry() {
    let (_directory, socket) = engine(Export::Whole);
    let database = common::database().to_str().unwrap().to_owned();
    let output =
        kensa_with_engine(&socket, &["scan", "image", "missing:1", "--image-src", "docker", "--db", &database]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not in the Docker daemon") && stderr.contains("docker.sock"), "{stderr}");
    let output = kensa_with_engine(&socket, &["scan", "image", "127.0.0.1:1/missing:1", "--db", &database]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("127.0.0.1:1")
            && stderr.contains("not in the Docker daemon")
            && stderr.contains("no Podman socket"),
        "{stderr}"
    );
}

/// An export cut short (the engine died) is an error naming the image, not a partial scan.
#[test]
fn an_export_cut_short_is_an_error() {
    let (_directory, socket) = engine(Export::CutShort);
    let database = common::database().to_str().unwrap().to_owned();
    let output =
        kensa_with_engine(&socket, &["scan", "image", "alpine:3.10", "--image-src", "docker", "--db", &database]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("alpine:3.10"), "{stderr}");
}

/// A rescan with the same layer cache asks the engine only to describe the
/// image: the config it names and every layer it lists are cached, so no
/// export is requested, and the report is the same.
#[test]
fn engine_rescans_from_the_layer_cache_need_no_export() {
    let (_directory, socket, log) = logged_engine(Export::Whole);
    let database = common::database().to_str().unwrap().to_owned();
    let cache = tempfile::tempdir().unwrap();
    let scan = || {
        let output = kensa_with_engine(
            &socket,
            &[
                "scan",
                "image",
                "alpine:3.10",
                "--format",
                "json",
                "--db",
                &database,
                "--cache-dir",
                cache.path().to_str().unwrap(),
            ],
        );
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let first = scan();
    let exports = |log: &[String]| log.iter().filter(|path| path.ends_with("/get")).count();
    assert_eq!(exports(&log.lock().unwrap()), 1);
    let second = scan();
    assert_eq!(exports(&log.lock().unwrap()), 1, "{:?}", log.lock().unwrap());
    assert_eq!(second, first);
    let status = kensa_with_engine(&socket, &["cache", "status", "--cache-dir", cache.path().to_str().unwrap()]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.contains(": 1 cached layers, 1 image configs"), "{status}");
}
