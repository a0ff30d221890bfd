//! CO-RE relocations (`.BTF.ext` core_relo records) resolved against a target BTF, as libbpf 1.7's
//! `bpf_object__relocate_core` does before load: candidates by essential name (the `___flavor`
//! rule), spec matching, ambiguity checks, the candidate cache pruned per local type, instruction
//! patching and poisoning.
//!
//! [`relocate`] takes an object and a target BTF (for example `/sys/kernel/btf/vmlinux`) and
//! reports every relocation; [`apply`] patches an opened [`Object`]'s instructions in place (the
//! loader's path).
//!
//! Differences from libbpf, all on input libbpf itself mishandles: access strings with signs or
//! spaces are rejected, hostile BTF stops at explicit bounds instead of looping or dividing by
//! zero, and kernel module BTF is not searched when vmlinux has no candidate (libbpf does that
//! only without a custom target BTF).

pub(crate) mod compat;
mod render;
mod spec;

pub use render::render_text;

use std::collections::HashMap;

use crate::btf::ext::InfoKind;
use crate::btf::Btf;
use crate::bytes::u32_at;
use crate::error::Result;
use crate::program::insn::Insn;
use crate::program::{Object, INSN_SZ};
use compat::{essential_eq, kind_compat, name};
use spec::{Res, Spec, EINVAL, ERANGE};

/// `BPF_JMP | BPF_CALL` with imm `0xbad2310`: what libbpf writes over an instruction whose
/// relocation has no valid target (the verifier reports `invalid func unknown#195896080` if it
/// is reachable).
pub const POISON_IMM: i32 = 195_896_080;

/// A relocation kind (`enum bpf_core_relo_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Kind {
    FieldByteOffset,
    FieldByteSize,
    FieldExists,
    FieldSigned,
    FieldLshiftU64,
    FieldRshiftU64,
    TypeIdLocal,
    TypeIdTarget,
    TypeExists,
    TypeSize,
    EnumvalExists,
    EnumvalValue,
    TypeMatches,
    /// A kind number libbpf does not know.
    Unknown(u32),
}

impl Kind {
    /// The kind for its number.
    pub fn from_raw(v: u32) -> Kind {
        use Kind::*;
        match v {
            0 => FieldByteOffset,
            1 => FieldByteSize,
            2 => FieldExists,
            3 => FieldSigned,
            4 => FieldLshiftU64,
            5 => FieldRshiftU64,
            6 => TypeIdLocal,
            7 => TypeIdTarget,
            8 => TypeExists,
            9 => TypeSize,
            10 => EnumvalExists,
            11 => EnumvalValue,
            12 => TypeMatches,
            n => Unknown(n),
        }
    }

    /// libbpf's short name (`byte_off`, `field_exists`, …).
    pub fn name(self) -> &'static str {
        use Kind::*;
        match self {
            FieldByteOffset => "byte_off",
            FieldByteSize => "byte_sz",
            FieldExists => "field_exists",
            FieldSigned => "signed",
            FieldLshiftU64 => "lshift_u64",
            FieldRshiftU64 => "rshift_u64",
            TypeIdLocal => "local_type_id",
            TypeIdTarget => "target_type_id",
            TypeExists => "type_exists",
            TypeMatches => "type_matches",
            TypeSize => "type_size",
            EnumvalExists => "enumval_exists",
            EnumvalValue => "enumval_value",
            Unknown(_) => "unknown",
        }
    }

    fn is_field_based(self) -> bool {
        use Kind::*;
        matches!(
            self,
            FieldByteOffset
                | FieldByteSize
                | FieldExists
                | FieldSigned
                | FieldLshiftU64
                | FieldRshiftU64
        )
    }

    fn is_type_based(self) -> bool {
        use Kind::*;
        matches!(
            self,
            TypeIdLocal | TypeIdTarget | TypeExists | TypeMatches | TypeSize
        )
    }

    fn is_enumval_based(self) -> bool {
        matches!(self, Kind::EnumvalExists | Kind::EnumvalValue)
    }
}

