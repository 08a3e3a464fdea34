//! Version schemes: how each ecosystem orders its versions and reads its
//! requirement syntax.
//!
//! Every function here is pure and total: a version string a scheme cannot parse
//! makes [`VersionScheme::compare`] return `None` rather than guess, and the
//! caller decides (matching treats it as "cannot tell" and says so).
//!
//! Each scheme lives in its own module and is checked by differential tests
//! against the ecosystem's own implementation (`tests/differential.rs`).
//! Where a maintained crate is the ecosystem's reference (Cargo's `semver`,
//! `nodejs-semver`, `pep440_rs`) it is used; the others are small algorithms
//! written here because no maintained crate reproduces the ecosystem's tool.
//!
//! This crate deliberately knows nothing about advisories, OSV ranges or
//! packages: it answers "which of two versions is newer" and "does a version
//! meet a requirement string", nothing more.

use std::cmp::Ordering;

mod apk;
mod comparator_list;
mod composer;
mod dpkg;
mod go;
mod hex;
mod maven;
mod npm;
mod nuget;
mod pep440;
mod pub_dart;
mod rpm;
mod rubygems;
mod semver2;
mod semver_cargo;

/// A version ordering and requirement syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionScheme {
    /// SemVer 2.0 as Cargo reads it; requirements are Cargo's `VersionReq`.
    Semver,
    /// Go modules: SemVer with a `v` prefix, pseudo-versions, `+incompatible`.
    Go,
    /// npm: node-semver ordering and ranges.
    Npm,
    /// Python: PEP 440 versions and specifier sets.
    Pep440,
    /// Maven: `ComparableVersion`, and `[1.0,2.0)` ranges.
    Maven,
    /// RubyGems: `Gem::Version`, and `Gem::Requirement` (`~> 1.2`).
    RubyGems,
    /// NuGet: `NuGetVersion` (four parts, case-insensitive pre-release).
    NuGet,
    /// Composer: `VersionParser` normalisation, and constraints (`^1.2 || >=2.0,<2.3`).
    Composer,
    /// Hex (Elixir): SemVer 2.0; requirements as `Version.match?`.
    Hex,
    /// Pub (Dart): SemVer 2.0 with pub's pre-release rules.
    Pub,
    /// Debian and Ubuntu: `dpkg --compare-versions`.
    Dpkg,
    /// RPM: `rpmvercmp` over epoch, version, release.
    Rpm,
    /// Alpine: `apk version -t`.
    Apk,
}

/// A requirement string the scheme cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} requirement {requirement:?}: {reason}")]
pub struct RequirementError {
    /// The scheme's name.
    pub scheme: &'static str,
    /// The requirement as given.
    pub requirement: String,
    /// What is wrong.
    pub reason: String,
}

impl RequirementError {
    pub(crate) fn new(scheme: VersionScheme, requirement: &str, reason: impl Into<String>) -> Self {
        RequirementError { scheme: scheme.name(), requirement: requirement.to_owned(), reason: reason.into() }
    }

    /// The error for a tested version (not the requirement) the scheme cannot read:
    /// the answer would be a guess, so it is refused the same way.
    pub(crate) fn invalid_version(scheme: VersionScheme, requirement: &str, version: &str) -> Self {
        Self::new(scheme, requirement, format!("version {version:?} is not a valid {} version", scheme.name()))
    }
}

impl VersionScheme {
    /// Every scheme, in declaration order (for tests and listings).
    pub const ALL: [VersionScheme; 13] = [
        VersionScheme::Semver,
        VersionScheme::Go,
        VersionScheme::Npm,
        VersionScheme::Pep440,
        VersionScheme::Maven,
        VersionScheme::RubyGems,
        VersionScheme::NuGet,
        VersionScheme::Composer,
        VersionScheme::Hex,
        VersionScheme::Pub,
        VersionScheme::Dpkg,
        VersionScheme::Rpm,
        VersionScheme::Apk,
    ];

