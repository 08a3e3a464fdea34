//! AWS Signature Version 4, both sides: the client signs a request (what
//! `kensa push` does), the server verifies one (what every request to
//! `kensa server` goes through).
//!
//! Verification recomputes the canonical request from exactly the headers
//! the client listed in `SignedHeaders`, nothing more and nothing less, so any
//! client that signs correctly (the AWS CLI, boto3, every AWS SDK) is
//! accepted whichever headers it chose to sign. The comparison of signatures
//! is in constant time.
//!
//! The path is canonicalised as AWS does for every service but S3: dot
//! segments removed, then percent-encoded again (so a `%3A` the client sent
//! is signed as `%253A`). The query is decoded and re-encoded strictly.
//!
//! Hand-written rather than built on `aws-sigv4`: that crate is a signer
//! with its own list of headers it refuses to sign, and a verifier must sign
//! exactly what the client listed.
//!
//! Pure: no clock (the caller passes the time), no I/O. Dates go through
//! `kensa_model::time`, the project's one date module.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The only algorithm SigV4 defines.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far a request's time may be from the server's: AWS's 15 minutes.
pub const MAXIMUM_CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// Why a request's signature was not accepted. The variants map onto AWS's
/// error codes: [`SignatureError::error_code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// No `Authorization` header at all.
    #[error("Missing Authentication Token")]
    Missing,
    /// An `Authorization` header that is not a SigV4 one, or is malformed.
    #[error("Authorization header is malformed: {0}")]
    Malformed(String),
    /// The request's time is outside the allowed skew.
    #[error("Signature expired: {request_time} is now earlier than {earliest} ({now} - 15 min.)")]
    Expired {
        /// The request's `X-Amz-Date`.
        request_time: String,
        /// The earliest time accepted.
        earliest: String,
        /// The server's time.
        now: String,
    },
    /// The request's time is too far in the future.
    #[error("Signature not yet current: {request_time} is still later than {latest} ({now} + 15 min.)")]
    NotYetCurrent {
        /// The request's `X-Amz-Date`.
        request_time: String,
        /// The latest time accepted.
        latest: String,
        /// The server's time.
        now: String,
    },
    /// The credential scope names another service than the one called.
    #[error("Credential should be scoped to correct service: '{expected}'.")]
    WrongService {
        /// The service the endpoint belongs to.
        expected: String,
    },
    /// The recomputed signature differs from the one sent.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    Mismatch,
}

impl SignatureError {
    /// AWS's error code for this refusal (`x-amzn-ErrorType`).
    pub fn error_code(&self) -> &'static str {
        match self {
            SignatureError::Missing => "MissingAuthenticationTokenException",
            SignatureError::Malformed(_) => "IncompleteSignatureException",
            _ => "InvalidSignatureException",
        }
    }
}

/// A request as the server received it (or the client is about to send it).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path exactly as sent, still percent-encoded.
    pub path: &'a str,
    /// The query string exactly as sent (without `?`), possibly empty.
    pub query: &'a str,
    /// Every header, names in any case; repeated names allowed.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

