//! A one-pass estimate of a YAML document's nesting depth: block
//! indentation levels, compact sequence dashes (`- - - x`) and flow
//! collections (`[`, `{`), with quoted scalars, block scalars and comments
//! skipped. It may count a level the parser would not (it never misses
//! one), which only matters far beyond any real document's depth.

use crate::{MAXIMUM_NESTING, ParseError};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

pub(crate) fn check(text: &str) -> Result<(), ParseError> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow_depth = 0usize;
    let mut quote = Quote::None;
    // The indentation of the line that opened a block scalar (`|`, `>`).
    let mut block_scalar_parent: Option<usize> = None;
    let too_deep = |line: usize| ParseError::TooDeep { format: "YAML", limit: MAXIMUM_NESTING, line };
    for (number, line) in text.lines().enumerate() {
        let line_number = number + 1;
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|byte| **byte == b' ').count();
        let blank = bytes.iter().all(|byte| byte.is_ascii_whitespace());
        if let Some(parent) = block_scalar_parent {
            if blank || indent > parent {
                continue;
            }
            block_scalar_parent = None;
        }
        let mut position = 0;
        let mut dashes = 0;
        let mut value_start = false;
        if quote == Quote::None && flow_depth == 0 {
            let rest = bytes.get(indent..).unwrap_or_default();
            if blank || rest.first() == Some(&b'#') {
                continue;
            }
            while indents.last().is_some_and(|top| *top > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|top| *top < indent) {
                indents.push(indent);
            }
            position = indent;
            // `- ` (and `? `/`: ` of complex keys) each open a level on this line.
            while let Some(&indicator) = bytes.get(position) {
                let followed_by_space = bytes.get(position + 1).is_none_or(|next| *next == b' ' || *next == b'\t');
                if matches!(indicator, b'-' | b'?' | b':') && followed_by_space {
                    dashes += 1;
                    position += 1;
                    while bytes.get(position).is_some_and(|byte| *byte == b' ' || *byte == b'\t') {
                        position += 1;
                    }
                } else {
                    break;
                }
            }
            value_start = true;
        }
        if indents.len() + dashes > MAXIMUM_NESTING {
            return Err(too_deep(line_number));
        }
        let mut previous = b' ';
        while let Some(&byte) = bytes.get(position) {
            position += 1;
            match quote {
                Quote::Double => {
                    if byte == b'\\' {
                        position += 1;
                    } else if byte == b'"' {
                        quote = Quote::None;
                    }
                    previous = byte;
                    continue;
                }
                Quote::Single => {
                    if byte == b'\'' {
                        if bytes.get(position) == Some(&b'\'') {
                            position += 1;
                        } else {
                            quote = Quote::None;
                        }
                    }
                    previous = byte;
                    continue;
                }
                Quote::None => {}
            }
            if byte == b'#' && (previous == b' ' || previous == b'\t') {
                break;
            }
            let token_start = value_start || matches!(previous, b' ' | b'\t' | b'[' | b'{' | b',');
            if flow_depth > 0 {
                match byte {
                    b'[' | b'{' => {
                        flow_depth += 1;
                        if indents.len() + dashes + flow_depth > MAXIMUM_NESTING {
                            return Err(too_deep(line_number));
                        }
                    }
                    b']' | b'}' => flow_depth = flow_depth.saturating_sub(1),
                    b'"' if token_start => quote = Quote::Double,
                    b'\'' if token_start => quote = Quote::Single,
                    _ => {}
                }
            } else if value_start {
                match byte {
                    b' ' | b'\t' => {
                        previous = byte;
                        continue;
                    }
                    b'[' | b'{' => {
                        flow_depth = 1;
                        if indents.len() + dashes + flow_depth > MAXIMUM_NESTING {
                            return Err(too_deep(line_number));
                        }
                    }
                    b'"' => quote = Quote::Double,
                    b'\'' => quote = Quote::Single,
                    b'|' | b'>' => {
                        block_scalar_parent = Some(indent);
                        break;
                    }
                    b'&' | b'!' | b'*' => {
                        // An anchor, tag or alias: the value (if any) follows it.
                        while bytes.get(position).is_some_and(|next| !matches!(next, b' ' | b'\t')) {
                            position += 1;
                        }
                        previous = b' ';
                        continue;
                    }
                    _ => {}
                }
                value_start = false;
            } else if byte == b':' && bytes.get(position).is_none_or(|next| *next == b' ' || *next == b'\t') {
                // A mapping value follows on this line.
                value_start = true;
            }
            previous = byte;
        }
        // A quoted scalar may go on over lines; a plain line ends the value.
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn real_shapes_pass() {
        for text in [
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n        version: 1.0.0\n",
            "packages:\n  - name: x\n    versions: [1, 2, {a: [b]}]\n    note: \"a [ b\"\n    other: 'c { d'\n",
            "key: |\n  [[[[[[[[\n  {{{{{{\nnext: http://x/[y\n",
            "- - - a\n- b\n# [[[[[[\nc: d # [[[[\n",
        ] {
            check(text).unwrap();
        }
    }

    #[test]
    fn deep_flow_dashes_and_indentation_are_refused() {
        let flow = format!("a: {}1{}\n", "[".repeat(200), "]".repeat(200));
        assert!(check(&flow).unwrap_err().to_string().contains("recursion limit for YAML"));
        let bare = "[".repeat(100_000);
        assert!(check(&bare).is_err());
        let dashes = format!("{}x\n", "- ".repeat(200));
        assert!(check(&dashes).is_err());
        let indented: String = (0..200).map(|level| format!("{}k{level}:\n", " ".repeat(level))).collect();
        assert!(check(&indented).is_err());
        // Quoted brackets are text, not nesting.
        let quoted = format!("a: \"{}\"\n", "[".repeat(1000));
        check(&quoted).unwrap();
    }
}