    /// Orders two versions, or `None` if either is not a valid version of this scheme.
    ///
    /// Composer is the one scheme where two valid versions can still be
    /// unordered: a `dev-branch` name is only equal to itself.
    pub fn compare(self, left: &str, right: &str) -> Option<Ordering> {
        match self {
            VersionScheme::Semver => semver_cargo::compare(left, right),
            VersionScheme::Go => go::compare(left, right),
            VersionScheme::Npm => npm::compare(left, right),
            VersionScheme::Pep440 => pep440::compare(left, right),
            VersionScheme::Maven => maven::compare(left, right),
            VersionScheme::RubyGems => rubygems::compare(left, right),
            VersionScheme::NuGet => nuget::compare(left, right),
            VersionScheme::Composer => composer::compare(left, right),
            VersionScheme::Hex => hex::compare(left, right),
            VersionScheme::Pub => pub_dart::compare(left, right),
            VersionScheme::Dpkg => dpkg::compare(left, right),
            VersionScheme::Rpm => rpm::compare(left, right),
            VersionScheme::Apk => apk::compare(left, right),
        }
    }

    /// Is `version` a version this scheme can read?
    pub fn is_valid(self, version: &str) -> bool {
        match self {
            VersionScheme::Semver => semver_cargo::is_valid(version),
            VersionScheme::Go => go::is_valid(version),
            VersionScheme::Npm => npm::is_valid(version),
            VersionScheme::Pep440 => pep440::is_valid(version),
            VersionScheme::Maven => maven::is_valid(version),
            VersionScheme::RubyGems => rubygems::is_valid(version),
            VersionScheme::NuGet => nuget::is_valid(version),
            VersionScheme::Composer => composer::is_valid(version),
            VersionScheme::Hex => hex::is_valid(version),
            VersionScheme::Pub => pub_dart::is_valid(version),
            VersionScheme::Dpkg => dpkg::is_valid(version),
            VersionScheme::Rpm => rpm::is_valid(version),
            VersionScheme::Apk => apk::is_valid(version),
        }
    }

    /// Does `version` satisfy `requirement`, in this ecosystem's requirement syntax?
    ///
    /// An unreadable requirement, or a `version` the scheme cannot read, is an
    /// error: the answer would be a guess.
    pub fn satisfies(self, version: &str, requirement: &str) -> Result<bool, RequirementError> {
        match self {
            VersionScheme::Semver => semver_cargo::satisfies(version, requirement),
            VersionScheme::Npm => npm::satisfies(version, requirement),
            VersionScheme::Pep440 => pep440::satisfies(version, requirement),
            VersionScheme::Maven => maven::satisfies(version, requirement),
            VersionScheme::RubyGems => rubygems::satisfies(version, requirement),
            VersionScheme::NuGet => nuget::satisfies(version, requirement),
            VersionScheme::Composer => composer::satisfies(version, requirement),
            VersionScheme::Hex => hex::satisfies(version, requirement),
            VersionScheme::Go | VersionScheme::Pub | VersionScheme::Dpkg | VersionScheme::Rpm | VersionScheme::Apk => {
                comparator_list::satisfies(self, version, requirement, comparator_list::Dialect::Plain)
            }
        }
    }

    /// The scheme's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            VersionScheme::Semver => "semver",
            VersionScheme::Go => "go",
            VersionScheme::Npm => "npm",
            VersionScheme::Pep440 => "pep440",
            VersionScheme::Maven => "maven",
            VersionScheme::RubyGems => "rubygems",
            VersionScheme::NuGet => "nuget",
            VersionScheme::Composer => "composer",
            VersionScheme::Hex => "hex",
            VersionScheme::Pub => "pub",
            VersionScheme::Dpkg => "dpkg",
            VersionScheme::Rpm => "rpm",
            VersionScheme::Apk => "apk",
        }
    }
}

/// Compares two strings of ASCII digits as unbounded non-negative integers,
/// so that no scheme overflows on long numbers (dates, build stamps).
pub(crate) fn compare_decimal_strings(left: &str, right: &str) -> Ordering {
    let left = left.trim_start_matches('0');
    let right = right.trim_start_matches('0');
    left.len().cmp(&right.len()).then_with(|| left.cmp(right))
}
