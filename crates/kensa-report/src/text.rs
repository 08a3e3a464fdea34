//! Text from scanned input made safe for the formats that would otherwise
//! interpret it: a terminal (control sequences, bidirectional overrides), a
//! spreadsheet (formulas), a viewer following links (`javascript:`).
//! Package names, versions and summaries come from whatever was scanned.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character would make a terminal do something other than show
/// a glyph: C0 and C1 controls (escape sequences, `\r`, `\n`, backspace),
/// DEL, and the invisible bidirectional controls that reorder what is shown
/// (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C).
fn is_unsafe_for_terminals(character: char) -> bool {
    character.is_control()
        || matches!(character, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` with every character a terminal would act on written as a visible
/// escape (`\u{1b}`), so a hostile package name cannot colour, move the
/// cursor, hide text behind a carriage return, add a line, set a hyperlink
/// (OSC 8) or reverse what follows it.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_for_terminals) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if is_unsafe_for_terminals(character) {
            let _ = write!(escaped, "\\u{{{:x}}}", u32::from(character));
        } else {
            escaped.push(character);
        }
    }
    Cow::Owned(escaped)
}

/// A CSV cell that a spreadsheet will show as text, never evaluate: a cell
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula
/// to Excel, LibreOffice and Google Sheets, so it is prefixed with `'`
/// (OWASP's advice for CSV injection).
pub(crate) fn spreadsheet_text(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text }
}

/// Whether a reference is a web link (`http://` or `https://`, in any case),
/// the only kind reports link to.
pub(crate) fn is_web_link(url: &str) -> bool {
    let lowercase = url.trim_start().get(..8).unwrap_or(url).to_ascii_lowercase();
    lowercase.starts_with("https://") || lowercase.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_become_visible() {
        assert_eq!(printable("requests"), "requests");
        assert_eq!(printable("café"), "café");
        assert_eq!(printable("\u{1b}[31mred\u{1b}[0m"), "\\u{1b}[31mred\\u{1b}[0m");
        assert_eq!(printable("a\rb\nc"), "a\\u{d}b\\u{a}c");
        assert_eq!(printable("\u{1b}]8;;http://x\u{7}y"), "\\u{1b}]8;;http://x\\u{7}y");
        assert_eq!(printable("abc\u{202E}fed"), "abc\\u{202e}fed");
        assert_eq!(printable("\u{9b}2J"), "\\u{9b}2J");
    }

    #[test]
    fn formulas_become_text() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(spreadsheet_text(formula.to_owned()).starts_with('\''), "{formula}");
        }
        assert_eq!(spreadsheet_text("1.2.3".to_owned()), "1.2.3");
    }

    #[test]
    fn only_web_links_are_links() {
        assert!(is_web_link("https://nvd.nist.gov/vuln/detail/CVE-2021-44228"));
        assert!(is_web_link("HTTP://example.org"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("data:text/html,x"));
        assert!(!is_web_link("jav\tascript:alert(1)"));
    }
}
