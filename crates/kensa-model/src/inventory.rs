use serde::{Deserialize, Serialize};

use crate::Package;

/// Version of the inventory JSON form; bump on any incompatible change.
pub const INVENTORY_SCHEMA_VERSION: u32 = 1;

/// Everything a scan collected from one resource, before any matching.
///
/// Matching is a pure function of (inventory, database): the service stores
/// inventories and re-matches them whenever the database changes, and an agent
/// sends inventories, never findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// [`INVENTORY_SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// What was scanned.
    pub resource: Resource,
    /// The operating-system distribution, when one was detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    /// Facts about a container image, when the resource is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageMetadata>,
    /// The runtime a function bundle is for (`python`, `nodejs`, `java`,
    /// `go`, `dotnet`), as its layout shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Packages found, sorted by ecosystem, name, version.
    pub packages: Vec<Package>,
    /// Declared dependencies whose version could not be determined.
    #[serde(default)]
    pub unresolved: Vec<UnresolvedDependency>,
    /// Inputs that could not be read, each naming the file and the problem.
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

impl Inventory {
    /// An empty inventory of a resource.
    pub fn new(resource: Resource) -> Inventory {
        Inventory {
            schema_version: INVENTORY_SCHEMA_VERSION,
            resource,
            distro: None,
            image: None,
            runtime: None,
            packages: Vec::new(),
            unresolved: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Sorts everything and merges packages found several times (same ecosystem,
    /// name, version) into one with all their locations, so output is deterministic.
    pub fn normalize(&mut self) {
        let mut packages = std::mem::take(&mut self.packages);
        packages.sort_by(|left, right| {
            (left.ecosystem, &left.name, &left.version).cmp(&(right.ecosystem, &right.name, &right.version))
        });
        let mut merged: Vec<Package> = Vec::with_capacity(packages.len());
        for package in packages {
            match merged.last_mut() {
                Some(last)
                    if last.ecosystem == package.ecosystem
                        && last.name == package.name
                        && last.version == package.version =>
                {
                    last.locations.extend(package.locations);
                }
                _ => merged.push(package),
            }
        }
        for package in &mut merged {
            package.locations.sort();
            package.locations.dedup();
        }
        self.packages = merged;
        self.unresolved.sort();
        self.unresolved.dedup();
        self.diagnostics.sort();
        self.diagnostics.dedup();
    }
}

/// What kind of thing was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResourceKind {
    /// A directory tree (project, root filesystem).
    Directory,
    /// A single file (lockfile, binary, archive).
    File,
    /// A container image (`docker save` archive, OCI layout).
    Image,
    /// A function bundle or other zip/tar archive scanned as a tree (a Lambda
    /// deployment package or layer).
    Archive,
}

/// The scanned resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// Kind of resource.
    pub kind: ResourceKind,
    /// Its name as the user gave it (a path, later an image reference).
    pub name: String,
}

/// A container image's configuration and layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImageMetadata {
    /// Repository tags the archive recorded (`alpine:3.10`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Operating system from the image config (`linux`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Architecture from the image config (`amd64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// Creation time from the image config (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// `registry/repository@sha256:…` of the manifest, for images pulled from a registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_digest: Option<String>,
    /// Digest of the image config: the image ID `docker images` shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// Layers, bottom first.
    pub layers: Vec<ImageLayer>,
}

/// One layer of a container image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageLayer {
    /// The layer's `diff_id` (digest of the uncompressed layer), or the blob digest.
    pub digest: String,
    /// The command that created it, from the config history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// An operating-system distribution and release, as detected on the resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Distro {
    /// `os-release` `ID` (debian, ubuntu, alpine, rhel, almalinux, …), lowercase.
    pub id: String,
    /// Release as the distribution writes it (`12`, `22.04`, `3.18.4`, `9.3`);
    /// empty for rolling distributions.
    pub version: String,
    /// Release code name (`bookworm`, `jammy`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// `PRETTY_NAME`, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE` entries, lowercase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
    /// Ubuntu Pro / ESM is enabled: ESM advisories (`Ubuntu:Pro:…`) apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub extended_support: bool,
    /// Which file the detection came from (`etc/os-release`, `etc/alpine-release`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detected_from: String,
}

/// A dependency that was declared but whose installed version is unknown, e.g. an
/// unpinned line of a requirements file. Never silently dropped: it cannot be
/// checked for vulnerabilities, and the report says so.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnresolvedDependency {
    /// Ecosystem of the dependency.
    pub ecosystem: crate::Ecosystem,
    /// Name as written.
    pub name: String,
    /// The requirement as written (`>=2.0`, empty when none).
    pub requirement: String,
    /// File that declared it.
    pub location: String,
}

/// A problem reading part of the resource; the rest of the scan went on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Path of the input that could not be read.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}
