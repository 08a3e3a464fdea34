//! Images built in memory with `tar::Builder`: whiteouts, opaque
//! directories, links, escapes, limits and damaged streams.

use std::io::{Read, Write};
use std::path::Path;

use kensa_fs::FileSystem;

use super::*;

/// An entry of a hand-made layer.
enum Item<'a> {
    File(&'a str, &'a [u8], u32),
    Directory(&'a str),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
    /// A name written into the header as is, bypassing the builder's checks.
    RawName(&'a str, &'a [u8]),
    /// A device file or FIFO.
    Special(&'a str, tar::EntryType),
}

fn layer_tar(items: &[Item<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for item in items {
        let mut header = tar::Header::new_gnu();
        match item {
            Item::File(path, contents, mode) => {
                header.set_size(contents.len() as u64);
                header.set_mode(*mode);
                header.set_entry_type(tar::EntryType::Regular);
                builder.append_data(&mut header, path, *contents).unwrap();
            }
            Item::Directory(path) => {
                header.set_size(0);
                header.set_mode(0o755);
                header.set_entry_type(tar::EntryType::Directory);
                builder.append_data(&mut header, path, std::io::empty()).unwrap();
            }
            Item::Symlink(path, target) | Item::HardLink(path, target) => {
                let kind =
                    if matches!(item, Item::Symlink(..)) { tar::EntryType::Symlink } else { tar::EntryType::Link };
                header.set_size(0);
                header.set_mode(0o777);
                header.set_entry_type(kind);
                builder.append_link(&mut header, path, target).unwrap();
            }
            Item::Special(path, kind) => {
                header.set_size(0);
                header.set_mode(0o600);
                header.set_entry_type(*kind);
                builder.append_data(&mut header, path, std::io::empty()).unwrap();
            }
            Item::RawName(name, contents) => {
                header.set_size(contents.len() as u64);
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                let field = &mut header.as_gnu_mut().unwrap().name;
                field[..name.len()].copy_from_slice(name.as_bytes());
                header.set_cksum();
                builder.append(&header, *contents).unwrap();
            }
        }
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The `diff_id` of a layer blob: the sha256 of its uncompressed tar, or of
/// the bytes as they are when they do not decompress (a damaged layer).
fn diff_id(blob: &[u8]) -> String {
    let mut uncompressed = Vec::new();
    match layer::decompressed(blob, "test").map(|mut stream| stream.read_to_end(&mut uncompressed)) {
        Ok(Ok(_)) => digest::sha256_of(&uncompressed),
        _ => digest::sha256_of(blob),
    }
}

/// A `docker save` archive of the given layers, manifest last as Docker writes it.
fn docker_archive(layers: &[Vec<u8>]) -> Vec<u8> {
    let layer_names: Vec<String> = (0..layers.len()).map(|index| format!("layer{index}/layer.tar")).collect();
    let config = serde_json::json!({
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|layer| diff_id(layer)).collect::<Vec<_>>()},
        "history": [{"created_by": "ADD base"}, {"created_by": "ENV x=1", "empty_layer": true}, {"created_by": "RUN change"}, {"created_by": "RUN again"}],
    })
    .to_string();
    let manifest =
        serde_json::json!([{"Config": "config.json", "RepoTags": ["test:1"], "Layers": layer_names}]).to_string();
    let mut members: Vec<(String, Vec<u8>)> = layer_names.iter().cloned().zip(layers.iter().cloned()).collect();
    members.push(("config.json".to_owned(), config.into_bytes()));
    members.push(("manifest.json".to_owned(), manifest.into_bytes()));
    let items: Vec<Item<'_>> = members.iter().map(|(name, contents)| Item::File(name, contents, 0o644)).collect();
    layer_tar(&items)
}

fn write_temp(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file
}

fn everything(_: &kensa_fs::FileEntry) -> bool {
    true
}

fn open_archive(bytes: &[u8]) -> Result<ImageFileSystem, SourceError> {
    let file = write_temp(bytes);
    ImageFileSystem::from_docker_archive(file.path(), &everything)
}

fn paths(image: &ImageFileSystem) -> Vec<String> {
    let mut paths = Vec::new();
    image.walk(&mut |entry| paths.push(entry.path.clone()), &mut |_| {});
    paths
}

fn problems(image: &ImageFileSystem) -> Vec<String> {
    let mut problems = Vec::new();
    image.walk(&mut |_| {}, &mut |error| problems.push(error.to_string()));
    problems
}

/// A whiteout deletes a lower file, or a lower directory with everything
/// under it, and leaves its siblings; each file remembers its last writer.
#[test]
fn whiteouts_delete_files_and_directories_of_lower_layers() {
    let base = layer_tar(&[
        Item::Directory("etc"),
        Item::File("etc/a", b"a", 0o644),
        Item::File("etc/b", b"b", 0o644),
        Item::File("usr/lib/x/f1", b"f1", 0o644),
        Item::File("usr/lib/xy", b"xy", 0o644),
    ]);
    let change = layer_tar(&[Item::File("etc/.wh.a", b"", 0o644), Item::File("usr/lib/.wh.x", b"", 0o644)]);
    let image = open_archive(&gzip(&docker_archive(&[base.clone(), gzip(&change)]))).unwrap();
    assert_eq!(paths(&image), ["etc/b", "usr/lib/xy"]);
    assert_eq!(image.root_name(), "test:1");
    assert_eq!(image.layer_of("etc/b").unwrap().digest, diff_id(&base));
    assert_eq!(image.layer_of("etc/b").unwrap().created_by.as_deref(), Some("ADD base"));
    assert_eq!(image.layers()[1].created_by.as_deref(), Some("RUN change"));
}

/// An opaque directory hides everything lower layers had in it, but not what
/// its own layer writes there, whichever order the tar lists them in.
#[test]
fn opaque_directory_hides_lower_contents_only() {
    let base = layer_tar(&[Item::File("d/old", b"old", 0o644), Item::File("d/sub/older", b"x", 0o644)]);
    let change = layer_tar(&[
        Item::File("d/new", b"new", 0o644),
        Item::File("d/.wh..wh..opq", b"", 0o644),
        Item::File("d/sub/newer", b"y", 0o644),
    ]);
    let image = open_archive(&docker_archive(&[base, change.clone()])).unwrap();
    assert_eq!(paths(&image), ["d/new", "d/sub/newer"]);
    assert_eq!(image.read("d/new", 100).unwrap(), b"new");
    assert_eq!(image.layer_of("d/new").unwrap().digest, diff_id(&change));
}

/// An upper layer rewriting a file wins; a symlink or directory replacing a
/// lower file hides it; hard links share the target's bytes within a layer
/// and across layers; symlinks are never files.
#[test]
fn overwrites_symlinks_and_hard_links() {
    let base = layer_tar(&[
        Item::File("bin/tool", b"v1", 0o755),
        Item::File("etc/conf", b"c", 0o644),
        Item::File("lib/base.so", b"base", 0o644),
    ]);
    let change = layer_tar(&[
        Item::File("bin/tool", b"v2", 0o755),
        Item::Symlink("etc/conf", "/elsewhere"),
        Item::Symlink("bin/link", "tool"),
        Item::HardLink("bin/tool-copy", "bin/tool"),
        Item::HardLink("lib/base-copy.so", "./lib/base.so"),
    ]);
    let image = open_archive(&docker_archive(&[base, change.clone()])).unwrap();
    assert_eq!(paths(&image), ["bin/tool", "bin/tool-copy", "lib/base-copy.so", "lib/base.so"]);
    assert_eq!(image.read("bin/tool", 10).unwrap(), b"v2");
    assert_eq!(image.read("bin/tool-copy", 10).unwrap(), b"v2");
    assert!(image.entry("bin/tool-copy").unwrap().executable);
    assert_eq!(image.read("lib/base-copy.so", 10).unwrap(), b"base");
    assert_eq!(image.layer_of("lib/base-copy.so").unwrap().digest, diff_id(&change));
    assert!(image.entry("etc/conf").is_none());
}

/// `..` names and hard links climbing out of the root are skipped with a
/// diagnostic; `./` and `/` prefixes are just normalised away.
#[test]
fn escaping_entries_are_refused_and_reported() {
    let layer = layer_tar(&[
        Item::RawName("../../etc/passwd", b"evil"),
        Item::RawName("./etc/../../x", b"evil"),
        Item::RawName("/etc/os-release", b"ID=alpine\n"),
        Item::RawName("./etc/alpine-release", b"3.10.4\n"),
        Item::HardLink("etc/shadow", "../../etc/shadow"),
    ]);
    let image = open_archive(&docker_archive(&[layer])).unwrap();
    assert_eq!(paths(&image), ["etc/alpine-release", "etc/os-release"]);
    let problems = problems(&image);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.iter().all(|problem| problem.contains("leaves the scanned root")), "{problems:?}");
    assert!(problems.iter().any(|problem| problem.contains("../../etc/passwd")));
}

/// Only wanted files are kept; a wanted file over the per-file limit is a
/// diagnostic, and passing the total limit fails the scan naming the layer.
#[test]
fn wanted_filter_and_limits() {
    let layer = layer_tar(&[
        Item::File("lib/apk/db/installed", b"P:musl\n", 0o644),
        Item::File("usr/share/doc/readme", b"docs", 0o644),
        Item::File("big/blob", &[7; 2000], 0o644),
        Item::File("big/other", &[7; 900], 0o644),
    ]);
    let archive = write_temp(&docker_archive(&[layer]));
    let not_docs = |entry: &kensa_fs::FileEntry| !entry.path.starts_with("usr/share/doc/");
    let limits = Limits { file_size: 1000, total_kept_bytes: 10_000, ..Limits::default() };
    let image = ImageFileSystem::from_docker_archive_with_limits(archive.path(), &not_docs, &limits).unwrap();
    assert_eq!(paths(&image), ["big/other", "lib/apk/db/installed"]);
    let problems = problems(&image);
    assert!(problems.len() == 1 && problems[0].contains("big/blob is 2000 bytes"), "{problems:?}");
    let limits = Limits { file_size: 1000, total_kept_bytes: 500, ..Limits::default() };
    let error = ImageFileSystem::from_docker_archive_with_limits(archive.path(), &not_docs, &limits).unwrap_err();
    assert!(matches!(error, SourceError::TooMuchKept { limit: 500, .. }), "{error}");
    assert!(error.to_string().contains("layer0/layer.tar"), "{error}");
}

/// A layer cut short — gzip or plain tar — is an error naming that layer,
/// never a partial image.
#[test]
fn truncated_layers_are_errors_naming_the_layer() {
    let layer = layer_tar(&[Item::File("etc/a", &[1; 4000], 0o644), Item::File("etc/b", &[2; 4000], 0o644)]);
    let compressed = gzip(&layer);
    let cut_gzip = compressed[..compressed.len() - 10].to_vec();
    let cut_tar = layer[..3000].to_vec();
    for damaged in [cut_gzip, cut_tar] {
        let error = open_archive(&docker_archive(&[layer_tar(&[]), damaged])).unwrap_err();
        assert!(matches!(error, SourceError::CorruptLayer { .. }), "{error}");
        assert!(error.to_string().contains("layer1/layer.tar"), "{error}");
    }
    let whole = docker_archive(std::slice::from_ref(&layer));
    let error = open_archive(&gzip(&whole)[..200]).unwrap_err();
    assert!(matches!(error, SourceError::CorruptLayer { .. }), "{error}");
}

/// A manifest naming a layer the archive lacks, or no manifest at all, is a
/// clear error.
/// Docker lists one member twice when two layers are identical (the same
/// `COPY` twice, an empty `RUN`): the archive holds it once and each place
/// the manifest names it is that layer (the bug: "names l0/layer.tar, which
/// it does not contain").
#[test]
fn a_layer_listed_twice_is_read_once_and_used_twice() {
    let first = layer_tar(&[Item::File("etc/a", b"a", 0o644)]);
    let second = layer_tar(&[Item::File("etc/a", b"changed", 0o644), Item::File("etc/b", b"b", 0o644)]);
    let config = serde_json::json!({
        "rootfs": {"type": "layers", "diff_ids": [diff_id(&first), diff_id(&second), diff_id(&first)]},
    })
    .to_string();
    let manifest =
        serde_json::json!([{"Config": "config.json", "Layers": ["l0/layer.tar", "l1/layer.tar", "l0/layer.tar"]}])
            .to_string();
    let archive = layer_tar(&[
        Item::File("l0/layer.tar", &first, 0o644),
        Item::File("l1/layer.tar", &second, 0o644),
        Item::File("config.json", config.as_bytes(), 0o644),
        Item::File("manifest.json", manifest.as_bytes(), 0o644),
    ]);
    let image = open_archive(&archive).unwrap();
    assert_eq!(image.layers().len(), 3);
    assert_eq!(paths(&image), ["etc/a", "etc/b"]);
    // The top layer (the first one again) wrote etc/a last.
    assert_eq!(kensa_fs::FileSystem::read(&image, "etc/a", 100).unwrap(), b"a");
    assert_eq!(image.layer_of("etc/a").unwrap().digest, diff_id(&first));
}

/// An archive with neither manifest says so in one plain sentence.
#[test]
fn archives_without_a_manifest_are_named_no_image() {
    let error = open_archive(&layer_tar(&[Item::File("c.json", b"{}", 0o644)])).unwrap_err();
    assert!(
        error.to_string().ends_with(
            "holds neither manifest.json (docker save) nor index.json (OCI): it is no image archive, or it was cut short"
        ),
        "{error}"
    );
}

#[test]
fn missing_layers_and_manifests_are_errors() {
    let manifest = br#"[{"Config":"c.json","Layers":["gone/layer.tar"]}]"#;
    let archive = layer_tar(&[Item::File("c.json", b"{}", 0o644), Item::File("manifest.json", manifest, 0o644)]);
    let error = open_archive(&archive).unwrap_err();
    assert!(error.to_string().contains("gone/layer.tar"), "{error}");
    let error = open_archive(&layer_tar(&[Item::File("c.json", b"{}", 0o644)])).unwrap_err();
    assert!(error.to_string().contains("manifest.json"), "{error}");
}

fn write_blob(directory: &Path, bytes: &[u8]) -> String {
    let digest = digest::sha256_of(bytes);
    std::fs::create_dir_all(directory.join("blobs/sha256")).unwrap();
    std::fs::write(directory.join("blobs/sha256").join(digest.trim_start_matches("sha256:")), bytes).unwrap();
    digest
}

/// An OCI layout whose index lists several platforms: the linux/amd64 image
/// is read through a nested index; a digest that would name another path is
/// refused.
#[test]
fn oci_layout_picks_linux_amd64_and_refuses_odd_digests() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let image_for = |content: &[u8]| {
        let tar = layer_tar(&[Item::File("which", content, 0o644)]);
        let config =
            serde_json::json!({"rootfs": {"diff_ids": [diff_id(&tar)]}, "history": [{"created_by": "COPY x"}]});
        let config = write_blob(root, config.to_string().as_bytes());
        let layer = write_blob(root, &gzip(&tar));
        let manifest = serde_json::json!({"config": {"digest": config}, "layers": [{"digest": layer}]});
        write_blob(root, manifest.to_string().as_bytes())
    };
    let arm = image_for(b"arm64");
    let amd = image_for(b"amd64");
    let nested = serde_json::json!({"manifests": [
        {"digest": arm, "platform": {"os": "linux", "architecture": "arm64"}},
        {"digest": amd, "platform": {"os": "linux", "architecture": "amd64"}},
    ]});
    let nested = write_blob(root, nested.to_string().as_bytes());
    let index =
        serde_json::json!({"manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": nested}]});
    std::fs::write(root.join("index.json"), index.to_string()).unwrap();
    let image = ImageFileSystem::from_oci_layout(root, &everything).unwrap();
    assert_eq!(image.read("which", 10).unwrap(), b"amd64");
    let amd_tar = layer_tar(&[Item::File("which", b"amd64", 0o644)]);
    assert_eq!(image.layer_of("which").unwrap().digest, diff_id(&amd_tar));
    std::fs::write(root.join("index.json"), r#"{"manifests":[{"digest":"sha256:../../../etc/passwd"}]}"#).unwrap();
    let error = ImageFileSystem::from_oci_layout(root, &everything).unwrap_err();
    assert!(error.to_string().contains("invalid digest"), "{error}");
}

