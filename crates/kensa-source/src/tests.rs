//! Images built in memory with `tar::Builder`: whiteouts, opaque
//! directories, links, escapes, limits and damaged streams.

use std::io::Write;
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

/// A `docker save` archive of the given layers, manifest last as Docker writes it.
fn docker_archive(layers: &[Vec<u8>]) -> Vec<u8> {
    let layer_names: Vec<String> = (0..layers.len()).map(|index| format!("layer{index}/layer.tar")).collect();
    let config = serde_json::json!({
        "rootfs": {"type": "layers", "diff_ids": (0..layers.len()).map(|index| format!("sha256:{index:064x}")).collect::<Vec<_>>()},
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
    let image = open_archive(&gzip(&docker_archive(&[base, gzip(&change)]))).unwrap();
    assert_eq!(paths(&image), ["etc/b", "usr/lib/xy"]);
    assert_eq!(image.root_name(), "test:1");
    assert_eq!(image.layer_of("etc/b").unwrap().digest, format!("sha256:{:064x}", 0));
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
    let image = open_archive(&docker_archive(&[base, change])).unwrap();
    assert_eq!(paths(&image), ["d/new", "d/sub/newer"]);
    assert_eq!(image.read("d/new", 100).unwrap(), b"new");
    assert_eq!(image.layer_of("d/new").unwrap().digest, format!("sha256:{:064x}", 1));
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
    let image = open_archive(&docker_archive(&[base, change])).unwrap();
    assert_eq!(paths(&image), ["bin/tool", "bin/tool-copy", "lib/base-copy.so", "lib/base.so"]);
    assert_eq!(image.read("bin/tool", 10).unwrap(), b"v2");
    assert_eq!(image.read("bin/tool-copy", 10).unwrap(), b"v2");
    assert!(image.entry("bin/tool-copy").unwrap().executable);
    assert_eq!(image.read("lib/base-copy.so", 10).unwrap(), b"base");
    assert_eq!(image.layer_of("lib/base-copy.so").unwrap().digest, format!("sha256:{:064x}", 1));
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
    let limits = Limits { file_size: 1000, total_kept_bytes: 10_000 };
    let image = ImageFileSystem::from_docker_archive_with_limits(archive.path(), &not_docs, &limits).unwrap();
    assert_eq!(paths(&image), ["big/other", "lib/apk/db/installed"]);
    let problems = problems(&image);
    assert!(problems.len() == 1 && problems[0].contains("big/blob is 2000 bytes"), "{problems:?}");
    let limits = Limits { file_size: 1000, total_kept_bytes: 500 };
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
    let digest = format!(
        "{:064x}",
        bytes.iter().fold(17_u64, |hash, byte| hash.wrapping_mul(31).wrapping_add(u64::from(*byte)))
    );
    std::fs::create_dir_all(directory.join("blobs/sha256")).unwrap();
    std::fs::write(directory.join("blobs/sha256").join(&digest), bytes).unwrap();
    format!("sha256:{digest}")
}

/// An OCI layout whose index lists several platforms: the linux/amd64 image
/// is read through a nested index; a digest that would name another path is
/// refused.
#[test]
fn oci_layout_picks_linux_amd64_and_refuses_odd_digests() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let config = write_blob(root, br#"{"rootfs":{"diff_ids":["sha256:aa"]},"history":[{"created_by":"COPY x"}]}"#);
    let image_for = |content: &[u8]| {
        let layer = write_blob(root, &gzip(&layer_tar(&[Item::File("which", content, 0o644)])));
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
    assert_eq!(image.layer_of("which").unwrap().digest, "sha256:aa");
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
