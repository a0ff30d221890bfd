//! An owned BTF that can grow the way libbpf grows it: existing bytes stay as they are, strings
//! already present are reused (first occurrence wins), new types and strings are appended.

use std::collections::HashMap;

use super::{Btf, Kind, Type};
use crate::bytes::{put_u32, u32_at, Endian};
use crate::error::{Error, Result};

/// An owned, appendable BTF blob.
#[derive(Debug, Clone)]
pub struct BtfBuilder {
    endian: Endian,
    /// The original header bytes (`hdr_len` of them); the section fields are rewritten on output.
    header: Vec<u8>,
    /// Bytes between the header and the type section (`type_off` of them).
    before_types: Vec<u8>,
    types: Vec<u8>,
    /// Bytes between the type section's end and the string section.
    between: Vec<u8>,
    strings: Vec<u8>,
    /// Bytes after the string section, kept until the first append (as libbpf's raw data is).
    trailer: Vec<u8>,
    /// Record offset of each type (index 0 is id 1).
    offsets: Vec<u32>,
    /// String offsets by content, built on first use from a scan of the table.
    index: Option<HashMap<Vec<u8>, u32>>,
}

/// The kernel's `BTF_MAX_NAME_OFFSET` bounds how large the string table may grow.
const MAX_STR_LEN: usize = 0x00ff_ffff;

impl BtfBuilder {
    /// Copies a parsed blob into an owned builder. Serializing it unchanged gives the input bytes.
    pub fn new(btf: &Btf<'_>) -> Self {
        let raw = btf.raw();
        let h = btf.header();
        let hdr_len = h.hdr_len as usize;
        let slice = |a: usize, b: usize| raw.get(a..b).unwrap_or_default().to_vec();
        let types_start = btf.types_start();
        let types_end = types_start + h.type_len as usize;
        let offsets = btf
            .types()
            .map(|t| (t.offset - types_start as u64) as u32)
            .collect();
        BtfBuilder {
            endian: btf.endian(),
            header: slice(0, hdr_len),
            before_types: slice(hdr_len, types_start),
            types: slice(types_start, types_end),
            between: slice(types_end, btf.strings_start()),
            strings: btf.strings().to_vec(),
            trailer: raw
                .get(btf.strings_start() + btf.strings().len()..)
                .unwrap_or_default()
                .to_vec(),
            offsets,
            index: None,
        }
    }

    /// Number of type ids including `void`.
    pub fn type_cnt(&self) -> u32 {
        self.offsets.len() as u32 + 1
    }

