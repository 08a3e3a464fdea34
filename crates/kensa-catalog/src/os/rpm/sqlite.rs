//! rpm's SQLite backend (`rpmdb.sqlite`, rpm ≥ 4.16): the `Packages` table,
//! `(hnum INTEGER PRIMARY KEY, blob BLOB)`, whose blobs are header blobs.
//!
//! This is a small read-only reader of the SQLite file format
//! (<https://sqlite.org/fileformat.html>) rather than `rusqlite`, because:
//! the cataloger gets the database as bytes (an image layer has no path to
//! open, and `rusqlite` would need a temporary file or `sqlite3_deserialize`);
//! reading one table needs only table B-tree pages, overflow chains and the
//! record format, a few hundred lines; every offset can be bounds-checked
//! against the hostile-input rules of this crate, where the SQLite library
//! documents that untrusted database files need extra hardening; and it keeps a
//! 250k-line C build out of the workspace.
//!
//! Deliberately not handled: index B-trees, UTF-16 databases (rpm always
//! writes UTF-8), and the write-ahead log: rows committed to `rpmdb.sqlite-wal`
//! but not yet checkpointed are not seen (the cataloger reports a diagnostic
//! when a non-empty log sits next to the database).

use super::{CorruptDatabase, DatabaseRecords, ReadBudget};

const FILE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const FILE_HEADER_LENGTH: usize = 100;
const PAGE_TYPE_TABLE_INTERIOR: u8 = 0x05;
const PAGE_TYPE_TABLE_LEAF: u8 = 0x0d;
const SCHEMA_ROOT_PAGE: u32 = 1;
const PACKAGES_TABLE: &str = "Packages";
/// A record larger than this is not an rpm header (whose cap is 64 MiB) and
/// is refused before anything is allocated for it.
const MAXIMUM_PAYLOAD_LENGTH: u64 = 64 * 1024 * 1024 + 1024;

/// Whether the bytes start like an SQLite database.
pub(crate) fn is_sqlite(contents: &[u8]) -> bool {
    contents.starts_with(FILE_MAGIC)
}

/// Whether the database is in write-ahead-log mode (file format versions 2).
pub(crate) fn uses_write_ahead_log(contents: &[u8]) -> bool {
    contents.get(18..20) == Some(&[2, 2])
}

/// Every blob of the `Packages` table, in rowid order.
pub(crate) fn read_header_blobs(contents: &[u8]) -> Result<DatabaseRecords, CorruptDatabase> {
    let database = Database::open(contents)?;
    let mut walk = TableWalk::new(&database);
    if let Some(declared_pages) = database.declared_page_count()
        && (declared_pages > database.page_count || !contents.len().is_multiple_of(database.page_size))
    {
        walk.problems.push(format!(
            "the file is truncated: its header declares {declared_pages} pages of {} bytes, but it holds {} bytes",
            database.page_size,
            contents.len()
        ));
    }
    let schema_rows = walk.rows(SCHEMA_ROOT_PAGE)?;
    let root_page = schema_rows
        .iter()
        .find_map(|row| packages_root_page(row))
        .ok_or_else(|| CorruptDatabase(format!("no `{PACKAGES_TABLE}` table in the schema")))?;
    let rows = walk.rows(root_page)?;
    let mut records = DatabaseRecords { problems: walk.problems, ..DatabaseRecords::default() };
    for row in rows {
        match record_column(&row, 1) {
            Some(Value::Blob(blob)) => records.blobs.push(blob.to_vec()),
            _ => records.problems.push("a `Packages` row has no blob in its second column".to_owned()),
        }
    }
    Ok(records)
}

/// The root page of `Packages` if this schema row describes that table.
fn packages_root_page(row: &[u8]) -> Option<u32> {
    let is_table = matches!(record_column(row, 0), Some(Value::Text(b"table")));
    let is_packages = matches!(record_column(row, 1), Some(Value::Text(name)) if name == PACKAGES_TABLE.as_bytes());
    match record_column(row, 3) {
        Some(Value::Integer(root)) if is_table && is_packages => u32::try_from(root).ok(),
        _ => None,
    }
}

