//! Package URLs (purl), read and compared as the purl specification says,
//! so that every crate agrees on when two purls name the same package:
//! `pkg:npm/@babel/core` and `pkg:npm/%40babel/core` are one package, as are
//! `pkg:pypi/Foo_Bar` and `pkg:pypi/foo-bar`, in SBOMs, VEX statements and
//! ignore rules alike.
//!
//! Pure and total: [`Purl::parse`] returns `None` for text that is no purl.

use std::collections::BTreeMap;
use std::fmt;

/// A parsed package URL: `pkg:type/namespace/name@version?qualifiers#subpath`,
/// every component percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Purl {
    /// The package type, lowercased (`npm`, `pypi`, `deb`, `maven`, …).
    pub kind: String,
    /// The namespace (`@babel`, a Maven group, a distribution), segments
    /// joined by `/`, if any.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
    /// The version, if any.
    pub version: Option<String>,
    /// Qualifiers by lowercased key (`arch`, `distro`, `epoch`, `upstream`);
    /// empty values are dropped, as the specification says.
    pub qualifiers: BTreeMap<String, String>,
    /// The subpath, if any.
    pub subpath: Option<String>,
}

/// Percent-decodes a purl component (an invalid escape is kept as written).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%'
            && let Some(value) = bytes
                .get(index + 1..index + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            decoded.push(value);
            index += 3;
            continue;
        }
        decoded.push(byte);
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Percent-encodes a purl component: everything but unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

impl Purl {
    /// Reads a purl; `None` for text that does not start with `pkg:` or has
    /// no type and name.
    pub fn parse(text: &str) -> Option<Purl> {
        let rest = text.trim().strip_prefix("pkg:")?;
        let (rest, subpath) = match rest.split_once('#') {
            Some((rest, subpath)) => (rest, Some(percent_decode(subpath.trim_matches('/'))).filter(|s| !s.is_empty())),
            None => (rest, None),
        };
        let (path, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
        let (kind, path) = path.trim_start_matches('/').split_once('/')?;
        let path = path.trim_end_matches('/');
        let (path, version) = match path.rsplit_once('@') {
            // `@` inside the name part is a version separator only after the last `/`.
            Some((before, version)) if !version.contains('/') && !before.is_empty() => {
                (before, Some(percent_decode(version)))
            }
            _ => (path, None),
        };
        let (namespace, name) = match path.rsplit_once('/') {
            Some((namespace, name)) => {
                let segments: Vec<String> =
                    namespace.split('/').filter(|segment| !segment.is_empty()).map(percent_decode).collect();
                ((!segments.is_empty()).then(|| segments.join("/")), name)
            }
            None => (None, path),
        };
        if kind.is_empty() || name.is_empty() {
            return None;
        }
        let qualifiers = qualifiers
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| (key.to_ascii_lowercase(), percent_decode(value)))
            .collect();
        Some(Purl {
            kind: kind.to_ascii_lowercase(),
            namespace,
            name: percent_decode(name),
            version: version.filter(|version| !version.is_empty()),
            qualifiers,
            subpath,
        })
    }

    /// A qualifier's value.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.get(key).map(String::as_str)
    }

    /// The namespace and name as the type's rules compare them: lowercased
    /// where the specification says the type is case-insensitive, PyPI's
    /// `_` as `-`.
    fn comparable_name(&self) -> (Option<String>, String) {
        let lowercase = matches!(
            self.kind.as_str(),
            "npm" | "pypi" | "github" | "bitbucket" | "composer" | "deb" | "apk" | "alpm" | "hex" | "pub" | "nuget"
        );
        let fold = |text: &str| if lowercase { text.to_lowercase() } else { text.to_owned() };
        let mut name = fold(&self.name);
        if self.kind == "pypi" {
            name = name.replace(['_', '.'], "-");
        }
        (self.namespace.as_deref().map(fold), name)
    }

    /// Whether both name the same package (type, namespace and name, as the
    /// type compares them), whatever their versions and qualifiers.
    pub fn same_package(&self, other: &Purl) -> bool {
        self.kind == other.kind && self.comparable_name() == other.comparable_name()
    }

    /// Whether this purl, as a VEX product or an ignore rule's package,
    /// covers `package`: the same package, and the same version unless this
    /// one names none (then every version). Qualifiers do not narrow it:
    /// statements name products as `?arch=source`, packages carry their own.
    pub fn covers(&self, package: &Purl) -> bool {
        self.same_package(package)
            && self.version.as_ref().is_none_or(|version| Some(version) == package.version.as_ref())
    }
}

