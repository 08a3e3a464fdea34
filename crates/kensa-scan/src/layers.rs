//! Which image layer introduced each package.

use std::collections::{HashMap, HashSet};

use kensa_catalog::Cataloger;
use kensa_model::Inventory;

/// (name, version, architecture): what makes two listings the same package.
type PackageKey = (String, String, Option<String>);

/// Sets each package's layer: the layer that introduced it, as Inspector and
/// Trivy report it. For a package database that upper layers rewrote (every
/// `apt-get install` rewrites dpkg's status), that is the lowest layer from
/// which on every version of the database lists the package with the same
/// version and architecture; otherwise the layer that wrote the file the
/// package was found in.
pub(crate) fn attribute_layers(
    image: &kensa_source::ImageFileSystem,
    catalogers: &[Box<dyn Cataloger>],
    inventory: &mut Inventory,
) {
    let distro = inventory.distro.clone();
    // Per database path: each earlier version's layer and the packages it lists.
    let mut earlier: HashMap<String, Vec<(String, HashSet<PackageKey>)>> = HashMap::new();
    for package in &mut inventory.packages {
        let Some(path) = package.locations.first().map(|location| kensa_model::outermost_path(location)) else {
            continue;
        };
        let mut layer = image.layer_of(path).map(|layer| layer.digest.clone());
        if package.ecosystem.is_operating_system() {
            let versions = earlier.entry(path.to_owned()).or_insert_with(|| {
                image
                    .earlier_versions(path)
                    .into_iter()
                    .map(|(info, contents)| {
                        let entry = kensa_fs::FileEntry {
                            path: path.to_owned(),
                            size: contents.len() as u64,
                            executable: false,
                        };
                        let listed = kensa_catalog::catalog_contents(catalogers, distro.as_ref(), &entry, contents)
                            .into_iter()
                            .map(|listed| (listed.name, listed.version, listed.architecture))
                            .collect();
                        (info.digest.clone(), listed)
                    })
                    .collect()
            });
            let key = (package.name.clone(), package.version.clone(), package.architecture.clone());
            for (digest, listed) in versions.iter().rev() {
                if !listed.contains(&key) {
                    break;
                }
                layer = Some(digest.clone());
            }
        }
        package.layer = layer;
    }
}
