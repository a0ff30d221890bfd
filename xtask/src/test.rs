//! `cargo xtask test`: installs what the suite needs on a fresh machine, then runs every check:
//! formatting, clippy (native and wasm32), fixture freshness, the workspace tests (including the
//! differential, verdict and loader comparisons with libbpf 1.7 on the host), the same
//! comparisons on Debian's 5.10, 6.1, 6.12 and sid kernels under qemu (one boot per kernel per
//! suite), the per-kernel agreement table, the wasm-bindgen tests and the browser end-to-end tests.

use std::path::Path;
use std::process::Command;

use crate::kernels::{self, Kernel};
use crate::vm;

/// Debian packages the suite uses: clang for fixtures, bpftool for the dump comparison, the vendored
/// libbpf's build tools, qemu and busybox for the VMs, xz and zstd for the kernels' BTF, Chromium
/// for the page.
const PACKAGES: &[&str] = &[
    "clang-19",
    "llvm-19",
    "libbpf-dev",
    "bpftool",
    "libelf-dev",
    "zlib1g-dev",
    "libzstd-dev",
    "pkg-config",
    "autoconf",
    "automake",
    "autopoint",
    "libtool",
    "flex",
    "bison",
    "gawk",
    "m4",
    "qemu-system-x86",
    "busybox-static",
    "xz-utils",
    "zstd",
    "chromium",
];

fn installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

pub fn ensure_packages() -> Result<(), String> {
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn ensure_rust() -> Result<(), String> {
    let works = |args: &[&str]| {
        cargo()
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !works(&["fmt", "--version"]) || !works(&["clippy", "--version"]) {
        run(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))?;
    }
    let wasm_std = Command::new("rustc")
        .args([
            "--print",
            "target-libdir",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .output()
        .ok()
        .map(|o| std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|d| d.is_dir());
    if !wasm_std {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

pub fn run(cmd: &mut Command) -> Result<(), String> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(vm::workspace_root());
    c
}

pub fn run_all(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--no-vm");
    ensure_packages()?;
    ensure_rust()?;
    let root = vm::workspace_root();
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args([
        "clippy",
        "-p",
        "argctx",
        "-p",
        "argctx-web",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    crate::fixtures::run(&["--check".to_string()])?;
    run(cargo().args(["test", "--workspace"]))?;
    // Every fuzz target builds and runs briefly; a crash fails the suite.
    crate::fuzz::smoke()?;
    if !quick {
        // Five kernels: Debian's 5.10, 6.1, 6.12 and sid under qemu, and the host (above, in
        // `cargo test --workspace`). A kernel that cannot be fetched or booted is a failure.
        let kernels = kernels::ensure_all()?;
        vm_oracles(&kernels)?;
        // The helper table the verdicts embed says what these kernels answer.
        crate::helpers::check(&kernels)?;
        let names: Vec<&str> = kernels.iter().map(|k| k.series.name).collect();
        run(cargo()
            .args([
                "test",
                "-p",
                "argctx-oracle",
                "--test",
                "differential",
                "--test",
                "verdict",
                "vm_kernels",
                "--",
                "--nocapture",
            ])
            .env("ARGCTX_VM_KERNELS", names.join(","))
            .env("ARGCTX_VM_DIR", vm::vm_dir()))?;
        // The loader against libbpf on every VM kernel.
        crate::loader::vm_test(&kernels)?;
        // Portable objects: bpftool 7.1, aya and libbpf 1.7 on 6.1 and on the host.
        let k61 = kernels
            .iter()
            .find(|k| k.series.name == "6.1")
            .ok_or("no 6.1 kernel")?;
        crate::portable::vm_test(k61)?;
        // CO-RE against each VM kernel's own BTF (taken from its vmlinuz), in one run.
        let btfs = std::env::join_paths(kernels.iter().map(|k| &k.btf))
            .map_err(|e| format!("kernel BTF paths: {e}"))?;
        run(cargo()
            .args([
                "test",
                "-p",
                "argctx-oracle",
                "--test",
                "core_relo",
                "--",
                "--nocapture",
            ])
            .env("ARGCTX_VM_BTF", btfs))?;
        crate::agreement::print_table(&kernels)?;
    }
    wasm_and_page(&root)?;
    eprintln!("xtask: every check passed");
    Ok(())
}

/// The wasm-bindgen tests (node) and the page's end-to-end tests (Chromium).
fn wasm_and_page(_root: &Path) -> Result<(), String> {
    crate::wasm::test_web()?;
    crate::serve::e2e()
}

/// libbpf 1.7 (the oracle) on every fixture in one boot of each kernel:
/// `target/vm/oracle-<kernel>.json`, and the kernel's BTF beside it (`vmlinux-<kernel>.btf`).
pub fn vm_oracles(kernels: &[Kernel]) -> Result<(), String> {
    for k in kernels {
        let name = k.series.name;
        let out = vm::oracle_path(name);
        vm::run(&[
            "oracle".into(),
            "--kernel".into(),
            name.into(),
            "--out".into(),
            out.display().to_string(),
        ])?;
        let btf = vm::vm_dir().join(format!("vmlinux-{name}.btf"));
        std::fs::copy(&k.btf, &btf).map_err(|e| format!("{}: {e}", btf.display()))?;
    }
    Ok(())
}
