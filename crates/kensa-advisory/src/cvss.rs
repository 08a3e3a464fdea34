//! Recognising CVSS vectors as feeds publish them, and turning the bare scores
//! some feeds publish instead into a qualitative severity.
//!
//! A vector is kept only when it is valid: its shape here (version prefix,
//! `METRIC:VALUE` parts), then every metric and value by the scorer in
//! `kensa-score`, so a vector stored in the database always has a score. A
//! malformed one is the caller's to report: the parsers drop it with a note
//! on the advisory and keep the rest of the record.

use kensa_model::{CvssVector, CvssVersion};

/// Classifies a CVSS vector by its prefix: `CVSS:3.0/…` and `CVSS:3.1/…` are v3,
/// `CVSS:4.0/…` is v4, and an unprefixed `AV:…/AC:…/Au:…` vector (optionally in
/// parentheses, as NVD sometimes writes it) is v2.
///
/// One trailing `/` is dropped (GitHub published some vectors that way): the
/// vector is otherwise complete, and CVSS parsers downstream reject the empty
/// metric it implies.
pub(crate) fn parse_cvss_vector(text: &str) -> Result<CvssVector, String> {
    let trimmed = text.trim();
    let vector = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let (version, metrics) =
        if let Some(metrics) = vector.strip_prefix("CVSS:3.1/").or_else(|| vector.strip_prefix("CVSS:3.0/")) {
            (CvssVersion::V3, metrics)
        } else if let Some(metrics) = vector.strip_prefix("CVSS:4.0/") {
            (CvssVersion::V4, metrics)
        } else if let Some(metrics) = vector.strip_prefix("CVSS:2.0/") {
            // CVSS v2 defines no prefix; the bare metrics are the vector scorers read.
            (CvssVersion::V2, metrics)
        } else if vector.starts_with("AV:") || vector.starts_with("(AV:") {
            (CvssVersion::V2, vector.trim_start_matches('(').trim_end_matches(')'))
        } else {
            return Err(format!("{vector:?} is not a CVSS v2, v3.x or v4.0 vector"));
        };
    let mut metric_names = Vec::new();
    for part in metrics.split('/') {
        let well_formed = part.split_once(':').is_some_and(|(name, value)| {
            !name.is_empty()
                && !value.is_empty()
                && name.chars().all(|character| character.is_ascii_alphanumeric())
                && value.chars().all(|character| character.is_ascii_alphanumeric())
        });
        if !well_formed {
            return Err(format!("CVSS vector {vector:?} has a malformed metric {part:?}"));
        }
        metric_names.push(part.split(':').next().unwrap_or_default());
    }
    if !metric_names.contains(&"AV") {
        return Err(format!("CVSS vector {vector:?} has no attack vector (AV) metric"));
    }
    let vector = match version {
        CvssVersion::V2 => metrics.to_owned(),
        _ => vector.to_owned(),
    };
    if let Err(reason) = kensa_score::checked_cvss_base_score(&vector) {
        return Err(format!("CVSS vector {vector:?} is not valid: {reason}"));
    }
    Ok(CvssVector { version, vector })
}

/// The vector, when valid; otherwise `None`, with a note saying which one
/// was dropped and why (`what` names it: `cvss`, `severity CVSS_V3`). One bad
/// vector must not cost the advisory: its ranges still decide findings, and
/// severity falls back to the next source.
pub(crate) fn valid_cvss_vector_or_note(text: &str, what: &str, notes: &mut Vec<String>) -> Option<CvssVector> {
    match parse_cvss_vector(text) {
        Ok(vector) => Some(vector),
        Err(reason) => {
            notes.push(format!("{what}: {reason}; the vector is left out"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The version comes from the vector's prefix, and v2 vectors have none.
    #[test]
    fn versions_are_detected_from_the_prefix() {
        let v3 = parse_cvss_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(v3.version, CvssVersion::V3);
        let v30 = parse_cvss_vector("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N").unwrap();
        assert_eq!(v30.version, CvssVersion::V3);
        let v4 = parse_cvss_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(v4.version, CvssVersion::V4);
        let v2 = parse_cvss_vector("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
        assert_eq!(v2.version, CvssVersion::V2);
        assert_eq!(v2.vector, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
    }

    /// Scores, labels and truncated vectors are not vectors.
    #[test]
    fn non_vectors_are_rejected() {
        assert!(parse_cvss_vector("7.5").is_err());
        assert!(parse_cvss_vector("high").is_err());
        assert!(parse_cvss_vector("CVSS:3.1/AV:N/AC").is_err());
        assert!(parse_cvss_vector("CVSS:3.1/").is_err());
        assert!(parse_cvss_vector("CVSS:3.1/AV:N//AC:L").is_err());
    }

    /// Well-shaped vectors with an unknown value, a missing mandatory metric
    /// or a duplicated one are refused with the scorer's reason.
    #[test]
    fn invalid_metrics_are_rejected_with_the_reason() {
        let unknown_value = parse_cvss_vector("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap_err();
        assert!(unknown_value.contains("AV:Q") || unknown_value.contains('Q'), "{unknown_value}");
        let missing = parse_cvss_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H").unwrap_err();
        assert!(missing.contains("not valid"), "{missing}");
        assert!(parse_cvss_vector("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_err());
        assert!(parse_cvss_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N").is_err());
        assert!(parse_cvss_vector("AV:N/AC:L/Au:X/C:P/I:P/A:P").is_err());
    }

    /// A `CVSS:2.0/` prefix (which v2 does not define) is dropped so the vector scores.
    #[test]
    fn cvss_2_0_prefix_is_dropped() {
        let vector = parse_cvss_vector("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
        assert_eq!(vector.version, CvssVersion::V2);
        assert_eq!(vector.vector, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
    }

    /// A trailing slash, as in GHSA-f5pg-7wfw-84q9, is tolerated and dropped.
    #[test]
    fn trailing_slash_is_dropped() {
        let vector = parse_cvss_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/").unwrap();
        assert_eq!(vector.vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C");
    }
}
