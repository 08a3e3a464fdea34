//! Output formats. This crate owns every wire format findings leave Kensa in:
//! the JSON report (its serde types are private to `json`, so the model can
//! change without breaking users), the table, CycloneDX 1.6, SPDX 2.3,
//! SARIF 2.1.0, CSV, ASFF, OCSF 1.6.0 and a single-file HTML page, each
//! snapshotted in `tests/snapshots.rs` and validated by the format's own
//! tools in kensa-cli's tests. Text from scanned input is made safe where a
//! format would act on it (`text`: terminal controls, spreadsheet formulas,
//! non-web links).
//!
//! Writers take a `&mut dyn Write`; nothing here opens files or decides about
//! terminals — the caller says whether colour is wanted.

mod asff;
mod csv_report;
mod cyclonedx;
mod html;
mod json;
mod ocsf;
mod sarif;
mod spdx;
mod table;
mod text;

use kensa_model::{CvssVector, CvssVersion, Finding, Inventory};

pub use asff::{AsffTarget, write_asff};
pub use csv_report::write_csv;
pub use cyclonedx::write_cyclonedx;
pub use html::write_html;
pub use json::{JSON_SCHEMA_VERSION, write_json};
pub use ocsf::{OCSF_SCHEMA_VERSION, write_ocsf};
pub use sarif::write_sarif;
pub use spdx::write_spdx;
pub use table::write_table;

/// Everything a report presents: the inventory scanned and what matching found.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The scanned inventory (resource, packages, unresolved, diagnostics).
    pub inventory: &'a Inventory,
    /// Vulnerabilities, already sorted.
    pub findings: &'a [Finding],
    /// Informational advisories, already sorted.
    pub warnings: &'a [Finding],
    /// Extra diagnostics from matching (undecidable comparisons), as (subject, message).
    pub match_notes: &'a [(String, String)],
}

/// The CVSS version of a vector as formats name it (`2.0`, `3.0`, `3.1`, `4.0`):
/// the model keeps v3.0 and v3.1 as one version, the prefix tells them apart.
pub(crate) fn cvss_version_label(cvss: &CvssVector) -> &'static str {
    match cvss.version {
        CvssVersion::V2 => "2.0",
        CvssVersion::V3 if cvss.vector.starts_with("CVSS:3.0") => "3.0",
        CvssVersion::V3 => "3.1",
        CvssVersion::V4 => "4.0",
    }
}
