//! Replacing the contents of ELF sections in place: every other byte of the file stays as it was.
//!
//! A section whose new contents have the old size is overwritten where it is. A section that
//! changes size gets its new contents appended at the end of the file (aligned), and only its
//! section header's `sh_offset` and `sh_size` change; its old bytes stay behind, unreferenced.
//! Nothing else moves, so section indices, symbols, relocations (which address sections by index
//! and offsets within them) and debug sections stay valid without being touched.

use object::elf::{FileHeader64, ET_REL};
use object::read::elf::FileHeader;
use object::Endianness;

use crate::error::{Error, Result};

/// Size of an ELF64 section header.
const SHDR_SIZE: u64 = 64;
/// `sh_offset` and `sh_size` within an ELF64 section header.
const SH_OFFSET: u64 = 24;
const SH_SIZE: u64 = 32;
/// `sh_addralign` within an ELF64 section header.
const SH_ADDRALIGN: u64 = 48;
/// The largest alignment honoured for appended data (larger requests fall back to 8).
const MAX_ALIGN: u64 = 4096;

/// New contents for the section at `index`.
pub(super) struct Replacement<'d> {
    pub(super) index: usize,
    pub(super) data: &'d [u8],
}

fn elf_err(what: &'static str) -> impl Fn(object::read::Error) -> Error {
    move |e| Error::invalid(what, 0, e.to_string())
}

fn to_usize(v: u64, what: &'static str) -> Result<usize> {
    usize::try_from(v).map_err(|_| Error::Overflow { what })
}

fn add64(a: u64, b: u64, what: &'static str) -> Result<u64> {
    a.checked_add(b).ok_or(Error::Overflow { what })
}

fn mul64(a: u64, b: u64, what: &'static str) -> Result<u64> {
    a.checked_mul(b).ok_or(Error::Overflow { what })
}

fn u64_bytes(e: Endianness, v: u64) -> [u8; 8] {
    match e {
        Endianness::Little => v.to_le_bytes(),
        Endianness::Big => v.to_be_bytes(),
    }
}

fn read_u64(data: &[u8], at: u64, e: Endianness, what: &'static str) -> Result<u64> {
    let start = to_usize(at, what)?;
    let end = start.checked_add(8).ok_or(Error::Overflow { what })?;
    let b: [u8; 8] = data
        .get(start..end)
        .and_then(|s| s.try_into().ok())
        .ok_or(Error::UnexpectedEof { what, offset: at })?;
    Ok(match e {
        Endianness::Little => u64::from_le_bytes(b),
        Endianness::Big => u64::from_be_bytes(b),
    })
}

fn write_u64(out: &mut [u8], at: u64, e: Endianness, v: u64, what: &'static str) -> Result<()> {
    let start = to_usize(at, what)?;
    let end = start.checked_add(8).ok_or(Error::Overflow { what })?;
    out.get_mut(start..end)
        .ok_or(Error::UnexpectedEof { what, offset: at })?
        .copy_from_slice(&u64_bytes(e, v));
    Ok(())
}

/// `data` with each replacement applied (see the module documentation). Only relocatable ELF64
/// files (what compilers emit for BPF, and all libbpf accepts) are patched.
pub(super) fn replace_sections(data: &[u8], repls: &[Replacement<'_>]) -> Result<Vec<u8>> {
    let header = FileHeader64::<Endianness>::parse(data).map_err(elf_err("ELF header"))?;
    let e = header.endian().map_err(elf_err("ELF header"))?;
    if header.e_type(e) != ET_REL {
        return Err(Error::invalid(
            "ELF e_type",
            16,
            format!(
                "{} is not ET_REL: only relocatable objects are rewritten",
                header.e_type(e)
            ),
        ));
    }
    let shoff = header.e_shoff(e);
    let shentsize = u64::from(header.e_shentsize(e));
    if shentsize != SHDR_SIZE {
        return Err(Error::invalid(
            "ELF e_shentsize",
            58,
            format!("{shentsize} is not {SHDR_SIZE}"),
        ));
    }
    let shnum = header
        .shnum(e, data)
        .map_err(elf_err("ELF section count"))?;
    let mut out = data.to_vec();
    for r in repls {
        if r.index == 0 || u64::try_from(r.index).map_or(true, |i| i >= u64::from(shnum)) {
            return Err(Error::invalid(
                "ELF section index",
                shoff,
                format!("section {} does not exist ({shnum} sections)", r.index),
            ));
        }
        let idx = u64::try_from(r.index).map_err(|_| Error::Overflow {
            what: "ELF section index",
        })?;
        let shdr = add64(
            shoff,
            mul64(idx, SHDR_SIZE, "ELF section header offset")?,
            "ELF section header offset",
        )?;
        let off_at = add64(shdr, SH_OFFSET, "ELF sh_offset position")?;
        let size_at = add64(shdr, SH_SIZE, "ELF sh_size position")?;
        let align_at = add64(shdr, SH_ADDRALIGN, "ELF sh_addralign position")?;
        let old_off = read_u64(data, off_at, e, "ELF sh_offset")?;
        let old_size = read_u64(data, size_at, e, "ELF sh_size")?;
        let align = read_u64(data, align_at, e, "ELF sh_addralign")?;
        let new_size = u64::try_from(r.data.len()).map_err(|_| Error::Overflow {
            what: "new section size",
        })?;
        if new_size == old_size {
            let start = to_usize(old_off, "ELF section data")?;
            let end = start.checked_add(r.data.len()).ok_or(Error::Overflow {
                what: "ELF section data",
            })?;
            out.get_mut(start..end)
                .ok_or(Error::UnexpectedEof {
                    what: "ELF section data",
                    offset: old_off,
                })?
                .copy_from_slice(r.data);
            continue;
        }
        let align = if align.is_power_of_two() && (8..=MAX_ALIGN).contains(&align) {
            align
        } else {
            8
        };
        let len = u64::try_from(out.len()).map_err(|_| Error::Overflow {
            what: "ELF file size",
        })?;
        let new_off = add64(len, align - 1, "appended section offset")? & !(align - 1);
        out.resize(to_usize(new_off, "appended section offset")?, 0);
        out.extend_from_slice(r.data);
        write_u64(&mut out, off_at, e, new_off, "ELF sh_offset")?;
        write_u64(&mut out, size_at, e, new_size, "ELF sh_size")?;
    }
    Ok(out)
}
