//! Programs as libbpf 1.7 sees them: entry programs and `.text` subprograms from ELF symbols, their
//! section definitions, call relocations, and per-entry-program linking (instructions, func_info,
//! line_info in libbpf's order).

pub mod insn;
mod link;
pub mod sec_def;

pub use link::{link, link_summary, mark_address_loads, InfoRecords, LinkSummary, LinkedProgram};

use crate::elf::consts as elf;

use crate::btf::ext::BtfExt;
use crate::btf::Btf;
use crate::bytes::Endian;
use crate::elf::{ElfObject, Symbol};
use crate::error::{Error, Result};
use crate::log::Log;
use insn::Insn;
use sec_def::{AttachType, ProgType, SecDef};

/// Size of one BPF instruction.
pub const INSN_SZ: u64 = 8;

/// What a relocation against a program instruction does (the kinds the linker needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocKind {
    /// A BPF-to-BPF call; `sym_off` is the target symbol's value.
    Call {
        /// `st_value` of the symbol.
        sym_off: u64,
    },
    /// ld_imm64 of a subprogram's address (a callback).
    SubprogAddr {
        /// `st_value` of the symbol.
        sym_off: u64,
    },
    /// A call to an extern (kfunc).
    ExternCall,
    /// Anything else (maps, global data, externs, …): left to the loader.
    Data,
}

/// A relocation recorded for a program, at a program-local instruction index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloc {
    /// Instruction index within the program.
    pub insn_idx: usize,
    /// Kind.
    pub kind: RelocKind,
    /// The symbol's name (the section name for section symbols).
    pub sym_name: String,
    /// The symbol's section index (`SHN_UNDEF` for externs).
    pub sym_shndx: u16,
}

/// An entry program or a `.text` subprogram.
#[derive(Debug, Clone)]
pub struct Program {
    /// Symbol name.
    pub name: String,
    /// ELF section name without a leading `?`.
    pub sec_name: String,
    /// ELF section index.
    pub sec_idx: usize,
    /// First instruction within the section.
    pub sec_insn_off: usize,
    /// Instruction count.
    pub sec_insn_cnt: usize,
    /// Instructions as in the file.
    pub insns: Vec<Insn>,
    /// Relocations sorted by instruction.
    pub relocs: Vec<Reloc>,
    /// Whether it lives in `.text` (libbpf's `prog_is_subprog`).
    pub is_subprog: bool,
    /// Autoload (false for `SEC("?…")`).
    pub autoload: bool,
    /// Non-local symbol binding.
    pub sym_global: bool,
    /// Global or weak with hidden/internal visibility: libbpf marks its BTF FUNC static before load.
    pub mark_btf_static: bool,
    /// The matched section definition.
    pub sec_def: Option<&'static SecDef>,
    /// Program type (UNSPEC when the section matched nothing).
    pub prog_type: ProgType,
    /// Expected attach type.
    pub expected_attach_type: AttachType,
}

impl Program {
    /// libbpf's name for the expected attach type, or `none` where the section sets no attach type
    /// (0 is also the value of `cgroup_inet_ingress`, which only attachable sections mean).
    pub fn expected_attach_type_name(&self) -> String {
        let attachable = self
            .sec_def
            .is_some_and(|d| d.flags.contains(sec_def::SecFlags::ATTACHABLE));
        if self.expected_attach_type.0 == 0 && !attachable {
            return "none".into();
        }
        self.expected_attach_type
            .name()
            .map_or_else(|| self.expected_attach_type.0.to_string(), str::to_string)
    }
}

/// An opened object: its ELF, BTF, `.BTF.ext` and programs, after libbpf's open-time steps.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    /// The ELF.
    pub elf: ElfObject<'a>,
    /// `.BTF`, when present and valid.
    pub btf: Option<Btf<'a>>,
    /// `.BTF.ext`, when present, valid, and `.BTF` is present.
    pub btf_ext: Option<BtfExt<'a>>,
    /// ELF section index of each `.BTF.ext` block, per subsection (0: no such section).
    pub ext_sec_idxs: [Vec<usize>; 3],
    /// Index of `.text` (0 when there is none).
    pub text_shndx: usize,
    /// Programs and subprograms sorted by (section index, instruction offset).
    pub programs: Vec<Program>,
    /// What libbpf would have printed while opening.
    pub log: Log,
}

