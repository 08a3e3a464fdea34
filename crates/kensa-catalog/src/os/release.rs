//! Which operating-system distribution and release a tree holds.
//!
//! Sources, most trusted first: `etc/os-release`, `usr/lib/os-release`
//! (freedesktop.org format), `etc/lsb-release`, `etc/alpine-release`, the
//! Red Hat family's `etc/*-release` sentences (`Rocky Linux release 8.4 (Green
//! Obsidian)`), `etc/debian_version`, and for distroless Debian images, which
//! may have none of these, the version of `base-files` in
//! `var/lib/dpkg/status.d/`. The first source that names a distribution wins;
//! later ones only fill gaps (Debian's os-release has no point release, and
//! testing has no `VERSION_ID` at all). On Ubuntu, the Pro client's
//! `var/lib/ubuntu-advantage/status.json` says whether ESM is enabled.
//!
//! A release file that exists but names nothing usable becomes a diagnostic
//! giving the reason; a tree with no release file at all (a project
//! directory) is simply not an operating system.
//!
//! Deliberately not handled: mapping a distribution to an advisory ecosystem
//! (each package-database cataloger knows which distributions use it), and
//! guessing from package databases beyond distroless Debian.

use kensa_fs::FileSystem;
use kensa_model::{Diagnostic, Distro};
use serde::Deserialize;

/// Release files are a few hundred bytes; anything this large is not one.
const RELEASE_FILE_SIZE_LIMIT: u64 = 64 * 1024;
/// The Ubuntu Pro status is a few kilobytes of JSON.
const UBUNTU_PRO_STATUS_SIZE_LIMIT: u64 = 4 * 1024 * 1024;

const OS_RELEASE_PATHS: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];
const LSB_RELEASE_PATH: &str = "etc/lsb-release";
const ALPINE_RELEASE_PATH: &str = "etc/alpine-release";
/// Red Hat family release sentences. The distribution-specific files come
/// before `redhat-release`, which Oracle Linux, CentOS and the rebuilds also ship.
const REDHAT_FAMILY_RELEASE_PATHS: [&str; 7] = [
    "etc/oracle-release",
    "etc/almalinux-release",
    "etc/rocky-release",
    "etc/centos-release",
    "etc/fedora-release",
    "etc/redhat-release",
    "etc/system-release",
];
const DEBIAN_VERSION_PATH: &str = "etc/debian_version";
const DISTROLESS_BASE_FILES_PATH: &str = "var/lib/dpkg/status.d/base-files";
/// Where the Ubuntu Pro (formerly Ubuntu Advantage) client writes its status.
pub(crate) const UBUNTU_PRO_STATUS_PATH: &str = "var/lib/ubuntu-advantage/status.json";

/// Whether [`detect_distro`] may read `path`: a source that keeps only
/// wanted files must keep these.
pub(crate) fn is_release_file(path: &str) -> bool {
    OS_RELEASE_PATHS.contains(&path)
        || REDHAT_FAMILY_RELEASE_PATHS.contains(&path)
        || [
            LSB_RELEASE_PATH,
            ALPINE_RELEASE_PATH,
            DEBIAN_VERSION_PATH,
            DISTROLESS_BASE_FILES_PATH,
            UBUNTU_PRO_STATUS_PATH,
        ]
        .contains(&path)
}

/// What distribution detection found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DistroDetection {
    /// The distribution, when a release file named one.
    pub distro: Option<Distro>,
    /// Release files that exist but could not be used, each with the reason.
    /// With `distro` set they are files a better source made unnecessary.
    pub diagnostics: Vec<Diagnostic>,
}

/// Detects the distribution of the tree `filesystem` is rooted at.
pub fn detect_distro(filesystem: &dyn FileSystem) -> DistroDetection {
    let mut detection = DistroDetection::default();
    let mut distro = None;
    for path in OS_RELEASE_PATHS {
        if let Some(text) = read_release_file(filesystem, path, &mut detection.diagnostics) {
            match distro_from_os_release(&text, path) {
                Ok(found) => {
                    distro = Some(found);
                    break;
                }
                Err(reason) => detection.diagnostics.push(unusable(path, &reason)),
            }
        }
    }
    if distro.is_none() {
        distro = distro_from_other_release_files(filesystem, &mut detection.diagnostics);
    }
    if let Some(distro) = &mut distro {
        fill_gaps(filesystem, distro, &mut detection.diagnostics);
    }
    detection.distro = distro;
    detection
}

