//! NVD CVE API 2.0 responses (a page of `vulnerabilities[].cve`, or one
//! record in the same envelope): the CVSS vectors of each CVE, which give a
//! severity to findings whose advisories carry none.
//!
//! Per CVE and CVSS version, NVD's own assessment (`type: Primary`) is kept;
//! the CNA's (`Secondary`) only when NVD has none for that version. Vectors
//! that are malformed are left out (the rest of the record stands).
//!
//! Deliberately not handled: CPE configurations (Kensa matches packages by
//! ecosystem, not CPE), and the legacy NVD JSON 1.1 feeds (retired by NVD).

use kensa_model::CveCvss;
use serde::Deserialize;

use crate::AdvisoryError;
use crate::cvss::valid_cvss_vector_or_note;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    vulnerabilities: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    cve: Record,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    id: String,
    #[serde(default)]
    last_modified: Option<String>,
    #[serde(default)]
    metrics: Metrics,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    #[serde(default)]
    cvss_metric_v40: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v31: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v30: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v2: Vec<Metric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    cvss_data: CvssData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CvssData {
    vector_string: String,
}

/// The vectors of one version: Primary ones, else the rest.
fn chosen(metrics: &[Metric]) -> Vec<&str> {
    let primary: Vec<&str> = metrics
        .iter()
        .filter(|metric| metric.kind.as_deref() == Some("Primary"))
        .map(|metric| metric.cvss_data.vector_string.as_str())
        .collect();
    if primary.is_empty() {
        metrics.iter().map(|metric| metric.cvss_data.vector_string.as_str()).collect()
    } else {
        primary
    }
}

/// Parses an NVD CVE API 2.0 response.
pub fn parse_nvd_response(path: &str, contents: &[u8]) -> Result<Vec<CveCvss>, AdvisoryError> {
    let response: Response = serde_json::from_slice(contents)
        .map_err(|error| AdvisoryError::invalid(path, format!("not an NVD CVE API 2.0 response: {error}")))?;
    let mut records = Vec::with_capacity(response.vulnerabilities.len());
    for item in response.vulnerabilities {
        let record = item.cve;
        if !record.id.starts_with("CVE-") {
            continue;
        }
        let metrics = &record.metrics;
        let mut notes = Vec::new();
        let vectors =
            [&metrics.cvss_metric_v40, &metrics.cvss_metric_v31, &metrics.cvss_metric_v30, &metrics.cvss_metric_v2]
                .into_iter()
                .flat_map(|metrics| chosen(metrics))
                .filter_map(|vector| valid_cvss_vector_or_note(vector, "cvssData.vectorString", &mut notes))
                .collect();
        records.push(CveCvss { cve: record.id, vectors, last_modified: record.last_modified, notes });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_vectors_win_per_version_and_malformed_ones_are_dropped() {
        let page = br#"{"resultsPerPage":2,"startIndex":0,"totalResults":2,"format":"NVD_CVE","version":"2.0",
            "vulnerabilities":[
              {"cve":{"id":"CVE-2023-1","lastModified":"2024-01-02T03:04:05.678","metrics":{
                "cvssMetricV31":[
                  {"type":"Secondary","cvssData":{"vectorString":"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}},
                  {"type":"Primary","cvssData":{"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}],
                "cvssMetricV2":[{"type":"Secondary","cvssData":{"vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P"}}]}}},
              {"cve":{"id":"CVE-2023-2","metrics":{
                "cvssMetricV31":[{"type":"Primary","cvssData":{"vectorString":"not a vector"}}]}}}]}"#;
        let records = parse_nvd_response("page.json", page).unwrap();
        assert_eq!(records.len(), 2);
        let vectors: Vec<&str> = records[0].vectors.iter().map(|vector| vector.vector.as_str()).collect();
        assert_eq!(vectors, ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:N/AC:L/Au:N/C:P/I:P/A:P"]);
        assert_eq!(records[0].last_modified.as_deref(), Some("2024-01-02T03:04:05.678"));
        assert!(records[1].vectors.is_empty());
        assert_eq!(records[1].notes.len(), 1);
        assert!(records[1].notes[0].contains("not a vector"), "{:?}", records[1].notes);
        assert!(records[0].notes.is_empty());
        assert!(parse_nvd_response("x.json", b"{}").is_err());
    }
}