impl<'a> Object<'a> {
    /// Opens an object like `bpf_object__open_mem`: an `Err` is what libbpf fails the open with.
    pub fn open(data: &'a [u8]) -> Result<Self> {
        let elf = ElfObject::parse(data)?;
        let mut log = Log::default();
        let text_shndx = elf
            .sections
            .iter()
            .find(|s| s.name == ".text" && s.is_code())
            .map_or(0, |s| s.index);
        let btf = match elf.section_by_name(".BTF") {
            Some(s) => match Btf::parse_at(s.data, s.offset) {
                Ok(b) => Some(b),
                Err(e) => {
                    log.warn(format!("Error loading ELF section .BTF: {e}."));
                    None
                }
            },
            None => None,
        };
        let btf_ext = match (elf.section_by_name(".BTF.ext"), &btf) {
            (Some(s), Some(_)) => match BtfExt::parse_at(s.data, s.offset) {
                Ok(x) => Some(x),
                Err(e) => {
                    log.warn(format!(
                        "Error loading ELF section .BTF.ext: {e}. Ignored and continue."
                    ));
                    None
                }
            },
            _ => None,
        };
        let ext_sec_idxs = match (&btf, &btf_ext) {
            (Some(b), Some(x)) => [
                block_sections(&elf, b, &x.func_info.blocks),
                block_sections(&elf, b, &x.line_info.blocks),
                block_sections(&elf, b, &x.core_relo.blocks),
            ],
            _ => Default::default(),
        };
        let mut programs = Vec::new();
        // Function symbols grouped by section, in symbol-table order (libbpf's scan order).
        let mut funcs_by_section: std::collections::HashMap<usize, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, sym) in elf.symbols.iter().enumerate() {
            if sym.kind == elf::STT_FUNC {
                funcs_by_section
                    .entry(sym.shndx as usize)
                    .or_default()
                    .push(i);
            }
        }
        for sec in elf.sections.iter().filter(|s| s.is_code()) {
            let syms = funcs_by_section
                .get(&sec.index)
                .map_or(&[][..], Vec::as_slice);
            add_programs(&elf, sec.index, syms, text_shndx, &mut programs, &mut log)?;
        }
        programs.sort_by_key(|p| (p.sec_idx, p.sec_insn_off));
        let mut obj = Object {
            elf,
            btf,
            btf_ext,
            ext_sec_idxs,
            text_shndx,
            programs,
            log,
        };
        obj.collect_relocs()?;
        Ok(obj)
    }

    /// The byte order.
    pub fn endian(&self) -> Endian {
        self.elf.endian
    }

    /// Index into `programs` of the program containing instruction `insn_idx` of section `sec_idx`.
    pub fn find_prog_by_sec_insn(&self, sec_idx: usize, insn_idx: usize) -> Option<usize> {
        let i = self
            .programs
            .partition_point(|p| (p.sec_idx, p.sec_insn_off) <= (sec_idx, insn_idx));
        let idx = i.checked_sub(1)?;
        let p = self.programs.get(idx)?;
        (p.sec_idx == sec_idx && insn_idx < p.sec_insn_off + p.sec_insn_cnt).then_some(idx)
    }

    /// Entry programs (not `.text`), in libbpf's order.
    pub fn entry_programs(&self) -> impl Iterator<Item = (usize, &Program)> {
        self.programs
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.is_subprog)
    }

    /// The program named `name`.
    pub fn program_by_name(&self, name: &str) -> Option<usize> {
        self.programs.iter().position(|p| p.name == name)
    }

    fn collect_relocs(&mut self) -> Result<()> {
        let relocations = std::mem::take(&mut self.elf.relocations);
        for (_, target, rels) in &relocations {
            let Some(target_sec) = self.elf.section(*target) else {
                continue;
            };
            if !target_sec.is_code() {
                continue;
            }
            let sec_name = target_sec.name;
            for (i, rel) in rels.iter().enumerate() {
                if rel.offset % INSN_SZ != 0 || rel.offset >= target_sec.size {
                    return Err(Error::invalid(
                        "ELF relocation offset",
                        rel.offset,
                        format!(
                            "sec '{sec_name}': invalid offset {:#x} for relo #{i}",
                            rel.offset
                        ),
                    ));
                }
                let insn_idx = (rel.offset / INSN_SZ) as usize;
                let sym = self.elf.symbols.get(rel.sym as usize).ok_or_else(|| {
                    Error::invalid(
                        "ELF relocation symbol",
                        rel.offset,
                        format!(
                            "sec '{sec_name}': symbol #{} not found for relo #{i}",
                            rel.sym
                        ),
                    )
                })?;
                if sym.shndx >= elf::SHN_LORESERVE {
                    return Err(Error::invalid(
                        "ELF relocation symbol",
                        rel.offset,
                        format!(
                            "sec '{sec_name}': symbol #{} ('{}') has invalid section index {} for relo #{i}",
                            rel.sym, sym.name, sym.shndx
                        ),
                    ));
                }
                let sym_name = if sym.kind == elf::STT_SECTION {
                    self.elf.section(sym.shndx as usize).map_or("", |s| s.name)
                } else {
                    sym.name
                };
                let Some(pi) = self.find_prog_by_sec_insn(*target, insn_idx) else {
                    self.log.debug(format!(
                        "sec '{sec_name}': relo #{i}: couldn't find program in section '{sec_name}' for insn #{insn_idx}, probably overridden weak function, skipping..."
                    ));
                    continue;
                };
                let sym = sym.clone();
                let sym_name = sym_name.to_string();
                let text_shndx = self.text_shndx;
                let sections = &self.elf.sections;
                let Some(prog) = self.programs.get_mut(pi) else {
                    continue;
                };
                let reloc = record_reloc(prog, insn_idx, sym_name, &sym, text_shndx, sections)
                    .map_err(|msg| Error::invalid("relocation", rel.offset, msg))?;
                prog.relocs.push(reloc);
            }
        }
        for p in &mut self.programs {
            p.relocs.sort_by_key(|r| r.insn_idx);
        }
        self.elf.relocations = relocations;
        Ok(())
    }
}

