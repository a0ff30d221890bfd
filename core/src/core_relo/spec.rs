//! Access specifications: a relocation's access string resolved against the local BTF, matched
//! against a target candidate, and the values libbpf computes from them.

use super::compat::{
    essential_eq, fields_compat, int_encoding, is_any_enum, is_composite, name, resolve_size, skip,
    types_compat, types_match, Errno,
};
use super::Kind as ReloKind;
use crate::btf::{Btf, Kind, Member, Type};
use crate::bytes::u32_at;

/// `BPF_CORE_SPEC_MAX_LEN`.
const SPEC_MAX_LEN: usize = 64;
/// Member visits one match may make (libbpf has no bound; only hostile BTF reaches this one).
const MATCH_BUDGET: u32 = 1 << 20;

/// `-EOPNOTSUPP`, `-ERANGE` as libbpf reports them.
pub(crate) const EOPNOTSUPP: i32 = -95;
pub(crate) const ERANGE: i32 = -34;
pub(crate) const EINVAL: i32 = -22;

/// One high-level step: the array index into the root, a named member, or an array element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Accessor<'a> {
    pub(crate) type_id: u32,
    pub(crate) idx: u32,
    pub(crate) name: Option<&'a [u8]>,
}

/// libbpf's `bpf_core_spec`.
#[derive(Debug, Clone)]
pub(crate) struct Spec<'a> {
    pub(crate) root: u32,
    pub(crate) kind: ReloKind,
    pub(crate) acc: Vec<Accessor<'a>>,
    pub(crate) raw: Vec<u32>,
    pub(crate) bit_offset: u32,
}

impl<'a> Spec<'a> {
    fn new(root: u32, kind: ReloKind) -> Self {
        Spec {
            root,
            kind,
            acc: Vec::new(),
            raw: Vec::new(),
            bit_offset: 0,
        }
    }
}

pub(crate) fn member_bit_offset(t: &Type<'_>, m: &Member) -> u32 {
    if t.kind_flag() {
        m.offset & 0x00ff_ffff
    } else {
        m.offset
    }
}

fn member_bitfield_size(t: &Type<'_>, m: &Member) -> u32 {
    if t.kind_flag() {
        m.offset >> 24
    } else {
        0
    }
}

/// `idx * size * 8` as libbpf computes it (64-bit, then kept in the 32-bit bit offset).
fn bits(idx: u32, size: u32) -> u32 {
    (i64::from(idx).wrapping_mul(i64::from(size)).wrapping_mul(8)) as u32
}

fn is_flex_arr(btf: &Btf<'_>, acc: Option<&Accessor<'_>>, nelems: u32) -> bool {
    let Some(acc) = acc else { return false };
    if acc.name.is_none() || nelems > 0 {
        return false;
    }
    let vlen = btf.get(acc.type_id).map_or(0, |t| t.vlen());
    acc.idx == vlen.wrapping_sub(1)
}

/// Splits `"0:1:2"` as libbpf's `%d` loop does (digits only: signs and spaces are rejected).
fn parse_raw(s: &[u8]) -> Result<Vec<u32>, Errno> {
    let mut raw = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix(b":") {
            rest = r;
        }
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (digits, r) = rest.split_at(n);
        if digits.is_empty() {
            return Err(Errno::Inval);
        }
        let v = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse::<i32>().ok())
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(Errno::Inval)?;
        if raw.len() == SPEC_MAX_LEN {
            return Err(Errno::TooBig);
        }
        raw.push(v);
        rest = r;
    }
    Ok(raw)
}

