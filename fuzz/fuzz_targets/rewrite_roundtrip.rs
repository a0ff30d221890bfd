//! `fallback::apply` with and without native support, then the sent BTF reparsed and validated.
//! The body and its invariants are in `src/bodies.rs`; memory is bounded by `alloc::limit`.
#![no_main]

use argctx_fuzz::{alloc, bodies};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

fuzz_target!(|data: &[u8]| alloc::bounded("rewrite_roundtrip", data, bodies::rewrite_roundtrip));