impl Request<'_> {
    fn header_values<'h>(&'h self, name: &'h str) -> impl Iterator<Item = &'h str> + 'h {
        self.headers.iter().filter(move |(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 Credential=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id the request claims.
    pub access_key_id: String,
    /// `YYYYMMDD` of the credential scope.
    pub date: String,
    /// The scope's region.
    pub region: String,
    /// The scope's service.
    pub service: String,
    /// Lower-case header names, in the order sent.
    pub signed_headers: Vec<String>,
    /// The signature, lower-case hex.
    pub signature: String,
}

/// Parses a SigV4 `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<Authorization, SignatureError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .ok_or_else(|| SignatureError::Malformed(format!("only {ALGORITHM} is supported")))?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(value) = part.strip_prefix("Credential=") {
            credential = Some(value);
        } else if let Some(value) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(value);
        } else if let Some(value) = part.strip_prefix("Signature=") {
            signature = Some(value);
        } else if !part.is_empty() {
            return Err(SignatureError::Malformed(format!("unexpected element '{part}'")));
        }
    }
    let missing = |what: &str| SignatureError::Malformed(format!("Authorization header requires '{what}' parameter"));
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let signed_headers = signed_headers.ok_or_else(|| missing("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope.as_slice() else {
        return Err(SignatureError::Malformed(format!(
            "Credential should have five parts (key/date/region/service/aws4_request), got '{credential}'"
        )));
    };
    if *terminator != "aws4_request" {
        return Err(SignatureError::Malformed(format!("Credential should end in aws4_request, got '{terminator}'")));
    }
    if date.len() != 8 || !date.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(SignatureError::Malformed(format!("Credential date '{date}' is not YYYYMMDD")));
    }
    if access_key_id.is_empty() || region.is_empty() || service.is_empty() {
        return Err(SignatureError::Malformed(format!("Credential '{credential}' has an empty part")));
    }
    if signature.len() != 64 || !signature.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(SignatureError::Malformed("Signature should be 64 hexadecimal digits".to_string()));
    }
    let signed_headers: Vec<String> = signed_headers.split(';').map(str::to_ascii_lowercase).collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(SignatureError::Malformed("SignedHeaders has an empty name".to_string()));
    }
    Ok(Authorization {
        access_key_id: (*access_key_id).to_string(),
        date: (*date).to_string(),
        region: (*region).to_string(),
        service: (*service).to_string(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// Lower-case hex of SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length: new_from_slice cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0; 32],
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The key a secret derives for one day, region and service.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let date_key = hmac(format!("AWS4{secret_access_key}").as_bytes(), date.as_bytes());
    let region_key = hmac(&date_key, region.as_bytes());
    let service_key = hmac(&region_key, service.as_bytes());
    hmac(&service_key, b"aws4_request")
}

/// Percent-encodes everything but RFC 3986's unreserved characters (and `/`
/// when `keep_slash`).
fn uri_encode(bytes: &[u8], keep_slash: bool, out: &mut String) {
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push_str(&hex(&[byte]).to_ascii_uppercase());
        }
    }
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%'
            && let Some(pair) = bytes.get(index + 1..index + 3)
            && let Ok(pair) = std::str::from_utf8(pair)
            && let Ok(decoded) = u8::from_str_radix(pair, 16)
        {
            out.push(decoded);
            index += 3;
            continue;
        }
        out.push(byte);
        index += 1;
    }
    out
}

fn canonical_path(path: &str) -> String {
    // Remove dot segments (RFC 3986 5.2.4) and collapse nothing else.
    let mut segments: Vec<&str> = Vec::new();
    let trailing_slash = path.ends_with('/') && path.len() > 1;
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalised = String::from("/");
    normalised.push_str(&segments.join("/"));
    if trailing_slash && !segments.is_empty() {
        normalised.push('/');
    }
    let mut encoded = String::with_capacity(normalised.len());
    uri_encode(normalised.as_bytes(), true, &mut encoded);
    encoded
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut encoded_key = String::new();
            uri_encode(&percent_decode(&key.replace('+', " ")), false, &mut encoded_key);
            let mut encoded_value = String::new();
            uri_encode(&percent_decode(&value.replace('+', " ")), false, &mut encoded_value);
            (encoded_key, encoded_value)
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join("&")
}

fn canonical_header_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical request over `signed_headers` (lower-case, any order), and
/// the payload hash it used.
pub fn canonical_request(request: &Request<'_>, signed_headers: &[String]) -> Result<String, SignatureError> {
    let mut names: Vec<&str> = signed_headers.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    let mut canonical = String::new();
    canonical.push_str(&request.method.to_ascii_uppercase());
    canonical.push('\n');
    canonical.push_str(&canonical_path(request.path));
    canonical.push('\n');
    canonical.push_str(&canonical_query(request.query));
    canonical.push('\n');
    for name in &names {
        let values: Vec<String> = request.header_values(name).map(canonical_header_value).collect();
        if values.is_empty() {
            return Err(SignatureError::Malformed(format!("signed header '{name}' is not in the request")));
        }
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(&values.join(","));
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&names.join(";"));
    canonical.push('\n');
    let body_hash = sha256_hex(request.body);
    if let Some(declared) = request.header("x-amz-content-sha256")
        && declared != body_hash
    {
        return Err(SignatureError::Malformed("x-amz-content-sha256 does not match the body's SHA-256".to_string()));
    }
    canonical.push_str(&body_hash);
    Ok(canonical)
}

fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// `YYYYMMDDTHHMMSSZ` → seconds since the Unix epoch.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let digits_where_due =
        bytes.iter().enumerate().all(|(index, byte)| matches!(index, 8 | 15) || byte.is_ascii_digit());
    if bytes.len() != 16 || bytes.get(8) != Some(&b'T') || bytes.get(15) != Some(&b'Z') || !digits_where_due {
        return None;
    }
    // The basic ISO 8601 form, read by the project's one date parser.
    let extended = format!(
        "{}-{}-{}T{}:{}:{}Z",
        text.get(0..4)?,
        text.get(4..6)?,
        text.get(6..8)?,
        text.get(9..11)?,
        text.get(11..13)?,
        text.get(13..15)?
    );
    let nanoseconds = kensa_model::time::parse_rfc3339_nanoseconds(&extended)?;
    i64::try_from(nanoseconds.div_euclid(1_000_000_000)).ok()
}

