//! Installed Python distributions: `<name>-<version>.dist-info/METADATA`
//! (wheels), `<name>.egg-info/PKG-INFO` and `EGG-INFO/PKG-INFO` (setuptools), and
//! `<name>.egg-info` when it is a single file (old distutils installs). They sit
//! in `site-packages`, `dist-packages`, or at the root of a Lambda-style bundle;
//! any location is accepted.
//!
//! Only the `Name:` and `Version:` headers of the core-metadata (RFC 822 style)
//! header block are read; the body (the long description) is ignored. Not read:
//! `RECORD` and `top_level.txt`, which add no version information.

use kensa_fs::FileEntry;
use kensa_model::{Ecosystem, Package};

use crate::{CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "Python core metadata";

pub(super) struct InstalledDistributionCataloger;

impl Cataloger for InstalledDistributionCataloger {
    fn name(&self) -> &'static str {
        "python-installed-metadata"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        is_distribution_metadata(&entry.path)
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        // The description may hold any bytes old tools wrote; only the ASCII
        // headers matter, so a lossy decode is safe.
        let text = String::from_utf8_lossy(input.contents);
        let (name, version) = read_name_and_version(&text);
        let (Some(name), Some(version)) = (name, version) else {
            return Err(CatalogError::parse(input.path, FORMAT, "no `Name:` and `Version:` headers"));
        };
        Ok(Found { packages: vec![Package::new(Ecosystem::PyPI, name, version, input.path)], ..Found::default() })
    }
}

fn is_distribution_metadata(path: &str) -> bool {
    let (directory, file_name) = path.rsplit_once('/').unwrap_or(("", path));
    let directory_name = directory.rsplit('/').next().unwrap_or(directory);
    (file_name == "METADATA" && directory_name.ends_with(".dist-info"))
        || (file_name == "PKG-INFO" && (directory_name.ends_with(".egg-info") || directory_name == "EGG-INFO"))
        || (file_name.ends_with(".egg-info") && file_name.len() > ".egg-info".len())
}

/// The first `Name:` and `Version:` values of the header block, which ends at the
/// first empty line.
fn read_name_and_version(text: &str) -> (Option<&str>, Option<&str>) {
    let mut name = None;
    let mut version = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key {
            "Name" if name.is_none() => name = Some(value),
            "Version" if version.is_none() => version = Some(value),
            _ => {}
        }
    }
    (name, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The metadata files of every installation layout are recognised, and
    /// similarly named files are not.
    #[test]
    fn recognises_metadata_paths() {
        assert!(is_distribution_metadata("site-packages/requests-2.19.1.dist-info/METADATA"));
        assert!(is_distribution_metadata("Click-7.0.dist-info/METADATA"));
        assert!(is_distribution_metadata("lib/python3.6/site-packages/six.egg-info/PKG-INFO"));
        assert!(is_distribution_metadata("foo-1.0-py3.egg/EGG-INFO/PKG-INFO"));
        assert!(is_distribution_metadata("dist-packages/python_apt-2.0.0.egg-info"));
        assert!(!is_distribution_metadata("site-packages/requests/METADATA"));
        assert!(!is_distribution_metadata("requests-2.19.1.dist-info/RECORD"));
        assert!(!is_distribution_metadata(".egg-info"));
    }

    /// Headers after the blank line (the description) cannot override the real ones.
    #[test]
    fn reads_only_the_header_block() {
        let text = "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n\nName: impostor\nVersion: 9\n";
        assert_eq!(read_name_and_version(text), (Some("requests"), Some("2.19.1")));
        assert_eq!(read_name_and_version("\nName: late\n"), (None, None));
    }
}