fn distro_from_other_release_files(filesystem: &dyn FileSystem, diagnostics: &mut Vec<Diagnostic>) -> Option<Distro> {
    if let Some(text) = read_release_file(filesystem, LSB_RELEASE_PATH, diagnostics) {
        match distro_from_lsb_release(&text) {
            Ok(distro) => return Some(distro),
            Err(reason) => diagnostics.push(unusable(LSB_RELEASE_PATH, &reason)),
        }
    }
    if let Some(text) = read_release_file(filesystem, ALPINE_RELEASE_PATH, diagnostics) {
        let version = text.trim();
        if version.is_empty() {
            diagnostics.push(unusable(ALPINE_RELEASE_PATH, "the file is empty"));
        } else {
            return Some(Distro {
                id: "alpine".to_owned(),
                version: version.to_owned(),
                pretty_name: Some(format!("Alpine Linux {version}")),
                detected_from: ALPINE_RELEASE_PATH.to_owned(),
                ..Distro::default()
            });
        }
    }
    for path in REDHAT_FAMILY_RELEASE_PATHS {
        if let Some(text) = read_release_file(filesystem, path, diagnostics) {
            match distro_from_release_sentence(&text, path) {
                Ok(distro) => return Some(distro),
                Err(reason) => diagnostics.push(unusable(path, &reason)),
            }
        }
    }
    if let Some(text) = read_release_file(filesystem, DEBIAN_VERSION_PATH, diagnostics) {
        match distro_from_debian_version(&text) {
            Ok(distro) => return Some(distro),
            Err(reason) => diagnostics.push(unusable(DEBIAN_VERSION_PATH, &reason)),
        }
    }
    if let Some(text) = read_release_file(filesystem, DISTROLESS_BASE_FILES_PATH, diagnostics) {
        match distro_from_distroless_base_files(&text) {
            Ok(distro) => return Some(distro),
            Err(reason) => diagnostics.push(unusable(DISTROLESS_BASE_FILES_PATH, &reason)),
        }
    }
    None
}

/// Completes a detected distribution from the files that carry what its
/// first source lacked.
fn fill_gaps(filesystem: &dyn FileSystem, distro: &mut Distro, diagnostics: &mut Vec<Diagnostic>) {
    if distro.id == "debian"
        && distro.version.is_empty()
        && distro.detected_from != DEBIAN_VERSION_PATH
        && let Some(text) = read_release_file(filesystem, DEBIAN_VERSION_PATH, diagnostics)
        && let Ok(from_debian_version) = distro_from_debian_version(&text)
    {
        distro.version = from_debian_version.version;
        if distro.codename.is_none() {
            distro.codename = from_debian_version.codename;
        }
    }
    if is_ubuntu_like(distro) && filesystem.entry(UBUNTU_PRO_STATUS_PATH).is_some() {
        match filesystem.read(UBUNTU_PRO_STATUS_PATH, UBUNTU_PRO_STATUS_SIZE_LIMIT) {
            Ok(bytes) => match extended_support_enabled(&bytes) {
                Ok(enabled) => distro.extended_support = enabled,
                Err(reason) => diagnostics.push(unusable(UBUNTU_PRO_STATUS_PATH, &reason)),
            },
            Err(error) => {
                diagnostics.push(Diagnostic { path: UBUNTU_PRO_STATUS_PATH.to_owned(), message: error.to_string() })
            }
        }
    }
}

fn is_ubuntu_like(distro: &Distro) -> bool {
    distro.id == "ubuntu" || distro.id_like.iter().any(|like| like == "ubuntu")
}

/// Reads a small text file if it exists; a read failure is a diagnostic.
fn read_release_file(filesystem: &dyn FileSystem, path: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    filesystem.entry(path)?;
    match filesystem.read(path, RELEASE_FILE_SIZE_LIMIT) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(error) => {
            diagnostics.push(Diagnostic { path: path.to_owned(), message: error.to_string() });
            None
        }
    }
}

