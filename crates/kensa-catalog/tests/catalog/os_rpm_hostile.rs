//! The `rpm-db` cataloger on corrupt and hostile databases, made in the test
//! by damaging the real fixtures in memory: every outcome is a result naming
//! the file (an error, or diagnostics while the rest is read), never a panic,
//! an endless loop or an allocation sized by a lying length field.

#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr, clippy::indexing_slicing)]

use crate::rpm_support as support;

use std::path::Path;

use kensa_catalog::Found;
use support::{RPMDB, catalog_at, fixture_path};

const DATABASE_PATH: &str = "var/lib/rpm/Packages";

fn fixture(relative_path: &str) -> Vec<u8> {
    std::fs::read(fixture_path(relative_path)).unwrap()
}

/// Catalogs `contents`; an error must name the file, diagnostics must be
/// located at it. Returns the found packages, or the error message.
fn catalog(contents: &[u8]) -> Result<Found, String> {
    match catalog_at(Path::new(RPMDB), DATABASE_PATH, contents, None) {
        Ok(found) => {
            for diagnostic in &found.diagnostics {
                assert_eq!(diagnostic.path, DATABASE_PATH);
            }
            Ok(found)
        }
        Err(error) => {
            let message = error.to_string();
            assert!(message.contains(DATABASE_PATH), "{message}");
            Err(message)
        }
    }
}

fn diagnostics_text(found: &Found) -> String {
    found.diagnostics.iter().map(|diagnostic| diagnostic.message.as_str()).collect::<Vec<_>>().join("\n")
}

const FIXTURES: [&str; 5] = [
    "go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite",
    "go-rpmdb/libuuid/Packages",
    "syft/Packages",
    "osv-scalibr/Packages_epoch",
    "go-rpmdb/sle15-bci/Packages.db",
];

// Proves a database cut short anywhere (inside the file header, on a page
// boundary, in the middle of a page) is an error or diagnostics naming the
// file, never a panic, and never more packages than the whole file holds;
// cut in half it is never silently accepted.
#[test]
fn truncated_databases_fail_cleanly() {
    for relative_path in FIXTURES {
        let contents = fixture(relative_path);
        let whole = catalog(&contents).unwrap().packages.len();
        let mut cuts = vec![0, 1, 8, 15, 16, 31, 32, 99, 100, 511, 4095, 4096, 4097, contents.len() - 1];
        cuts.extend((1..16).map(|sixteenth| contents.len() * sixteenth / 16));
        for cut in cuts.into_iter().filter(|cut| *cut < contents.len()) {
            // An error is fine (its message names the file, checked by `catalog`).
            if let Ok(found) = catalog(&contents[..cut]) {
                assert!(found.packages.len() <= whole, "{relative_path} cut at {cut}");
            }
        }
        match catalog(&contents[..contents.len() / 2]) {
            Ok(found) => assert!(!found.diagnostics.is_empty(), "{relative_path} cut in half gave no diagnostic"),
            Err(message) => eprintln!("{relative_path} cut in half: {message}"),
        }
    }
}

// Proves input in none of the three formats is refused with a message saying so.
#[test]
fn unknown_formats_are_refused() {
    for contents in [&b""[..], b"not a database at all", &[0_u8; 8192]] {
        let message = catalog(contents).unwrap_err();
        assert!(message.contains("not an SQLite, Berkeley DB hash or ndb rpm database"), "{message}");
    }
}

const PAGE_TYPE_OVERFLOW: u8 = 7;
const PAGE_TYPE_HASH: u8 = 13;

fn berkeley_page_size(contents: &[u8]) -> usize {
    u32::from_le_bytes(contents[20..24].try_into().unwrap()) as usize
}

// Proves an overflow chain that loops back on itself ends with a diagnostic
// instead of looping or growing without bound.
#[test]
fn looping_berkeley_overflow_chain_is_a_diagnostic() {
    let mut contents = fixture("go-rpmdb/libuuid/Packages");
    let page_size = berkeley_page_size(&contents);
    let mut looped = 0;
    for (number, page) in contents.chunks_exact_mut(page_size).enumerate() {
        if page[25] == PAGE_TYPE_OVERFLOW {
            page[16..20].copy_from_slice(&(number as u32).to_le_bytes());
            looped += 1;
        }
    }
    assert!(looped > 1, "the fixture's header spans several overflow pages");
    let found = catalog(&contents).unwrap();
    assert_eq!(found.packages, []);
    assert!(diagnostics_text(&found).contains("reached twice (a loop)"), "{:?}", found.diagnostics);
}

/// The offset of the first off-page item on the first hash page.
fn first_off_page_item(contents: &[u8]) -> usize {
    let page_size = berkeley_page_size(contents);
    for (number, page) in contents.chunks_exact(page_size).enumerate().skip(1) {
        if page[25] != PAGE_TYPE_HASH {
            continue;
        }
        let entries = u16::from_le_bytes(page[20..22].try_into().unwrap()) as usize;
        for index in 0..entries {
            let item = u16::from_le_bytes(page[26 + 2 * index..28 + 2 * index].try_into().unwrap()) as usize;
            if page[item] == 3 {
                return number * page_size + item;
            }
        }
    }
    panic!("no off-page item");
}

