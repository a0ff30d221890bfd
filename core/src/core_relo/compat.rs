//! Type relations CO-RE relies on: essential names (the `___flavor` rule), sizes, and the three
//! compatibility relations (field compatibility, type compatibility, type match).
//!
//! Every walk is bounded: chains by [`crate::btf::MAX_CHAIN`], loops by libbpf's own depth of 32,
//! and recursion by libbpf's level of 32, so hostile BTF costs bounded time and stack.

use crate::btf::{Btf, Kind, Type};

/// libbpf's depth for `goto recur` loops and its recursion level for nested prototypes/members.
const DEPTH: i32 = 32;

/// Why a relation could not be decided (libbpf returns a negative errno).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Errno {
    /// `-EINVAL`.
    Inval,
    /// `-E2BIG`.
    TooBig,
}

impl Errno {
    pub(crate) fn code(self) -> i32 {
        match self {
            Errno::Inval => -22,
            Errno::TooBig => -7,
        }
    }
}

pub(crate) type Rel = Result<bool, Errno>;

/// The name at `off` (`None`: out of range, which libbpf treats as empty).
pub(crate) fn name<'a>(btf: &Btf<'a>, off: u32) -> &'a [u8] {
    btf.str_at(off).unwrap_or_default()
}

/// Length of `name` without its `___flavor` suffix (libbpf's `bpf_core_essential_name_len`): the
/// last `X___Y` where X and Y are not underscores ends the essential part after X.
pub(crate) fn essential_len(name: &[u8]) -> usize {
    let n = name.len();
    let Some(last) = n.checked_sub(5) else {
        return n;
    };
    for i in (0..=last).rev() {
        if let Some(&[x, b'_', b'_', b'_', y]) = name.get(i..i + 5) {
            if x != b'_' && y != b'_' {
                return i + 1;
            }
        }
    }
    n
}

/// Whether two names are equal up to their flavor suffixes.
pub(crate) fn essential_eq(a: &[u8], b: &[u8]) -> bool {
    let (la, lb) = (essential_len(a), essential_len(b));
    la == lb && a.get(..la) == b.get(..lb)
}

pub(crate) fn is_any_enum(k: Kind) -> bool {
    matches!(k, Kind::Enum | Kind::Enum64)
}

pub(crate) fn is_composite(k: Kind) -> bool {
    matches!(k, Kind::Struct | Kind::Union)
}

/// libbpf's `btf_kind_core_compat`: same kind, or both enums.
pub(crate) fn kind_compat(a: Kind, b: Kind) -> bool {
    a == b || (is_any_enum(a) && is_any_enum(b))
}

/// INT encoding bits (`BTF_INT_ENCODING`).
pub(crate) fn int_encoding(t: &Type<'_>) -> u32 {
    t.int_encoding().map_or(0, |w| (w >> 24) & 0x0f)
}

/// INT bit offset (`BTF_INT_OFFSET`).
fn int_offset(t: &Type<'_>) -> u32 {
    t.int_encoding().map_or(0, |w| (w >> 16) & 0xff)
}

/// libbpf's pointer size guess for a BTF: the size of a `long` INT, else 8.
pub(crate) fn ptr_size(btf: &Btf<'_>) -> u32 {
    const LONGS: [&[u8]; 11] = [
        b"long",
        b"long int",
        b"int long",
        b"unsigned long",
        b"long unsigned",
        b"unsigned long int",
        b"unsigned int long",
        b"long unsigned int",
        b"long int unsigned",
        b"int unsigned long",
        b"int long unsigned",
    ];
    btf.types()
        .find(|t| {
            t.kind == Kind::Int
                && (t.size() == 4 || t.size() == 8)
                && LONGS.contains(&name(btf, t.name_off))
        })
        .map_or(8, |t| t.size())
}

/// libbpf's `btf__resolve_size`, with its error codes.
pub(crate) fn resolve_size(btf: &Btf<'_>, ptr_sz: u32, id: u32) -> Result<u32, Errno> {
    btf.resolve_size(id, ptr_sz).map_err(|e| match e {
        crate::btf::SizeError::TooBig => Errno::TooBig,
        _ => Errno::Inval,
    })
}

