//! `.BTF`: a borrowed read view ([`Btf`]), an owned builder for rewriting ([`BtfBuilder`]), the
//! kernel's structural checks ([`validate`]) and bpftool's raw text format ([`dump`]).

mod builder;
pub mod cdecl;
pub mod dump;
pub mod ext;
mod kind;
pub mod sanitize;
mod types;
pub mod validate;

pub use builder::BtfBuilder;
pub use kind::*;
pub use types::*;

use crate::bytes::{Cursor, Endian};
use crate::error::{add, Error, Result};

/// `BTF_MAGIC`.
pub const MAGIC: u16 = 0xeb9f;
/// Size of the header clang and libbpf 1.7 write.
pub const HEADER_LEN: u32 = 24;
/// The longest modifier/typedef chain walks follow. libbpf follows any chain (and loops forever on a
/// cycle); clang and pahole emit chains of a few links, so only hostile input reaches this bound.
pub const MAX_CHAIN: usize = 1024;

/// The `.BTF` header (`struct btf_header`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Header {
    /// 0xeb9f in the blob's byte order.
    pub magic: u16,
    /// Format version (1).
    pub version: u8,
    /// Flags (0).
    pub flags: u8,
    /// Header length; the section offsets are relative to its end.
    pub hdr_len: u32,
    /// Type section offset.
    pub type_off: u32,
    /// Type section length.
    pub type_len: u32,
    /// String section offset.
    pub str_off: u32,
    /// String section length.
    pub str_len: u32,
}

/// A parsed BTF blob, borrowing its bytes. Type id 0 is `void`; ids follow section order.
#[derive(Debug, Clone)]
pub struct Btf<'a> {
    raw: &'a [u8],
    endian: Endian,
    header: Header,
    /// Absolute offset of `raw[0]` in the enclosing file (for messages).
    base: u64,
    types_start: usize,
    strings: &'a [u8],
    strings_start: usize,
    /// Where each type's record is (index 0 is id 1). Its words are read again on access: eight
    /// bytes per type keep the index of a blob with millions of types small.
    entries: Vec<Entry>,
}

/// A type record's place and what parsing it established.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Byte offset of the record within the type section.
    off: u32,
    /// The raw kind (top 8 bits) and the length of the data after the 12-byte header (low 24
    /// bits; at most 65 535 × 16), both checked by the parser.
    kind_len: u32,
}

impl Entry {
    const LEN_BITS: u32 = 24;

    fn trailing_len(self) -> usize {
        (self.kind_len & ((1 << Self::LEN_BITS) - 1)) as usize
    }
}

impl<'a> Btf<'a> {
    /// Parses a raw BTF blob (a `.BTF` section or a file such as `/sys/kernel/btf/vmlinux`).
    pub fn parse(raw: &'a [u8]) -> Result<Self> {
        Self::parse_at(raw, 0)
    }

    /// Parses a blob that sits at file offset `base` (offsets in errors are then file offsets).
    pub fn parse_at(raw: &'a [u8], base: u64) -> Result<Self> {
        let endian = match raw.get(0..2) {
            Some([0x9f, 0xeb]) => Endian::Little,
            Some([0xeb, 0x9f]) => Endian::Big,
            Some(_) => {
                return Err(Error::invalid(
                    "BTF magic",
                    base,
                    "expected 0xeb9f in either byte order",
                ))
            }
            None => {
                return Err(Error::UnexpectedEof {
                    what: "BTF magic",
                    offset: base,
                })
            }
        };
        let mut c = Cursor::new(raw, base, endian);
        let header = Header {
            magic: c.u16("BTF magic")?,
            version: c.u8("BTF version")?,
            flags: c.u8("BTF flags")?,
            hdr_len: c.u32("BTF hdr_len")?,
            type_off: c.u32("BTF type_off")?,
            type_len: c.u32("BTF type_len")?,
            str_off: c.u32("BTF str_off")?,
            str_len: c.u32("BTF str_len")?,
        };
        if header.version != 1 {
            return Err(Error::invalid(
                "BTF version",
                base + 2,
                format!("{} (only 1 exists)", header.version),
            ));
        }
        if header.hdr_len < HEADER_LEN {
            return Err(Error::invalid(
                "BTF hdr_len",
                base + 4,
                format!(
                    "{} is shorter than the {HEADER_LEN}-byte header",
                    header.hdr_len
                ),
            ));
        }
        let hdr_len = header.hdr_len as usize;
        if hdr_len > raw.len() {
            return Err(Error::invalid(
                "BTF hdr_len",
                base + 4,
                format!("{} exceeds the blob's {} bytes", hdr_len, raw.len()),
            ));
        }
        let type_end = add(
            header.type_off as usize,
            header.type_len as usize,
            "BTF type section end",
        )?;
        if header.type_off % 4 != 0 {
            return Err(Error::invalid(
                "BTF type_off",
                base + 8,
                format!("{} is not 4-byte aligned", header.type_off),
            ));
        }
        if type_end > header.str_off as usize {
            return Err(Error::invalid(
                "BTF section layout",
                base + 8,
                format!(
                    "type data at {} + {} overlaps string data at {}",
                    header.type_off, header.type_len, header.str_off
                ),
            ));
        }
        let types_start = add(hdr_len, header.type_off as usize, "BTF type section start")?;
        let types_end = add(hdr_len, type_end, "BTF type section end")?;
        let strings_start = add(hdr_len, header.str_off as usize, "BTF string section start")?;
        let strings_end = add(
            strings_start,
            header.str_len as usize,
            "BTF string section end",
        )?;
        let outer = Cursor::new(raw, base, endian);
        let types_cur = outer.sub(types_start, types_end - types_start, "BTF type section")?;
        let strings = raw
            .get(strings_start..strings_end)
            .ok_or(Error::UnexpectedEof {
                what: "BTF string section",
                offset: base.saturating_add(strings_start as u64),
            })?;
        let entries = parse_entries(types_cur)?;
        Ok(Btf {
            raw,
            endian,
            header,
            base,
            types_start,
            strings,
            strings_start,
            entries,
        })
    }

