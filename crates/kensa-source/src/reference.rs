//! Image references (`alpine:3.20`, `ghcr.io/org/app@sha256:…`,
//! `127.0.0.1:5000/team/app:1.0`) and platforms (`linux/arm64/v8`), parsed
//! the way Docker's `reference` package reads them.
//!
//! Deliberately not handled: the legacy `index.docker.io/v1` aliases beyond
//! the two names Docker itself rewrites, and reference grammars of other
//! tools (`docker://` transports are stripped by the caller, not here).

use crate::SourceError;

/// Docker Hub's names for itself in references, and the host its API lives on.
const DOCKER_HUB_NAMES: [&str; 2] = ["docker.io", "index.docker.io"];
const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";

/// An image in a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// The registry as written (`ghcr.io`, `127.0.0.1:5000`), `docker.io` when none was.
    pub registry: String,
    /// The repository inside it (`library/alpine` on Docker Hub).
    pub repository: String,
    /// The tag, when one was given (`latest` is assumed when neither a tag nor a digest is).
    pub tag: Option<String>,
    /// The manifest digest, when one was given (`sha256:…`).
    pub digest: Option<String>,
}

impl ImageReference {
    /// Parses a reference, rejecting anything Docker would reject.
    pub fn parse(text: &str) -> Result<ImageReference, SourceError> {
        let invalid =
            |message: &str| SourceError::InvalidReference { reference: text.to_owned(), message: message.to_owned() };
        let (name_and_tag, digest) = match text.split_once('@') {
            Some((name, digest)) => {
                if !is_valid_digest(digest) {
                    return Err(invalid("the part after @ is not a digest like sha256:<64 hex digits>"));
                }
                (name, Some(digest.to_owned()))
            }
            None => (text, None),
        };
        // The tag is after the last ':' that follows the last '/': a ':' before
        // a '/' is a registry port.
        let last_slash = name_and_tag.rfind('/').map_or(0, |index| index + 1);
        let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(colon) => {
                let colon = last_slash + colon;
                (&name_and_tag[..colon], Some(name_and_tag[colon + 1..].to_owned()))
            }
            None => (name_and_tag, None),
        };
        if let Some(tag) = &tag
            && !is_valid_tag(tag)
        {
            return Err(invalid(
                "the tag must be 1–128 letters, digits, '_', '.' or '-', not starting with '.' or '-'",
            ));
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains(['.', ':']) || first == "localhost" || first.contains(char::is_uppercase) =>
            {
                (first.to_owned(), rest.to_owned())
            }
            _ => ("docker.io".to_owned(), name.to_owned()),
        };
        if registry.is_empty() || registry.contains(char::is_whitespace) {
            return Err(invalid("the registry name is empty or has spaces"));
        }
        let repository = if DOCKER_HUB_NAMES.contains(&registry.as_str()) && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if !repository.split('/').all(is_valid_path_component) {
            return Err(invalid(
                "the repository must be lowercase letters and digits, separated by '/', '.', '_', '__' or '-'",
            ));
        }
        Ok(ImageReference { registry, repository, tag, digest })
    }

    /// The tag or digest to ask the registry for: the digest when both are given.
    pub fn manifest_reference(&self) -> &str {
        self.digest.as_deref().or(self.tag.as_deref()).unwrap_or("latest")
    }

    /// The host (and port) the registry's API is reached on.
    pub fn api_host(&self) -> &str {
        if DOCKER_HUB_NAMES.contains(&self.registry.as_str()) { DOCKER_HUB_API_HOST } else { &self.registry }
    }

    /// Whether the registry is this machine, where plain HTTP is the norm
    /// (as Docker, skopeo and go-containerregistry assume).
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
            None => self.registry.split(':').next().unwrap_or_default(),
        };
        host == "localhost"
            || host.ends_with(".localhost")
            || host.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback())
    }

    /// `registry/repository:tag` or `…@digest`, as written back in reports.
    pub fn canonical(&self) -> String {
        let mut text = format!("{}/{}", self.registry, self.repository);
        if let Some(tag) = &self.tag {
            text.push(':');
            text.push_str(tag);
        } else if self.digest.is_none() {
            text.push_str(":latest");
        }
        if let Some(digest) = &self.digest {
            text.push('@');
            text.push_str(digest);
        }
        text
    }
}

impl std::fmt::Display for ImageReference {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.canonical())
    }
}

/// `algorithm:hex` with a lowercase algorithm and at least 32 hex digits.
pub(crate) fn is_valid_digest(digest: &str) -> bool {
    digest.split_once(':').is_some_and(|(algorithm, hex)| {
        !algorithm.is_empty()
            && algorithm.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'+')
            && hex.len() >= 32
            && hex.bytes().all(|byte| byte.is_ascii_hexdigit())
    })
}

fn is_valid_tag(tag: &str) -> bool {
    let word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    tag.len() <= 128
        && tag.bytes().next().is_some_and(word)
        && tag.bytes().all(|byte| word(byte) || byte == b'.' || byte == b'-')
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, the grammar of one repository component.
fn is_valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alphanumeric = |byte: &u8| byte.is_ascii_lowercase() || byte.is_ascii_digit();
    if !bytes.first().is_some_and(alphanumeric) || !bytes.last().is_some_and(alphanumeric) {
        return false;
    }
    let mut separator = String::new();
    for byte in bytes {
        if alphanumeric(byte) {
            if !(separator.is_empty()
                || separator == "."
                || separator == "_"
                || separator == "__"
                || separator.bytes().all(|byte| byte == b'-'))
            {
                return false;
            }
            separator.clear();
        } else if matches!(byte, b'.' | b'_' | b'-') {
            separator.push(char::from(*byte));
        } else {
            return false;
        }
    }
    true
}

