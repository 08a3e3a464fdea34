//! The rules distribution security teams match by.
//!
//! - Distro advisories are keyed by the *source* package for Debian, Ubuntu and
//!   the apk distributions (one advisory covers every binary built from it), and
//!   by the binary package name for the RPM distributions (their OSV feeds list
//!   binary RPMs). Debian binaries are compared by their source version too:
//!   a binNMU (`+b1`) or a binary with its own version must not hide a fix.
//! - An advisory's release must be the host's release: a `Debian:11` record
//!   never matches a Debian 12 host. With no detected distribution, OS packages
//!   are not matched at all (and the outcome says so) rather than matched
//!   against every release.
//! - OS packages only ever meet records of their own distribution's ecosystem
//!   (lookups are by ecosystem), never upstream records: upstream fixes are
//!   backported, and matching upstream CVE ranges to distro builds is the largest
//!   source of false positives in other scanners.

use kensa_model::{Distro, Ecosystem, Package};

/// The name advisories are indexed under for this package, and the version to
/// compare with their ranges.
pub(crate) fn lookup_key(package: &Package) -> (String, &str) {
    match package.ecosystem {
        Ecosystem::Debian | Ecosystem::Ubuntu => match &package.source {
            Some(source) => (source.name.clone(), source.version.as_str()),
            None => (package.name.clone(), package.version.as_str()),
        },
        Ecosystem::Alpine | Ecosystem::Wolfi | Ecosystem::Chainguard => {
            (package.source_name().to_owned(), package.version.as_str())
        }
        _ => (package.lookup_name(), package.version.as_str()),
    }
}

/// Does an advisory's release qualifier apply to the scanned distribution?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReleaseMatch {
    /// Same release (or the ecosystem has no releases).
    Matches,
    /// Another release.
    Differs,
    /// An OS package, but the distribution's release is unknown.
    DistroUnknown,
}

/// Compares an OSV-style release qualifier (the part after `Debian:`) with the
/// detected distribution.
pub(crate) fn release_matches(ecosystem: Ecosystem, release: Option<&str>, distro: Option<&Distro>) -> ReleaseMatch {
    if !ecosystem.is_operating_system() {
        return ReleaseMatch::Matches;
    }
    let Some(release) = release.map(str::trim).filter(|release| !release.is_empty()) else {
        // Rolling distributions (Wolfi, Chainguard) publish without a release.
        return ReleaseMatch::Matches;
    };
    let Some(distro) = distro else { return ReleaseMatch::DistroUnknown };
    let same = match ecosystem {
        Ecosystem::Debian => debian_release(distro).is_some_and(|host| host == release),
        Ecosystem::Ubuntu => ubuntu_release_matches(release, distro),
        Ecosystem::Alpine => {
            alpine_release(&distro.version).is_some_and(|host| host == release.trim_start_matches('v'))
        }
        Ecosystem::AlmaLinux | Ecosystem::RockyLinux | Ecosystem::Mageia => {
            major(&distro.version) == major(release) && !release.is_empty()
        }
        Ecosystem::RedHat => red_hat_release_matches(release, distro),
        Ecosystem::Suse | Ecosystem::OpenSuse => suse_release_matches(release, distro),
        Ecosystem::Wolfi | Ecosystem::Chainguard => true,
        Ecosystem::AmazonLinux => amazon_linux_release(&distro.version) == release,
        _ => false,
    };
    if same { ReleaseMatch::Matches } else { ReleaseMatch::Differs }
}

/// Amazon Linux releases as ALAS names them: `1` (the Amazon Linux AMI,
/// whose hosts say `2018.03`), `2`, `2022`, `2023` (hosts say `2023` or
/// `2023.6.20241010`).
fn amazon_linux_release(version: &str) -> &str {
    let major = major(version);
    match major.len() {
        // `2017.09`, `2018.03`: the Amazon Linux AMI, ALAS's release 1.
        4 if version.contains('.') && major < "2022" => "1",
        _ => major,
    }
}

fn major(version: &str) -> &str {
    version.split(['.', ':']).next().unwrap_or_default()
}

