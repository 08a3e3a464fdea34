//! Ruby catalogers over the real Bundler lockfiles in shared/data: exact package
//! sets for small files, counts for big ones, and the malformed ones.

use std::path::Path;

use crate::common::{LOCKFILES, catalog_bytes, catalog_fixture, interested_catalogers_starting_with, listing};
use kensa_catalog::Found;

/// Small lockfiles: the exact gems, platform suffixes cut, GIT and PATH gems included.
#[test]
fn gemfile_lock_exact_package_sets() {
    for (snapshot, fixture) in [
        ("gemfile_one_gem", "osv-scalibr/ruby-gemfilelock/one-gem.lock"),
        ("gemfile_multiple_gems", "osv-scalibr/ruby-gemfilelock/multiple-gems.lock"),
        ("gemfile_git_gems", "osv-scalibr/ruby-gemfilelock/has-git-gem.lock"),
        ("gemfile_source_at_end", "osv-scalibr/ruby-gemfilelock/source-section-at-end.lock"),
        ("gemfile_rubocop", "osv-scalibr/ruby-gemfilelock/rubocop.lock"),
        ("gemfile_trivy_normal", "trivy/ruby-bundler/Gemfile_normal.lock"),
        ("gemfile_trivy_bundler2", "trivy/ruby-bundler/Gemfile_bundler2.lock"),
    ] {
        let found = catalog_fixture("ruby-gemfile-lock", fixture).unwrap();
        assert!(found.diagnostics.is_empty(), "{fixture}: {:?}", found.diagnostics);
        assert!(found.packages.iter().all(|package| package.locations == [fixture]));
        insta::assert_snapshot!(snapshot, listing(&found));
    }
}

/// Bigger lockfiles: one package per distinct `name (version)` spec line; the same
/// gem locked for two platforms (nokogiri in gems.locked) counts once.
#[test]
fn gemfile_lock_counts() {
    for (fixture, expected) in [
        ("osv-scalibr/ruby-gemfilelock/rails.lock", 46),
        ("osv-scalibr/ruby-gemfilelock/has-local-gem.lock", 30),
        ("osv-scanner/locks-scalibr/gems.locked", 25),
    ] {
        let found = catalog_fixture("ruby-gemfile-lock", fixture).unwrap();
        assert_eq!(found.packages.len(), expected, "{fixture}");
    }
    let found = catalog_fixture("ruby-gemfile-lock", "osv-scalibr/ruby-gemfilelock/has-local-gem.lock").unwrap();
    assert!(found.packages.iter().any(|package| package.name == "nokogiri" && package.version == "1.13.3"));
    assert!(found.packages.iter().any(|package| package.name == "backbone-on-rails" && package.version == "1.2.0.0"));
}

/// Lockfiles with sections but no gems are valid and empty.
#[test]
fn gemfile_lock_without_gems() {
    for fixture in [
        "osv-scalibr/ruby-gemfilelock/no-gems.lock",
        "osv-scalibr/ruby-gemfilelock/no-spec-section.lock",
        "osv-scalibr/ruby-gemfilelock/no-gem-section.lock",
    ] {
        let found = catalog_fixture("ruby-gemfile-lock", fixture).unwrap();
        assert_eq!(found, Found::default(), "{fixture}");
    }
}

/// A spec line without a version is a diagnostic naming the file and line, not a package.
#[test]
fn gemfile_lock_invalid_spec_line() {
    let fixture = "osv-scalibr/ruby-gemfilelock/invalid.lock";
    let found = catalog_fixture("ruby-gemfile-lock", fixture).unwrap();
    assert!(found.packages.is_empty());
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].path, fixture);
    assert!(found.diagnostics[0].message.contains("line 4"), "{}", found.diagnostics[0].message);
}

/// A file that is not a lockfile at all is an error naming it.
#[test]
fn gemfile_lock_malformed() {
    let fixture = "trivy/ruby-bundler/Gemfile_malformed.lock";
    let error = catalog_fixture("ruby-gemfile-lock", fixture).unwrap_err();
    assert!(error.to_string().contains(fixture), "{error}");
}

/// Installed gemspecs (as RubyGems writes them, `.freeze` literals) give one gem each.
#[test]
fn installed_gemspec() {
    let gemspec = b"# -*- encoding: utf-8 -*-\n# stub: rake 13.0.6 ruby lib\n\nGem::Specification.new do |s|\n  s.name = \"rake\".freeze\n  s.version = \"13.0.6\"\n  s.summary = \"Rake\".freeze\nend\n";
    let path = "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec";
    let found = catalog_bytes("ruby-installed-gemspec", Path::new(LOCKFILES), path, gemspec).unwrap();
    assert_eq!(listing(&found), "rake@13.0.6");
    assert_eq!(found.packages[0].purl, "pkg:gem/rake@13.0.6");
    let error =
        catalog_bytes("ruby-installed-gemspec", Path::new(LOCKFILES), path, b"Gem::Specification.new").unwrap_err();
    assert!(error.to_string().contains(path), "{error}");
}

/// Which paths the Ruby catalogers claim.
#[test]
fn ruby_interest() {
    let claimed_by = |path: &str| interested_catalogers_starting_with("ruby-", path);
    assert_eq!(claimed_by("app/Gemfile.lock"), ["ruby-gemfile-lock"]);
    assert_eq!(claimed_by("gems.locked"), ["ruby-gemfile-lock"]);
    assert_eq!(claimed_by("var/lib/gems/3.1.0/specifications/rake-13.0.6.gemspec"), ["ruby-installed-gemspec"]);
    assert!(claimed_by("src/mygem.gemspec").is_empty());
    assert!(claimed_by("Gemfile").is_empty());
}
