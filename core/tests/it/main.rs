//! The core's one integration-test binary.

mod big_endian;
mod common;
mod dump;
mod fuzz_regressions;
mod golden;
mod hostile;
mod portable;
mod roundtrip;
