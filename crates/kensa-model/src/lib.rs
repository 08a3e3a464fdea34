//! Kensa's domain model: the values every other crate passes around.
//!
//! An [`Inventory`] is what a scan collected from a [`Resource`]: [`Package`]s with
//! the paths they were found at. An [`Advisory`] is one record from a feed, already
//! validated and normalised into the one range model ([`AffectedRange`]) that all
//! feeds map onto. A [`Finding`] is the meeting of one vulnerability (an advisory
//! and its aliases) with one package, carrying its evidence.
//!
//! This crate does no I/O and has no failure modes: parsers at the edges turn
//! untrusted bytes into these values. The serde forms of [`Inventory`] are a wire
//! format (see `docs/inventory-format.md`): change them only with a version bump.

mod advisory;
mod ecosystem;
mod finding;
mod identity;
mod inventory;
mod location;
mod lookup;
mod package;
mod purl;
mod severity;
pub mod time;

pub use advisory::{
    Advisory, AffectedPackage, AffectedRange, CvssVector, CvssVersion, FixState, RangeEvent, RangeKind,
};
pub use ecosystem::{Ecosystem, UnknownEcosystem};
pub use finding::{
    CveCvss, EpssScore, Exposure, Finding, KensaScore, KnownExploited, MatchEvidence, PackageRef, ScoreAdjustment,
    Suppression, SuppressionSource, SuppressionStatus,
};
pub use identity::finding_identity;
pub use inventory::{
    Diagnostic, Distro, INVENTORY_SCHEMA_VERSION, ImageLayer, ImageMetadata, Inventory, Resource, ResourceKind,
    UnresolvedDependency,
};
pub use location::{Location, NESTING_SEPARATOR, nested_location, outermost_path};
pub use lookup::AdvisoryLookup;
pub use package::{Package, SourcePackage};
pub use purl::{Purl, percent_decode, percent_encode};
pub use severity::{Severity, SeveritySource};
