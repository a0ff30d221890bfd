//! argctx: libbpf's `__arg_ctx` fallback, explained and applied.
//!
//! The core is sans-IO: it takes bytes and returns values. See ARCHITECTURE.md for the codemap.
#![deny(missing_docs)]

#[cfg(all(feature = "loader", target_arch = "wasm32"))]
compile_error!("the `loader` feature needs Linux: bpf() does not exist on wasm32");

pub mod btf;
mod bytes;
pub mod core_relo;
pub mod error;

pub use bytes::Endian;
pub use error::{Error, Result};
pub mod elf;

/// The byte order of an ELF object (`None` when `data` is not ELF64).
pub fn object_endian(data: &[u8]) -> Option<Endian> {
    elf::ElfObject::parse(data).ok().map(|o| o.endian)
}

/// The BTF of `data`: the `.BTF` section of an ELF object, or `data` itself when it is a raw blob
/// (such as `/sys/kernel/btf/vmlinux`).
pub fn btf_of(data: &[u8]) -> Result<btf::Btf<'_>> {
    if elf::is_elf(data) {
        let obj = elf::ElfObject::parse(data)?;
        let sec = obj
            .section_by_name(".BTF")
            .ok_or_else(|| Error::Unsupported("the object has no .BTF section".into()))?;
        btf::Btf::parse_at(sec.data, sec.offset)
    } else {
        btf::Btf::parse(data)
    }
}
pub mod fallback;
#[cfg(all(feature = "loader", target_os = "linux"))]
pub mod loader;
pub mod log;
pub mod portable;
pub mod program;
pub mod report;
pub mod verdict;
