//! RPM header blobs as the package databases store them: the index of
//! `(tag, type, offset, count)` entries followed by the data store, without the
//! 8-byte header magic that `.rpm` files and `rpmdb --exportdb` put in front.
//!
//! Only the tags a scanner needs are read (name, epoch, version, release,
//! architecture, source RPM, modularity label), each with a bounds-checked
//! access into the data store. Deliberately not done: rpm's full import
//! validation (region trailer checks, entry sorting, type alignment checks,
//! digest verification). A tag that appears both inside the immutable region
//! and again after it (a "dribble" entry added after installation) is read
//! from the later entry, as rpm does when it imports the header.

/// Most index entries a header may have; rpm's own limit (`HEADER_TAGS_MAX`).
const MAXIMUM_INDEX_ENTRIES: usize = 0xffff;
/// Largest data store accepted. rpm allows 256 MiB; no real package header
/// comes near 64 MiB, and the cap bounds what one corrupt record can cost.
const MAXIMUM_DATA_LENGTH: usize = 64 * 1024 * 1024;
const INDEX_ENTRY_LENGTH: usize = 16;
const PREAMBLE_LENGTH: usize = 8;

const TAG_NAME: i32 = 1000;
const TAG_VERSION: i32 = 1001;
const TAG_RELEASE: i32 = 1002;
const TAG_EPOCH: i32 = 1003;
const TAG_ARCH: i32 = 1022;
const TAG_SOURCERPM: i32 = 1044;
const TAG_MODULARITYLABEL: i32 = 5096;
const TAG_OLDFILENAMES: i32 = 1027;
const TAG_DIRINDEXES: i32 = 1116;
const TAG_BASENAMES: i32 = 1117;
const TAG_DIRNAMES: i32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// Why a header blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HeaderError {
    #[error("header blob of {length} bytes is shorter than its 8-byte preamble")]
    TooShort { length: usize },
    #[error("header declares {count} index entries, more than rpm's limit of {MAXIMUM_INDEX_ENTRIES}")]
    TooManyEntries { count: u32 },
    #[error("header declares a data store of {length} bytes, more than the {MAXIMUM_DATA_LENGTH}-byte limit")]
    DataTooLarge { length: u32 },
    #[error("header declares {declared} bytes of index and data but the blob holds {available}")]
    Truncated { declared: usize, available: usize },
    #[error("tag {tag} has type {found}, expected {expected}")]
    WrongType { tag: i32, found: u32, expected: &'static str },
    #[error("tag {tag} points at offset {offset}, outside the {data_length}-byte data store")]
    OffsetOutOfBounds { tag: i32, offset: i64, data_length: usize },
    #[error("tag {tag}: string is not terminated inside the data store")]
    UnterminatedString { tag: i32 },
    #[error("header has no {tag_name} tag")]
    MissingTag { tag_name: &'static str },
    #[error("tag {tag} declares {count} values but the data store ends first")]
    ArrayTruncated { tag: i32, count: u32 },
    #[error("file {position} names directory {directory_index}, but there are only {directory_count} directories")]
    DirectoryIndexOutOfBounds { position: usize, directory_index: u32, directory_count: usize },
}

/// The fields of one installed package's header that the scanner uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackageHeader {
    pub(crate) name: String,
    /// `None` when the header has no EPOCH tag (rpm then compares as epoch 0).
    pub(crate) epoch: Option<u32>,
    pub(crate) version: String,
    pub(crate) release: String,
    pub(crate) architecture: Option<String>,
    /// `openssl-3.0.7-24.el9.src.rpm`; absent for `gpg-pubkey` pseudo-packages.
    pub(crate) source_rpm: Option<String>,
    pub(crate) modularity_label: Option<String>,
}

#[derive(Clone, Copy)]
struct IndexEntry {
    tag: i32,
    data_type: u32,
    offset: i32,
    count: u32,
}

/// A header blob split into its index and data store, both bounds-checked.
struct HeaderView<'blob> {
    index: &'blob [u8],
    data: &'blob [u8],
}

