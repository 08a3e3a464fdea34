//! Java archive cataloger on real jars from Debian's libguava-java and
//! liblog4j2-java (installed by .ci/needs/catalog-java.sh), on WAR and EAR files
//! assembled from them here, and on hostile archives.

// Test helpers outside #[test] functions may fail loudly too (clippy.toml
// allows this only inside the tests themselves).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{Cursor, Write};
use std::path::Path;

use crate::common::{catalog_file_alone, cataloger_named};
use kensa_catalog::{CatalogOptions, Found, all_catalogers, catalog_filesystem};
use kensa_fs::DirectoryFileSystem;
use kensa_model::{Resource, ResourceKind};

const DEBIAN_JARS: &str = "/usr/share/java";
const DEBIAN_MAVEN_REPOSITORY: &str = "/usr/share/maven-repo";

fn debian_jar(file_name: &str) -> Vec<u8> {
    let path = Path::new(DEBIAN_JARS).join(file_name);
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!("{}: {error}; run .ci/needs/catalog-java.sh to install the Debian Java packages", path.display())
    })
}

/// The version Debian's Maven repository holds for an artifact: the one
/// directory beside `debian/`, checked against the `<version>` of the POM in it.
fn debian_maven_version(group_path: &str, artifact: &str) -> String {
    let artifact_directory = Path::new(DEBIAN_MAVEN_REPOSITORY).join(group_path).join(artifact);
    let versions: Vec<String> = std::fs::read_dir(&artifact_directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "debian")
        .collect();
    assert_eq!(versions.len(), 1, "{}: {versions:?}", artifact_directory.display());
    let version = versions[0].clone();
    let pom =
        std::fs::read_to_string(artifact_directory.join(&version).join(format!("{artifact}-{version}.pom"))).unwrap();
    assert!(pom.contains(&format!("<version>{version}</version>")), "{artifact} POM does not declare {version}");
    version
}

fn listing(found: &Found) -> Vec<String> {
    let mut lines: Vec<String> = found
        .packages
        .iter()
        .map(|package| format!("{}@{} at {}", package.name, package.version, package.locations.join(",")))
        .collect();
    lines.sort();
    lines
}

/// Builds a zip in memory; archives are stored (they are compressed already),
/// everything else deflated.
fn build_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, contents) in entries {
        let method = if name.ends_with(".jar") || name.ends_with(".war") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        writer.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
        writer.write_all(contents).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Real jars: coordinates and versions come from pom.properties and match the
/// POMs Debian installs in its Maven repository.
#[test]
fn debian_jars_identified_by_pom_properties() {
    for (file_name, group_path, group, artifact) in [
        ("guava.jar", "com/google/guava", "com.google.guava", "guava"),
        ("log4j-core.jar", "org/apache/logging/log4j", "org.apache.logging.log4j", "log4j-core"),
        ("log4j-api.jar", "org/apache/logging/log4j", "org.apache.logging.log4j", "log4j-api"),
    ] {
        let location = format!("usr/share/java/{file_name}");
        let found = catalog_file_alone("java-archive", &location, &debian_jar(file_name)).unwrap();
        let version = debian_maven_version(group_path, artifact);
        assert_eq!(listing(&found), [format!("{group}:{artifact}@{version} at {location}")], "{file_name}");
        assert_eq!(found.packages[0].purl, format!("pkg:maven/{group}/{artifact}@{version}"));
        assert!(found.diagnostics.is_empty(), "{file_name}: {:?}", found.diagnostics);
    }
}

/// A WAR holding real jars under WEB-INF/lib, inside an EAR beside another real
/// jar: every jar is found at its `!/` location, two levels deep, through the
/// driver walking a real directory; guava, present in both the WAR and the EAR,
/// is one package with both locations.
#[test]
fn war_and_ear_nesting_real_jars() {
    let guava = debian_jar("guava.jar");
    let log4j_api = debian_jar("log4j-api.jar");
    let log4j_core = debian_jar("log4j-core.jar");
    let war = build_zip(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nCreated-By: kensa test\r\n\r\n"),
        ("WEB-INF/web.xml", b"<web-app/>"),
        ("WEB-INF/classes/App.class", b"\xCA\xFE\xBA\xBE"),
        ("WEB-INF/lib/guava.jar", &guava),
        ("WEB-INF/lib/log4j-api.jar", &log4j_api),
    ]);
    let ear = build_zip(&[
        ("META-INF/application.xml", b"<application/>"),
        ("shop.war", &war),
        ("lib/log4j-core.jar", &log4j_core),
    ]);
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join("shop.war"), &war).unwrap();
    std::fs::create_dir(directory.path().join("deploy")).unwrap();
    std::fs::write(directory.path().join("deploy/store.ear"), &ear).unwrap();

    let filesystem = DirectoryFileSystem::new(directory.path()).unwrap();
    let resource = Resource { kind: ResourceKind::Directory, name: "test".to_owned() };
    let inventory = catalog_filesystem(&filesystem, &all_catalogers(), resource, &CatalogOptions::default());
    assert!(inventory.diagnostics.is_empty(), "{:?}", inventory.diagnostics);

    let guava_version = debian_maven_version("com/google/guava", "guava");
    let log4j_version = debian_maven_version("org/apache/logging/log4j", "log4j-core");
    let mut packages: Vec<String> = inventory
        .packages
        .iter()
        .map(|package| format!("{}@{} at {}", package.name, package.version, package.locations.join(",")))
        .collect();
    packages.sort();
    let mut expected = vec![
        format!(
            "com.google.guava:guava@{guava_version} at deploy/store.ear!/shop.war!/WEB-INF/lib/guava.jar,shop.war!/WEB-INF/lib/guava.jar"
        ),
        format!(
            "org.apache.logging.log4j:log4j-api@{log4j_version} at deploy/store.ear!/shop.war!/WEB-INF/lib/log4j-api.jar,shop.war!/WEB-INF/lib/log4j-api.jar"
        ),
        format!("org.apache.logging.log4j:log4j-core@{log4j_version} at deploy/store.ear!/lib/log4j-core.jar"),
    ];
    expected.sort();
    assert_eq!(packages, expected);
}