    /// Byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// A read view of type `id` in its current state.
    pub fn get(&self, id: u32) -> Option<Type<'_>> {
        if id == 0 {
            return Some(Type::void());
        }
        let off = *self.offsets.get(id as usize - 1)? as usize;
        let name_off = u32_at(&self.types, off, self.endian)?;
        let info = u32_at(&self.types, off + 4, self.endian)?;
        let size_or_type = u32_at(&self.types, off + 8, self.endian)?;
        let kind = Kind::from_raw((info >> 24) & 0x1f)?;
        let len = kind.trailing_len((info & 0xffff) as usize)?;
        let trailing = self.types.get(off + 12..off + 12 + len)?;
        Some(Type {
            id,
            kind,
            name_off,
            info,
            size_or_type,
            trailing,
            endian: self.endian,
            offset: off as u64,
        })
    }

    /// The string at `off`, without its NUL.
    pub fn str_at(&self, off: u32) -> Option<&[u8]> {
        let rest = self.strings.get(off as usize..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        rest.get(..end)
    }

    fn index(&mut self) -> &mut HashMap<Vec<u8>, u32> {
        let strings = &self.strings;
        self.index.get_or_insert_with(|| {
            let mut map = HashMap::new();
            let mut off = 0usize;
            while off < strings.len() {
                let rest = strings.get(off..).unwrap_or_default();
                let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                map.entry(rest.get(..len).unwrap_or_default().to_vec())
                    .or_insert(off as u32);
                off += len + 1;
            }
            map
        })
    }

    /// The offset of `s`, appending it to the string section when it is not there yet.
    pub fn add_str(&mut self, s: &[u8]) -> Result<u32> {
        // libbpf's btf_ensure_modifiable: the blob is rebuilt from header, types and strings.
        self.trailer.clear();
        if let Some(&off) = self.index().get(s) {
            return Ok(off);
        }
        let off = self.strings.len();
        if off + s.len() + 1 > MAX_STR_LEN {
            return Err(Error::Limit {
                what: "BTF string section size",
                limit: MAX_STR_LEN as u64,
            });
        }
        self.strings.extend_from_slice(s);
        self.strings.push(0);
        self.index().insert(s.to_vec(), off as u32);
        Ok(off as u32)
    }

    /// Rewrites the bytes of the string at `off` (up to its NUL) through `map`, in place: every
    /// type that shares the string sees the change, as with libbpf's in-place edits.
    pub fn map_str_in_place(&mut self, off: u32, map: impl Fn(u8) -> u8) {
        let Some(rest) = self.strings.get_mut(off as usize..) else {
            return;
        };
        for c in rest.iter_mut().take_while(|c| **c != 0) {
            *c = map(*c);
        }
        // The content index no longer describes the table.
        self.index = None;
    }

    /// Appends a type record and returns its id.
    pub fn push(&mut self, name_off: u32, info: u32, size_or_type: u32, trailing: &[u8]) -> u32 {
        self.trailer.clear();
        self.offsets.push(self.types.len() as u32);
        for w in [name_off, info, size_or_type] {
            self.types.extend_from_slice(&self.endian.u32_bytes(w));
        }
        self.types.extend_from_slice(trailing);
        self.type_cnt() - 1
    }

    fn info(kind: Kind, kflag: bool, vlen: u32) -> u32 {
        (u32::from(kflag) << 31) | ((kind as u32) << 24) | (vlen & 0xffff)
    }

    /// Appends `FUNC_PROTO` returning `ret` with no parameters yet.
    pub fn add_func_proto(&mut self, ret: u32) -> u32 {
        self.push(0, Self::info(Kind::FuncProto, false, 0), ret, &[])
    }

    /// Appends a parameter to the last type, which must be a FUNC_PROTO.
    pub fn add_func_param(&mut self, name_off: u32, type_id: u32) -> Result<()> {
        let last = self.type_cnt() - 1;
        let t = self
            .get(last)
            .filter(|t| t.kind == Kind::FuncProto)
            .ok_or_else(|| {
                Error::invalid("FUNC_PROTO parameter", 0, "last type is not a FUNC_PROTO")
            })?;
        let info = t.info + 1;
        let off = t.offset as usize;
        put_u32(&mut self.types, off + 4, self.endian, info);
        let mut rec = [0u8; 8];
        rec[..4].copy_from_slice(&self.endian.u32_bytes(name_off));
        rec[4..].copy_from_slice(&self.endian.u32_bytes(type_id));
        self.types.extend_from_slice(&rec);
        Ok(())
    }

    /// Appends a FUNC.
    pub fn add_func(&mut self, name_off: u32, linkage: u32, proto: u32) -> u32 {
        self.push(name_off, Self::info(Kind::Func, false, linkage), proto, &[])
    }

    /// Appends an empty STRUCT of `size` bytes.
    pub fn add_struct(&mut self, name_off: u32, size: u32) -> u32 {
        self.push(name_off, Self::info(Kind::Struct, false, 0), size, &[])
    }

    /// Appends an anonymous PTR.
    pub fn add_ptr(&mut self, target: u32) -> u32 {
        self.push(0, Self::info(Kind::Ptr, false, 0), target, &[])
    }

    /// Appends a DECL_TAG (kind_flag 0).
    pub fn add_decl_tag(&mut self, name_off: u32, target: u32, component_idx: i32) -> u32 {
        let trailing = self.endian.u32_bytes(component_idx as u32);
        self.push(
            name_off,
            Self::info(Kind::DeclTag, false, 0),
            target,
            &trailing,
        )
    }

    fn word_mut(&mut self, id: u32, byte: usize, value: u32, what: &'static str) -> Result<()> {
        let t = self
            .get(id)
            .filter(|_| id != 0)
            .ok_or_else(|| Error::invalid(what, 0, format!("no type [{id}]")))?;
        let off = t.offset as usize + byte;
        if byte >= 12 && byte + 4 > 12 + t.trailing.len() {
            return Err(Error::invalid(
                what,
                t.offset,
                format!("[{id}] has no such record"),
            ));
        }
        put_u32(&mut self.types, off, self.endian, value);
        Ok(())
    }

    /// Sets a type's name offset.
    pub fn set_name_off(&mut self, id: u32, name_off: u32) -> Result<()> {
        self.word_mut(id, 0, name_off, "type name_off")
    }

    /// Sets a type's info word.
    pub fn set_info(&mut self, id: u32, info: u32) -> Result<()> {
        self.word_mut(id, 4, info, "type info")
    }

    /// Sets a type's size/type word.
    pub fn set_size_or_type(&mut self, id: u32, v: u32) -> Result<()> {
        self.word_mut(id, 8, v, "type size/type")
    }

    /// Sets parameter `idx` of FUNC_PROTO `id` to `type_id`.
    pub fn set_param_type(&mut self, id: u32, idx: usize, type_id: u32) -> Result<()> {
        self.word_mut(id, 12 + idx * 8 + 4, type_id, "FUNC_PROTO parameter type")
    }

    /// Sets parameter `idx`'s name of FUNC_PROTO `id`.
    pub fn set_param_name(&mut self, id: u32, idx: usize, name_off: u32) -> Result<()> {
        self.word_mut(id, 12 + idx * 8, name_off, "FUNC_PROTO parameter name")
    }

    /// Sets the `word`-th u32 after the common header of type `id` (VAR linkage, DECL_TAG index, …).
    pub fn set_trailing_word(&mut self, id: u32, word: usize, v: u32) -> Result<()> {
        self.word_mut(id, 12 + word * 4, v, "type trailing data")
    }

    /// Sets DATASEC `id`'s entry `idx` (type, offset, size).
    pub fn set_datasec_var(&mut self, id: u32, idx: usize, v: super::VarSecInfo) -> Result<()> {
        let at = 12 + idx * 12;
        self.word_mut(id, at, v.type_id, "DATASEC entry type")?;
        self.word_mut(id, at + 4, v.offset, "DATASEC entry offset")?;
        self.word_mut(id, at + 8, v.size, "DATASEC entry size")
    }

    /// Serializes: header (section fields updated), types, strings, in the input's layout.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.prefix_len() + self.types.len() + self.suffix_len());
        out.extend_from_slice(&self.header_bytes());
        out.extend_from_slice(&self.before_types);
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.between);
        out.extend_from_slice(&self.strings);
        out.extend_from_slice(&self.trailer);
        out
    }

    /// [`Self::to_bytes`], reusing the type section's buffer: a rewrite that cloned millions of
    /// types does not hold them twice.
    pub fn into_bytes(self) -> Vec<u8> {
        let mut prefix = self.header_bytes();
        prefix.extend_from_slice(&self.before_types);
        let suffix = self.suffix_len();
        let BtfBuilder {
            mut types,
            between,
            strings,
            trailer,
            offsets,
            index,
            ..
        } = self;
        drop((offsets, index));
        types.reserve_exact(prefix.len() + suffix);
        types.splice(0..0, prefix);
        types.extend_from_slice(&between);
        types.extend_from_slice(&strings);
        types.extend_from_slice(&trailer);
        types
    }

    fn prefix_len(&self) -> usize {
        self.header.len() + self.before_types.len()
    }

    fn suffix_len(&self) -> usize {
        self.between.len() + self.strings.len() + self.trailer.len()
    }

    /// The header with its section fields set for the current sizes.
    fn header_bytes(&self) -> Vec<u8> {
        let mut header = self.header.clone();
        let type_off = self.before_types.len() as u32;
        let type_len = self.types.len() as u32;
        let str_off = type_off + type_len + self.between.len() as u32;
        for (at, v) in [
            (8, type_off),
            (12, type_len),
            (16, str_off),
            (20, self.strings.len() as u32),
        ] {
            put_u32(&mut header, at, self.endian, v);
        }
        header
    }
}
