//! libbpf 1.7's BTF sanitization (`bpf_object__sanitize_btf`): before `BPF_BTF_LOAD`, the kinds and
//! features a kernel lacks are rewritten into ones it knows, on a copy of the object's BTF. What a
//! kernel has is a [`BtfFeatures`], from libbpf's probes of a running kernel or from a kernel
//! version (`KernelVersion::btf_features`).
//!
//! Every rewrite keeps each type's record length, so type ids and offsets stay as they are; only
//! a missing ENUM64 kind appends one type (`enum64_placeholder`), as libbpf does.

use serde::Serialize;

use super::{BtfBuilder, Kind};
use crate::error::Result;

/// The BTF features libbpf probes (`FEAT_BTF_*` in its `features.c`); `true` means the kernel
/// accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct BtfFeatures {
    /// `FEAT_BTF_FUNC`: FUNC and FUNC_PROTO (4.20/5.0).
    pub func: bool,
    /// `FEAT_BTF_DATASEC`: VAR and DATASEC (5.2).
    pub datasec: bool,
    /// `FEAT_BTF_GLOBAL_FUNC`: FUNC with global linkage (5.6).
    pub global_func: bool,
    /// `FEAT_BTF_FLOAT`: FLOAT (5.13).
    pub float: bool,
    /// `FEAT_BTF_DECL_TAG`: DECL_TAG (5.16).
    pub decl_tag: bool,
    /// `FEAT_BTF_TYPE_TAG`: TYPE_TAG (5.17).
    pub type_tag: bool,
    /// `FEAT_BTF_ENUM64`: ENUM64 and signed ENUMs (6.0).
    pub enum64: bool,
    /// `FEAT_BTF_QMARK_DATASEC`: DATASEC names that start with `?`.
    pub qmark_datasec: bool,
}

impl BtfFeatures {
    /// A kernel that accepts everything libbpf 1.7 probes for: nothing is sanitized.
    pub const ALL: BtfFeatures = BtfFeatures {
        func: true,
        datasec: true,
        global_func: true,
        float: true,
        decl_tag: true,
        type_tag: true,
        enum64: true,
        qmark_datasec: true,
    };

    /// libbpf's `btf_needs_sanitization`: whether any feature is missing.
    pub fn needs_sanitization(self) -> bool {
        self != Self::ALL
    }

    /// Each feature with libbpf's name, in libbpf's order.
    pub fn named(self) -> [(&'static str, bool); 8] {
        [
            ("FEAT_BTF_FUNC", self.func),
            ("FEAT_BTF_DATASEC", self.datasec),
            ("FEAT_BTF_GLOBAL_FUNC", self.global_func),
            ("FEAT_BTF_FLOAT", self.float),
            ("FEAT_BTF_DECL_TAG", self.decl_tag),
            ("FEAT_BTF_TYPE_TAG", self.type_tag),
            ("FEAT_BTF_ENUM64", self.enum64),
            ("FEAT_BTF_QMARK_DATASEC", self.qmark_datasec),
        ]
    }
}

/// One kind of rewrite the sanitization made, with how many types it touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sanitized {
    /// The missing feature (libbpf's name).
    pub feature: &'static str,
    /// What was rewritten into what.
    pub change: &'static str,
    /// How many types.
    pub count: u32,
}

const INT_8_BITS: u32 = 8; // BTF_INT_ENC(0, 0, 8): no encoding, offset 0, 8 bits

fn info(kind: Kind, kflag: bool, vlen: u32) -> u32 {
    (u32::from(kflag) << 31) | ((kind as u32) << 24) | (vlen & 0xffff)
}

