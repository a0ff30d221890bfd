//! `cargo xtask bench [btf|open|fallback|wasm|page|all] [OPTIONS]`: argctx against the real
//! libbpf 1.7, the wasm build against native code, and the page.
//!
//! The native benchmarks run `cargo run --release -p argctx-bench -- <what> [OPTIONS]` from the
//! repository root. The bench binary links libbpf 1.7 statically (libbpf-sys, vendored), times both
//! sides alternately in one process on the same bytes, and prints a table per benchmark (min and
//! median of the measured iterations after a warm-up, and the argctx/libbpf ratio). See
//! BENCHMARKS.md for the results and for what each side does in each row.
//!
//! * `btf [PATH]`: parse + validate a BTF blob (default `/sys/kernel/btf/vmlinux`).
//! * `open [PATH]`: open and link the largest fixture (or PATH) and a generated 2000-subprogram
//!   object.
//! * `fallback`: time and peak memory of the `arg:ctx` fallback on generated objects with
//!   N ∈ {10, 100, 1000, 10000} tagged subprograms × M ∈ {1, 10, 100} programs.
//! * `wasm [PATH...]`: the page's operations (`programs`, `explain`, `btf_dump`) through the wasm
//!   build in headless Chromium against the same core calls natively (`argctx-bench native`), as a
//!   ratio (target: at most 1.5×), on the largest fixture, generated objects (1000 × 10,
//!   10000 × 1, 10000 × 10) and `/sys/kernel/btf/vmlinux`, or on the PATHs given
//!   (`tests/e2e/bench-wasm.mjs`).
//! * `page`: the page's gzipped download size (target: wasm + JS under 200 KB) and the time from
//!   file selection to rendered result (target: under 50 ms) (`tests/e2e/bench.mjs`).
//! * `all` (default): the five in turn.
//!
//! Options: `--iters N` (fixed iterations per side, or batches for `wasm`), `--budget SECS` (time
//! per row when iterations are not fixed, default 3), `--markdown` (tables as Markdown); for the
//! native benchmarks `--max-n N` (largest N of `fallback`) and `--objects-only` (build the generated
//! objects, no timing; with `all`, `wasm` and `page` are then skipped); for `wasm` `--profile` (a
//! CPU profile of every wasm row in Chromium, summarised, taken on a build that keeps the function
//! names) and `--json FILE` (the raw results); for
//! `page` `--runs N` (selections per file, default 7).
//!
//! Building the native bench needs a C toolchain and libbpf's build dependencies (autoconf,
//! automake, autopoint, libtool, flex, bison, gawk, m4, libelf-dev, zlib1g-dev, libzstd-dev,
//! pkg-config); the generated objects need clang-19. `open` times `bpf_object__prepare`, which
//! needs the privileges to call bpf() (root or CAP_BPF); without them those rows are skipped.
//! `wasm` and `page` build `pkg/` (as `cargo xtask wasm`), run `npm ci` in tests/e2e when its
//! node_modules is missing, and drive Debian's Chromium (`/usr/bin/chromium`, or
//! `ARGCTX_CHROMIUM`) with node through playwright-core, as the end-to-end tests do.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::wasm::{self, cargo, repo_root, sh, target_dir};

const USAGE: &str =
    "usage: cargo xtask bench [btf [PATH]|open [PATH]|fallback|wasm [PATH...]|page|all] \
                     [--iters N] [--budget SECS] [--markdown] [--max-n N] [--objects-only] \
                     [--profile] [--json FILE] [--runs N]";

/// Entry point of `cargo xtask bench`.
pub fn run(args: &[String]) -> Result<(), String> {
    let (what, rest) = match args.split_first() {
        Some((w, r))
            if matches!(
                w.as_str(),
                "btf" | "open" | "fallback" | "wasm" | "page" | "all"
            ) =>
        {
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
    match what {
        "wasm" => {
            let a = split(rest, Mode::Wasm)?;
            web_setup(&root)?;
            bench_wasm(&root, &a.wasm)
        }
        "page" => {
            let a = split(rest, Mode::Page)?;
            web_setup(&root)?;
            bench_page(&root, &a.page)
        }
        "all" => {
            let a = split(rest, Mode::All)?;
            native(&root, "all", &a.native)?;
            if a.native.iter().any(|x| x == "--objects-only") {
                return Ok(());
            }
            web_setup(&root)?;
            bench_wasm(&root, &a.wasm)?;
            bench_page(&root, &a.page)
        }
        // btf, open, fallback: the arguments go to argctx-bench unchanged.
        _ => native(&root, what, rest),
    }
}

/// `cargo run --release -p argctx-bench -- <what> <args>` from the repository root.
fn native(root: &Path, what: &str, args: &[String]) -> Result<(), String> {
    let status = cargo()
        .current_dir(root)
        .args(["run", "--release", "-p", "argctx-bench", "--"])
        .arg(what)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("argctx-bench {what} failed ({status})"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Wasm,
    Page,
    All,
}

/// The arguments of each part.
#[derive(Default, Debug)]
struct Split {
    native: Vec<String>,
    wasm: Vec<String>,
    page: Vec<String>,
}

/// Sorts the options out to the parts that take them, refusing the ones no selected part takes.
fn split(args: &[String], mode: Mode) -> Result<Split, String> {
    let mut s = Split::default();
    let mut it = args.iter();
    let all = mode == Mode::All;
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            // Shared by every part that times (the page takes its own --runs).
            "--iters" | "--budget" if mode != Mode::Page => {
                let v = value()?;
                for part in [&mut s.native, &mut s.wasm] {
                    part.push(a.clone());
                    part.push(v.clone());
                }
            }
            "--markdown" => {
                s.native.push(a.clone());
                s.wasm.push(a.clone());
                s.page.push(a.clone());
            }
            "--max-n" if all => {
                s.native.push(a.clone());
                s.native.push(value()?);
            }
            "--objects-only" if all => s.native.push(a.clone()),
            "--profile" if mode != Mode::Page => s.wasm.push(a.clone()),
            "--json" | "--pkg" if mode == Mode::Wasm => {
                let v = value()?;
                s.wasm.push(a.clone());
                s.wasm.push(v);
            }
            "--runs" if mode != Mode::Wasm => {
                s.page.push(a.clone());
                s.page.push(value()?);
            }
            p if mode == Mode::Wasm && !p.starts_with('-') => {
                // node runs in tests/e2e: make paths absolute.
                let path = Path::new(p)
                    .canonicalize()
                    .map_err(|e| format!("{p}: {e}"))?;
                s.wasm.push(path.display().to_string());
            }
            other => {
                let what = match mode {
                    Mode::Wasm => "bench wasm",
                    Mode::Page => "bench page",
                    Mode::All => "bench all",
                };
                return Err(format!("unexpected argument `{other}` for {what}\n{USAGE}"));
            }
        }
    }
    Ok(s)
}

/// What `wasm` and `page` need: Chromium, playwright-core, and `pkg/`.
fn web_setup(root: &Path) -> Result<(), String> {
    let chromium = std::env::var_os("ARGCTX_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Err(format!(
            "{} is missing: install Debian's chromium (apt-get install chromium) or set \
             ARGCTX_CHROMIUM",
            chromium.display()
        ));
    }
    let e2e = root.join("tests/e2e");
    if !e2e.join("node_modules/playwright-core").is_dir() {
        sh(Command::new("npm")
            .current_dir(&e2e)
            .args(["ci", "--no-audit", "--no-fund"]))?;
    }
    wasm::build_pkg()?;
    Ok(())
}