/// What happened to one relocation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// The instruction now holds `new` where the compiler wrote `orig`.
    Patched {
        /// The value computed from the local BTF (what the instruction held).
        orig: u64,
        /// The value for the target.
        new: u64,
        /// New load/store size in bytes, when it changed.
        #[serde(skip_serializing_if = "Option::is_none")]
        mem_size: Option<u32>,
    },
    /// No valid target: the instruction (both halves of an ld_imm64) became `call 0xbad2310`.
    Poisoned {
        /// Why.
        reason: String,
    },
    /// libbpf skips it (a program that is not loaded, or an eliminated weak subprogram).
    Skipped {
        /// Why.
        reason: String,
    },
    /// libbpf fails the object with this message.
    Failed {
        /// libbpf's message (without the `prog '…': relo #…:` prefix).
        message: String,
        /// The negative errno libbpf returns.
        errno: i32,
    },
}

/// One relocation record and its result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Relocation {
    /// ELF section the record belongs to.
    pub section: String,
    /// Record index within the section (libbpf's `relo #N`).
    pub index: u32,
    /// Program containing the instruction (empty when none does).
    pub program: String,
    /// Instruction index within the program.
    pub insn: u64,
    /// Kind.
    pub kind: Kind,
    /// Local type id.
    pub type_id: u32,
    /// Local type, C-style.
    pub type_name: String,
    /// Access string.
    pub access: String,
    /// libbpf's rendering of the local spec (empty when parsing failed).
    pub local_spec: String,
    /// Target candidates still in the cache when this record was resolved (type ids).
    pub candidates: Vec<u32>,
    /// libbpf's rendering of the chosen target spec (empty when none matched).
    pub target_spec: String,
    /// The result.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A program's instructions after relocation (before linking).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProgramInsns {
    /// Program name.
    pub name: String,
    /// ELF section.
    pub section: String,
    /// Instructions as 16 hex digits each (the 8 bytes in file order).
    pub insns: Vec<String>,
}

/// Every relocation of an object against one target BTF.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CoreReport {
    /// Types in the target BTF (including void).
    pub target_types: u32,
    /// Relocations in `.BTF.ext` order.
    pub relocations: Vec<Relocation>,
    /// Programs that have relocations, after patching.
    pub programs: Vec<ProgramInsns>,
    /// The first failure (libbpf stops preparing the object there); `None`: the object loads.
    pub error: Option<String>,
}

/// Resolves every CO-RE relocation of the ELF object `obj` against the raw BTF `target` and
/// reports the results with the patched instructions.
pub fn relocate(obj: &[u8], target: &[u8]) -> Result<CoreReport> {
    let mut o = Object::open(obj)?;
    let target = Btf::parse(target)?;
    Ok(apply(&mut o, &target))
}

/// The candidate cache, keyed by local type id (libbpf prunes the list as candidates fail).
type Cache = HashMap<u32, Vec<u32>>;