/// The canonical form: type and qualifier keys lowercased, qualifiers in key
/// order, components percent-encoded (a namespace's `/` kept).
impl fmt::Display for Purl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "pkg:{}/", self.kind)?;
        if let Some(namespace) = &self.namespace {
            for segment in namespace.split('/') {
                write!(formatter, "{}/", percent_encode(segment))?;
            }
        }
        write!(formatter, "{}", percent_encode(&self.name))?;
        if let Some(version) = &self.version {
            write!(formatter, "@{}", percent_encode(version))?;
        }
        for (index, (key, value)) in self.qualifiers.iter().enumerate() {
            write!(formatter, "{}{key}={}", if index == 0 { '?' } else { '&' }, percent_encode(value))?;
        }
        if let Some(subpath) = &self.subpath {
            write!(formatter, "#{subpath}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_and_plain_scopes_are_one_package() {
        let plain = Purl::parse("pkg:npm/@babel/core@7.0.0").unwrap();
        let encoded = Purl::parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(plain, encoded);
        assert_eq!(plain.namespace.as_deref(), Some("@babel"));
        assert_eq!(plain.to_string(), "pkg:npm/%40babel/core@7.0.0");
        assert!(Purl::parse("pkg:npm/@Babel/Core").unwrap().covers(&plain), "npm names are case-insensitive");
    }

    #[test]
    fn type_rules_decide_comparison() {
        let pypi = Purl::parse("pkg:pypi/Foo_Bar@1.0").unwrap();
        assert!(pypi.same_package(&Purl::parse("pkg:PyPI/foo-bar@2.0").unwrap()));
        let maven = Purl::parse("pkg:maven/org.Apache/Log4j@2.0").unwrap();
        assert!(
            !maven.same_package(&Purl::parse("pkg:maven/org.apache/log4j@2.0").unwrap()),
            "Maven is case-sensitive"
        );
        let versioned = Purl::parse("pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12").unwrap();
        assert_eq!(versioned.version.as_deref(), Some("7.88.1-10+deb12u5"));
        assert_eq!(versioned.qualifier("distro"), Some("debian-12"));
        assert!(Purl::parse("pkg:deb/debian/curl").unwrap().covers(&versioned));
        assert!(Purl::parse("pkg:deb/debian/curl@7.88.1-10+deb12u5?arch=source").unwrap().covers(&versioned));
        assert!(!Purl::parse("pkg:deb/debian/curl@7.88.1-10").unwrap().covers(&versioned));
    }

    #[test]
    fn canonical_form_sorts_qualifiers_and_drops_empty_ones() {
        let purl = Purl::parse("pkg:rpm/redhat/openssl@3.0.7?Epoch=1&arch=x86_64&empty=#sub/path/").unwrap();
        assert_eq!(purl.to_string(), "pkg:rpm/redhat/openssl@3.0.7?arch=x86_64&epoch=1#sub/path");
        assert_eq!(Purl::parse(&purl.to_string()).unwrap(), purl);
    }

    #[test]
    fn text_that_is_no_purl_is_none() {
        for text in ["", "pkg:", "pkg:npm", "pkg:npm/", "npm/lodash", "pkg:/lodash"] {
            assert_eq!(Purl::parse(text), None, "{text}");
        }
    }
}
