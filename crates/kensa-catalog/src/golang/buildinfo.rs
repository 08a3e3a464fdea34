//! Finding and decoding the build information the Go linker embeds in every
//! module-aware binary (ELF, PE, Mach-O): the toolchain version and the module
//! list that `go version -m` prints.
//!
//! The information sits behind a 32-byte header starting with
//! `\xff Go buildinf:`, 16-byte aligned, in `.go.buildinfo` (ELF),
//! `__go_buildinfo` (Mach-O) or the data section (PE). Byte 14 of the header is
//! the pointer size and byte 15 holds flags: bit 0 big-endian, bit 1 "strings
//! inline". Go 1.18 and later write the two strings inline after the header, each
//! preceded by its length as an unsigned varint; Go 1.13–1.17 write two pointers
//! to Go string headers (data pointer, length) that must be followed through the
//! executable's address space. The module text is wrapped in two 16-byte
//! sentinels that are stripped, as the go command does.
//!
//! The `object` crate locates sections and maps addresses to file bytes; when it
//! cannot parse a (truncated or unusual) file, the whole file is scanned for the
//! header and only the inline format can then be decoded.
//!
//! Not handled: binaries built in GOPATH mode (no module list: only the Go
//! version is recovered, which is still reported), and symbol-level reachability.

use object::{Object, ObjectSection};

const BUILD_INFO_MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LENGTH: usize = 32;
const FLAG_BIG_ENDIAN: u8 = 0x1;
const FLAG_VERSION_INLINE: u8 = 0x2;
/// Bounds for strings read from the binary, so a corrupt length cannot make the
/// reader allocate or copy more than a real module list could need.
const VERSION_LENGTH_LIMIT: u64 = 1024;
const MODULE_INFO_LENGTH_LIMIT: u64 = 16 * 1024 * 1024;
/// Sections the Go linker puts the header in, by object format.
const BUILD_INFO_SECTIONS: &[&str] = &[".go.buildinfo", "__go_buildinfo", ".data", "__data"];

/// The two strings of a Go binary's build information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildInfo {
    /// The toolchain version as Go writes it (`go1.21.5`).
    pub(crate) go_version: String,
    /// The module list (`path`, `mod`, `dep`, `=>`, `build` lines), sentinels
    /// stripped; empty for GOPATH-mode builds.
    pub(crate) module_info: String,
}

/// Does `contents` start like an executable image this module can read?
pub(crate) fn is_executable_image(contents: &[u8]) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"\x7fELF",
        b"MZ",
        b"\xfe\xed\xfa\xce",
        b"\xce\xfa\xed\xfe",
        b"\xfe\xed\xfa\xcf",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ];
    MAGICS.iter().any(|magic| contents.starts_with(magic))
}

/// Reads the build information of a Go executable. `Ok(None)` when the file is
/// not an executable or carries no Go build information; `Err` with a message
/// when the header is there but what it points to is not.
pub(crate) fn read_build_info(contents: &[u8]) -> Result<Option<BuildInfo>, String> {
    if !is_executable_image(contents) {
        return Ok(None);
    }
    let parsed = object::File::parse(contents).ok();
    // The whole-file search is only a fallback for executables whose section
    // table cannot be read (stripped or damaged): a well-formed ELF, PE or
    // Mach-O without the header in its data sections is simply not a Go
    // program, and searching every byte of every system binary for it was the
    // largest cost of scanning a root filesystem.
    let header_offset = match parsed.as_ref() {
        Some(file) => find_header_in_sections(file, contents),
        None => find_header_anywhere(contents),
    };
    let Some(header_offset) = header_offset else {
        return Ok(None);
    };
    let header = contents
        .get(header_offset..header_offset.saturating_add(HEADER_LENGTH))
        .ok_or_else(|| "the Go build-info header is cut short by the end of the file".to_owned())?;
    let pointer_size = usize::from(header.get(14).copied().unwrap_or(0));
    let flags = header.get(15).copied().unwrap_or(0);

    let (go_version, module_info) = if flags & FLAG_VERSION_INLINE != 0 {
        let after_header = contents.get(header_offset + HEADER_LENGTH..).unwrap_or_default();
        read_inline_strings(after_header)?
    } else {
        let Some(file) = parsed.as_ref() else {
            return Err("Go build info uses the pre-1.18 pointer format but the executable's sections could \
                        not be parsed to follow the pointers"
                .to_owned());
        };
        let read_memory = |address: u64, length: u64| read_at_address(file, address, length);
        read_pointer_strings(header, pointer_size, flags & FLAG_BIG_ENDIAN != 0, &read_memory)?
    };
    Ok(Some(BuildInfo {
        go_version: String::from_utf8_lossy(&go_version).into_owned(),
        module_info: String::from_utf8_lossy(strip_sentinels(&module_info)).into_owned(),
    }))
}

