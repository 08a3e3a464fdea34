//! Images held by a local Docker Engine or Podman, read through their API
//! socket as `docker save` would write them (`GET /images/{name}/get`),
//! streamed straight into the archive reader: an image built on this machine
//! is scanned without pushing it anywhere or writing a tar to disk.
//!
//! The API is HTTP/1.1 over a Unix socket. The client is written here, small
//! and blocking (one GET, `Content-Length` or chunked bodies), rather than
//! taking an async HTTP stack for two requests.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use serde::Deserialize;

use crate::image_parts::ImageConfig;
use crate::layer_cache::LayerCache;
use crate::{ImageFileSystem, ImageReadOptions, SourceError, Wanted};

/// The longest status line plus headers accepted from a daemon.
const HEADER_LIMIT: u64 = 64 * 1024;
/// The largest image description (`/images/{name}/json`) accepted.
const DESCRIPTION_LIMIT: u64 = 4 * 1024 * 1024;

/// Which engine a socket belongs to, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonKind {
    /// Docker Engine (`/var/run/docker.sock`, `DOCKER_HOST`).
    Docker,
    /// Podman's Docker-compatible API (`CONTAINER_HOST`, the user's or the system's podman.sock).
    Podman,
}

impl DaemonKind {
    /// `Docker` or `Podman`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            DaemonKind::Docker => "Docker",
            DaemonKind::Podman => "Podman",
        }
    }
}

/// What the environment says about where the engines listen; the caller
/// reads it (a library never reads environment variables).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineEnvironment {
    /// `DOCKER_HOST` (only `unix://` addresses are used).
    pub docker_host: Option<String>,
    /// `CONTAINER_HOST` (only `unix://` addresses are used).
    pub container_host: Option<String>,
    /// `XDG_RUNTIME_DIR`, where a rootless Podman puts its socket.
    pub runtime_directory: Option<PathBuf>,
}

/// The API socket of an engine, where it listens by default or as the
/// environment says: `DOCKER_HOST`/`CONTAINER_HOST` (`unix://` only), else
/// `/var/run/docker.sock`; for Podman `$XDG_RUNTIME_DIR/podman/podman.sock`,
/// then `/run/podman/podman.sock`. `None` when none of these exists.
pub fn default_daemon_socket(kind: DaemonKind, environment: &EngineEnvironment) -> Option<PathBuf> {
    let unix =
        |value: &Option<String>| value.as_deref().and_then(|value| value.strip_prefix("unix://").map(PathBuf::from));
    let candidates: Vec<PathBuf> = match kind {
        DaemonKind::Docker => {
            unix(&environment.docker_host).into_iter().chain([PathBuf::from("/var/run/docker.sock")]).collect()
        }
        DaemonKind::Podman => unix(&environment.container_host)
            .into_iter()
            .chain(environment.runtime_directory.as_ref().map(|runtime| runtime.join("podman/podman.sock")))
            .chain([PathBuf::from("/run/podman/podman.sock")])
            .collect(),
    };
    candidates.into_iter().find(|path| path.exists())
}

/// A response: status, and the body as it arrives.
struct Response {
    status: u16,
    body: Box<dyn Read + Send>,
}

fn daemon_error(kind: DaemonKind, socket: &Path, message: String) -> SourceError {
    SourceError::Daemon { daemon: kind.name(), socket: socket.display().to_string(), message }
}

