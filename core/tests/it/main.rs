//! The core's one integration-test binary.

mod big_endian;
mod common;
mod dump;
mod golden;
mod hostile;
mod portable;
mod roundtrip;
mod verdict;
