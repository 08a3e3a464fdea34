//! The identity of a finding over its life, for a service that keeps
//! findings: which finding of yesterday's scan is this one?
//!
//! The identity is a 128-bit FNV-1a hash (32 hex digits, the form an
//! Inspector finding ARN ends in) of:
//! - the resource key the caller gives (a service's resource id; the CLI has
//!   none to give but the resource name), so the same package in two
//!   resources is two findings;
//! - the location inside the resource, the ecosystem and the normalised
//!   package name;
//! - the finding's [`Finding::identity_anchor`]: the smallest id of the
//!   advisory *records* it came from, or, for one CVE of a distribution
//!   advisory that bundles several, that CVE.
//!
//! So it is stable across rescans and re-ordering (nothing depends on order
//! or timing), across an upgrade to another version that is still affected
//! (the version is not part of it, as Inspector keeps the finding and updates
//! its package), and across a feed adding a CVE alias to a GHSA-only advisory
//! (the finding's id changes from the GHSA to the CVE, its anchor does not).
//! What changes it: another location or resource, or a vulnerability that
//! newly merges with an advisory record of a smaller id; a service reconciles
//! those by the record ids a finding's evidence names.
//!
//! The hash is written out because `std`'s hashers are not stable across
//! releases, and identities must survive upgrades of Kensa.

use crate::Finding;

/// A finding's lifecycle identity: 32 lowercase hex digits.
pub fn finding_identity(resource_key: &str, finding: &Finding) -> String {
    const OFFSET_BASIS: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let anchor =
        if finding.identity_anchor.is_empty() { finding.id.as_str() } else { finding.identity_anchor.as_str() };
    let name = finding.package.ecosystem.normalize_name(&finding.package.name);
    let mut hash = OFFSET_BASIS;
    for part in [
        "kensa-finding-identity-v1",
        resource_key,
        finding.package.location.as_str(),
        finding.package.ecosystem.as_str(),
        name.as_str(),
        anchor,
    ] {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}
