//! One BTF type as seen through the read view, with typed access to its trailing records.

use super::Kind;
use crate::bytes::{u32_at, Endian};

/// A BTF type: the 12-byte common header plus its kind-specific trailing bytes.
#[derive(Debug, Clone, Copy)]
pub struct Type<'a> {
    /// Type id.
    pub id: u32,
    /// Kind.
    pub kind: Kind,
    /// Name offset into the string section.
    pub name_off: u32,
    /// The raw info word (vlen, kind, kind_flag).
    pub info: u32,
    /// The `size` or `type` word, depending on the kind.
    pub size_or_type: u32,
    pub(crate) trailing: &'a [u8],
    pub(crate) endian: Endian,
    /// Byte offset of the record within the blob (0 for void).
    pub offset: u64,
}

/// A STRUCT or UNION member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Name offset.
    pub name_off: u32,
    /// Member type id.
    pub type_id: u32,
    /// Raw offset word (bit offset, or bitfield size << 24 | bit offset with kind_flag).
    pub offset: u32,
}

/// A FUNC_PROTO parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Name offset (0 for unnamed and for the variadic marker).
    pub name_off: u32,
    /// Parameter type id (0 with name 0 marks `...`).
    pub type_id: u32,
}

/// An ENUM or ENUM64 value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumValue {
    /// Name offset.
    pub name_off: u32,
    /// The value's bits (ENUM values are sign- or zero-extended by kind_flag when read).
    pub value: u64,
}

/// A DATASEC entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarSecInfo {
    /// The VAR (or FUNC) type id.
    pub type_id: u32,
    /// Offset in the section.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
}

/// An ARRAY's trailing record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayInfo {
    /// Element type.
    pub type_id: u32,
    /// Index type.
    pub index_type: u32,
    /// Number of elements.
    pub nelems: u32,
}

impl<'a> Type<'a> {
    pub(crate) fn void() -> Self {
        Type {
            id: 0,
            kind: Kind::Void,
            name_off: 0,
            info: 0,
            size_or_type: 0,
            trailing: &[],
            endian: Endian::Little,
            offset: 0,
        }
    }

    /// The vlen field (member, param or value count; linkage for FUNC).
    pub fn vlen(&self) -> u32 {
        self.info & 0xffff
    }

    /// The kind_flag bit.
    pub fn kind_flag(&self) -> bool {
        self.info >> 31 == 1
    }

    /// The referenced type id for kinds whose word is a type.
    pub fn type_id(&self) -> u32 {
        self.size_or_type
    }

    /// The size for kinds whose word is a size.
    pub fn size(&self) -> u32 {
        self.size_or_type
    }

    fn word(&self, off: usize) -> u32 {
        // Record lengths were checked when the blob was parsed; 0 only for a caller's kind mistake.
        u32_at(self.trailing, off, self.endian).unwrap_or(0)
    }

    fn records(&self, stride: usize) -> impl Iterator<Item = usize> {
        let n = self.trailing.len().checked_div(stride).unwrap_or(0);
        (0..n).map(move |i| i * stride)
    }

    /// STRUCT/UNION members (empty for other kinds).
    pub fn members(&self) -> impl Iterator<Item = Member> + '_ {
        let stride = if matches!(self.kind, Kind::Struct | Kind::Union) {
            12
        } else {
            0
        };
        self.records(stride).map(|o| Member {
            name_off: self.word(o),
            type_id: self.word(o + 4),
            offset: self.word(o + 8),
        })
    }

    /// FUNC_PROTO parameters (empty for other kinds).
    pub fn params(&self) -> impl Iterator<Item = Param> + '_ {
        let stride = if self.kind == Kind::FuncProto { 8 } else { 0 };
        self.records(stride).map(|o| Param {
            name_off: self.word(o),
            type_id: self.word(o + 4),
        })
    }

    /// The `i`-th FUNC_PROTO parameter.
    pub fn param(&self, i: usize) -> Option<Param> {
        self.params().nth(i)
    }

    /// ENUM and ENUM64 values (empty for other kinds).
    pub fn enum_values(&self) -> impl Iterator<Item = EnumValue> + '_ {
        let (stride, wide) = match self.kind {
            Kind::Enum => (8, false),
            Kind::Enum64 => (12, true),
            _ => (0, false),
        };
        let signed = self.kind_flag();
        self.records(stride).map(move |o| {
            let lo = self.word(o + 4);
            let value = if wide {
                u64::from(lo) | (u64::from(self.word(o + 8)) << 32)
            } else if signed {
                i64::from(lo as i32) as u64
            } else {
                u64::from(lo)
            };
            EnumValue {
                name_off: self.word(o),
                value,
            }
        })
    }

    /// DATASEC entries (empty for other kinds).
    pub fn datasec_vars(&self) -> impl Iterator<Item = VarSecInfo> + '_ {
        let stride = if self.kind == Kind::Datasec { 12 } else { 0 };
        self.records(stride).map(|o| VarSecInfo {
            type_id: self.word(o),
            offset: self.word(o + 4),
            size: self.word(o + 8),
        })
    }

    /// ARRAY's record.
    pub fn array(&self) -> Option<ArrayInfo> {
        (self.kind == Kind::Array).then(|| ArrayInfo {
            type_id: self.word(0),
            index_type: self.word(4),
            nelems: self.word(8),
        })
    }

    /// INT's encoding word (encoding << 24 | offset << 16 | bits).
    pub fn int_encoding(&self) -> Option<u32> {
        (self.kind == Kind::Int).then(|| self.word(0))
    }

    /// VAR's linkage.
    pub fn var_linkage(&self) -> Option<u32> {
        (self.kind == Kind::Var).then(|| self.word(0))
    }

    /// DECL_TAG's component index (-1: the whole entity).
    pub fn component_idx(&self) -> Option<i32> {
        (self.kind == Kind::DeclTag).then(|| self.word(0) as i32)
    }

    /// The trailing bytes as stored.
    pub fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}