struct Database<'file> {
    contents: &'file [u8],
    page_size: usize,
    usable_size: usize,
    page_count: u32,
}

impl<'file> Database<'file> {
    fn open(contents: &'file [u8]) -> Result<Database<'file>, CorruptDatabase> {
        if contents.len() < FILE_HEADER_LENGTH || !is_sqlite(contents) {
            return Err(CorruptDatabase("not an SQLite database (bad magic or shorter than its header)".to_owned()));
        }
        let page_size = match read_u16(contents, 16) {
            Some(1) => 65536,
            Some(size) if size >= 512 && size.is_power_of_two() => usize::from(size),
            size => return Err(CorruptDatabase(format!("invalid page size {size:?}"))),
        };
        let reserved = contents.get(20).map_or(0, |reserved| usize::from(*reserved));
        let usable_size = page_size - reserved;
        if usable_size < 480 {
            return Err(CorruptDatabase(format!("usable page size {usable_size} is below SQLite's minimum of 480")));
        }
        if contents.get(56..60) != Some(&[0, 0, 0, 1]) && contents.get(56..60) != Some(&[0, 0, 0, 0]) {
            return Err(CorruptDatabase("text encoding is not UTF-8".to_owned()));
        }
        // The file's length, not the header's page count, bounds every page
        // number: a lying header cannot make us read past the end.
        let page_count = u32::try_from(contents.len() / page_size).unwrap_or(u32::MAX);
        Ok(Database { contents, page_size, usable_size, page_count })
    }

    /// The page count in the header, which SQLite trusts only when the
    /// "version valid for" field matches the change counter.
    fn declared_page_count(&self) -> Option<u32> {
        let change_counter = self.contents.get(24..28)?;
        let valid_for = self.contents.get(92..96)?;
        read_u32(self.contents, 28).filter(|pages| *pages > 0 && change_counter == valid_for)
    }

    fn page(&self, number: u32) -> Result<&'file [u8], String> {
        if number == 0 || number > self.page_count {
            return Err(format!("page number {number} is outside the file's {} pages", self.page_count));
        }
        let start = (usize::try_from(number - 1).unwrap_or(usize::MAX)).saturating_mul(self.page_size);
        self.contents
            .get(start..start.saturating_add(self.page_size))
            .ok_or_else(|| format!("page {number} is past the end of the file"))
    }
}

/// Walks table B-trees, never visiting a page twice: a page that is reached a
/// second time (a cycle, or two parents sharing a child) is reported instead.
struct TableWalk<'database, 'file> {
    database: &'database Database<'file>,
    visited: Vec<bool>,
    budget: ReadBudget,
    problems: Vec<String>,
}

impl<'database, 'file> TableWalk<'database, 'file> {
    fn new(database: &'database Database<'file>) -> TableWalk<'database, 'file> {
        let page_slots = usize::try_from(database.page_count).unwrap_or(0).saturating_add(1);
        TableWalk {
            database,
            visited: vec![false; page_slots],
            budget: ReadBudget::for_file(database.contents),
            problems: Vec::new(),
        }
    }

    fn claim(&mut self, number: u32) -> Result<(), String> {
        match self.visited.get_mut(usize::try_from(number).unwrap_or(usize::MAX)) {
            Some(seen) if *seen => Err(format!("page {number} is reached twice (a cycle in the file)")),
            Some(seen) => {
                *seen = true;
                Ok(())
            }
            None => Err(format!("page number {number} is outside the file's {} pages", self.database.page_count)),
        }
    }

    /// The payloads of every row of the table rooted at `root`. A broken root
    /// fails the walk; a broken page or row below it becomes a problem and
    /// the rest of the table is still read.
    fn rows(&mut self, root: u32) -> Result<Vec<Vec<u8>>, CorruptDatabase> {
        let mut rows = Vec::new();
        let mut pending = vec![root];
        while let Some(number) = pending.pop() {
            let result = self.claim(number).and_then(|()| self.read_page(number, &mut pending, &mut rows));
            if let Err(message) = result {
                if number == root {
                    return Err(CorruptDatabase(format!("table root page {root}: {message}")));
                }
                self.problems.push(format!("page {number}: {message}"));
            }
        }
        Ok(rows)
    }

