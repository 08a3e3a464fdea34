//! The scan pipeline as a library: the one way the CLI, the server and the
//! agent turn something to scan into an inventory, and an inventory into the
//! report model.
//!
//! Two steps, kept apart because the service runs them at different times:
//! - [`collect_inventory`]: a [`ScanTarget`] (a directory or file, a container
//!   image from an archive, a layout, a local engine or a registry, a
//!   function bundle, an SBOM, a stored inventory) → an [`Inventory`], with
//!   the catalogers' keep-rules, the layer-cache key and layer attribution
//!   decided here and nowhere else;
//! - [`assess`]: (inventory, a database snapshot, [`AssessOptions`]: exposure,
//!   filters, suppression policy, today's date) → an [`Assessment`] (findings,
//!   warnings, notes, what the policy did), from which
//!   [`Assessment::report`] gives `kensa-report` its model.
//!
//! What this crate deliberately does not do: read settings, environment
//! variables or terminals, pick output formats, or print. Every input a
//! server accepts over the network is bounded the same way here
//! ([`read_input_file`], [`inventory_from_json`]) as when the CLI reads a file.

mod assess;
mod input;
mod layers;
mod target;

pub use assess::{AssessOptions, Assessment, assess};
pub use input::{INPUT_SIZE_LIMIT, inventory_from_json, inventory_from_sbom, read_input_file};
pub use target::{
    CatalogersWant, ImageLocation, ImageSourceKind, ImageTarget, ScanTarget, collect_image_inventory, collect_inventory,
};

pub use kensa_fs::ScanBudget;
pub use kensa_model::Inventory;

/// Errors running the pipeline; each names what was being scanned or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A file could not be read.
    #[error("cannot read {what} {path}: {source}")]
    Io {
        /// What the file should be (`SBOM`, `inventory`, `VEX document`, …).
        what: &'static str,
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An input is not something this pipeline reads.
    #[error("{path} is not a readable {what}: {message}")]
    Invalid {
        /// What it should be.
        what: &'static str,
        /// The file or upload.
        path: String,
        /// Why not.
        message: String,
    },
    /// An input is larger than the pipeline accepts.
    #[error("{what} {path} is larger than the {limit}-byte limit")]
    TooLarge {
        /// What it should be.
        what: &'static str,
        /// The file or upload.
        path: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A directory or file to scan could not be opened.
    #[error("cannot scan {path}: {source}")]
    Filesystem {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: kensa_fs::FsError,
    },
    /// An image could not be read.
    #[error("cannot scan {what} {name}: {source}")]
    Image {
        /// `image archive`, `OCI image layout`, `image`.
        what: &'static str,
        /// The archive, directory or reference.
        name: String,
        /// The cause.
        #[source]
        source: kensa_source::SourceError,
    },
    /// An image reference was found in none of the sources asked.
    #[error("image {reference} was found nowhere: {tried}")]
    ImageNotFound {
        /// The reference.
        reference: String,
        /// What each source said.
        tried: String,
    },
    /// A function bundle could not be read.
    #[error("cannot scan archive {path}: {source}")]
    Bundle {
        /// The bundle.
        path: String,
        /// The cause.
        #[source]
        source: kensa_source::BundleError,
    },
    /// A suppression policy file is malformed.
    #[error(transparent)]
    Policy(#[from] kensa_policy::PolicyError),
    /// The scan was cancelled through its budget.
    #[error("the scan of {resource} was cancelled")]
    Cancelled {
        /// What was being scanned.
        resource: String,
    },
    /// The advisory lookup failed (database I/O or corruption).
    #[error("cannot match {resource}: {message}")]
    Lookup {
        /// The resource being matched.
        resource: String,
        /// The lookup's error.
        message: String,
    },
}
