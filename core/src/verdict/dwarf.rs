//! Subprograms from DWARF (`.debug_info`): names, linkage, parameters, and whether the compiler
//! changed the calling convention (`DW_AT_calling_convention` = `DW_CC_nocall`).
//!
//! clang sets `DW_CC_nocall` on a static function whose signature it rewrote (a dead parameter
//! removed, a constant argument propagated into the body) while BTF keeps the source prototype: the
//! registers then no longer match the BTF parameters. The same attribute on a kprobe or uprobe
//! target (read from that binary's DWARF) means its arguments are not where the ABI puts them.

use serde::Serialize;

use crate::bytes::Endian;
use crate::elf::ElfObject;
use crate::error::{Error, Result};

/// Most DIEs read from one input, so a hostile `.debug_info` cannot take unbounded time.
const MAX_ENTRIES: usize = 4_000_000;

/// One `DW_TAG_subprogram` with code or a declaration of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DwarfSubprogram {
    /// Name (from the DIE or its abstract origin / specification).
    pub name: String,
    /// `DW_AT_external`: visible outside its compilation unit.
    pub external: bool,
    /// `DW_AT_calling_convention` is `DW_CC_nocall`: callers do not follow the ABI.
    pub nocall: bool,
    /// Formal parameter names, in order (empty names for unnamed ones).
    pub params: Vec<String>,
}

type Slice<'a> = gimli::EndianSlice<'a, gimli::RunTimeEndian>;

fn gerr(e: gimli::Error) -> Error {
    Error::Unsupported(format!("DWARF: {e}"))
}

/// The subprograms described by the DWARF of an ELF file (empty when it has none).
pub fn subprograms(data: &[u8]) -> Result<Vec<DwarfSubprogram>> {
    let elf = ElfObject::parse(data)?;
    subprograms_of(&elf)
}

/// As [`subprograms`], for a parsed ELF.
pub fn subprograms_of(elf: &ElfObject<'_>) -> Result<Vec<DwarfSubprogram>> {
    if elf.section_by_name(".debug_info").is_none() {
        return Ok(Vec::new());
    }
    let endian = match elf.endian {
        Endian::Little => gimli::RunTimeEndian::Little,
        Endian::Big => gimli::RunTimeEndian::Big,
    };
    let load = |id: gimli::SectionId| -> std::result::Result<Slice<'_>, gimli::Error> {
        let data = elf.section_by_name(id.name()).map_or(&[][..], |s| s.data);
        Ok(gimli::EndianSlice::new(data, endian))
    };
    let dwarf = gimli::Dwarf::load(load).map_err(gerr)?;
    let mut out = Vec::new();
    let mut budget = MAX_ENTRIES;
    let mut units = dwarf.units();
    while let Some(header) = units.next().map_err(gerr)? {
        let unit = dwarf.unit(header).map_err(gerr)?;
        read_unit(&dwarf, &unit, &mut out, &mut budget)?;
    }
    Ok(out)
}

fn read_unit(
    dwarf: &gimli::Dwarf<Slice<'_>>,
    unit: &gimli::Unit<Slice<'_>>,
    out: &mut Vec<DwarfSubprogram>,
    budget: &mut usize,
) -> Result<()> {
    let mut entries = unit.entries();
    // (depth, index into out) of the subprogram whose parameters are being read.
    let mut open: Option<(isize, usize)> = None;
    while let Some(e) = entries.next_dfs().map_err(gerr)? {
        *budget = budget.checked_sub(1).ok_or(Error::Limit {
            what: "DWARF entries",
            limit: MAX_ENTRIES as u64,
        })?;
        let depth = e.depth();
        if let Some((d, _)) = open {
            if depth <= d {
                open = None;
            }
        }
        if e.tag() == gimli::DW_TAG_subprogram {
            if flag(e, gimli::DW_AT_declaration) {
                continue;
            }
            let mut sp = DwarfSubprogram {
                name: string_attr(dwarf, unit, e, gimli::DW_AT_name).unwrap_or_default(),
                external: flag(e, gimli::DW_AT_external),
                nocall: nocall(e),
                params: Vec::new(),
            };
            // Out-of-line instances and definitions of declarations name their origin.
            for at in [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification] {
                if let Some(gimli::AttributeValue::UnitRef(off)) = e.attr_value(at) {
                    if let Ok(o) = unit.entry(off) {
                        if sp.name.is_empty() {
                            sp.name =
                                string_attr(dwarf, unit, &o, gimli::DW_AT_name).unwrap_or_default();
                        }
                        sp.external |= flag(&o, gimli::DW_AT_external);
                        sp.nocall |= nocall(&o);
                    }
                }
            }
            out.push(sp);
            open = Some((depth, out.len() - 1));
        } else if e.tag() == gimli::DW_TAG_formal_parameter {
            if let Some((d, i)) = open {
                if depth == d + 1 {
                    let mut n = string_attr(dwarf, unit, e, gimli::DW_AT_name);
                    if n.is_none() {
                        if let Some(gimli::AttributeValue::UnitRef(off)) =
                            e.attr_value(gimli::DW_AT_abstract_origin)
                        {
                            n = unit
                                .entry(off)
                                .ok()
                                .and_then(|o| string_attr(dwarf, unit, &o, gimli::DW_AT_name));
                        }
                    }
                    if let Some(sp) = out.get_mut(i) {
                        sp.params.push(n.unwrap_or_default());
                    }
                }
            }
        }
    }
    Ok(())
}

fn flag(e: &gimli::DebuggingInformationEntry<Slice<'_>>, at: gimli::DwAt) -> bool {
    matches!(e.attr_value(at), Some(gimli::AttributeValue::Flag(true)))
}

fn nocall(e: &gimli::DebuggingInformationEntry<Slice<'_>>) -> bool {
    match e.attr_value(gimli::DW_AT_calling_convention) {
        Some(gimli::AttributeValue::CallingConvention(cc)) => cc == gimli::DW_CC_nocall,
        Some(v) => v.udata_value() == Some(u64::from(gimli::DW_CC_nocall.0)),
        None => false,
    }
}

fn string_attr(
    dwarf: &gimli::Dwarf<Slice<'_>>,
    unit: &gimli::Unit<Slice<'_>>,
    e: &gimli::DebuggingInformationEntry<Slice<'_>>,
    at: gimli::DwAt,
) -> Option<String> {
    let v = e.attr_value(at)?;
    let s = dwarf.attr_string(unit, v).ok()?;
    Some(s.to_string_lossy().into_owned())
}
