//! The structural checks the kernel's BTF loader applies (`BPF_BTF_LOAD`), so a blob can be judged
//! before any kernel sees it. Each problem names the field and its byte offset in the blob.

use super::{Btf, Kind, Type, MAX_NAME_OFFSET, MAX_TYPE_ID};
use crate::error::Error;

/// The longest name the kernel accepts (`KSYM_NAME_LEN` characters).
const MAX_NAME_LEN: usize = 512;
/// The largest blob `BPF_BTF_LOAD` takes (`BTF_MAX_SIZE`).
const MAX_BTF_SIZE: usize = 16 << 20;
/// Bits of a type's info word the kernel allows (`BTF_INFO_MASK`: vlen, kind, kind_flag).
const INFO_MASK: u32 = 0x9f00_ffff;

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
    // Offsets already known to name a valid identifier (vmlinux: 124k distinct of 228k names).
    let mut memo = vec![0u64; btf.strings().len() / 64 + 1];
    for t in btf.types() {
        check_type(btf, &mut memo, &t, &mut out);
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
    if btf.raw().len() > MAX_BTF_SIZE {
        out.push(Error::invalid(
            "BTF size",
            base,
            format!("{total} bytes exceed the kernel's {MAX_BTF_SIZE}"),
        ));
    }
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

/// The kernel's name rules, keyed (as the kernel keys them) on the name offset, not on the string.
#[derive(Clone, Copy, PartialEq)]
enum NameRule {
    /// Offset 0 (PTR, ARRAY, CONST, VOLATILE, RESTRICT, FUNC_PROTO).
    Empty,
    /// A non-zero offset naming an identifier.
    Identifier,
    /// Offset 0, or an identifier.
    OptionalIdentifier,
    /// A non-empty string (tags).
    NonEmpty,
    /// A non-zero offset naming printable characters (DATASEC).
    Section,
    /// Only the offset is checked (INT, FLOAT).
    Any,
}

/// `isalpha` of the kernel's `lib/ctype.c` (Latin-1: 0xc0–0xff are letters but for × and ÷).
const fn kernel_alpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || (c >= 0xc0 && c != 0xd7 && c != 0xf7)
}

/// `isprint` of the kernel's `lib/ctype.c` (ASCII 0x20–0x7e and Latin-1 0xa0–0xff).
const fn kernel_print(c: u8) -> bool {
    (c >= 0x20 && c <= 0x7e) || c >= 0xa0
}

/// Byte classes for one-pass name checks. `btf_name_valid_identifier`: letters, `_` and `.` start
/// an identifier (bit 0), digits may follow (bit 1); bit 2 is the kernel's `isprint`.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let start = kernel_alpha(c) || c == b'_' || c == b'.';
        let cont = start || c.is_ascii_digit();
        let print = kernel_print(c);
        t[i] = (start as u8) | ((cont as u8) << 1) | ((print as u8) << 2);
        i += 1;
    }
    t
};