/// `node <script> <args>` in tests/e2e, with the server started from this xtask binary.
fn node(root: &Path, script: &str, args: &[String], env: &[(&str, PathBuf)]) -> Result<(), String> {
    let xtask = std::env::current_exe().map_err(|e| format!("xtask's own path: {e}"))?;
    let mut cmd = Command::new("node");
    cmd.current_dir(root.join("tests/e2e"))
        .arg(script)
        .args(args)
        .env("ARGCTX_XTASK", xtask);
    for (k, v) in env {
        cmd.env(k, v);
    }
    sh(&mut cmd)
}

/// The wasm build against native code (issue #8, item 4).
fn bench_wasm(root: &Path, args: &[String]) -> Result<(), String> {
    sh(cargo()
        .current_dir(root)
        .args(["build", "--release", "-p", "argctx-bench"]))?;
    let bench = target_dir(root).join("release/argctx-bench");
    let mut args = args.to_vec();
    if args.iter().any(|a| a == "--profile") {
        let names = pkg_with_names(root)?;
        args.extend(["--profile-pkg".to_string(), names.display().to_string()]);
    }
    node(root, "bench-wasm.mjs", &args, &[("ARGCTX_BENCH", bench)])
}

/// The module as `pkg/` has it but with its name section, so that the CPU profiles of `--profile`
/// name the functions (`pkg/` drops it; names do not change the code): the same build, bound by
/// wasm-bindgen again into `<target>/bench/pkg-names`.
fn pkg_with_names(root: &Path) -> Result<PathBuf, String> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let target = target_dir(root).join("bench");
    let wasm = target_dir(root).join(TARGET).join("wasm/argctx_web.wasm");
    let out = target.join("pkg-names");
    // `build_pkg` has just made sure that a wasm-bindgen of the locked version is one of these.
    let version = wasm::locked_version(root, "wasm-bindgen")?;
    let bindgen = [
        wasm::cargo_bin("wasm-bindgen"),
        PathBuf::from("wasm-bindgen"),
    ]
    .into_iter()
    .find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(&version))
    })
    .ok_or_else(|| format!("no wasm-bindgen {version} found (run cargo xtask wasm once)"))?;
    sh(Command::new(bindgen)
        .args(["--target", "web", "--out-dir"])
        .arg(&out)
        .arg(&wasm))?;
    Ok(out)
}

/// The page's size and file-selection-to-render time (issue #8, item 5).
fn bench_page(root: &Path, args: &[String]) -> Result<(), String> {
    sh(cargo()
        .current_dir(root)
        .args(["build", "--release", "-p", "argctx-cli"]))?;
    let cli = target_dir(root).join("release/argctx");
    node(root, "bench.mjs", args, &[("ARGCTX_CLI", cli)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_go_to_the_parts_that_take_them() {
        let s = split(
            &strings(&[
                "--budget",
                "2",
                "--markdown",
                "--max-n",
                "1000",
                "--profile",
                "--runs",
                "3",
            ]),
            Mode::All,
        )
        .unwrap();
        assert_eq!(
            s.native,
            strings(&["--budget", "2", "--markdown", "--max-n", "1000"])
        );
        assert_eq!(
            s.wasm,
            strings(&["--budget", "2", "--markdown", "--profile"])
        );
        assert_eq!(s.page, strings(&["--markdown", "--runs", "3"]));
        assert!(split(&strings(&["--runs", "3"]), Mode::Wasm).is_err());
        assert!(split(&strings(&["--max-n", "3"]), Mode::Page).is_err());
        assert!(split(&strings(&["some/path"]), Mode::All).is_err());
        assert!(split(&strings(&["--budget"]), Mode::Wasm).is_err());
    }
}