impl<'blob> HeaderView<'blob> {
    fn new(blob: &'blob [u8]) -> Result<HeaderView<'blob>, HeaderError> {
        let (Some(entry_count), Some(data_length)) = (read_u32_be(blob, 0), read_u32_be(blob, 4)) else {
            return Err(HeaderError::TooShort { length: blob.len() });
        };
        let entries = usize::try_from(entry_count).unwrap_or(usize::MAX);
        if entries > MAXIMUM_INDEX_ENTRIES {
            return Err(HeaderError::TooManyEntries { count: entry_count });
        }
        let data_bytes = usize::try_from(data_length).unwrap_or(usize::MAX);
        if data_bytes > MAXIMUM_DATA_LENGTH {
            return Err(HeaderError::DataTooLarge { length: data_length });
        }
        // Both factors are capped above, so this cannot overflow.
        let index_end = PREAMBLE_LENGTH + entries * INDEX_ENTRY_LENGTH;
        let data_end = index_end + data_bytes;
        match (blob.get(PREAMBLE_LENGTH..index_end), blob.get(index_end..data_end)) {
            (Some(index), Some(data)) => Ok(HeaderView { index, data }),
            _ => Err(HeaderError::Truncated { declared: data_end, available: blob.len() }),
        }
    }

    fn entries(&self) -> impl Iterator<Item = IndexEntry> + '_ {
        self.index.chunks_exact(INDEX_ENTRY_LENGTH).map(|entry| IndexEntry {
            tag: read_i32_be(entry, 0).unwrap_or_default(),
            data_type: read_u32_be(entry, 4).unwrap_or_default(),
            offset: read_i32_be(entry, 8).unwrap_or_default(),
            count: read_u32_be(entry, 12).unwrap_or_default(),
        })
    }

    /// The last entry for `tag`: entries added after the immutable region
    /// override the region's copy, as in rpm's header import.
    fn find(&self, tag: i32) -> Option<IndexEntry> {
        self.entries().filter(|entry| entry.tag == tag).last()
    }

    fn data_from(&self, entry: IndexEntry) -> Result<&'blob [u8], HeaderError> {
        usize::try_from(entry.offset).ok().and_then(|offset| self.data.get(offset..)).ok_or(
            HeaderError::OffsetOutOfBounds {
                tag: entry.tag,
                offset: i64::from(entry.offset),
                data_length: self.data.len(),
            },
        )
    }

    /// The tag's string, or the first string of a string array.
    fn string(&self, tag: i32) -> Result<Option<String>, HeaderError> {
        let Some(entry) = self.find(tag) else {
            return Ok(None);
        };
        if !matches!(entry.data_type, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(HeaderError::WrongType { tag, found: entry.data_type, expected: "string" });
        }
        let bytes = self.data_from(entry)?;
        let end = bytes.iter().position(|byte| *byte == 0).ok_or(HeaderError::UnterminatedString { tag })?;
        let text = bytes.get(..end).unwrap_or_default();
        Ok(Some(String::from_utf8_lossy(text).into_owned()))
    }

    /// Every string of a string array. Each string takes at least its NUL
    /// byte, so a lying count fails at the end of the data store instead of
    /// allocating for it.
    fn string_array(&self, tag: i32) -> Result<Option<Vec<String>>, HeaderError> {
        let Some(entry) = self.find(tag) else {
            return Ok(None);
        };
        if entry.data_type != TYPE_STRING_ARRAY {
            return Err(HeaderError::WrongType { tag, found: entry.data_type, expected: "string array" });
        }
        let mut remaining = self.data_from(entry)?;
        let mut strings = Vec::new();
        for _ in 0..entry.count {
            let end = remaining
                .iter()
                .position(|byte| *byte == 0)
                .ok_or(HeaderError::ArrayTruncated { tag, count: entry.count })?;
            strings.push(String::from_utf8_lossy(remaining.get(..end).unwrap_or_default()).into_owned());
            remaining = remaining.get(end + 1..).unwrap_or_default();
        }
        Ok(Some(strings))
    }

    fn int32_array(&self, tag: i32) -> Result<Option<Vec<u32>>, HeaderError> {
        let Some(entry) = self.find(tag) else {
            return Ok(None);
        };
        if entry.data_type != TYPE_INT32 {
            return Err(HeaderError::WrongType { tag, found: entry.data_type, expected: "int32" });
        }
        let truncated = HeaderError::ArrayTruncated { tag, count: entry.count };
        let length =
            usize::try_from(entry.count).ok().and_then(|count| count.checked_mul(4)).ok_or(truncated.clone())?;
        let bytes = self.data_from(entry)?.get(..length).ok_or(truncated)?;
        Ok(Some(bytes.chunks_exact(4).filter_map(|chunk| read_u32_be(chunk, 0)).collect()))
    }

    fn first_int32(&self, tag: i32) -> Result<Option<u32>, HeaderError> {
        let Some(entry) = self.find(tag) else {
            return Ok(None);
        };
        if entry.data_type != TYPE_INT32 {
            return Err(HeaderError::WrongType { tag, found: entry.data_type, expected: "int32" });
        }
        let bytes = self.data_from(entry)?;
        read_u32_be(bytes, 0).map(Some).ok_or(HeaderError::OffsetOutOfBounds {
            tag,
            offset: i64::from(entry.offset),
            data_length: self.data.len(),
        })
    }
}