/// Skips modifiers and typedefs; `Err` when the chain leaves the blob.
pub(crate) fn skip<'a>(btf: &Btf<'a>, id: u32) -> Result<Type<'a>, Errno> {
    btf.skip_mods_and_typedefs(id).ok_or(Errno::Inval)
}

/// libbpf's `bpf_core_fields_are_compat`: may a field of local type `l` be read as target `t`?
pub(crate) fn fields_compat(lb: &Btf<'_>, mut l: u32, tb: &Btf<'_>, mut t: u32) -> Rel {
    // libbpf loops without a bound here; array chains end within the blob's type count, and the
    // chain bound keeps hostile cycles finite.
    for _ in 0..=crate::btf::MAX_CHAIN {
        let lt = skip(lb, l)?;
        let tt = skip(tb, t)?;
        if is_composite(lt.kind) && is_composite(tt.kind) {
            return Ok(true);
        }
        if !kind_compat(lt.kind, tt.kind) {
            return Ok(false);
        }
        return match lt.kind {
            Kind::Ptr | Kind::Float => Ok(true),
            Kind::Fwd | Kind::Enum | Kind::Enum64 => {
                let ln = name(lb, lt.name_off);
                let tn = name(tb, tt.name_off);
                let (ll, tl) = (essential_len(ln), essential_len(tn));
                Ok(ll == 0 || tl == 0 || essential_eq(ln, tn))
            }
            Kind::Int => Ok(int_offset(&lt) == 0 && int_offset(&tt) == 0),
            Kind::Array => {
                l = lt.array().map_or(0, |a| a.type_id);
                t = tt.array().map_or(0, |a| a.type_id);
                continue;
            }
            _ => Ok(false),
        };
    }
    Err(Errno::Inval)
}

/// libbpf's `__bpf_core_types_are_compat` with its level (32 at the top).
pub(crate) fn types_compat(lb: &Btf<'_>, mut l: u32, tb: &Btf<'_>, mut t: u32, level: i32) -> Rel {
    let lt = lb.get(l).ok_or(Errno::Inval)?;
    let tt = tb.get(t).ok_or(Errno::Inval)?;
    if !kind_compat(lt.kind, tt.kind) {
        return Ok(false);
    }
    let mut depth = DEPTH;
    loop {
        depth -= 1;
        if depth < 0 {
            return Err(Errno::Inval);
        }
        let lt = skip(lb, l)?;
        let tt = skip(tb, t)?;
        l = lt.id;
        t = tt.id;
        if !kind_compat(lt.kind, tt.kind) {
            return Ok(false);
        }
        match lt.kind {
            Kind::Void | Kind::Struct | Kind::Union | Kind::Enum | Kind::Fwd | Kind::Enum64 => {
                return Ok(true)
            }
            Kind::Int => return Ok(int_offset(&lt) == 0 && int_offset(&tt) == 0),
            Kind::Ptr => {
                l = lt.type_id();
                t = tt.type_id();
            }
            Kind::Array => {
                l = lt.array().map_or(0, |a| a.type_id);
                t = tt.array().map_or(0, |a| a.type_id);
            }
            Kind::FuncProto => {
                if lt.vlen() != tt.vlen() {
                    return Ok(false);
                }
                for (lp, tp) in lt.params().zip(tt.params()) {
                    if level <= 0 {
                        return Err(Errno::Inval);
                    }
                    let li = lb.skip_mods_and_typedefs(lp.type_id).map_or(l, |x| x.id);
                    let ti = tb.skip_mods_and_typedefs(tp.type_id).map_or(t, |x| x.id);
                    l = li;
                    t = ti;
                    if !types_compat(lb, li, tb, ti, level - 1)? {
                        return Ok(false);
                    }
                }
                l = lb.skip_mods_and_typedefs(lt.type_id()).map_or(l, |x| x.id);
                t = tb.skip_mods_and_typedefs(tt.type_id()).map_or(t, |x| x.id);
            }
            _ => return Ok(false),
        }
    }
}

