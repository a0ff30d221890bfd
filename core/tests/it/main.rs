//! The core's one integration-test binary.

mod big_endian;
mod common;
mod core_relo;
mod dump;
mod fuzz_regressions;
mod golden;
mod hostile;
mod link_summary;
mod portable;
mod roundtrip;
mod shared_text;
mod verdict;