// Proves an off-page value claiming 4 GiB is refused before anything is
// allocated for it, and one pointing past the end of the file is reported.
#[test]
fn lying_berkeley_value_lengths_are_diagnostics() {
    let original = fixture("go-rpmdb/libuuid/Packages");
    let item = first_off_page_item(&original);

    let mut huge = original.clone();
    huge[item + 8..item + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let found = catalog(&huge).unwrap();
    assert!(diagnostics_text(&found).contains("exceeds the"), "{:?}", found.diagnostics);

    let mut past_end = original.clone();
    past_end[item + 4..item + 8].copy_from_slice(&1_000_000_u32.to_le_bytes());
    let found = catalog(&past_end).unwrap();
    assert!(diagnostics_text(&found).contains("outside the file"), "{:?}", found.diagnostics);
}

const NDB_SLOTS_START: usize = 32;

fn ndb_slot_block_offset(contents: &[u8], slot: usize) -> usize {
    let at = NDB_SLOTS_START + 16 * slot;
    u32::from_le_bytes(contents[at + 8..at + 12].try_into().unwrap()) as usize
}

// Proves an ndb slot pointing past the end of the file is a diagnostic for
// that package while every other package is still read.
#[test]
fn ndb_slot_past_end_of_file_is_a_diagnostic() {
    let mut contents = fixture("go-rpmdb/sle15-bci/Packages.db");
    let whole = catalog(&contents).unwrap().packages.len();
    let at = NDB_SLOTS_START + 8;
    contents[at..at + 4].copy_from_slice(&0x0fff_ffff_u32.to_le_bytes());
    let found = catalog(&contents).unwrap();
    assert_eq!(found.packages.len(), whole - 1);
    assert!(diagnostics_text(&found).contains("runs past the end"), "{:?}", found.diagnostics);
}

// Proves an ndb file whose header claims more slot pages than it holds is
// refused as a whole.
#[test]
fn ndb_with_too_many_slot_pages_is_refused() {
    let mut contents = fixture("go-rpmdb/sle15-bci/Packages.db");
    contents[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    let message = catalog(&contents).unwrap_err();
    assert!(message.contains("slot pages do not fit"), "{message}");
}

/// Adler-32 as rpm computes it over a blob frame, written out plainly.
fn adler32(bytes: &[u8]) -> u32 {
    let (mut low, mut high) = (1_u32, 0_u32);
    for byte in bytes {
        low = (low + u32::from(*byte)) % 65521;
        high = (high + low) % 65521;
    }
    (high << 16) | low
}

// Proves a header declaring 4 billion index entries (with its blob checksum
// made valid again, so only the header is wrong) is a diagnostic naming the
// limit, and the other packages are still read.
#[test]
fn header_with_a_huge_entry_count_is_a_diagnostic() {
    let mut contents = fixture("go-rpmdb/sle15-bci/Packages.db");
    let whole = catalog(&contents).unwrap().packages.len();
    let start = ndb_slot_block_offset(&contents, 0) * 16;
    let blob_length = u32::from_le_bytes(contents[start + 12..start + 16].try_into().unwrap()) as usize;
    contents[start + 16..start + 20].copy_from_slice(&u32::MAX.to_be_bytes());
    let frame_length = (16 + blob_length + 12).div_ceil(16) * 16;
    let tail = start + frame_length - 12;
    let checksum = adler32(&contents[start..tail]);
    contents[tail..tail + 4].copy_from_slice(&checksum.to_le_bytes());
    let found = catalog(&contents).unwrap();
    assert_eq!(found.packages.len(), whole - 1);
    assert!(diagnostics_text(&found).contains("more than rpm's limit"), "{:?}", found.diagnostics);
}

// Proves a flipped byte inside an ndb blob is caught by its checksum.
#[test]
fn ndb_checksum_mismatch_is_a_diagnostic() {
    let mut contents = fixture("go-rpmdb/sle15-bci/Packages.db");
    let start = ndb_slot_block_offset(&contents, 3) * 16;
    contents[start + 100] ^= 0xff;
    let found = catalog(&contents).unwrap();
    assert!(diagnostics_text(&found).contains("Adler-32"), "{:?}", found.diagnostics);
}

// Proves a table B-tree page that points back at itself ends the walk with a
// clear message instead of looping.
#[test]
fn sqlite_page_cycle_is_reported() {
    let mut contents = fixture("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
    let page_size = usize::from(u16::from_be_bytes(contents[16..18].try_into().unwrap()));
    let mut interior_pages = 0;
    for (index, page) in contents.chunks_exact_mut(page_size).enumerate().skip(1) {
        if page[0] == 0x05 {
            page[8..12].copy_from_slice(&(index as u32 + 1).to_be_bytes());
            interior_pages += 1;
        }
    }
    assert!(interior_pages > 0, "the fixture's table spans several levels");
    let text = match catalog(&contents) {
        Ok(found) => diagnostics_text(&found),
        Err(message) => message,
    };
    assert!(text.contains("reached twice"), "{text}");
}

// Proves a row whose overflow chain points past the end of the file is a
// diagnostic for that row while the other rows are still read.
#[test]
fn sqlite_overflow_pointer_past_end_is_a_diagnostic() {
    let original = fixture("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
    let whole = catalog(&original).unwrap().packages.len();
    let page_size = usize::from(u16::from_be_bytes(original[16..18].try_into().unwrap()));
    // Overflow pages are the ones no B-tree page type byte fits; point the
    // first one's next-page link far past the end.
    let mut contents = original.clone();
    let overflow_page = contents
        .chunks_exact(page_size)
        .enumerate()
        .skip(1)
        .find(|(_, page)| page[0..4] != [0, 0, 0, 0] && ![0x02, 0x05, 0x0a, 0x0d].contains(&page[0]))
        .map(|(index, _)| index)
        .unwrap();
    let at = overflow_page * page_size;
    contents[at..at + 4].copy_from_slice(&0x7fff_ffff_u32.to_be_bytes());
    let found = catalog(&contents).unwrap();
    let text = diagnostics_text(&found);
    assert!(text.contains("outside the file"), "{text}");
    assert!(found.packages.len() < whole && found.packages.len() >= whole - 2, "{}", found.packages.len());
}

// Proves a damaged blob in an SQLite row is a diagnostic for that package
// only: the header's data length is made to exceed the 64 MiB cap. Every
// header blob starts with the region tag entry 0000003f 00000007 after its
// data length; some matches are stale copies on free pages, so each of the
// first 24 is damaged in turn and every outcome must be clean.
#[test]
fn sqlite_row_with_a_bad_header_is_a_diagnostic() {
    let original = fixture("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
    let whole = catalog(&original).unwrap().packages.len();
    let region_entry = [0, 0, 0, 0x3f, 0, 0, 0, 7];
    let mut damaged_live_rows = 0;
    for at in original.windows(8).enumerate().filter(|(_, window)| *window == region_entry).map(|(at, _)| at).take(24) {
        let mut contents = original.clone();
        contents[at - 4..at].copy_from_slice(&0x7fff_ffff_u32.to_be_bytes());
        let found = catalog(&contents).unwrap();
        if found.packages.len() == whole - 1 {
            assert!(diagnostics_text(&found).contains("more than the 67108864-byte limit"), "{:?}", found.diagnostics);
            damaged_live_rows += 1;
        } else {
            assert_eq!(found.packages.len(), whole, "damage at {at}");
        }
    }
    assert!(damaged_live_rows >= 12, "only {damaged_live_rows} of 24 damaged blobs were live rows");
}

// Proves records that overlap cannot multiply a small file into a large
// read: every ndb slot is aimed at the same blob, and reading stops with a
// diagnostic once the copies would exceed the file's own size.
#[test]
fn overlapping_records_are_bounded_by_the_file_size() {
    let mut contents = fixture("go-rpmdb/sle15-bci/Packages.db");
    let slot_pages = u32::from_le_bytes(contents[12..16].try_into().unwrap()) as usize;
    let slot_count = (slot_pages * 4096 - NDB_SLOTS_START) / 16;
    let used_slots = (0..slot_count).filter(|slot| ndb_slot_block_offset(&contents, *slot) != 0);
    let largest = used_slots.max_by_key(|slot| ndb_blob_length(&contents, *slot)).unwrap();
    let largest_slot: [u8; 16] =
        contents[NDB_SLOTS_START + 16 * largest..NDB_SLOTS_START + 16 * largest + 16].try_into().unwrap();
    let blob_length = ndb_blob_length(&contents, largest);
    assert!(blob_length * slot_count > contents.len(), "the copies would exceed the file");
    for slot in 0..slot_count {
        let at = NDB_SLOTS_START + 16 * slot;
        contents[at..at + 16].copy_from_slice(&largest_slot);
    }
    let found = catalog(&contents).unwrap();
    let copies = found.packages.len();
    assert!(copies > 1 && copies < slot_count, "{copies} of {slot_count}");
    let total = copies * blob_length;
    assert!(total <= contents.len(), "{total} bytes read from a {}-byte file", contents.len());
    assert!(diagnostics_text(&found).contains("records overlap"), "{:?}", found.diagnostics);
}

fn ndb_blob_length(contents: &[u8], slot: usize) -> usize {
    let start = ndb_slot_block_offset(contents, slot) * 16;
    u32::from_le_bytes(contents[start + 12..start + 16].try_into().unwrap()) as usize
}
