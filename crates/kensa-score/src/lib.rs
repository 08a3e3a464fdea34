//! Severity: from published CVSS vectors and feed ratings to one [`Severity`].
//!
//! Pure and total: a vector that does not parse is ignored (and the next source
//! of severity is tried), never an error. It also computes the Kensa score:
//! the CVSS base score adjusted for the resource's exposure, known
//! exploitation (CISA KEV) and EPSS, each adjustment listed with its reason
//! (docs/kensa-score.md).

mod kensa_score;

pub use kensa_score::kensa_score;
use std::str::FromStr;

use kensa_model::{CvssVector, CvssVersion, Severity};

/// A severity and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SeverityAssessment {
    /// The qualitative severity.
    pub severity: Severity,
    /// Which input decided it: a CVSS v3, v4 or v2 vector, the feed's rating, or nothing.
    pub source: kensa_model::SeveritySource,
    /// The CVSS base score, when a vector decided.
    pub score: Option<f64>,
}

/// The CVSS base score of a vector, or `None` when it does not parse.
pub fn cvss_base_score(vector: &str) -> Option<f64> {
    checked_cvss_base_score(vector).ok()
}

/// The CVSS base score of a vector, or why it is not a valid vector (an
/// unknown metric or value, a duplicated or missing mandatory metric, an
/// unsupported version), in the words of the RustSec `cvss` crate that scores it.
pub fn checked_cvss_base_score(vector: &str) -> Result<f64, String> {
    let parsed = cvss::Cvss::from_str(vector.trim()).map_err(|error| error.to_string())?;
    // The crate checks v2's and v4's mandatory metrics, but scores a v3 vector
    // missing a base metric as if it were there at its lowest: such a vector
    // is incomplete (CVSS v3.1 specification, section 6), not a lower score.
    if let cvss::Cvss::CvssV30(v3) | cvss::Cvss::CvssV31(v3) = &parsed {
        let base = [
            ("AV", v3.av.is_some()),
            ("AC", v3.ac.is_some()),
            ("PR", v3.pr.is_some()),
            ("UI", v3.ui.is_some()),
            ("S", v3.s.is_some()),
            ("C", v3.c.is_some()),
            ("I", v3.i.is_some()),
            ("A", v3.a.is_some()),
        ];
        let missing: Vec<&str> = base.iter().filter(|(_, present)| !present).map(|(name, _)| *name).collect();
        if !missing.is_empty() {
            return Err(format!("missing mandatory CVSSv3 base metric {}", missing.join(", ")));
        }
    }
    Ok(parsed.score())
}

/// Decides the severity of one advisory.
///
/// Order of preference: CVSS v3 (the version most feeds and users compare on),
/// then v4, then the feed's own rating (GHSA, RubySec criticality), then v2 (whose
/// scale has no "critical" and is mostly stale). Several vectors of one version
/// (NVD and a vendor, say) resolve to the highest score: under-rating is the
/// costlier mistake.
pub fn assess(vectors: &[CvssVector], database_severity: Option<Severity>) -> SeverityAssessment {
    let best_of = |version: CvssVersion| {
        vectors
            .iter()
            .filter(|vector| vector.version == version)
            .filter_map(|vector| cvss_base_score(&vector.vector))
            .fold(None, |best: Option<f64>, score| Some(best.map_or(score, |best| best.max(score))))
    };
    if let Some(score) = best_of(CvssVersion::V3) {
        return SeverityAssessment {
            severity: Severity::from_cvss_score(score),
            source: kensa_model::SeveritySource::CvssV3,
            score: Some(score),
        };
    }
    if let Some(score) = best_of(CvssVersion::V4) {
        return SeverityAssessment {
            severity: Severity::from_cvss_score(score),
            source: kensa_model::SeveritySource::CvssV4,
            score: Some(score),
        };
    }
    if let Some(severity) = database_severity.filter(|severity| *severity != Severity::Unknown) {
        return SeverityAssessment { severity, source: kensa_model::SeveritySource::Database, score: None };
    }
    if let Some(score) = best_of(CvssVersion::V2) {
        let severity = Severity::from_cvss_v2_score(score);
        return SeverityAssessment { severity, source: kensa_model::SeveritySource::CvssV2, score: Some(score) };
    }
    SeverityAssessment { severity: Severity::Unknown, source: kensa_model::SeveritySource::None, score: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(version: CvssVersion, text: &str) -> CvssVector {
        CvssVector { version, vector: text.to_owned() }
    }

    /// Log4Shell's v3.1 vector scores 10.0: critical, and v3 wins over a feed rating.
    #[test]
    fn cvss_v3_decides_first() {
        let assessment =
            assess(&[vector(CvssVersion::V3, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")], Some(Severity::Low));
        assert_eq!(assessment.severity, Severity::Critical);
        assert_eq!(assessment.source.as_str(), "cvss_v3");
        assert_eq!(assessment.score, Some(10.0));
    }

    /// A v4 vector is scored when there is no v3 one.
    #[test]
    fn cvss_v4_scored() {
        let assessment =
            assess(&[vector(CvssVersion::V4, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")], None);
        assert_eq!(assessment.severity, Severity::Critical);
        assert_eq!(assessment.source.as_str(), "cvss_v4");
    }

    /// A garbage vector is skipped and the feed rating is used.
    #[test]
    fn unparseable_vector_falls_back_to_database_rating() {
        let assessment = assess(&[vector(CvssVersion::V3, "CVSS:3.1/garbage")], Some(Severity::Medium));
        assert_eq!(assessment.severity, Severity::Medium);
        assert_eq!(assessment.source.as_str(), "database");
    }

    /// CVSS v2 has no critical band: 10.0 is high.
    #[test]
    fn cvss_v2_tops_out_at_high() {
        let assessment = assess(&[vector(CvssVersion::V2, "AV:N/AC:L/Au:N/C:C/I:C/A:C")], None);
        assert_eq!(assessment.severity, Severity::High);
        assert_eq!(assessment.score, Some(10.0));
    }

    #[test]
    fn nothing_is_unknown() {
        assert_eq!(assess(&[], None).severity, Severity::Unknown);
    }
}
