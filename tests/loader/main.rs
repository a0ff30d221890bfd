//! The `loader` feature against real kernels.
//!
//! Host tests (this machine's kernel, native `arg:ctx`): every fixture program is loaded alone
//! with each policy and compared with the real libbpf 1.7 (`argctx-oracle`, run live): loaded or
//! not, errno, the kernel's func_info types and line_info count, and the BTF bytes the kernel
//! holds. Plus map contents and relocations exercised with `BPF_PROG_TEST_RUN`, and a file
//! descriptor leak check. These tests need `bpf()` (root): without it they fail, loudly.
//!
//! `vm_fallback` checks the 6.1 run that `cargo xtask test` produces (see `xtask/src/loader.rs`):
//! `ARGCTX_LOADER_VM` points at the loader's results in the VM, `ARGCTX_VM_ORACLE` at libbpf's.

mod common;
mod host;
mod vm;