/// trivy's real minimal OCI layout (../shared/data/targets/images/oci-layout):
/// one gzip layer holding a single 13336-byte executable `hello`, whose
/// diff_id and history line come from the config blob (checked by hand with
/// tar and the blob's JSON).
#[test]
fn real_oci_layout_holds_one_executable() {
    let layout =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/targets/images/oci-layout/trivy-test.oci");
    let image = ImageFileSystem::from_oci_layout(&layout, &everything).unwrap();
    assert_eq!(paths(&image), ["hello"]);
    let entry = image.entry("hello").unwrap();
    assert_eq!(entry.size, 13336);
    assert!(entry.executable);
    assert!(problems(&image).is_empty());
    let layer = image.layer_of("hello").unwrap();
    assert_eq!(layer.digest, "sha256:9c27e219663c25e0f28493790cc0b88bc973ba3b1686355f221c38a36978ac63");
    assert!(layer.created_by.as_deref().unwrap().contains("COPY file:7bf12aab"));
    assert!(image.read("hello", 13336).unwrap().starts_with(b"\x7fELF"));
}

/// The real alpine:3.10 `docker save` gzip, keeping only two paths: the
/// filter is honoured and the image name is its repository tag.
#[test]
fn real_docker_archive_keeps_only_wanted_files() {
    let archive = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/targets/images/docker-save/alpine-3.10.tar.gz");
    let wanted =
        |entry: &kensa_fs::FileEntry| entry.path == "etc/alpine-release" || entry.path == "lib/apk/db/installed";
    let image = ImageFileSystem::from_docker_archive(&archive, &wanted).unwrap();
    assert_eq!(image.root_name(), "alpine:3.10");
    assert_eq!(paths(&image), ["etc/alpine-release", "lib/apk/db/installed"]);
    assert!(image.read("etc/alpine-release", 100).unwrap().starts_with(b"3.10."));
    assert_eq!(image.layers().len(), 1);
    assert!(image.layers()[0].digest.starts_with("sha256:"));
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

const GZIP_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const ZSTD_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// An OCI layout of one image (blobs, then `index.json` last), as the
/// members of an archive: `(name, bytes)`. `layers` are `(media type, blob,
/// uncompressed tar)`.
fn oci_members(layers: &[(&str, Vec<u8>, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut members = vec![("oci-layout".to_owned(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec())];
    let mut add_blob = |bytes: Vec<u8>| {
        let digest = digest::sha256_of(&bytes);
        members.push((format!("blobs/sha256/{}", digest.trim_start_matches("sha256:")), bytes));
        digest
    };
    let config = serde_json::json!({
        "os": "linux", "architecture": "amd64",
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|(_, _, tar)| digest::sha256_of(tar)).collect::<Vec<_>>()},
        "history": [{"created_by": "ADD rootfs"}],
    });
    let config_size = config.to_string().len();
    let config = add_blob(config.to_string().into_bytes());
    let layer_descriptors: Vec<serde_json::Value> = layers
        .iter()
        .map(|(media_type, blob, _)| {
            let size = blob.len();
            serde_json::json!({"mediaType": media_type, "digest": add_blob(blob.clone()), "size": size})
        })
        .collect();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
        "layers": layer_descriptors,
    })
    .to_string();
    let manifest_size = manifest.len();
    let manifest = add_blob(manifest.into_bytes());
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest, "size": manifest_size},
    ]});
    members.push(("index.json".to_owned(), index.to_string().into_bytes()));
    members
}

