use std::cmp::Ordering::{Equal, Greater, Less};

use super::normalize::normalize;
use super::php_version_compare::php_version_compare;
use super::*;

#[test]
fn normalisation_matches_version_parser() {
    // Padding to four parts, `v` prefix, stability expansion, build metadata dropped.
    assert_eq!(normalize("v1.2").as_deref(), Some("1.2.0.0"));
    assert_eq!(normalize("1.0.0-b2").as_deref(), Some("1.0.0.0-beta2"));
    assert_eq!(normalize("1.0.0-rc.1").as_deref(), Some("1.0.0.0-RC1"));
    assert_eq!(normalize("1.0.0-pl3").as_deref(), Some("1.0.0.0-patch3"));
    assert_eq!(normalize("1.0.0+build.5").as_deref(), Some("1.0.0.0"));
    assert_eq!(normalize("1.0.0-stable").as_deref(), Some("1.0.0.0"));
    // Branches: numeric ones padded with 9999999, named ones kept.
    assert_eq!(normalize("1.x-dev").as_deref(), Some("1.9999999.9999999.9999999-dev"));
    assert_eq!(normalize("dev-feature/foo").as_deref(), Some("dev-feature/foo"));
    assert_eq!(normalize("master").as_deref(), Some("dev-master"));
    // Dates.
    assert_eq!(normalize("20230102").as_deref(), Some("20230102"));
    assert_eq!(normalize("2023-01-02").as_deref(), Some("2023.01.02"));
    // Not versions.
    assert_eq!(normalize("1.0.0.0.0"), None);
    assert_eq!(normalize("foo"), None);
}

#[test]
fn php_version_compare_special_forms() {
    // dev < alpha < beta < RC < release < patch.
    let ordered = ["1.0.0.0-dev", "1.0.0.0-alpha1", "1.0.0.0-beta1", "1.0.0.0-RC1", "1.0.0.0", "1.0.0.0-patch1"];
    for pair in ordered.windows(2) {
        assert_eq!(php_version_compare(pair[0], pair[1]), Less, "{pair:?}");
    }
    // Numbers compare as numbers, and a longer version is greater.
    assert_eq!(php_version_compare("1.10", "1.9"), Greater);
    assert_eq!(php_version_compare("1.0.0.0", "1.0.0"), Greater);
}

#[test]
fn compare_and_branches() {
    // Normalised before comparing, so spellings agree.
    assert_eq!(compare("v1.2", "1.2.0.0"), Some(Equal));
    assert_eq!(compare("1.0.0-beta2", "1.0.0-RC1"), Some(Less));
    // Branch names equal only themselves.
    assert_eq!(compare("dev-foo", "dev-foo"), Some(Equal));
    assert_eq!(compare("dev-foo", "1.0.0"), None);
}

#[test]
fn constraints_as_friends_of_php_writes_them() {
    // `>=2.0.0,<2.0.14`: comma is AND.
    assert_eq!(satisfies("2.0.13", ">=2.0.0,<2.0.14"), Ok(true));
    assert_eq!(satisfies("2.0.14", ">=2.0.0,<2.0.14"), Ok(false));
    // `<2.0.14` means `<2.0.14.0-dev`: a pre-release of the bound is not below it.
    assert_eq!(satisfies("2.0.14-beta1", ">=2.0.0,<2.0.14"), Ok(false));
    // `||` and `|` are OR; a space is AND.
    assert_eq!(satisfies("3.4.1", ">=2.0,<2.1 || >=3.4 <3.4.2"), Ok(true));
    assert_eq!(satisfies("3.4.2", ">=2.0,<2.1 | >=3.4 <3.4.2"), Ok(false));
    // Caret, tilde, wildcard, hyphen.
    assert_eq!(satisfies("1.9.0", "^1.2"), Ok(true));
    assert_eq!(satisfies("2.0.0", "^1.2"), Ok(false));
    assert_eq!(satisfies("0.3.9", "^0.3"), Ok(true));
    assert_eq!(satisfies("0.4.0", "^0.3"), Ok(false));
    assert_eq!(satisfies("1.2.9", "~1.2.3"), Ok(true));
    assert_eq!(satisfies("1.3.0", "~1.2.3"), Ok(false));
    assert_eq!(satisfies("1.2.7", "1.2.*"), Ok(true));
    assert_eq!(satisfies("1.3.0", "1.2.*"), Ok(false));
    assert_eq!(satisfies("1.5.0", "1.0 - 2.0"), Ok(true));
    assert_eq!(satisfies("2.0.1", "1.0 - 2.0"), Ok(true));
    assert_eq!(satisfies("2.1.0", "1.0 - 2.0"), Ok(false));
    // Branches never satisfy numeric constraints.
    assert_eq!(satisfies("dev-master", ">=1.0"), Ok(false));
    assert!(satisfies("1.0", ">=foo").is_err());
}

/// Pins the empty-piece rule found by the composer/semver differential test:
/// Composer's `parseConstraints` refuses an empty alternative or an empty
/// piece between commas instead of skipping it.
#[test]
fn empty_constraint_pieces_are_refused_as_composer_refuses_them() {
    for requirement in [">=1.0,,<2", "1.0 || || 2.0", ">=1.0,", ",>=1.0", ">=1.0 ||", "|| >=1.0", ">=1.0,|<2"] {
        assert!(satisfies("1.5", requirement).is_err(), "{requirement:?} should be refused");
    }
    // Spaces around a single comma, and `|` for `||`, stay fine.
    assert_eq!(satisfies("1.5", ">=1.0 , <2"), Ok(true));
    assert_eq!(satisfies("1.5", ">=1.0|<2"), Ok(true));
}