fn unusable(path: &str, reason: &str) -> Diagnostic {
    Diagnostic { path: path.to_owned(), message: format!("cannot tell the distribution from {path}: {reason}") }
}

/// The value of the last non-empty `key` line: as with shell sourcing, a later
/// assignment wins.
fn last_value<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value.as_str()).filter(|value| !value.is_empty())
}

/// Parses `os-release` text (`KEY=value` lines, shell quoting) into a distribution.
pub(crate) fn distro_from_os_release(text: &str, path: &str) -> Result<Distro, String> {
    let fields = parse_key_value_lines(text);
    let field = |key: &str| last_value(&fields, key);
    let Some(id) = field("ID") else {
        return Err("it has no ID field".to_owned());
    };
    Ok(Distro {
        id: id.to_ascii_lowercase(),
        version: field("VERSION_ID").unwrap_or_default().to_owned(),
        codename: field("VERSION_CODENAME").or_else(|| field("UBUNTU_CODENAME")).map(str::to_owned),
        pretty_name: field("PRETTY_NAME").or_else(|| field("NAME")).map(str::to_owned),
        id_like: field("ID_LIKE").unwrap_or_default().split_whitespace().map(str::to_ascii_lowercase).collect(),
        extended_support: false,
        detected_from: path.to_owned(),
    })
}

fn distro_from_lsb_release(text: &str) -> Result<Distro, String> {
    let fields = parse_key_value_lines(text);
    let field = |key: &str| last_value(&fields, key);
    let Some(id) = field("DISTRIB_ID") else {
        return Err("it has no DISTRIB_ID field".to_owned());
    };
    Ok(Distro {
        id: id.to_ascii_lowercase(),
        version: field("DISTRIB_RELEASE").unwrap_or_default().to_owned(),
        codename: field("DISTRIB_CODENAME").map(str::to_owned),
        pretty_name: field("DISTRIB_DESCRIPTION").map(str::to_owned),
        id_like: Vec::new(),
        extended_support: false,
        detected_from: LSB_RELEASE_PATH.to_owned(),
    })
}

/// Parses `Name release 8.4 (Code Name)`, the sentence the Red Hat family's
/// release files hold.
fn distro_from_release_sentence(text: &str, path: &str) -> Result<Distro, String> {
    let sentence = text.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or_default();
    let lowercase = sentence.to_ascii_lowercase();
    let Some(release_at) = lowercase.find(" release ") else {
        return Err(format!("{sentence:?} is not of the form \"<name> release <version>\""));
    };
    let name = sentence.get(..release_at).unwrap_or_default();
    let rest = sentence.get(release_at + " release ".len()..).unwrap_or_default();
    let version = rest.split_whitespace().next().unwrap_or_default();
    if version.is_empty() {
        return Err(format!("{sentence:?} has no version after \"release\""));
    }
    let codename = rest
        .split_once('(')
        .and_then(|(_, after)| after.split_once(')'))
        .map(|(inside, _)| inside.trim())
        .filter(|inside| !inside.is_empty())
        .map(str::to_owned);
    let Some((id, id_like)) = redhat_family_id(&name.to_ascii_lowercase()) else {
        return Err(format!("{name:?} is not a distribution Kensa knows"));
    };
    Ok(Distro {
        id: id.to_owned(),
        version: version.to_owned(),
        codename,
        pretty_name: Some(sentence.to_owned()),
        id_like: id_like.iter().map(|like| (*like).to_owned()).collect(),
        extended_support: false,
        detected_from: path.to_owned(),
    })
}