    /// The bytes this view was parsed from.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The blob's byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The header as read.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Number of type ids including `void` (libbpf's `btf__type_cnt`).
    pub fn type_cnt(&self) -> u32 {
        // Each type takes at least 12 bytes of a u32-sized section, so this fits.
        u32::try_from(self.entries.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    /// The type with id `id`; `None` for ids past the end. Id 0 is `void`.
    #[inline]
    pub fn get(&self, id: u32) -> Option<Type<'a>> {
        if id == 0 {
            return Some(Type::void());
        }
        let e = *self.entries.get(id as usize - 1)?;
        let rec = self.types_start + e.off as usize;
        let record = self.raw.get(rec..rec + 12 + e.trailing_len())?;
        let (head, trailing) = record.split_at(12);
        let word = |at: usize| -> Option<u32> {
            let b: [u8; 4] = head.get(at..at + 4)?.try_into().ok()?;
            Some(self.endian.u32(b))
        };
        let (name_off, info, size_or_type) = (word(0)?, word(4)?, word(8)?);
        Some(Type {
            id,
            kind: Kind::from_raw(e.kind_len >> Entry::LEN_BITS)?,
            name_off,
            info,
            size_or_type,
            trailing,
            endian: self.endian,
            offset: rec as u64,
        })
    }

    /// Iterates over every type except `void`, in id order.
    pub fn types(&self) -> impl Iterator<Item = Type<'a>> + '_ {
        (1..self.type_cnt()).filter_map(|id| self.get(id))
    }

    /// The string section.
    pub fn strings(&self) -> &'a [u8] {
        self.strings
    }

    /// Offset of the string section within the blob.
    pub fn strings_start(&self) -> usize {
        self.strings_start
    }

    /// Offset of the type section within the blob.
    pub fn types_start(&self) -> usize {
        self.types_start
    }

    /// Absolute offset of the blob in its file.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The NUL-terminated string at `off`, without the NUL.
    pub fn str_at(&self, off: u32) -> Option<&'a [u8]> {
        let rest = self.strings.get(off as usize..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        rest.get(..end)
    }

    /// The name at `off` as text (lossy for invalid UTF-8; empty when out of range).
    pub fn name(&self, off: u32) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.str_at(off).unwrap_or_default())
    }

    /// The first type with `name` of `kind`, in id order.
    pub fn find_by_name(&self, name: &str, kind: Kind) -> Option<Type<'a>> {
        self.types()
            .find(|t| t.kind == kind && self.str_at(t.name_off) == Some(name.as_bytes()))
    }

    /// Follows modifiers and typedefs (libbpf's `skip_mods_and_typedefs`), at most [`MAX_CHAIN`]
    /// links: a cycle ends, and a walk costs constant time however large the blob.
    pub fn skip_mods_and_typedefs(&self, id: u32) -> Option<Type<'a>> {
        skip_mods_and_typedefs(|i| self.get(i), id)
    }

    /// libbpf's `btf__resolve_size`: the byte size of type `id`, following modifiers, typedefs,
    /// VARs and tags and multiplying array lengths, at most 32 links. Pointers are `ptr_sz` bytes.
    pub fn resolve_size(&self, mut id: u32, ptr_sz: u32) -> std::result::Result<u32, SizeError> {
        let mut nelems: u32 = 1;
        for _ in 0..32 {
            let t = self.get(id).ok_or(SizeError::Missing(id))?;
            let size = match t.kind {
                Kind::Int
                | Kind::Struct
                | Kind::Union
                | Kind::Enum
                | Kind::Enum64
                | Kind::Datasec
                | Kind::Float => t.size(),
                Kind::Ptr => ptr_sz,
                Kind::Typedef
                | Kind::Volatile
                | Kind::Const
                | Kind::Restrict
                | Kind::Var
                | Kind::DeclTag
                | Kind::TypeTag => {
                    id = t.type_id();
                    continue;
                }
                Kind::Array => {
                    let a = t.array().ok_or(SizeError::NoSize(id, t.kind))?;
                    nelems = nelems.checked_mul(a.nelems).ok_or(SizeError::TooBig)?;
                    id = a.type_id;
                    continue;
                }
                Kind::Void | Kind::Fwd | Kind::Func | Kind::FuncProto => {
                    return Err(SizeError::NoSize(id, t.kind))
                }
            };
            return nelems.checked_mul(size).ok_or(SizeError::TooBig);
        }
        Err(SizeError::TooDeep)
    }
}