/// `GET path` on the socket.
fn get(kind: DaemonKind, socket: &Path, path: &str) -> Result<Response, SourceError> {
    let failed = |message: String| daemon_error(kind, socket, message);
    let mut stream = UnixStream::connect(socket).map_err(|error| failed(format!("cannot connect: {error}")))?;
    // A daemon that accepts but never answers must not hang a scan; bodies
    // stream for as long as they keep coming.
    stream.set_read_timeout(Some(Duration::from_secs(120))).map_err(|error| failed(error.to_string()))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: kensa/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(request.as_bytes()).map_err(|error| failed(format!("cannot send the request: {error}")))?;
    let mut reader = BufReader::new(stream);
    let mut head = (&mut reader).take(HEADER_LIMIT);
    let mut status_line = String::new();
    head.read_line(&mut status_line).map_err(|error| failed(format!("no response: {error}")))?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .filter(|_| status_line.starts_with("HTTP/1."))
        .ok_or_else(|| failed(format!("not an HTTP response: {:?}", status_line.trim_end())))?;
    let (mut chunked, mut length) = (false, None);
    loop {
        let mut line = String::new();
        let read = head.read_line(&mut line).map_err(|error| failed(format!("bad headers: {error}")))?;
        if read == 0 {
            return Err(failed("the headers are cut short or too long".to_owned()));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(failed(format!("malformed header {line:?}")));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().split(',').any(|coding| coding.trim() == "chunked");
        } else if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<u64>().map_err(|_| failed(format!("bad Content-Length {value:?}")))?);
        }
    }
    let body: Box<dyn Read + Send> = match (chunked, length) {
        (true, _) => Box::new(Chunked { inner: reader, remaining: 0, done: false }),
        (false, Some(length)) => Box::new(reader.take(length)),
        (false, None) => Box::new(reader),
    };
    Ok(Response { status, body })
}

/// A chunked transfer-encoded body (RFC 9112 §7.1), decoded as it is read.
struct Chunked<R: BufRead> {
    inner: R,
    remaining: u64,
    done: bool,
}

impl<R: BufRead> Chunked<R> {
    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        (&mut self.inner).take(4096).read_line(&mut line)?;
        if !line.ends_with('\n') {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "chunked body cut short"));
        }
        Ok(line.trim_end().to_owned())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.done || buffer.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            let line = self.line()?;
            let size = line.split(';').next().unwrap_or_default().trim();
            self.remaining = u64::from_str_radix(size, 16).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad chunk size {size:?}"))
            })?;
            if self.remaining == 0 {
                // Trailers, then the empty line that ends the body.
                while !self.line()?.is_empty() {}
                self.done = true;
                return Ok(0);
            }
        }
        let wanted = usize::try_from(self.remaining).unwrap_or(usize::MAX).min(buffer.len());
        let read = self.inner.read(buffer.get_mut(..wanted).unwrap_or_default())?;
        if read == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "chunked body cut short"));
        }
        self.remaining -= read as u64;
        if self.remaining == 0 && !self.line()?.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "chunk not followed by CRLF"));
        }
        Ok(read)
    }
}

/// The reference as a path segment: the API takes `name:tag`, `name@digest`
/// and slashes as they are; anything else is percent-encoded.
fn path_segment(reference: &str) -> String {
    let mut encoded = String::with_capacity(reference.len());
    for byte in reference.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/' | b':' | b'@') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ImageDescription {
    /// The image ID: the digest of its config.
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    repo_digests: Option<Vec<String>>,
}

/// The image from the layer cache alone, when it holds the config the
/// engine names (checked against that digest) and every layer the config
/// lists (by `diff_id`): then nothing is exported. `None` when anything is
/// missing.
fn from_cache(
    cache: &LayerCache,
    image_id: &str,
    reference: &str,
    name: &str,
    options: &ImageReadOptions,
) -> Result<Option<ImageFileSystem>, SourceError> {
    let Some(config_bytes) = cache.load_blob(image_id) else { return Ok(None) };
    let Ok(config) = crate::image_parts::parse_json::<ImageConfig>(&config_bytes, name, "image config") else {
        return Ok(None);
    };
    let diff_ids = config.diff_ids().to_vec();
    if diff_ids.is_empty() {
        return Ok(None);
    }
    let kept_bytes = AtomicU64::new(0);
    let mut layers = Vec::with_capacity(diff_ids.len());
    for (diff_id, info) in diff_ids.iter().zip(crate::image_parts::layer_infos(&config, &diff_ids)) {
        let layer_name = format!("{diff_id} of {name}");
        let Some(changes) = cache.load(diff_id, &layer_name, &options.limits, &kept_bytes)? else { return Ok(None) };
        layers.push((info, changes));
    }
    let mut details = crate::image_parts::image_details(&config, vec![reference.to_owned()]);
    details.config_digest = Some(image_id.to_owned());
    Ok(Some(ImageFileSystem::from_layers(reference.to_owned(), layers, Vec::new()).with_details(details)))
}

