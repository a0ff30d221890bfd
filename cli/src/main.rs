//! The `argctx` command line.
fn main() {}