/// Reads the scanner's fields from one header blob.
pub(crate) fn parse_package_header(blob: &[u8]) -> Result<PackageHeader, HeaderError> {
    let header = HeaderView::new(blob)?;
    let required = |tag: i32, tag_name: &'static str| -> Result<String, HeaderError> {
        header.string(tag)?.ok_or(HeaderError::MissingTag { tag_name })
    };
    Ok(PackageHeader {
        name: required(TAG_NAME, "NAME")?,
        epoch: header.first_int32(TAG_EPOCH)?,
        version: required(TAG_VERSION, "VERSION")?,
        release: required(TAG_RELEASE, "RELEASE")?,
        architecture: header.string(TAG_ARCH)?,
        source_rpm: header.string(TAG_SOURCERPM)?,
        modularity_label: header.string(TAG_MODULARITYLABEL)?,
    })
}

/// The absolute paths of the files a package installed: `DIRNAMES[DIRINDEXES[i]]
/// + BASENAMES[i]`, or the pre-4.x `OLDFILENAMES` list.
pub(crate) fn parse_file_paths(blob: &[u8]) -> Result<Vec<String>, HeaderError> {
    let header = HeaderView::new(blob)?;
    let Some(base_names) = header.string_array(TAG_BASENAMES)? else {
        return Ok(header.string_array(TAG_OLDFILENAMES)?.unwrap_or_default());
    };
    let directory_names = header.string_array(TAG_DIRNAMES)?.unwrap_or_default();
    let directory_indexes = header.int32_array(TAG_DIRINDEXES)?.unwrap_or_default();
    let mut paths = Vec::with_capacity(base_names.len());
    for (position, base_name) in base_names.iter().enumerate() {
        let directory_index = directory_indexes.get(position).copied().unwrap_or(u32::MAX);
        let directory = usize::try_from(directory_index).ok().and_then(|index| directory_names.get(index)).ok_or(
            HeaderError::DirectoryIndexOutOfBounds {
                position,
                directory_index,
                directory_count: directory_names.len(),
            },
        )?;
        paths.push(format!("{directory}{base_name}"));
    }
    Ok(paths)
}

fn read_u32_be(bytes: &[u8], offset: usize) -> Option<u32> {
    let chunk = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_be_bytes(chunk.try_into().ok()?))
}