/// Seconds since the Unix epoch → `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(seconds: i64) -> String {
    kensa_model::time::rfc3339_utc(seconds).replace(['-', ':'], "")
}

/// A verified request's identity: who signed it, for which region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key that signed it.
    pub access_key_id: String,
    /// The region of the credential scope.
    pub region: String,
}

/// The request's signature header, parsed; the server looks up the secret
/// of `access_key_id` and then calls [`verify`].
pub fn authorization_of(request: &Request<'_>) -> Result<Authorization, SignatureError> {
    if request.header("x-amz-security-token").is_some() {
        // Kensa issues no temporary credentials: a session token can only be
        // AWS's, and signing with it against Kensa is a configuration error.
        return Err(SignatureError::Malformed("session tokens are not accepted by Kensa".to_string()));
    }
    let value = request.header("authorization").ok_or(SignatureError::Missing)?;
    parse_authorization(value)
}

/// Checks `request`'s signature against `secret_access_key`: the service in
/// its scope must be `service`, its time within the skew of `now_seconds`,
/// `host` must be signed, and the signature must be what the secret gives.
pub fn verify(
    request: &Request<'_>,
    authorization: &Authorization,
    secret_access_key: &str,
    service: &str,
    now_seconds: i64,
) -> Result<Verified, SignatureError> {
    if authorization.service != service {
        return Err(SignatureError::WrongService { expected: service.to_string() });
    }
    if !authorization.signed_headers.iter().any(|name| name == "host") {
        return Err(SignatureError::Malformed("the host header must be signed".to_string()));
    }
    let amz_date = request
        .header("x-amz-date")
        .ok_or_else(|| SignatureError::Malformed("the request has no X-Amz-Date header".to_string()))?;
    if request.header("x-amz-date").is_some() && !authorization.signed_headers.iter().any(|name| name == "x-amz-date") {
        return Err(SignatureError::Malformed("the x-amz-date header must be signed".to_string()));
    }
    let request_time = parse_amz_date(amz_date)
        .ok_or_else(|| SignatureError::Malformed(format!("X-Amz-Date '{amz_date}' is not YYYYMMDDTHHMMSSZ")))?;
    if amz_date.get(..8) != Some(authorization.date.as_str()) {
        return Err(SignatureError::Malformed(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}'",
            authorization.date,
            amz_date.get(..8).unwrap_or(amz_date)
        )));
    }
    if request_time < now_seconds - MAXIMUM_CLOCK_SKEW_SECONDS {
        return Err(SignatureError::Expired {
            request_time: amz_date.to_string(),
            earliest: format_amz_date(now_seconds - MAXIMUM_CLOCK_SKEW_SECONDS),
            now: format_amz_date(now_seconds),
        });
    }
    if request_time > now_seconds + MAXIMUM_CLOCK_SKEW_SECONDS {
        return Err(SignatureError::NotYetCurrent {
            request_time: amz_date.to_string(),
            latest: format_amz_date(now_seconds + MAXIMUM_CLOCK_SKEW_SECONDS),
            now: format_amz_date(now_seconds),
        });
    }
    let canonical = canonical_request(request, &authorization.signed_headers)?;
    let scope = format!("{}/{}/{}/aws4_request", authorization.date, authorization.region, authorization.service);
    let to_sign = string_to_sign(amz_date, &scope, &canonical);
    let key = signing_key(secret_access_key, &authorization.date, &authorization.region, &authorization.service);
    let mut mac = HmacSha256::new_from_slice(&key).map_err(|_| SignatureError::Mismatch)?;
    mac.update(to_sign.as_bytes());
    let sent = decode_hex(&authorization.signature).ok_or(SignatureError::Mismatch)?;
    mac.verify_slice(&sent).map_err(|_| SignatureError::Mismatch)?;
    Ok(Verified { access_key_id: authorization.access_key_id.clone(), region: authorization.region.clone() })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    bytes
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).ok().and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// Credentials to sign with.
#[derive(Debug, Clone)]
pub struct Credentials<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
}