    fn read_page(&mut self, number: u32, pending: &mut Vec<u32>, rows: &mut Vec<Vec<u8>>) -> Result<(), String> {
        let page = self.database.page(number)?;
        let header_start = if number == 1 { FILE_HEADER_LENGTH } else { 0 };
        let page_type = *page.get(header_start).ok_or("page header is missing")?;
        let cell_count = usize::from(read_u16(page, header_start + 3).ok_or("page header is truncated")?);
        let (cell_pointers_start, is_leaf) = match page_type {
            PAGE_TYPE_TABLE_LEAF => (header_start + 8, true),
            PAGE_TYPE_TABLE_INTERIOR => (header_start + 12, false),
            other => return Err(format!("page type {other:#04x} is not a table B-tree page")),
        };
        let cell_offsets: Vec<usize> = (0..cell_count)
            .map(|cell| read_u16(page, cell_pointers_start + 2 * cell).map(usize::from))
            .collect::<Option<_>>()
            .ok_or("cell pointer array runs past the page")?;
        if is_leaf {
            for offset in cell_offsets {
                match self.leaf_payload(page, offset) {
                    Ok(payload) => rows.push(payload),
                    Err(message) => self.problems.push(format!("page {number}, cell at {offset}: {message}")),
                }
            }
        } else {
            // Pushed right to left so rows come out in rowid order.
            pending.push(read_u32(page, header_start + 8).ok_or("right-most pointer is missing")?);
            for offset in cell_offsets.into_iter().rev() {
                pending.push(
                    read_u32(page, offset).ok_or_else(|| format!("child pointer at {offset} is outside the page"))?,
                );
            }
        }
        Ok(())
    }

    /// One table-leaf cell's payload, gathered from its overflow chain when it
    /// does not fit on the page.
    fn leaf_payload(&mut self, page: &[u8], offset: usize) -> Result<Vec<u8>, String> {
        let cell = page.get(offset..).ok_or("cell offset is outside the page")?;
        let (payload_length, length_size) = read_varint(cell).ok_or("payload length is truncated")?;
        if payload_length > MAXIMUM_PAYLOAD_LENGTH {
            return Err(format!("payload of {payload_length} bytes exceeds the {MAXIMUM_PAYLOAD_LENGTH}-byte limit"));
        }
        let payload_length = usize::try_from(payload_length).map_err(|_| "payload length overflows")?;
        self.budget.take(payload_length)?;
        let (_rowid, rowid_size) =
            read_varint(cell.get(length_size..).unwrap_or_default()).ok_or("rowid is truncated")?;
        let local_start = length_size + rowid_size;
        let local_length = self.local_payload_length(payload_length);
        let local = cell.get(local_start..local_start + local_length).ok_or("cell payload runs past the page")?;
        let mut payload = Vec::with_capacity(payload_length);
        payload.extend_from_slice(local);
        if local_length < payload_length {
            let first_overflow =
                read_u32(cell, local_start + local_length).ok_or("overflow page pointer runs past the page")?;
            self.read_overflow(first_overflow, payload_length, &mut payload)?;
        }
        Ok(payload)
    }

    /// How much of a payload sits on the leaf page itself (fileformat.html §1.6).
    fn local_payload_length(&self, payload_length: usize) -> usize {
        let usable = self.database.usable_size;
        let maximum_local = usable - 35;
        if payload_length <= maximum_local {
            return payload_length;
        }
        let minimum_local = ((usable - 12) * 32 / 255) - 23;
        let candidate = minimum_local + ((payload_length - minimum_local) % (usable - 4));
        if candidate <= maximum_local { candidate } else { minimum_local }
    }

