use kensa_model::PackageRef;

/// A stable fingerprint of (location, package, vulnerability id): the same finding
/// in two scans has the same fingerprint, across Kensa versions and platforms.
///
/// FNV-1a (64-bit), written out here because `std`'s hashers are explicitly not
/// stable across releases, and a cryptographic hash would be a dependency for no
/// gain: fingerprints de-duplicate, they do not authenticate.
pub fn fingerprint(package: &PackageRef, vulnerability_id: &str) -> String {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET_BASIS;
    for part in [
        package.location.as_str(),
        package.ecosystem.as_str(),
        package.name.as_str(),
        package.version.as_str(),
        vulnerability_id,
    ] {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}
