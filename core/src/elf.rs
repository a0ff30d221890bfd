//! The ELF layer: an eBPF object's sections, symbols and relocations, read through the `object`
//! crate's low-level ELF API (no copies, no panics on malformed input).

use object::elf;
use object::read::elf::{FileHeader, Rel as _, SectionHeader, Sym as _};
use object::{Endianness, FileKind};

use crate::bytes::Endian;
use crate::error::{Error, Result};

/// Upper bound on sections and symbols, far above what compilers emit, to bound work on hostile input.
const MAX_ENTRIES: usize = 1 << 20;

/// An ELF section.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    /// Section index.
    pub index: usize,
    /// Name (empty when unreadable).
    pub name: &'a str,
    /// `sh_type`.
    pub sh_type: u32,
    /// `sh_flags`.
    pub flags: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_info`.
    pub info: u32,
    /// `sh_link`.
    pub link: u32,
    /// File contents (empty for NOBITS).
    pub data: &'a [u8],
}

impl Section<'_> {
    /// PROGBITS + EXECINSTR + non-empty: libbpf's test for a code section.
    pub fn is_code(&self) -> bool {
        self.sh_type == elf::SHT_PROGBITS.0
            && self.flags & elf::SHF_EXECINSTR.0 != 0
            && self.size > 0
    }
}

/// An ELF symbol.
#[derive(Debug, Clone)]
pub struct Symbol<'a> {
    /// Index in `.symtab`.
    pub index: usize,
    /// Name.
    pub name: &'a str,
    /// `st_value`.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// `st_shndx`.
    pub shndx: u16,
    /// `STB_*`.
    pub bind: u8,
    /// `STT_*`.
    pub kind: u8,
    /// `STV_*`.
    pub visibility: u8,
}

/// A REL relocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rel {
    /// `r_offset`: byte offset in the target section.
    pub offset: u64,
    /// Symbol index.
    pub sym: u32,
    /// `R_BPF_*` type.
    pub kind: u32,
}

/// A parsed eBPF ELF object.
#[derive(Debug, Clone)]
pub struct ElfObject<'a> {
    /// The whole file.
    pub data: &'a [u8],
    /// Byte order.
    pub endian: Endian,
    /// Sections by index (index 0 is the null section).
    pub sections: Vec<Section<'a>>,
    /// Symbols by index (index 0 is the null symbol); empty without `.symtab`.
    pub symbols: Vec<Symbol<'a>>,
    /// Relocation sections: (REL section index, target section index, entries).
    pub relocations: Vec<(usize, usize, Vec<Rel>)>,
}

/// An `object` error as ours, at the file offset of the structure that was being read (`object`
/// itself names none).
fn elf_err(what: &'static str, offset: u64) -> impl Fn(object::read::Error) -> Error {
    move |e| Error::invalid(what, offset, e.to_string())
}

impl<'a> ElfObject<'a> {
    /// Parses an ELF64 eBPF object of either byte order.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        match FileKind::parse(data) {
            Ok(FileKind::Elf64) => {}
            Ok(FileKind::Elf32) => {
                return Err(Error::Unsupported(
                    "a 32-bit ELF file is not an eBPF object".into(),
                ))
            }
            Ok(_) | Err(_) => {
                return Err(Error::Unsupported(
                    "not an ELF file (eBPF objects are ELF64 with machine BPF)".into(),
                ))
            }
        }
        let header =
            elf::FileHeader64::<Endianness>::parse(data).map_err(elf_err("ELF header", 0))?;
        let e = header.endian().map_err(elf_err("ELF header", 0))?;
        let endian = match e {
            Endianness::Little => Endian::Little,
            Endianness::Big => Endian::Big,
        };
        let machine = header.e_machine(e).0;
        if machine != elf::EM_BPF.0 {
            return Err(Error::Unsupported(format!(
                "ELF machine {machine} is not BPF (247)"
            )));
        }
        let table = header.sections(e, data).map_err(|err| {
            Error::invalid(
                "ELF section headers",
                header.e_shoff(e),
                format!(
                    "{} headers of {} bytes (e_shnum {}, e_shstrndx {}): {err}",
                    header.e_shnum(e),
                    header.e_shentsize(e),
                    header.e_shnum(e),
                    header.e_shstrndx(e)
                ),
            )
        })?;
        if table.len() > MAX_ENTRIES {
            return Err(Error::Limit {
                what: "ELF section count",
                limit: MAX_ENTRIES as u64,
            });
        }
        let mut sections = Vec::with_capacity(table.len());
        for (index, sh) in table.iter().enumerate() {
            let name = table
                .section_name(e, sh)
                .ok()
                .and_then(|n| std::str::from_utf8(n).ok())
                .unwrap_or("");
            let sh_type = sh.sh_type(e).0;
            let data = if sh_type == elf::SHT_NOBITS.0 {
                &[][..]
            } else {
                sh.data(e, data).map_err(|_| {
                    Error::invalid(
                        "ELF section data",
                        sh.sh_offset(e),
                        format!("section {index} '{name}' lies outside the file"),
                    )
                })?
            };
            sections.push(Section {
                index,
                name,
                sh_type,
                flags: sh.sh_flags(e).0,
                offset: sh.sh_offset(e),
                size: sh.sh_size(e),
                info: sh.sh_info(e),
                link: sh.sh_link(e),
                data,
            });
        }
        let mut symbols = Vec::new();
        let symtab_offset = table
            .iter()
            .find(|sh| sh.sh_type(e) == elf::SHT_SYMTAB)
            .map_or(0, |sh| sh.sh_offset(e));
        let symtab = table
            .symbols(e, data, elf::SHT_SYMTAB)
            .map_err(elf_err("ELF symbol table", symtab_offset))?;
        if symtab.len() > MAX_ENTRIES {
            return Err(Error::Limit {
                what: "ELF symbol count",
                limit: MAX_ENTRIES as u64,
            });
        }
        for (index, sym) in symtab.symbols().iter().enumerate() {
            let name = symtab
                .symbol_name(e, sym)
                .ok()
                .and_then(|n| std::str::from_utf8(n).ok())
                .unwrap_or("");
            symbols.push(Symbol {
                index,
                name,
                value: sym.st_value(e),
                size: sym.st_size(e),
                shndx: sym.st_shndx(e).0,
                bind: sym.st_bind().0,
                kind: sym.st_type().0,
                visibility: sym.st_visibility().0,
            });
        }
        let mut relocations = Vec::new();
        for (index, sh) in table.iter().enumerate() {
            if sh.sh_type(e) != elf::SHT_REL {
                continue;
            }
            let rel = sh.rel(e, data).map_err(|err| {
                Error::invalid(
                    "ELF relocations",
                    sh.sh_offset(e),
                    format!("section {index}: {err}"),
                )
            })?;
            let Some((rels, _)) = rel else {
                continue;
            };
            let entries = rels
                .iter()
                .map(|r| Rel {
                    offset: r.r_offset(e),
                    sym: r.r_sym(e),
                    kind: r.r_type(e).0,
                })
                .collect();
            relocations.push((index, sh.sh_info(e) as usize, entries));
        }
        Ok(ElfObject {
            data,
            endian,
            sections,
            symbols,
            relocations,
        })
    }

    /// The first section named `name`.
    pub fn section_by_name(&self, name: &str) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The section at `index`.
    pub fn section(&self, index: usize) -> Option<&Section<'a>> {
        self.sections.get(index)
    }
}

/// Whether `data` starts like an ELF file (as opposed to a raw BTF blob).
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// ELF constants used with [`Symbol`] fields (plain integers, as the fields are).
#[allow(missing_docs)]
pub mod consts {
    pub const STB_LOCAL: u8 = 0;
    pub const STB_GLOBAL: u8 = 1;
    pub const STB_WEAK: u8 = 2;
    pub const STT_NOTYPE: u8 = 0;
    pub const STT_OBJECT: u8 = 1;
    pub const STT_FUNC: u8 = 2;
    pub const STT_SECTION: u8 = 3;
    pub const STV_DEFAULT: u8 = 0;
    pub const STV_INTERNAL: u8 = 1;
    pub const STV_HIDDEN: u8 = 2;
    pub const SHN_UNDEF: u16 = 0;
    pub const SHN_LORESERVE: u16 = 0xff00;
}
