//! `argctx check`: will these programs load on a given kernel, as far as context arguments go?
//!
//! Without `--min-kernel` it prints, per file, a program × kernel matrix with the reasons. With
//! `--min-kernel X.Y` it is a CI lint: one line per problem on that kernel and the newer ones of
//! the default set (`FILE: prog 'x': subprog 'y' arg#0: <problem> (kernel X.Y)`), exit status 1
//! when there is any.

use std::path::PathBuf;
use std::process::ExitCode;

use argctx::fallback::Arch;
use argctx::verdict::{self, KernelVersion, Loader, VerdictOptions};
use clap::ValueEnum;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LoaderArg {
    /// libbpf 1.4+: applies the __arg_ctx fallback on kernels before 6.8.
    Libbpf,
    /// A loader without the fallback (libbpf before 1.4, aya, cilium/ebpf).
    Plain,
}

/// Arguments of `argctx check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// BPF object files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Lint mode: report problems on this kernel and every newer kernel of the default set
    /// (5.10, 5.15, 6.1, 6.6, 6.8, latest), exit 1 when there is one.
    #[arg(long, value_name = "X.Y")]
    pub min_kernel: Option<String>,
    /// Kernels to judge (repeatable; X.Y, X.Y.Z or latest). Default: 5.10 5.15 6.1 6.6 6.8 latest.
    #[arg(long = "kernel", value_name = "X.Y")]
    pub kernels: Vec<String>,
    /// Target architecture (the struct behind kprobe and perf_event contexts).
    #[arg(long, default_value = "x86_64")]
    pub arch: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// The loader.
    #[arg(long, value_enum, default_value = "libbpf")]
    pub loader: LoaderArg,
    /// The target kernels have no BTF of their own (no CONFIG_DEBUG_INFO_BTF).
    #[arg(long)]
    pub no_kernel_btf: bool,
    /// A kernel's BTF (such as /sys/kernel/btf/vmlinux) to look arg:trusted types up in.
    #[arg(long, value_name = "FILE")]
    pub kernel_btf: Option<PathBuf>,
    /// An ELF with DWARF (vmlinux with debug info, a user binary) where kprobe, uprobe and fentry
    /// targets are checked for compiler-changed calling conventions.
    #[arg(long, value_name = "FILE")]
    pub target_dwarf: Option<PathBuf>,
    /// Judge only these programs (repeatable); in lint mode they are checked even with autoload
    /// off.
    #[arg(long = "program", value_name = "NAME")]
    pub programs: Vec<String>,
    /// In lint mode, also check programs with autoload off (`SEC("?...")`).
    #[arg(long)]
    pub all_programs: bool,
    /// In lint mode, also print warnings (ignored tags, unknown verdicts, changed calling
    /// conventions); they do not change the exit status.
    #[arg(long)]
    pub warnings: bool,
}

fn parse_kernel(s: &str) -> Result<KernelVersion, String> {
    KernelVersion::parse(s)
        .ok_or_else(|| format!("'{s}' is not a kernel version (X.Y, X.Y.Z or latest)"))
}

fn read(p: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

pub fn run(args: &CheckArgs) -> Result<ExitCode, String> {
    let arch = Arch::from_name(&args.arch).ok_or_else(|| {
        let names: Vec<_> = Arch::ALL.iter().map(|a| a.name()).collect();
        format!(
            "unknown architecture '{}' (one of: {})",
            args.arch,
            names.join(", ")
        )
    })?;
    let min = args.min_kernel.as_deref().map(parse_kernel).transpose()?;
    let mut kernels: Vec<KernelVersion> = args
        .kernels
        .iter()
        .map(|k| parse_kernel(k))
        .collect::<Result<_, _>>()?;
    if kernels.is_empty() {
        kernels = KernelVersion::DEFAULT_SET.to_vec();
    }
    if let Some(m) = min {
        kernels.retain(|k| *k > m);
        kernels.insert(0, m);
    }
    kernels.dedup();
    let vmlinux = args.kernel_btf.as_ref().map(read).transpose()?;
    let target_dwarf = args.target_dwarf.as_ref().map(read).transpose()?;
    let opts = VerdictOptions {
        kernels,
        arch,
        loader: match args.loader {
            LoaderArg::Libbpf => Loader::Libbpf,
            LoaderArg::Plain => Loader::Plain,
        },
        kernel_btf: !args.no_kernel_btf,
        programs: args.programs.clone(),
        vmlinux: vmlinux.as_deref(),
        target_dwarf: target_dwarf.as_deref(),
    };
    let include =
        |p: &verdict::ProgramVerdict| p.autoload || args.all_programs || !args.programs.is_empty();
    let mut text = String::new();
    let mut json_files = Vec::new();
    let mut problems = 0usize;
    for file in &args.files {
        let shown = file.display().to_string();
        let data = read(file)?;
        let report = verdict::check(&data, &opts).map_err(|e| format!("{shown}: {e}"))?;
        let lines = verdict::lint_lines(&shown, &report, min, &include, args.warnings);
        if min.is_some() {
            problems += lines.iter().filter(|l| !l.contains(": warning: ")).count();
        }
        match args.format {
            Format::Text => {
                if min.is_some() {
                    for l in &lines {
                        text.push_str(l);
                        text.push('\n');
                    }
                } else {
                    text.push_str(&format!("{shown}\n"));
                    text.push_str(&verdict::render_text(&report));
                    text.push('\n');
                }
            }
            Format::Json => json_files.push(serde_json::json!({
                "file": shown,
                "problems": lines,
                "report": report,
            })),
        }
    }
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let out = match args.format {
        Format::Text => text,
        Format::Json => {
            let doc = serde_json::json!({
                "format_version": verdict::FORMAT_VERSION,
                "min_kernel": min.map(|m| m.to_string()),
                "files": json_files,
            });
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n"
        }
    };
    stdout
        .write_all(out.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(if problems > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