fn archive_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let items: Vec<Item<'_>> = members.iter().map(|(name, contents)| Item::File(name, contents, 0o644)).collect();
    layer_tar(&items)
}

fn layout_directory(members: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    for (name, bytes) in members {
        let path = directory.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    directory
}

/// The single layer.tar of the real alpine:3.10 `docker save` archive.
fn real_alpine_layer() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/targets/images/docker-save/alpine-3.10.tar.gz");
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy().ends_with("layer.tar") {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            return bytes;
        }
    }
    panic!("alpine-3.10.tar.gz has no layer.tar");
}

/// Replaces the bytes of the member named `name` (keeping its name, so its
/// digest no longer matches).
fn replace_member(members: &mut [(String, Vec<u8>)], name: &str, bytes: Vec<u8>) {
    let member = members.iter_mut().find(|(member, _)| member == name).unwrap();
    member.1 = bytes;
}

fn blob_member(digest: &str) -> String {
    format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"))
}

/// A tar (and a tar.gz) of an OCI layout holding the real alpine:3.10 layer
/// is read like a `docker save` archive: index → manifest → config → layer,
/// the layer's digest being its config `diff_id`.
#[test]
fn oci_archive_of_the_real_alpine_layer_is_read() {
    let layer = real_alpine_layer();
    let members = oci_members(&[(GZIP_LAYER, gzip(&layer), layer.clone())]);
    let wanted =
        |entry: &kensa_fs::FileEntry| entry.path == "etc/alpine-release" || entry.path == "lib/apk/db/installed";
    for archive in [archive_of(&members), gzip(&archive_of(&members))] {
        let file = write_temp(&archive);
        let image = ImageFileSystem::from_docker_archive(file.path(), &wanted).unwrap();
        assert_eq!(paths(&image), ["etc/alpine-release", "lib/apk/db/installed"]);
        assert!(image.read("etc/alpine-release", 100).unwrap().starts_with(b"3.10."));
        assert_eq!(image.layer_of("etc/alpine-release").unwrap().digest, digest::sha256_of(&layer));
        assert_eq!(image.details().architecture.as_deref(), Some("amd64"));
        assert!(problems(&image).is_empty());
    }
}