/// Without pom.properties the manifest names the artifact; without either, a
/// versioned file name does; a WAR with neither adds nothing of its own.
#[test]
fn manifest_and_file_name_fallbacks() {
    let manifest_jar = build_zip(&[(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\r\nImplementation-Title: Example Lib\r\nImplementation-Version: 2.4.1\r\nImplementation-Vendor-Id: org.example\r\n\r\n",
    )]);
    let found = catalog_file_alone("java-archive", "lib/example-lib.jar", &manifest_jar).unwrap();
    assert_eq!(listing(&found), ["org.example:example-lib@2.4.1 at lib/example-lib.jar"]);

    let bare_jar = build_zip(&[("org/example/A.class", b"\xCA\xFE\xBA\xBE")]);
    let found = catalog_file_alone("java-archive", "lib/commons-text-1.10.0.jar", &bare_jar).unwrap();
    assert_eq!(listing(&found), ["commons-text@1.10.0 at lib/commons-text-1.10.0.jar"]);
    let found = catalog_file_alone("java-archive", "app.war", &bare_jar).unwrap();
    assert!(found.packages.is_empty());
}

/// A shaded jar carrying several pom.properties yields one package per artifact.
#[test]
fn several_pom_properties_in_one_jar() {
    let shaded = build_zip(&[
        ("META-INF/maven/org.example/app/pom.properties", b"groupId=org.example\nartifactId=app\nversion=1.0\n"),
        (
            "META-INF/maven/com.google.guava/guava/pom.properties",
            b"groupId=com.google.guava\nartifactId=guava\nversion=30.0-jre\n",
        ),
        ("META-INF/maven/broken/broken/pom.properties", b"groupId=broken\n"),
    ]);
    let found = catalog_file_alone("java-archive", "app-all.jar", &shaded).unwrap();
    assert_eq!(
        listing(&found),
        ["com.google.guava:guava@30.0-jre at app-all.jar", "org.example:app@1.0 at app-all.jar"]
    );
    assert_eq!(found.diagnostics.len(), 1);
    assert!(found.diagnostics[0].message.contains("META-INF/maven/broken/broken/pom.properties"));
}

/// Sets the uncompressed size recorded for every entry, in local headers and
/// the central directory, to lie about what the data expands to.
fn declare_uncompressed_size(archive: &mut [u8], declared: u32) {
    let mut offset = 0;
    while offset + 46 <= archive.len() {
        let signature = &archive[offset..offset + 4];
        if signature == b"PK\x03\x04" {
            archive[offset + 22..offset + 26].copy_from_slice(&declared.to_le_bytes());
        } else if signature == b"PK\x01\x02" {
            archive[offset + 24..offset + 28].copy_from_slice(&declared.to_le_bytes());
        }
        offset += 1;
    }
}

