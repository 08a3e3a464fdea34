//! rpm's own "ndb" backend (`Packages.db`, SUSE since SLE 15 SP3 and
//! openSUSE): a 32-byte file header and slot pages at the front, each 16-byte
//! slot naming a package index and the 16-byte blocks its blob occupies; each
//! blob is framed by a head (magic, package index, timestamp, length) and a
//! tail (Adler-32, length, magic). Everything is little-endian.
//!
//! Every slot and blob frame is checked the way rpm checks it when reading
//! (magics, package index, block count, Adler-32), but where rpm refuses the
//! whole database for one bad slot, a bad slot here is a problem reported for
//! that record while the others are still read.
//!
//! Deliberately not handled: the index files beside it (`Index.db`), and
//! LZO-compressed blobs (a compile-time rpm option no distribution enables).

use super::{CorruptDatabase, DatabaseRecords, ReadBudget};

const FILE_MAGIC: &[u8; 4] = b"RpmP";
const SUPPORTED_VERSION: u32 = 0;
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8; 4] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";
const FILE_HEADER_LENGTH: usize = 32;
const SLOT_LENGTH: usize = 16;
const BLOCK_LENGTH: usize = 16;
const SLOT_PAGE_LENGTH: usize = 4096;
const BLOB_HEAD_LENGTH: usize = 16;
const BLOB_TAIL_LENGTH: usize = 12;
/// A blob larger than this is not an rpm header (whose cap is 64 MiB).
const MAXIMUM_BLOB_LENGTH: usize = 64 * 1024 * 1024 + 1024;

/// Whether the bytes start with the ndb package database magic.
pub(crate) fn is_ndb(contents: &[u8]) -> bool {
    contents.starts_with(FILE_MAGIC)
}

struct Slot {
    package_index: u32,
    block_offset: u32,
    block_count: u32,
}

/// Every blob a slot points at, in the order of their place in the file (as
/// `rpm -qa` lists them).
pub(crate) fn read_header_blobs(contents: &[u8]) -> Result<DatabaseRecords, CorruptDatabase> {
    if contents.len() < FILE_HEADER_LENGTH || !is_ndb(contents) {
        return Err(CorruptDatabase("not an rpm ndb database (bad magic or shorter than its header)".to_owned()));
    }
    let version = read_u32_le(contents, 4).unwrap_or(u32::MAX);
    if version != SUPPORTED_VERSION {
        return Err(CorruptDatabase(format!("unsupported ndb version {version}")));
    }
    let slot_page_count = read_u32_le(contents, 12).and_then(|count| usize::try_from(count).ok()).unwrap_or(0);
    let slot_area_length = slot_page_count
        .checked_mul(SLOT_PAGE_LENGTH)
        .filter(|length| *length > 0 && *length <= contents.len())
        .ok_or_else(|| {
            CorruptDatabase(format!("{slot_page_count} slot pages do not fit in the file's {} bytes", contents.len()))
        })?;
    let slot_area = contents.get(FILE_HEADER_LENGTH..slot_area_length).unwrap_or_default();
    let mut slots = Vec::new();
    for (slot_number, slot) in slot_area.chunks_exact(SLOT_LENGTH).enumerate() {
        if slot.get(..4) != Some(SLOT_MAGIC.as_slice()) {
            return Err(CorruptDatabase(format!("slot {slot_number} has a bad magic")));
        }
        let block_offset = read_u32_le(slot, 8).unwrap_or(0);
        // rpm marks a free slot by a zero block offset.
        if block_offset != 0 {
            slots.push(Slot {
                package_index: read_u32_le(slot, 4).unwrap_or(0),
                block_offset,
                block_count: read_u32_le(slot, 12).unwrap_or(0),
            });
        }
    }
    slots.sort_by_key(|slot| slot.block_offset);
    let mut records = DatabaseRecords::default();
    let mut budget = ReadBudget::for_file(contents);
    for slot in &slots {
        let blob = read_blob(contents, slot, slot_area_length / BLOCK_LENGTH)
            .and_then(|blob| budget.take(blob.len()).map(|()| blob));
        match blob {
            Ok(blob) => records.blobs.push(blob.to_vec()),
            Err(message) => records.problems.push(format!("package index {}: {message}", slot.package_index)),
        }
    }
    Ok(records)
}