/// libbpf's `bpf_core_parse_spec`.
pub(crate) fn parse<'a>(
    btf: &Btf<'a>,
    ptr_sz: u32,
    type_id: u32,
    access: &[u8],
    kind: ReloKind,
) -> Result<Spec<'a>, Errno> {
    if access.is_empty() || access.first() == Some(&b':') {
        return Err(Errno::Inval);
    }
    let mut spec = Spec::new(type_id, kind);
    if kind.is_type_based() {
        return if access == b"0" {
            Ok(spec)
        } else {
            Err(Errno::Inval)
        };
    }
    spec.raw = parse_raw(access)?;
    let first = *spec.raw.first().ok_or(Errno::Inval)?;
    let t = skip(btf, type_id)?;
    let mut id = t.id;
    spec.acc.push(Accessor {
        type_id: id,
        idx: first,
        name: None,
    });
    if kind.is_enumval_based() {
        if !is_any_enum(t.kind) || spec.raw.len() > 1 || first >= t.vlen() {
            return Err(Errno::Inval);
        }
        let name_off = t
            .enum_values()
            .nth(first as usize)
            .map_or(0, |v| v.name_off);
        if let Some(a) = spec.acc.first_mut() {
            a.name = Some(name(btf, name_off));
        }
        return Ok(spec);
    }
    if !kind.is_field_based() {
        return Err(Errno::Inval);
    }
    let sz = resolve_size(btf, ptr_sz, id)?;
    spec.bit_offset = bits(first, sz);
    for &idx in spec.raw.iter().skip(1) {
        let t = skip(btf, id)?;
        id = t.id;
        if is_composite(t.kind) {
            if idx >= t.vlen() {
                return Err(Errno::Inval);
            }
            let m = t.members().nth(idx as usize).ok_or(Errno::Inval)?;
            spec.bit_offset = spec.bit_offset.wrapping_add(member_bit_offset(&t, &m));
            if m.name_off != 0 {
                let n = name(btf, m.name_off);
                if n.is_empty() {
                    return Err(Errno::Inval);
                }
                spec.acc.push(Accessor {
                    type_id: id,
                    idx,
                    name: Some(n),
                });
            }
            id = m.type_id;
        } else if let Some(a) = t.array() {
            let elem = skip(btf, a.type_id)?;
            id = elem.id;
            if !is_flex_arr(btf, spec.acc.last(), a.nelems) && idx >= a.nelems {
                return Err(Errno::Inval);
            }
            spec.acc.push(Accessor {
                type_id: id,
                idx,
                name: None,
            });
            let sz = resolve_size(btf, ptr_sz, id)?;
            spec.bit_offset = spec.bit_offset.wrapping_add(bits(idx, sz));
        } else {
            return Err(Errno::Inval);
        }
    }
    Ok(spec)
}

/// libbpf's `bpf_core_match_member`: finds the local named member in target `targ_id`, looking
/// through anonymous members; extends `ts` on success.
fn match_member<'t>(
    lb: &Btf<'_>,
    la: &Accessor<'_>,
    tb: &Btf<'t>,
    targ_id: u32,
    ts: &mut Spec<'t>,
    next: &mut u32,
    budget: &mut u32,
) -> Result<bool, Errno> {
    let tt = skip(tb, targ_id)?;
    if !is_composite(tt.kind) {
        return Ok(false);
    }
    let lt = lb.get(la.type_id).ok_or(Errno::Inval)?;
    let lm = lt.members().nth(la.idx as usize).ok_or(Errno::Inval)?;
    let lname = name(lb, lm.name_off);
    for (i, m) in tt.members().enumerate() {
        *budget = budget.checked_sub(1).ok_or(Errno::TooBig)?;
        let bit_off = member_bit_offset(&tt, &m);
        if ts.raw.len() == SPEC_MAX_LEN {
            return Err(Errno::TooBig);
        }
        ts.bit_offset = ts.bit_offset.wrapping_add(bit_off);
        ts.raw.push(i as u32);
        let tname = name(tb, m.name_off);
        if tname.is_empty() {
            if match_member(lb, la, tb, m.type_id, ts, next, budget)? {
                return Ok(true);
            }
        } else if tname == lname {
            ts.acc.push(Accessor {
                type_id: tt.id,
                idx: i as u32,
                name: Some(tname),
            });
            *next = m.type_id;
            let found = fields_compat(lb, lm.type_id, tb, m.type_id)?;
            if !found {
                ts.acc.pop();
            }
            return Ok(found);
        }
        ts.bit_offset = ts.bit_offset.wrapping_sub(bit_off);
        ts.raw.pop();
    }
    Ok(false)
}

