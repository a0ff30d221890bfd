//! Fuzzing argctx: the target bodies ([`bodies`], shared with the regression replay in
//! `core/tests/it/fuzz_regressions.rs`) and a counting allocator ([`alloc`]) that lets each target
//! assert that memory stays within a small multiple of the input size.

pub mod alloc;
pub mod bodies;
