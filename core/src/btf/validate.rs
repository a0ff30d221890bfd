//! The structural checks the kernel's BTF loader applies (`BPF_BTF_LOAD`), so a blob can be judged
//! before any kernel sees it. Each problem names the field and its byte offset in the blob.

use super::{Btf, Kind, Type, MAX_NAME_OFFSET, MAX_TYPE_ID};
use crate::error::Error;

/// The longest name the kernel accepts (`KSYM_NAME_LEN`).
const MAX_NAME_LEN: usize = 512;

/// Checks `btf` as the kernel would when it is loaded on its own (not split BTF). Returns every
/// problem found; an empty list means the kernel's structural checks would pass.
pub fn validate(btf: &Btf<'_>) -> Vec<Error> {
    let mut out = Vec::new();
    check_header(btf, &mut out);
    check_strings(btf, &mut out);
    if btf.type_cnt() - 1 > MAX_TYPE_ID {
        out.push(Error::invalid(
            "BTF type count",
            btf.base(),
            format!(
                "{} types exceed the kernel's {MAX_TYPE_ID}",
                btf.type_cnt() - 1
            ),
        ));
    }
    for t in btf.types() {
        check_type(btf, &t, &mut out);
    }
    out
}

fn check_header(btf: &Btf<'_>, out: &mut Vec<Error>) {
    let h = btf.header();
    let base = btf.base();
    if h.flags != 0 {
        out.push(Error::invalid(
            "BTF flags",
            base + 3,
            format!("{:#x} (must be 0)", h.flags),
        ));
    }
    let extra = btf
        .raw()
        .get(super::HEADER_LEN as usize..h.hdr_len as usize);
    if extra.is_some_and(|b| b.iter().any(|&x| x != 0)) {
        out.push(Error::invalid(
            "BTF header",
            base + u64::from(super::HEADER_LEN),
            "bytes past the known header are not zero",
        ));
    }
    let total = btf.raw().len() as u64;
    let hdr = u64::from(h.hdr_len);
    if total == hdr {
        out.push(Error::invalid("BTF data", base, "no data after the header"));
        return;
    }
    // The kernel wants the two sections back to back, right after the header, covering the blob.
    let types_end = u64::from(h.type_off) + u64::from(h.type_len);
    if h.type_off != 0 {
        out.push(Error::invalid(
            "BTF type_off",
            base + 8,
            format!("{} leaves a gap after the header", h.type_off),
        ));
    }
    if u64::from(h.str_off) != types_end {
        out.push(Error::invalid(
            "BTF str_off",
            base + 16,
            format!(
                "{} does not follow the type section ending at {types_end}",
                h.str_off
            ),
        ));
    }
    let end = hdr + u64::from(h.str_off) + u64::from(h.str_len);
    if end != total {
        out.push(Error::invalid(
            "BTF str_len",
            base + 20,
            format!("sections end at {end} but the blob has {total} bytes"),
        ));
    }
    if h.type_len == 0 {
        out.push(Error::invalid("BTF type_len", base + 12, "no types"));
    }
}

fn check_strings(btf: &Btf<'_>, out: &mut Vec<Error>) {
    let s = btf.strings();
    let at = btf.base() + btf.strings_start() as u64;
    if s.first() != Some(&0) {
        out.push(Error::invalid(
            "BTF string section",
            at,
            "does not start with NUL",
        ));
    }
    if s.last() != Some(&0) {
        out.push(Error::invalid(
            "BTF string section",
            at,
            "does not end with NUL",
        ));
    }
    if s.len() as u64 > u64::from(MAX_NAME_OFFSET) + 1 {
        out.push(Error::invalid(
            "BTF str_len",
            btf.base() + 20,
            format!("{} exceeds {MAX_NAME_OFFSET}", s.len()),
        ));
    }
}

#[derive(Clone, Copy, PartialEq)]
enum NameRule {
    Empty,
    Identifier,
    OptionalIdentifier,
    NonEmpty,
    Section,
    Any,
}

