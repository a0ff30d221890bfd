//! libbpf 1.7's `bpf_object__collect_externs`: what it changes in the object's BTF for `__ksym`
//! and `__kconfig` externs when it opens the object, before anything else touches the BTF.
//!
//! - A `.ksyms` DATASEC that holds a function (a kfunc declaration) gets a `VAR dummy_ksym`
//!   (global, allocated, of the first 32-bit INT). Each kfunc's FUNC becomes global (the kernel
//!   refuses `linkage=extern`), its anonymous parameters take the name `dummy_ksym`, and its
//!   DATASEC entry points at that VAR.
//! - Every `.ksyms` variable becomes a global allocated VAR of that INT; entries are 4 bytes at
//!   4-byte steps, and the DATASEC's size is their count × 4.
//! - `.kconfig` variables become global allocated VARs at the offsets libbpf lays the `.kconfig`
//!   map out with (externs sorted by alignment, descending, then size, then name).
//!
//! The errors are libbpf's, for the externs it cannot collect.

use std::collections::HashMap;

use crate::btf::{Btf, BtfBuilder, Kind, VarSecInfo};
use crate::elf::consts as elf;
use crate::error::{Error, Result};
use crate::log::Log;
use crate::program::Object;

const KCONFIG_SEC: &[u8] = b".kconfig";
const KSYMS_SEC: &[u8] = b".ksyms";
const VAR_GLOBAL_ALLOCATED: u32 = 1;
const VAR_GLOBAL_EXTERN: u32 = 2;
const FUNC_GLOBAL: u32 = 1;
const FUNC_EXTERN: u32 = 2;
/// `BTF_INT_BOOL` in an INT's encoding bits.
const INT_BOOL: u32 = 4;
/// Bound on typedef/modifier/array chains (clang emits a few links; hostile input is cut here).
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ExternKind {
    Kconfig,
    Ksym,
}

struct Extern {
    kind: ExternKind,
    name: Vec<u8>,
    /// `.kconfig` only: size and alignment of the variable's type.
    size: u32,
    align: u32,
    /// `.kconfig` only: offset in the `.kconfig` map.
    data_off: u32,
}

fn unsupported(msg: String) -> Error {
    Error::Unsupported(msg)
}

/// libbpf's `btf__align_of` for the kinds a `.kconfig` variable may have (others: `None`).
fn align_of(btf: &Btf<'_>, mut id: u32) -> Option<u32> {
    for _ in 0..MAX_DEPTH {
        let t = btf.get(id)?;
        match t.kind {
            Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Float => return Some(t.size().min(8)),
            Kind::Ptr => return Some(8),
            Kind::Typedef | Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag => {
                id = t.type_id();
            }
            Kind::Array => id = t.array()?.type_id,
            _ => return None,
        }
    }
    None
}

/// libbpf's `KCFG_*` classes of a `__kconfig` variable's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KcfgType {
    /// A 1-byte `bool` (`BTF_INT_BOOL`).
    Bool,
    /// A 1-byte integer.
    Char,
    /// The `libbpf_tristate` enum.
    Tristate,
    /// An integer of 2, 4 or 8 bytes.
    Int {
        /// `BTF_INT_SIGNED`.
        signed: bool,
    },
    /// An array of chars.
    CharArray,
}

/// libbpf's `find_kcfg_type`: the class of type `id` (after modifiers and typedefs), `None` for
/// a type libbpf does not support (bool of another size, odd integer sizes, other enums, arrays
/// of anything but chars, everything else).
pub(crate) fn kcfg_type(btf: &Btf<'_>, id: u32) -> Option<KcfgType> {
    kcfg_type_at(btf, id, 0)
}