/// An operating system and architecture an image is built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `linux`, `windows`.
    pub os: String,
    /// Go's architecture names: `amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`.
    pub architecture: String,
    /// `v7`, `v8`: the CPU variant, when it matters.
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Platform {
        Platform { os: "linux".to_owned(), architecture: "amd64".to_owned(), variant: None }
    }
}

impl Platform {
    /// Parses `os/architecture[/variant]`; `x86_64` and `aarch64` are taken
    /// for `amd64` and `arm64`, as the kernel names them.
    pub fn parse(text: &str) -> Result<Platform, SourceError> {
        let mut parts = text.split('/');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(os), Some(architecture), variant, None) if !os.is_empty() && !architecture.is_empty() => {
                let architecture = match architecture {
                    "x86_64" | "x86-64" => "amd64",
                    "aarch64" => "arm64",
                    other => other,
                };
                Ok(Platform {
                    os: os.to_owned(),
                    architecture: architecture.to_owned(),
                    variant: variant.filter(|variant| !variant.is_empty()).map(str::to_owned),
                })
            }
            _ => Err(SourceError::InvalidPlatform { platform: text.to_owned() }),
        }
    }

    /// Whether an index entry's platform is this one. A requested variant
    /// must match, except that arm64 images usually leave `v8` unsaid.
    pub(crate) fn matches(&self, os: &str, architecture: &str, variant: Option<&str>) -> bool {
        if self.os != os || self.architecture != architecture {
            return false;
        }
        match (self.variant.as_deref(), variant) {
            (None, _) => true,
            (Some(wanted), Some(variant)) => wanted == variant,
            (Some(wanted), None) => architecture == "arm64" && wanted == "v8",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(formatter, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (String, String, Option<String>, Option<String>) {
        let reference = ImageReference::parse(text).unwrap();
        (reference.registry, reference.repository, reference.tag, reference.digest)
    }

    #[test]
    fn docker_hub_short_names_get_library_and_the_api_host() {
        assert_eq!(parsed("alpine"), ("docker.io".into(), "library/alpine".into(), None, None));
        let reference = ImageReference::parse("alpine:3.20").unwrap();
        assert_eq!(reference.api_host(), "registry-1.docker.io");
        assert_eq!(reference.canonical(), "docker.io/library/alpine:3.20");
        assert_eq!(parsed("bitnami/redis:7").1, "bitnami/redis");
        assert_eq!(parsed("docker.io/nginx").1, "library/nginx");
    }

    #[test]
    fn a_first_component_with_a_dot_colon_or_localhost_is_a_registry() {
        assert_eq!(
            parsed("127.0.0.1:5000/team/app:1.0"),
            ("127.0.0.1:5000".into(), "team/app".into(), Some("1.0".into()), None)
        );
        assert_eq!(parsed("localhost/app").0, "localhost");
        assert_eq!(parsed("ghcr.io/org/app").0, "ghcr.io");
        // `team/app` has no registry: Docker Hub.
        assert_eq!(parsed("team/app").0, "docker.io");
    }

    #[test]
    fn a_port_colon_is_not_a_tag_and_digests_win_over_tags() {
        assert_eq!(parsed("localhost:5000/app").2, None);
        let digest = format!("sha256:{}", "a".repeat(64));
        let reference = ImageReference::parse(&format!("ghcr.io/org/app:1.0@{digest}")).unwrap();
        assert_eq!(reference.manifest_reference(), digest);
        assert_eq!(reference.tag.as_deref(), Some("1.0"));
        assert_eq!(ImageReference::parse("alpine").unwrap().manifest_reference(), "latest");
    }

    #[test]
    fn invalid_references_are_refused_with_the_reason() {
        for bad in ["Alpine", "alpine:", "alpine:-x", "alpine@sha256:xyz", "a//b", "app/", "ap p", "a..b"] {
            let error = ImageReference::parse(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{bad}: {error}");
        }
    }

    #[test]
    fn loopback_registries_are_recognised() {
        for local in ["127.0.0.1:5000/a", "localhost:5000/a", "[::1]:5000/a", "registry.localhost/a"] {
            assert!(ImageReference::parse(local).unwrap().is_loopback(), "{local}");
        }
        assert!(!ImageReference::parse("10.0.0.1:5000/a").unwrap().is_loopback());
        assert!(!ImageReference::parse("alpine").unwrap().is_loopback());
    }

    #[test]
    fn platforms_parse_with_kernel_architecture_names_and_arm64_v8() {
        let platform = Platform::parse("linux/aarch64").unwrap();
        assert_eq!(platform.architecture, "arm64");
        let v8 = Platform::parse("linux/arm64/v8").unwrap();
        assert!(v8.matches("linux", "arm64", None));
        assert!(v8.matches("linux", "arm64", Some("v8")));
        assert!(!Platform::parse("linux/arm/v7").unwrap().matches("linux", "arm", Some("v6")));
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux/amd64/v1/x").is_err());
        assert_eq!(Platform::parse("linux/arm/v7").unwrap().to_string(), "linux/arm/v7");
    }
}
