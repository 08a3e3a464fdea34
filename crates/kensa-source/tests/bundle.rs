//! Function bundles read as filesystems: the two real Lambda-style zips in
//! ../shared/data/targets/serverless, and hostile archives made here (bombs,
//! lying headers, `..` names, truncation, 100k entries).

// Test helpers outside #[test] functions are not covered by clippy.toml's test exemptions.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use kensa_fs::{FileEntry, FileSystem, FsError};
use kensa_source::{BundleError, BundleFileSystem, BundleLimits, detect_runtime};

fn serverless(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/targets/serverless").join(name)
}

fn python_metadata(entry: &FileEntry) -> bool {
    entry.path.ends_with(".dist-info/METADATA")
}

fn npm_manifest(entry: &FileEntry) -> bool {
    entry.file_name() == "package.json" || entry.file_name() == "package-lock.json"
}

fn kept_paths(bundle: &BundleFileSystem) -> Vec<String> {
    let mut paths = Vec::new();
    bundle.walk(&mut |entry| paths.push(entry.path.clone()), &mut |_| {});
    paths
}

fn walk_errors(bundle: &BundleFileSystem) -> Vec<FsError> {
    let mut errors = Vec::new();
    bundle.walk(&mut |_| {}, &mut |error| errors.push(error));
    errors
}

fn write_temp(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    file
}

/// A zip entry to write: name and contents.
type ZipEntry<'a> = (&'a str, &'a [u8]);

