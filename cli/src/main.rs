//! The `argctx` command line: thin wrappers around the core's reports.

mod check;
mod core_cmd;
#[cfg(target_os = "linux")]
mod load;

use std::path::PathBuf;
use std::process::ExitCode;

use argctx::fallback::{Arch, Options};
use argctx::report;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "argctx",
    version,
    about = "See and apply libbpf's __arg_ctx fallback"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// BTF commands.
    Btf {
        #[command(subcommand)]
        command: BtfCommand,
    },
    /// Programs as libbpf sees them: section, type, linked subprograms, func_info.
    Programs {
        /// A BPF object file.
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// What libbpf 1.7 does to the BTF when it loads the object, and why.
    Explain {
        /// A BPF object file.
        file: PathBuf,
        #[command(flatten)]
        sel: Selection,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Write the BTF blob libbpf 1.7 sends to the kernel, or a portable object that carries it.
    #[command(group(clap::ArgGroup::new("out").required(true).multiple(true).args(["btf_out", "output"])))]
    Rewrite {
        /// A BPF object file.
        file: PathBuf,
        #[command(flatten)]
        sel: Selection,
        /// Where to write the BTF blob.
        #[arg(long)]
        btf_out: Option<PathBuf>,
        /// Where to write a portable object: the ELF with the fallback applied to .BTF and .BTF.ext,
        /// loadable by loaders without the fallback on kernels before 6.8.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Load programs through bpf(), applying the fallback when the kernel needs it (Linux).
    #[cfg(target_os = "linux")]
    Load(load::LoadArgs),
    /// CI lint: exit non-zero when a program would fail to load on a kernel because of its
    /// context arguments or tags.
    Check(check::CheckArgs),
    /// CO-RE relocations resolved against a kernel's BTF, as libbpf 1.7 applies them.
    Core(core_cmd::CoreArgs),
}

#[derive(clap::Args)]
struct Selection {
    /// Load only these programs (as if only they were autoloaded); repeatable.
    #[arg(long = "program", value_name = "NAME")]
    programs: Vec<String>,
    /// Target architecture (decides perf_event's register struct).
    #[arg(long, default_value = "x86_64")]
    arch: String,
    /// The kernel to emulate: `fallback` (no native arg:ctx, before 6.8: libbpf rewrites the BTF),
    /// `native` (6.8+: libbpf sends it unchanged), or a version such as `5.10`, `6.1` or `6.8`,
    /// which also decides what libbpf sanitizes in the BTF (DECL_TAG before 5.16, …).
    #[arg(long, default_value = "fallback", value_name = "fallback|native|X.Y")]
    kernel: String,
}

impl Selection {
    fn options(&self) -> Result<Options, String> {
        let arch = Arch::from_name(&self.arch).ok_or_else(|| {
            let names: Vec<_> = Arch::ALL.iter().map(|a| a.name()).collect();
            format!(
                "unknown architecture '{}' (one of: {})",
                self.arch,
                names.join(", ")
            )
        })?;
        let mut opts = Options {
            programs: self.programs.clone(),
            arch,
            ..Options::default()
        };
        opts.set_kernel(&self.kernel)
            .map_err(|e| format!("--kernel: {e}"))?;
        Ok(opts)
    }
}

#[derive(Subcommand)]
enum BtfCommand {
    /// Print BTF exactly as `bpftool btf dump file FILE` does (raw format).
    Dump {
        /// A BPF object or a raw BTF file such as /sys/kernel/btf/vmlinux.
        file: PathBuf,
    },
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let mut out = |bytes: &[u8]| stdout.write_all(bytes).map_err(|e| e.to_string());
    match cli.command {
        Command::Btf {
            command: BtfCommand::Dump { file },
        } => {
            let data = read(&file)?;
            let btf = argctx::btf_of(&data).map_err(|e| format!("{}: {e}", file.display()))?;
            out(&argctx::btf::dump::dump_bytes(&btf))?;
        }
        Command::Programs { file, format } => {
            let data = read(&file)?;
            let r = report::programs(&data).map_err(|e| format!("{}: {e}", file.display()))?;
            match format {
                Format::Text => out(report::render_programs(&r).as_bytes())?,
                Format::Json => out(to_json(&r)?.as_bytes())?,
            }
        }
        Command::Explain { file, sel, format } => {
            let data = read(&file)?;
            let e = report::explain(&data, &sel.options()?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            match format {
                Format::Text => out(report::render_explain(&e.report).as_bytes())?,
                Format::Json => out(to_json(&e.report)?.as_bytes())?,
            }
            if e.report.error.is_some() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Rewrite {
            file,
            sel,
            btf_out,
            output,
        } => {
            let data = read(&file)?;
            let opts = sel.options()?;
            if let Some(btf_out) = btf_out {
                let e = report::explain(&data, &opts)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                if let Some(err) = e.report.error {
                    return Err(format!(
                        "{}: libbpf would fail the load: {err}",
                        file.display()
                    ));
                }
                let btf = e
                    .btf
                    .ok_or_else(|| format!("{}: the object has no .BTF", file.display()))?;
                std::fs::write(&btf_out, &btf)
                    .map_err(|e| format!("{}: {e}", btf_out.display()))?;
                for w in &e.report.warnings {
                    eprintln!("libbpf: {w}");
                }
            }
            if let Some(output) = output {
                let p = argctx::portable::rewrite(&data, &opts)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                std::fs::write(&output, &p.object)
                    .map_err(|e| format!("{}: {e}", output.display()))?;
                for note in &p.notes {
                    eprintln!("argctx: note: {note}");
                }
            }
        }
        #[cfg(target_os = "linux")]
        Command::Load(args) => return load::run(&args),
        Command::Check(args) => return check::run(&args),
        Command::Core(args) => return core_cmd::run(&args),
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("argctx: {e}");
            ExitCode::from(2)
        }
    }
}