/// libbpf's `bpf_core_spec_match`: the target spec when candidate `targ_id` matches.
pub(crate) fn matches<'t>(
    local: &Spec<'_>,
    lb: &Btf<'_>,
    tb: &Btf<'t>,
    ptr_sz: u32,
    mut targ_id: u32,
) -> Result<Option<Spec<'t>>, Errno> {
    let mut ts = Spec::new(targ_id, local.kind);
    let ok = |b: bool, ts: Spec<'t>| Ok(b.then_some(ts));
    if local.kind.is_type_based() {
        let m = if local.kind == ReloKind::TypeMatches {
            types_match(lb, local.root, tb, targ_id, false, 32)?
        } else {
            types_compat(lb, local.root, tb, targ_id, 32)?
        };
        return ok(m, ts);
    }
    if local.kind.is_enumval_based() {
        let Some(tt) = tb.skip_mods_and_typedefs(targ_id) else {
            return Ok(None);
        };
        if !is_any_enum(tt.kind) {
            return Ok(None);
        }
        let lname = local.acc.first().and_then(|a| a.name).unwrap_or_default();
        for (i, v) in tt.enum_values().enumerate() {
            let tname = name(tb, v.name_off);
            if essential_eq(lname, tname) {
                ts.acc.push(Accessor {
                    type_id: tt.id,
                    idx: i as u32,
                    name: Some(tname),
                });
                ts.raw.push(i as u32);
                return Ok(Some(ts));
            }
        }
        return Ok(None);
    }
    if !local.kind.is_field_based() {
        return Err(Errno::Inval);
    }
    let mut budget = MATCH_BUDGET;
    for (i, la) in local.acc.iter().enumerate() {
        let tt = skip(tb, targ_id)?;
        targ_id = tt.id;
        if la.name.is_some() {
            let mut next = targ_id;
            if !match_member(lb, la, tb, targ_id, &mut ts, &mut next, &mut budget)? {
                return Ok(None);
            }
            targ_id = next;
        } else {
            if i > 0 {
                let Some(a) = tt.array() else {
                    return Ok(None);
                };
                if !is_flex_arr(tb, ts.acc.last(), a.nelems) && la.idx >= a.nelems {
                    return Ok(None);
                }
                targ_id = skip(tb, a.type_id)?.id;
            }
            if ts.raw.len() == SPEC_MAX_LEN {
                return Err(Errno::TooBig);
            }
            ts.acc.push(Accessor {
                type_id: targ_id,
                idx: la.idx,
                name: None,
            });
            ts.raw.push(la.idx);
            let sz = resolve_size(tb, ptr_sz, targ_id)?;
            ts.bit_offset = ts.bit_offset.wrapping_add(bits(la.idx, sz));
        }
    }
    Ok(Some(ts))
}

/// Why a value could not be computed: poison the instruction, or fail with an errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Calc {
    Poison,
    Err(i32),
}

