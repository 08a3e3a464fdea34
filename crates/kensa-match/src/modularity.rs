//! RPM modularity (RHEL 8/9 and their rebuilds): one package name can come
//! from several module streams (`ruby:3.0` by default, `ruby:3.1`,
//! `ruby:3.3`), built with different versions. An erratum for one stream says
//! nothing about another: `ruby-3.0.4` from the default stream is not
//! "older than the fix" of the `ruby:3.1` erratum, it is another line.
//!
//! So, as yum and Trivy decide it: an advisory entry fixed by a module build
//! (its release carries `module+el8…`/`module_el9…`) applies only to packages
//! installed from a module — of the same `name:stream` when both are known —
//! and an entry fixed by an ordinary build only to packages installed from no
//! module.
//!
//! Where the streams come from: the package's RPM `MODULARITYLABEL`
//! (`ruby:3.1:9030020231023174014:9b92b1d5`), else its own release being a
//! module build (an SBOM's version, stream unknown); the advisory entry's
//! `ecosystem_specific` `module` (`updateinfo.xml`'s `<module>`), else the
//! advisory title's leading `name:stream` (AlmaLinux's OSV records:
//! "Moderate: ruby:3.1 security update").

use kensa_model::{Advisory, AffectedPackage, AffectedRange, Package, RangeEvent};

/// How a package or an advisory entry stands towards modules.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Modularity {
    /// An ordinary build.
    None,
    /// A module build, of this `name:stream` when known.
    Stream(Option<String>),
}

/// Whether a release string is a module build's (`…module+el8.4.0+…`, `…module_el9.3.0+…`).
fn is_module_build(version: &str) -> bool {
    version.contains("module+") || version.contains("module_")
}

/// `name:stream` of a modularity label (`ruby:3.1:9030020231023174014:9b92b1d5`).
fn stream_of_label(label: &str) -> Option<String> {
    let mut parts = label.split(':');
    let (name, stream) = (parts.next()?, parts.next()?);
    (!name.is_empty() && !stream.is_empty()).then(|| format!("{name}:{stream}"))
}

fn package_modularity(package: &Package) -> Modularity {
    match package.module.as_deref().filter(|label| !label.is_empty()) {
        Some(label) => Modularity::Stream(stream_of_label(label)),
        None if is_module_build(&package.version) => Modularity::Stream(None),
        None => Modularity::None,
    }
}

/// A title's leading `name:stream` ("Moderate: ruby:3.1 security update").
fn stream_in_title(title: &str) -> Option<String> {
    let rest = title.split_once(": ").map_or(title, |(_, rest)| rest);
    let word = rest.split_whitespace().next()?;
    let (name, stream) = word.split_once(':')?;
    let plain = |text: &str| {
        !text.is_empty()
            && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-' | b'+'))
    };
    (plain(name) && plain(stream)).then(|| format!("{name}:{stream}"))
}

fn entry_modularity(advisory: &Advisory, affected: &AffectedPackage) -> Modularity {
    let declared = affected
        .ecosystem_specific
        .as_deref()
        .and_then(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .and_then(|specific| specific.get("module").and_then(serde_json::Value::as_str).map(str::to_owned));
    if let Some(stream) = declared {
        return Modularity::Stream(Some(stream));
    }
    let fixed_by_module_build = affected.ranges.iter().any(|range| match range {
        AffectedRange::Events { events, .. } => events.iter().any(|event| match event {
            RangeEvent::Fixed(version) | RangeEvent::LastAffected(version) => is_module_build(version),
            _ => false,
        }),
        _ => false,
    }) || affected.versions.iter().any(|version| is_module_build(version));
    if fixed_by_module_build { Modularity::Stream(stream_in_title(&advisory.summary)) } else { Modularity::None }
}

/// Whether an RPM advisory entry can apply to the package at all, by module stream.
pub(crate) fn entry_applies(package: &Package, advisory: &Advisory, affected: &AffectedPackage) -> bool {
    match (entry_modularity(advisory, affected), package_modularity(package)) {
        (Modularity::None, Modularity::None) => true,
        (Modularity::Stream(Some(entry)), Modularity::Stream(Some(installed))) => entry == installed,
        // A stream unknown on either side cannot tell two streams apart.
        (Modularity::Stream(_), Modularity::Stream(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_labels_give_streams() {
        assert_eq!(
            stream_in_title("Moderate: ruby:3.1 security, bug fix, and enhancement update").as_deref(),
            Some("ruby:3.1")
        );
        assert_eq!(stream_in_title("Important: nodejs:18 security update").as_deref(), Some("nodejs:18"));
        assert_eq!(stream_in_title("Important: kernel security update"), None);
        assert_eq!(stream_in_title("Moderate: CVE-2024-1: curl"), None);
        assert_eq!(stream_of_label("ruby:3.1:9030020231023174014:9b92b1d5").as_deref(), Some("ruby:3.1"));
        assert_eq!(stream_of_label("broken"), None);
        assert!(is_module_build("3.1.4-143.module_el9.3.0+60+5ebc989a"));
        assert!(is_module_build("1:2.5.9-1.module+el8.6.0+15081+4a47ac1f"));
        assert!(!is_module_build("3.0.4-160.el9_0"));
    }
}