/// Signs `request` (which must already hold its `host` header): returns the
/// `x-amz-date`, `x-amz-content-sha256` and `authorization` headers to add.
/// Every header of the request is signed.
pub fn sign(
    request: &Request<'_>,
    credentials: &Credentials<'_>,
    region: &str,
    service: &str,
    now_seconds: i64,
) -> Result<Vec<(String, String)>, SignatureError> {
    let amz_date = format_amz_date(now_seconds);
    let date = amz_date.get(..8).unwrap_or_default().to_string();
    let body_hash = sha256_hex(request.body);
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .collect();
    headers.push(("x-amz-date".to_string(), amz_date.clone()));
    headers.push(("x-amz-content-sha256".to_string(), body_hash.clone()));
    let mut signed: Vec<String> = headers.iter().map(|(name, _)| name.clone()).collect();
    signed.sort();
    signed.dedup();
    let with_date = Request { headers: &headers, ..request.clone() };
    let canonical = canonical_request(&with_date, &signed)?;
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = string_to_sign(&amz_date, &scope, &canonical);
    let signature = hex(&hmac(&signing_key(credentials.secret_access_key, &date, region, service), to_sign.as_bytes()));
    Ok(vec![
        ("x-amz-date".to_string(), amz_date),
        ("x-amz-content-sha256".to_string(), body_hash),
        (
            "authorization".to_string(),
            format!(
                "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
                credentials.access_key_id,
                signed.join(";")
            ),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(name, value)| ((*name).to_string(), (*value).to_string())).collect()
    }

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// AWS's published SigV4 test suite case "get-vanilla": proves the
    /// canonical request, string to sign and key derivation are AWS's.
    #[test]
    fn aws_test_suite_get_vanilla_verifies() {
        let headers = headers(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ]);
        let request = Request { method: "GET", path: "/", query: "", headers: &headers, body: b"" };
        let authorization = authorization_of(&request).unwrap();
        let now = parse_amz_date("20150830T123600Z").unwrap();
        let verified = verify(&request, &authorization, SECRET, "service", now).unwrap();
        assert_eq!(verified.access_key_id, "AKIDEXAMPLE");
        assert_eq!(verify(&request, &authorization, "wrong", "service", now), Err(SignatureError::Mismatch));
        assert!(matches!(
            verify(&request, &authorization, SECRET, "service", now + 16 * 60),
            Err(SignatureError::Expired { .. })
        ));
        assert!(matches!(
            verify(&request, &authorization, SECRET, "inspector2", now),
            Err(SignatureError::WrongService { .. })
        ));
    }

    /// What `sign` produces, `verify` accepts; any change to the signed
    /// parts (body, path, a signed header) is refused.
    #[test]
    fn signed_requests_verify_and_tampering_is_refused() {
        let base = headers(&[("host", "127.0.0.1:8080"), ("content-type", "application/json")]);
        let body = br#"{"maxResults":10}"#;
        let request = Request { method: "POST", path: "/findings/list", query: "a=b&c=%3A", headers: &base, body };
        let credentials = Credentials { access_key_id: "AKIA1", secret_access_key: "secret" };
        let added = sign(&request, &credentials, "eu-west-1", "inspector2", 1_700_000_000).unwrap();
        let mut all = base.clone();
        all.extend(added);
        let signed = Request { headers: &all, ..request.clone() };
        let authorization = authorization_of(&signed).unwrap();
        assert_eq!(authorization.region, "eu-west-1");
        verify(&signed, &authorization, "secret", "inspector2", 1_700_000_100).unwrap();

        let other_body = Request { body: b"{}", ..signed.clone() };
        assert!(verify(&other_body, &authorization, "secret", "inspector2", 1_700_000_100).is_err());
        let other_path = Request { path: "/findings/lists", ..signed.clone() };
        assert_eq!(
            verify(&other_path, &authorization, "secret", "inspector2", 1_700_000_100),
            Err(SignatureError::Mismatch)
        );
        let mut changed = all.clone();
        for (name, value) in &mut changed {
            if name == "content-type" {
                *value = "text/plain".to_string();
            }
        }
        let other_header = Request { headers: &changed, ..signed.clone() };
        assert_eq!(
            verify(&other_header, &authorization, "secret", "inspector2", 1_700_000_100),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_authorization_headers_are_named() {
        for value in [
            "Basic abc",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 SignedHeaders=host",
            "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/service/aws4_request, SignedHeaders=host, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ] {
            assert!(matches!(parse_authorization(value), Err(SignatureError::Malformed(_))), "{value}");
        }
    }

    #[test]
    fn amz_dates_round_trip() {
        for seconds in [0, 951_782_400, 1_440_938_160, 1_700_000_000, 4_102_444_799] {
            assert_eq!(parse_amz_date(&format_amz_date(seconds)), Some(seconds));
        }
        assert_eq!(format_amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(parse_amz_date("20151330T123600Z"), None);
    }

    #[test]
    fn paths_are_encoded_again_and_dot_segments_removed() {
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/tags/arn%3Aaws"), "/tags/arn%253Aaws");
        assert_eq!(canonical_path("/a/./b/../c"), "/a/c");
        assert_eq!(canonical_query("b=2&a=%7e&a=1"), "a=1&a=~&b=2");
    }
}