/// Debian advisories name releases by number (`12`); hosts give `12`, `12.5`,
/// or, for testing and unstable, only a code name.
fn debian_release(distro: &Distro) -> Option<String> {
    let number = major(&distro.version);
    if !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()) {
        return Some(number.to_owned());
    }
    let codename = distro.codename.as_deref()?;
    let number = match codename {
        "buzz" => "1.1",
        "rex" => "1.2",
        "bo" => "1.3",
        "hamm" => "2.0",
        "slink" => "2.1",
        "potato" => "2.2",
        "woody" => "3.0",
        "sarge" => "3.1",
        "etch" => "4",
        "lenny" => "5",
        "squeeze" => "6",
        "wheezy" => "7",
        "jessie" => "8",
        "stretch" => "9",
        "buster" => "10",
        "bullseye" => "11",
        "bookworm" => "12",
        "trixie" => "13",
        "forky" => "14",
        "duke" => "15",
        _ => return None,
    };
    Some(number.to_owned())
}

/// Ubuntu qualifiers: `22.04:LTS`, `22.04`, `Pro:18.04:LTS`, `Pro:FIPS:18.04:LTS`.
/// ESM (`Pro`) records apply only where Ubuntu Pro is enabled; on such hosts the
/// standard records apply too.
fn ubuntu_release_matches(release: &str, distro: &Distro) -> bool {
    let mut parts: Vec<&str> = release.split(':').collect();
    let is_pro = parts.first().is_some_and(|first| *first == "Pro");
    if is_pro {
        if !distro.extended_support {
            return false;
        }
        parts.retain(|part| *part != "Pro" && !part.starts_with("FIPS"));
    }
    let version = parts.first().copied().unwrap_or_default();
    let host: String = distro.version.split('.').take(2).collect::<Vec<_>>().join(".");
    !version.is_empty() && version == host
}

/// Alpine advisories name `v3.18`; hosts give `3.18.4` (or `edge`'s `3.19_alpha…`).
fn alpine_release(version: &str) -> Option<String> {
    let mut parts = version.split('.');
    let major = parts.next().filter(|part| !part.is_empty())?;
    let minor = parts.next()?.split(|character: char| !character.is_ascii_digit()).next()?;
    Some(format!("{major}.{minor}"))
}

/// Red Hat OSV qualifiers look like `enterprise_linux:9::appstream` (CPE
/// fragments); the major release number decides.
fn red_hat_release_matches(release: &str, distro: &Distro) -> bool {
    let release_major =
        release.split(':').find(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()));
    release_major.is_some_and(|release_major| release_major == major(&distro.version))
}