fn read_blob<'file>(contents: &'file [u8], slot: &Slot, first_data_block: usize) -> Result<&'file [u8], String> {
    let block_offset = usize::try_from(slot.block_offset).map_err(|_| "block offset overflows")?;
    let block_count = usize::try_from(slot.block_count).map_err(|_| "block count overflows")?;
    if slot.package_index == 0 || block_count == 0 || block_offset < first_data_block {
        return Err(format!(
            "slot is invalid (package index {}, block offset {block_offset}, block count {block_count})",
            slot.package_index
        ));
    }
    let start = block_offset.checked_mul(BLOCK_LENGTH).ok_or("block offset overflows")?;
    let length = block_count.checked_mul(BLOCK_LENGTH).ok_or("block count overflows")?;
    let end = start.checked_add(length).ok_or("blob end overflows")?;
    let framed = contents
        .get(start..end)
        .ok_or_else(|| format!("blob at bytes {start}..{end} runs past the end of the {}-byte file", contents.len()))?;
    if framed.get(..4) != Some(BLOB_HEAD_MAGIC.as_slice()) {
        return Err(format!("blob at byte {start} has a bad head magic"));
    }
    if read_u32_le(framed, 4) != Some(slot.package_index) {
        return Err(format!("blob at byte {start} belongs to another package index"));
    }
    let blob_length = read_u32_le(framed, 12).and_then(|length| usize::try_from(length).ok()).unwrap_or(usize::MAX);
    if blob_length > MAXIMUM_BLOB_LENGTH {
        return Err(format!("blob of {blob_length} bytes exceeds the {MAXIMUM_BLOB_LENGTH}-byte limit"));
    }
    let expected_blocks = (BLOB_HEAD_LENGTH + blob_length + BLOB_TAIL_LENGTH).div_ceil(BLOCK_LENGTH);
    if expected_blocks != block_count {
        return Err(format!("blob of {blob_length} bytes does not fill its {block_count} blocks"));
    }
    let tail_start = length - BLOB_TAIL_LENGTH;
    let (Some(checksummed), Some(tail)) = (framed.get(..tail_start), framed.get(tail_start..)) else {
        return Err("blob frame is truncated".to_owned());
    };
    if tail.get(8..12) != Some(BLOB_TAIL_MAGIC.as_slice()) || read_u32_le(tail, 4) != u32::try_from(blob_length).ok() {
        return Err(format!("blob at byte {start} has a bad tail"));
    }
    // The checksum covers the head, the blob and the padding before the tail.
    if read_u32_le(tail, 0) != Some(adler32(checksummed)) {
        return Err(format!("blob at byte {start} fails its Adler-32 check"));
    }
    framed.get(BLOB_HEAD_LENGTH..BLOB_HEAD_LENGTH + blob_length).ok_or_else(|| "blob runs past its frame".to_owned())
}

/// Adler-32 (RFC 1950), as rpm computes it over each blob frame.
fn adler32(bytes: &[u8]) -> u32 {
    const MODULUS: u32 = 65521;
    // 5552 bytes is the most that can be summed before a u32 can overflow.
    let (mut low, mut high) = (1_u32, 0_u32);
    for chunk in bytes.chunks(5552) {
        for byte in chunk {
            low += u32::from(*byte);
            high += low;
        }
        low %= MODULUS;
        high %= MODULUS;
    }
    (high << 16) | low
}

fn read_u32_le(bytes: &[u8], offset: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(offset..offset.checked_add(4)?)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the checksum matches RFC 1950's published value for "Wikipedia".
    #[test]
    fn adler32_known_value() {
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(&[0xff; 20000]), {
            let (mut low, mut high) = (1_u64, 0_u64);
            for _ in 0..20000 {
                low = (low + 255) % 65521;
                high = (high + low) % 65521;
            }
            u32::try_from((high << 16) | low).unwrap()
        });
    }
}
