//! The Gradle lockfile and verification-metadata catalogers against the real
//! fixtures in shared/data (read in place).

// Test helpers unwrap freely: a failure there is a broken fixture, and should fail loudly.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common;

use crate::common::{LOCKFILES, package_set, set_of};
use kensa_catalog::{CatalogError, Found};

use kensa_model::Ecosystem;

/// Runs the named cataloger on one fixture (fixtures have non-standard names, so
/// `is_interested` is bypassed here and tested in the module's unit tests).
fn catalog_fixture(cataloger_name: &str, relative_path: &str) -> Result<Found, CatalogError> {
    common::catalog_fixture_in_its_directory(cataloger_name, LOCKFILES, relative_path)
}

/// Exact package sets of every gradle.lockfile fixture: comments (indented ones
/// too), `empty=` lines and configurations are not packages.
#[test]
fn gradle_lockfile_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        (
            "osv-scalibr/java-gradlelockfile/5-pkg",
            &[
                "org.springframework.boot:spring-boot-autoconfigure@2.7.4",
                "org.springframework.boot:spring-boot-configuration-processor@2.7.5",
                "org.springframework.boot:spring-boot-devtools@2.7.6",
                "org.springframework.boot:spring-boot-starter-aop@2.7.7",
                "org.springframework.boot:spring-boot-starter-data-jpa@2.7.8",
            ],
        ),
        ("osv-scalibr/java-gradlelockfile/one-pkg", &["org.springframework.security:spring-security-crypto@5.7.3"]),
        ("osv-scalibr/java-gradlelockfile/only-comments", &[]),
        ("osv-scalibr/java-gradlelockfile/only-empty", &[]),
        // Indented lines, an indented comment and `compileClasspath, runtimeClasspath`
        // with a space after the comma.
        (
            "trivy/gradle-lockfile/happy.lockfile",
            &[
                "cglib:cglib-nodep@2.1.2",
                "junit:junit@4.13.2",
                "org.springframework:spring-asm@3.1.3.RELEASE",
                "org.springframework:spring-beans@5.0.5.RELEASE",
            ],
        ),
        // Only the header and an `empty=` line without a final newline.
        ("trivy/gradle-lockfile/empty.lockfile", &[]),
        ("trivy-integration-repos/gradle/gradle.lockfile", &["com.fasterxml.jackson.core:jackson-databind@2.9.1"]),
    ];
    for (fixture, expected) in cases {
        let found = catalog_fixture("gradle-lockfile", fixture).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        assert!(found.packages.iter().all(|package| package.ecosystem == Ecosystem::Maven), "{fixture}");
    }
}

/// Each locked module becomes a Maven package with a `group/artifact` purl,
/// located at the lockfile.
#[test]
fn gradle_package_identity() {
    let found = catalog_fixture("gradle-lockfile", "trivy-integration-repos/gradle/gradle.lockfile").unwrap();
    let package = &found.packages[0];
    assert_eq!(package.purl, "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.1");
    assert_eq!(package.locations, ["gradle.lockfile"]);
}

/// Lines that are not coordinates (`>>>`, `////`, stray words) are diagnostics
/// naming the file and line; the good lines around them are still read.
#[test]
fn gradle_lockfile_with_bad_lines() {
    let found = catalog_fixture("gradle-lockfile", "osv-scalibr/java-gradlelockfile/with-bad-pkg").unwrap();
    assert_eq!(
        package_set(&found),
        set_of(&[
            "org.springframework.boot:spring-boot-autoconfigure@2.7.4",
            "org.springframework.boot:spring-boot-configuration-processor@2.7.5",
        ])
    );
    let messages: Vec<&str> = found.diagnostics.iter().map(|diagnostic| diagnostic.message.as_str()).collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(messages[0].contains("line 3") && messages[0].contains(">>>"), "{messages:?}");
    assert!(found.diagnostics.iter().all(|diagnostic| diagnostic.path == "with-bad-pkg"));
}

