//! Portable objects: an ELF whose `.BTF` and `.BTF.ext` already carry libbpf's fallback, for loaders
//! that do not apply it (aya, cilium/ebpf, libbpf before 1.4, bpftool built on them).

use crate::error::{Error, Result};
use crate::fallback::Options;

/// Rewrites `data` so that its BTF and func_info are what libbpf's fallback would produce.
pub fn rewrite_object(_data: &[u8], _opts: &Options) -> Result<Vec<u8>> {
    Err(Error::Unsupported(
        "portable objects are not implemented yet".into(),
    ))
}
