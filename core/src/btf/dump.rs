//! bpftool's raw text format (`bpftool btf dump file FILE`).
//!
//! Every type is printed as one header line, `[ID] KIND 'NAME' …`, followed for the kinds that carry
//! records (STRUCT, UNION, ENUM, ENUM64, FUNC_PROTO, DATASEC) by one tab-indented line per record.
//! The output matches bpftool 7.1 byte for byte, including its handling of odd input:
//!
//! * a name offset of 0 prints as `'(anon)'`; a non-zero offset past the string section (or, where
//!   bpftool would refuse the file, one whose string is not NUL-terminated) prints as `'(invalid)'`;
//!   a non-zero offset that lands on an empty string prints as `''`;
//! * unknown INT encodings print `encoding=UNKN`, unknown FUNC and VAR linkages `linkage=(unknown)`;
//! * a DATASEC entry whose type id is past the end of the blob ends after `size=N`, without the
//!   `(KIND 'name')` suffix; an entry pointing at `void` prints `(UNKNOWN '(anon)')`;
//! * kind_flag is only interpreted where it has a meaning bpftool knows (STRUCT/UNION bitfields,
//!   ENUM/ENUM64 signedness, FWD union); DECL_TAG, TYPE_TAG and FUNC print the same with either value.
//!
//! Names are printed as stored. bpftool writes their bytes unchanged, so [`dump_bytes`] and
//! [`dump_type_bytes`] are the byte-exact forms; [`dump`] and [`dump_type`] produce a `String`, in
//! which a name that is not valid UTF-8 is converted lossily (each invalid sequence becomes U+FFFD).
//! When every name is valid UTF-8, as the names clang and pahole write are, both forms are identical.

use super::{Btf, Kind, Type, LINKAGE_EXTERN, LINKAGE_GLOBAL, LINKAGE_STATIC};

/// Writes `btf` in bpftool's raw format, exactly as `bpftool btf dump file` prints it.
///
/// Names that are not valid UTF-8 are converted lossily; use [`dump_bytes`] for the exact bytes.
pub fn dump(btf: &Btf<'_>) -> String {
    // One validation pass over the finished text is cheaper than one per name. Converting the whole
    // text lossily gives the same result as converting each name: names are delimited by ASCII.
    match String::from_utf8(dump_bytes(btf)) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Like [`dump`], but byte-exact: names are copied as stored, as bpftool does.
pub fn dump_bytes(btf: &Btf<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity_hint(btf));
    dump_all(btf, &mut out);
    out
}

/// Appends one type's text (its header line plus member lines, each ending in `\n`) to `out`, for
/// reuse by reports.
///
/// Id 0 prints as `[0] UNKNOWN '(anon)'`; an id past the end of the blob appends nothing.
/// Names that are not valid UTF-8 are converted lossily; use [`dump_type_bytes`] for the exact bytes.
pub fn dump_type(btf: &Btf<'_>, id: u32, out: &mut String) {
    if let Some(t) = btf.get(id) {
        let budget = budget(btf, out.len());
        write_type(btf, &t, out, budget);
        truncated(out, budget);
    }
}

/// Like [`dump_type`], but byte-exact.
pub fn dump_type_bytes(btf: &Btf<'_>, id: u32, out: &mut Vec<u8>) {
    if let Some(t) = btf.get(id) {
        let budget = budget(btf, out.len());
        write_type(btf, &t, out, budget);
        truncated(out, budget);
    }
}

/// The output is about 2.2 times the size of the blob (vmlinux: 5.5 MB → 12.1 MB).
fn capacity_hint(btf: &Btf<'_>) -> usize {
    let n = btf.raw().len();
    n.saturating_mul(2).saturating_add(n / 4).saturating_add(64)
}

/// How long `out` may grow: bpftool's text is about 2.2 times the blob, but a name repeated by
/// thousands of members, parameters or DATASEC entries multiplies it; past 16 times the blob plus
/// 1 MiB (only hostile input gets there) the text ends with a truncation line.
fn budget(btf: &Btf<'_>, start: usize) -> usize {
    let n = btf.raw().len();
    start
        .saturating_add(n.saturating_mul(16))
        .saturating_add(1 << 20)
}

