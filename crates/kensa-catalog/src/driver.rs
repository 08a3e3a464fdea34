use kensa_fs::{FileEntry, FileSystem};
use kensa_model::{Diagnostic, Inventory, Resource};

use crate::{Cataloger, FileInput};

/// Options for one cataloging run.
#[derive(Debug, Clone, Default)]
pub struct CatalogOptions {}

/// Walks a filesystem, gives each file to every cataloger interested in it, and
/// collects an [`Inventory`]. Unreadable or malformed files become diagnostics.
pub fn catalog_filesystem(
    filesystem: &dyn FileSystem,
    catalogers: &[Box<dyn Cataloger>],
    resource: Resource,
    _options: &CatalogOptions,
) -> Inventory {
    let mut inventory = Inventory::new(resource);
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
        let input = FileInput { path: &entry.path, contents: &contents, filesystem };
        for cataloger in interested {
            match cataloger.catalog(&input) {
                Ok(found) => {
                    inventory.packages.extend(found.packages);
                    inventory.unresolved.extend(found.unresolved);
                    inventory.diagnostics.extend(found.diagnostics);
                }
                Err(error) => {
                    inventory.diagnostics.push(Diagnostic { path: entry.path.clone(), message: error.to_string() })
                }
            }
        }
    }
    inventory.normalize();
    inventory
}
