//! `argctx load`: load programs through bpf() with the fallback applied when the kernel needs it.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `argctx load`.
#[derive(clap::Args)]
pub struct LoadArgs {
    /// A BPF object file.
    pub file: PathBuf,
}

pub fn run(_args: &LoadArgs) -> Result<ExitCode, String> {
    Err("argctx load is not implemented yet".into())
}