fn kcfg_type_at(btf: &Btf<'_>, id: u32, depth: usize) -> Option<KcfgType> {
    if depth > MAX_DEPTH {
        return None;
    }
    let t = btf.skip_mods_and_typedefs(id)?;
    let size = t.size();
    match t.kind {
        Kind::Int => {
            let enc = t.int_encoding().map_or(0, |e| e >> 24);
            if enc & INT_BOOL != 0 {
                return (size == 1).then_some(KcfgType::Bool);
            }
            if size == 1 {
                return Some(KcfgType::Char);
            }
            (size <= 8 && size.is_power_of_two()).then_some(KcfgType::Int {
                signed: enc & 1 != 0,
            })
        }
        Kind::Enum | Kind::Enum64 => ((t.kind == Kind::Enum64 || size == 4)
            && btf.str_at(t.name_off) == Some(&b"libbpf_tristate"[..]))
        .then_some(KcfgType::Tristate),
        Kind::Array => {
            let a = t.array()?;
            (a.nelems != 0 && kcfg_type_at(btf, a.type_id, depth + 1) == Some(KcfgType::Char))
                .then_some(KcfgType::CharArray)
        }
        _ => None,
    }
}

/// What libbpf finds by scanning every type for each extern, indexed once (an object with many
/// externs and types would otherwise cost their product): the first VAR or FUNC of each name, and
/// the first DATASEC that holds each type.
struct Index {
    by_name: HashMap<Vec<u8>, u32>,
    sec_of: HashMap<u32, u32>,
}

impl Index {
    fn new(b: &BtfBuilder) -> Index {
        let mut by_name = HashMap::new();
        let mut sec_of = HashMap::new();
        for id in 1..b.type_cnt() {
            let Some(t) = b.get(id) else { continue };
            match t.kind {
                Kind::Var | Kind::Func => {
                    let name = b.str_at(t.name_off).unwrap_or_default().to_vec();
                    by_name.entry(name).or_insert(id);
                }
                Kind::Datasec => {
                    for v in t.datasec_vars() {
                        sec_of.entry(v.type_id).or_insert(id);
                    }
                }
                _ => {}
            }
        }
        Index { by_name, sec_of }
    }

    /// The first FUNC or VAR named `name`, which must be an extern declaration.
    fn extern_btf_id(&self, b: &BtfBuilder, name: &[u8]) -> std::result::Result<u32, i32> {
        let id = *self.by_name.get(name).ok_or(-2)?;
        let t = b.get(id).ok_or(-2)?;
        let extern_linkage = match t.kind {
            Kind::Var => t.var_linkage() == Some(VAR_GLOBAL_EXTERN),
            _ => t.vlen() == FUNC_EXTERN,
        };
        if extern_linkage {
            Ok(id)
        } else {
            Err(-22)
        }
    }

    /// The first DATASEC with an entry for `id`.
    fn extern_sec(&self, id: u32) -> Option<u32> {
        self.sec_of.get(&id).copied()
    }
}

/// libbpf's `find_int_btf_id`: the first INT of 32 bits, or 0.
fn find_int_btf_id(b: &BtfBuilder) -> u32 {
    (1..b.type_cnt())
        .find(|&id| {
            b.get(id)
                .and_then(|t| t.int_encoding())
                .is_some_and(|e| e & 0xff == 32)
        })
        .unwrap_or(0)
}

fn name_of(b: &BtfBuilder, id: u32) -> Vec<u8> {
    b.get(id)
        .and_then(|t| b.str_at(t.name_off))
        .unwrap_or_default()
        .to_vec()
}

/// An extern the object declares, as libbpf collects it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExternDecl {
    /// The symbol's name.
    pub name: String,
    /// `kconfig` (`__kconfig`), `ksym` (`__ksym` variable) or `kfunc` (`__ksym` function).
    pub kind: &'static str,
    /// Declared `__weak`: a missing one is allowed (0, or a poisoned call).
    pub weak: bool,
    /// Its VAR or FUNC in the object's BTF.
    #[serde(skip)]
    pub btf_id: u32,
}

