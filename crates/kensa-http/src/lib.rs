//! HTTP client configuration shared by every part of Kensa that talks to the
//! network (registry pulls in `kensa-source`, feed downloads in
//! `kensa-update`), so a private CA bundle, the user agent and the timeouts are
//! set one way.
//!
//! Retries follow one [`RetryPolicy`] everywhere.
//!
//! TLS is rustls with Mozilla's roots built in; an organisation's own CA (a
//! registry or feed mirror behind a private certificate) is given as a PEM
//! bundle, which then replaces the built-in roots — as `SSL_CERT_FILE` does for
//! OpenSSL-based tools.

mod retry;

pub use retry::{RetryDecision, RetryPolicy};

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors configuring a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpConfigError {
    /// The CA bundle could not be read.
    #[error("cannot read CA bundle {path}: {source}")]
    Read {
        /// The bundle.
        path: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The CA bundle is not PEM certificates.
    #[error("CA bundle {path} is not usable: {message}")]
    NotCertificates {
        /// The bundle.
        path: String,
        /// Why.
        message: String,
    },
}

/// How a client is set up.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// A PEM bundle of CA certificates to trust instead of the built-in roots.
    pub ca_file: Option<PathBuf>,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Time to connect.
    pub connect_timeout: Duration,
    /// Time to wait for a response, and for each read of a body.
    pub read_timeout: Duration,
    /// The proxy to reach servers through, if any. Never taken from the
    /// environment here: the binary asks [`proxy_from_environment`], a
    /// service configures its own.
    pub proxy: Option<ureq::Proxy>,
}

/// The proxy the process environment names (`HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY`, with `NO_PROXY`), for a command line to pass in
/// [`ClientOptions::proxy`].
pub fn proxy_from_environment() -> Option<ureq::Proxy> {
    ureq::Proxy::try_from_env()
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            ca_file: None,
            user_agent: concat!("kensa/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            proxy: None,
        }
    }
}

/// The root certificates of a PEM bundle.
fn root_certificates(path: &Path) -> Result<ureq::tls::RootCerts, HttpConfigError> {
    let display = path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| HttpConfigError::Read { path: display.clone(), source })?;
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(certificate)) => certificates.push(certificate),
            // Keys and CRLs beside the certificates are not ours to use.
            Ok(_) => {}
            Err(error) => {
                return Err(HttpConfigError::NotCertificates { path: display, message: format!("not PEM: {error}") });
            }
        }
    }
    if certificates.is_empty() {
        return Err(HttpConfigError::NotCertificates { path: display, message: "it holds no certificate".to_owned() });
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certificates))
}

/// An agent: HTTP errors are returned as responses (callers read the status
/// and the registry's or server's error body), the proxy is the options'
/// (none unless given: the environment is not read), bodies have no overall
/// deadline (layers are large) but every read has one.
pub fn agent(options: &ClientOptions) -> Result<ureq::Agent, HttpConfigError> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(path) = &options.ca_file {
        tls = tls.root_certs(root_certificates(path)?);
    }
    Ok(ureq::Agent::config_builder()
        .tls_config(tls.build())
        .proxy(options.proxy.clone())
        .http_status_as_error(false)
        .user_agent(options.user_agent.as_str())
        .timeout_connect(Some(options.connect_timeout))
        .timeout_recv_response(Some(options.read_timeout))
        .timeout_recv_body(None)
        .timeout_per_read(Some(options.read_timeout))
        .build()
        .new_agent())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing file, a file of no certificates and broken PEM are errors naming the file.
    #[test]
    fn unusable_bundles_are_errors_naming_the_file() {
        let directory = tempfile::tempdir().unwrap();
        let missing = directory.path().join("missing.pem");
        let error = agent(&ClientOptions { ca_file: Some(missing.clone()), ..ClientOptions::default() }).unwrap_err();
        assert!(error.to_string().contains("missing.pem"), "{error}");
        let empty = directory.path().join("empty.pem");
        std::fs::write(&empty, "no certificates here\n").unwrap();
        let error = agent(&ClientOptions { ca_file: Some(empty), ..ClientOptions::default() }).unwrap_err();
        assert!(error.to_string().contains("no certificate"), "{error}");
        let broken = directory.path().join("broken.pem");
        std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").unwrap();
        let error = agent(&ClientOptions { ca_file: Some(broken), ..ClientOptions::default() }).unwrap_err();
        assert!(error.to_string().contains("broken.pem"), "{error}");
    }

    #[test]
    fn default_agent_builds() {
        assert!(agent(&ClientOptions::default()).is_ok());
    }
}
