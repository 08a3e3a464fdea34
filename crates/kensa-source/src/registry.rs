//! Images in a registry, read through the OCI distribution API: the manifest
//! (or index, then the platform's manifest), the config and the layers, each
//! verified against its digest while it streams; layers are inflated on
//! several threads straight from the HTTP response, never stored.
//!
//! Authentication is the challenge dance every registry speaks: a request
//! without credentials, a `401` whose `WWW-Authenticate` says `Basic` (send
//! the credentials) or `Bearer realm=…,service=…,scope=…` (get a token from
//! the realm, with the credentials if there are any, then retry with it).
//! Credentials come from the caller or from Docker's `config.json` (and its
//! credential helpers) or Podman's `auth.json`.
//!
//! Written on `ureq` (blocking) rather than `oci-client`: the layers go into
//! a blocking tar reader on their own threads, and an async client would
//! need a runtime and a bridge for nothing in return.
//!
//! Deliberately not handled: schema-1 manifests (deprecated since 2017 and
//! refused by current registries), and the OAuth2 password grant (registries
//! that want it also accept the GET token request).

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use crate::digest::{sha256_of, verify};
use crate::image_parts::METADATA_SIZE_LIMIT;
use crate::layer::LayerChanges;
use crate::oci::{BlobStore, OciDescriptor, read_image, read_in_parallel, read_verified_layer};
use crate::reference::{ImageReference, Platform};
use crate::{ImageFileSystem, ImageReadOptions, Limits, SourceError, Wanted};

/// What every manifest request accepts: indexes and image manifests, OCI and Docker.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";
/// Kensa's one retry policy, for requests the registry answers with 429 or a 5xx.
const RETRY: kensa_http::RetryPolicy = kensa_http::RetryPolicy::STANDARD;

/// How to reach a registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// The platform to take from a multi-platform index (linux/amd64 when none).
    pub platform: Option<Platform>,
    /// Which credentials to present: none by default, so a long-running
    /// service never falls back to its own Docker/Podman logins on an
    /// account's behalf; the CLI asks for [`RegistryAuth::LocalConfiguration`].
    pub auth: RegistryAuth,
    /// Speak plain HTTP to a registry that is not on this machine (loopback
    /// registries get plain HTTP unless a CA bundle is given).
    pub plain_http: bool,
    /// A PEM bundle of CA certificates to trust instead of the built-in roots
    /// (a registry behind an organisation's own CA). Given, it also means
    /// HTTPS for a registry on this machine.
    pub ca_file: Option<std::path::PathBuf>,
    /// The proxy to reach the registry through (none unless given).
    pub proxy: Option<ureq::Proxy>,
}

/// Which credentials a registry client presents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RegistryAuth {
    /// None: anonymous pulls (and anonymous Bearer tokens) only.
    #[default]
    Anonymous,
    /// These credentials, given by the caller.
    Credentials(Credentials),
    /// Those Docker's `config.json` (with its credential helpers) or Podman's
    /// `auth.json` hold for the registry, as a user's own command line would.
    LocalConfiguration,
}

/// A user name and password (or token) for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password or access token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

/// What the registry is given to prove who we are.
#[derive(Debug, Clone)]
enum Secret {
    Basic(Credentials),
    /// A refresh token (`identitytoken` in Docker's config), traded for an access token.
    IdentityToken(String),
}

/// One repository of one registry, and the authorization in use for it.
pub(crate) struct RegistryClient {
    agent: ureq::Agent,
    base_url: String,
    reference: ImageReference,
    secret: Option<Secret>,
    /// The `Authorization` header value that last worked, shared by the layer threads.
    authorization: Mutex<Option<String>>,
}

impl RegistryClient {
    fn new(reference: ImageReference, options: &RegistryOptions) -> Result<RegistryClient, SourceError> {
        let plain = options.plain_http || (reference.is_loopback() && options.ca_file.is_none());
        let scheme = if plain { "http" } else { "https" };
        let base_url = format!("{scheme}://{}", reference.api_host());
        let secret = match &options.auth {
            RegistryAuth::Anonymous => None,
            RegistryAuth::Credentials(credentials) => Some(Secret::Basic(credentials.clone())),
            RegistryAuth::LocalConfiguration => configured_secret(&reference)?,
        };
        let agent = kensa_http::agent(&kensa_http::ClientOptions {
            ca_file: options.ca_file.clone(),
            proxy: options.proxy.clone(),
            read_timeout: Duration::from_secs(120),
            ..kensa_http::ClientOptions::default()
        })?;
        Ok(RegistryClient { agent, base_url, reference, secret, authorization: Mutex::new(None) })
    }

