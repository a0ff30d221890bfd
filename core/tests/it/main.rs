//! The core's one integration-test binary.

mod common;
mod dump;
mod golden;
mod hostile;
mod roundtrip;