/// The os-release `ID` and `ID_LIKE` these distributions write, so that a
/// tree detected from an old release file looks like one with os-release.
fn redhat_family_id(lowercase_name: &str) -> Option<(&'static str, &'static [&'static str])> {
    const TABLE: [(&str, &str, &[&str]); 7] = [
        ("oracle", "ol", &["fedora"]),
        ("almalinux", "almalinux", &["rhel", "centos", "fedora"]),
        ("rocky", "rocky", &["rhel", "centos", "fedora"]),
        ("centos", "centos", &["rhel", "fedora"]),
        ("fedora", "fedora", &[]),
        ("amazon linux", "amzn", &["centos", "rhel", "fedora"]),
        // Also the pre-2003 "Red Hat Linux": its releases share the same sentence.
        ("red hat", "rhel", &["fedora"]),
    ];
    TABLE.iter().find(|(needle, _, _)| lowercase_name.contains(needle)).map(|(_, id, id_like)| (*id, *id_like))
}

/// `etc/debian_version`: `12.4` on a stable release, `trixie/sid` on testing
/// and unstable, which have no release number.
fn distro_from_debian_version(text: &str) -> Result<Distro, String> {
    let written = text.trim();
    if written.is_empty() {
        return Err("the file is empty".to_owned());
    }
    let (version, codename) = if written.starts_with(|character: char| character.is_ascii_digit()) {
        (debian_major_version(written).to_owned(), None)
    } else {
        // `buster/sid`: the next release's name, then sid; the tree is unstable.
        (String::new(), Some(written.rsplit('/').next().unwrap_or(written).to_owned()))
    };
    Ok(Distro {
        id: "debian".to_owned(),
        version,
        codename,
        pretty_name: Some(format!("Debian {written}")),
        id_like: Vec::new(),
        extended_support: false,
        detected_from: DEBIAN_VERSION_PATH.to_owned(),
    })
}

/// Distroless images record each package as a `status.d` file; `base-files`
/// carries the release in its version (`12.4+deb12u5`).
fn distro_from_distroless_base_files(text: &str) -> Result<Distro, String> {
    let version = text
        .lines()
        .find_map(|line| line.strip_prefix("Version:"))
        .map(str::trim)
        .filter(|version| version.starts_with(|character: char| character.is_ascii_digit()));
    let Some(version) = version else {
        return Err("its base-files entry has no numeric Version".to_owned());
    };
    Ok(Distro {
        id: "debian".to_owned(),
        version: debian_major_version(version).to_owned(),
        codename: None,
        pretty_name: Some("Distroless".to_owned()),
        id_like: Vec::new(),
        extended_support: false,
        detected_from: DISTROLESS_BASE_FILES_PATH.to_owned(),
    })
}

/// Debian advisories name releases by major number (`Debian:12`), as
/// os-release's `VERSION_ID` does.
fn debian_major_version(version: &str) -> &str {
    let end = version.find(|character: char| !character.is_ascii_digit()).unwrap_or(version.len());
    version.get(..end).unwrap_or(version)
}

#[derive(Deserialize)]
struct UbuntuProStatus {
    #[serde(default)]
    services: Vec<UbuntuProService>,
}

#[derive(Deserialize)]
struct UbuntuProService {
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
}

/// ESM is on when any `esm-*` service (`esm-infra`, `esm-apps`) is enabled.
fn extended_support_enabled(bytes: &[u8]) -> Result<bool, String> {
    let status: UbuntuProStatus = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    Ok(status.services.iter().any(|service| service.name.starts_with("esm") && service.status == "enabled"))
}

/// `KEY=value` lines as os-release(5) defines them: shell-style quoting and
/// backslash escapes, `#` comments, blank lines. Lines that are not
/// assignments (a pasted shell prompt, stray text) are skipped rather than
/// failing the file, as systemd does.
pub(crate) fn parse_key_value_lines(text: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim();
        let is_variable_name = !key.is_empty()
            && key.bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_')
            && !key.starts_with(|character: char| character.is_ascii_digit());
        if is_variable_name {
            fields.push((key.to_owned(), unquote_shell_value(value.trim())));
        }
    }
    fields
}