/// Every blob of an OCI layout (directory or archive) is checked against its
/// digest: an altered layer, config or manifest is an error naming the blob.
#[test]
fn altered_oci_blobs_fail_their_digest_check() {
    let tar = layer_tar(&[Item::File("etc/os-release", b"ID=alpine\n", 0o644)]);
    let members = oci_members(&[(GZIP_LAYER, gzip(&tar), tar.clone())]);
    let manifest: serde_json::Value = serde_json::from_slice(&members[3].1).unwrap();
    let layer_digest = manifest["layers"][0]["digest"].as_str().unwrap().to_owned();
    let config_digest = manifest["config"]["digest"].as_str().unwrap().to_owned();
    let other_tar = layer_tar(&[Item::File("etc/os-release", b"ID=debian\n", 0o644)]);
    for (altered, bytes) in [(&layer_digest, gzip(&other_tar)), (&config_digest, b"{}".to_vec())] {
        let mut damaged = members.clone();
        replace_member(&mut damaged, &blob_member(altered), bytes);
        let directory = layout_directory(&damaged);
        let error = ImageFileSystem::from_oci_layout(directory.path(), &everything).unwrap_err();
        assert!(matches!(error, SourceError::DigestMismatch { .. }), "{error}");
        assert!(error.to_string().contains(altered.trim_start_matches("sha256:")), "{error}");
        let error = open_archive(&archive_of(&damaged)).unwrap_err();
        assert!(matches!(error, SourceError::DigestMismatch { .. }), "{error}");
    }
    let directory = layout_directory(&members);
    assert_eq!(paths(&ImageFileSystem::from_oci_layout(directory.path(), &everything).unwrap()), ["etc/os-release"]);
}