/// Reads `reference` from the engine listening on `socket`: `Ok(None)` when
/// the engine does not have that image (so the caller may try a registry).
pub(crate) fn read_daemon_image(
    kind: DaemonKind,
    socket: &Path,
    reference: &str,
    wanted: &dyn Wanted,
    options: &ImageReadOptions,
) -> Result<Option<ImageFileSystem>, SourceError> {
    let segment = path_segment(reference);
    let failed = |message: String| daemon_error(kind, socket, message);
    let described = get(kind, socket, &format!("/images/{segment}/json"))?;
    match described.status {
        200 => {}
        404 => return Ok(None),
        status => return Err(failed(format!("describing {reference} answered HTTP {status}"))),
    }
    let mut description = Vec::new();
    described
        .body
        .take(DESCRIPTION_LIMIT)
        .read_to_end(&mut description)
        .map_err(|error| failed(format!("reading the description of {reference}: {error}")))?;
    let description: ImageDescription = serde_json::from_slice(&description)
        .map_err(|error| failed(format!("the description of {reference} is not JSON: {error}")))?;
    let name = format!("{reference} (from the {} daemon)", kind.name());
    let cache = options.layer_cache.as_deref().and_then(|root| LayerCache::for_rules(root, wanted, &options.limits));
    let repository_digest = description.repo_digests.unwrap_or_default().into_iter().next();
    // The engine's description names the config and, through it, every
    // layer: a rescan with all of them cached asks for no export.
    if let (Some(cache), Some(image_id)) = (&cache, &description.id)
        && let Some(mut image) = from_cache(cache, image_id, reference, &name, options)?
    {
        image.details.repository_digest = repository_digest;
        return Ok(Some(image));
    }
    let exported = get(kind, socket, &format!("/images/{segment}/get"))?;
    if exported.status != 200 {
        return Err(failed(format!("exporting {reference} answered HTTP {}", exported.status)));
    }
    let mut image =
        crate::archive::read_docker_archive_stream(exported.body, name, None, wanted, &options.limits, cache.as_ref())?;
    image.details.repository_digest = repository_digest;
    if image.details.tags.is_empty() {
        image.details.tags = vec![reference.to_owned()];
    }
    Ok(Some(image))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut decoded = Vec::new();
        Chunked { inner: std::io::BufReader::new(body), remaining: 0, done: false }.read_to_end(&mut decoded)?;
        Ok(decoded)
    }

    /// Chunks of any size, extensions and trailers decode; cut or malformed bodies are errors.
    #[test]
    fn chunked_bodies() {
        assert_eq!(
            decode(b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n").unwrap(),
            b"hello world"
        );
        assert_eq!(decode(b"0\r\n\r\n").unwrap(), b"");
        assert!(decode(b"5\r\nhel").is_err());
        assert!(decode(b"zz\r\nhello\r\n0\r\n\r\n").is_err());
        assert!(decode(b"5\r\nhelloXX0\r\n\r\n").is_err());
        assert!(decode(b"5\r\nhello\r\n").is_err());
    }

    #[test]
    fn references_become_path_segments() {
        assert_eq!(path_segment("ghcr.io/org/app:1.4"), "ghcr.io/org/app:1.4");
        assert_eq!(path_segment("alpine@sha256:abc"), "alpine@sha256:abc");
        assert_eq!(path_segment("a b?c#d"), "a%20b%3Fc%23d");
    }
}
