//! A one-pass check of a TOML document: the nesting of arrays and inline
//! tables, and the segments of dotted keys and table headers, with strings
//! (basic, literal, multi-line) and comments skipped.

use crate::{MAXIMUM_DOTTED_SEGMENTS, MAXIMUM_KEY_SEGMENTS, MAXIMUM_NESTING, ParseError};

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a key, a table header or the start of a line.
    Key,
    /// Reading a value (after `=`).
    Value,
}

pub(crate) fn check(text: &str) -> Result<(), ParseError> {
    let bytes = text.as_bytes();
    let mut position = 0;
    let mut line = 1;
    // The open arrays (`[`) and inline tables (`{`), innermost last.
    let mut open: Vec<u8> = Vec::new();
    let mut state = State::Key;
    let mut key_segments = 1usize;
    let mut dotted_total = 0usize;
    // Inside `[ … ]` of a header at line start (not an array value).
    let mut in_header = false;
    let segments_error = |message: String, line: usize| ParseError::TooManyKeySegments { message, line };
    while let Some(&byte) = bytes.get(position) {
        match byte {
            b'\n' => {
                line += 1;
                if open.is_empty() {
                    state = State::Key;
                    key_segments = 1;
                    in_header = false;
                }
                position += 1;
            }
            b'#' => {
                while bytes.get(position).is_some_and(|next| *next != b'\n') {
                    position += 1;
                }
            }
            b'"' | b'\'' => {
                let triple = bytes.get(position + 1) == Some(&byte) && bytes.get(position + 2) == Some(&byte);
                position += if triple { 3 } else { 1 };
                while let Some(&next) = bytes.get(position) {
                    if next == b'\\' && byte == b'"' {
                        position += 2;
                        continue;
                    }
                    if next == b'\n' {
                        line += 1;
                        if !triple {
                            break;
                        }
                    }
                    if next == byte
                        && (!triple
                            || (bytes.get(position + 1) == Some(&byte) && bytes.get(position + 2) == Some(&byte)))
                    {
                        position += if triple { 3 } else { 1 };
                        // Up to two more quotes may belong to a multi-line string's content.
                        while triple && bytes.get(position) == Some(&byte) {
                            position += 1;
                        }
                        break;
                    }
                    position += 1;
                }
            }
            b'[' | b'{' => {
                if state == State::Key && open.is_empty() && byte == b'[' {
                    in_header = true;
                } else {
                    open.push(byte);
                    if open.len() > MAXIMUM_NESTING {
                        return Err(ParseError::TooDeep { format: "TOML", limit: MAXIMUM_NESTING, line });
                    }
                    if byte == b'{' {
                        // Keys again, inside the inline table.
                        state = State::Key;
                        key_segments = 1;
                    }
                }
                position += 1;
            }
            b']' | b'}' => {
                if in_header && open.is_empty() {
                    in_header = byte == b']' && bytes.get(position + 1) == Some(&b']');
                } else {
                    open.pop();
                    state = State::Value;
                }
                position += 1;
            }
            b',' => {
                // A new key in an inline table (an array's next element is a value).
                if open.last() == Some(&b'{') {
                    state = State::Key;
                    key_segments = 1;
                }
                position += 1;
            }
            b'=' if state == State::Key => {
                state = State::Value;
                position += 1;
            }
            b'.' if state == State::Key => {
                key_segments += 1;
                dotted_total += 1;
                if key_segments > MAXIMUM_KEY_SEGMENTS {
                    return Err(segments_error(
                        format!("a dotted key with more than {MAXIMUM_KEY_SEGMENTS} segments"),
                        line,
                    ));
                }
                if dotted_total > MAXIMUM_DOTTED_SEGMENTS {
                    return Err(segments_error(
                        format!("more than {MAXIMUM_DOTTED_SEGMENTS} dotted-key segments in one document"),
                        line,
                    ));
                }
                position += 1;
            }
            _ => position += 1,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn real_shapes_pass() {
        for text in [
            "[[package]]\nname = \"serde\"\nversion = \"1.0.1\"\ndependencies = [\n \"a\",\n \"b 1.0\",\n]\n",
            "[tool.poetry.dependencies]\npython = \"^3.8\"\nrequests = { version = \"2.0\", extras = [\"socks\"] }\n",
            "a.b.c = 1\nurl = \"https://x.y/z.w\"\nnote = '''\n[[[[ a.b.c.d\n'''\nv = 1.5\n",
            "versions = [1.5, 2.5, { a.b = 1, c = 2.5 }]\n[project]\ndescription = \"\"\"\nsee a.b.c \"quoted\" [x]\n\"\"\"\n",
        ] {
            check(text).unwrap();
        }
    }

    #[test]
    fn deep_values_and_long_dotted_keys_are_refused() {
        let deep = format!("a = {}1{}\n", "[".repeat(200), "]".repeat(200));
        assert!(check(&deep).unwrap_err().to_string().contains("recursion limit for TOML"));
        let inline = format!("a = {}\n", "{b = ".repeat(200));
        assert!(check(&inline).is_err());
        let dotted = format!("{}b = 1\n", "a.".repeat(1000));
        let error = check(&dotted).unwrap_err().to_string();
        assert!(error.contains("dotted key with more than 64 segments at line 1"), "{error}");
        let header = format!("[{}b]\n", "a.".repeat(1000));
        assert!(check(&header).is_err());
        let many: String = (0..60_000).map(|index| format!("k{index}.a.b = 1\n")).collect();
        assert!(check(&many).unwrap_err().to_string().contains("dotted-key segments in one document"));
    }
}