/// Sanitizes `b` in place for a kernel with `features`, as libbpf 1.7 does to the copy it loads;
/// returns what changed (nothing when no feature is missing).
pub fn sanitize(b: &mut BtfBuilder, features: BtfFeatures) -> Result<Vec<Sanitized>> {
    let mut done: Vec<Sanitized> = Vec::new();
    let mut note = |feature: &'static str, change: &'static str| match done
        .iter_mut()
        .find(|s| s.feature == feature && s.change == change)
    {
        Some(s) => s.count += 1,
        None => done.push(Sanitized {
            feature,
            change,
            count: 1,
        }),
    };
    if !features.needs_sanitization() {
        return Ok(done);
    }
    let f = features;
    let mut enum64_placeholder = 0u32;
    // The types present before the loop; the placeholder libbpf may append is never visited
    // (its loop re-reads the count, but the placeholder is an INT, which no branch changes).
    let n = b.type_cnt();
    for id in 1..n {
        let Some(t) = b.get(id) else { continue };
        let (kind, vlen, name_off, kflag) = (t.kind, t.vlen(), t.name_off, t.kind_flag());
        let vars: Vec<_> = if kind == Kind::Datasec {
            t.datasec_vars().collect()
        } else {
            Vec::new()
        };
        match kind {
            Kind::Var | Kind::DeclTag
                if (!f.datasec && kind == Kind::Var) || (!f.decl_tag && kind == Kind::DeclTag) =>
            {
                b.set_info(id, info(Kind::Int, false, 0))?;
                b.set_size_or_type(id, 1)?;
                b.set_trailing_word(id, 0, INT_8_BITS)?;
                if kind == Kind::Var {
                    note("FEAT_BTF_DATASEC", "VAR as a 1-byte INT");
                } else {
                    note("FEAT_BTF_DECL_TAG", "DECL_TAG as a 1-byte INT");
                }
            }
            Kind::Datasec if !f.datasec => {
                // Names lose their dots and question marks, in the string table itself (so
                // every type sharing the string sees it).
                b.map_str_in_place(name_off, |c| if c == b'.' || c == b'?' { b'_' } else { c });
                b.set_info(id, info(Kind::Struct, false, vlen))?;
                for (j, v) in vars.iter().enumerate() {
                    // A member is (name, type, bit offset); the variable's name becomes the
                    // member's.
                    let var_name = b.get(v.type_id).map_or(0, |vt| vt.name_off);
                    b.set_trailing_word(id, j * 3 + 2, v.offset.wrapping_mul(8))?;
                    b.set_trailing_word(id, j * 3 + 1, v.type_id)?;
                    b.set_trailing_word(id, j * 3, var_name)?;
                }
                note("FEAT_BTF_DATASEC", "DATASEC as a STRUCT");
            }
            Kind::Datasec
                if !f.qmark_datasec
                    && b.str_at(name_off).is_some_and(|s| s.first() == Some(&b'?')) =>
            {
                b.map_str_in_place(name_off, |c| if c == b'?' { b'_' } else { c });
                note(
                    "FEAT_BTF_QMARK_DATASEC",
                    "'?' starting a DATASEC name as '_'",
                );
            }
            Kind::FuncProto if !f.func => {
                b.set_info(id, info(Kind::Enum, false, vlen))?;
                b.set_size_or_type(id, 4)?;
                note("FEAT_BTF_FUNC", "FUNC_PROTO as an ENUM");
            }
            Kind::Func if !f.func => {
                b.set_info(id, info(Kind::Typedef, false, 0))?;
                note("FEAT_BTF_FUNC", "FUNC as a TYPEDEF");
            }
            Kind::Func if !f.global_func => {
                b.set_info(id, info(Kind::Func, false, 0))?;
                note("FEAT_BTF_GLOBAL_FUNC", "FUNC linkage as static");
            }
            Kind::Float if !f.float => {
                b.set_name_off(id, 0)?;
                b.set_info(id, info(Kind::Struct, false, 0))?;
                note("FEAT_BTF_FLOAT", "FLOAT as an anonymous empty STRUCT");
            }
            Kind::TypeTag if !f.type_tag => {
                b.set_name_off(id, 0)?;
                b.set_info(id, info(Kind::Const, false, 0))?;
                note("FEAT_BTF_TYPE_TAG", "TYPE_TAG as a CONST");
            }
            Kind::Enum if !f.enum64 => {
                // libbpf clears the flag on every ENUM; only a set one is a change.
                if kflag {
                    note("FEAT_BTF_ENUM64", "ENUM signedness flag cleared");
                }
                b.set_info(id, info(Kind::Enum, false, vlen))?;
            }
            Kind::Enum64 if !f.enum64 => {
                if enum64_placeholder == 0 {
                    let name = b.add_str(b"enum64_placeholder")?;
                    let encoding = b.endian().u32_bytes(INT_8_BITS);
                    enum64_placeholder = b.push(name, info(Kind::Int, false, 0), 1, &encoding);
                }
                b.set_info(id, info(Kind::Union, false, vlen))?;
                for j in 0..vlen as usize {
                    b.set_trailing_word(id, j * 3 + 1, enum64_placeholder)?;
                    b.set_trailing_word(id, j * 3 + 2, 0)?;
                }
                note("FEAT_BTF_ENUM64", "ENUM64 as a UNION of 1-byte INTs");
            }
            _ => {}
        }
    }
    Ok(done)
}