fn read_i32_be(bytes: &[u8], offset: usize) -> Option<i32> {
    read_u32_be(bytes, offset).map(|value| i32::from_be_bytes(value.to_be_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a header blob from `(tag, type, offset, count)` entries and a data store.
    fn blob(entries: &[(i32, u32, i32, u32)], data: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u32::try_from(entries.len()).unwrap().to_be_bytes());
        bytes.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        for (tag, data_type, offset, count) in entries {
            bytes.extend_from_slice(&tag.to_be_bytes());
            bytes.extend_from_slice(&data_type.to_be_bytes());
            bytes.extend_from_slice(&offset.to_be_bytes());
            bytes.extend_from_slice(&count.to_be_bytes());
        }
        bytes.extend_from_slice(data);
        bytes
    }

    // Proves the basic layout is read: strings by offset, the epoch as a
    // big-endian int32, and optional tags left out.
    #[test]
    fn reads_the_scanner_fields() {
        let data = b"\0\0\0\x07curl\x008.5.0\x001.el9\0x86_64\0";
        let header = parse_package_header(&blob(
            &[
                (TAG_NAME, TYPE_STRING, 4, 1),
                (TAG_EPOCH, TYPE_INT32, 0, 1),
                (TAG_VERSION, TYPE_STRING, 9, 1),
                (TAG_RELEASE, TYPE_STRING, 15, 1),
                (TAG_ARCH, TYPE_STRING, 21, 1),
            ],
            data,
        ))
        .unwrap();
        assert_eq!(header.name, "curl");
        assert_eq!(header.epoch, Some(7));
        assert_eq!(header.version, "8.5.0");
        assert_eq!(header.release, "1.el9");
        assert_eq!(header.architecture.as_deref(), Some("x86_64"));
        assert_eq!(header.source_rpm, None);
    }

    // Proves a dribble entry after the region wins over the earlier copy.
    #[test]
    fn the_last_entry_for_a_tag_wins() {
        let data = b"old\0new\x001\x001\0";
        let header = parse_package_header(&blob(
            &[
                (TAG_NAME, TYPE_STRING, 0, 1),
                (TAG_VERSION, TYPE_STRING, 8, 1),
                (TAG_RELEASE, TYPE_STRING, 10, 1),
                (TAG_NAME, TYPE_STRING, 4, 1),
            ],
            data,
        ))
        .unwrap();
        assert_eq!(header.name, "new");
    }

    // Proves hostile counts and offsets are errors, never panics or huge allocations.
    #[test]
    fn hostile_headers_are_errors() {
        assert_eq!(parse_package_header(b"\0\0"), Err(HeaderError::TooShort { length: 2 }));
        let huge_count = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        assert_eq!(parse_package_header(&huge_count), Err(HeaderError::TooManyEntries { count: u32::MAX }));
        let huge_data = [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(parse_package_header(&huge_data), Err(HeaderError::DataTooLarge { length: u32::MAX }));
        let truncated = [0, 0, 0, 2, 0, 0, 0, 4, 0, 0];
        assert!(matches!(parse_package_header(&truncated), Err(HeaderError::Truncated { .. })));
        let past_end = blob(&[(TAG_NAME, TYPE_STRING, 100, 1)], b"abc\0");
        assert!(matches!(parse_package_header(&past_end), Err(HeaderError::OffsetOutOfBounds { offset: 100, .. })));
        let negative = blob(&[(TAG_NAME, TYPE_STRING, -4, 1)], b"abc\0");
        assert!(matches!(parse_package_header(&negative), Err(HeaderError::OffsetOutOfBounds { offset: -4, .. })));
        let unterminated = blob(&[(TAG_NAME, TYPE_STRING, 0, 1)], b"abc");
        assert_eq!(parse_package_header(&unterminated), Err(HeaderError::UnterminatedString { tag: TAG_NAME }));
        let epoch_past_end = blob(&[(TAG_NAME, TYPE_STRING, 0, 1), (TAG_EPOCH, TYPE_INT32, 2, 1)], b"a\0\0");
        assert!(matches!(parse_package_header(&epoch_past_end), Err(HeaderError::OffsetOutOfBounds { .. })));
        let wrong_type = blob(&[(TAG_NAME, TYPE_INT32, 0, 1)], b"abcd");
        assert!(matches!(parse_package_header(&wrong_type), Err(HeaderError::WrongType { .. })));
        let no_version = blob(&[(TAG_NAME, TYPE_STRING, 0, 1)], b"a\0");
        assert_eq!(parse_package_header(&no_version), Err(HeaderError::MissingTag { tag_name: "VERSION" }));
    }
}
