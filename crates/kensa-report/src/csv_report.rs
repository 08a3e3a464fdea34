//! CSV: one row per finding, for spreadsheets and SIEM imports. RFC 4180
//! quoting by the `csv` crate; lists are joined with `;` inside a cell.

use std::io::Write;

use crate::Report;

const HEADER: [&str; 17] = [
    "location",
    "ecosystem",
    "package",
    "version",
    "purl",
    "vulnerability",
    "aliases",
    "severity",
    "severity_source",
    "kensa_score",
    "fix_state",
    "fixed_versions",
    "known_exploited",
    "epss",
    "suppressed",
    "layer",
    "summary",
];

/// Writes one row per finding (suppressed ones included, marked).
pub fn write_csv(report: &Report<'_>, output: &mut dyn Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(output);
    let to_io = |error: csv::Error| std::io::Error::other(error.to_string());
    writer.write_record(HEADER).map_err(to_io)?;
    for finding in report.findings {
        let record = [
            finding.package.location.clone(),
            finding.package.ecosystem.as_str().to_owned(),
            finding.package.name.clone(),
            finding.package.version.clone(),
            finding.package.purl.clone(),
            finding.id.clone(),
            finding.aliases.join(";"),
            finding.severity.as_str().to_owned(),
            finding.severity_source.as_str().to_owned(),
            finding.kensa_score.as_ref().map(|score| format!("{:.1}", score.score)).unwrap_or_default(),
            finding.fix_state.as_str().to_owned(),
            finding.fixed_versions.join(";"),
            finding.known_exploited.as_ref().map(|entry| entry.date_added.clone()).unwrap_or_default(),
            finding.epss.map(|epss| format!("{:.5}", epss.probability)).unwrap_or_default(),
            finding
                .suppressed
                .as_ref()
                .map(|suppression| format!("{}: {}", suppression.source, suppression.reason))
                .unwrap_or_default(),
            finding.package.layer.clone().unwrap_or_default(),
            finding.summary.clone(),
        ];
        let record = record.map(crate::text::spreadsheet_text);
        writer.write_record(&record).map_err(to_io)?;
    }
    writer.flush()
}
