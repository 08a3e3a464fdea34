//! Rust packages: `Cargo.lock` lockfiles and binaries built with `cargo auditable`.
//!
//! Every package a lockfile or a binary's embedded dependency list names is
//! reported under [`Ecosystem::CratesIo`](kensa_model::Ecosystem::CratesIo),
//! whatever its source (registry, git or path), because cargo-audit checks every
//! locked package by name and version and Kensa aims for parity with it.
//!
//! Deliberately not handled: `Cargo.toml` manifests (their requirements are
//! ranges; the lockfile is the resolved truth), and Rust binaries built without
//! `cargo auditable`, whose dependencies cannot be recovered reliably.

mod auditable;
mod lockfile;

use crate::Cataloger;

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(lockfile::CargoLockCataloger), Box::new(auditable::CargoAuditableCataloger)]
}
