//! Operating-system packages: the distribution ([`release`]) and its package
//! databases — dpkg ([`dpkg`]), apk ([`apk`]) and rpm.
//!
//! The driver detects the distribution once per scan and hands it to these
//! catalogers through [`crate::FileInput::distro`], which picks the ecosystem
//! (Debian or Ubuntu, Alpine or Wolfi) and the purl `distro=` qualifier.
//! Each database cataloger also reports which files each installed package
//! owns ([`crate::Found::file_owners`]), so the driver can mark language
//! packages installed by the OS.
//!
//! Deliberately not handled here: matching (kensa-match) and distro
//! advisories (kensa-advisory).

pub(crate) mod apk;
pub(crate) mod dpkg;
pub(crate) mod release;
pub(crate) mod rpm;

use kensa_model::Distro;

use crate::Cataloger;

pub(crate) fn catalogers() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(dpkg::DpkgCataloger), Box::new(apk::ApkCataloger), Box::new(rpm::RpmDatabaseCataloger)]
}

/// The purl `distro=` qualifier for a detected distribution: `debian-12`,
/// `ubuntu-22.04`, `alpine-3.18.4`; the code name when there is no release
/// number (`debian-sid`).
pub(crate) fn distro_qualifier(distro: Option<&Distro>) -> Option<String> {
    let distro = distro?;
    if distro.id.is_empty() {
        return None;
    }
    let release =
        if distro.version.is_empty() { distro.codename.as_deref().unwrap_or_default() } else { &distro.version };
    Some(if release.is_empty() { distro.id.clone() } else { format!("{}-{release}", distro.id) })
}

/// Whether the distribution is `id` or declares itself like it (`ID_LIKE`).
pub(crate) fn is_like(distro: Option<&Distro>, id: &str) -> bool {
    distro.is_some_and(|distro| distro.id == id || distro.id_like.iter().any(|like| like == id))
}

/// The part of a database path before `suffix` (`var/lib/dpkg/status`), so
/// that files a package owns are located in the same tree as its database
/// when that tree is nested inside the scanned directory.
pub(crate) fn root_prefix<'a>(path: &'a str, suffix: &str) -> &'a str {
    path.strip_suffix(suffix).filter(|prefix| prefix.is_empty() || prefix.ends_with('/')).unwrap_or("")
}

/// Joins a root prefix and an absolute path from a package database.
pub(crate) fn owned_path(prefix: &str, absolute_path: &str) -> String {
    let relative = absolute_path.trim_start_matches('/');
    let mut path = String::with_capacity(prefix.len() + relative.len());
    path.push_str(prefix);
    path.push_str(relative);
    path
}