/// Applies the relocations to `obj.programs[..].insns` in place, as libbpf does before linking.
/// The object should not be loaded when the report has an `error`.
pub fn apply(obj: &mut Object<'_>, target: &Btf<'_>) -> CoreReport {
    let mut report = CoreReport {
        target_types: target.type_cnt(),
        relocations: Vec::new(),
        programs: Vec::new(),
        error: None,
    };
    let (Some(local), Some(ext)) = (obj.btf.clone(), obj.btf_ext.clone()) else {
        return report;
    };
    let info = ext.info(InfoKind::CoreRelo).clone();
    let endian = ext.endian();
    let ptrs = (compat::ptr_size(&local), compat::ptr_size(target));
    let mut cache = Cache::new();
    let mut touched: Vec<usize> = Vec::new();
    for (k, block) in info.blocks.iter().enumerate() {
        let sec_idx = obj.ext_sec_idxs[2].get(k).copied().unwrap_or(0);
        let section = local.name(block.sec_name_off).into_owned();
        if section.is_empty() {
            report.error = Some(format!(
                "CO-RE relocation block #{k} has no section name: -22"
            ));
            break;
        }
        for i in 0..block.num_info {
            let Some(rec) = block.record(i as usize, info.rec_size) else {
                break;
            };
            let word = |o: usize| u32_at(rec, o, endian).unwrap_or(0);
            let (insn_off, type_id, access_off, kind) = (word(0), word(4), word(8), word(12));
            let kind = Kind::from_raw(kind);
            let mut r = Relocation {
                section: section.clone(),
                index: i,
                program: String::new(),
                insn: u64::from(insn_off) / INSN_SZ,
                kind,
                type_id,
                type_name: spec::type_name(&local, type_id),
                access: local.name(access_off).into_owned(),
                local_spec: String::new(),
                candidates: Vec::new(),
                target_spec: String::new(),
                outcome: Outcome::Skipped {
                    reason: String::new(),
                },
            };
            let outcome = if u64::from(insn_off) % INSN_SZ != 0 {
                fail(
                    EINVAL,
                    format!("insn_off {insn_off} is not a multiple of 8"),
                )
            } else {
                let sec_insn = (insn_off / 8) as usize;
                match obj.find_prog_by_sec_insn(sec_idx, sec_insn) {
                    None => Outcome::Skipped {
                        reason: format!(
                            "insn #{sec_insn} belongs to no program (an eliminated weak subprogram)"
                        ),
                    },
                    Some(p) => {
                        let prog = obj.programs.get_mut(p);
                        match prog {
                            None => fail(EINVAL, "program vanished".into()),
                            Some(prog) => {
                                r.program = prog.name.clone();
                                let idx = sec_insn.saturating_sub(prog.sec_insn_off);
                                r.insn = idx as u64;
                                if !prog.autoload {
                                    Outcome::Skipped {
                                        reason: "the program is not loaded".into(),
                                    }
                                } else if idx >= prog.insns.len() {
                                    fail(EINVAL, format!("insn #{idx} is past the program"))
                                } else {
                                    if !touched.contains(&p) {
                                        touched.push(p);
                                    }
                                    let res = resolve(
                                        &local, target, ptrs, &mut cache, type_id, access_off,
                                        kind, &mut r,
                                    );
                                    match res {
                                        Ok(res) => patch(&mut prog.insns, idx, &res),
                                        Err((errno, message)) => Outcome::Failed { message, errno },
                                    }
                                }
                            }
                        }
                    }
                }
            };
            if let (Outcome::Failed { message, errno }, None) = (&outcome, &report.error) {
                report.error = Some(format!(
                    "prog '{}': relo #{}: {message} ({errno})",
                    r.program, r.index
                ));
            }
            r.outcome = outcome;
            report.relocations.push(r);
        }
    }
    touched.sort_unstable();
    let endian = obj.endian();
    for p in touched {
        if let Some(prog) = obj.programs.get(p) {
            report.programs.push(ProgramInsns {
                name: prog.name.clone(),
                section: prog.sec_name.clone(),
                insns: prog
                    .insns
                    .iter()
                    .map(|i| {
                        i.encode(endian)
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect()
                    })
                    .collect(),
            });
        }
    }
    report
}

fn fail(errno: i32, message: String) -> Outcome {
    Outcome::Failed { message, errno }
}

/// Candidates for local type `local_id`: same kind (any enum for enums), same essential name.
fn find_cands(local: &Btf<'_>, target: &Btf<'_>, local_id: u32) -> Result<Vec<u32>, i32> {
    let lt = local.get(local_id).ok_or(EINVAL)?;
    let lname = name(local, lt.name_off);
    if lname.is_empty() {
        return Err(EINVAL);
    }
    Ok(target
        .types()
        .filter(|t| kind_compat(t.kind, lt.kind))
        .filter(|t| {
            let n = name(target, t.name_off);
            !n.is_empty() && essential_eq(lname, n)
        })
        .map(|t| t.id)
        .collect())
}