/// Appends the truncation line when `out` went past `budget`.
fn truncated<S: Sink>(out: &mut S, budget: usize) {
    if out.len() > budget {
        out.text("(output truncated: the text would exceed 16 times the size of the BTF)\n");
    }
}

fn dump_all<S: Sink>(btf: &Btf<'_>, out: &mut S) {
    let budget = budget(btf, out.len());
    for t in btf.types() {
        write_type(btf, &t, out, budget);
        if out.len() > budget {
            break;
        }
    }
    truncated(out, budget);
}

/// Where the text goes: a `String` (names converted lossily) or a byte buffer (names verbatim).
trait Sink {
    /// Appends ASCII text.
    fn text(&mut self, s: &str);
    /// Appends stored bytes (a name, or digits).
    fn bytes(&mut self, b: &[u8]);
    /// Bytes written so far.
    fn len(&self) -> usize;
}

impl Sink for String {
    #[inline]
    fn text(&mut self, s: &str) {
        self.push_str(s);
    }

    #[inline]
    fn bytes(&mut self, b: &[u8]) {
        match std::str::from_utf8(b) {
            Ok(s) => self.push_str(s),
            Err(_) => self.push_str(&String::from_utf8_lossy(b)),
        }
    }

    fn len(&self) -> usize {
        String::len(self)
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn text(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }

    #[inline]
    fn bytes(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }

    fn len(&self) -> usize {
        Vec::len(self)
    }
}

/// Appends `v` in decimal.
#[inline]
fn uint<S: Sink>(out: &mut S, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        // `v % 10` is a single digit.
        *slot = b'0' + (v % 10) as u8;
        start -= 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.bytes(buf.get(start..).unwrap_or_default());
}

/// Appends `v` in decimal with a leading `-` when negative.
#[inline]
fn int<S: Sink>(out: &mut S, v: i64) {
    if v < 0 {
        out.text("-");
    }
    uint(out, v.unsigned_abs());
}

/// Appends `key` then the decimal `v` (`key` carries the leading space and the `=`).
#[inline]
fn field<S: Sink>(out: &mut S, key: &str, v: u32) {
    out.text(key);
    uint(out, u64::from(v));
}

/// Appends a name between single quotes.
#[inline]
fn name<S: Sink>(out: &mut S, btf: &Btf<'_>, off: u32) {
    out.text("'");
    if off == 0 {
        out.text("(anon)");
    } else {
        match btf.str_at(off) {
            Some(b) => out.bytes(b),
            None => out.text("(invalid)"),
        }
    }
    out.text("'");
}

fn linkage(l: u32) -> &'static str {
    match l {
        LINKAGE_STATIC => "static",
        LINKAGE_GLOBAL => "global",
        LINKAGE_EXTERN => "extern",
        _ => "(unknown)",
    }
}

fn int_encoding(enc: u32) -> &'static str {
    match enc {
        0 => "(none)",
        1 => "SIGNED",
        2 => "CHAR",
        4 => "BOOL",
        _ => "UNKN",
    }
}

