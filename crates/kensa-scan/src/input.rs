//! Inputs read whole (SBOMs, stored inventories, policy files), with the
//! same bounds whether a file or a network upload carries them.

use std::io::Read;
use std::path::Path;

use kensa_model::Inventory;

use crate::ScanError;

/// The largest SBOM, inventory, VEX document or ignore file read: the
/// SBOMs of the largest real images are tens of MiB.
pub const INPUT_SIZE_LIMIT: u64 = 256 * 1024 * 1024;

/// Reads a whole input file of at most `limit` bytes. Only regular files
/// are read: a FIFO or a device (`/dev/zero`) would block or never end, so
/// it is refused before any byte is read, and a file that grows past the
/// limit while being read is cut off at `limit + 1` bytes and refused.
pub fn read_input_file(path: &Path, what: &'static str, limit: u64) -> Result<Vec<u8>, ScanError> {
    let io = |source: std::io::Error| ScanError::Io { what, path: path.display().to_string(), source };
    // Asked before opening: opening a FIFO for reading blocks until a writer
    // comes. Asked again of the open file, which is what is read.
    let not_regular = || ScanError::Invalid {
        what,
        path: path.display().to_string(),
        message: "not a regular file (a directory, FIFO or device is not read)".to_owned(),
    };
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    if metadata.len() > limit {
        return Err(ScanError::TooLarge { what, path: path.display().to_string(), limit });
    }
    let mut contents = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut contents).map_err(io)?;
    if contents.len() as u64 > limit {
        return Err(ScanError::TooLarge { what, path: path.display().to_string(), limit });
    }
    Ok(contents)
}

/// Refuses bytes handed over in memory (an upload) past [`INPUT_SIZE_LIMIT`],
/// as [`read_input_file`] refuses a file.
fn within_limit(what: &'static str, name: &str, contents: &[u8]) -> Result<(), ScanError> {
    if contents.len() as u64 > INPUT_SIZE_LIMIT {
        return Err(ScanError::TooLarge { what, path: name.to_owned(), limit: INPUT_SIZE_LIMIT });
    }
    Ok(())
}

/// A stored inventory (`kensa inventory`'s JSON, an agent's upload) of
/// this version of the format.
pub fn inventory_from_json(name: &str, contents: &[u8]) -> Result<Inventory, ScanError> {
    within_limit("inventory", name, contents)?;
    let inventory: Inventory = serde_json::from_slice(contents).map_err(|error| ScanError::Invalid {
        what: "Kensa inventory",
        path: name.to_owned(),
        message: error.to_string(),
    })?;
    if inventory.schema_version != kensa_model::INVENTORY_SCHEMA_VERSION {
        return Err(ScanError::Invalid {
            what: "Kensa inventory",
            path: name.to_owned(),
            message: format!(
                "inventory schema version {}, this kensa reads version {}",
                inventory.schema_version,
                kensa_model::INVENTORY_SCHEMA_VERSION
            ),
        });
    }
    Ok(inventory)
}

/// An SBOM (CycloneDX JSON/XML, SPDX JSON/tag-value) as an inventory of its purls.
pub fn inventory_from_sbom(name: &str, contents: &[u8]) -> Result<Inventory, ScanError> {
    within_limit("SBOM", name, contents)?;
    kensa_catalog::inventory_from_sbom(name, contents).map_err(|message| ScanError::Invalid {
        what: "SBOM",
        path: name.to_owned(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_fifos_are_refused_before_reading() {
        // /dev/zero never ends: reading it whole would exhaust memory.
        let error = read_input_file(Path::new("/dev/zero"), "SBOM", INPUT_SIZE_LIMIT).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
        let directory = tempfile::tempdir().unwrap();
        let error = read_input_file(directory.path(), "SBOM", INPUT_SIZE_LIMIT).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
    }

    #[test]
    fn files_over_the_limit_are_refused_with_the_limit_named() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("big.json");
        std::fs::write(&path, vec![b' '; 100]).unwrap();
        let error = read_input_file(&path, "inventory", 99).unwrap_err();
        assert_eq!(error.to_string(), format!("inventory {} is larger than the 99-byte limit", path.display()));
        assert_eq!(read_input_file(&path, "inventory", 100).unwrap().len(), 100);
    }

    #[test]
    fn inventories_of_another_version_are_refused() {
        let error = inventory_from_json("x.json", br#"{"schema_version": 999}"#).unwrap_err();
        assert!(error.to_string().starts_with("x.json is not a readable Kensa inventory"), "{error}");
    }
}
