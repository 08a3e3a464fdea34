//! The one retry policy for every HTTP client Kensa runs (feed downloads,
//! registry pulls): which failures are worth another attempt, how long to
//! wait, and when a server's `Retry-After` is too long to honour.

use std::time::Duration;

/// How requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; it doubles each time after.
    pub first_backoff: Duration,
    /// The longest wait between attempts (backoff doubling stops here).
    pub longest_backoff: Duration,
    /// The longest `Retry-After` honoured; a server asking for more fails
    /// the request at once, with its words, rather than stalling a scan.
    pub longest_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy::STANDARD
    }
}

/// What to do after an attempt that failed in a retryable way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Give up: the attempts are spent.
    GiveUp,
    /// Give up: the server asks for a longer wait than the policy honours.
    WaitTooLong(Duration),
}

impl RetryPolicy {
    /// What every Kensa client uses: 5 attempts, waiting 0.5, 1, 2, 4 s (or
    /// what `Retry-After` says, up to 60 s).
    pub const STANDARD: RetryPolicy = RetryPolicy {
        attempts: 5,
        first_backoff: Duration::from_millis(500),
        longest_backoff: Duration::from_secs(8),
        longest_retry_after: Duration::from_secs(60),
    };

    /// Whether an HTTP status says "try again later": 429 and the 5xx that
    /// mean a passing overload or a gateway's trouble.
    pub fn is_retryable_status(status: u16) -> bool {
        matches!(status, 429 | 500 | 502 | 503 | 504)
    }

    /// Whether a connection-level failure is worth another attempt. A
    /// certificate the client refuses (rustls reports it as an I/O error of
    /// kind InvalidData) will be refused again: not retried.
    pub fn is_transient(error: &ureq::Error) -> bool {
        match error {
            ureq::Error::Io(io) => io.kind() != std::io::ErrorKind::InvalidData,
            ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed => true,
            _ => false,
        }
    }

    /// The backoff before attempt `attempt + 1`, after `attempt` (1-based) failed.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        self.first_backoff.saturating_mul(1 << doublings).min(self.longest_backoff)
    }

    /// What to do after attempt `attempt` (1-based) failed retryably, the
    /// response carrying `retry_after` (the header's text) if any.
    pub fn after_failure(&self, attempt: u32, retry_after: Option<&str>) -> RetryDecision {
        if attempt >= self.attempts {
            return RetryDecision::GiveUp;
        }
        let asked = retry_after.and_then(|value| value.trim().parse::<u64>().ok()).map(Duration::from_secs);
        match asked {
            Some(wait) if wait > self.longest_retry_after => RetryDecision::WaitTooLong(wait),
            Some(wait) => RetryDecision::RetryAfter(wait),
            None => RetryDecision::RetryAfter(self.backoff(attempt)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling_and_retry_after_is_bounded() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = (1..=6).map(|attempt| policy.backoff(attempt).as_millis() as u64).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000]);
        assert_eq!(policy.after_failure(1, Some("2")), RetryDecision::RetryAfter(Duration::from_secs(2)));
        assert_eq!(policy.after_failure(1, Some("3600")), RetryDecision::WaitTooLong(Duration::from_secs(3600)));
        assert_eq!(policy.after_failure(1, Some("soon")), RetryDecision::RetryAfter(Duration::from_millis(500)));
        assert_eq!(policy.after_failure(5, None), RetryDecision::GiveUp);
        assert!(RetryPolicy::is_retryable_status(503) && !RetryPolicy::is_retryable_status(404));
    }
}