/// Exact package sets of the verification-metadata fixtures. The expected lists
/// of the two large files were taken from their `<component>` tags with grep.
#[test]
fn verification_metadata_fixtures() {
    let pdfbox: &[&str] = &["org.apache.pdfbox:pdfbox@2.0.17"];
    let cases: &[(&str, &[&str])] = &[
        ("attribute-order.xml", pdfbox),
        // Gradle would refuse the duplicate; it is reported once.
        ("duplicates.xml", pdfbox),
        ("empty.xml", &[]),
        ("multi-line.xml", pdfbox),
        ("one-package.xml", pdfbox),
        ("single-quotes.xml", pdfbox),
        ("two-packages.xml", &["org.apache.pdfbox:pdfbox@2.0.17", "com.github.javaparser:javaparser-core@3.6.11"]),
        (
            "multiple-versions.xml",
            &[
                "androidx.activity:activity-compose@1.5.0",
                "androidx.activity:activity-compose@1.7.0",
                "androidx.activity:activity-compose@1.7.2",
                "androidx.activity:activity-ktx@1.5.1",
                "androidx.activity:activity-ktx@1.7.0",
                "androidx.activity:activity-ktx@1.7.2",
                "androidx.activity:activity@1.2.1",
                "androidx.activity:activity@1.2.3",
                "androidx.activity:activity@1.5.1",
                "androidx.activity:activity@1.6.0",
                "androidx.activity:activity@1.7.0",
                "androidx.activity:activity@1.7.2",
                "com.google.auto.service:auto-service@1.0-rc4",
                "com.google.auto.service:auto-service@1.0.1",
                "com.google.auto.service:auto-service@1.1.1",
                "io.ktor:ktor-serialization-jvm@2.0.0",
                "io.ktor:ktor-serialization-jvm@2.0.0-beta-1",
                "io.ktor:ktor-serialization-jvm@2.0.3",
            ],
        ),
        (
            "odd-versions.xml",
            &[
                "com.almworks.sqlite4java:sqlite4java@0.282",
                "com.android.tools.build.jetifier:jetifier-core@1.0.0-beta10",
                "com.android.tools.build:aapt2-proto@8.3.0-10880808",
                "com.android.tools.build:aapt2@8.3.0-10880808",
                "com.android.tools.build:transform-api@2.0.0-deprecated-use-gradle-api",
                "com.google.apis:google-api-services-androidpublisher@v3-rev20231115-2.0.0",
                "com.google.devtools.ksp:symbol-processing-api@1.9.22-1.0.17",
                "com.google.devtools.ksp:symbol-processing-gradle-plugin@1.9.22-1.0.17",
                "com.google.devtools.ksp:symbol-processing@1.9.22-1.0.17",
                "com.google.errorprone:javac@9+181-r4173-1",
                "com.google.guava:guava@32.0.0-jre",
                "com.google.guava:guava@32.1.3-jre",
                "com.google.guava:listenablefuture@9999.0-empty-to-avoid-conflict-with-guava",
                "com.google.testing.platform:core@0.0.9-alpha02",
                "com.google:google@1",
                "com.jakewharton.android.repackaged:dalvik-dx@9.0.0_r3",
                "com.vaadin.external.google:android-json@0.0.20131108.vaadin1",
                "de.mannodermaus.gradle.plugins:android-junit5@1.10.0.0",
                "io.netty:netty-codec-http2@4.1.93.Final",
                "io.netty:netty-codec-http@4.1.93.Final",
                "javax.inject:javax.inject@1",
                "junit:junit@4.13.2",
                "org.apache:apache@13",
                "org.jetbrains.intellij.deps:trove4j@1.0.20200330",
                "org.json:json@20180813",
                "org.tensorflow:tensorflow-lite-metadata@0.1.0-rc2",
                "org.tukaani:xz@1.9",
                "org.whitesource:pecoff4j@0.0.2.1",
            ],
        ),
    ];
    for (fixture, expected) in cases {
        let path = format!("osv-scalibr/java-gradleverificationmetadataxml/{fixture}");
        let found = catalog_fixture("gradle-verification-metadata", &path).unwrap();
        assert_eq!(package_set(&found), set_of(expected), "{fixture}");
        assert_eq!(found.packages.len(), expected.len(), "{fixture}: duplicates are reported once");
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
    }
}

/// A component without a group, name or version is a diagnostic, one each.
#[test]
fn verification_metadata_missing_attributes() {
    let found = catalog_fixture(
        "gradle-verification-metadata",
        "osv-scalibr/java-gradleverificationmetadataxml/missing-attribute.xml",
    )
    .unwrap();
    assert!(found.packages.is_empty());
    assert_eq!(found.diagnostics.len(), 3, "{:?}", found.diagnostics);
}

/// Text that is not XML is an error naming the file, not a panic.
#[test]
fn malformed_files_are_errors_naming_the_file() {
    let error =
        catalog_fixture("gradle-verification-metadata", "osv-scalibr/java-gradleverificationmetadataxml/not-xml.txt")
            .unwrap_err();
    assert!(matches!(error, CatalogError::Parse { .. }), "{error}");
    assert!(error.to_string().contains("not-xml.txt"), "{error}");
}