/// Applies libbpf's extern collection to `b` (the object's BTF, before DATASEC finalization);
/// returns the externs in libbpf's order (kconfig ones by alignment, size and name, then ksyms by
/// name).
pub(super) fn collect_externs(
    obj: &Object<'_>,
    b: &mut BtfBuilder,
    log: &mut Log,
) -> Result<Vec<ExternDecl>> {
    let mut decls = Vec::new();
    let Some(btf) = obj.btf.as_ref() else {
        return Ok(decls);
    };
    let ksyms_sec = (1..b.type_cnt()).find(|&id| {
        b.get(id)
            .is_some_and(|t| t.kind == Kind::Datasec && b.str_at(t.name_off) == Some(KSYMS_SEC))
    });
    // The dummy VAR, only when `.ksyms` declares a function.
    let mut dummy_var = 0;
    if let Some(sec) = ksyms_sec.and_then(|id| b.get(id)) {
        let vars: Vec<VarSecInfo> = sec.datasec_vars().collect();
        if vars
            .iter()
            .any(|v| b.get(v.type_id).is_some_and(|t| t.kind == Kind::Func))
        {
            let int_id = find_int_btf_id(b);
            let name = b.add_str(b"dummy_ksym")?;
            let linkage = b.endian().u32_bytes(VAR_GLOBAL_ALLOCATED);
            dummy_var = b.push(name, (Kind::Var as u32) << 24, int_id, &linkage);
        }
    }

    let mut externs: Vec<Extern> = Vec::new();
    let mut kcfg_sec = None;
    let mut ksym_sec = None;
    let mut index: Option<Index> = None;
    for sym in &obj.elf.symbols {
        let is_extern = sym.shndx == elf::SHN_UNDEF
            && matches!(sym.bind, elf::STB_GLOBAL | elf::STB_WEAK)
            && sym.kind == elf::STT_NOTYPE;
        if !is_extern || sym.name.is_empty() {
            continue;
        }
        let ext_name = sym.name;
        let index = index.get_or_insert_with(|| Index::new(b));
        let id = index.extern_btf_id(b, ext_name.as_bytes()).map_err(|e| {
            log.warn(format!("failed to find BTF for extern '{ext_name}': {e}"));
            unsupported(format!("failed to find BTF for extern '{ext_name}': {e}"))
        })?;
        let sec = index.extern_sec(id).ok_or_else(|| {
            log.warn(format!(
                "failed to find BTF for extern '{ext_name}' [{id}] section: -2"
            ));
            unsupported(format!(
                "failed to find BTF for extern '{ext_name}' [{id}] section: -2"
            ))
        })?;
        let sec_name = b
            .get(sec)
            .and_then(|t| b.str_at(t.name_off))
            .unwrap_or_default()
            .to_vec();
        let t = b
            .get(id)
            .ok_or_else(|| unsupported(format!("no type [{id}]")))?;
        let (t_kind, t_type) = (t.kind, t.type_id());
        let name = name_of(b, id);
        let shown = String::from_utf8_lossy(&name).into_owned();
        if sec_name == KCONFIG_SEC {
            if t_kind == Kind::Func {
                let msg = format!("extern function {shown} is unsupported under .kconfig section");
                log.warn(msg.clone());
                return Err(unsupported(msg));
            }
            let size = btf.resolve_size(t_type, 8).map_err(|_| {
                unsupported(format!(
                    "failed to resolve size of extern (kcfg) '{ext_name}'"
                ))
            })?;
            let align = align_of(btf, t_type).filter(|&a| a > 0).ok_or_else(|| {
                unsupported(format!(
                    "failed to determine alignment of extern (kcfg) '{ext_name}': -22"
                ))
            })?;
            if kcfg_type(btf, t_type).is_none() {
                let msg = format!("extern (kcfg) '{ext_name}': type is unsupported");
                log.warn(msg.clone());
                return Err(unsupported(msg));
            }
            kcfg_sec = Some(sec);
            decls.push(ExternDecl {
                name: shown.clone(),
                kind: "kconfig",
                weak: sym.bind == elf::STB_WEAK,
                btf_id: id,
            });
            externs.push(Extern {
                kind: ExternKind::Kconfig,
                name,
                size,
                align,
                data_off: 0,
            });
        } else if sec_name == KSYMS_SEC {
            ksym_sec = Some(sec);
            decls.push(ExternDecl {
                name: shown.clone(),
                kind: if t_kind == Kind::Func {
                    "kfunc"
                } else {
                    "ksym"
                },
                weak: sym.bind == elf::STB_WEAK,
                btf_id: id,
            });
            externs.push(Extern {
                kind: ExternKind::Ksym,
                name,
                size: 0,
                align: 0,
                data_off: 0,
            });
        } else {
            let msg = format!(
                "unrecognized extern section '{}'",
                String::from_utf8_lossy(&sec_name)
            );
            log.warn(msg.clone());
            return Err(unsupported(msg));
        }
    }
    if externs.is_empty() {
        return Ok(decls);
    }
    externs.sort_by(|a, b| {
        a.kind.cmp(&b.kind).then_with(|| {
            if a.kind == ExternKind::Kconfig {
                b.align
                    .cmp(&a.align)
                    .then(a.size.cmp(&b.size))
                    .then_with(|| a.name.cmp(&b.name))
            } else {
                a.name.cmp(&b.name)
            }
        })
    });
    // The declarations in libbpf's order (its `obj->externs` after sorting: a poisoned kfunc
    // call carries this index); libbpf's find_extern_by_name takes the first of a name.
    let mut position: HashMap<Vec<u8>, usize> = HashMap::new();
    for (i, e) in externs.iter().enumerate() {
        position.entry(e.name.clone()).or_insert(i);
    }
    decls.sort_by_key(|d| position.get(d.name.as_bytes()).copied());
    let find = |name: &[u8]| position.get(name).copied();

    if let Some(sec) = ksym_sec {
        let int_id = find_int_btf_id(b);
        let dummy_name = b.get(dummy_var).map_or(0, |t| t.name_off);
        let vars: Vec<VarSecInfo> = b
            .get(sec)
            .map(|t| t.datasec_vars().collect())
            .unwrap_or_default();
        let mut off = 0u32;
        for (i, mut v) in vars.into_iter().enumerate() {
            let vt = b
                .get(v.type_id)
                .ok_or_else(|| unsupported(format!("no type [{}]", v.type_id)))?;
            let (vt_id, vt_kind, vt_info, vt_type) = (vt.id, vt.kind, vt.info, vt.type_id());
            let vname = name_of(b, v.type_id);
            if find(&vname).is_none() {
                let msg = format!(
                    "failed to find extern definition for BTF {} '{}'",
                    vt_kind.name().to_ascii_lowercase(),
                    String::from_utf8_lossy(&vname)
                );
                log.warn(msg.clone());
                return Err(unsupported(msg));
            }
            if vt_kind == Kind::Func {
                let params: Vec<_> = b
                    .get(vt_type)
                    .map(|p| p.params().collect())
                    .unwrap_or_default();
                for (j, p) in params.iter().enumerate() {
                    if p.type_id != 0 && p.name_off == 0 {
                        b.set_param_name(vt_type, j, dummy_name)?;
                    }
                }
                v.type_id = dummy_var;
                b.set_info(vt_id, (vt_info & !0xffff) | FUNC_GLOBAL)?;
            } else {
                b.set_trailing_word(vt_id, 0, VAR_GLOBAL_ALLOCATED)?;
                b.set_size_or_type(vt_id, int_id)?;
            }
            v.offset = off;
            v.size = 4;
            b.set_datasec_var(sec, i, v)?;
            off = off.wrapping_add(4);
        }
        b.set_size_or_type(sec, off)?;
    }

    if let Some(sec) = kcfg_sec {
        let mut off = 0u32;
        for e in externs.iter_mut().filter(|e| e.kind == ExternKind::Kconfig) {
            e.data_off = off.div_ceil(e.align.max(1)).saturating_mul(e.align.max(1));
            off = e.data_off.saturating_add(e.size);
        }
        b.set_size_or_type(sec, off)?;
        let vars: Vec<VarSecInfo> = b
            .get(sec)
            .map(|t| t.datasec_vars().collect())
            .unwrap_or_default();
        for (i, mut v) in vars.into_iter().enumerate() {
            let vname = name_of(b, v.type_id);
            let Some(e) = find(&vname) else {
                let msg = format!(
                    "failed to find extern definition for BTF var '{}'",
                    String::from_utf8_lossy(&vname)
                );
                log.warn(msg.clone());
                return Err(unsupported(msg));
            };
            b.set_trailing_word(v.type_id, 0, VAR_GLOBAL_ALLOCATED)?;
            v.offset = externs.get(e).map_or(0, |e| e.data_off);
            b.set_datasec_var(sec, i, v)?;
        }
    }
    Ok(decls)
}
