//! Rust executables built with `cargo auditable`: their `.dep-v0` section (ELF,
//! PE, Mach-O) holds the zlib-compressed JSON list of every crate compiled in.
//!
//! Decoding is left to the `auditable-info` crate, written by the
//! cargo-auditable authors for exactly this and hardened against hostile input
//! (fuzzed, with size limits on the decompressed JSON). Binaries without the
//! section are the common case and yield nothing. Build-time-only crates
//! (`kind: build`, proc macros) are reported too: cargo-audit reports them, and
//! a vulnerable build script can still have compromised the binary.
//!
//! Not handled: WebAssembly modules (the crate feature is off) and Rust binaries
//! without audit data.

use auditable_info::Error as AuditableError;
use kensa_fs::FileEntry;
use kensa_model::{Ecosystem, Package};

use crate::golang::is_possible_executable;
use crate::{BINARY_SIZE_LIMIT, CatalogError, Cataloger, FileInput, Found};

const FORMAT: &str = "cargo-auditable binary";

/// The decompressed dependency list is a few hundred bytes per crate; 8 MiB
/// (cargo-auditable's own default) fits any real program and stops zip bombs.
const DECOMPRESSED_JSON_LIMIT: usize = 8 * 1024 * 1024;

/// Reads the dependency list embedded by `cargo auditable`.
pub(crate) struct CargoAuditableCataloger;

impl Cataloger for CargoAuditableCataloger {
    fn name(&self) -> &'static str {
        "cargo-auditable-binary"
    }

    fn is_interested(&self, entry: &FileEntry) -> bool {
        is_possible_executable(entry)
    }

    fn size_limit(&self) -> u64 {
        BINARY_SIZE_LIMIT
    }

    fn sniff(&self, probe: &mut crate::FileProbe<'_>) -> bool {
        match probe.executable() {
            crate::binary::Sniffed::NotExecutable => false,
            crate::binary::Sniffed::Elf(names) => names.iter().any(|name| name == ".dep-v0"),
            crate::binary::Sniffed::ReadWhole => true,
        }
    }

    fn catalog(&self, input: &FileInput<'_>) -> Result<Found, CatalogError> {
        if !crate::golang::is_executable_image(input.contents) {
            return Ok(Found::default());
        }
        let version_info = match auditable_info::audit_info_from_slice(input.contents, DECOMPRESSED_JSON_LIMIT) {
            Ok(version_info) => version_info,
            // No section, or a file the binary parser does not recognise as
            // carrying one: simply not an auditable binary.
            Err(AuditableError::NoAuditData | AuditableError::BinaryParsing(_)) => {
                return Ok(Found::default());
            }
            Err(error) => return Err(CatalogError::parse(input.path, FORMAT, error)),
        };
        let packages = version_info
            .packages
            .iter()
            .map(|package| Package::new(Ecosystem::CratesIo, &package.name, &package.version.to_string(), input.path))
            .collect();
        Ok(Found { packages, ..Found::default() })
    }
}
