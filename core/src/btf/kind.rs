//! BTF kinds and the fixed parts of their encoding.

/// A BTF type kind (`BTF_KIND_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum Kind {
    Void = 0,
    Int = 1,
    Ptr = 2,
    Array = 3,
    Struct = 4,
    Union = 5,
    Enum = 6,
    Fwd = 7,
    Typedef = 8,
    Volatile = 9,
    Const = 10,
    Restrict = 11,
    Func = 12,
    FuncProto = 13,
    Var = 14,
    Datasec = 15,
    Float = 16,
    DeclTag = 17,
    TypeTag = 18,
    Enum64 = 19,
}

impl Kind {
    /// The kind for a raw kind number, if it is one the kernel defines.
    #[inline]
    pub fn from_raw(raw: u32) -> Option<Kind> {
        use Kind::*;
        Some(match raw {
            1 => Int,
            2 => Ptr,
            3 => Array,
            4 => Struct,
            5 => Union,
            6 => Enum,
            7 => Fwd,
            8 => Typedef,
            9 => Volatile,
            10 => Const,
            11 => Restrict,
            12 => Func,
            13 => FuncProto,
            14 => Var,
            15 => Datasec,
            16 => Float,
            17 => DeclTag,
            18 => TypeTag,
            19 => Enum64,
            _ => return None,
        })
    }

    /// The name bpftool prints (`INT`, `FUNC_PROTO`, …).
    pub fn name(self) -> &'static str {
        use Kind::*;
        match self {
            Void => "UNKNOWN",
            Int => "INT",
            Ptr => "PTR",
            Array => "ARRAY",
            Struct => "STRUCT",
            Union => "UNION",
            Enum => "ENUM",
            Fwd => "FWD",
            Typedef => "TYPEDEF",
            Volatile => "VOLATILE",
            Const => "CONST",
            Restrict => "RESTRICT",
            Func => "FUNC",
            FuncProto => "FUNC_PROTO",
            Var => "VAR",
            Datasec => "DATASEC",
            Float => "FLOAT",
            DeclTag => "DECL_TAG",
            TypeTag => "TYPE_TAG",
            Enum64 => "ENUM64",
        }
    }

    /// Bytes that follow the 12-byte common header for a type of this kind with `vlen` entries.
    #[inline]
    pub(crate) fn trailing_len(self, vlen: usize) -> Option<usize> {
        use Kind::*;
        match self {
            Int | Var | DeclTag => Some(4),
            Array => Some(12),
            Struct | Union | Datasec | Enum64 => vlen.checked_mul(12),
            Enum | FuncProto => vlen.checked_mul(8),
            Void | Ptr | Fwd | Typedef | Volatile | Const | Restrict | Func | Float | TypeTag => {
                Some(0)
            }
        }
    }

    /// Whether the `size/type` word is a type id (as opposed to a size).
    pub fn refers_to_type(self) -> bool {
        use Kind::*;
        matches!(
            self,
            Ptr | Typedef
                | Volatile
                | Const
                | Restrict
                | Func
                | FuncProto
                | Var
                | DeclTag
                | TypeTag
        )
    }

    /// VOLATILE, CONST, RESTRICT and TYPE_TAG: the modifiers libbpf and the kernel skip.
    pub fn is_modifier(self) -> bool {
        matches!(
            self,
            Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag
        )
    }
}

/// FUNC linkage (the FUNC's vlen field).
pub const LINKAGE_STATIC: u32 = 0;
/// FUNC linkage global.
pub const LINKAGE_GLOBAL: u32 = 1;
/// FUNC linkage extern.
pub const LINKAGE_EXTERN: u32 = 2;

/// `BTF_MAX_TYPE`: the kernel's largest type id.
pub const MAX_TYPE_ID: u32 = 0x000f_ffff;
/// `BTF_MAX_NAME_OFFSET`.
pub const MAX_NAME_OFFSET: u32 = 0x00ff_ffff;
/// `BTF_MAX_VLEN`.
pub const MAX_VLEN: u32 = 0xffff;