/// A `docker save` layer whose uncompressed bytes differ from the config's
/// `diff_id` is refused, naming the layer.
#[test]
fn docker_layer_not_matching_its_diff_id_is_refused() {
    let honest = layer_tar(&[Item::File("etc/a", b"a", 0o644)]);
    let tampered = layer_tar(&[Item::File("etc/a", b"b", 0o644)]);
    let archive = docker_archive(&[honest]);
    let mut members = Vec::new();
    let mut outer = tar::Archive::new(archive.as_slice());
    for entry in outer.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        members.push((name, bytes));
    }
    replace_member(&mut members, "layer0/layer.tar", gzip(&tampered));
    let error = open_archive(&archive_of(&members)).unwrap_err();
    assert!(matches!(error, SourceError::DigestMismatch { .. }), "{error}");
    assert!(error.to_string().contains("layer0/layer.tar"), "{error}");
}

/// zstd layers are read whether the media type or only the magic bytes say
/// so; a blob that is not what its media type promises, or a zstd stream cut
/// short, is an error naming the layer.
#[test]
fn zstd_layers_are_read_and_checked() {
    let base = layer_tar(&[Item::File("lib/apk/db/installed", b"P:musl\n", 0o644), Item::File("x", &[9; 5000], 0o644)]);
    let upper =
        layer_tar(&[Item::File("etc/alpine-release", b"3.10.4\n", 0o644), Item::File("etc/.wh.gone", b"", 0o644)]);
    let members = oci_members(&[(ZSTD_LAYER, zstd(&base), base.clone()), (GZIP_LAYER, gzip(&upper), upper.clone())]);
    let directory = layout_directory(&members);
    let image = ImageFileSystem::from_oci_layout(directory.path(), &everything).unwrap();
    assert_eq!(paths(&image), ["etc/alpine-release", "lib/apk/db/installed", "x"]);
    assert_eq!(image.read("x", 10_000).unwrap(), [9; 5000]);
    assert_eq!(image.layer_of("x").unwrap().digest, digest::sha256_of(&base));
    // Magic bytes alone: a docker archive has no media types.
    let image = open_archive(&docker_archive(&[zstd(&base), upper.clone()])).unwrap();
    assert_eq!(image.read("lib/apk/db/installed", 100).unwrap(), b"P:musl\n");
    // A gzip blob described as zstd.
    let mislabelled = oci_members(&[(ZSTD_LAYER, gzip(&base), base.clone())]);
    let error = ImageFileSystem::from_oci_layout(layout_directory(&mislabelled).path(), &everything).unwrap_err();
    assert!(matches!(error, SourceError::CorruptLayer { .. }), "{error}");
    assert!(error.to_string().contains("promises zstd"), "{error}");
    // A zstd stream cut short.
    let compressed = zstd(&base);
    let cut = compressed[..compressed.len() / 2].to_vec();
    let error = open_archive(&docker_archive(&[cut])).unwrap_err();
    assert!(matches!(error, SourceError::CorruptLayer { .. }), "{error}");
    assert!(error.to_string().contains("layer0/layer.tar"), "{error}");
}

/// Device files and FIFOs are never files to read, and like any non-file
/// they hide a lower layer's regular file at the same path.
#[test]
fn devices_and_fifos_are_ignored_and_hide_lower_files() {
    let base = layer_tar(&[Item::File("etc/x", b"lower", 0o644), Item::File("etc/kept", b"k", 0o644)]);
    let upper = layer_tar(&[
        Item::Special("etc/x", tar::EntryType::Char),
        Item::Special("dev/sda", tar::EntryType::Block),
        Item::Special("run/pipe", tar::EntryType::Fifo),
    ]);
    let image = open_archive(&docker_archive(&[base, upper])).unwrap();
    assert_eq!(paths(&image), ["etc/kept"]);
    assert!(image.open("dev/sda").is_err());
    assert!(problems(&image).is_empty());
}

/// A path written twice in one layer shows its last entry, whether that is
/// another file, a file no longer wanted, or something that is not a file.
#[test]
fn duplicate_entries_last_one_wins() {
    let layer = layer_tar(&[
        Item::File("etc/a", b"first", 0o644),
        Item::File("etc/a", b"second", 0o755),
        Item::File("etc/b", b"file", 0o644),
        Item::Directory("etc/b"),
        Item::File("etc/c", b"wanted", 0o644),
        Item::File("etc/c", b"unwanted now", 0o600),
    ]);
    let archive = write_temp(&docker_archive(&[layer]));
    // The wanted filter sees the header: the second etc/c is refused by its mode.
    let wanted = |entry: &kensa_fs::FileEntry| entry.path != "etc/c" || entry.size == 6;
    let image = ImageFileSystem::from_docker_archive(archive.path(), &wanted).unwrap();
    assert_eq!(paths(&image), ["etc/a"]);
    assert_eq!(image.read("etc/a", 100).unwrap(), b"second");
    assert!(image.entry("etc/a").unwrap().executable);
}

/// Symlinks are never followed, so one pointing out of the root (relative or
/// absolute) or a file "under" a symlinked directory reads nothing of the
/// host; an absolute hard-link target means the image's own root.
#[test]
fn symlink_escapes_are_never_followed() {
    let layer = layer_tar(&[
        Item::Symlink("etc/passwd", "../../../../../etc/passwd"),
        Item::Symlink("etc/hostname", "/etc/hostname"),
        Item::Symlink("escape", "/"),
        Item::File("escape/etc/os-release", b"ID=inside\n", 0o644),
        Item::File("etc/os-release", b"ID=alpine\n", 0o644),
        Item::HardLink("usr/lib/os-release", "/etc/os-release"),
    ]);
    let image = open_archive(&docker_archive(&[layer])).unwrap();
    assert_eq!(paths(&image), ["escape/etc/os-release", "etc/os-release", "usr/lib/os-release"]);
    assert!(image.open("etc/passwd").is_err());
    assert!(image.open("etc/hostname").is_err());
    assert_eq!(image.read("escape/etc/os-release", 100).unwrap(), b"ID=inside\n");
    assert_eq!(image.read("usr/lib/os-release", 100).unwrap(), b"ID=alpine\n");
    assert!(image.open("../etc/passwd").is_err());
    assert!(problems(&image).is_empty());
}

