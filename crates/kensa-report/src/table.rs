//! The human-readable table: findings grouped by the file they were found in,
//! most severe first.

use std::io::Write;

use kensa_model::{Finding, FixState, Severity};

use crate::Report;
use crate::text::printable;

const SUMMARY_WIDTH: usize = 60;

fn colour_code(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[34m",
        Severity::Unknown => "\x1b[2m",
    }
}

fn truncate(text: &str, width: usize) -> String {
    let first_line = text.lines().next().unwrap_or_default();
    let text = printable(first_line);
    if text.chars().count() <= width {
        return text.into_owned();
    }
    let mut truncated: String = text.chars().take(width.saturating_sub(1)).collect();
    truncated.push('…');
    truncated
}

/// Writes the table. `colour` adds ANSI colours to severities; pass it only when
/// the output is a terminal.
pub fn write_table(report: &Report<'_>, colour: bool, output: &mut dyn Write) -> std::io::Result<()> {
    let inventory = report.inventory;
    let distro = inventory
        .distro
        .as_ref()
        .map(|distro| format!(" ({} {})", printable(&distro.id), printable(&distro.version)).replace(" )", ")"))
        .unwrap_or_default();
    writeln!(
        output,
        "{}{distro}: {} packages, {} vulnerabilities, {} warnings",
        printable(&inventory.resource.name),
        inventory.packages.len(),
        report.findings.len(),
        report.warnings.len()
    )?;
    write_groups(report.findings, "Vulnerabilities", colour, output)?;
    write_groups(report.warnings, "Warnings (informational advisories)", colour, output)?;
    if !inventory.unresolved.is_empty() {
        writeln!(output, "\nUnresolved dependencies (no pinned version, not checked):")?;
        for unresolved in &inventory.unresolved {
            let requirement =
                if unresolved.requirement.is_empty() { "(any version)" } else { unresolved.requirement.as_str() };
            writeln!(
                output,
                "  {} {} {}  [{}]",
                unresolved.ecosystem,
                printable(&unresolved.name),
                printable(requirement),
                printable(&unresolved.location)
            )?;
        }
    }
    let diagnostic_count = inventory.diagnostics.len() + report.match_notes.len();
    if diagnostic_count > 0 {
        writeln!(output, "\nDiagnostics ({diagnostic_count} inputs could not be fully read):")?;
        for diagnostic in &inventory.diagnostics {
            writeln!(output, "  {}: {}", printable(&diagnostic.path), printable(&diagnostic.message))?;
        }
        for (subject, message) in report.match_notes {
            writeln!(output, "  {}: {}", printable(subject), printable(message))?;
        }
    }
    Ok(())
}

/// Versions to upgrade to, or what the distribution decided instead.
fn fixed_cell(finding: &Finding) -> String {
    match finding.fix_state {
        _ if !finding.fixed_versions.is_empty() => finding.fixed_versions.join(", "),
        FixState::Fixed | FixState::NotFixed => String::new(),
        other => other.as_str().replace('_', " "),
    }
}

fn write_groups(findings: &[Finding], title: &str, colour: bool, output: &mut dyn Write) -> std::io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(output, "\n{title}")?;
    let mut start = 0;
    while start < findings.len() {
        let location = findings.get(start).map(|finding| finding.package.location.as_str()).unwrap_or_default();
        let end = findings
            .iter()
            .skip(start)
            .position(|finding| finding.package.location != location)
            .map_or(findings.len(), |offset| start + offset);
        let group = findings.get(start..end).unwrap_or_default();
        write_group(location, group, colour, output)?;
        start = end;
    }
    Ok(())
}

fn write_group(location: &str, findings: &[Finding], colour: bool, output: &mut dyn Write) -> std::io::Result<()> {
    let mut counts = [0usize; 5];
    for finding in findings {
        if let Some(count) = counts.get_mut(finding.severity as usize) {
            *count += 1;
        }
    }
    let [unknown, low, medium, high, critical] = counts;
    writeln!(
        output,
        "\n{} (total {}: CRITICAL {critical}, HIGH {high}, MEDIUM {medium}, LOW {low}, UNKNOWN {unknown})",
        printable(location),
        findings.len()
    )?;
    let header = ["Package", "Installed", "Vulnerability", "Severity", "Fixed in", "Summary"];
    let rows: Vec<([String; 6], Severity)> = findings
        .iter()
        .map(|finding| {
            let label = match &finding.informational {
                Some(kind) => kind.clone(),
                None => finding.severity.as_str().to_owned(),
            };
            (
                [
                    printable(&finding.package.name).into_owned(),
                    printable(&finding.package.version).into_owned(),
                    if finding.known_exploited.is_some() {
                        format!("{} (KEV)", printable(&finding.id))
                    } else {
                        printable(&finding.id).into_owned()
                    },
                    printable(&label).into_owned(),
                    printable(&fixed_cell(finding)).into_owned(),
                    truncate(&finding.summary, SUMMARY_WIDTH),
                ],
                finding.severity,
            )
        })
        .collect();
    let mut widths = header.map(|cell| cell.chars().count());
    for (cells, _) in &rows {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let separator: String = widths.iter().map(|width| "─".repeat(width + 2)).collect::<Vec<_>>().join("┼");
    let render = |cells: &[String], severity: Option<Severity>| -> String {
        let mut line = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index > 0 {
                line.push('│');
            }
            let padded = format!(" {cell:<width$} ", width = *width);
            match severity {
                Some(severity) if colour && index == 3 => {
                    line.push_str(colour_code(severity));
                    line.push_str(&padded);
                    line.push_str("\x1b[0m");
                }
                _ => line.push_str(&padded),
            }
        }
        line.trim_end().to_owned()
    };
    let header_cells: Vec<String> = header.iter().map(|cell| (*cell).to_owned()).collect();
    writeln!(output, "{}", render(&header_cells, None))?;
    writeln!(output, "{separator}")?;
    for (cells, severity) in &rows {
        writeln!(output, "{}", render(cells, Some(*severity)))?;
    }
    Ok(())
}
