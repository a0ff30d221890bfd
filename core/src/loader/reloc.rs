//! Data relocations of a linked program (libbpf's `bpf_object__relocate_data`): `ld_imm64` of a
//! `.maps` variable becomes `BPF_PSEUDO_MAP_FD`, of global data `BPF_PSEUDO_MAP_VALUE` with the
//! offset in the second half; externs as [`super::externs`] resolved them (a kconfig value in
//! the `.kconfig` map, a typed ksym or kfunc address as `BPF_PSEUDO_BTF_ID`, an untyped ksym's
//! address, kfunc calls as `BPF_PSEUDO_KFUNC_CALL`, an unresolved weak kfunc call poisoned as
//! libbpf poisons it). Calls and callbacks were resolved by [`crate::program::link`]; this module
//! also finds what the loader does not support (arenas, jump tables) so the program fails with a
//! message instead of loading wrongly.

use crate::elf::consts as elf;
use crate::program::insn::Insn;
use crate::program::{Object, RelocKind, INSN_SZ};

use super::externs::{Resolved, Value};
use super::maps::{MapDef, MapKind};
use super::Problem;

/// `BPF_PSEUDO_MAP_FD`.
const PSEUDO_MAP_FD: u8 = 1;
/// `BPF_PSEUDO_MAP_VALUE`.
const PSEUDO_MAP_VALUE: u8 = 2;
/// `BPF_PSEUDO_BTF_ID`.
const PSEUDO_BTF_ID: u8 = 3;
/// `BPF_PSEUDO_KFUNC_CALL`.
const PSEUDO_KFUNC_CALL: u8 = 2;
/// libbpf's `POISON_CALL_KFUNC_BASE`: an unresolved weak kfunc call becomes a call to helper
/// `base + extern index`, which the verifier refuses unless the code is dead.
const POISON_CALL_KFUNC_BASE: i32 = 2_002_000_000;

/// A map ready for relocation: its definition and descriptor number.
pub(crate) struct MapRef<'m> {
    pub(crate) def: &'m MapDef,
    pub(crate) fd: i32,
}

/// The pieces of a linked program: (index into `obj.programs`, first instruction).
pub(crate) type Pieces = [(usize, usize)];