    fn read_overflow(&mut self, first_page: u32, payload_length: usize, payload: &mut Vec<u8>) -> Result<(), String> {
        let mut next = first_page;
        while payload.len() < payload_length {
            if next == 0 {
                return Err(format!("overflow chain ends after {} of {payload_length} bytes", payload.len()));
            }
            self.claim(next).map_err(|message| format!("overflow chain: {message}"))?;
            let page = self.database.page(next)?;
            let content = page.get(4..self.database.usable_size).ok_or("overflow page is too short")?;
            let wanted = (payload_length - payload.len()).min(content.len());
            payload.extend_from_slice(content.get(..wanted).unwrap_or_default());
            next = read_u32(page, 0).ok_or("overflow page is too short")?;
        }
        Ok(())
    }
}

/// One column value of a record, borrowing from the row's payload.
#[derive(Debug, PartialEq, Eq)]
enum Value<'row> {
    Null,
    Integer(i64),
    Text(&'row [u8]),
    Blob(&'row [u8]),
    /// A float or a reserved serial type: never read by this module.
    Other,
}

/// Column `wanted` of a record (fileformat.html §2.1), or `None` when the
/// record is malformed or shorter.
fn record_column(record: &[u8], wanted: usize) -> Option<Value<'_>> {
    let (header_length, mut header_position) = read_varint(record)?;
    let header_length = usize::try_from(header_length).ok()?;
    let mut body_position = header_length;
    let mut column = 0;
    while header_position < header_length {
        let (serial_type, size) = read_varint(record.get(header_position..header_length)?)?;
        header_position += size;
        let content_length = match serial_type {
            0 | 8 | 9 | 10 | 11 => 0,
            1..=4 => usize::try_from(serial_type).ok()?,
            5 => 6,
            6 | 7 => 8,
            _ => usize::try_from((serial_type - 12) / 2).ok()?,
        };
        let content = record.get(body_position..body_position.checked_add(content_length)?)?;
        if column == wanted {
            return Some(match serial_type {
                0 => Value::Null,
                1..=6 => Value::Integer(signed_big_endian(content)),
                8 => Value::Integer(0),
                9 => Value::Integer(1),
                7 | 10 | 11 => Value::Other,
                even if even % 2 == 0 => Value::Blob(content),
                _ => Value::Text(content),
            });
        }
        body_position += content_length;
        column += 1;
    }
    None
}

/// A SQLite varint: big-endian base-128, at most nine bytes, the ninth
/// contributing all eight bits. Returns the value and its length.
fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (index, byte) in bytes.iter().take(9).enumerate() {
        if index == 8 {
            return Some(((value << 8) | u64::from(*byte), 9));
        }
        value = (value << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

/// A two's-complement big-endian integer of one to eight bytes.
fn signed_big_endian(bytes: &[u8]) -> i64 {
    let sign_fill = if bytes.first().is_some_and(|first| first & 0x80 != 0) { -1 } else { 0 };
    bytes.iter().fold(sign_fill, |value, byte| (value << 8) | i64::from(*byte))
}

fn read_u16(bytes: &[u8], offset: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(offset..offset.checked_add(2)?)?.try_into().ok()?))
}

fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(offset..offset.checked_add(4)?)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves varints decode per the file format, including the 9-byte form.
    #[test]
    fn varints() {
        assert_eq!(read_varint(&[0x05]), Some((5, 1)));
        assert_eq!(read_varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(read_varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(read_varint(&[0x81]), None);
    }

    // Proves record columns decode: NULL rowid alias, signed integers, text, blob.
    #[test]
    fn record_columns() {
        // Header: length 5, types NULL, int8, text(1), blob(2).
        let record = [5, 0, 1, 15, 16, 0xfe, b'a', 9, 9];
        assert_eq!(record_column(&record, 0), Some(Value::Null));
        assert_eq!(record_column(&record, 1), Some(Value::Integer(-2)));
        assert_eq!(record_column(&record, 2), Some(Value::Text(b"a")));
        assert_eq!(record_column(&record, 3), Some(Value::Blob(&[9, 9])));
        assert_eq!(record_column(&record, 4), None);
        assert_eq!(record_column(&record[..7], 3), None);
    }
}