/// The small BTF blobs libbpf loads to learn what a kernel accepts (its `probe_kern_btf*`
/// functions in `features.c`), in the running machine's byte order: for each feature, libbpf's
/// name and a blob that `BPF_BTF_LOAD` accepts exactly when the kernel has it. `FEAT_BTF` (BTF at
/// all) comes first. A loader sends them; [`BtfFeatures::from_probes`] reads the answers.
pub fn probe_blobs() -> Vec<(&'static str, Vec<u8>)> {
    const INT_SIGNED_32: u32 = (1 << 24) | 32; // BTF_INT_SIGNED, offset 0, 32 bits
    let int = |name: u32| -> Vec<u32> { vec![name, info(Kind::Int, false, 0), 4, INT_SIGNED_32] };
    // [1] int, [2] FUNC_PROTO (int a), [3] FUNC x with `linkage`.
    let func = |linkage: u32| -> Vec<u32> {
        let mut t = int(1);
        t.extend([0, info(Kind::FuncProto, false, 1), 0, 7, 1]);
        t.extend([5, info(Kind::Func, false, linkage), 2]);
        t
    };
    // [1] int, [2] static VAR x, [3] DATASEC of 4 bytes holding x.
    let datasec = || -> Vec<u32> {
        let mut t = int(0);
        t.extend([1, info(Kind::Var, false, 0), 1, 0]);
        t.extend([3, info(Kind::Datasec, false, 1), 4, 2, 0, 4]);
        t
    };
    let mut decl_tag = int(0);
    decl_tag.extend([1, info(Kind::Var, false, 0), 1, 0]);
    decl_tag.extend([1, info(Kind::DeclTag, false, 0), 2, u32::MAX]);
    let mut type_tag = int(0);
    type_tag.extend([1, info(Kind::TypeTag, false, 0), 1]);
    type_tag.extend([0, info(Kind::Ptr, false, 0), 2]);
    // [1] an empty ENUM64 of 8 bytes.
    let enum64 = vec![1, info(Kind::Enum64, false, 0), 8];
    let float = vec![1, info(Kind::Float, false, 0), 4];
    let probes: [(&'static str, Vec<u32>, &[u8]); 9] = [
        ("FEAT_BTF", int(1), b"\0int\0"),
        ("FEAT_BTF_FUNC", func(0), b"\0int\0x\0a\0"),
        ("FEAT_BTF_DATASEC", datasec(), b"\0x\0.data\0"),
        ("FEAT_BTF_GLOBAL_FUNC", func(1), b"\0int\0x\0a\0"),
        ("FEAT_BTF_FLOAT", float, b"\0float\0"),
        ("FEAT_BTF_DECL_TAG", decl_tag, b"\0tag\0"),
        ("FEAT_BTF_TYPE_TAG", type_tag, b"\0tag\0"),
        ("FEAT_BTF_ENUM64", enum64, b"\0enum64\0"),
        ("FEAT_BTF_QMARK_DATASEC", datasec(), b"\0x\0?.data\0"),
    ];
    let endian = if cfg!(target_endian = "big") {
        crate::bytes::Endian::Big
    } else {
        crate::bytes::Endian::Little
    };
    probes
        .into_iter()
        .map(|(name, types, strs)| {
            let type_len = (types.len() * 4) as u32;
            let mut blob = Vec::with_capacity(24 + types.len() * 4 + strs.len());
            let magic = super::MAGIC.to_le_bytes();
            blob.extend_from_slice(&match endian {
                crate::bytes::Endian::Little => magic,
                crate::bytes::Endian::Big => [magic[1], magic[0]],
            });
            blob.extend_from_slice(&[1, 0]); // version 1, flags 0
            for w in [super::HEADER_LEN, 0, type_len, type_len, strs.len() as u32] {
                blob.extend_from_slice(&endian.u32_bytes(w));
            }
            for w in types {
                blob.extend_from_slice(&endian.u32_bytes(w));
            }
            blob.extend_from_slice(strs);
            (name, blob)
        })
        .collect()
}

impl BtfFeatures {
    /// The features from the answers to [`probe_blobs`] (`(name, accepted)`); a feature with no
    /// answer counts as missing, as libbpf counts a failed probe.
    pub fn from_probes(answers: &[(&str, bool)]) -> BtfFeatures {
        let has = |n: &str| answers.iter().any(|&(name, ok)| name == n && ok);
        BtfFeatures {
            func: has("FEAT_BTF_FUNC"),
            datasec: has("FEAT_BTF_DATASEC"),
            global_func: has("FEAT_BTF_GLOBAL_FUNC"),
            float: has("FEAT_BTF_FLOAT"),
            decl_tag: has("FEAT_BTF_DECL_TAG"),
            type_tag: has("FEAT_BTF_TYPE_TAG"),
            enum64: has("FEAT_BTF_ENUM64"),
            qmark_datasec: has("FEAT_BTF_QMARK_DATASEC"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::validate::validate;
    use crate::btf::Btf;

    #[test]
    fn probe_blobs_parse_and_validate() {
        for (name, blob) in probe_blobs() {
            let btf = Btf::parse(&blob).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(validate(&btf), Vec::new(), "{name}");
        }
    }
}