    fn url(&self, kind: &str, reference: &str) -> String {
        format!("{}/v2/{}/{kind}/{reference}", self.base_url, self.reference.repository)
    }

    /// GETs a registry URL, answering authentication challenges and retrying
    /// what the registry says is worth retrying.
    fn get(&self, url: &str, accept: Option<&str>) -> Result<ureq::http::Response<ureq::Body>, SourceError> {
        let mut answered_challenge = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self.agent.get(url);
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            let authorization = self.authorization.lock().ok().and_then(|guard| guard.clone());
            if let Some(authorization) = &authorization {
                request = request.header("Authorization", authorization);
            }
            let mut response = request.call().map_err(|error| request_failed(url, &error))?;
            let status = response.status().as_u16();
            match status {
                200..=299 => return Ok(response),
                401 if !answered_challenge => {
                    answered_challenge = true;
                    let challenge = header(&response, "www-authenticate").unwrap_or_default();
                    let new_authorization = self.answer_challenge(&challenge, url)?;
                    if let Ok(mut guard) = self.authorization.lock() {
                        *guard = Some(new_authorization);
                    }
                }
                401 | 403 => {
                    let detail = error_detail(&mut response);
                    let message = match (&self.secret, status) {
                        (None, 401) => format!(
                            "it requires credentials and none are configured for {} ({detail})",
                            self.reference.registry
                        ),
                        (Some(_), 401) => {
                            format!("it refused the credentials configured for {} ({detail})", self.reference.registry)
                        }
                        _ => format!("access denied ({detail})"),
                    };
                    return Err(SourceError::Registry { url: url.to_owned(), message });
                }
                404 => {
                    let detail = error_detail(&mut response);
                    return Err(SourceError::Registry {
                        url: url.to_owned(),
                        message: format!("not found ({detail})"),
                    });
                }
                // The policy decides when the attempts are spent.
                status if kensa_http::RetryPolicy::is_retryable_status(status) => {
                    match RETRY.after_failure(attempt, header(&response, "retry-after").as_deref()) {
                        kensa_http::RetryDecision::RetryAfter(wait) => std::thread::sleep(wait),
                        kensa_http::RetryDecision::WaitTooLong(wait) => {
                            return Err(SourceError::Registry {
                                url: url.to_owned(),
                                message: format!(
                                    "HTTP {status}, and it asks to wait {} s before retrying",
                                    wait.as_secs()
                                ),
                            });
                        }
                        kensa_http::RetryDecision::GiveUp => return Err(http_failure(url, status, &mut response)),
                    }
                }
                _ => return Err(http_failure(url, status, &mut response)),
            }
        }
    }

    /// The `Authorization` value that answers a `WWW-Authenticate` challenge.
    fn answer_challenge(&self, challenge: &str, url: &str) -> Result<String, SourceError> {
        let refused = |message: String| SourceError::Registry { url: url.to_owned(), message };
        let Some((scheme, parameters)) = parse_challenge(challenge) else {
            return Err(refused(format!(
                "it answered 401 with an unreadable WWW-Authenticate challenge {challenge:?}"
            )));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => match &self.secret {
                Some(Secret::Basic(credentials)) => Ok(basic_authorization(credentials)),
                Some(Secret::IdentityToken(_)) => Err(refused(
                    "it wants a user name and password, and only an identity token is configured".to_owned(),
                )),
                None => Err(refused(format!(
                    "it requires credentials and none are configured for {} (give --username/--password or log in with docker or podman)",
                    self.reference.registry
                ))),
            },
            "bearer" => {
                let parameter = |name: &str| {
                    parameters.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
                };
                let Some(realm) = parameter("realm") else {
                    return Err(refused("its Bearer challenge names no realm to get a token from".to_owned()));
                };
                let default_scope = format!("repository:{}:pull", self.reference.repository);
                let scope = parameter("scope").unwrap_or(&default_scope);
                let token = self.fetch_token(realm, parameter("service"), scope)?;
                Ok(format!("Bearer {token}"))
            }
            other => Err(refused(format!("it asks for the {other} authentication scheme, which kensa does not speak"))),
        }
    }

    /// Gets a bearer token from the challenge's realm.
    fn fetch_token(&self, realm: &str, service: Option<&str>, scope: &str) -> Result<String, SourceError> {
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(SourceError::Registry {
                url: realm.to_owned(),
                message: "the token realm is not an http(s) URL".to_owned(),
            });
        }
        let mut query = vec![("scope", scope)];
        if let Some(service) = service {
            query.push(("service", service));
        }
        let response = match &self.secret {
            Some(Secret::IdentityToken(refresh_token)) => {
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.as_str()),
                    ("client_id", "kensa"),
                ];
                form.extend(query.iter().copied());
                self.agent.post(realm).send_form(form)
            }
            Some(Secret::Basic(credentials)) => self
                .agent
                .get(&with_query(realm, &query))
                .header("Authorization", basic_authorization(credentials))
                .call(),
            None => self.agent.get(&with_query(realm, &query)).call(),
        };
        let mut response = response.map_err(|error| request_failed(realm, &error))?;
        let status = response.status().as_u16();
        if status != 200 {
            let detail = error_detail(&mut response);
            let message = if matches!(status, 401 | 403) && self.secret.is_some() {
                format!(
                    "the token service refused the credentials configured for {} ({detail})",
                    self.reference.registry
                )
            } else if matches!(status, 401 | 403) {
                format!(
                    "the token service wants credentials and none are configured for {} ({detail})",
                    self.reference.registry
                )
            } else {
                format!("the token service answered HTTP {status} ({detail})")
            };
            return Err(SourceError::Registry { url: realm.to_owned(), message });
        }
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let body = read_limited(response.into_body(), realm)?;
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|error| SourceError::Registry {
            url: realm.to_owned(),
            message: format!("the token response is not the expected JSON: {error}"),
        })?;
        parsed.token.or(parsed.access_token).filter(|token| !token.is_empty()).ok_or_else(|| SourceError::Registry {
            url: realm.to_owned(),
            message: "the token response holds no token".to_owned(),
        })
    }

    /// A manifest or index by tag or digest, with its media type and digest
    /// (checked against the digest asked for, or the one the registry states).
    fn manifest(&self, reference: &str) -> Result<(Vec<u8>, Option<String>, String), SourceError> {
        let url = self.url("manifests", reference);
        let response = self.get(&url, Some(MANIFEST_ACCEPT))?;
        let content_type = header(&response, "content-type");
        let stated_digest = header(&response, "docker-content-digest");
        let bytes = read_limited(response.into_body(), &url)?;
        let digest = sha256_of(&bytes);
        if reference.contains(':') {
            verify(&url, reference, &digest)?;
        } else if let Some(stated) = stated_digest.filter(|stated| stated.starts_with("sha256:")) {
            verify(&url, &stated, &digest)?;
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct MediaTypeOnly {
            #[serde(default)]
            media_type: Option<String>,
            #[serde(default)]
            schema_version: Option<u32>,
        }
        let declared: Option<MediaTypeOnly> = serde_json::from_slice(&bytes).ok();
        if declared.as_ref().and_then(|declared| declared.schema_version) == Some(1) {
            return Err(SourceError::Registry {
                url,
                message: "it is a schema-1 manifest, deprecated since 2017; re-push the image with a current tool"
                    .to_owned(),
            });
        }
        let media_type = declared
            .and_then(|declared| declared.media_type)
            .or_else(|| content_type.map(|value| value.split(';').next().unwrap_or_default().trim().to_owned()));
        Ok((bytes, media_type, digest))
    }
}