/// Zip bombs: a pom.properties that inflates to 64 MiB is cut off at the
/// metadata limit whether its header tells the truth or declares 100 bytes; it
/// is reported on the archive, and a real jar beside it is still cataloged.
#[test]
fn zip_bomb_entry_is_refused() {
    let mut padding = b"groupId=org.bomb\nartifactId=bomb\nversion=1\n".to_vec();
    padding.resize(64 * 1024 * 1024, b'#');
    let honest_bomb = build_zip(&[("META-INF/maven/org.bomb/bomb/pom.properties", &padding)]);
    assert!(honest_bomb.len() < 1024 * 1024, "the bomb should compress well");
    let found = catalog_file_alone("java-archive", "bomb.jar", &honest_bomb).unwrap();
    assert!(found.packages.is_empty(), "{:?}", found.packages);
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].path, "bomb.jar");
    assert!(found.diagnostics[0].message.contains("decompresses to more than"), "{}", found.diagnostics[0].message);

    let mut lying_bomb = honest_bomb.clone();
    declare_uncompressed_size(&mut lying_bomb, 100);
    let found = catalog_file_alone("java-archive", "bomb.jar", &lying_bomb).unwrap();
    assert!(found.packages.is_empty(), "{:?}", found.packages);
    assert_eq!(found.diagnostics.len(), 1);
    assert!(found.diagnostics[0].message.contains("pom.properties"), "{}", found.diagnostics[0].message);

    let war = build_zip(&[
        ("WEB-INF/lib/bomb.jar", &lying_bomb),
        ("WEB-INF/lib/log4j-api.jar", &debian_jar("log4j-api.jar")),
    ]);
    let found = catalog_file_alone("java-archive", "app.war", &war).unwrap();
    assert_eq!(found.packages.len(), 1);
    assert_eq!(found.packages[0].name, "org.apache.logging.log4j:log4j-api");
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].path, "app.war!/WEB-INF/lib/bomb.jar");
}

/// A truncated jar and a file that is not a zip are errors naming the file; a
/// truncated jar nested in a WAR is a diagnostic on its nested location.
#[test]
fn truncated_and_non_zip_archives() {
    let guava = debian_jar("guava.jar");
    let truncated = &guava[..guava.len() / 2];
    let error = catalog_file_alone("java-archive", "lib/guava-truncated.jar", truncated).unwrap_err();
    assert!(error.to_string().contains("lib/guava-truncated.jar"), "{error}");
    let error = catalog_file_alone("java-archive", "lib/fake.jar", b"#!/bin/sh\necho not a jar\n").unwrap_err();
    assert!(error.to_string().contains("lib/fake.jar"), "{error}");
    let error = catalog_file_alone("java-archive", "lib/empty.jar", b"").unwrap_err();
    assert!(error.to_string().contains("lib/empty.jar"), "{error}");

    let war =
        build_zip(&[("WEB-INF/lib/cut.jar", truncated), ("WEB-INF/lib/log4j-api.jar", &debian_jar("log4j-api.jar"))]);
    let found = catalog_file_alone("java-archive", "app.war", &war).unwrap();
    assert_eq!(found.packages.len(), 1);
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].path, "app.war!/WEB-INF/lib/cut.jar");
}

/// Archives nested past the depth limit are reported, not opened.
#[test]
fn nesting_depth_is_bounded() {
    let mut archive =
        build_zip(&[("META-INF/maven/g/deep/pom.properties", b"groupId=g\nartifactId=deep\nversion=1\n")]);
    for _ in 0..6 {
        archive = build_zip(&[("inner.jar", &archive)]);
    }
    let found = catalog_file_alone("java-archive", "outer.jar", &archive).unwrap();
    assert!(found.packages.is_empty());
    assert_eq!(found.diagnostics.len(), 1);
    assert!(found.diagnostics[0].message.contains("nested"), "{}", found.diagnostics[0].message);
    assert_eq!(found.diagnostics[0].path.matches("!/").count(), 5);
}

/// Which paths the archive cataloger claims, and that it accepts binary-sized files.
#[test]
fn java_archive_interest() {
    let cataloger = cataloger_named("java-archive");
    let claimed = |path: &str| {
        cataloger.is_interested(&kensa_fs::FileEntry { path: path.to_owned(), size: 1, executable: false })
    };
    for path in ["usr/share/java/guava.jar", "opt/app.WAR", "deploy/store.ear", "var/jenkins/plugins/git.hpi"] {
        assert!(claimed(path), "{path}");
    }
    for path in ["src/Main.java", "lib/.jar", "a.jar.sha1"] {
        assert!(!claimed(path), "{path}");
    }
    assert_eq!(cataloger.size_limit(), kensa_catalog::BINARY_SIZE_LIMIT);
}