/// A gzip layer of 32 MiB of zeros (a ~1000:1 bomb): wanted, it fails at the
/// kept-bytes limit having read only up to it; unwanted, it streams through
/// and nothing is kept.
#[test]
fn gzip_bomb_stops_at_the_kept_bytes_limit() {
    const BOMB_SIZE: u64 = 32 * 1024 * 1024;
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best()));
    let mut header = tar::Header::new_gnu();
    header.set_size(BOMB_SIZE);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, "var/bomb", std::io::repeat(0).take(BOMB_SIZE)).unwrap();
    let layer = builder.into_inner().unwrap().finish().unwrap();
    assert!((layer.len() as u64) < BOMB_SIZE / 500, "{} bytes is no bomb", layer.len());
    let archive = write_temp(&docker_archive(&[layer]));
    let limits = Limits { file_size: u64::MAX, total_kept_bytes: 1024 * 1024, ..Limits::default() };
    let error = ImageFileSystem::from_docker_archive_with_limits(archive.path(), &everything, &limits).unwrap_err();
    assert!(matches!(error, SourceError::TooMuchKept { limit: 1_048_576, .. }), "{error}");
    assert!(error.to_string().contains("layer0/layer.tar"), "{error}");
    let nothing = |_: &kensa_fs::FileEntry| false;
    let image = ImageFileSystem::from_docker_archive_with_limits(archive.path(), &nothing, &limits).unwrap();
    assert!(paths(&image).is_empty());
}

/// An OCI manifest naming a layer or config blob that is not there, or a
/// layer blob cut short, is an error naming the blob — for a layout
/// directory and for an archive.
#[test]
fn oci_blobs_missing_or_truncated_are_errors() {
    let tar = layer_tar(&[Item::File("etc/a", &[1; 3000], 0o644)]);
    let members = oci_members(&[(GZIP_LAYER, gzip(&tar), tar.clone())]);
    let manifest: serde_json::Value = serde_json::from_slice(&members[3].1).unwrap();
    for field in ["layers", "config"] {
        let descriptor = if field == "layers" { &manifest["layers"][0] } else { &manifest["config"] };
        let digest = descriptor["digest"].as_str().unwrap();
        let without: Vec<(String, Vec<u8>)> =
            members.iter().filter(|(name, _)| *name != blob_member(digest)).cloned().collect();
        let error = ImageFileSystem::from_oci_layout(layout_directory(&without).path(), &everything).unwrap_err();
        assert!(matches!(error, SourceError::MissingBlob { .. }), "{error}");
        assert!(error.to_string().contains(digest), "{error}");
        let error = open_archive(&archive_of(&without)).unwrap_err();
        assert!(matches!(error, SourceError::MissingBlob { .. }), "{error}");
        assert!(error.to_string().contains(digest), "{error}");
    }
    let layer_digest = manifest["layers"][0]["digest"].as_str().unwrap();
    let mut cut = members.clone();
    let compressed = gzip(&tar);
    replace_member(&mut cut, &blob_member(layer_digest), compressed[..compressed.len() - 8].to_vec());
    let error = ImageFileSystem::from_oci_layout(layout_directory(&cut).path(), &everything).unwrap_err();
    assert!(matches!(error, SourceError::CorruptLayer { .. }), "{error}");
    assert!(error.to_string().contains(layer_digest), "{error}");
    // An archive cut inside the layer blob, then cut cleanly between members
    // before index.json (a tar has no length: only the index is missing).
    let whole = archive_of(&members);
    let layer_start = whole.windows(2).position(|window| window == [0x1f, 0x8b]).unwrap();
    let error = open_archive(&whole[..layer_start + 20]).unwrap_err();
    assert!(matches!(error, SourceError::CorruptLayer { .. }), "{error}");
    let without_index = archive_of(&members[..members.len() - 1]);
    let error = open_archive(&without_index).unwrap_err();
    assert!(matches!(error, SourceError::NotAnImage { .. }), "{error}");
    assert!(error.to_string().contains("index.json"), "{error}");
}

fn recompressed_harder(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    let harder = encoder.finish().unwrap();
    assert_ne!(harder, gzip(bytes));
    harder
}

/// Docker 25 and later write `docker save` members as `blobs/sha256/<hex>`:
/// such a layer is checked against the digest in its name as well as its
/// `diff_id`, so an altered one is refused naming it.
#[test]
fn docker_save_members_named_by_digest_are_verified() {
    let tar = layer_tar(&[Item::File("etc/a", b"a", 0o644)]);
    let layer = gzip(&tar);
    let config = serde_json::json!({"rootfs": {"type": "layers", "diff_ids": [diff_id(&layer)]}}).to_string();
    let layer_name = blob_member(&digest::sha256_of(&layer));
    let config_name = blob_member(&digest::sha256_of(config.as_bytes()));
    let manifest = serde_json::json!([{"Config": config_name, "Layers": [layer_name]}]).to_string();
    let members = vec![
        (layer_name.clone(), layer),
        (config_name.clone(), config.into_bytes()),
        ("manifest.json".to_owned(), manifest.into_bytes()),
    ];
    assert_eq!(paths(&open_archive(&archive_of(&members)).unwrap()), ["etc/a"]);
    for altered in [&layer_name, &config_name] {
        let mut damaged = members.clone();
        // The same tar compressed harder: its diff_id still matches, only the
        // digest in its name does not.
        let replacement = if altered == &layer_name { recompressed_harder(&tar) } else { b"{}".to_vec() };
        replace_member(&mut damaged, altered, replacement);
        let error = open_archive(&archive_of(&damaged)).unwrap_err();
        assert!(matches!(error, SourceError::DigestMismatch { .. }), "{error}");
        assert!(error.to_string().contains(altered.as_str()), "{error}");
    }
}