fn block_sections(
    elf: &ElfObject<'_>,
    btf: &Btf<'_>,
    blocks: &[crate::btf::ext::InfoBlock<'_>],
) -> Vec<usize> {
    // The first section of each name wins, as in libbpf's linear search.
    let mut by_name: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for s in &elf.sections {
        by_name.entry(s.name.as_bytes()).or_insert(s.index);
    }
    blocks
        .iter()
        .map(|b| match btf.str_at(b.sec_name_off) {
            Some(name) if !name.is_empty() => by_name.get(name).copied().unwrap_or(0),
            _ => 0,
        })
        .collect()
}

fn add_programs(
    elf: &ElfObject<'_>,
    sec_idx: usize,
    syms: &[usize],
    text_shndx: usize,
    out: &mut Vec<Program>,
    log: &mut Log,
) -> Result<()> {
    let Some(sec) = elf.section(sec_idx) else {
        return Ok(());
    };
    let raw_sec_name = sec.name;
    let res = sec_def::resolve(raw_sec_name);
    for sym in syms.iter().filter_map(|&i| elf.symbols.get(i)) {
        let (off, size) = (sym.value, sym.size);
        let name = sym.name;
        if name.is_empty() {
            return Err(Error::invalid(
                "ELF symbol name",
                off,
                format!("sec '{raw_sec_name}': failed to get symbol name for offset {off}"),
            ));
        }
        if off.checked_add(size).is_none_or(|end| end > sec.size) {
            return Err(Error::invalid(
                "program bounds",
                off,
                format!("sec '{raw_sec_name}': program at offset {off} crosses section boundary"),
            ));
        }
        if sec_idx != text_shndx && sym.bind == elf::STB_LOCAL {
            return Err(Error::Unsupported(format!(
                "sec '{raw_sec_name}': program '{name}' is static and not supported"
            )));
        }
        if size == 0 || size % INSN_SZ != 0 || off % INSN_SZ != 0 {
            return Err(Error::invalid(
                "program bounds",
                off,
                format!(
                    "sec '{raw_sec_name}': corrupted program '{name}', offset {off}, size {size}"
                ),
            ));
        }
        let bytes =
            sec.data
                .get(off as usize..(off + size) as usize)
                .ok_or(Error::UnexpectedEof {
                    what: "program instructions",
                    offset: sec.offset.saturating_add(off),
                })?;
        let insns = bytes
            .chunks_exact(8)
            .map(|c| {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                Insn::decode(b, elf.endian)
            })
            .collect();
        out.push(new_program(sym, &res, sec_idx, text_shndx, insns));
        let _ = log;
    }
    Ok(())
}

fn new_program(
    sym: &Symbol<'_>,
    res: &sec_def::SecResolution<'_>,
    sec_idx: usize,
    text_shndx: usize,
    insns: Vec<Insn>,
) -> Program {
    let sym_global = sym.bind != elf::STB_LOCAL;
    let hidden = matches!(sym.visibility, elf::STV_HIDDEN | elf::STV_INTERNAL);
    let is_subprog = sec_idx == text_shndx;
    Program {
        name: sym.name.to_string(),
        sec_name: res.name.to_string(),
        sec_idx,
        sec_insn_off: (sym.value / INSN_SZ) as usize,
        sec_insn_cnt: insns.len(),
        insns,
        relocs: Vec::new(),
        is_subprog,
        autoload: res.autoload,
        sym_global,
        mark_btf_static: sym_global && hidden,
        sec_def: if is_subprog { None } else { res.def },
        prog_type: if is_subprog {
            ProgType::UNSPEC
        } else {
            res.prog_type()
        },
        expected_attach_type: if is_subprog {
            AttachType(0)
        } else {
            res.expected_attach_type()
        },
    }
}

fn sym_is_extern(sym: &Symbol<'_>) -> bool {
    sym.shndx == elf::SHN_UNDEF
        && matches!(sym.bind, elf::STB_GLOBAL | elf::STB_WEAK)
        && !sym.name.is_empty()
}

fn sym_is_subprog(sym: &Symbol<'_>, text_shndx: usize) -> bool {
    if sym.shndx as usize != text_shndx {
        return false;
    }
    (sym.bind == elf::STB_LOCAL && sym.kind == elf::STT_SECTION)
        || (matches!(sym.bind, elf::STB_GLOBAL | elf::STB_WEAK) && sym.kind == elf::STT_FUNC)
}

fn record_reloc(
    prog: &Program,
    sec_insn_idx: usize,
    sym_name: String,
    sym: &Symbol<'_>,
    text_shndx: usize,
    sections: &[crate::elf::Section<'_>],
) -> std::result::Result<Reloc, String> {
    let pname = &prog.name;
    let insn_idx = sec_insn_idx - prog.sec_insn_off;
    let insn = prog
        .insns
        .get(insn_idx)
        .ok_or_else(|| format!("prog '{pname}': relocation outside the program"))?;
    if !insn.is_call() && !insn.is_ld_imm64() {
        return Err(format!(
            "prog '{pname}': invalid relo against '{sym_name}' for insns[{insn_idx}].code {:#x}",
            insn.code
        ));
    }
    let make = |kind| Reloc {
        insn_idx,
        kind,
        sym_name: sym_name.clone(),
        sym_shndx: sym.shndx,
    };
    if sym_is_extern(sym) {
        return Ok(make(if insn.is_call() {
            RelocKind::ExternCall
        } else {
            RelocKind::Data
        }));
    }
    let shndx = sym.shndx as usize;
    if insn.is_call() {
        if insn.src != insn::PSEUDO_CALL {
            return Err(format!("prog '{pname}': incorrect bpf_call opcode"));
        }
        if shndx == 0 || shndx != text_shndx {
            let sec = sections.get(shndx).map_or("", |s| s.name);
            return Err(format!(
                "prog '{pname}': bad call relo against '{sym_name}' in section '{sec}'"
            ));
        }
        if sym.value % INSN_SZ != 0 {
            return Err(format!(
                "prog '{pname}': bad call relo against '{sym_name}' at offset {}",
                sym.value
            ));
        }
        return Ok(make(RelocKind::Call { sym_off: sym.value }));
    }
    if shndx == 0 {
        return Err(format!(
            "prog '{pname}': invalid relo against '{sym_name}' in special section 0x{shndx:x}; forgot to initialize global var?.."
        ));
    }
    if sym_is_subprog(sym, text_shndx) {
        if sym.value % INSN_SZ != 0 || insn.imm % 8 != 0 {
            return Err(format!(
                "prog '{pname}': bad subprog addr relo against '{sym_name}' at offset {}+{}",
                sym.value, insn.imm
            ));
        }
        return Ok(make(RelocKind::SubprogAddr { sym_off: sym.value }));
    }
    Ok(make(RelocKind::Data))
}
