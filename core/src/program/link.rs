//! Per-entry-program linking as libbpf does it (`bpf_object__relocate_calls`): reachable `.text`
//! subprograms appended depth-first, call immediates fixed, func_info and line_info gathered in
//! append order with instruction offsets made relative to the linked program.

use super::insn::{Insn, LD_IMM64, PSEUDO_FUNC};
use super::{Object, RelocKind, INSN_SZ};
use crate::btf::ext::InfoKind;
use crate::bytes::{put_u32, u32_at, Endian};
use crate::log::Log;

/// func_info or line_info records of a linked program: raw records of `rec_size` bytes, with
/// `insn_off` already converted to an instruction index in the linked program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoRecords {
    /// Record size from `.BTF.ext`.
    pub rec_size: u32,
    /// Concatenated records.
    pub data: Vec<u8>,
    /// Byte order of the records.
    pub endian: Endian,
}

impl InfoRecords {
    /// Number of records.
    pub fn len(&self) -> usize {
        if self.rec_size == 0 {
            0
        } else {
            self.data.len() / self.rec_size as usize
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th record's first two words (`insn_off`, then `type_id` or `file_name_off`).
    pub fn words(&self, i: usize) -> Option<(u32, u32)> {
        let at = i.checked_mul(self.rec_size as usize)?;
        Some((
            u32_at(&self.data, at, self.endian)?,
            u32_at(&self.data, at + 4, self.endian)?,
        ))
    }

    /// Sets the second word (`type_id` for func_info) of record `i`.
    pub fn set_second_word(&mut self, i: usize, v: u32) -> bool {
        i.checked_mul(self.rec_size as usize)
            .is_some_and(|at| put_u32(&mut self.data, at + 4, self.endian, v))
    }

    /// `(insn_off, type_id)` pairs (for func_info).
    pub fn pairs(&self) -> Vec<(u32, u32)> {
        (0..self.len()).filter_map(|i| self.words(i)).collect()
    }
}

/// An entry program after linking.
#[derive(Debug, Clone)]
pub struct LinkedProgram {
    /// Index of the entry program in [`Object::programs`].
    pub main: usize,
    /// The linked instructions.
    pub insns: Vec<Insn>,
    /// Appended subprograms (indices into [`Object::programs`]) in append order, with the
    /// instruction where each starts.
    pub subprogs: Vec<(usize, usize)>,
    /// func_info as libbpf sends it (None: no func_info).
    pub func_info: Option<InfoRecords>,
    /// line_info as libbpf sends it.
    pub line_info: Option<InfoRecords>,
    /// What libbpf prints while linking.
    pub log: Log,
}

/// What linking decides about an entry program, without its code: the reports need only this, so
/// it is computed without copying instructions or line_info records.
#[derive(Debug, Clone)]
pub struct LinkSummary {
    /// Appended subprograms (indices into [`Object::programs`]) in append order, with the
    /// instruction where each starts.
    pub subprogs: Vec<(usize, usize)>,
    /// func_info as libbpf sends it (None: no func_info).
    pub func_info: Option<InfoRecords>,
    /// Instructions after linking.
    pub insn_cnt: usize,
    /// Whether line_info is sent at all, and how many records.
    pub line_info: Option<usize>,
    /// What libbpf prints while linking.
    pub log: Log,
}

/// Why linking failed: libbpf's message (also the last line of `log`).
#[derive(Debug, Clone)]
pub struct LinkError {
    /// The message.
    pub message: String,
    /// Everything printed up to the failure.
    pub log: Log,
}

struct Linker<'o, 'a> {
    obj: &'o Object<'a>,
    main: usize,
    sub_insn_off: Vec<usize>,
    out: LinkedProgram,
    /// Whether instructions and line_info records are copied (false: only counted).
    keep_code: bool,
    /// Instructions appended so far.
    insn_cnt: usize,
    /// line_info records gathered so far.
    line_info_cnt: usize,
    /// Per info kind (func, line) and `.BTF.ext` block: whether its records are readable and sorted
    /// by `insn_off` (computed on first use; clang always emits them sorted).
    sorted: [Vec<Option<bool>>; 2],
}

/// Links entry program `main` (an index into `obj.programs`).
pub fn link(obj: &Object<'_>, main: usize) -> Result<LinkedProgram, LinkError> {
    Linker::new(obj, main, true).finish().map(|l| l.out)
}

/// Marks the `ld_imm64` instructions of `linked` that load an address as libbpf's relocation
/// leaves them for the verifier: a `.maps` map as `BPF_PSEUDO_MAP_FD` (1), global data (`.data`,
/// `.bss`, `.rodata`, custom data sections, and the arena's `.addr_space.1`) as
/// `BPF_PSEUDO_MAP_VALUE` (2), an extern variable as `BPF_PSEUDO_BTF_ID` (3). Immediates are left
/// as they are (no fds here): enough for an analysis to tell a relocated address from the constant
/// it holds in the object (`&counter` at offset 0 is `ld_imm64 r1, 0` until relocated). Returns
/// the instructions that load an arena address (the verifier's `PTR_TO_ARENA`, not a map value).
pub fn mark_address_loads(obj: &Object<'_>, linked: &mut LinkedProgram) -> Vec<usize> {
    let starts = std::iter::once((linked.main, 0)).chain(linked.subprogs.iter().copied());
    let marks: Vec<(usize, u8, bool)> = starts
        .flat_map(|(p, start)| {
            obj.programs.get(p).into_iter().flat_map(move |prog| {
                prog.relocs.iter().filter_map(move |r| {
                    if !matches!(r.kind, RelocKind::Data) {
                        return None;
                    }
                    if r.sym_shndx == crate::elf::consts::SHN_UNDEF {
                        return Some((start + r.insn_idx, 3, false));
                    }
                    let section = obj
                        .elf
                        .sections
                        .get(usize::from(r.sym_shndx))
                        .map_or("", |s| s.name);
                    Some(match section {
                        ".maps" => (start + r.insn_idx, 1, false),
                        ".addr_space.1" => (start + r.insn_idx, 2, true),
                        _ => (start + r.insn_idx, 2, false),
                    })
                })
            })
        })
        .collect();
    let mut arena = Vec::new();
    for (at, src, is_arena) in marks {
        if let Some(insn) = linked.insns.get_mut(at).filter(|i| i.code == LD_IMM64) {
            insn.src = src;
            if is_arena {
                arena.push(at);
            }
        }
    }
    arena
}

/// [`link`] without the code: the same decisions, errors and func_info, with instructions and
/// line_info only counted.
pub fn link_summary(obj: &Object<'_>, main: usize) -> Result<LinkSummary, LinkError> {
    Linker::new(obj, main, false).finish().map(|l| LinkSummary {
        subprogs: l.out.subprogs,
        func_info: l.out.func_info,
        insn_cnt: l.insn_cnt,
        line_info: l.out.line_info.map(|_| l.line_info_cnt),
        log: l.out.log,
    })
}

impl<'o, 'a> Linker<'o, 'a> {
    fn new(obj: &'o Object<'a>, main: usize, keep_code: bool) -> Self {
        Linker {
            obj,
            main,
            sub_insn_off: vec![0; obj.programs.len()],
            sorted: [Vec::new(), Vec::new()],
            out: LinkedProgram {
                main,
                insns: Vec::new(),
                subprogs: Vec::new(),
                func_info: None,
                line_info: None,
                log: Log::default(),
            },
            keep_code,
            insn_cnt: 0,
            line_info_cnt: 0,
        }
    }

    fn finish(mut self) -> Result<Self, LinkError> {
        match self.run() {
            Ok(()) => Ok(self),
            Err(message) => {
                let mut log = self.out.log;
                log.warn(message.clone());
                Err(LinkError { message, log })
            }
        }
    }
}

impl Linker<'_, '_> {
    /// Where subprogram `p` starts in the linked program (0: not appended yet).
    fn sub_off(&self, p: usize) -> usize {
        self.sub_insn_off.get(p).copied().unwrap_or(0)
    }

    fn append_code(&mut self, p: usize) -> usize {
        let start = self.insn_cnt;
        if let Some(prog) = self.obj.programs.get(p) {
            self.insn_cnt += prog.insns.len();
            if self.keep_code {
                self.out.insns.extend_from_slice(&prog.insns);
                // libbpf marks subprogram-address loads as BPF_PSEUDO_FUNC before linking.
                for r in &prog.relocs {
                    if matches!(r.kind, RelocKind::SubprogAddr { .. }) {
                        if let Some(insn) = self.out.insns.get_mut(start + r.insn_idx) {
                            insn.src = PSEUDO_FUNC;
                        }
                    }
                }
            }
        }
        start
    }

    /// Instruction `insn_idx` of program `p` as linking sees it when it reaches it: each one is
    /// visited once, before its own call immediate is fixed, so the copy (when kept) and the
    /// original with libbpf's PSEUDO_FUNC marking are the same.
    fn insn(&self, prog: &super::Program, at: usize, insn_idx: usize) -> Option<Insn> {
        if self.keep_code {
            return self.out.insns.get(at).copied();
        }
        let mut insn = prog.insns.get(insn_idx).copied()?;
        if insn.code == LD_IMM64 {
            let addr = prog
                .relocs
                .binary_search_by_key(&insn_idx, |r| r.insn_idx)
                .ok()
                .and_then(|i| prog.relocs.get(i))
                .is_some_and(|r| matches!(r.kind, RelocKind::SubprogAddr { .. }));
            if addr {
                insn.src = PSEUDO_FUNC;
            }
        }
        Some(insn)
    }

    fn run(&mut self) -> Result<(), String> {
        self.append_code(self.main);
        self.reloc_info(self.main)?;
        // Explicit stack of (program, next instruction): hostile call chains cannot overflow ours.
        let mut stack = vec![(self.main, 0usize)];
        while let Some(&mut (p, ref mut next)) = stack.last_mut() {
            let Some(prog) = self.obj.programs.get(p) else {
                stack.pop();
                continue;
            };
            if *next >= prog.sec_insn_cnt {
                stack.pop();
                continue;
            }
            let insn_idx = *next;
            *next += 1;
            let p_off = if p == self.main { 0 } else { self.sub_off(p) };
            let at = p_off + insn_idx;
            let Some(insn) = self.insn(prog, at, insn_idx) else {
                continue;
            };
            if !insn.is_subprog_call() && !insn.is_pseudo_func() {
                continue;
            }
            let relo = prog
                .relocs
                .binary_search_by_key(&insn_idx, |r| r.insn_idx)
                .ok()
                .and_then(|i| prog.relocs.get(i));
            let target = match relo.map(|r| r.kind) {
                Some(RelocKind::ExternCall) => continue,
                Some(RelocKind::Call { sym_off }) => {
                    (sym_off / INSN_SZ) as i64 + i64::from(insn.imm) + 1
                }
                Some(RelocKind::SubprogAddr { sym_off }) => {
                    (sym_off as i64 + i64::from(insn.imm)) / INSN_SZ as i64
                }
                Some(RelocKind::Data) => {
                    return Err(format!(
                        "prog '{}': unexpected relo for insn #{insn_idx}, type 0",
                        prog.name
                    ))
                }
                None if insn.is_pseudo_func() => {
                    return Err(format!(
                        "prog '{}': missing subprog addr relo for insn #{insn_idx}",
                        prog.name
                    ))
                }
                None => prog.sec_insn_off as i64 + insn_idx as i64 + i64::from(insn.imm) + 1,
            };
            let sub = usize::try_from(target)
                .ok()
                .and_then(|t| self.obj.find_prog_by_sec_insn(self.obj.text_shndx, t))
                .filter(|_| self.obj.text_shndx != 0)
                .ok_or_else(|| {
                    format!(
                        "prog '{}': no .text section found yet sub-program call exists",
                        prog.name
                    )
                })?;
            let mut push = false;
            if self.sub_off(sub) == 0 {
                let start = self.append_code(sub);
                if let Some(slot) = self.sub_insn_off.get_mut(sub) {
                    *slot = start;
                }
                self.out.subprogs.push((sub, start));
                self.reloc_info(sub)?;
                push = true;
            }
            let imm = self.sub_off(sub) as i64 - at as i64 - 1;
            if let Some(i) = self.out.insns.get_mut(at) {
                i.imm = imm as i32;
            }
            if push {
                stack.push((sub, 0));
            }
        }
        Ok(())
    }

    /// libbpf's `reloc_prog_func_and_line_info` for program `p` appended to the main program.
    fn reloc_info(&mut self, p: usize) -> Result<(), String> {
        if self.obj.btf_ext.is_none() {
            return Ok(());
        }
        let obj = self.obj;
        let name = || obj.programs.get(p).map_or("", |x| x.name.as_str());
        for (kind, what, short) in [
            (InfoKind::FuncInfo, "function info", "func info"),
            (InfoKind::LineInfo, "line info", "line info"),
        ] {
            let has_existing = match kind {
                InfoKind::FuncInfo => self.out.func_info.is_some(),
                _ => self.out.line_info.is_some(),
            };
            if p != self.main && !has_existing {
                continue;
            }
            match self.adjust(p, kind) {
                Some(()) => {}
                None if has_existing => {
                    return Err(format!("prog '{}': missing .BTF.ext {what}.", name()));
                }
                None => self.out.log.warn(format!(
                    "prog '{}': missing .BTF.ext {what} for the main program, skipping all of .BTF.ext {short}.",
                    name()
                )),
            }
        }
        Ok(())
    }

    /// libbpf's `adjust_prog_btf_ext_info`; None is its -ENOENT.
    fn adjust(&mut self, p: usize, kind: InfoKind) -> Option<()> {
        let ext = self.obj.btf_ext.as_ref()?;
        let prog = self.obj.programs.get(p)?;
        let info = ext.info(kind);
        let idxs = match kind {
            InfoKind::FuncInfo => &self.obj.ext_sec_idxs[0],
            InfoKind::LineInfo => &self.obj.ext_sec_idxs[1],
            InfoKind::CoreRelo => &self.obj.ext_sec_idxs[2],
        };
        let endian = ext.endian();
        let rs = info.rec_size as usize;
        let (k, block) = info
            .blocks
            .iter()
            .enumerate()
            .find(|(k, _)| idxs.get(*k) == Some(&prog.sec_idx))?;
        let lo = prog.sec_insn_off;
        let hi = lo + prog.sec_insn_cnt;
        let n = block.num_info as usize;
        let insn_at = |i: usize| {
            block
                .record(i, info.rec_size)
                .and_then(|r| u32_at(r, 0, endian))
                .map(|v| v as usize / INSN_SZ as usize)
        };
        let cache = &mut self.sorted[usize::from(kind != InfoKind::FuncInfo)];
        if cache.len() < info.blocks.len() {
            cache.resize(info.blocks.len(), None);
        }
        let sorted = *cache.get_mut(k)?.get_or_insert_with(|| {
            let mut prev = 0;
            (0..n).all(|i| insn_at(i).is_some_and(|x| std::mem::replace(&mut prev, x) <= x))
        });
        let (first, end) = if sorted {
            // libbpf's scan (skip below `lo`, stop at `hi`) is two binary searches on sorted records.
            let at = |i: usize| insn_at(i).unwrap_or(usize::MAX);
            let first = partition_point(n, |i| at(i) < lo);
            let end = first + partition_point(n - first, |i| at(first + i) < hi);
            if end == first {
                return None;
            }
            (first, end)
        } else {
            let mut first = None;
            let mut end = 0;
            for i in 0..n {
                let insn = insn_at(i)?;
                if insn < lo {
                    continue;
                }
                if insn >= hi {
                    break;
                }
                first.get_or_insert(i);
                end = i + 1;
            }
            (first?, end)
        };
        let bytes = block.records.get(first * rs..end * rs)?;
        if kind == InfoKind::LineInfo {
            self.line_info_cnt += end - first;
            if !self.keep_code {
                self.out.line_info.get_or_insert_with(|| InfoRecords {
                    rec_size: info.rec_size,
                    data: Vec::new(),
                    endian,
                });
                return Some(());
            }
        }
        let p_off = if p == self.main { 0 } else { self.sub_off(p) };
        let adj = p_off as i64 - prog.sec_insn_off as i64;
        let target = match kind {
            InfoKind::FuncInfo => &mut self.out.func_info,
            _ => &mut self.out.line_info,
        };
        let recs = target.get_or_insert_with(|| InfoRecords {
            rec_size: info.rec_size,
            data: Vec::new(),
            endian,
        });
        let old = recs.data.len();
        recs.data.extend_from_slice(bytes);
        recs.rec_size = info.rec_size;
        let mut at = old;
        while at < recs.data.len() {
            let off = u32_at(&recs.data, at, endian)?;
            let new = (i64::from(off / INSN_SZ as u32) + adj) as u32;
            put_u32(&mut recs.data, at, endian, new);
            at += rs;
        }
        Some(())
    }
}

fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}
