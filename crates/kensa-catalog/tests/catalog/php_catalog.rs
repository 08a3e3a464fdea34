//! PHP catalogers over the real composer.lock and installed.json fixtures in shared/data.

use std::path::Path;

use crate::common::{LOCKFILES, catalog_bytes, catalog_fixture, interested_catalogers_starting_with, listing};
use kensa_catalog::Found;

/// Exact package sets: `packages` and `packages-dev` both read, versions as written (`v1.27.0`).
#[test]
fn composer_lock_exact_package_sets() {
    for (snapshot, fixture) in [
        ("composer_two_packages", "osv-scalibr/php-composerlock/two-packages.json"),
        ("composer_duplicates", "osv-scalibr/php-composerlock/duplicate-packages.json"),
        ("composer_drupal", "osv-scalibr/php-composerlock/drupal-packages.json"),
        ("composer_trivy_happy", "trivy/php-composer/composer_happy.lock"),
        ("composer_integration", "trivy-integration-repos/composer/composer.lock"),
        ("composer_insecure", "osv-scanner/locks-insecure/composer.lock"),
    ] {
        let found = catalog_fixture("php-composer-lock", fixture).unwrap();
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        insta::assert_snapshot!(snapshot, listing(&found));
    }
}

/// Packagist purls split vendor and name.
#[test]
fn composer_purl() {
    let found = catalog_fixture("php-composer-lock", "trivy-integration-repos/composer/composer.lock").unwrap();
    let psr7 = found.packages.iter().find(|package| package.name == "guzzlehttp/psr7").unwrap();
    assert_eq!(psr7.purl, "pkg:composer/guzzlehttp/psr7@1.8.3");
}

/// A lock with empty package lists is valid and empty.
#[test]
fn composer_lock_empty() {
    let found = catalog_fixture("php-composer-lock", "osv-scalibr/php-composerlock/empty.json").unwrap();
    assert_eq!(found, Found::default());
}

/// Not JSON, or JSON `null`, is an error naming the file.
#[test]
fn composer_lock_malformed() {
    for fixture in ["osv-scalibr/php-composerlock/not-json.txt", "osv-scalibr/php-composerlock/null.jsontest"] {
        let error = catalog_fixture("php-composer-lock", fixture).unwrap_err();
        assert!(error.to_string().contains(fixture), "{error}");
    }
}

/// An entry without a version is a diagnostic; its neighbours are still read.
#[test]
fn composer_lock_entry_without_version() {
    let lock = br#"{"packages": [{"name": "a/b"}, {"name": "c/d", "version": "1.0.0"}]}"#;
    let found = catalog_bytes("php-composer-lock", Path::new(LOCKFILES), "composer.lock", lock).unwrap();
    assert_eq!(listing(&found), "c/d@1.0.0");
    assert_eq!(found.diagnostics.len(), 1);
}

/// vendor/composer/installed.json, both the Composer 2 object and the Composer 1 array.
#[test]
fn composer_installed_json() {
    let fixture = "trivy-integration-repos/composer-vendor/installed.json";
    let found = catalog_fixture("php-composer-installed", fixture).unwrap();
    insta::assert_snapshot!("composer_installed", listing(&found));
    let composer1 = br#"[{"name": "a/b", "version": "v2.0.1"}]"#;
    let found =
        catalog_bytes("php-composer-installed", Path::new(LOCKFILES), "vendor/composer/installed.json", composer1)
            .unwrap();
    assert_eq!(listing(&found), "a/b@v2.0.1");
}

/// Which paths the PHP catalogers claim.
#[test]
fn php_interest() {
    let claimed_by = |path: &str| interested_catalogers_starting_with("php-", path);
    assert_eq!(claimed_by("app/composer.lock"), ["php-composer-lock"]);
    assert_eq!(claimed_by("vendor/composer/installed.json"), ["php-composer-installed"]);
    assert_eq!(claimed_by("app/vendor/composer/installed.json"), ["php-composer-installed"]);
    assert!(claimed_by("composer.json").is_empty());
    assert!(claimed_by("installed.json").is_empty());
}