/// The credentials Docker's `config.json` (or Podman's `auth.json`) holds for
/// the registry, if any.
fn configured_secret(reference: &ImageReference) -> Result<Option<Secret>, SourceError> {
    use docker_credential::{CredentialRetrievalError, DockerCredential};
    // Docker files Hub credentials under its v1 index URL, which the crate
    // normalises to `index.docker.io`.
    let server =
        if reference.api_host() == reference.registry { reference.registry.as_str() } else { "index.docker.io" };
    for lookup in [docker_credential::get_credential, docker_credential::get_podman_credential] {
        match lookup(server) {
            Ok(DockerCredential::UsernamePassword(username, password)) => {
                return Ok(Some(Secret::Basic(Credentials { username, password })));
            }
            Ok(DockerCredential::IdentityToken(token)) => return Ok(Some(Secret::IdentityToken(token))),
            Err(
                CredentialRetrievalError::NoCredentialConfigured
                | CredentialRetrievalError::ConfigNotFound
                | CredentialRetrievalError::ConfigReadError,
            ) => {}
            Err(error) => {
                return Err(SourceError::Registry {
                    url: reference.registry.clone(),
                    message: format!("cannot get the configured credentials: {error}"),
                });
            }
        }
    }
    Ok(None)
}

fn basic_authorization(credentials: &Credentials) -> String {
    use base64::Engine as _;
    let pair = format!("{}:{}", credentials.username, credentials.password);
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// `scheme param="value", param2=token` → the scheme and its parameters.
/// Quoted values may hold commas (`scope="repository:a:pull,push"`).
fn parse_challenge(challenge: &str) -> Option<(String, Vec<(String, String)>)> {
    let challenge = challenge.trim();
    let (scheme, mut rest) = match challenge.split_once(char::is_whitespace) {
        Some((scheme, rest)) => (scheme, rest.trim_start()),
        None => (challenge, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut parameters = Vec::new();
    while !rest.is_empty() {
        let (key, after_key) = rest.split_once('=')?;
        let key = key.trim().trim_start_matches(',').trim().to_owned();
        let after_key = after_key.trim_start();
        let (value, remaining) = if let Some(quoted) = after_key.strip_prefix('"') {
            let mut value = String::new();
            let mut characters = quoted.char_indices();
            let mut end = None;
            while let Some((index, character)) = characters.next() {
                match character {
                    '\\' => value.extend(characters.next().map(|(_, escaped)| escaped)),
                    '"' => {
                        end = Some(index + 1);
                        break;
                    }
                    other => value.push(other),
                }
            }
            (value, quoted.get(end?..).unwrap_or_default())
        } else {
            let end = after_key.find(',').unwrap_or(after_key.len());
            (after_key[..end].trim().to_owned(), &after_key[end..])
        };
        parameters.push((key, value));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    Some((scheme.to_owned(), parameters))
}

/// Appends percent-encoded query parameters to a URL that may already have some.
fn with_query(url: &str, parameters: &[(&str, &str)]) -> String {
    let mut text = url.to_owned();
    for (index, (key, value)) in parameters.iter().enumerate() {
        text.push(if index == 0 && !url.contains('?') { '?' } else { '&' });
        text.push_str(&percent_encode(key));
        text.push('=');
        text.push_str(&percent_encode(value));
    }
    text
}

fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
}

/// A request the registry refused with `status`, in its own words.
fn http_failure(url: &str, status: u16, response: &mut ureq::http::Response<ureq::Body>) -> SourceError {
    let detail = error_detail(response);
    SourceError::Registry { url: url.to_owned(), message: format!("HTTP {status} ({detail})") }
}

/// The registry's own words for an error (`{"errors":[{"code","message"}]}`),
/// or the start of the body.
fn error_detail(response: &mut ureq::http::Response<ureq::Body>) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<ErrorEntry>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorEntry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let status = response.status();
    let body = response.body_mut().with_config().limit(64 * 1024).read_to_vec().unwrap_or_default();
    if let Ok(errors) = serde_json::from_slice::<Errors>(&body)
        && !errors.errors.is_empty()
    {
        return errors
            .errors
            .iter()
            .map(|error| format!("{}: {}", error.code, error.message))
            .collect::<Vec<_>>()
            .join("; ");
    }
    let text: String = String::from_utf8_lossy(&body).chars().take(200).collect();
    if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("no details").to_owned()
    } else {
        text.trim().to_owned()
    }
}

fn request_failed(url: &str, error: &ureq::Error) -> SourceError {
    SourceError::Registry { url: url.to_owned(), message: error.to_string() }
}

fn read_limited(body: ureq::Body, url: &str) -> Result<Vec<u8>, SourceError> {
    body.into_with_config().limit(METADATA_SIZE_LIMIT).read_to_vec().map_err(|error| SourceError::Registry {
        url: url.to_owned(),
        message: format!("cannot read the response: {error}"),
    })
}

/// The blobs of one repository, fetched as the layout reader asks for them.
struct RegistryStore {
    client: RegistryClient,
    /// The manifest the reference named, already fetched to learn its type.
    first_manifest: Option<(String, Vec<u8>)>,
}

impl BlobStore for RegistryStore {
    fn image_name(&self) -> String {
        self.client.reference.canonical()
    }

    fn small_blob(&mut self, digest: &str) -> Result<Vec<u8>, SourceError> {
        let url = self.client.url("blobs", digest);
        let bytes = read_limited(self.client.get(&url, None)?.into_body(), &url)?;
        verify(&url, digest, &sha256_of(&bytes))?;
        Ok(bytes)
    }

    fn manifest(&mut self, digest: &str) -> Result<Vec<u8>, SourceError> {
        if let Some((first_digest, _)) = &self.first_manifest
            && first_digest == digest
            && let Some((_, bytes)) = self.first_manifest.take()
        {
            return Ok(bytes);
        }
        Ok(self.client.manifest(digest)?.0)
    }

    fn layer(
        &mut self,
        descriptor: &OciDescriptor,
        wanted: &dyn Wanted,
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Result<LayerChanges, SourceError> {
        read_registry_layer(&self.client, descriptor, wanted, limits, kept_bytes)
    }

    /// Layers are independent downloads: several stream and inflate at once.
    fn layers(
        &mut self,
        descriptors: &[OciDescriptor],
        wanted: &dyn Wanted,
        limits: &Limits,
        kept_bytes: &std::sync::atomic::AtomicU64,
    ) -> Vec<Result<LayerChanges, SourceError>> {
        let client = &self.client;
        read_in_parallel(descriptors, &limits.budget, |descriptor| {
            read_registry_layer(client, descriptor, wanted, limits, kept_bytes)
        })
    }
}

fn read_registry_layer(
    client: &RegistryClient,
    descriptor: &OciDescriptor,
    wanted: &dyn Wanted,
    limits: &Limits,
    kept_bytes: &std::sync::atomic::AtomicU64,
) -> Result<LayerChanges, SourceError> {
    let url = client.url("blobs", &descriptor.digest);
    let body = client.get(&url, None)?.into_body().into_reader();
    // A registry sending more than the manifest's size is sending something
    // else; the digest check would say so, but only after reading it all.
    let body: Box<dyn Read + Send> = match descriptor.size {
        Some(size) => Box::new(body.take(size.saturating_add(1))),
        None => Box::new(body),
    };
    let layer_name = format!("layer {} of {}", descriptor.digest, client.reference.canonical());
    read_verified_layer(body, descriptor, &layer_name, wanted, limits, kept_bytes)
}

/// Reads an image from a registry.
pub(crate) fn read_registry_image(
    reference: &str,
    options: &RegistryOptions,
    wanted: &dyn Wanted,
    read_options: &ImageReadOptions,
) -> Result<ImageFileSystem, SourceError> {
    let reference = ImageReference::parse(reference)?;
    let client = RegistryClient::new(reference.clone(), options)?;
    let (bytes, media_type, digest) = client.manifest(reference.manifest_reference())?;
    let descriptor = OciDescriptor { media_type, digest: digest.clone(), platform: None, size: None, urls: Vec::new() };
    let mut store = RegistryStore { client, first_manifest: Some((digest.clone(), bytes)) };
    let mut image = read_image(&mut store, descriptor, options.platform.as_ref(), wanted, read_options, Vec::new())?;
    image.details.tags = vec![reference.canonical()];
    image.details.repository_digest = Some(format!("{}/{}@{digest}", reference.registry, reference.repository));
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse_with_quoted_commas_and_bare_values() {
        let (scheme, parameters) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/a:pull,push""#,
        )
        .unwrap();
        assert_eq!(scheme, "Bearer");
        assert_eq!(
            parameters,
            vec![
                ("realm".to_owned(), "https://auth.docker.io/token".to_owned()),
                ("service".to_owned(), "registry.docker.io".to_owned()),
                ("scope".to_owned(), "repository:library/a:pull,push".to_owned()),
            ]
        );
        let (scheme, parameters) = parse_challenge(r#"Basic realm=kensa, charset="UTF-8""#).unwrap();
        assert_eq!(scheme, "Basic");
        assert_eq!(parameters.len(), 2);
        assert_eq!(parameters[0].1, "kensa");
        assert!(parse_challenge("").is_none());
        // An unterminated quote is unreadable, not a panic.
        assert!(parse_challenge(r#"Bearer realm="https://x"#).is_none());
    }

    #[test]
    fn basic_authorization_is_rfc_4648_base64() {
        let credentials = Credentials { username: "Aladdin".into(), password: "open sesame".into() };
        assert_eq!(basic_authorization(&credentials), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }

    #[test]
    fn token_queries_are_percent_encoded_and_appended() {
        assert_eq!(
            with_query("https://auth/token", &[("scope", "repository:a/b:pull"), ("service", "reg x")]),
            "https://auth/token?scope=repository%3Aa%2Fb%3Apull&service=reg%20x"
        );
        assert_eq!(with_query("https://auth/token?x=1", &[("a", "b")]), "https://auth/token?x=1&a=b");
    }

    #[test]
    fn credentials_never_print_their_password() {
        let credentials = Credentials { username: "user".into(), password: "hunter2".into() };
        assert!(!format!("{credentials:?}").contains("hunter2"));
    }
}
