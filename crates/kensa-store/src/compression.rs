//! Large documents (inventories, history entries) are stored deflated:
//! inventory JSON shrinks about tenfold, and the bytes a push writes — to the
//! log, then to the tables — were most of its cost. Rows written before
//! migration 4 say `identity` and are read as they are.

use std::io::{Read, Write};

use crate::StoreError;

/// The `encoding` column's values.
pub(crate) const DEFLATE: &str = "deflate";
pub(crate) const IDENTITY: &str = "identity";

/// The largest document inflated (the server refuses larger pushes long
/// before): a damaged row cannot make a read allocate without bound.
const MAX_INFLATED: u64 = 1 << 30;

/// `document`, deflated at the fastest level (the gain is in the bytes not
/// written; higher levels cost more CPU than they save).
pub fn deflate(document: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::with_capacity(document.len() / 6), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(document);
    encoder.finish().unwrap_or_default()
}

/// A stored document in `encoding`, as it was written.
pub(crate) fn inflate(what: &'static str, encoding: &str, stored: Vec<u8>) -> Result<Vec<u8>, StoreError> {
    match encoding {
        IDENTITY => Ok(stored),
        DEFLATE => {
            let mut document = Vec::with_capacity(stored.len() * 8);
            flate2::read::DeflateDecoder::new(stored.as_slice())
                .take(MAX_INFLATED + 1)
                .read_to_end(&mut document)
                .map_err(|error| StoreError::Damaged { what, detail: format!("cannot inflate it: {error}") })?;
            if document.len() as u64 > MAX_INFLATED {
                return Err(StoreError::Damaged { what, detail: format!("inflates past {MAX_INFLATED} bytes") });
            }
            Ok(document)
        }
        other => Err(StoreError::Damaged { what, detail: format!("unknown encoding '{other}'") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_comes_back_as_it_went_in() {
        let document = br#"{"packages":[{"name":"lodash","version":"4.17.20"}]}"#.repeat(50);
        let stored = deflate(&document);
        assert!(stored.len() * 5 < document.len());
        assert_eq!(inflate("an inventory", DEFLATE, stored).unwrap(), document);
        assert_eq!(inflate("an inventory", IDENTITY, b"{}".to_vec()).unwrap(), b"{}");
    }

    #[test]
    fn damage_is_named_not_a_panic() {
        let error = inflate("an inventory", DEFLATE, vec![0xff; 40]).unwrap_err().to_string();
        assert!(error.contains("an inventory is damaged"), "{error}");
        let error = inflate("an inventory", "brotli", Vec::new()).unwrap_err().to_string();
        assert!(error.contains("unknown encoding 'brotli'"), "{error}");
    }
}
