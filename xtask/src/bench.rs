//! `cargo xtask bench [btf|open|fallback|all] [OPTIONS]`: argctx against the real libbpf 1.7.
//!
//! Runs `cargo run --release -p argctx-bench -- <what> [OPTIONS]` from the repository root. The bench
//! binary links libbpf 1.7 statically (libbpf-sys, vendored), times both sides alternately in one
//! process on the same bytes, and prints a table per benchmark (min and median of the measured
//! iterations after a warm-up, and the argctx/libbpf ratio). See BENCHMARKS.md for the results and
//! for what each side does in each row.
//!
//! * `btf [PATH]`: parse + validate a BTF blob (default `/sys/kernel/btf/vmlinux`).
//! * `open [PATH]`: open and link the largest fixture (or PATH) and a generated 2000-subprogram
//!   object.
//! * `fallback`: time and peak memory of the `arg:ctx` fallback on generated objects with
//!   N ∈ {10, 100, 1000, 10000} tagged subprograms × M ∈ {1, 10, 100} programs.
//! * `all` (default): the three in turn.
//!
//! Options, passed through: `--iters N` (fixed iterations per side), `--budget SECS` (time per row
//! when iterations are not fixed, default 3), `--max-n N` (largest N of `fallback`), `--markdown`
//! (tables as Markdown), `--objects-only` (build the generated objects, no timing).
//!
//! Building the bench needs a C toolchain and libbpf's build dependencies (autoconf, automake,
//! autopoint, libtool, flex, bison, gawk, m4, libelf-dev, zlib1g-dev, libzstd-dev, pkg-config);
//! the generated objects need clang-19. `open` times `bpf_object__prepare`, which needs the
//! privileges to call bpf() (root or CAP_BPF); without them those rows are skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str = "usage: cargo xtask bench [btf [PATH]|open [PATH]|fallback|all] [--iters N] \
                     [--budget SECS] [--max-n N] [--markdown] [--objects-only]";

/// Entry point of `cargo xtask bench`.
pub fn run(args: &[String]) -> Result<(), String> {
    let (what, rest) = match args.split_first() {
        Some((w, r)) if matches!(w.as_str(), "btf" | "open" | "fallback" | "all") => {
            (w.as_str(), r)
        }
        Some((w, _)) if w == "-h" || w == "--help" => {
            println!("{USAGE}");
            return Ok(());
        }
        Some((w, _)) if !w.starts_with('-') => {
            return Err(format!("unknown benchmark `{w}`\n{USAGE}"));
        }
        _ => ("all", args),
    };
    let root = repo_root()?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["run", "--release", "-p", "argctx-bench", "--"])
        .arg(what)
        .args(rest)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("argctx-bench {what} failed ({status})"))
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn repo_root() -> Result<PathBuf, String> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("{} has no parent directory", manifest_dir.display()))
}