/// Follows modifiers and typedefs from `id` through `get`, at most [`MAX_CHAIN`] links (one walk
/// for the read view and the builder).
pub(crate) fn skip_mods_and_typedefs<'t>(
    get: impl Fn(u32) -> Option<Type<'t>>,
    mut id: u32,
) -> Option<Type<'t>> {
    for _ in 0..=MAX_CHAIN {
        let t = get(id)?;
        if t.kind.is_modifier() || t.kind == Kind::Typedef {
            id = t.size_or_type;
        } else {
            return Some(t);
        }
    }
    None
}

/// Why [`Btf::resolve_size`] found no size (libbpf: `-EINVAL`, or `-E2BIG` for [`SizeError::TooBig`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeError {
    /// The type id is past the end.
    Missing(u32),
    /// The type has no size (void, FWD, FUNC, FUNC_PROTO, a malformed ARRAY).
    NoSize(u32, Kind),
    /// More than 32 links.
    TooDeep,
    /// The size does not fit in 32 bits.
    TooBig,
}

impl std::fmt::Display for SizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeError::Missing(id) => write!(f, "type [{id}] does not exist"),
            SizeError::NoSize(id, kind) => write!(f, "type [{id}] ({}) has no size", kind.name()),
            SizeError::TooDeep => f.write_str("type chain too deep"),
            SizeError::TooBig => f.write_str("size too large"),
        }
    }
}

fn parse_entries(mut c: Cursor<'_>) -> Result<Vec<Entry>> {
    let start = c.offset();
    let endian = c.endian();
    let data = c.bytes(c.remaining(), "BTF type section")?;
    // Types are at least 12 bytes, so this never grows; the excess is returned at the end.
    let mut entries = Vec::with_capacity(data.len() / 12);
    let mut pos = 0usize;
    let word = |p: usize| -> Option<u32> {
        let b: [u8; 4] = data.get(p..p + 4)?.try_into().ok()?;
        Some(endian.u32(b))
    };
    while pos < data.len() {
        let at = start + pos as u64;
        let off = u32::try_from(pos).map_err(|_| Error::Overflow {
            what: "BTF type offset",
        })?;
        let eof = |what, o: u64| Error::UnexpectedEof {
            what,
            offset: at + o,
        };
        word(pos).ok_or_else(|| eof("BTF type name_off", 0))?;
        let info = word(pos + 4).ok_or_else(|| eof("BTF type info", 4))?;
        word(pos + 8).ok_or_else(|| eof("BTF type size/type", 8))?;
        let raw_kind = (info >> 24) & 0x1f;
        let id = entries.len() + 1;
        let kind = Kind::from_raw(raw_kind).ok_or_else(|| {
            Error::invalid(
                "BTF type kind",
                at + 4,
                format!("[{id}] has unknown kind {raw_kind}"),
            )
        })?;
        let vlen = (info & 0xffff) as usize;
        let trailing_len = kind.trailing_len(vlen).ok_or(Error::Overflow {
            what: "BTF type record length",
        })?;
        let next = pos + 12 + trailing_len;
        if next > data.len() {
            return Err(Error::UnexpectedEof {
                what: "BTF type trailing data (vlen larger than the type section)",
                offset: at,
            });
        }
        let len = u32::try_from(trailing_len)
            .ok()
            .filter(|&l| l < 1 << Entry::LEN_BITS)
            .ok_or(Error::Overflow {
                what: "BTF type record length",
            })?;
        entries.push(Entry {
            off,
            kind_len: (kind as u32) << Entry::LEN_BITS | len,
        });
        pos = next;
    }
    entries.shrink_to_fit();
    Ok(entries)
}
