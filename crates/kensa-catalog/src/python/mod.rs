//! Python catalogers: `requirements*.txt`, `poetry.lock`, `Pipfile.lock`,
//! `uv.lock`, `pdm.lock`, `pylock.toml`, installed distributions
//! (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, `*.egg-info` files), and the
//! declarations of a `pyproject.toml` that has no lockfile beside it (as
//! unresolved dependencies only).
//!
//! Lockfiles report every locked package, development groups included: the file
//! does not say which groups get installed. Environment markers are not evaluated
//! (a package locked for another platform is still reported) for the same reason.
//! Names are reported as written; the model normalises them (PEP 503).
//!
//! Not handled here: `setup.py` declarations (code, and ranges rather than
//! installed versions).

mod installed;
mod pipfile;
mod pylock;
mod pyproject;
mod requirements;
mod toml_lock;

use crate::{CatalogError, Cataloger};

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(requirements::RequirementsCataloger),
        Box::new(toml_lock::PoetryLockCataloger),
        Box::new(pipfile::PipfileLockCataloger),
        Box::new(toml_lock::UvLockCataloger),
        Box::new(toml_lock::PdmLockCataloger),
        Box::new(pylock::PylockCataloger),
        Box::new(pyproject::PyprojectCataloger),
        Box::new(installed::InstalledDistributionCataloger),
    ]
}

/// Decodes a text file: UTF-8 (a byte-order mark dropped) or, when it starts with
/// a UTF-16 byte-order mark, UTF-16 (Windows tools write requirements files so).
fn decode_text(path: &str, format: &'static str, contents: &[u8]) -> Result<String, CatalogError> {
    let utf16 = |bytes: &[u8], little_endian: bool| -> Result<String, CatalogError> {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| match pair {
                [first, second] if little_endian => u16::from_le_bytes([*first, *second]),
                [first, second] => u16::from_be_bytes([*first, *second]),
                _ => 0,
            })
            .collect();
        String::from_utf16(&units).map_err(|error| CatalogError::parse(path, format, format!("not UTF-16: {error}")))
    };
    if let Some(rest) = contents.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = contents.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    let contents = contents.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(contents);
    String::from_utf8(contents.to_vec())
        .map_err(|error| CatalogError::parse(path, format, format!("not UTF-8: {error}")))
}
