//! The core's one integration-test binary.

mod dump;
