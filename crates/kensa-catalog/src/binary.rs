//! A cheap look at executables before reading them whole.
//!
//! A root filesystem holds hundreds of executables and shared libraries, and
//! almost none are Go programs or cargo-auditable builds. Reading each one in
//! full to find out cost more than everything else a scan does, so the binary
//! catalogers first read an ELF file's section table (a few kilobytes at the
//! end of the file) and ask for the whole file only when a section they need is
//! there. Formats this module does not parse (PE, Mach-O) are always read whole:
//! they are rare on the systems Kensa scans, and the catalogers handle them.

use kensa_fs::{FileEntry, FileSystem};

/// The largest section header table or name table read (bytes): real ones are
/// a few kilobytes; a larger value means a damaged file, which is then read
/// whole and left to the full parser to judge.
const TABLE_LIMIT: u64 = 4 * 1024 * 1024;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// Not an executable format at all (a script, a text file).
    NotExecutable,
    /// An ELF file, with its section names (empty when the table is absent).
    Elf(Vec<String>),
    /// PE, Mach-O, or an ELF whose section table could not be read.
    ReadWhole,
}

/// Looks at a file's magic and, for ELF, its section names.
pub(crate) fn sniff_executable(filesystem: &dyn FileSystem, entry: &FileEntry) -> Sniffed {
    let Ok(header) = filesystem.read_range(&entry.path, 0, 64) else { return Sniffed::ReadWhole };
    let magic = header.get(..4).unwrap_or_default();
    let is_pe = header.starts_with(b"MZ");
    let is_mach_o =
        matches!(magic, [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] | [0xca, 0xfe, 0xba, 0xbe]);
    if is_pe || is_mach_o {
        return Sniffed::ReadWhole;
    }
    if magic != b"\x7fELF" {
        return Sniffed::NotExecutable;
    }
    elf_section_names(filesystem, entry, &header).map_or(Sniffed::ReadWhole, Sniffed::Elf)
}

fn elf_section_names(filesystem: &dyn FileSystem, entry: &FileEntry, header: &[u8]) -> Option<Vec<String>> {
    let is_64 = match header.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let little_endian = match header.get(5)? {
        1 => true,
        2 => false,
        _ => return None,
    };
    let read_u16 = |bytes: &[u8], at: usize| -> Option<u64> {
        let raw: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
        Some(u64::from(if little_endian { u16::from_le_bytes(raw) } else { u16::from_be_bytes(raw) }))
    };
    let read_u32 = |bytes: &[u8], at: usize| -> Option<u64> {
        let raw: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(u64::from(if little_endian { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) }))
    };
    let read_u64 = |bytes: &[u8], at: usize| -> Option<u64> {
        let raw: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
        Some(if little_endian { u64::from_le_bytes(raw) } else { u64::from_be_bytes(raw) })
    };
    let read_word =
        |bytes: &[u8], at32: usize, at64: usize| if is_64 { read_u64(bytes, at64) } else { read_u32(bytes, at32) };
    // ELF header fields: e_shoff, e_shentsize, e_shnum, e_shstrndx.
    let table_offset = read_word(header, 0x20, 0x28)?;
    let entry_size = read_u16(header, if is_64 { 0x3a } else { 0x2e })?;
    let count = read_u16(header, if is_64 { 0x3c } else { 0x30 })?;
    let names_index = read_u16(header, if is_64 { 0x3e } else { 0x32 })?;
    if table_offset == 0 || count == 0 {
        return Some(Vec::new());
    }
    let table_length = entry_size.checked_mul(count)?;
    if entry_size < if is_64 { 64 } else { 40 } || table_length > TABLE_LIMIT || table_offset >= entry.size {
        return None;
    }
    let table = filesystem.read_range(&entry.path, table_offset, table_length).ok()?;
    let section = |index: u64| -> Option<(u64, u64, u64)> {
        let start = usize::try_from(index.checked_mul(entry_size)?).ok()?;
        let name = read_u32(&table, start)?;
        let (offset, size) = if is_64 {
            (read_u64(&table, start + 0x18)?, read_u64(&table, start + 0x20)?)
        } else {
            (read_u32(&table, start + 0x10)?, read_u32(&table, start + 0x14)?)
        };
        Some((name, offset, size))
    };
    let (_, names_offset, names_size) = section(names_index)?;
    if names_size > TABLE_LIMIT {
        return None;
    }
    let names = filesystem.read_range(&entry.path, names_offset, names_size).ok()?;
    let mut section_names = Vec::new();
    for index in 0..count {
        let (name_offset, _, _) = section(index)?;
        let name_start = usize::try_from(name_offset).ok()?;
        let name_bytes = names.get(name_start..)?;
        let end = name_bytes.iter().position(|byte| *byte == 0).unwrap_or(name_bytes.len());
        section_names.push(String::from_utf8_lossy(name_bytes.get(..end)?).into_owned());
    }
    Some(section_names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real binaries on this machine: the test runner itself is an ELF with
    /// a section table; a shell script is not an executable format.
    #[test]
    fn sniffs_real_files() {
        let executable = std::env::current_exe().unwrap();
        let directory = executable.parent().unwrap();
        let filesystem = kensa_fs::DirectoryFileSystem::new(directory).unwrap();
        let name = executable.file_name().unwrap().to_str().unwrap();
        let entry = filesystem.entry(name).unwrap();
        match sniff_executable(&filesystem, &entry) {
            Sniffed::Elf(names) => assert!(names.iter().any(|name| name == ".text"), "{names:?}"),
            other => panic!("expected ELF sections, got {other:?}"),
        }
        let scripts = tempfile::tempdir().unwrap();
        std::fs::write(scripts.path().join("script"), "#!/bin/sh\necho hello, this is long enough to be considered\n")
            .unwrap();
        let filesystem = kensa_fs::DirectoryFileSystem::new(scripts.path()).unwrap();
        let entry = filesystem.entry("script").unwrap();
        assert_eq!(sniff_executable(&filesystem, &entry), Sniffed::NotExecutable);
    }

    /// A truncated or lying ELF header never panics; it is read whole for the
    /// full parser to judge.
    #[test]
    fn damaged_headers_are_read_whole() {
        let directory = tempfile::tempdir().unwrap();
        let mut header = b"\x7fELF\x02\x01\x01".to_vec();
        header.resize(64, 0xff);
        std::fs::write(directory.path().join("damaged"), &header).unwrap();
        std::fs::write(directory.path().join("short"), b"\x7fELF\x02").unwrap();
        let filesystem = kensa_fs::DirectoryFileSystem::new(directory.path()).unwrap();
        for name in ["damaged", "short"] {
            let entry = filesystem.entry(name).unwrap();
            assert_eq!(sniff_executable(&filesystem, &entry), Sniffed::ReadWhole, "{name}");
        }
    }
}