fn zip_of(entries: &[ZipEntry<'_>]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, contents) in entries {
        writer.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(contents).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The python bundle keeps exactly the eleven dist-info METADATA files the
/// predicate asks for (nothing else of its ~200 entries), reads them intact,
/// and is recognised as a python runtime by its dist-info layout.
#[test]
fn python_bundle_keeps_only_wanted_metadata_and_detects_python() {
    let bundle =
        BundleFileSystem::from_archive(&serverless("python3.11-requests-flask-function.zip"), &python_metadata)
            .unwrap();
    assert_eq!(
        kept_paths(&bundle),
        [
            "Click-7.0.dist-info/METADATA",
            "Flask-1.0.dist-info/METADATA",
            "Jinja2-2.10.dist-info/METADATA",
            "MarkupSafe-2.1.3.dist-info/METADATA",
            "Werkzeug-0.15.3.dist-info/METADATA",
            "certifi-2018.4.16.dist-info/METADATA",
            "chardet-3.0.4.dist-info/METADATA",
            "idna-2.7.dist-info/METADATA",
            "itsdangerous-1.1.0.dist-info/METADATA",
            "requests-2.19.1.dist-info/METADATA",
            "urllib3-1.23.dist-info/METADATA",
        ]
    );
    let metadata = String::from_utf8(bundle.read("requests-2.19.1.dist-info/METADATA", 1 << 20).unwrap()).unwrap();
    assert!(metadata.contains("Name: requests\n") && metadata.contains("Version: 2.19.1\n"), "{metadata}");
    assert!(walk_errors(&bundle).is_empty());
    assert_eq!(detect_runtime(&bundle), Some("python"));
}

/// The node bundle keeps its package.json files and package-lock.json, and is
/// a nodejs runtime by its node_modules even though no python marker exists.
#[test]
fn nodejs_bundle_keeps_manifests_and_detects_nodejs() {
    let bundle =
        BundleFileSystem::from_archive(&serverless("nodejs-lodash-axios-function.zip"), &npm_manifest).unwrap();
    let paths = kept_paths(&bundle);
    assert!(paths.contains(&"package-lock.json".to_owned()), "{paths:?}");
    assert!(paths.contains(&"node_modules/lodash/package.json".to_owned()), "{paths:?}");
    assert!(paths.iter().all(|path| path.ends_with("package.json") || path == "package-lock.json"), "{paths:?}");
    let lock = String::from_utf8(bundle.read("package-lock.json", 1 << 22).unwrap()).unwrap();
    assert!(lock.contains("\"lockfileVersion\": 3"), "{}", &lock[..200.min(lock.len())]);
    assert_eq!(detect_runtime(&bundle), Some("nodejs"));
}

/// Runtime detection from names alone (and the ELF marker for Go): each
/// layout gives its runtime, and an archive with none of them gives `None`.
#[test]
fn runtime_detection_for_each_layout() {
    let mut go_binary = b"\x7fELF\x02\x01\x01".to_vec();
    go_binary.extend_from_slice(&[0; 64]);
    go_binary.extend_from_slice(b"\xff Go buildinf:\x08\x02");
    let cases: [(&[ZipEntry<'_>], Option<&str>); 6] = [
        (&[("bootstrap", &go_binary)], Some("go")),
        (&[("bootstrap", b"#!/bin/sh\nexec ./app\n")], None),
        (&[("MyFunction.deps.json", b"{}")], Some("dotnet")),
        (&[("lib/guava.jar", b"PK")], Some("java")),
        (&[("python/lib/python3.11/site-packages/six.py", b"")], Some("python")),
        (&[("README.txt", b"hello")], None),
    ];
    for (entries, expected) in cases {
        let file = write_temp(&zip_of(entries));
        let bundle = BundleFileSystem::from_archive(file.path(), &|_| false).unwrap();
        assert_eq!(detect_runtime(&bundle), expected, "{:?}", entries.iter().map(|entry| entry.0).collect::<Vec<_>>());
        assert_eq!(bundle.kept_file_count(), 0, "bootstrap is inspected, not kept, when unwanted");
    }
}

/// One small entry of 20 MB of zeros (ratio ~1000:1) is refused as a bomb
/// with an error naming the archive and the entry, after decompressing only
/// up to the ratio allowance.
#[test]
fn zip_bomb_by_compression_ratio_is_refused() {
    let zeros = vec![0_u8; 20 * 1024 * 1024];
    let file = write_temp(&zip_of(&[("bomb/METADATA", &zeros)]));
    let error = BundleFileSystem::from_archive(file.path(), &|_| true).unwrap_err();
    assert!(matches!(error, BundleError::CompressionRatio { ref entry, .. } if entry == "bomb/METADATA"), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("bomb/METADATA") && message.contains(&file.path().display().to_string()), "{message}");
}

/// 6 MB of incompressible bytes under a 4 MB per-entry limit: the read stops
/// just past 4 MB (the ratio check cannot fire on such data) and the error
/// names the per-entry limit and the entry.
#[test]
fn per_entry_limit_is_enforced_while_reading() {
    let data: Vec<u8> = (0..6 * 1024 * 1024_u32).map(|index| (index.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let file = write_temp(&zip_of(&[("big.jar", &data)]));
    let limits = BundleLimits { entry_size: 4 * 1024 * 1024, ..BundleLimits::default() };
    let error = BundleFileSystem::from_archive_with_limits(file.path(), &|_| true, &limits).unwrap_err();
    assert!(matches!(error, BundleError::EntryTooLarge { ref entry, .. } if entry == "big.jar"), "{error:?}");
}

/// Overwrites the uncompressed-size field of the only entry's local and
/// central headers, so the header lies about how big the entry is.
fn lie_about_size(mut zip: Vec<u8>, claimed: u32) -> Vec<u8> {
    let local = zip.windows(4).position(|window| window == b"PK\x03\x04").unwrap();
    zip[local + 22..local + 26].copy_from_slice(&claimed.to_le_bytes());
    let central = zip.windows(4).position(|window| window == b"PK\x01\x02").unwrap();
    zip[central + 24..central + 28].copy_from_slice(&claimed.to_le_bytes());
    zip
}

/// An entry whose headers claim 100 bytes but whose deflate stream holds
/// 20 MB is never trusted: the read fails (checksum or size mismatch) with an
/// error naming the entry, and no more than the claimed bytes are kept.
#[test]
fn zip_entry_whose_header_lies_about_its_size_is_an_error() {
    let zeros = vec![0_u8; 20 * 1024 * 1024];
    let file = write_temp(&lie_about_size(zip_of(&[("liar/METADATA", &zeros)]), 100));
    let error = BundleFileSystem::from_archive(file.path(), &|_| true).unwrap_err();
    assert!(
        matches!(error, BundleError::Corrupt { entry: Some(ref entry), .. } if entry == "liar/METADATA"),
        "{error:?}"
    );
}

/// And one whose header claims 2 GB for a few bytes of data is read for what
/// it really holds, never allocating from the claim.
#[test]
fn zip_entry_claiming_a_huge_size_is_read_for_its_real_length() {
    let file = write_temp(&lie_about_size(zip_of(&[("claims/METADATA", b"Name: x\n")]), u32::MAX - 1));
    let bundle = BundleFileSystem::from_archive(file.path(), &|_| true).unwrap();
    assert_eq!(bundle.entry("claims/METADATA").unwrap().size, 8);
    assert_eq!(bundle.read("claims/METADATA", 1 << 20).unwrap(), b"Name: x\n");
}

/// A gzip bomb inside a tar.gz: one unwanted 20 MB entry of zeros. The tar
/// reader must read through it to reach the next entry, so the stream guard,
/// not the per-entry read, refuses it.
#[test]
fn tar_gz_bomb_is_refused_even_when_the_entry_is_unwanted() {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best()));
    let zeros = vec![0_u8; 20 * 1024 * 1024];
    let mut header = tar::Header::new_gnu();
    header.set_size(zeros.len() as u64);
    header.set_mode(0o644);
    builder.append_data(&mut header, "padding.bin", zeros.as_slice()).unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_size(3);
    builder.append_data(&mut header, "package.json", b"{}\n".as_slice()).unwrap();
    let file = write_temp(&builder.into_inner().unwrap().finish().unwrap());
    let error = BundleFileSystem::from_archive(file.path(), &npm_manifest).unwrap_err();
    assert!(matches!(error, BundleError::CompressionRatio { ref entry, .. } if entry == "padding.bin"), "{error:?}");
}

/// A plain tarball is read like a zip: wanted regular files kept, a symlink
/// to a wanted name is not followed or kept, runtime detected.
#[test]
fn plain_tar_bundle_keeps_regular_files_and_skips_symlinks() {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(3);
    header.set_mode(0o755);
    builder.append_data(&mut header, "./node_modules/a/package.json", b"{}\n".as_slice()).unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    builder.append_link(&mut header, "package.json", "/etc/passwd").unwrap();
    let file = write_temp(&builder.into_inner().unwrap());
    let bundle = BundleFileSystem::from_archive(file.path(), &npm_manifest).unwrap();
    assert_eq!(kept_paths(&bundle), ["node_modules/a/package.json"]);
    assert!(bundle.entry("node_modules/a/package.json").unwrap().executable);
    assert_eq!(detect_runtime(&bundle), Some("nodejs"));
}

/// `../` and absolute entry names are skipped, each reported as a walk
/// diagnostic naming the entry and the archive; the safe entry is kept, and a
/// zip symlink entry is not kept.
#[test]
fn escaping_zip_entry_names_are_skipped_with_diagnostics() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for name in ["../evil/package.json", "/abs/package.json", "ok/../../package.json", "good/package.json"] {
        writer.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(b"{}").unwrap();
    }
    writer.add_symlink("link/package.json", "../../etc/passwd", zip::write::SimpleFileOptions::default()).unwrap();
    let file = write_temp(&writer.finish().unwrap().into_inner());
    let bundle = BundleFileSystem::from_archive(file.path(), &npm_manifest).unwrap();
    assert_eq!(kept_paths(&bundle), ["good/package.json"]);
    let errors: Vec<String> = walk_errors(&bundle).iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("../evil/package.json") && errors[0].contains("leaves the scanned root"), "{errors:?}");
    assert!(errors.iter().all(|error| error.contains(&file.path().display().to_string())), "{errors:?}");
}

/// The real python bundle cut in half has no central directory: a clear
/// "truncated or corrupt" error naming the file, not a panic.
#[test]
fn truncated_zip_is_a_corrupt_archive_error() {
    let bytes = std::fs::read(serverless("python3.11-requests-flask-function.zip")).unwrap();
    let file = write_temp(&bytes[..bytes.len() / 2]);
    let error = BundleFileSystem::from_archive(file.path(), &python_metadata).unwrap_err();
    assert!(matches!(error, BundleError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains(&file.path().display().to_string()), "{error}");
}

/// A file that is neither zip nor tar is named as such.
#[test]
fn unknown_format_is_reported() {
    let file = write_temp(b"just some text, not an archive");
    let error = BundleFileSystem::from_archive(file.path(), &|_| true).unwrap_err();
    assert!(matches!(error, BundleError::UnknownFormat { .. }), "{error:?}");
}

/// 100,000 one-byte entries: read in bounded time, only the wanted ten kept;
/// and an entry-count limit below that refuses the archive up front.
#[test]
fn hundred_thousand_tiny_entries_are_bounded() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..100_000 {
        let name = if index % 10_000 == 0 { format!("d{index}/package.json") } else { format!("d{index}/x") };
        writer.start_file(name, stored).unwrap();
        writer.write_all(b"x").unwrap();
    }
    let file = write_temp(&writer.finish().unwrap().into_inner());
    let started = std::time::Instant::now();
    let bundle = BundleFileSystem::from_archive(file.path(), &npm_manifest).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "{:?}", started.elapsed());
    assert_eq!(bundle.kept_file_count(), 10);
    let limits = BundleLimits { entry_count: 50_000, ..BundleLimits::default() };
    let error = BundleFileSystem::from_archive_with_limits(file.path(), &npm_manifest, &limits).unwrap_err();
    assert!(matches!(error, BundleError::TooManyEntries { count: 100_000, limit: 50_000, .. }), "{error:?}");
}