/// Looks for the header at 16-byte aligned addresses of the sections the linker uses.
fn find_header_in_sections(file: &object::File<'_>, contents: &[u8]) -> Option<usize> {
    for wanted in BUILD_INFO_SECTIONS {
        for section in file.sections() {
            if section.name().ok() != Some(*wanted) {
                continue;
            }
            let Some((file_offset, file_size)) = section.file_range() else {
                continue;
            };
            let start = usize::try_from(file_offset).ok()?;
            let end = start.saturating_add(usize::try_from(file_size).ok()?).min(contents.len());
            let data = contents.get(start..end)?;
            // Alignment is of the virtual address; the first aligned slot is
            // found from the section's own address.
            let misalignment = usize::try_from(section.address() % 16).ok()?;
            let first_slot = (16 - misalignment) % 16;
            let mut position = first_slot;
            while position.saturating_add(HEADER_LENGTH) <= data.len() {
                if data.get(position..).is_some_and(|rest| rest.starts_with(BUILD_INFO_MAGIC)) {
                    return Some(start + position);
                }
                position += 16;
            }
        }
    }
    None
}

/// Scans the whole file for the header, for files `object` cannot parse.
fn find_header_anywhere(contents: &[u8]) -> Option<usize> {
    memchr::memmem::find(contents, BUILD_INFO_MAGIC)
}

