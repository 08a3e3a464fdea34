use std::fmt;

use serde::{Deserialize, Serialize};

/// The qualitative severity of a vulnerability, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// No usable severity was published.
    #[default]
    Unknown,
    /// CVSS 0.1–3.9.
    Low,
    /// CVSS 4.0–6.9 (GHSA's "moderate").
    Medium,
    /// CVSS 7.0–8.9.
    High,
    /// CVSS 9.0–10.0.
    Critical,
}

impl Severity {
    /// The CVSS v3/v4 qualitative rating of a base score.
    pub fn from_cvss_score(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Unknown
        }
    }

    /// The CVSS v2 qualitative rating of a base score: v2 has no "critical"
    /// band and puts 7.0 and above in "high".
    pub fn from_cvss_v2_score(score: f64) -> Severity {
        if score >= 7.0 { Severity::High } else { Severity::from_cvss_score(score) }
    }

    /// Parses the severity words feeds use (`HIGH`, `moderate`, `Important`, …).
    pub fn from_label(label: &str) -> Option<Severity> {
        let severity = match label.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" | "important" => Severity::High,
            "medium" | "moderate" => Severity::Medium,
            "low" | "negligible" => Severity::Low,
            "unknown" | "none" => Severity::Unknown,
            _ => return None,
        };
        Some(severity)
    }

    /// The upper-case label used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// Which input decided a finding's severity, in the order they are preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SeveritySource {
    /// The distribution's own rating of its package.
    Distro,
    /// A CVSS v3.x vector of the advisory.
    CvssV3,
    /// A CVSS v4.0 vector of the advisory.
    CvssV4,
    /// The feed's own qualitative rating.
    Database,
    /// A CVSS v2 vector of the advisory.
    CvssV2,
    /// NVD's CVSS v3.x vector of the CVE (the advisory gave none).
    NvdCvssV3,
    /// NVD's CVSS v4.0 vector of the CVE.
    NvdCvssV4,
    /// NVD's CVSS v2 vector of the CVE.
    NvdCvssV2,
    /// Nothing: the severity is unknown.
    #[default]
    None,
}

impl SeveritySource {
    /// The snake_case label reports use (`cvss_v3`, `nvd_cvss_v3`, `distro`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SeveritySource::Distro => "distro",
            SeveritySource::CvssV3 => "cvss_v3",
            SeveritySource::CvssV4 => "cvss_v4",
            SeveritySource::Database => "database",
            SeveritySource::CvssV2 => "cvss_v2",
            SeveritySource::NvdCvssV3 => "nvd_cvss_v3",
            SeveritySource::NvdCvssV4 => "nvd_cvss_v4",
            SeveritySource::NvdCvssV2 => "nvd_cvss_v2",
            SeveritySource::None => "none",
        }
    }

    /// The same source, read from NVD's data for the CVE instead of the advisory.
    pub fn from_nvd(self) -> SeveritySource {
        match self {
            SeveritySource::CvssV3 => SeveritySource::NvdCvssV3,
            SeveritySource::CvssV4 => SeveritySource::NvdCvssV4,
            SeveritySource::CvssV2 => SeveritySource::NvdCvssV2,
            other => other,
        }
    }
}

impl fmt::Display for SeveritySource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CVSS v2 puts 9.8 in "high", not "critical"; v3 bands are the standard ones.
    #[test]
    fn cvss_bands() {
        assert_eq!(Severity::from_cvss_v2_score(9.8), Severity::High);
        assert_eq!(Severity::from_cvss_v2_score(5.0), Severity::Medium);
        assert_eq!(Severity::from_cvss_v2_score(2.1), Severity::Low);
        assert_eq!(Severity::from_cvss_score(9.0), Severity::Critical);
        assert_eq!(Severity::from_cvss_score(6.9), Severity::Medium);
        assert_eq!(Severity::from_cvss_score(0.0), Severity::Unknown);
    }
}
