//! A resource's inventory history: what changed between two inventories,
//! as packages added, removed and changed version (upgrades, and the rarer
//! downgrades). Packages are (ecosystem, name, version); a name present at
//! several versions on a side (vendored copies, several lockfiles) changes
//! version only when exactly one version left and one arrived, otherwise its
//! versions are listed as added and removed one by one.

use std::collections::{BTreeMap, BTreeSet};

/// A package at a version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageVersion {
    /// The ecosystem's name (`npm`, `Debian`…).
    pub ecosystem: String,
    /// The package name.
    pub name: String,
    /// The version.
    pub version: String,
}

/// A package whose version changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionChange {
    /// The ecosystem.
    pub ecosystem: String,
    /// The package name.
    pub name: String,
    /// The version before.
    pub from: String,
    /// The version after.
    pub to: String,
}

/// What changed from one inventory to the next; sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryChanges {
    /// Packages (or versions of them) that arrived.
    pub added: Vec<PackageVersion>,
    /// Packages (or versions of them) that left.
    pub removed: Vec<PackageVersion>,
    /// Packages that moved from one version to another.
    pub changed: Vec<VersionChange>,
}

impl InventoryChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

fn by_package(packages: &[PackageVersion]) -> BTreeMap<(&str, &str), BTreeSet<&str>> {
    let mut grouped: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for package in packages {
        grouped.entry((&package.ecosystem, &package.name)).or_default().insert(&package.version);
    }
    grouped
}

/// The changes from `old` to `new` (duplicates on a side count once).
pub fn diff_packages(old: &[PackageVersion], new: &[PackageVersion]) -> InventoryChanges {
    let (old, new) = (by_package(old), by_package(new));
    let mut changes = InventoryChanges::default();
    let keys: BTreeSet<&(&str, &str)> = old.keys().chain(new.keys()).collect();
    let empty = BTreeSet::new();
    for key in keys {
        let (ecosystem, name) = *key;
        let before = old.get(key).unwrap_or(&empty);
        let after = new.get(key).unwrap_or(&empty);
        let left: Vec<&str> = before.difference(after).copied().collect();
        let arrived: Vec<&str> = after.difference(before).copied().collect();
        let package = |version: &str| PackageVersion {
            ecosystem: ecosystem.to_string(),
            name: name.to_string(),
            version: version.to_string(),
        };
        match (left.as_slice(), arrived.as_slice()) {
            ([from], [to]) => changes.changed.push(VersionChange {
                ecosystem: ecosystem.to_string(),
                name: name.to_string(),
                from: (*from).to_string(),
                to: (*to).to_string(),
            }),
            _ => {
                changes.removed.extend(left.iter().map(|version| package(version)));
                changes.added.extend(arrived.iter().map(|version| package(version)));
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(ecosystem: &str, name: &str, version: &str) -> PackageVersion {
        PackageVersion { ecosystem: ecosystem.to_string(), name: name.to_string(), version: version.to_string() }
    }

    #[test]
    fn upgrades_additions_and_removals_are_told_apart() {
        let old = [
            package("npm", "lodash", "4.17.20"),
            package("npm", "left-pad", "1.0.0"),
            package("PyPI", "django", "3.2"),
        ];
        let new =
            [package("npm", "lodash", "4.17.21"), package("PyPI", "django", "3.2"), package("PyPI", "flask", "2.0")];
        let changes = diff_packages(&old, &new);
        assert_eq!(changes.added, vec![package("PyPI", "flask", "2.0")]);
        assert_eq!(changes.removed, vec![package("npm", "left-pad", "1.0.0")]);
        assert_eq!(
            changes.changed,
            vec![VersionChange {
                ecosystem: "npm".to_string(),
                name: "lodash".to_string(),
                from: "4.17.20".to_string(),
                to: "4.17.21".to_string(),
            }]
        );
        assert!(diff_packages(&new, &new).is_empty());
    }

    #[test]
    fn several_versions_of_one_name_are_listed_one_by_one() {
        // Two copies of lodash, one upgraded: not a one-to-one change.
        let old = [package("npm", "lodash", "4.17.20"), package("npm", "lodash", "3.10.1")];
        let new = [
            package("npm", "lodash", "4.17.21"),
            package("npm", "lodash", "3.10.1"),
            package("npm", "lodash", "2.4.2"),
        ];
        let changes = diff_packages(&old, &new);
        assert!(changes.changed.is_empty());
        assert_eq!(changes.removed, vec![package("npm", "lodash", "4.17.20")]);
        assert_eq!(changes.added, vec![package("npm", "lodash", "2.4.2"), package("npm", "lodash", "4.17.21")]);
    }
}
