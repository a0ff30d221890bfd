//! `argctx check`: will these programs load on a given kernel, as far as context arguments go?

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `argctx check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// BPF object files.
    pub files: Vec<PathBuf>,
}

pub fn run(_args: &CheckArgs) -> Result<ExitCode, String> {
    Err("argctx check is not implemented yet".into())
}