/// Applies every data relocation of every piece to `insns`.
pub(crate) fn apply(
    obj: &Object<'_>,
    pieces: &Pieces,
    insns: &mut [Insn],
    maps: &[MapRef<'_>],
    externs: &Resolved,
) -> Result<(), Problem> {
    for &(p, start) in pieces {
        let Some(prog) = obj.programs.get(p) else {
            continue;
        };
        let lo = (prog.sec_insn_off as u64).saturating_mul(INSN_SZ);
        let hi =
            (prog.sec_insn_off.saturating_add(prog.sec_insn_cnt) as u64).saturating_mul(INSN_SZ);
        let rels = obj
            .elf
            .relocations
            .iter()
            .filter(|(_, target, _)| *target == prog.sec_idx)
            .flat_map(|(_, _, r)| r.iter());
        for rel in rels.filter(|r| r.offset >= lo && r.offset < hi) {
            let local = ((rel.offset - lo) / INSN_SZ) as usize;
            let at = start.saturating_add(local);
            let kind = prog
                .relocs
                .iter()
                .find(|r| r.insn_idx == local)
                .map(|r| r.kind);
            let sym = obj.elf.symbols.get(rel.sym as usize);
            let sym_name = sym.map_or("", |s| s.name);
            let resolved = |name: &str| {
                externs.values.get(name).copied().ok_or_else(|| {
                    Problem::Invalid(format!(
                        "insn #{at}: extern '{name}' was not collected from the object's BTF"
                    ))
                })
            };
            match kind {
                Some(RelocKind::Call { .. }) | Some(RelocKind::SubprogAddr { .. }) => continue,
                Some(RelocKind::ExternCall) => {
                    let (value, idx) = resolved(sym_name)?;
                    let Some(insn) = insns.get_mut(at) else {
                        return Err(Problem::Invalid(format!(
                            "insn #{at}: kfunc call to '{sym_name}' outside the program"
                        )));
                    };
                    match value {
                        Value::BtfId(id) => {
                            insn.src = PSEUDO_KFUNC_CALL;
                            insn.imm = i32::try_from(id).unwrap_or(i32::MAX);
                            insn.off = 0;
                        }
                        _ => {
                            insn.dst = 0;
                            insn.src = 0;
                            insn.off = 0;
                            insn.imm = POISON_CALL_KFUNC_BASE
                                .saturating_add(i32::try_from(idx).unwrap_or(i32::MAX));
                        }
                    }
                    continue;
                }
                Some(RelocKind::Data) | None => {}
            }
            let Some(sym) = sym else {
                return Err(Problem::Invalid(format!(
                    "insn #{at}: relocation names symbol #{} which does not exist",
                    rel.sym
                )));
            };
            let first = insns.get(at).copied();
            let second = insns.get(at.saturating_add(1)).copied();
            let (Some(first), Some(_)) = (first, second) else {
                return Err(Problem::Invalid(format!(
                    "insn #{at}: relocation against '{}' outside the program",
                    sym.name
                )));
            };
            if !first.is_ld_imm64() {
                return Err(Problem::Invalid(format!(
                    "insn #{at}: relocation against '{}' on instruction code {:#x}, not ld_imm64",
                    sym.name, first.code
                )));
            }
            if sym.shndx == elf::SHN_UNDEF {
                let (value, _) = resolved(sym.name)?;
                let (src, imm, hi) = match value {
                    Value::Kconfig(off) => {
                        let map = maps
                            .iter()
                            .find(|m| m.def.kind == MapKind::Kconfig)
                            .ok_or_else(|| Problem::Invalid("no .kconfig map".into()))?;
                        (
                            PSEUDO_MAP_VALUE,
                            map.fd,
                            i32::try_from(off).unwrap_or(i32::MAX),
                        )
                    }
                    Value::BtfId(id) => (PSEUDO_BTF_ID, i32::try_from(id).unwrap_or(i32::MAX), 0),
                    Value::Addr(a) => (0, a as u32 as i32, (a >> 32) as u32 as i32),
                    Value::Unset => (0, 0, 0),
                };
                let mut first = first;
                first.src = src;
                first.imm = imm;
                if let Some(slot) = insns.get_mut(at) {
                    *slot = first;
                }
                if let Some(next) = insns.get_mut(at.saturating_add(1)) {
                    next.imm = hi;
                }
                continue;
            }
            let sec_name = obj.elf.section(sym.shndx as usize).map_or("", |s| s.name);
            let map = maps.iter().find(|m| {
                m.def.sec_idx == sym.shndx as usize
                    && (m.def.kind != MapKind::Btf || m.def.sec_offset == sym.value)
            });
            let Some(map) = map else {
                let msg = match sec_name {
                    ".maps" => format!(
                        "insn #{at}: map relocation failed to find map for section '.maps', off {}",
                        sym.value
                    ),
                    n if n.starts_with(".addr_space") => {
                        return Err(Problem::Unsupported(format!(
                            "insn #{at}: arena data relocation against '{}' in section '{n}': BPF arenas are not supported by this loader",
                            sym.name
                        )))
                    }
                    ".jumptables" => {
                        return Err(Problem::Unsupported(format!(
                            "insn #{at}: jump table relocation against '{}': indirect jumps are not supported by this loader",
                            sym.name
                        )))
                    }
                    n => format!("insn #{at}: bad data relocation against section '{n}'"),
                };
                return Err(Problem::Invalid(msg));
            };
            let mut first = first;
            if map.def.kind == MapKind::Btf {
                first.src = PSEUDO_MAP_FD;
                first.imm = map.fd;
            } else {
                let off = i64::from(first.imm)
                    .checked_add(i64::try_from(sym.value).unwrap_or(i64::MAX))
                    .and_then(|v| i32::try_from(v).ok())
                    .ok_or_else(|| {
                        Problem::Invalid(format!(
                            "insn #{at}: offset {} + {} into '{sec_name}' overflows",
                            first.imm, sym.value
                        ))
                    })?;
                first.src = PSEUDO_MAP_VALUE;
                first.imm = map.fd;
                if let Some(next) = insns.get_mut(at.saturating_add(1)) {
                    next.imm = off;
                }
            }
            if let Some(slot) = insns.get_mut(at) {
                *slot = first;
            }
        }
    }
    Ok(())
}