/// Reads an unsigned LEB128 varint; returns the value and the bytes it used.
fn read_uvarint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (index, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

/// Decodes the Go 1.18+ layout: two varint-length-prefixed strings.
fn read_inline_strings(bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (go_version, used) = read_inline_string(bytes, VERSION_LENGTH_LIMIT, "Go version")?;
    let rest = bytes.get(used..).unwrap_or_default();
    let (module_info, _) = read_inline_string(rest, MODULE_INFO_LENGTH_LIMIT, "module list")?;
    Ok((go_version, module_info))
}

fn read_inline_string(bytes: &[u8], limit: u64, what: &str) -> Result<(Vec<u8>, usize), String> {
    let (length, prefix) =
        read_uvarint(bytes).ok_or_else(|| format!("the {what} length in the Go build info is not a valid varint"))?;
    if length > limit {
        return Err(format!("the {what} in the Go build info claims {length} bytes, over the {limit}-byte limit"));
    }
    let end = usize::try_from(length).ok().and_then(|length| prefix.checked_add(length));
    let data = end
        .and_then(|end| bytes.get(prefix..end))
        .ok_or_else(|| format!("the {what} in the Go build info runs past the end of the file"))?;
    Ok((data.to_vec(), end.unwrap_or(prefix)))
}

/// Decodes the Go 1.13–1.17 layout: two pointers to Go string headers, each
/// (data pointer, length) of `pointer_size` bytes, followed through `read_memory`.
pub(crate) fn read_pointer_strings(
    header: &[u8],
    pointer_size: usize,
    big_endian: bool,
    read_memory: &dyn Fn(u64, u64) -> Option<Vec<u8>>,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    if pointer_size != 4 && pointer_size != 8 {
        return Err(format!("the Go build info declares a pointer size of {pointer_size}, expected 4 or 8"));
    }
    let read_pointer = |bytes: &[u8]| -> Option<u64> {
        let bytes = bytes.get(..pointer_size)?;
        let mut value: u64 = 0;
        for index in 0..pointer_size {
            let byte = if big_endian { bytes.get(index) } else { bytes.get(pointer_size - 1 - index) };
            value = (value << 8) | u64::from(*byte?);
        }
        Some(value)
    };
    let read_string = |header_address: u64, limit: u64, what: &str| -> Result<Vec<u8>, String> {
        let string_header = read_memory(header_address, 2 * pointer_size as u64)
            .ok_or_else(|| format!("the {what} string header at {header_address:#x} is outside the executable"))?;
        let data_address = read_pointer(&string_header).unwrap_or(0);
        let length = read_pointer(string_header.get(pointer_size..).unwrap_or_default()).unwrap_or(0);
        if length > limit {
            return Err(format!("the {what} in the Go build info claims {length} bytes, over the {limit}-byte limit"));
        }
        read_memory(data_address, length)
            .ok_or_else(|| format!("the {what} data at {data_address:#x} is outside the executable"))
    };
    let version_address =
        header.get(16..).and_then(read_pointer).ok_or_else(|| "the Go build-info header is too short".to_owned())?;
    let module_address = header
        .get(16 + pointer_size..)
        .and_then(read_pointer)
        .ok_or_else(|| "the Go build-info header is too short".to_owned())?;
    let go_version = read_string(version_address, VERSION_LENGTH_LIMIT, "Go version")?;
    let module_info = read_string(module_address, MODULE_INFO_LENGTH_LIMIT, "module list")?;
    Ok((go_version, module_info))
}

/// The bytes at a virtual address, from whichever section holds them.
fn read_at_address(file: &object::File<'_>, address: u64, length: u64) -> Option<Vec<u8>> {
    file.sections().find_map(|section| section.data_range(address, length).ok().flatten()).map(<[u8]>::to_vec)
}

/// Removes the 16-byte sentinels around the module list, by the go command's
/// rule: only when the text is long enough and a newline precedes the trailer.
fn strip_sentinels(module_info: &[u8]) -> &[u8] {
    if module_info.len() >= 33 && module_info.get(module_info.len() - 17) == Some(&b'\n') {
        module_info.get(16..module_info.len() - 16).unwrap_or(module_info)
    } else {
        module_info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pre-1.18 pointer layout, 32-bit big-endian and 64-bit little-endian:
    /// the header points at Go string headers, which point at the bytes; the
    /// module list's sentinels are stripped afterwards.
    #[test]
    fn pointer_format_follows_string_headers() {
        for (pointer_size, big_endian) in [(4usize, true), (8usize, false)] {
            let encode = |value: u64| -> Vec<u8> {
                let bytes = value.to_be_bytes();
                let mut encoded = bytes[8 - pointer_size..].to_vec();
                if !big_endian {
                    encoded.reverse();
                }
                encoded
            };
            let module_info = b"0123456789abcdefpath\tx\nmod\tx\tv1.0.0\t\n0123456789abcdef";
            // Memory: version header at 0x1000, module header at 0x1100,
            // version bytes at 0x2000, module bytes at 0x3000.
            let memory = |address: u64, length: u64| -> Option<Vec<u8>> {
                let (base, bytes): (u64, Vec<u8>) = match address {
                    0x1000 => (0x1000, [encode(0x2000), encode(8)].concat()),
                    0x1100 => (0x1100, [encode(0x3000), encode(module_info.len() as u64)].concat()),
                    0x2000 => (0x2000, b"go1.16.4".to_vec()),
                    0x3000 => (0x3000, module_info.to_vec()),
                    _ => return None,
                };
                bytes.get(usize::try_from(address - base).ok()?..usize::try_from(length).ok()?).map(<[u8]>::to_vec)
            };
            let mut header = BUILD_INFO_MAGIC.to_vec();
            header.push(pointer_size as u8);
            header.push(if big_endian { FLAG_BIG_ENDIAN } else { 0 });
            header.extend(encode(0x1000));
            header.extend(encode(0x1100));
            header.resize(HEADER_LENGTH, 0);
            let (go_version, modules) = read_pointer_strings(&header, pointer_size, big_endian, &memory).unwrap();
            assert_eq!(go_version, b"go1.16.4");
            assert_eq!(strip_sentinels(&modules), b"path\tx\nmod\tx\tv1.0.0\t\n");
        }
    }

    /// A pointer into nowhere and an impossible pointer size are errors, not panics.
    #[test]
    fn pointer_format_errors() {
        let mut header = BUILD_INFO_MAGIC.to_vec();
        header.extend_from_slice(&[8, 0]);
        header.extend_from_slice(&[0xff; 16]);
        let nowhere = |_: u64, _: u64| -> Option<Vec<u8>> { None };
        assert!(read_pointer_strings(&header, 8, false, &nowhere).unwrap_err().contains("outside"));
        assert!(read_pointer_strings(&header, 3, false, &nowhere).is_err());
    }

    /// Inline strings: a varint length past the end of the data is an error.
    #[test]
    fn inline_strings() {
        let (version, modules) = read_inline_strings(b"\x08go1.21.5\x03abc").unwrap();
        assert_eq!((version.as_slice(), modules.as_slice()), (&b"go1.21.5"[..], &b"abc"[..]));
        assert!(read_inline_strings(b"\x08go1").is_err());
        assert!(read_inline_strings(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").is_err());
    }
}