/// Removes shell quoting: `"..."` with `\"`, `\\`, `\$`, `` \` `` escapes,
/// `'...'` taken literally, and backslash escapes outside quotes.
fn unquote_shell_value(value: &str) -> String {
    #[derive(Clone, Copy)]
    enum Quoting {
        None,
        Single,
        Double,
    }
    let mut unquoted = String::with_capacity(value.len());
    let mut quoting = Quoting::None;
    let mut characters = value.chars().peekable();
    while let Some(character) = characters.next() {
        match (quoting, character) {
            (Quoting::None, '"') => quoting = Quoting::Double,
            (Quoting::None, '\'') => quoting = Quoting::Single,
            (Quoting::None, '\\') => {
                if let Some(escaped) = characters.next() {
                    unquoted.push(escaped);
                }
            }
            (Quoting::Single, '\'') | (Quoting::Double, '"') => quoting = Quoting::None,
            (Quoting::Double, '\\') => match characters.peek() {
                Some(&escaped @ ('"' | '\\' | '$' | '`')) => {
                    unquoted.push(escaped);
                    characters.next();
                }
                _ => unquoted.push('\\'),
            },
            (_, other) => unquoted.push(other),
        }
    }
    unquoted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shell quoting as os-release(5) allows it is undone.
    #[test]
    fn os_release_values_are_unquoted() {
        let fields = parse_key_value_lines(
            "# comment\nNAME=\"Say \\\"hi\\\" \\$HOME\"\nID='it''s'\nPLAIN=a\\ b\n  INDENTED=\"x\" \nnot a line\nlower=1\n",
        );
        assert_eq!(
            fields,
            vec![
                ("NAME".to_owned(), "Say \"hi\" $HOME".to_owned()),
                ("ID".to_owned(), "its".to_owned()),
                ("PLAIN".to_owned(), "a b".to_owned()),
                ("INDENTED".to_owned(), "x".to_owned()),
            ]
        );
    }

    /// Amazon Linux 2023's os-release (as the distribution ships it: `ID="amzn"`,
    /// `VERSION_ID="2023"`, `ID_LIKE="fedora"`).
    #[test]
    fn amazon_linux_2023_os_release() {
        let text = "NAME=\"Amazon Linux\"\nVERSION=\"2023\"\nID=\"amzn\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"2023\"\n\
                    PLATFORM_ID=\"platform:al2023\"\nPRETTY_NAME=\"Amazon Linux 2023.6.20241010\"\n";
        let distro = distro_from_os_release(text, "etc/os-release").unwrap();
        assert_eq!((distro.id.as_str(), distro.version.as_str()), ("amzn", "2023"));
    }

    /// The Red Hat family's sentences give id, version and code name.
    #[test]
    fn release_sentences() {
        let distro =
            distro_from_release_sentence("CentOS Linux release 7.6.1810 (Core) \n", "etc/centos-release").unwrap();
        assert_eq!((distro.id.as_str(), distro.version.as_str()), ("centos", "7.6.1810"));
        assert_eq!(distro.codename.as_deref(), Some("Core"));
        let amazon = distro_from_release_sentence("Amazon Linux release 2 (Karoo)", "etc/system-release").unwrap();
        assert_eq!((amazon.id.as_str(), amazon.version.as_str()), ("amzn", "2"));
        // Amazon Linux 2023 and the Amazon Linux AMI (ALAS's release 1), as their system-release says.
        let al2023 =
            distro_from_release_sentence("Amazon Linux release 2023.6.20241010 (Amazon Linux)", "etc/system-release")
                .unwrap();
        assert_eq!((al2023.id.as_str(), al2023.version.as_str()), ("amzn", "2023.6.20241010"));
        let ami = distro_from_release_sentence("Amazon Linux AMI release 2018.03", "etc/system-release").unwrap();
        assert_eq!((ami.id.as_str(), ami.version.as_str()), ("amzn", "2018.03"));
        assert!(distro_from_release_sentence("Slackware 15.0", "etc/system-release").is_err());
        assert!(distro_from_release_sentence("Gentoo Base System release 2.14", "etc/system-release").is_err());
    }

    /// Stable Debian gives its major release; testing/unstable gives none.
    #[test]
    fn debian_version_file() {
        assert_eq!(distro_from_debian_version("12.4\n").unwrap().version, "12");
        let unstable = distro_from_debian_version("trixie/sid\n").unwrap();
        assert_eq!((unstable.version.as_str(), unstable.codename.as_deref()), ("", Some("sid")));
        assert!(distro_from_debian_version("\n").is_err());
    }
}
