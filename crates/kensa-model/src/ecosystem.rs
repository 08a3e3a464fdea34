use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A package ecosystem: the namespace in which a package name means one thing.
///
/// The string forms are OSV's ecosystem names (without any `:release` suffix), so
/// advisories and inventories speak the same language.
///
/// Deliberately exhaustive: adding an ecosystem must make every `match` in the
/// workspace (version scheme, purl type, matcher) say what to do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    /// Rust crates from crates.io.
    CratesIo,
    /// Node packages from the npm registry.
    Npm,
    /// Python distributions from PyPI.
    PyPI,
    /// Go modules.
    Go,
    /// Ruby gems.
    RubyGems,
    /// PHP packages from Packagist (Composer).
    Packagist,
    /// .NET packages from NuGet.
    NuGet,
    /// Java artifacts from Maven repositories (`groupId:artifactId`).
    Maven,
    /// Dart and Flutter packages from pub.dev.
    Pub,
    /// Erlang and Elixir packages from hex.pm.
    Hex,
    /// Debian binary/source packages.
    Debian,
    /// Ubuntu packages.
    Ubuntu,
    /// Alpine Linux apk packages.
    Alpine,
    /// Wolfi (apk packages, rolling).
    Wolfi,
    /// Chainguard images (apk packages, rolling).
    Chainguard,
    /// AlmaLinux RPM packages.
    AlmaLinux,
    /// Rocky Linux RPM packages.
    RockyLinux,
    /// Red Hat Enterprise Linux RPM packages.
    RedHat,
    /// SUSE Linux Enterprise RPM packages.
    Suse,
    /// openSUSE RPM packages.
    OpenSuse,
    /// Mageia RPM packages.
    Mageia,
    /// Amazon Linux RPM packages (Amazon Linux 1, 2, 2022, 2023), advised by
    /// ALAS through the repositories' `updateinfo.xml`.
    AmazonLinux,
    /// RPM packages of a distribution Kensa has no advisory feed for (Fedora,
    /// Photon, …): inventoried, never matched.
    Rpm,
}

/// The ecosystem string is not one Kensa knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEcosystem(pub String);

impl fmt::Display for UnknownEcosystem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "unsupported ecosystem {:?}", self.0)
    }
}

impl std::error::Error for UnknownEcosystem {}

impl Ecosystem {
    /// Every ecosystem, in a stable order.
    pub const ALL: [Ecosystem; 23] = [
        Ecosystem::CratesIo,
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Go,
        Ecosystem::RubyGems,
        Ecosystem::Packagist,
        Ecosystem::NuGet,
        Ecosystem::Maven,
        Ecosystem::Pub,
        Ecosystem::Hex,
        Ecosystem::Debian,
        Ecosystem::Ubuntu,
        Ecosystem::Alpine,
        Ecosystem::Wolfi,
        Ecosystem::Chainguard,
        Ecosystem::AlmaLinux,
        Ecosystem::RockyLinux,
        Ecosystem::RedHat,
        Ecosystem::Suse,
        Ecosystem::OpenSuse,
        Ecosystem::Mageia,
        Ecosystem::AmazonLinux,
        Ecosystem::Rpm,
    ];

