//! A single-file HTML report that opens offline: no scripts, no external
//! stylesheet, font or image — the chart is inline SVG — and a Content
//! Security Policy that has the browser refuse any load or script, should
//! advisory text ever smuggle one in. A severity summary
//! (counts and a bar chart), then the findings per location with their
//! score, fix, references, and suppressions (shown apart, with the reason).

use std::fmt::Write as _;
use std::io::Write;

use kensa_model::{Finding, Severity};

use crate::Report;
use crate::text::is_web_link;

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

const SEVERITIES: [(Severity, &str); 5] = [
    (Severity::Critical, "#8b0000"),
    (Severity::High, "#d9480f"),
    (Severity::Medium, "#e6a700"),
    (Severity::Low, "#2b8a3e"),
    (Severity::Unknown, "#868e96"),
];

fn chart(active: &[&Finding]) -> String {
    let counts: Vec<(Severity, &str, usize)> = SEVERITIES
        .iter()
        .map(|(severity, colour)| {
            (*severity, *colour, active.iter().filter(|finding| finding.severity == *severity).count())
        })
        .collect();
    let most = counts.iter().map(|(_, _, count)| *count).max().unwrap_or(0).max(1);
    let mut svg = String::from(
        "<svg role=\"img\" aria-label=\"Findings by severity\" width=\"520\" height=\"170\" viewBox=\"0 0 520 170\" xmlns=\"http://www.w3.org/2000/svg\">",
    );
    for (row, (severity, colour, count)) in counts.iter().enumerate() {
        let y = 10 + row * 32;
        let width = 380 * count / most;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text><rect x=\"90\" y=\"{y}\" width=\"{width}\" height=\"22\" fill=\"{colour}\"></rect><text x=\"{}\" y=\"{}\" font-size=\"13\">{count}</text>",
            y + 16,
            severity.as_str(),
            96 + width,
            y + 16
        );
    }
    svg.push_str("</svg>");
    svg
}

fn row(finding: &Finding) -> String {
    let score = finding.kensa_score.as_ref().map(|score| format!("{:.1}", score.score)).unwrap_or_default();
    let fix = if finding.fixed_versions.is_empty() {
        escape(finding.fix_state.as_str())
    } else {
        escape(&finding.fixed_versions.join(", "))
    };
    let mut flags = String::new();
    if let Some(entry) = &finding.known_exploited {
        let _ = write!(flags, "<span class=\"kev\">CISA KEV since {}</span> ", escape(&entry.date_added));
    }
    if let Some(epss) = finding.epss {
        let _ = write!(flags, "EPSS {:.1} % ", epss.probability * 100.0);
    }
    if let Some(suppression) = &finding.suppressed {
        let _ = write!(
            flags,
            "<em>suppressed ({}): {}</em>",
            escape(suppression.source.as_str()),
            escape(&suppression.reason)
        );
    }
    // Only web links become links: a `javascript:` or `data:` URL in advisory
    // data would otherwise run in the page when clicked.
    let reference = finding
        .references
        .iter()
        .find(|url| is_web_link(url))
        .map(|url| format!("<a href=\"{}\">{}</a>", escape(url), escape(&finding.id)))
        .unwrap_or_else(|| escape(&finding.id));
    format!(
        "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{reference}</td><td>{}</td><td>{score}</td><td>{fix}</td><td>{}{flags}</td></tr>\n",
        finding.severity.as_str().to_ascii_lowercase(),
        escape(&finding.package.name),
        escape(&finding.package.version),
        finding.severity.as_str(),
        escape(&finding.summary),
    )
}

fn table(findings: &[&Finding]) -> String {
    let mut html = String::new();
    let mut location: Option<&str> = None;
    for finding in findings {
        if location != Some(finding.package.location.as_str()) {
            if location.is_some() {
                html.push_str("</tbody></table>\n");
            }
            location = Some(&finding.package.location);
            let _ = write!(
                html,
                "<h3>{}</h3>\n<table><thead><tr><th>Package</th><th>Installed</th><th>Vulnerability</th><th>Severity</th><th>Kensa score</th><th>Fixed in</th><th>Summary</th></tr></thead><tbody>\n",
                escape(&finding.package.location)
            );
        }
        html.push_str(&row(finding));
    }
    if location.is_some() {
        html.push_str("</tbody></table>\n");
    }
    html
}

/// Writes the report as one self-contained HTML page.
pub fn write_html(report: &Report<'_>, output: &mut dyn Write) -> std::io::Result<()> {
    let active: Vec<&Finding> = report.findings.iter().filter(|finding| finding.suppressed.is_none()).collect();
    let suppressed: Vec<&Finding> = report.findings.iter().filter(|finding| finding.suppressed.is_some()).collect();
    let inventory = report.inventory;
    let title = format!("Kensa report: {}", inventory.resource.name);
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>{}</title>\n<style>\n\
         body{{font-family:system-ui,sans-serif;margin:2em;color:#212529}} table{{border-collapse:collapse;width:100%;margin-bottom:1.5em}}\n\
         th,td{{border:1px solid #dee2e6;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}} th{{background:#f1f3f5}}\n\
         tr.critical td:nth-child(4){{color:#8b0000;font-weight:bold}} tr.high td:nth-child(4){{color:#d9480f;font-weight:bold}}\n\
         .kev{{background:#ffe3e3;padding:0 4px}}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let distro =
        inventory.distro.as_ref().map(|distro| format!(" — {} {}", distro.id, distro.version)).unwrap_or_default();
    let _ = write!(
        html,
        "<p>{} packages{}; {} vulnerabilities ({} suppressed), {} warnings. Kensa {}.</p>\n<h2>By severity</h2>\n{}\n<h2>Findings</h2>\n",
        inventory.packages.len(),
        escape(&distro),
        active.len(),
        suppressed.len(),
        report.warnings.len(),
        env!("CARGO_PKG_VERSION"),
        chart(&active)
    );
    if active.is_empty() {
        html.push_str("<p>No vulnerabilities found.</p>\n");
    } else {
        html.push_str(&table(&active));
    }
    if !suppressed.is_empty() {
        html.push_str("<h2>Suppressed</h2>\n");
        html.push_str(&table(&suppressed));
    }
    html.push_str("</body>\n</html>\n");
    output.write_all(html.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{escape, is_web_link};

    #[test]
    fn markup_in_data_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    /// Script and data URLs from advisory references never become links.
    #[test]
    fn only_web_urls_become_links() {
        assert!(is_web_link("https://nvd.nist.gov/vuln/detail/CVE-2021-44228"));
        assert!(is_web_link("HTTP://example.com/"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link(" data:text/html,<script>alert(1)</script>"));
        assert!(!is_web_link("JaVaScRiPt:alert(1)"));
    }
}