/// A foreign (non-distributable) base layer — a Windows base image's, whose
/// blob lives at the URLs its descriptor names and is not in the layout — is
/// skipped with a note naming it; the layers above it are read and keep their
/// place (and `diff_id`) in the stack.
#[test]
fn foreign_layers_are_skipped_with_a_note() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let foreign_digest = format!("sha256:{}", "f".repeat(64));
    let tar = layer_tar(&[Item::File("app/which", b"upper", 0o644)]);
    let config = serde_json::json!({
        "rootfs": {"diff_ids": [format!("sha256:{}", "e".repeat(64)), diff_id(&tar)]},
        "history": [{"created_by": "windows base"}, {"created_by": "COPY app"}],
    });
    let config = write_blob(root, config.to_string().as_bytes());
    let layer = write_blob(root, &gzip(&tar));
    let manifest = serde_json::json!({"config": {"digest": config}, "layers": [
        {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "digest": foreign_digest,
         "size": 1, "urls": ["https://mcr.microsoft.com/v2/windows/blobs/x"]},
        {"mediaType": GZIP_LAYER, "digest": layer},
    ]});
    let manifest = write_blob(root, manifest.to_string().as_bytes());
    std::fs::write(root.join("index.json"), serde_json::json!({"manifests": [{"digest": manifest}]}).to_string())
        .unwrap();
    let image = ImageFileSystem::from_oci_layout(root, &everything).unwrap();
    assert_eq!(image.read("app/which", 10).unwrap(), b"upper");
    assert_eq!(image.layers().len(), 2);
    assert_eq!(image.layers()[0].created_by.as_deref(), Some("windows base"));
    assert_eq!(image.layer_of("app/which").unwrap().digest, diff_id(&tar));
    let mut errors = Vec::new();
    image.walk(&mut |_| {}, &mut |error| errors.push(error.to_string()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains(&foreign_digest) && errors[0].contains("foreign"), "{errors:?}");
}

/// Drops every file whose contents start with `drop`, keeps the rest.
struct DropByContents;

impl crate::Wanted for DropByContents {
    fn wanted(&self, _entry: &kensa_fs::FileEntry) -> bool {
        true
    }

    fn keep(&self, _entry: &kensa_fs::FileEntry, contents: &[u8]) -> bool {
        !contents.starts_with(b"drop")
    }
}

/// A file `Wanted::keep` drops once read still replaces what lower layers
/// had at its path, and a hard link to it in the same layer is dropped with
/// it rather than resolved against a lower layer's file of the target's name.
#[test]
fn files_dropped_by_their_contents_still_replace_lower_files() {
    let base = layer_tar(&[
        Item::File("usr/bin/tool", b"kept v1", 0o755),
        Item::File("usr/bin/copy", b"kept lower copy", 0o755),
    ]);
    let change = layer_tar(&[
        Item::File("usr/bin/tool", b"drop: a C program", 0o755),
        Item::HardLink("usr/bin/copy", "usr/bin/tool"),
        Item::File("usr/bin/go-app", b"kept go", 0o755),
    ]);
    let file = write_temp(&docker_archive(&[base, change]));
    let image =
        ImageFileSystem::from_docker_archive_with_limits(file.path(), &DropByContents, &crate::Limits::default())
            .unwrap();
    assert_eq!(paths(&image), ["usr/bin/go-app"]);
    assert!(problems(&image).is_empty(), "{:?}", problems(&image));
}

/// `docker save a b` writes one archive with both images: the first is
/// scanned and a note says the others were not.
#[test]
fn docker_save_of_several_images_scans_the_first_with_a_note() {
    let layer = layer_tar(&[Item::File("etc/a", b"a", 0o644)]);
    let config = serde_json::json!({"rootfs": {"type": "layers", "diff_ids": [diff_id(&layer)]}}).to_string();
    let manifest = serde_json::json!([
        {"Config": "config.json", "RepoTags": ["first:1"], "Layers": ["l/layer.tar"]},
        {"Config": "config.json", "RepoTags": ["second:2"], "Layers": ["l/layer.tar"]},
    ])
    .to_string();
    let members = [
        ("l/layer.tar".to_owned(), layer),
        ("config.json".to_owned(), config.into_bytes()),
        ("manifest.json".to_owned(), manifest.into_bytes()),
    ];
    let image = open_archive(&archive_of(&members)).unwrap();
    assert_eq!(image.details().tags, ["first:1"]);
    assert_eq!(paths(&image), ["etc/a"]);
    let notes = problems(&image);
    assert!(notes.iter().any(|note| note.contains("holds 2 images") && note.contains("first:1")), "{notes:?}");
}

fn inflate_without_crc(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut output = Vec::new();
    layer::GzipWithoutCrc::new(bytes).read_to_end(&mut output)?;
    Ok(output)
}

/// The CRC-skipping gzip reader gives what flate2's full decoder gives on the
/// real alpine layer and on several members in a row; reads header fields
/// (name, comment, extra, header CRC) and zero padding; and refuses a cut
/// stream, a wrong length, trailing garbage and unknown flags.
#[test]
fn gzip_without_crc_matches_the_full_decoder_and_refuses_damage() {
    let layer = real_alpine_layer();
    let compressed = gzip(&layer);
    assert_eq!(inflate_without_crc(&compressed).unwrap(), layer);

    let mut two_members = gzip(b"first ");
    two_members.extend(gzip(b"second"));
    two_members.extend([0u8; 512]);
    assert_eq!(inflate_without_crc(&two_members).unwrap(), b"first second");

    let mut builder = flate2::GzBuilder::new()
        .filename("layer.tar")
        .comment("made by a test")
        .extra(vec![1, 2, 3])
        .write(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut builder, b"with header fields").unwrap();
    let with_fields = builder.finish().unwrap();
    assert_eq!(inflate_without_crc(&with_fields).unwrap(), b"with header fields");
    let mut with_header_crc = with_fields.clone();
    with_header_crc[3] |= 0x02;
    // FHCRC adds two bytes after the header; the reader must skip them, so a
    // stream claiming it without them fails rather than misreads.
    assert!(inflate_without_crc(&with_header_crc).is_err());

    assert!(inflate_without_crc(&compressed[..compressed.len() / 2]).is_err(), "cut in the deflate data");
    assert!(inflate_without_crc(&compressed[..compressed.len() - 3]).is_err(), "cut in the trailer");
    let mut wrong_length = compressed.clone();
    let last = wrong_length.len() - 1;
    wrong_length[last] ^= 1;
    assert!(inflate_without_crc(&wrong_length).is_err());
    let mut garbage = compressed.clone();
    garbage.extend(b"garbage");
    assert!(inflate_without_crc(&garbage).is_err());
    let mut reserved_flag = compressed;
    reserved_flag[3] |= 0x80;
    assert!(inflate_without_crc(&reserved_flag).is_err());
}

