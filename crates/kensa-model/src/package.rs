use serde::{Deserialize, Serialize};

use crate::Ecosystem;

/// One installed or locked package, as a cataloger found it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Package {
    /// The ecosystem the name belongs to.
    pub ecosystem: Ecosystem,
    /// The name as the source wrote it.
    pub name: String,
    /// The name under which the ecosystem's registry knows the package
    /// ([`Ecosystem::normalize_name`]), for people and other tools.
    #[serde(default)]
    pub normalized_name: String,
    /// The version as the source wrote it.
    pub version: String,
    /// Package URL (purl) identifying this package and version.
    pub purl: String,
    /// Paths inside the scanned resource where the package was found, sorted.
    pub locations: Vec<String>,
}

impl Package {
    /// Builds a package with its purl derived from ecosystem, name and version.
    pub fn new(ecosystem: Ecosystem, name: &str, version: &str, location: &str) -> Package {
        Package {
            ecosystem,
            name: name.to_owned(),
            normalized_name: ecosystem.normalize_name(name),
            version: version.to_owned(),
            purl: purl_for(ecosystem, name, version),
            locations: vec![location.to_owned()],
        }
    }

    /// The name under which advisories for this package are indexed, derived
    /// afresh from the name: a stored inventory's `normalized_name` is for
    /// people and other tools, and matching does not trust it.
    pub fn lookup_name(&self) -> String {
        self.ecosystem.normalize_name(&self.name)
    }
}

/// Builds a package URL per the purl specification's rules for each type.
///
/// Written by hand rather than with a purl crate: the inputs are names we already
/// know the type of, so only the per-type namespace split and percent-encoding
/// are needed, and this crate stays free of dependencies.
pub(crate) fn purl_for(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    let purl_type = ecosystem.purl_type();
    let (namespace, short_name) = match ecosystem {
        Ecosystem::Npm => match name.strip_prefix('@').and_then(|rest| rest.split_once('/')) {
            Some((scope, rest)) => (Some(format!("@{scope}")), rest.to_owned()),
            None => (None, name.to_owned()),
        },
        Ecosystem::Maven => match name.split_once(':') {
            Some((group, artifact)) => (Some(group.to_owned()), artifact.to_owned()),
            None => (None, name.to_owned()),
        },
        Ecosystem::Go | Ecosystem::Packagist => match name.rsplit_once('/') {
            Some((namespace, rest)) => (Some(namespace.to_owned()), rest.to_owned()),
            None => (None, name.to_owned()),
        },
        // The purl spec asks for PyPI names lowercased with `_` replaced by `-`.
        Ecosystem::PyPI => (None, name.to_ascii_lowercase().replace('_', "-")),
        Ecosystem::Debian => (Some("debian".to_owned()), name.to_owned()),
        Ecosystem::Ubuntu => (Some("ubuntu".to_owned()), name.to_owned()),
        Ecosystem::Alpine => (Some("alpine".to_owned()), name.to_owned()),
        _ => (None, name.to_owned()),
    };
    let mut purl = format!("pkg:{purl_type}/");
    if let Some(namespace) = namespace {
        for segment in namespace.split('/').filter(|segment| !segment.is_empty()) {
            purl.push_str(&percent_encode(segment));
            purl.push('/');
        }
    }
    purl.push_str(&percent_encode(&short_name));
    if !version.is_empty() {
        purl.push('@');
        purl.push_str(&percent_encode(version));
    }
    purl
}

fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~' | b'+') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scoped npm names put the scope in the namespace, `@` encoded.
    #[test]
    fn npm_scoped_purl() {
        assert_eq!(purl_for(Ecosystem::Npm, "@babel/core", "7.0.0"), "pkg:npm/%40babel/core@7.0.0");
    }

    /// Maven coordinates split into namespace and name; Go paths keep their slashes.
    #[test]
    fn maven_and_go_purls() {
        assert_eq!(
            purl_for(Ecosystem::Maven, "org.apache.logging.log4j:log4j-core", "2.14.1"),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        assert_eq!(
            purl_for(Ecosystem::Go, "github.com/gin-gonic/gin", "v1.7.0"),
            "pkg:golang/github.com/gin-gonic/gin@v1.7.0"
        );
        assert_eq!(purl_for(Ecosystem::PyPI, "Django_Foo", "1.0"), "pkg:pypi/django-foo@1.0");
    }
}
