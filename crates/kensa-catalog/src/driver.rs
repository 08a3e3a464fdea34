use std::collections::HashMap;

use kensa_fs::{FileEntry, FileSystem};
use kensa_model::{Diagnostic, Inventory, Package, Resource};

use crate::os::release::detect_distro;
use crate::{Cataloger, FileInput};

/// Options for one cataloging run.
#[derive(Debug, Clone, Default)]
pub struct CatalogOptions {}

/// Detects the distribution, walks a filesystem, gives each file to every
/// cataloger interested in it, and collects an [`Inventory`]. Unreadable or
/// malformed files become diagnostics. Language packages whose files an
/// operating-system package owns are marked as installed by it.
pub fn catalog_filesystem(
    filesystem: &dyn FileSystem,
    catalogers: &[Box<dyn Cataloger>],
    resource: Resource,
    _options: &CatalogOptions,
) -> Inventory {
    let mut inventory = Inventory::new(resource);
    let detection = detect_distro(filesystem);
    inventory.diagnostics.extend(detection.diagnostics);
    inventory.distro = detection.distro;
    let distro = inventory.distro.clone();
    let mut file_owners: HashMap<String, String> = HashMap::new();
    let mut wanted: Vec<(FileEntry, Vec<&dyn Cataloger>)> = Vec::new();
    filesystem.walk(
        &mut |entry| {
            let interested: Vec<&dyn Cataloger> =
                catalogers.iter().map(AsRef::as_ref).filter(|cataloger| cataloger.is_interested(entry)).collect();
            if !interested.is_empty() {
                wanted.push((entry.clone(), interested));
            }
        },
        &mut |error| {
            inventory.diagnostics.push(Diagnostic { path: String::new(), message: error.to_string() });
        },
    );
    for (entry, interested) in wanted {
        let limit = interested.iter().map(|cataloger| cataloger.size_limit()).max().unwrap_or(0);
        let contents = match filesystem.read(&entry.path, limit) {
            Ok(contents) => contents,
            Err(error) => {
                inventory.diagnostics.push(Diagnostic { path: entry.path.clone(), message: error.to_string() });
                continue;
            }
        };
        let input = FileInput { path: &entry.path, contents: &contents, filesystem, distro: distro.as_ref() };
        for cataloger in interested {
            match cataloger.catalog(&input) {
                Ok(found) => {
                    inventory.packages.extend(found.packages);
                    inventory.unresolved.extend(found.unresolved);
                    inventory.diagnostics.extend(found.diagnostics);
                    for (path, owner) in found.file_owners {
                        // A directory belongs to many packages; the first is as good as any.
                        file_owners.entry(path).or_insert(owner);
                    }
                }
                Err(error) => {
                    inventory.diagnostics.push(Diagnostic { path: entry.path.clone(), message: error.to_string() })
                }
            }
        }
    }
    attribute_to_operating_system_packages(&mut inventory.packages, &file_owners);
    inventory.normalize();
    inventory
}

/// Sets [`Package::installed_by`] on language packages located at a file an
/// operating-system package owns: `python3-requests` owns the
/// `requests-2.28.1.egg-info` metadata, `libguava-java` the jar.
fn attribute_to_operating_system_packages(packages: &mut [Package], file_owners: &HashMap<String, String>) {
    if file_owners.is_empty() {
        return;
    }
    for package in packages.iter_mut().filter(|package| !package.ecosystem.is_operating_system()) {
        let owner = package.locations.iter().find_map(|location| owner_of_location(location, file_owners));
        if let Some(owner) = owner {
            package.installed_by = Some(owner.clone());
        }
    }
}

/// The owner of a package's location, or of the metadata directory it sits in
/// (`*.dist-info/METADATA` when dpkg lists only the directory's files under
/// another name). Ordinary parent directories are not consulted: dpkg lists
/// `usr/lib/python3/dist-packages` under dozens of packages.
fn owner_of_location<'a>(location: &str, file_owners: &'a HashMap<String, String>) -> Option<&'a String> {
    if let Some(owner) = file_owners.get(location) {
        return Some(owner);
    }
    // On a merged-/usr tree the walk finds `usr/bin/x` while dpkg (before
    // Debian 13) still lists the `/bin/x` it unpacked through the symlink.
    if let Some(unmerged) = location.strip_prefix("usr/")
        && ["bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"].iter().any(|top| unmerged.starts_with(top))
        && let Some(owner) = file_owners.get(unmerged)
    {
        return Some(owner);
    }
    let parent = kensa_fs::parent(location);
    let is_metadata_directory = parent.ends_with(".dist-info") || parent.ends_with(".egg-info");
    if is_metadata_directory { file_owners.get(parent) } else { None }
}
