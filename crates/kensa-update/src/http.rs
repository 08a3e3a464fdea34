//! Blocking HTTP GETs with the behaviour a feed download needs: a clear
//! User-Agent, proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (ureq's
//! default), retries with backoff on 429 and 5xx honouring `Retry-After`,
//! size limits, and errors that name the URL.

use std::io::Read;
use std::time::Duration;

use crate::UpdateError;

/// Attempts for one request answered with 429 or a 5xx, or cut off.
const ATTEMPTS: u32 = 5;
/// The longest `Retry-After` honoured; a feed asking for more fails the update.
const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(60);

/// One agent for a whole update (connections are reused).
pub(crate) struct HttpClient {
    agent: ureq::Agent,
    /// Bytes of response bodies received.
    pub(crate) transferred: std::cell::Cell<u64>,
    /// Requests made (retries included).
    pub(crate) requests: std::cell::Cell<u64>,
}

/// What a GET found.
pub(crate) enum Fetched {
    /// The body, and the validators to send next time.
    Body(Vec<u8>, Validators),
    /// The copy the validators describe is still current (304).
    NotModified,
    NotFound,
}

/// `ETag` and `Last-Modified` of a response, sent back as `If-None-Match`
/// and `If-Modified-Since` so an unchanged list or catalog costs one empty
/// response instead of a download.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Validators {
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
}

impl HttpClient {
    pub(crate) fn new() -> HttpClient {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("kensa/", env!("CARGO_PKG_VERSION"), " (+https://github.com/kensa-security/kensa)"))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        HttpClient { agent, transferred: std::cell::Cell::new(0), requests: std::cell::Cell::new(0) }
    }

    /// GETs `url` whole, at most `limit` bytes. A 404 is [`Fetched::NotFound`];
    /// other failures are errors after the retries.
    pub(crate) fn get(&self, url: &str, limit: u64, validators: &Validators) -> Result<Fetched, UpdateError> {
        self.get_with(url, limit, validators, &[], &[])
    }

    /// [`HttpClient::get`] with extra request headers, and extra statuses
    /// worth retrying (NVD answers 403 when its rate limit is hit).
    pub(crate) fn get_with(
        &self,
        url: &str,
        limit: u64,
        validators: &Validators,
        headers: &[(&str, &str)],
        also_retry: &[u16],
    ) -> Result<Fetched, UpdateError> {
        let failed = |message: String| UpdateError::Http { url: url.to_owned(), message };
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.requests.set(self.requests.get().saturating_add(1));
            let mut request = self.agent.get(url);
            if let Some(etag) = &validators.etag {
                request = request.header("If-None-Match", etag);
            }
            if let Some(last_modified) = &validators.last_modified {
                request = request.header("If-Modified-Since", last_modified);
            }
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = match request.call() {
                Ok(response) => response,
                Err(error) if attempt < ATTEMPTS && is_transient(&error) => {
                    std::thread::sleep(backoff(attempt));
                    continue;
                }
                Err(error) => return Err(failed(error.to_string())),
            };
            let status = response.status().as_u16();
            match status {
                200 => {
                    let header = |name: &str| {
                        response.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
                    };
                    let received = Validators { etag: header("etag"), last_modified: header("last-modified") };
                    let declared = response
                        .headers()
                        .get("content-length")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.parse::<u64>().ok());
                    if declared.is_some_and(|declared| declared > limit) {
                        return Err(failed(format!("the response is larger than the {limit}-byte limit")));
                    }
                    let mut body = Vec::new();
                    let read = response.into_body().into_reader().take(limit.saturating_add(1)).read_to_end(&mut body);
                    self.transferred.set(self.transferred.get().saturating_add(body.len() as u64));
                    match read {
                        Ok(_) if body.len() as u64 > limit => {
                            return Err(failed(format!("the response is larger than the {limit}-byte limit")));
                        }
                        Ok(_) if declared.is_some_and(|declared| declared != body.len() as u64) => {
                            // A body cut short of its Content-Length.
                            if attempt < ATTEMPTS {
                                std::thread::sleep(backoff(attempt));
                                continue;
                            }
                            return Err(failed(format!(
                                "the response was cut short: {} of {} bytes",
                                body.len(),
                                declared.unwrap_or_default()
                            )));
                        }
                        Ok(_) => return Ok(Fetched::Body(body, received)),
                        Err(_) if attempt < ATTEMPTS => std::thread::sleep(backoff(attempt)),
                        Err(error) => return Err(failed(format!("the response was cut short: {error}"))),
                    }
                }
                304 => return Ok(Fetched::NotModified),
                404 => return Ok(Fetched::NotFound),
                status
                    if attempt < ATTEMPTS
                        && (matches!(status, 429 | 500 | 502 | 503 | 504) || also_retry.contains(&status)) =>
                {
                    let wait = response
                        .headers()
                        .get("retry-after")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.trim().parse::<u64>().ok())
                        .map_or_else(|| backoff(attempt), Duration::from_secs);
                    if wait > LONGEST_RETRY_WAIT {
                        return Err(failed(format!(
                            "HTTP {status}, and the server asks to wait {} s before retrying",
                            wait.as_secs()
                        )));
                    }
                    std::thread::sleep(wait);
                }
                _ => return Err(failed(format!("HTTP {status} after {attempt} attempts"))),
            }
        }
    }
}

/// Connection-level failures worth another attempt.
fn is_transient(error: &ureq::Error) -> bool {
    matches!(error, ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed)
}

/// 0.5, 1, 2, 4 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)))
}