/// Rules with a cache identity, keeping the alpine release and apk database.
struct AlpineFiles;

impl crate::Wanted for AlpineFiles {
    fn wanted(&self, entry: &kensa_fs::FileEntry) -> bool {
        entry.path == "etc/alpine-release" || entry.path == "lib/apk/db/installed"
    }

    fn cache_identity(&self) -> Option<String> {
        Some("alpine-files-1".to_owned())
    }
}

/// The layer cache: a second read of an OCI layout (the real alpine:3.10
/// layer plus an upper layer) takes both layers from the cache — it still
/// works with the layer blobs deleted — and gives the same files and layer
/// attribution; a damaged entry is ignored and the layer read again; rules
/// without an identity write nothing.
#[test]
fn layer_cache_serves_rescans_and_survives_damage() {
    let alpine = real_alpine_layer();
    let upper = layer_tar(&[Item::File("etc/alpine-release", b"3.10.99\n", 0o644)]);
    let members =
        oci_members(&[(GZIP_LAYER, gzip(&alpine), alpine.clone()), (GZIP_LAYER, gzip(&upper), upper.clone())]);
    let layout = layout_directory(&members);
    let cache = tempfile::tempdir().unwrap();
    let options = crate::ImageReadOptions { layer_cache: Some(cache.path().to_path_buf()), ..Default::default() };
    let read = || ImageFileSystem::from_oci_layout_with(layout.path(), None, &AlpineFiles, &options);
    let first = read().unwrap();
    assert_eq!(paths(&first), ["etc/alpine-release", "lib/apk/db/installed"]);
    let entries: Vec<std::path::PathBuf> = walk_files(cache.path());
    assert_eq!(entries.len(), 2, "{entries:?}");

    let layer_blobs = [blob_member(&digest::sha256_of(&gzip(&alpine))), blob_member(&digest::sha256_of(&gzip(&upper)))];
    let saved: Vec<Vec<u8>> = layer_blobs.iter().map(|name| std::fs::read(layout.path().join(name)).unwrap()).collect();
    for name in &layer_blobs {
        std::fs::remove_file(layout.path().join(name)).unwrap();
    }
    let second = read().unwrap();
    assert_eq!(paths(&second), paths(&first));
    assert_eq!(second.read("etc/alpine-release", 100).unwrap(), b"3.10.99\n");
    assert_eq!(
        second.read("lib/apk/db/installed", 1 << 20).unwrap(),
        first.read("lib/apk/db/installed", 1 << 20).unwrap()
    );
    assert_eq!(second.layer_of("lib/apk/db/installed").unwrap().digest, digest::sha256_of(&alpine));
    assert_eq!(second.earlier_versions("etc/alpine-release").len(), 1);

    // A damaged entry is not believed: with the blob gone, the read fails for it.
    let damaged = entries.iter().find(|path| std::fs::metadata(path).unwrap().len() > 1000).unwrap();
    let mut bytes = std::fs::read(damaged).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(damaged, &bytes).unwrap();
    assert!(matches!(read(), Err(SourceError::MissingBlob { .. })));
    // With the blobs back, the layer is read again and its entry rewritten.
    for (name, blob) in layer_blobs.iter().zip(&saved) {
        std::fs::write(layout.path().join(name), blob).unwrap();
    }
    std::fs::remove_file(damaged).unwrap();
    assert_eq!(paths(&read().unwrap()), paths(&first));
    assert_eq!(walk_files(cache.path()).len(), 2);

    // Rules without an identity (a closure) are never cached.
    let elsewhere = tempfile::tempdir().unwrap();
    let anonymous = |entry: &kensa_fs::FileEntry| entry.path == "etc/alpine-release";
    let options = crate::ImageReadOptions { layer_cache: Some(elsewhere.path().to_path_buf()), ..Default::default() };
    ImageFileSystem::from_oci_layout_with(layout.path(), None, &anonymous, &options).unwrap();
    assert!(walk_files(elsewhere.path()).is_empty());
}

fn walk_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).into_iter().flatten().flatten() {
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

/// An index over the metadata size limit is refused as too large, not read
/// cut short (which showed as "EOF while parsing").
#[test]
fn oversized_layout_metadata_is_named_too_large() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let mut index = br#"{"schemaVersion":2,"manifests":[],"annotations":{"x":""#.to_vec();
    index.resize(17 * 1024 * 1024, b'a');
    index.extend_from_slice(br#""}}"#);
    std::fs::write(directory.path().join("index.json"), index).unwrap();
    let error = ImageFileSystem::from_oci_layout(directory.path(), &everything).unwrap_err();
    assert!(error.to_string().contains("larger than the 16777216-byte limit"), "{error}");
}

/// A docker save manifest over the metadata limit is named too large, not
/// "no image archive".
#[test]
fn oversized_archive_manifests_are_named_too_large() {
    let mut manifest = br#"[{"Config":"c.json","Layers":[],"RepoTags":[""#.to_vec();
    manifest.resize(17 * 1024 * 1024, b'a');
    manifest.extend_from_slice(br#""]}]"#);
    let archive = layer_tar(&[Item::File("c.json", b"{}", 0o644), Item::File("manifest.json", &manifest, 0o644)]);
    let error = open_archive(&archive).unwrap_err();
    assert!(error.to_string().contains("manifest.json in"), "{error}");
    assert!(error.to_string().contains("larger than the 16777216-byte limit"), "{error}");
}
