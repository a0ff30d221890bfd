//! `argctx core FILE [--btf KERNEL_BTF]`: every CO-RE relocation of an object resolved against a
//! target BTF (default `/sys/kernel/btf/vmlinux`), as libbpf 1.7 applies them before load.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Arguments of `argctx core`.
#[derive(clap::Args)]
pub struct CoreArgs {
    /// A BPF object file.
    file: PathBuf,
    /// The target BTF (raw, like /sys/kernel/btf/vmlinux, or an object with .BTF).
    #[arg(long, default_value = "/sys/kernel/btf/vmlinux")]
    btf: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Prints the report; exit status 1 when libbpf would fail the object.
pub fn run(args: &CoreArgs) -> Result<ExitCode, String> {
    let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let obj = read(&args.file)?;
    let target = read(&args.btf)?;
    let target = argctx::btf_of(&target).map_err(|e| format!("{}: {e}", args.btf.display()))?;
    let mut o =
        argctx::program::Object::open(&obj).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let report = argctx::core_relo::apply(&mut o, &target);
    let text = match args.format {
        Format::Text => argctx::core_relo::render_text(&report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
    };
    print!("{text}");
    Ok(if report.error.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
