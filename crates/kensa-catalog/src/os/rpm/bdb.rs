//! rpm's Berkeley DB backend (`Packages`, rpm < 4.16 and RHEL/CentOS 7–8,
//! SLES < 15 SP3): a Berkeley DB hash database whose keys are 4-byte header
//! numbers and whose values are header blobs.
//!
//! Rather than following the hash buckets, every page of the file is visited
//! once in order: each key/value pair sits on exactly one hash page, so the
//! linear pass sees each record once without trusting bucket links. Values
//! larger than a page live on chains of overflow pages, which are followed
//! with a page-visited map, so a chain that loops or two records sharing a page
//! become a problem rather than an endless loop. Databases written on big- and
//! little-endian machines are both read (the metadata page's magic tells which).
//!
//! Deliberately not handled: B-tree databases (rpm never used them for
//! `Packages`), encrypted or checksummed files (rpm never enables either; they
//! are refused with a clear error), the index databases (`Name`, `Basenames`…),
//! and the transaction log in `__db.*`.

use super::{CorruptDatabase, DatabaseRecords, ReadBudget};

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER_LENGTH: usize = 26;
const PAGE_TYPE_HASH_UNSORTED: u8 = 2;
const PAGE_TYPE_OVERFLOW: u8 = 7;
const PAGE_TYPE_HASH_METADATA: u8 = 8;
const PAGE_TYPE_HASH: u8 = 13;
const ITEM_KEY_DATA: u8 = 1;
const ITEM_OFF_PAGE: u8 = 3;
const METADATA_FLAG_CHECKSUM: u8 = 0x01;
/// A value larger than this is not an rpm header (whose cap is 64 MiB).
const MAXIMUM_VALUE_LENGTH: u32 = 64 * 1024 * 1024 + 1024;

/// Whether the bytes start with a Berkeley DB hash metadata page.
pub(crate) fn is_berkeley_hash(contents: &[u8]) -> bool {
    ByteOrder::of_magic(contents).is_some()
}

#[derive(Clone, Copy)]
enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    fn of_magic(contents: &[u8]) -> Option<ByteOrder> {
        let magic: [u8; 4] = contents.get(12..16)?.try_into().ok()?;
        if u32::from_le_bytes(magic) == HASH_MAGIC {
            Some(ByteOrder::Little)
        } else if u32::from_be_bytes(magic) == HASH_MAGIC {
            Some(ByteOrder::Big)
        } else {
            None
        }
    }

    fn u16_at(self, bytes: &[u8], offset: usize) -> Option<u16> {
        let raw: [u8; 2] = bytes.get(offset..offset.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            ByteOrder::Little => u16::from_le_bytes(raw),
            ByteOrder::Big => u16::from_be_bytes(raw),
        })
    }

    fn u32_at(self, bytes: &[u8], offset: usize) -> Option<u32> {
        let raw: [u8; 4] = bytes.get(offset..offset.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            ByteOrder::Little => u32::from_le_bytes(raw),
            ByteOrder::Big => u32::from_be_bytes(raw),
        })
    }
}

struct Database<'file> {
    contents: &'file [u8],
    order: ByteOrder,
    page_size: usize,
    page_count: u32,
    /// Overflow pages already used by a value.
    claimed: Vec<bool>,
    budget: ReadBudget,
}

/// Every header blob stored as a value, in page order.
pub(crate) fn read_header_blobs(contents: &[u8]) -> Result<DatabaseRecords, CorruptDatabase> {
    let mut database = Database::open(contents)?;
    let mut records = DatabaseRecords::default();
    let last_page = database.order.u32_at(contents, 32).unwrap_or(0);
    if !contents.len().is_multiple_of(database.page_size) || last_page >= database.page_count {
        records.problems.push(format!(
            "the file is truncated: its metadata names {} pages of {} bytes, but it holds {} bytes",
            u64::from(last_page) + 1,
            database.page_size,
            contents.len()
        ));
    }
    for number in 1..database.page_count {
        let Some(page) = database.page(number) else { break };
        if matches!(page.get(25), Some(&(PAGE_TYPE_HASH | PAGE_TYPE_HASH_UNSORTED))) {
            database.read_hash_page(number, page, &mut records);
        }
    }
    Ok(records)
}

impl<'file> Database<'file> {
    fn open(contents: &'file [u8]) -> Result<Database<'file>, CorruptDatabase> {
        let order = ByteOrder::of_magic(contents)
            .ok_or_else(|| CorruptDatabase("not a Berkeley DB hash database (bad magic)".to_owned()))?;
        let page_type = contents.get(25).copied();
        if page_type != Some(PAGE_TYPE_HASH_METADATA) {
            return Err(CorruptDatabase(format!("first page has type {page_type:?}, not hash metadata")));
        }
        if contents.get(24).is_some_and(|algorithm| *algorithm != 0) {
            return Err(CorruptDatabase("the database is encrypted".to_owned()));
        }
        if contents.get(26).is_some_and(|flags| flags & METADATA_FLAG_CHECKSUM != 0) {
            return Err(CorruptDatabase("checksummed pages are not supported".to_owned()));
        }
        let page_size = order.u32_at(contents, 20).and_then(|size| usize::try_from(size).ok()).unwrap_or(0);
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(CorruptDatabase(format!("invalid page size {page_size}")));
        }
        // The file's length bounds every page number, whatever the metadata says.
        let page_count = u32::try_from(contents.len() / page_size).unwrap_or(u32::MAX);
        let claimed = vec![false; usize::try_from(page_count).unwrap_or(0)];
        Ok(Database { contents, order, page_size, page_count, claimed, budget: ReadBudget::for_file(contents) })
    }

