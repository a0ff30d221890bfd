//! The `loader` feature against real kernels.
//!
//! Host tests (this machine's kernel, native `arg:ctx`): every fixture program is loaded alone
//! with each policy and compared with the real libbpf 1.7 (`argctx-oracle`, run live): loaded or
//! not, errno, the kernel's func_info types and line_info count, and the BTF bytes the kernel
//! holds. Plus map contents and relocations exercised with `BPF_PROG_TEST_RUN`, and a file
//! descriptor leak check. These tests need `bpf()` (root): without it they fail, loudly.
//!
//! `vm_kernels` checks the runs that `cargo xtask test` makes on Debian's 5.10, 6.1, 6.12 and sid
//! kernels (see `xtask/src/loader.rs`): the loader's results and libbpf's from the same VM.

mod common;
mod host;
#[path = "../agreement/record.rs"]
mod record;
mod vm;