/// SUSE qualifiers: `Linux Enterprise Server 15 SP5`, `Leap 15.5`, `Tumbleweed`;
/// hosts give VERSION_ID `15.5` (SLES: 15 SP5) or `20240101` (Tumbleweed).
fn suse_release_matches(release: &str, distro: &Distro) -> bool {
    if release.contains("Tumbleweed") {
        return distro.id.contains("tumbleweed");
    }
    let mut version = distro.version.split('.');
    let host_major = version.next().unwrap_or_default();
    let host_minor = version.next().unwrap_or("0");
    let service_pack = if host_minor == "0" { String::new() } else { format!(" SP{host_minor}") };
    let numbers: Vec<&str> =
        release.split_whitespace().filter(|word| word.starts_with(|c: char| c.is_ascii_digit())).collect();
    match numbers.as_slice() {
        [number] if number.contains('.') => *number == distro.version,
        [number] => {
            let release_service_pack =
                release.split_whitespace().find(|word| word.starts_with("SP")).map(|word| format!(" {word}"));
            *number == host_major && release_service_pack.unwrap_or_default() == service_pack
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(id: &str, version: &str) -> Distro {
        Distro { id: id.to_owned(), version: version.to_owned(), ..Distro::default() }
    }

    /// A Debian 11 record never matches a Debian 12 host; point releases and
    /// code names resolve to the release number.
    #[test]
    fn debian_release_must_be_the_hosts() {
        let bookworm = distro("debian", "12.5");
        assert_eq!(release_matches(Ecosystem::Debian, Some("12"), Some(&bookworm)), ReleaseMatch::Matches);
        assert_eq!(release_matches(Ecosystem::Debian, Some("11"), Some(&bookworm)), ReleaseMatch::Differs);
        let trixie = Distro { codename: Some("trixie".to_owned()), ..distro("debian", "") };
        assert_eq!(release_matches(Ecosystem::Debian, Some("13"), Some(&trixie)), ReleaseMatch::Matches);
        assert_eq!(release_matches(Ecosystem::Debian, Some("12"), None), ReleaseMatch::DistroUnknown);
    }

    /// Amazon Linux errata apply to their release only; the Amazon Linux AMI
    /// (`2018.03` on the host) is ALAS's release 1; AL2023 hosts may give a
    /// dated version.
    #[test]
    fn amazon_linux_releases() {
        for (host, release) in
            [("2", "2"), ("2023", "2023"), ("2023.6.20241010", "2023"), ("2018.03", "1"), ("2022", "2022")]
        {
            let host = distro("amzn", host);
            assert_eq!(
                release_matches(Ecosystem::AmazonLinux, Some(release), Some(&host)),
                ReleaseMatch::Matches,
                "{host:?}"
            );
        }
        let two = distro("amzn", "2");
        for other in ["1", "2022", "2023"] {
            assert_eq!(release_matches(Ecosystem::AmazonLinux, Some(other), Some(&two)), ReleaseMatch::Differs);
        }
    }

    /// Ubuntu ESM records need Ubuntu Pro; standard ones always apply.
    #[test]
    fn ubuntu_pro_records_need_pro() {
        let bionic = distro("ubuntu", "18.04");
        let bionic_pro = Distro { extended_support: true, ..distro("ubuntu", "18.04") };
        assert_eq!(release_matches(Ecosystem::Ubuntu, Some("18.04:LTS"), Some(&bionic)), ReleaseMatch::Matches);
        assert_eq!(release_matches(Ecosystem::Ubuntu, Some("Pro:18.04:LTS"), Some(&bionic)), ReleaseMatch::Differs);
        assert_eq!(release_matches(Ecosystem::Ubuntu, Some("Pro:18.04:LTS"), Some(&bionic_pro)), ReleaseMatch::Matches);
        assert_eq!(release_matches(Ecosystem::Ubuntu, Some("22.04:LTS"), Some(&bionic)), ReleaseMatch::Differs);
    }

    /// Alpine `v3.18` is every 3.18.x; RPM distributions compare major releases.
    #[test]
    fn alpine_and_rpm_releases() {
        assert_eq!(
            release_matches(Ecosystem::Alpine, Some("v3.18"), Some(&distro("alpine", "3.18.4"))),
            ReleaseMatch::Matches
        );
        assert_eq!(
            release_matches(Ecosystem::Alpine, Some("v3.1"), Some(&distro("alpine", "3.18.4"))),
            ReleaseMatch::Differs
        );
        assert_eq!(
            release_matches(Ecosystem::AlmaLinux, Some("9"), Some(&distro("almalinux", "9.3"))),
            ReleaseMatch::Matches
        );
        assert_eq!(
            release_matches(Ecosystem::AlmaLinux, Some("8"), Some(&distro("almalinux", "9.3"))),
            ReleaseMatch::Differs
        );
        assert_eq!(
            release_matches(Ecosystem::RedHat, Some("enterprise_linux:9::appstream"), Some(&distro("rhel", "9.2"))),
            ReleaseMatch::Matches
        );
        assert_eq!(
            release_matches(Ecosystem::Suse, Some("Linux Enterprise Server 15 SP5"), Some(&distro("sles", "15.5"))),
            ReleaseMatch::Matches
        );
        assert_eq!(
            release_matches(Ecosystem::Suse, Some("Linux Enterprise Server 15 SP4"), Some(&distro("sles", "15.5"))),
            ReleaseMatch::Differs
        );
        assert_eq!(
            release_matches(Ecosystem::OpenSuse, Some("Leap 15.5"), Some(&distro("opensuse-leap", "15.5"))),
            ReleaseMatch::Matches
        );
        assert_eq!(release_matches(Ecosystem::Wolfi, None, Some(&distro("wolfi", "20230201"))), ReleaseMatch::Matches);
    }

    /// Language packages have no releases.
    #[test]
    fn language_ecosystems_ignore_releases() {
        assert_eq!(release_matches(Ecosystem::PyPI, None, None), ReleaseMatch::Matches);
    }
}
