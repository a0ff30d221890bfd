//! `cargo xtask test`: installs what the suite needs on a fresh machine, then runs every check:
//! formatting, clippy (native and wasm32), fixture freshness, the workspace tests (including the
//! differential test against libbpf 1.7 on the host), the same comparison on Linux 6.1 under qemu,
//! the wasm-bindgen tests and the browser end-to-end tests.

use std::path::Path;
use std::process::Command;

use crate::vm;

/// Debian packages the suite uses: clang for fixtures, bpftool for the dump comparison, the vendored
/// libbpf's build tools, qemu and busybox for the 6.1 VM, Chromium for the page.
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
        // The fallback's ground truth: libbpf 1.7 on Debian's 6.1 kernel. No qemu is a failure.
        let out = root.join("target/vm/oracle-6.1.json");
        vm::run(&["oracle".into(), "--out".into(), out.display().to_string()])?;
        run(cargo()
            .args([
                "test",
                "-p",
                "argctx-oracle",
                "--test",
                "differential",
                "--test",
                "verdict",
                "vm_fallback",
                "--",
                "--nocapture",
            ])
            .env("ARGCTX_VM_ORACLE", &out))?;
        // Portable objects: bpftool 7.1, aya and libbpf 1.7 on 6.1 and on the host.
        crate::portable::vm_test()?;
        // The loader against libbpf on 6.1: auto applies the fallback, never gets the kernel's refusal.
        crate::loader::vm_test()?;
        // CO-RE against a second kernel's BTF: 6.1's vmlinux BTF, taken from the guest.
        let btf = root.join("target/vm/vmlinux-6.1.btf");
        if !btf.exists() {
            let text = vm::run_in_vm(&vm::VmRun {
                files: Vec::new(),
                script: "base64 /sys/kernel/btf/vmlinux".into(),
                timeout: std::time::Duration::from_secs(300),
            })?;
            let bytes = vm::base64_decode(&text)?;
            std::fs::write(&btf, bytes).map_err(|e| format!("{}: {e}", btf.display()))?;
        }
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
            .env("ARGCTX_VM_BTF", &btf))?;
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
