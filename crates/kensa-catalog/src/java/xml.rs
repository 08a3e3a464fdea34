//! A small element tree over `quick-xml`, shared by the Maven `pom.xml` and the
//! NuGet `packages.config` readers, which both want "the text of this child"
//! rather than a stream of events.
//!
//! Input is decoded before parsing: UTF-8 (with or without a byte-order mark), and
//! anything that is not valid UTF-8 is read as ISO-8859-1, the other encoding real
//! POMs declare. Nesting is bounded so a hostile document cannot exhaust the stack
//! of callers that recurse over the tree. DTDs and custom entities are not
//! expanded (an unknown `&name;` is kept as written).

use std::borrow::Cow;

use quick_xml::events::Event;

/// Deepest element nesting accepted; real POMs stay under 10.
const MAXIMUM_DEPTH: usize = 256;

/// One element: local name (namespace prefix dropped), attributes, the
/// concatenated text directly inside it, and its child elements.
#[derive(Debug, Default)]
pub(crate) struct XmlElement {
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<XmlElement>,
}

impl XmlElement {
    /// The first child with this local name.
    pub(crate) fn child(&self, name: &str) -> Option<&XmlElement> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Every child with this local name.
    pub(crate) fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a XmlElement> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The trimmed text of the first child with this name, if present and not empty.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|child| child.text.trim()).filter(|text| !text.is_empty())
    }

    /// The value of an attribute by local name.
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// Decodes bytes as UTF-8, falling back to ISO-8859-1 (every byte is a character).
pub(crate) fn decode_text(contents: &[u8]) -> Cow<'_, str> {
    let without_bom = contents.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(contents);
    match std::str::from_utf8(without_bom) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(without_bom.iter().map(|&byte| char::from(byte)).collect()),
    }
}

/// Parses a whole document and returns its root element. The message of the
/// error says what is wrong and where (byte offset), not which file: callers add that.
pub(crate) fn parse_xml_document(contents: &[u8]) -> Result<XmlElement, String> {
    let text = decode_text(contents);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<XmlElement> = Vec::new();
    let mut root: Option<XmlElement> = None;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|error| format!("at byte {position}: {error}"))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() && stack.is_empty() => {
                return Err(format!("at byte {position}: second root element <{}>", start.local_name().as_ref()));
            }
            Event::Start(start) => {
                if stack.len() >= MAXIMUM_DEPTH {
                    return Err(format!("at byte {position}: elements nested deeper than {MAXIMUM_DEPTH}"));
                }
                stack.push(element_from_start(&start, position)?);
            }
            Event::Empty(start) => {
                let element = element_from_start(&start, position)?;
                attach(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                if let Some(element) = stack.pop() {
                    attach(&mut stack, &mut root, element);
                }
            }
            Event::Text(content) => push_text(&mut stack, &content.xml10_content()),
            Event::CData(content) => push_text(&mut stack, &content.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => character.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&reference)
                        .map_or_else(|| format!("&{};", &*reference), str::to_owned),
                    Err(error) => return Err(format!("at byte {position}: {error}")),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(unclosed) = stack.last() {
        return Err(format!("document ends inside <{}>", unclosed.name));
    }
    root.ok_or_else(|| "no root element".to_owned())
}

fn element_from_start(start: &quick_xml::events::BytesStart<'_>, position: u64) -> Result<XmlElement, String> {
    let qualified = start.name();
    let qualified_name: &str = qualified.as_ref();
    if !is_xml_name(qualified_name) {
        return Err(format!("at byte {position}: <{qualified_name}> is not a valid XML element name"));
    }
    let mut element = XmlElement { name: start.local_name().as_ref().to_owned(), ..XmlElement::default() };
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| format!("at byte {position}: {error}"))?;
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|error| format!("at byte {position}: {error}"))?;
        element.attributes.push((attribute.key.local_name().as_ref().to_owned(), value.into_owned()));
    }
    Ok(element)
}

/// XML's `Name` production, simplified to ASCII rules plus any non-ASCII
/// character: quick-xml accepts names such as `${Id}.version` that no XML
/// parser (nor Maven) would.
fn is_xml_name(name: &str) -> bool {
    let mut characters = name.chars();
    let starts_well = characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || matches!(first, '_' | ':') || !first.is_ascii());
    starts_well
        && characters.all(|character| {
            character.is_ascii_alphanumeric() || matches!(character, '_' | ':' | '.' | '-') || !character.is_ascii()
        })
}

fn attach(stack: &mut [XmlElement], root: &mut Option<XmlElement>, element: XmlElement) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn push_text(stack: &mut [XmlElement], text: &str) {
    if let Some(current) = stack.last_mut() {
        current.text.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Namespaced elements are read by local name, entities resolved, text trimmed by callers.
    #[test]
    fn parses_a_small_document() {
        let root = parse_xml_document(
            b"<?xml version=\"1.0\"?><p:project xmlns:p=\"x\"><p:a k=\"v&amp;w\">x &lt; y</p:a><b/></p:project>",
        )
        .unwrap();
        assert_eq!(root.name, "project");
        assert_eq!(root.child_text("a"), Some("x < y"));
        assert_eq!(root.child("a").unwrap().attribute("k"), Some("v&w"));
        assert!(root.child("b").is_some());
    }

    /// Truncated and mismatched documents are errors, not partial trees.
    #[test]
    fn refuses_broken_documents() {
        assert!(parse_xml_document(b"<packages><package id=\"a\"/>").is_err());
        assert!(parse_xml_document(b"<a><b></a>").is_err());
        assert!(parse_xml_document(b"not xml").is_err());
        assert!(parse_xml_document(&b"<a>".repeat(1000)).is_err());
        assert!(parse_xml_document(b"<p><${Id}.version>1</${Id}.version></p>").is_err());
    }

    /// Latin-1 bytes that are not UTF-8 still decode.
    #[test]
    fn decodes_latin1() {
        let root = parse_xml_document(b"<a>caf\xE9</a>").unwrap();
        assert_eq!(root.text, "caf\u{e9}");
    }
}