impl From<Errno> for Calc {
    fn from(e: Errno) -> Self {
        Calc::Err(e.code())
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct FieldVal {
    val: u64,
    sz: u32,
    type_id: u32,
}

/// libbpf's `bpf_core_calc_field_relo`; `validate` is only set for the local side.
fn calc_field(
    kind: ReloKind,
    spec: Option<(&Spec<'_>, &Btf<'_>)>,
    ptr_sz: u32,
    validate: Option<&mut bool>,
) -> Result<FieldVal, Calc> {
    let mut out = FieldVal::default();
    if kind == ReloKind::FieldExists {
        out.val = u64::from(spec.is_some());
        return Ok(out);
    }
    let (spec, btf) = spec.ok_or(Calc::Poison)?;
    let acc = spec.acc.last().ok_or(Calc::Err(EINVAL))?;
    let inval = |_| Calc::Err(EINVAL);
    if acc.name.is_none() {
        match kind {
            ReloKind::FieldByteOffset => {
                out.val = u64::from(spec.bit_offset / 8);
                out.sz = resolve_size(btf, ptr_sz, acc.type_id).map_err(inval)?;
                out.type_id = acc.type_id;
            }
            ReloKind::FieldByteSize => {
                out.val = u64::from(resolve_size(btf, ptr_sz, acc.type_id).map_err(inval)?);
            }
            _ => return Err(Calc::Err(EINVAL)),
        }
        if let Some(v) = validate {
            *v = true;
        }
        return Ok(out);
    }
    let t = btf.get(acc.type_id).ok_or(Calc::Err(EINVAL))?;
    let m = t.members().nth(acc.idx as usize).ok_or(Calc::Err(EINVAL))?;
    let mt = skip(btf, m.type_id).map_err(inval)?;
    let field_type_id = mt.id;
    let bit_off = spec.bit_offset;
    let mut bit_sz = member_bitfield_size(&t, &m);
    let bitfield = bit_sz > 0;
    let (byte_off, byte_sz);
    if bitfield {
        let mut sz = mt.size();
        if sz == 0 {
            return Err(Calc::Err(EINVAL));
        }
        let mut off = bit_off / 8 / sz * sz;
        while bit_off
            .wrapping_add(bit_sz)
            .wrapping_sub(off.wrapping_mul(8))
            > sz.wrapping_mul(8)
        {
            if sz >= 8 {
                return Err(Calc::Err(-7));
            }
            sz *= 2;
            off = bit_off / 8 / sz * sz;
        }
        byte_sz = sz;
        byte_off = off;
    } else {
        byte_sz = resolve_size(btf, ptr_sz, field_type_id).map_err(inval)?;
        byte_off = spec.bit_offset / 8;
        bit_sz = byte_sz.wrapping_mul(8);
    }
    let mut v = !bitfield;
    match kind {
        ReloKind::FieldByteOffset => {
            out.val = u64::from(byte_off);
            if !bitfield {
                out.sz = byte_sz;
                out.type_id = field_type_id;
            }
        }
        ReloKind::FieldByteSize => out.val = u64::from(byte_sz),
        ReloKind::FieldSigned => {
            let signed = (is_any_enum(mt.kind) && mt.kind_flag())
                || (mt.kind == Kind::Int && int_encoding(&mt) & 1 != 0);
            out.val = u64::from(signed);
            v = true;
        }
        ReloKind::FieldLshiftU64 => {
            let end = bit_off
                .wrapping_add(bit_sz)
                .wrapping_sub(byte_off.wrapping_mul(8));
            out.val = u64::from(if btf.endian() == crate::Endian::Little {
                64u32.wrapping_sub(end)
            } else {
                8u32.wrapping_sub(byte_sz)
                    .wrapping_mul(8)
                    .wrapping_add(bit_off.wrapping_sub(byte_off.wrapping_mul(8)))
            });
        }
        ReloKind::FieldRshiftU64 => {
            out.val = u64::from(64u32.wrapping_sub(bit_sz));
            v = true;
        }
        _ => return Err(Calc::Err(EOPNOTSUPP)),
    }
    if let Some(val) = validate {
        *val = v;
    }
    Ok(out)
}

fn calc_type(
    kind: ReloKind,
    spec: Option<(&Spec<'_>, &Btf<'_>)>,
    ptr_sz: u32,
    validate: Option<&mut bool>,
) -> Result<u64, Calc> {
    let mut v = true;
    let r = match spec {
        None => Ok(0),
        Some((spec, btf)) => match kind {
            ReloKind::TypeIdTarget => {
                v = false;
                Ok(u64::from(spec.root))
            }
            ReloKind::TypeExists | ReloKind::TypeMatches => Ok(1),
            ReloKind::TypeSize => resolve_size(btf, ptr_sz, spec.root)
                .map(u64::from)
                .map_err(|_| Calc::Err(EINVAL)),
            _ => Err(Calc::Err(EOPNOTSUPP)),
        },
    };
    if let Some(val) = validate {
        *val = v;
    }
    r
}

fn calc_enumval(kind: ReloKind, spec: Option<(&Spec<'_>, &Btf<'_>)>) -> Result<u64, Calc> {
    match kind {
        ReloKind::EnumvalExists => Ok(u64::from(spec.is_some())),
        ReloKind::EnumvalValue => {
            let (spec, btf) = spec.ok_or(Calc::Poison)?;
            let acc = spec.acc.first().ok_or(Calc::Err(EINVAL))?;
            let t = btf.get(acc.type_id).ok_or(Calc::Err(EINVAL))?;
            let i = acc.idx as usize;
            let word =
                |off: usize| u32_at(t.trailing(), off, btf.endian()).ok_or(Calc::Err(EINVAL));
            if t.kind == Kind::Enum {
                // The 32-bit value is an `__s32`: libbpf widens it with its sign.
                Ok(i64::from(word(i * 8 + 4)? as i32) as u64)
            } else {
                Ok(u64::from(word(i * 12 + 4)?) | (u64::from(word(i * 12 + 8)?) << 32))
            }
        }
        _ => Err(Calc::Err(EOPNOTSUPP)),
    }
}

/// libbpf's `bpf_core_relo_res`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Res {
    pub(crate) orig_val: u64,
    pub(crate) new_val: u64,
    pub(crate) poison: bool,
    pub(crate) validate: bool,
    pub(crate) fail_memsz_adjust: bool,
    pub(crate) orig_sz: u32,
    pub(crate) new_sz: u32,
}

/// libbpf's `bpf_core_calc_relo`: `Err` carries a negative errno.
pub(crate) fn calc(
    kind: ReloKind,
    local: (&Spec<'_>, &Btf<'_>),
    targ: Option<(&Spec<'_>, &Btf<'_>)>,
    ptrs: (u32, u32),
) -> Result<Res, i32> {
    let mut res = Res {
        validate: true,
        ..Res::default()
    };
    let r: Result<(), Calc> = if kind.is_field_based() {
        (|| {
            let o = calc_field(kind, Some(local), ptrs.0, Some(&mut res.validate))?;
            res.orig_val = o.val;
            res.orig_sz = o.sz;
            let n = calc_field(kind, targ, ptrs.1, None)?;
            res.new_val = n.val;
            res.new_sz = n.sz;
            if res.orig_sz != res.new_sz {
                let ot = local.1.get(o.type_id);
                let nt = targ.and_then(|(_, b)| b.get(n.type_id));
                let safe = match (ot, nt) {
                    (Some(a), Some(b)) if a.kind == Kind::Ptr && b.kind == Kind::Ptr => true,
                    (Some(a), Some(b)) if a.kind == Kind::Int && b.kind == Kind::Int => {
                        int_encoding(&a) != 1 && int_encoding(&b) != 1
                    }
                    _ => false,
                };
                res.fail_memsz_adjust = !safe;
            }
            Ok(())
        })()
    } else if kind.is_type_based() {
        (|| {
            res.orig_val = calc_type(kind, Some(local), ptrs.0, Some(&mut res.validate))?;
            res.new_val = calc_type(kind, targ, ptrs.1, None)?;
            Ok(())
        })()
    } else if kind.is_enumval_based() {
        (|| {
            res.orig_val = calc_enumval(kind, Some(local))?;
            res.new_val = calc_enumval(kind, targ)?;
            Ok(())
        })()
    } else {
        Err(Calc::Err(EOPNOTSUPP))
    };
    match r {
        Ok(()) => Ok(res),
        Err(Calc::Poison) => {
            res.poison = true;
            Ok(res)
        }
        Err(Calc::Err(e)) => Err(e),
    }
}

/// libbpf's `bpf_core_format_spec`, for reports.
pub(crate) fn format(spec: &Spec<'_>, btf: &Btf<'_>) -> String {
    use std::fmt::Write;
    let t = btf.get(spec.root);
    let tname = t.map_or(&b""[..], |t| name(btf, t.name_off));
    let mut s = format!(
        "<{}> [{}] {} {}",
        spec.kind.name(),
        spec.root,
        t.map_or("UNKNOWN", |t| t.kind.name()),
        if tname.is_empty() {
            "<anon>".into()
        } else {
            String::from_utf8_lossy(tname)
        }
    );
    if spec.kind.is_type_based() {
        return s;
    }
    if spec.kind.is_enumval_based() {
        if let Some(t) = btf.skip_mods_and_typedefs(spec.root) {
            let i = spec.raw.first().copied().unwrap_or(0) as usize;
            if let Some(v) = t.enum_values().nth(i) {
                let n = String::from_utf8_lossy(name(btf, v.name_off));
                let _ = if t.kind == Kind::Enum && t.kind_flag() {
                    write!(s, "::{n} = {}", v.value as u32 as i32)
                } else if t.kind == Kind::Enum {
                    write!(s, "::{n} = {}", v.value as u32)
                } else if t.kind_flag() {
                    write!(s, "::{n} = {}", v.value as i64)
                } else {
                    write!(s, "::{n} = {}", v.value)
                };
            }
        }
        return s;
    }
    for (i, a) in spec.acc.iter().enumerate() {
        let _ = match a.name {
            Some(n) => write!(s, ".{}", String::from_utf8_lossy(n)),
            None if i > 0 || a.idx > 0 => write!(s, "[{}]", a.idx),
            None => Ok(()),
        };
    }
    let raw: Vec<String> = spec.raw.iter().map(u32::to_string).collect();
    let _ = write!(s, " ({}", raw.join(":"));
    let _ = if spec.bit_offset % 8 != 0 {
        write!(
            s,
            " @ offset {}.{})",
            spec.bit_offset / 8,
            spec.bit_offset % 8
        )
    } else {
        write!(s, " @ offset {})", spec.bit_offset / 8)
    };
    s
}

/// The `type_id` of the accessor that names the type (for reports).
pub(crate) fn type_name(btf: &Btf<'_>, id: u32) -> String {
    match btf.get(id) {
        Some(t) => {
            let n = String::from_utf8_lossy(name(btf, t.name_off));
            let k = match t.kind {
                Kind::Struct => "struct ",
                Kind::Union => "union ",
                Kind::Enum | Kind::Enum64 => "enum ",
                _ => "",
            };
            if n.is_empty() {
                format!("{k}<anon {}>", t.kind.name())
            } else {
                format!("{k}{n}")
            }
        }
        None => format!("<invalid type {id}>"),
    }
}