/// libbpf's `bpf_core_resolve_relo` + `bpf_core_calc_relo_insn`.
#[allow(clippy::too_many_arguments)]
fn resolve(
    local: &Btf<'_>,
    target: &Btf<'_>,
    ptrs: (u32, u32),
    cache: &mut Cache,
    type_id: u32,
    access_off: u32,
    kind: Kind,
    r: &mut Relocation,
) -> Result<Res, (i32, String)> {
    let lt = local
        .get(type_id)
        .ok_or((EINVAL, format!("local type [{type_id}] does not exist")))?;
    let lname = local
        .str_at(lt.name_off)
        .ok_or((EINVAL, format!("local type [{type_id}] has no name string")))?;
    if kind != Kind::TypeIdLocal && !cache.contains_key(&type_id) {
        let c = find_cands(local, target, type_id).map_err(|e| {
            (
                e,
                format!(
                    "target candidate search failed for [{type_id}] {} {}",
                    lt.kind.name(),
                    String::from_utf8_lossy(lname)
                ),
            )
        })?;
        cache.insert(type_id, c);
    }
    let access = local.str_at(access_off).unwrap_or_default();
    let lspec = spec::parse(local, ptrs.0, type_id, access, kind).map_err(|e| {
        (
            EINVAL,
            format!(
                "parsing [{type_id}] {} {} + {} failed: {}",
                lt.kind.name(),
                if lname.is_empty() {
                    "<anon>".into()
                } else {
                    String::from_utf8_lossy(lname)
                },
                String::from_utf8_lossy(access),
                e.code()
            ),
        )
    })?;
    r.local_spec = spec::format(&lspec, local);
    if kind == Kind::TypeIdLocal {
        return Ok(Res {
            orig_val: u64::from(type_id),
            new_val: u64::from(type_id),
            ..Res::default()
        });
    }
    if lname.is_empty() {
        return Err((
            spec::EOPNOTSUPP,
            format!(
                "<{}> relocation doesn't support anonymous types",
                kind.name()
            ),
        ));
    }
    let cands = cache.get(&type_id).cloned().unwrap_or_default();
    r.candidates.clone_from(&cands);
    let mut kept: Vec<u32> = Vec::new();
    let mut best: Option<(Res, Spec<'_>)> = None;
    for (i, &cand) in cands.iter().enumerate() {
        let m = spec::matches(&lspec, local, target, ptrs.1, cand).map_err(|e| {
            (
                e.code(),
                format!("error matching candidate #{i} [{cand}]: {}", e.code()),
            )
        })?;
        let Some(cspec) = m else { continue };
        let cres = spec::calc(kind, (&lspec, local), Some((&cspec, target)), ptrs)
            .map_err(|e| (e, calc_message(kind, e)))?;
        match &best {
            None => {
                r.target_spec = spec::format(&cspec, target);
                best = Some((cres, cspec));
            }
            Some((bres, bspec)) => {
                if cspec.bit_offset != bspec.bit_offset {
                    return Err((
                        EINVAL,
                        format!(
                            "field offset ambiguity: {} != {}",
                            cspec.bit_offset, bspec.bit_offset
                        ),
                    ));
                }
                if cres.poison != bres.poison || cres.new_val != bres.new_val {
                    let word = |p: bool| if p { "failure" } else { "success" };
                    return Err((
                        EINVAL,
                        format!(
                            "relocation decision ambiguity: {} {} != {} {}",
                            word(cres.poison),
                            cres.new_val,
                            word(bres.poison),
                            bres.new_val
                        ),
                    ));
                }
            }
        }
        kept.push(cand);
    }
    if let Some((res, _)) = best {
        cache.insert(type_id, kept);
        return Ok(res);
    }
    spec::calc(kind, (&lspec, local), None, ptrs).map_err(|e| (e, calc_message(kind, e)))
}

fn calc_message(kind: Kind, errno: i32) -> String {
    if errno == spec::EOPNOTSUPP {
        format!(
            "unrecognized CO-RE relocation {} ({})",
            kind.name(),
            kind_num(kind)
        )
    } else {
        format!("failed to compute the {} value: {errno}", kind.name())
    }
}

fn kind_num(kind: Kind) -> u32 {
    match kind {
        Kind::Unknown(n) => n,
        k => (0..13).find(|&n| Kind::from_raw(n) == k).unwrap_or(0),
    }
}

const CLASS_LD: u8 = 0x00;
const CLASS_LDX: u8 = 0x01;
const CLASS_ST: u8 = 0x02;
const CLASS_STX: u8 = 0x03;
const CLASS_ALU: u8 = 0x04;
const CLASS_ALU64: u8 = 0x07;

fn poison_one(insns: &mut [Insn], idx: usize) {
    if let Some(i) = insns.get_mut(idx) {
        *i = Insn {
            code: crate::program::insn::CALL,
            dst: 0,
            src: 0,
            off: 0,
            imm: POISON_IMM,
        };
    }
}

fn poison(insns: &mut [Insn], idx: usize, reason: String) -> Outcome {
    if insns.get(idx).is_some_and(Insn::is_ld_imm64) {
        poison_one(insns, idx.saturating_add(1));
    }
    poison_one(insns, idx);
    Outcome::Poisoned { reason }
}

fn mem_bytes(code: u8) -> u32 {
    match code & 0x18 {
        0x18 => 8,
        0x00 => 4,
        0x08 => 2,
        _ => 1,
    }
}

fn mem_code(bytes: u32) -> Option<u8> {
    match bytes {
        8 => Some(0x18),
        4 => Some(0x00),
        2 => Some(0x08),
        1 => Some(0x10),
        _ => None,
    }
}

/// libbpf's `bpf_core_patch_insn`.
fn patch(insns: &mut [Insn], idx: usize, res: &Res) -> Outcome {
    if res.poison {
        return poison(insns, idx, "no target has the field, type or value".into());
    }
    let Some(mut insn) = insns.get(idx).copied() else {
        return fail(EINVAL, format!("insn #{idx} is past the program"));
    };
    let (orig, new) = (res.orig_val, res.new_val);
    let mut mem_size = None;
    match insn.code & 0x07 {
        CLASS_ALU | CLASS_ALU64 => {
            if insn.code & 0x08 != 0 {
                return fail(EINVAL, format!("insn #{idx} (ALU/ALU64) has a register source"));
            }
            if res.validate && i64::from(insn.imm) as u64 != orig {
                return fail(
                    EINVAL,
                    format!(
                        "unexpected insn #{idx} (ALU/ALU64) value: got {}, exp {orig} -> {new}",
                        insn.imm as u32
                    ),
                );
            }
            insn.imm = new as i32;
        }
        CLASS_LDX | CLASS_ST | CLASS_STX => {
            if res.validate && i64::from(insn.off) as u64 != orig {
                return fail(
                    EINVAL,
                    format!(
                        "unexpected insn #{idx} (LDX/ST/STX) value: got {}, exp {orig} -> {new}",
                        insn.off as u16
                    ),
                );
            }
            if new > i16::MAX as u64 {
                return fail(
                    ERANGE,
                    format!("insn #{idx} (LDX/ST/STX) value too big: {new}"),
                );
            }
            if res.fail_memsz_adjust {
                return poison(
                    insns,
                    idx,
                    format!("insn #{idx} (LDX/ST/STX) accesses field incorrectly (size {} -> {})", res.orig_sz, res.new_sz),
                );
            }
            insn.off = new as i16;
            if res.new_sz != res.orig_sz {
                let have = mem_bytes(insn.code);
                if have != res.orig_sz {
                    return fail(
                        EINVAL,
                        format!(
                            "insn #{idx} (LDX/ST/STX) unexpected mem size: got {have}, exp {}",
                            res.orig_sz
                        ),
                    );
                }
                let Some(sz) = mem_code(res.new_sz) else {
                    return fail(
                        EINVAL,
                        format!("insn #{idx} (LDX/ST/STX) invalid new mem size: {}", res.new_sz),
                    );
                };
                insn.code = (insn.code & 0xe0) | sz | (insn.code & 0x07);
                mem_size = Some(res.new_sz);
            }
        }
        CLASS_LD => {
            let next = insns.get(idx.saturating_add(1)).copied();
            let Some(mut hi) = next.filter(|n| {
                insn.is_ld_imm64()
                    && insn.src == 0
                    && insn.off == 0
                    && n.code == 0
                    && n.dst == 0
                    && n.src == 0
                    && n.off == 0
            }) else {
                return fail(EINVAL, format!("insn #{idx} (LDIMM64) has unexpected form"));
            };
            let imm = u64::from(insn.imm as u32) | (u64::from(hi.imm as u32) << 32);
            if res.validate && imm != orig {
                return fail(
                    EINVAL,
                    format!("unexpected insn #{idx} (LDIMM64) value: got {imm}, exp {orig} -> {new}"),
                );
            }
            insn.imm = new as u32 as i32;
            hi.imm = (new >> 32) as u32 as i32;
            if let Some(slot) = insns.get_mut(idx.saturating_add(1)) {
                *slot = hi;
            }
        }
        _ => {
            return fail(
                EINVAL,
                format!(
                    "trying to relocate unrecognized insn #{idx}, code:{:#x}, src:{:#x}, dst:{:#x}, off:{:#x}, imm:{:#x}",
                    insn.code, insn.src, insn.dst, insn.off, insn.imm
                ),
            )
        }
    }
    if let Some(slot) = insns.get_mut(idx) {
        *slot = insn;
    }
    Outcome::Patched {
        orig,
        new,
        mem_size,
    }
}

/// For the loader: applies the relocations against `vmlinux` (the running kernel's BTF, read by
/// the caller) when the object has any; `Err` is the message the load fails with.
pub fn apply_for_load(
    obj: &mut Object<'_>,
    vmlinux: impl FnOnce() -> std::result::Result<Vec<u8>, String>,
) -> std::result::Result<(), String> {
    let has = obj
        .btf_ext
        .as_ref()
        .is_some_and(|x| !x.core_relo.blocks.is_empty());
    if !has {
        return Ok(());
    }
    let bytes = vmlinux()?;
    let target = Btf::parse(&bytes).map_err(|e| format!("kernel BTF: {e}"))?;
    match apply(obj, &target).error {
        Some(e) => Err(format!("CO-RE: {e}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insn(code: u8, off: i16, imm: i32) -> Insn {
        Insn {
            code,
            dst: 1,
            src: 0,
            off,
            imm,
        }
    }

    fn res(orig: u64, new: u64) -> Res {
        Res {
            orig_val: orig,
            new_val: new,
            validate: true,
            ..Res::default()
        }
    }

    #[test]
    fn poisons_both_halves_of_ld_imm64() {
        let mut v = vec![insn(0x18, 0, 2), insn(0, 0, 0), insn(0x95, 0, 0)];
        let r = Res {
            poison: true,
            ..res(2, 0)
        };
        assert!(matches!(patch(&mut v, 0, &r), Outcome::Poisoned { .. }));
        for i in &v[..2] {
            assert_eq!((i.code, i.dst, i.imm), (0x85, 0, POISON_IMM));
        }
        assert_eq!(v[2].code, 0x95);
    }

    #[test]
    fn alu_ldx_and_ld_imm64_patching() {
        let mut v = vec![insn(0xb7, 0, 4)];
        assert!(matches!(
            patch(&mut v, 0, &res(4, 1264)),
            Outcome::Patched { new: 1264, .. }
        ));
        assert_eq!(v[0].imm, 1264);
        // the instruction does not hold the expected local value
        assert!(matches!(
            patch(&mut v, 0, &res(4, 8)),
            Outcome::Failed { errno: -22, .. }
        ));
        // a u32 load of a field that is a u64 in the target
        let mut v = vec![insn(0x61, 8, 0)];
        let r = Res {
            orig_sz: 4,
            new_sz: 8,
            ..res(8, 16)
        };
        assert_eq!(
            patch(&mut v, 0, &r),
            Outcome::Patched {
                orig: 8,
                new: 16,
                mem_size: Some(8)
            }
        );
        assert_eq!((v[0].code, v[0].off), (0x79, 16));
        let r = Res {
            fail_memsz_adjust: true,
            ..r
        };
        let mut v = vec![insn(0x61, 8, 0)];
        assert!(matches!(patch(&mut v, 0, &r), Outcome::Poisoned { .. }));
        let mut v = vec![insn(0x61, 8, 0)];
        assert!(matches!(
            patch(&mut v, 0, &res(8, 40000)),
            Outcome::Failed { errno: -34, .. }
        ));
        let hi = Insn {
            dst: 0,
            ..insn(0, 0, 0)
        };
        let mut v = vec![insn(0x18, 0, 5), hi];
        assert!(matches!(
            patch(&mut v, 0, &res(5, 0x1_0000_0002)),
            Outcome::Patched { .. }
        ));
        assert_eq!((v[0].imm, v[1].imm), (2, 1));
        // an ld_imm64 at the very end has no second half
        let mut v = vec![insn(0x18, 0, 5)];
        assert!(matches!(
            patch(&mut v, 0, &res(5, 1)),
            Outcome::Failed { .. }
        ));
    }
}