fn names_match(lb: &Btf<'_>, loff: u32, tb: &Btf<'_>, toff: u32) -> bool {
    let ln = name(lb, loff);
    let tn = name(tb, toff);
    if tn.is_empty() {
        return ln.is_empty();
    }
    essential_eq(ln, tn)
}

fn enum_names(t: &Type<'_>) -> Vec<u32> {
    t.enum_values().map(|v| v.name_off).collect()
}

/// libbpf's `__bpf_core_types_match` (level 32 at the top).
pub(crate) fn types_match(
    lb: &Btf<'_>,
    mut l: u32,
    tb: &Btf<'_>,
    mut t: u32,
    mut behind_ptr: bool,
    level: i32,
) -> Rel {
    if level <= 0 {
        return Err(Errno::Inval);
    }
    let mut depth = DEPTH;
    loop {
        depth -= 1;
        if depth < 0 {
            return Err(Errno::Inval);
        }
        let lt = skip(lb, l)?;
        let tt = skip(tb, t)?;
        if !names_match(lb, lt.name_off, tb, tt.name_off) {
            return Ok(false);
        }
        let (lk, tk) = (lt.kind, tt.kind);
        match lk {
            Kind::Void => return Ok(lk == tk),
            Kind::Fwd => {
                let lf = lt.kind_flag();
                return Ok(if lk == tk {
                    lf == tt.kind_flag()
                } else if behind_ptr {
                    (tk == Kind::Struct && !lf) || (tk == Kind::Union && lf)
                } else {
                    false
                });
            }
            Kind::Enum | Kind::Enum64 => {
                if !is_any_enum(tk) || lt.size() != tt.size() || lt.vlen() > tt.vlen() {
                    return Ok(false);
                }
                let tnames = enum_names(&tt);
                return Ok(enum_names(&lt)
                    .into_iter()
                    .all(|ln| tnames.iter().any(|&tn| names_match(lb, ln, tb, tn))));
            }
            Kind::Struct | Kind::Union => {
                if behind_ptr {
                    if lk == tk {
                        return Ok(true);
                    }
                    return Ok(tk == Kind::Fwd && (lk == Kind::Union) == tt.kind_flag());
                }
                if lk != tk || lt.vlen() > tt.vlen() {
                    return Ok(false);
                }
                for lm in lt.members() {
                    let mut matched = false;
                    for tm in tt.members() {
                        if !names_match(lb, lm.name_off, tb, tm.name_off) {
                            continue;
                        }
                        if types_match(lb, lm.type_id, tb, tm.type_id, behind_ptr, level - 1)? {
                            matched = true;
                            break;
                        }
                    }
                    if !matched {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            Kind::Int => {
                return Ok(lk == tk
                    && lt.size() == tt.size()
                    && (int_encoding(&lt) & 1) == (int_encoding(&tt) & 1))
            }
            Kind::Ptr => {
                if lk != tk {
                    return Ok(false);
                }
                behind_ptr = true;
                l = lt.type_id();
                t = tt.type_id();
            }
            Kind::Array => {
                let (Some(la), Some(ta)) = (lt.array(), tt.array()) else {
                    return Ok(false);
                };
                if la.nelems != ta.nelems {
                    return Ok(false);
                }
                l = la.type_id;
                t = ta.type_id;
            }
            Kind::FuncProto => {
                if lk != tk || lt.vlen() != tt.vlen() {
                    return Ok(false);
                }
                for (lp, tp) in lt.params().zip(tt.params()) {
                    if !types_match(lb, lp.type_id, tb, tp.type_id, behind_ptr, level - 1)? {
                        return Ok(false);
                    }
                }
                l = lt.type_id();
                t = tt.type_id();
            }
            _ => return Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::essential_len;

    #[test]
    fn flavors() {
        assert_eq!(essential_len(b"task_struct___v2"), 11);
        assert_eq!(essential_len(b"a___b___c"), 5);
        assert_eq!(essential_len(b"a____b"), 6);
        assert_eq!(essential_len(b"___x"), 4);
        assert_eq!(essential_len(b"x___"), 4);
        assert_eq!(essential_len(b""), 0);
    }
}