fn name_ok(btf: &Btf<'_>, off: u32, rule: NameRule) -> Result<(), &'static str> {
    let Some(name) = btf.str_at(off) else {
        return Err("name offset outside the string section");
    };
    let ident = |n: &[u8]| {
        n.len() < MAX_NAME_LEN
            && n.first()
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            && n.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    let ok = match rule {
        NameRule::Empty => name.is_empty(),
        NameRule::Identifier => ident(name),
        NameRule::OptionalIdentifier => name.is_empty() || ident(name),
        NameRule::NonEmpty => !name.is_empty() && name.len() < MAX_NAME_LEN,
        NameRule::Any => true,
        NameRule::Section => {
            !name.is_empty()
                && name.len() < MAX_NAME_LEN
                && name.iter().all(|c| c.is_ascii_graphic())
        }
    };
    if ok {
        Ok(())
    } else if rule == NameRule::Empty {
        Err("must be anonymous")
    } else {
        Err("is not a valid name for this kind")
    }
}

fn check_type(btf: &Btf<'_>, t: &Type<'_>, out: &mut Vec<Error>) {
    let id = t.id;
    let at = btf.base() + t.offset;
    let mut bad = |what: &'static str, byte: u64, detail: String| {
        out.push(Error::invalid(
            what,
            at + byte,
            format!("[{id}] {} {detail}", t.kind.name()),
        ));
    };
    let type_ok = |tid: u32| tid < btf.type_cnt();
    use Kind::*;
    let name_rule = match t.kind {
        Ptr | Array | Volatile | Const | Restrict | FuncProto => NameRule::Empty,
        // The kernel checks only the offset of INT and FLOAT names ("unsigned int" is fine).
        Int | Float => NameRule::Any,
        Typedef | Fwd | Func | Var => NameRule::Identifier,
        Struct | Union | Enum | Enum64 => NameRule::OptionalIdentifier,
        TypeTag | DeclTag => NameRule::NonEmpty,
        Datasec => NameRule::Section,
        Void => return,
    };
    if let Err(why) = name_ok(btf, t.name_off, name_rule) {
        bad("type name_off", 0, format!("name {why}"));
    }
    let vlen = t.vlen();
    let kflag_allowed = matches!(
        t.kind,
        Struct | Union | Enum | Enum64 | Fwd | DeclTag | TypeTag
    );
    if t.kind_flag() && !kflag_allowed {
        bad("type info", 4, "has kind_flag set".into());
    }
    let vlen_allowed = matches!(
        t.kind,
        Struct | Union | Enum | Enum64 | FuncProto | Datasec | Func
    );
    if vlen != 0 && !vlen_allowed {
        bad("type info", 4, format!("has vlen {vlen} (must be 0)"));
    }
    if t.kind.refers_to_type() && !type_ok(t.type_id()) {
        bad(
            "type type",
            8,
            format!("refers to type {} out of range", t.type_id()),
        );
    }
    match t.kind {
        Int => {
            let enc = t.int_encoding().unwrap_or(0);
            let (bits, offset, encoding) = (enc & 0xff, (enc >> 16) & 0xff, enc >> 24);
            if !matches!(t.size(), 1 | 2 | 4 | 8 | 16) {
                bad("INT size", 8, format!("has unsupported size {}", t.size()));
            }
            if bits > 128
                || bits + offset > t.size().saturating_mul(8)
                || enc & 0x00ff_ff00 & !0x00ff_0000 != 0
            {
                bad(
                    "INT encoding",
                    12,
                    format!("has nr_bits {bits} at offset {offset}"),
                );
            }
            if !matches!(encoding, 0 | 1 | 2 | 4) {
                bad(
                    "INT encoding",
                    12,
                    format!("has unsupported encoding {encoding:#x}"),
                );
            }
        }
        Array => {
            if t.size() != 0 {
                bad("ARRAY size", 8, "is not 0".into());
            }
            if let Some(a) = t.array() {
                if !type_ok(a.type_id) || a.type_id == 0 {
                    bad(
                        "ARRAY type",
                        12,
                        format!("element type {} is invalid", a.type_id),
                    );
                }
                if !type_ok(a.index_type) || a.index_type == 0 {
                    bad(
                        "ARRAY index_type",
                        16,
                        format!("index type {} is invalid", a.index_type),
                    );
                }
            }
        }
        Struct | Union => {
            let size_bits = u64::from(t.size()) * 8;
            for (i, m) in t.members().enumerate() {
                let mo = 12 + 12 * i as u64;
                if let Err(why) = name_ok(btf, m.name_off, NameRule::OptionalIdentifier) {
                    bad("member name_off", mo, format!("member {i} name {why}"));
                }
                if !type_ok(m.type_id) || m.type_id == 0 {
                    bad(
                        "member type",
                        mo + 4,
                        format!("member {i} type {} is invalid", m.type_id),
                    );
                }
                let (bit_off, bitfield) = if t.kind_flag() {
                    (m.offset & 0x00ff_ffff, m.offset >> 24)
                } else {
                    (m.offset, 0)
                };
                if t.kind == Union && bit_off != 0 {
                    bad(
                        "member offset",
                        mo + 8,
                        format!("member {i} of a union has offset {bit_off}"),
                    );
                }
                if u64::from(bit_off) + u64::from(bitfield) > size_bits {
                    bad(
                        "member offset",
                        mo + 8,
                        format!("member {i} bit offset {bit_off} exceeds the size"),
                    );
                }
            }
        }
        Enum | Enum64 => {
            if !matches!(t.size(), 1 | 2 | 4 | 8) {
                bad("ENUM size", 8, format!("has unsupported size {}", t.size()));
            }
            let stride = if t.kind == Enum { 8 } else { 12 };
            for (i, v) in t.enum_values().enumerate() {
                if let Err(why) = name_ok(btf, v.name_off, NameRule::Identifier) {
                    bad(
                        "enum value name_off",
                        12 + stride * i as u64,
                        format!("value {i} name {why}"),
                    );
                }
            }
        }
        Func => {
            if vlen > 2 {
                bad(
                    "FUNC linkage",
                    4,
                    format!("{vlen} is not static, global or extern"),
                );
            }
            if btf.get(t.type_id()).is_some_and(|p| p.kind != FuncProto) {
                bad(
                    "FUNC type",
                    8,
                    format!("type {} is not a FUNC_PROTO", t.type_id()),
                );
            }
        }
        FuncProto => {
            let n = vlen as usize;
            for (i, p) in t.params().enumerate() {
                let po = 12 + 8 * i as u64;
                let variadic = i + 1 == n && p.type_id == 0 && p.name_off == 0;
                if !variadic && (!type_ok(p.type_id) || p.type_id == 0) {
                    bad(
                        "FUNC_PROTO param type",
                        po + 4,
                        format!("arg#{i} type {} is invalid", p.type_id),
                    );
                }
                if let Err(why) = name_ok(btf, p.name_off, NameRule::OptionalIdentifier) {
                    bad(
                        "FUNC_PROTO param name_off",
                        po,
                        format!("arg#{i} name {why}"),
                    );
                }
            }
        }
        Var => {
            if t.var_linkage().unwrap_or(0) > 2 {
                bad("VAR linkage", 12, "is not static, global or extern".into());
            }
        }
        Datasec => {
            if vlen == 0 {
                bad("DATASEC vlen", 4, "is 0".into());
            }
            if t.size() == 0 {
                bad("DATASEC size", 8, "is 0".into());
            }
            let mut last_end = 0u64;
            for (i, v) in t.datasec_vars().enumerate() {
                let vo = 12 + 12 * i as u64;
                if !type_ok(v.type_id) || v.type_id == 0 {
                    bad(
                        "DATASEC entry type",
                        vo,
                        format!("entry {i} type {} is invalid", v.type_id),
                    );
                }
                let end = u64::from(v.offset) + u64::from(v.size);
                if v.size == 0 || u64::from(v.offset) < last_end || end > u64::from(t.size()) {
                    bad(
                        "DATASEC entry offset",
                        vo + 4,
                        format!("entry {i} at {} size {} does not fit", v.offset, v.size),
                    );
                }
                last_end = end;
            }
        }
        Float => {
            if !matches!(t.size(), 2 | 4 | 8 | 12 | 16) {
                bad(
                    "FLOAT size",
                    8,
                    format!("has unsupported size {}", t.size()),
                );
            }
        }
        DeclTag => {
            if t.component_idx().unwrap_or(-1) < -1 {
                bad("DECL_TAG component_idx", 12, "is below -1".into());
            }
        }
        Fwd | Ptr | Typedef | Volatile | Const | Restrict | TypeTag | Void => {}
    }
}