    fn page(&self, number: u32) -> Option<&'file [u8]> {
        let start = usize::try_from(number).ok()?.checked_mul(self.page_size)?;
        self.contents.get(start..start.checked_add(self.page_size)?)
    }

    fn read_hash_page(&mut self, number: u32, page: &[u8], records: &mut DatabaseRecords) {
        let entries = usize::from(self.order.u16_at(page, 20).unwrap_or(0));
        // Items are packed from the end of the page downwards: item i ends
        // where item i-1 starts (item 0 ends at the page end).
        let mut item_starts = Vec::with_capacity(entries.min(self.page_size / 2));
        for index in 0..entries {
            match self.order.u16_at(page, PAGE_HEADER_LENGTH + 2 * index) {
                Some(start) => item_starts.push(usize::from(start)),
                None => {
                    records.problems.push(format!("hash page {number}: item index runs past the page"));
                    return;
                }
            }
        }
        let item = |index: usize| -> Option<&[u8]> {
            let start = *item_starts.get(index)?;
            let end = if index == 0 { page.len() } else { *item_starts.get(index - 1)? };
            page.get(start..end)
        };
        for pair in 0..entries / 2 {
            let (key, value) = (item(2 * pair), item(2 * pair + 1));
            if key.is_some_and(|key| self.is_instance_counter(key)) {
                continue;
            }
            match value.ok_or_else(|| "item bounds are outside the page".to_owned()).and_then(|value| self.value(value))
            {
                Ok(blob) => records.blobs.push(blob),
                Err(message) => records.problems.push(format!("hash page {number}, record {pair}: {message}")),
            }
        }
    }

    /// rpm keeps the next header number under key 0; it is not a package.
    fn is_instance_counter(&self, key: &[u8]) -> bool {
        match key.split_first() {
            Some((&ITEM_KEY_DATA, bytes)) => bytes.len() == 4 && bytes.iter().all(|byte| *byte == 0),
            _ => false,
        }
    }

    fn value(&mut self, item: &[u8]) -> Result<Vec<u8>, String> {
        match item.split_first() {
            Some((&ITEM_KEY_DATA, bytes)) => {
                self.budget.take(bytes.len())?;
                Ok(bytes.to_vec())
            }
            Some((&ITEM_OFF_PAGE, _)) => {
                let first_page = self.order.u32_at(item, 4).ok_or("off-page item is truncated")?;
                let total_length = self.order.u32_at(item, 8).ok_or("off-page item is truncated")?;
                self.overflow_chain(first_page, total_length)
            }
            Some((other, _)) => Err(format!("unsupported item type {other}")),
            None => Err("empty item".to_owned()),
        }
    }

    fn overflow_chain(&mut self, first_page: u32, total_length: u32) -> Result<Vec<u8>, String> {
        if total_length > MAXIMUM_VALUE_LENGTH {
            return Err(format!("value of {total_length} bytes exceeds the {MAXIMUM_VALUE_LENGTH}-byte limit"));
        }
        let total_length = usize::try_from(total_length).map_err(|_| "value length overflows")?;
        self.budget.take(total_length)?;
        let mut value = Vec::with_capacity(total_length.min(self.contents.len()));
        let mut next = first_page;
        while value.len() < total_length {
            if next == 0 {
                return Err(format!("overflow chain ends after {} of {total_length} bytes", value.len()));
            }
            match self.claimed.get_mut(usize::try_from(next).unwrap_or(usize::MAX)) {
                Some(claimed) if *claimed => return Err(format!("overflow page {next} is reached twice (a loop)")),
                Some(claimed) => *claimed = true,
                None => return Err(format!("overflow page {next} is outside the file's {} pages", self.page_count)),
            }
            let page = self.page(next).ok_or_else(|| format!("overflow page {next} is past the end of the file"))?;
            if page.get(25) != Some(&PAGE_TYPE_OVERFLOW) {
                return Err(format!("page {next} in an overflow chain is not an overflow page"));
            }
            let length_here = usize::from(self.order.u16_at(page, 22).unwrap_or(0));
            let data = page
                .get(PAGE_HEADER_LENGTH..PAGE_HEADER_LENGTH.saturating_add(length_here))
                .ok_or_else(|| format!("overflow page {next} claims {length_here} bytes, more than the page holds"))?;
            let wanted = (total_length - value.len()).min(data.len());
            value.extend_from_slice(data.get(..wanted).unwrap_or_default());
            next = self.order.u32_at(page, 16).unwrap_or(0);
        }
        Ok(value)
    }
}