    /// OSV's name for the ecosystem.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Go => "Go",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Maven => "Maven",
            Ecosystem::Pub => "Pub",
            Ecosystem::Hex => "Hex",
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::Wolfi => "Wolfi",
            Ecosystem::Chainguard => "Chainguard",
            Ecosystem::AlmaLinux => "AlmaLinux",
            Ecosystem::RockyLinux => "Rocky Linux",
            Ecosystem::RedHat => "Red Hat",
            Ecosystem::Suse => "SUSE",
            Ecosystem::OpenSuse => "openSUSE",
            Ecosystem::Mageia => "Mageia",
            // Not an OSV ecosystem (ALAS is not in OSV); the name Trivy and Grype show.
            Ecosystem::AmazonLinux => "Amazon Linux",
            Ecosystem::Rpm => "RPM",
        }
    }

    /// Parses an OSV ecosystem string such as `PyPI` or `Debian:12`, returning the
    /// ecosystem and the release qualifier after the first `:`, if any.
    pub fn parse_with_release(text: &str) -> Result<(Ecosystem, Option<&str>), UnknownEcosystem> {
        let (base, release) = match text.split_once(':') {
            Some((base, release)) => (base, Some(release)),
            None => (text, None),
        };
        Ok((base.parse()?, release.filter(|release| !release.is_empty())))
    }

    /// The package-URL type for this ecosystem.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Go => "golang",
            Ecosystem::RubyGems => "gem",
            Ecosystem::Packagist => "composer",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Maven => "maven",
            Ecosystem::Pub => "pub",
            Ecosystem::Hex => "hex",
            Ecosystem::Debian | Ecosystem::Ubuntu => "deb",
            Ecosystem::Alpine | Ecosystem::Wolfi | Ecosystem::Chainguard => "apk",
            Ecosystem::AlmaLinux
            | Ecosystem::RockyLinux
            | Ecosystem::RedHat
            | Ecosystem::Suse
            | Ecosystem::OpenSuse
            | Ecosystem::Mageia
            | Ecosystem::AmazonLinux
            | Ecosystem::Rpm => "rpm",
        }
    }

    /// The purl namespace of an operating-system package (`debian`, `alpine`,
    /// `redhat`, …); `None` for language ecosystems.
    pub fn purl_namespace(self) -> Option<&'static str> {
        let namespace = match self {
            Ecosystem::Debian => "debian",
            Ecosystem::Ubuntu => "ubuntu",
            Ecosystem::Alpine => "alpine",
            Ecosystem::Wolfi => "wolfi",
            Ecosystem::Chainguard => "chainguard",
            Ecosystem::AlmaLinux => "almalinux",
            Ecosystem::RockyLinux => "rocky",
            Ecosystem::RedHat => "redhat",
            Ecosystem::Suse => "suse",
            Ecosystem::OpenSuse => "opensuse",
            Ecosystem::Mageia => "mageia",
            // What Syft writes and Grype reads (`pkg:rpm/amzn/curl@…?distro=amzn-2`).
            Ecosystem::AmazonLinux => "amzn",
            _ => return None,
        };
        Some(namespace)
    }

    /// Is this an operating-system package ecosystem (as opposed to a language one)?
    pub fn is_operating_system(self) -> bool {
        self.purl_namespace().is_some() || self == Ecosystem::Rpm
    }

    /// The name under which the ecosystem's registry considers two spellings the
    /// same package; advisories and packages are joined on this.
    ///
    /// - PyPI: PEP 503 (lowercase, runs of `-`, `_`, `.` become one `-`).
    /// - Packagist, NuGet: case-insensitive registries, so lowercase.
    /// - Everything else is case-sensitive and compared as written.
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => normalize_python_name(name),
            Ecosystem::Packagist | Ecosystem::NuGet => name.trim().to_ascii_lowercase(),
            _ => name.trim().to_owned(),
        }
    }
}

fn normalize_python_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut previous_was_separator = false;
    for character in name.trim().chars() {
        if matches!(character, '-' | '_' | '.') {
            if !previous_was_separator {
                normalized.push('-');
            }
            previous_was_separator = true;
        } else {
            normalized.push(character.to_ascii_lowercase());
            previous_was_separator = false;
        }
    }
    normalized
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Ecosystem {
    type Err = UnknownEcosystem;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // OSV names are matched exactly; a few historical spellings are accepted
        // because real feeds (and users on the command line) use them.
        let ecosystem = match text {
            "crates.io" | "cargo" => Ecosystem::CratesIo,
            "npm" => Ecosystem::Npm,
            "PyPI" | "pypi" => Ecosystem::PyPI,
            "Go" | "go" | "golang" => Ecosystem::Go,
            "RubyGems" | "rubygems" | "gem" => Ecosystem::RubyGems,
            "Packagist" | "packagist" | "composer" => Ecosystem::Packagist,
            "NuGet" | "nuget" => Ecosystem::NuGet,
            "Maven" | "maven" => Ecosystem::Maven,
            "Pub" | "pub" => Ecosystem::Pub,
            "Hex" | "hex" => Ecosystem::Hex,
            "Debian" => Ecosystem::Debian,
            "Ubuntu" => Ecosystem::Ubuntu,
            "Alpine" => Ecosystem::Alpine,
            "Wolfi" => Ecosystem::Wolfi,
            "Chainguard" => Ecosystem::Chainguard,
            "AlmaLinux" => Ecosystem::AlmaLinux,
            "Rocky Linux" => Ecosystem::RockyLinux,
            "Red Hat" => Ecosystem::RedHat,
            "SUSE" => Ecosystem::Suse,
            "openSUSE" => Ecosystem::OpenSuse,
            "Mageia" => Ecosystem::Mageia,
            "Amazon Linux" => Ecosystem::AmazonLinux,
            // Not an OSV ecosystem: only Kensa's own inventories use it.
            "RPM" => Ecosystem::Rpm,
            other => return Err(UnknownEcosystem(other.to_owned())),
        };
        Ok(ecosystem)
    }
}

impl Serialize for Ecosystem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Ecosystem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PEP 503: case and separator runs do not distinguish Python projects.
    #[test]
    fn python_names_normalise_per_pep_503() {
        assert_eq!(Ecosystem::PyPI.normalize_name("Foo__Bar.-baz"), "foo-bar-baz");
        assert_eq!(Ecosystem::PyPI.normalize_name("zope.interface"), "zope-interface");
    }

    /// Release qualifiers are split off OSV ecosystem strings.
    #[test]
    fn osv_ecosystem_with_release() {
        assert_eq!(Ecosystem::parse_with_release("Debian:12").unwrap(), (Ecosystem::Debian, Some("12")));
        assert_eq!(Ecosystem::parse_with_release("npm").unwrap(), (Ecosystem::Npm, None));
        assert!(Ecosystem::parse_with_release("GIT").is_err());
    }
}