/// Writes one type; record lines stop once `out` is longer than `budget`.
fn write_type<S: Sink>(btf: &Btf<'_>, t: &Type<'_>, out: &mut S, budget: usize) {
    out.text("[");
    uint(out, u64::from(t.id));
    out.text("] ");
    out.text(t.kind.name());
    out.text(" ");
    name(out, btf, t.name_off);
    match t.kind {
        Kind::Void => {}
        Kind::Int => {
            let word = t.int_encoding().unwrap_or(0);
            field(out, " size=", t.size());
            field(out, " bits_offset=", (word >> 16) & 0xff);
            field(out, " nr_bits=", word & 0xff);
            out.text(" encoding=");
            out.text(int_encoding((word >> 24) & 0x0f));
        }
        Kind::Ptr
        | Kind::Typedef
        | Kind::Volatile
        | Kind::Const
        | Kind::Restrict
        | Kind::TypeTag => field(out, " type_id=", t.type_id()),
        Kind::Array => {
            if let Some(a) = t.array() {
                field(out, " type_id=", a.type_id);
                field(out, " index_type_id=", a.index_type);
                field(out, " nr_elems=", a.nelems);
            }
        }
        Kind::Struct | Kind::Union => {
            field(out, " size=", t.size());
            field(out, " vlen=", t.vlen());
            let bitfields = t.kind_flag();
            for m in t.members() {
                if out.len() > budget {
                    break;
                }
                out.text("\n\t");
                name(out, btf, m.name_off);
                field(out, " type_id=", m.type_id);
                if bitfields {
                    field(out, " bits_offset=", m.offset & 0x00ff_ffff);
                    let size = m.offset >> 24;
                    if size != 0 {
                        field(out, " bitfield_size=", size);
                    }
                } else {
                    field(out, " bits_offset=", m.offset);
                }
            }
        }
        Kind::Enum | Kind::Enum64 => {
            let signed = t.kind_flag();
            let wide = t.kind == Kind::Enum64;
            out.text(if signed {
                " encoding=SIGNED"
            } else {
                " encoding=UNSIGNED"
            });
            field(out, " size=", t.size());
            field(out, " vlen=", t.vlen());
            for v in t.enum_values() {
                if out.len() > budget {
                    break;
                }
                out.text("\n\t");
                name(out, btf, v.name_off);
                out.text(" val=");
                match (wide, signed) {
                    // ENUM values are 32 bits wide whatever `enum_values` extended them to.
                    (false, true) => int(out, i64::from(v.value as u32 as i32)),
                    (false, false) => uint(out, u64::from(v.value as u32)),
                    (true, true) => {
                        int(out, v.value as i64);
                        out.text("LL");
                    }
                    (true, false) => {
                        uint(out, v.value);
                        out.text("ULL");
                    }
                }
            }
        }
        Kind::Fwd => out.text(if t.kind_flag() {
            " fwd_kind=union"
        } else {
            " fwd_kind=struct"
        }),
        Kind::Func => {
            field(out, " type_id=", t.type_id());
            out.text(" linkage=");
            out.text(linkage(t.vlen()));
        }
        Kind::FuncProto => {
            field(out, " ret_type_id=", t.type_id());
            field(out, " vlen=", t.vlen());
            for p in t.params() {
                if out.len() > budget {
                    break;
                }
                out.text("\n\t");
                name(out, btf, p.name_off);
                field(out, " type_id=", p.type_id);
            }
        }
        Kind::Var => {
            field(out, " type_id=", t.type_id());
            out.text(", linkage=");
            out.text(linkage(t.var_linkage().unwrap_or(LINKAGE_STATIC)));
        }
        Kind::Datasec => {
            field(out, " size=", t.size());
            field(out, " vlen=", t.vlen());
            for v in t.datasec_vars() {
                if out.len() > budget {
                    break;
                }
                field(out, "\n\ttype_id=", v.type_id);
                field(out, " offset=", v.offset);
                field(out, " size=", v.size);
                if let Some(target) = btf.get(v.type_id) {
                    out.text(" (");
                    out.text(target.kind.name());
                    out.text(" ");
                    name(out, btf, target.name_off);
                    out.text(")");
                }
            }
        }
        Kind::Float => field(out, " size=", t.size()),
        Kind::DeclTag => {
            field(out, " type_id=", t.type_id());
            out.text(" component_idx=");
            int(out, i64::from(t.component_idx().unwrap_or(-1)));
        }
    }
    out.text("\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut s = String::new();
        uint(&mut s, 0);
        s.push(' ');
        uint(&mut s, u64::MAX);
        s.push(' ');
        int(&mut s, i64::MIN);
        s.push(' ');
        int(&mut s, -1);
        s.push(' ');
        int(&mut s, 42);
        assert_eq!(s, "0 18446744073709551615 -9223372036854775808 -1 42");
    }
}