fn name_ok(btf: &Btf<'_>, memo: &mut [u64], off: u32, rule: NameRule) -> Result<(), &'static str> {
    let (w, bit) = (off as usize / 64, 1u64 << (off % 64));
    let known_ident = memo.get(w).is_some_and(|x| x & bit != 0);
    if known_ident && matches!(rule, NameRule::Identifier | NameRule::OptionalIdentifier) {
        return Ok(());
    }
    let Some(rest) = btf.strings().get(off as usize..) else {
        return Err("name offset outside the string section");
    };
    // One pass to the NUL, classifying each byte on the way.
    let (mut len, mut ident, mut print, mut nul) = (0usize, true, true, false);
    for &c in rest {
        if c == 0 {
            nul = true;
            break;
        }
        let k = CLASS[c as usize];
        ident &= k & if len == 0 { 1 } else { 2 } != 0;
        print &= k & 4 != 0;
        len += 1;
    }
    if !nul {
        return Err("name offset outside the string section");
    }
    let identifier = ident && len > 0 && len <= MAX_NAME_LEN;
    if identifier {
        if let Some(x) = memo.get_mut(w) {
            *x |= bit;
        }
    }
    let ok = match rule {
        NameRule::Empty => off == 0,
        NameRule::Identifier => off != 0 && identifier,
        NameRule::OptionalIdentifier => off == 0 || identifier,
        NameRule::NonEmpty => len > 0,
        NameRule::Any => true,
        NameRule::Section => off != 0 && len > 0 && len <= MAX_NAME_LEN && print,
    };
    if ok {
        Ok(())
    } else if rule == NameRule::Empty {
        Err("must be anonymous")
    } else {
        Err("is not a valid name for this kind")
    }
}

fn check_type(btf: &Btf<'_>, memo: &mut [u64], t: &Type<'_>, out: &mut Vec<Error>) {
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
    if t.info & !INFO_MASK != 0 {
        bad(
            "type info",
            4,
            format!("{:#x} has bits outside {INFO_MASK:#x} set", t.info),
        );
    }
    if let Err(why) = name_ok(btf, memo, t.name_off, name_rule) {
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
            // The kernel bounds nr_bits + offset by 128 and by the size; any size is allowed.
            if bits + offset > 128 || bits + offset > t.size().saturating_mul(8) {
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
            let mut last_off = 0;
            for (i, m) in t.members().enumerate() {
                let mo = 12 + 12 * i as u64;
                if let Err(why) = name_ok(btf, memo, m.name_off, NameRule::OptionalIdentifier) {
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
                // The kernel wants members in offset order (equal offsets allowed: `char a[0]`).
                if bit_off < last_off {
                    bad(
                        "member offset",
                        mo + 8,
                        format!("member {i} bit offset {bit_off} is below the previous {last_off}"),
                    );
                }
                last_off = bit_off;
            }
        }
        Enum | Enum64 => {
            if !matches!(t.size(), 1 | 2 | 4 | 8) {
                bad("ENUM size", 8, format!("has unsupported size {}", t.size()));
            }
            let stride = if t.kind == Enum { 8 } else { 12 };
            for (i, v) in t.enum_values().enumerate() {
                if let Err(why) = name_ok(btf, memo, v.name_off, NameRule::Identifier) {
                    bad(
                        "enum value name_off",
                        12 + stride * i as u64,
                        format!("value {i} name {why}"),
                    );
                }
            }
        }
        Func => {
            // The kernel loads static and global functions only; libbpf rewrites extern ones.
            if vlen > 1 {
                bad("FUNC linkage", 4, format!("{vlen} is not static or global"));
            }
            match btf.get(t.type_id()) {
                Some(p) if p.kind != FuncProto => bad(
                    "FUNC type",
                    8,
                    format!("type {} is not a FUNC_PROTO", t.type_id()),
                ),
                // A function's named prototype needs a name for every argument.
                Some(p) => {
                    if let Some(i) = p.params().position(|a| a.name_off == 0 && a.type_id != 0) {
                        bad(
                            "FUNC type",
                            8,
                            format!("arg#{i} of prototype {} has no name", t.type_id()),
                        );
                    }
                }
                None => {}
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
                if let Err(why) = name_ok(btf, memo, p.name_off, NameRule::OptionalIdentifier) {
                    bad(
                        "FUNC_PROTO param name_off",
                        po,
                        format!("arg#{i} name {why}"),
                    );
                }
            }
        }
        Var => {
            // Extern variables never reach the kernel: libbpf rewrites them first.
            if t.var_linkage().unwrap_or(0) > 1 {
                bad("VAR linkage", 12, "is not static or global".into());
            }
            if t.type_id() == 0 {
                bad("VAR type", 8, "is void".into());
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
            let idx = t.component_idx().unwrap_or(-1);
            if idx < -1 {
                bad("DECL_TAG component_idx", 12, "is below -1".into());
            }
            // The target must be a function, struct, union, variable or typedef, and an index
            // must name one of the struct's members or the function's arguments.
            let target = btf.get(t.type_id()).filter(|_| t.type_id() != 0);
            let components = match target.map(|x| x.kind) {
                Some(Struct | Union) => target.map(|x| x.vlen()),
                Some(Func) => target.and_then(|f| btf.get(f.type_id())).map(|p| {
                    if p.kind == FuncProto {
                        p.vlen()
                    } else {
                        0
                    }
                }),
                Some(Var | Typedef) => Some(0),
                _ => None,
            };
            match components {
                None if type_ok(t.type_id()) => bad(
                    "DECL_TAG type",
                    8,
                    format!("target {} cannot carry a tag", t.type_id()),
                ),
                Some(n) if idx >= 0 && idx as u32 >= n => bad(
                    "DECL_TAG component_idx",
                    12,
                    format!("{idx} is past the target's {n} components"),
                ),
                _ => {}
            }
        }
        Fwd => {
            if t.size_or_type != 0 {
                bad("FWD type", 8, format!("is {} (must be 0)", t.size_or_type));
            }
        }
        Ptr | Typedef | Volatile | Const | Restrict | TypeTag | Void => {}
    }
}
