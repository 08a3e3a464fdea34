//! FIRST's EPSS scores (`epss_scores-YYYY-MM-DD.csv`, as published daily,
//! after gunzip): a `#model_version:…,score_date:…` line, a `cve,epss,percentile`
//! header, then one line per CVE.
//!
//! Like KEV, EPSS enriches findings rather than creating them. A line that is
//! not a CVE with two numbers in 0–1 rejects the file: the list is generated,
//! so damage means a broken download, not a quirk to skip.

use kensa_model::EpssScore;

use crate::AdvisoryError;

/// One day's EPSS scores.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EpssCatalog {
    /// `model_version` from the first line, if given.
    pub model_version: Option<String>,
    /// `score_date` from the first line, if given.
    pub score_date: Option<String>,
    /// (CVE, score), in file order.
    pub scores: Vec<(String, EpssScore)>,
}

/// Parses an EPSS CSV.
pub fn parse_epss(path: &str, contents: &[u8]) -> Result<EpssCatalog, AdvisoryError> {
    let text =
        std::str::from_utf8(contents).map_err(|error| AdvisoryError::invalid(path, format!("not UTF-8: {error}")))?;
    let mut catalog = EpssCatalog::default();
    let mut header_seen = false;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            for field in comment.split(',') {
                match field.split_once(':') {
                    Some(("model_version", value)) => catalog.model_version = Some(value.trim().to_owned()),
                    Some(("score_date", value)) => catalog.score_date = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
            continue;
        }
        if !header_seen {
            if line != "cve,epss,percentile" {
                return Err(AdvisoryError::invalid(
                    path,
                    format!("line {}: expected the header cve,epss,percentile", number + 1),
                ));
            }
            header_seen = true;
            continue;
        }
        let mut fields = line.split(',');
        let parsed = match (fields.next(), fields.next(), fields.next(), fields.next()) {
            (Some(cve), Some(probability), Some(percentile), None) if cve.starts_with("CVE-") => {
                match (probability.parse::<f64>(), percentile.parse::<f64>()) {
                    (Ok(probability), Ok(percentile))
                        if (0.0..=1.0).contains(&probability) && (0.0..=1.0).contains(&percentile) =>
                    {
                        Some((cve.to_owned(), EpssScore { probability, percentile }))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(score) => catalog.scores.push(score),
            None => {
                return Err(AdvisoryError::invalid(
                    path,
                    format!("line {} is not `CVE,score,percentile`: {line:?}", number + 1),
                ));
            }
        }
    }
    if !header_seen {
        return Err(AdvisoryError::invalid(path, "no cve,epss,percentile header"));
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_model_line_are_read_and_damage_refused() {
        let catalog = parse_epss(
            "e.csv",
            b"#model_version:v2023.03.01,score_date:2024-10-25T00:00:00+0000\ncve,epss,percentile\nCVE-1999-0005,0.91963,0.99030\n",
        )
        .unwrap();
        assert_eq!(catalog.model_version.as_deref(), Some("v2023.03.01"));
        assert_eq!(catalog.score_date.as_deref(), Some("2024-10-25T00:00:00+0000"));
        assert_eq!(
            catalog.scores,
            [("CVE-1999-0005".to_owned(), EpssScore { probability: 0.91963, percentile: 0.9903 })]
        );
        assert!(parse_epss("e.csv", b"cve,epss,percentile\nCVE-1,2.5,0.1\n").is_err());
        assert!(parse_epss("e.csv", b"cve,epss,percentile\nnot-a-cve,0.1,0.1\n").is_err());
        assert!(parse_epss("e.csv", b"CVE-1,0.1,0.1\n").is_err());
    }
}
