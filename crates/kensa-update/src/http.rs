//! Blocking HTTP GETs with the behaviour a feed download needs: a clear
//! User-Agent, proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (ureq's
//! default), retries with backoff on 429 and 5xx honouring `Retry-After`,
//! size limits, and errors that name the URL.

use std::io::Read;
use std::time::Duration;

use crate::UpdateError;

/// Kensa's one retry policy (429, 5xx, cut-off bodies, connection failures).
const RETRY: kensa_http::RetryPolicy = kensa_http::RetryPolicy::STANDARD;
const ATTEMPTS: u32 = RETRY.attempts;

/// What a download cut short left, to continue with an HTTP Range request.
#[derive(Default)]
struct Resume {
    body: Vec<u8>,
    /// The whole length the first response declared.
    total: Option<u64>,
    /// Its ETag (or Last-Modified), sent as If-Range so a changed file restarts.
    validator: Option<String>,
}

/// Downloads at least this large are reported to the progress sink.
const PROGRESS_THRESHOLD: u64 = 1024 * 1024;

/// Reports what a reader yields to a progress sink.
struct ProgressReader<'a, R> {
    inner: R,
    sink: &'a dyn crate::UpdateProgress,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.sink.download_progressed(read as u64);
        Ok(read)
    }
}

/// One agent for a whole update (connections are reused).
pub(crate) struct HttpClient {
    agent: ureq::Agent,
    /// Where large downloads report their progress (the CLI draws bars).
    pub(crate) progress: Option<std::sync::Arc<dyn crate::UpdateProgress>>,
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
    /// A client; `ca_file` (PEM) replaces the built-in root certificates, for
    /// mirrors behind a private CA.
    pub(crate) fn new(
        ca_file: Option<&std::path::Path>,
        proxy: Option<ureq::Proxy>,
    ) -> Result<HttpClient, UpdateError> {
        let options = kensa_http::ClientOptions {
            ca_file: ca_file.map(std::path::Path::to_path_buf),
            user_agent: concat!("kensa/", env!("CARGO_PKG_VERSION"), " (+https://github.com/kensa-security/kensa)")
                .to_owned(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            proxy,
        };
        let agent = kensa_http::agent(&options)?;
        Ok(HttpClient {
            agent,
            progress: None,
            transferred: std::cell::Cell::new(0),
            requests: std::cell::Cell::new(0),
        })
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
        let mut resume = Resume::default();
        loop {
            attempt += 1;
            self.requests.set(self.requests.get().saturating_add(1));
            let mut request = self.agent.get(url);
            if let Some(validator) = &resume.validator {
                request =
                    request.header("Range", format!("bytes={}-", resume.body.len())).header("If-Range", validator);
            }
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
                Err(error) if attempt < ATTEMPTS && kensa_http::RetryPolicy::is_transient(&error) => {
                    std::thread::sleep(RETRY.backoff(attempt));
                    continue;
                }
                Err(error) => return Err(failed(error.to_string())),
            };
            let status = response.status().as_u16();
            match status {
                200 | 206 => {
                    let header = |name: &str| {
                        response.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
                    };
                    let received = Validators { etag: header("etag"), last_modified: header("last-modified") };
                    let declared = header("content-length").and_then(|value| value.parse::<u64>().ok());
                    // A 206 continues the partial body only if it starts where that ends.
                    let continues = status == 206
                        && header("content-range")
                            .and_then(|range| range.strip_prefix("bytes ")?.split('-').next()?.parse::<u64>().ok())
                            == Some(resume.body.len() as u64);
                    if !continues {
                        let unusable_part = status == 206;
                        resume = Resume::default();
                        if unusable_part && attempt < ATTEMPTS {
                            // A part that does not continue ours: ask for all of it.
                            continue;
                        }
                        if unusable_part {
                            return Err(failed(
                                "the server answered a resumed download with the wrong range".to_owned(),
                            ));
                        }
                    }
                    let total = if continues { resume.total } else { declared };
                    if total.is_some_and(|total| total > limit) {
                        return Err(failed(format!("the response is larger than the {limit}-byte limit")));
                    }
                    let already = resume.body.len() as u64;
                    let mut body = std::mem::take(&mut resume.body);
                    let reader =
                        response.into_body().into_reader().take(limit.saturating_sub(already).saturating_add(1));
                    let sink =
                        self.progress.as_deref().filter(|_| total.is_some_and(|total| total >= PROGRESS_THRESHOLD));
                    let read = match sink {
                        Some(sink) => {
                            let label = url
                                .rsplit('/')
                                .take(2)
                                .collect::<Vec<_>>()
                                .into_iter()
                                .rev()
                                .collect::<Vec<_>>()
                                .join("/");
                            sink.download_started(&label, total.unwrap_or_default(), already);
                            let read = ProgressReader { inner: reader, sink }.read_to_end(&mut body);
                            sink.download_finished();
                            read
                        }
                        None => {
                            let mut reader = reader;
                            reader.read_to_end(&mut body)
                        }
                    };
                    self.transferred.set(self.transferred.get().saturating_add(body.len() as u64 - already));
                    if body.len() as u64 > limit {
                        return Err(failed(format!("the response is larger than the {limit}-byte limit")));
                    }
                    let complete = read.is_ok() && total.is_none_or(|total| total == body.len() as u64);
                    if complete {
                        return Ok(Fetched::Body(body, received));
                    }
                    // Cut short: resume from here next time when the server can
                    // say the rest belongs to the same file (an ETag or date
                    // for If-Range), else start over.
                    let validator = received.etag.clone().or(received.last_modified.clone());
                    if attempt >= ATTEMPTS {
                        let detail = match &read {
                            Err(error) => error.to_string(),
                            Ok(_) => format!("{} of {} bytes", body.len(), total.unwrap_or_default()),
                        };
                        return Err(failed(format!("the response was cut short: {detail}")));
                    }
                    if let (Some(validator), Some(total)) = (validator, total) {
                        resume = Resume { body, total: Some(total), validator: Some(validator) };
                    }
                    std::thread::sleep(RETRY.backoff(attempt));
                }
                304 => return Ok(Fetched::NotModified),
                404 => return Ok(Fetched::NotFound),
                // The policy decides when the attempts are spent.
                status if kensa_http::RetryPolicy::is_retryable_status(status) || also_retry.contains(&status) => {
                    let retry_after = response.headers().get("retry-after").and_then(|value| value.to_str().ok());
                    match RETRY.after_failure(attempt, retry_after) {
                        kensa_http::RetryDecision::RetryAfter(wait) => std::thread::sleep(wait),
                        kensa_http::RetryDecision::WaitTooLong(wait) => {
                            return Err(failed(format!(
                                "HTTP {status}, and the server asks to wait {} s before retrying",
                                wait.as_secs()
                            )));
                        }
                        kensa_http::RetryDecision::GiveUp => {
                            return Err(failed(format!("HTTP {status} after {attempt} attempts")));
                        }
                    }
                }
                _ => return Err(failed(format!("HTTP {status} after {attempt} attempts"))),
            }
        }
    }
}
