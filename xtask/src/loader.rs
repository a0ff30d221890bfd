//! `cargo xtask loader`: the `loader` feature on Debian's 5.10, 6.1, 6.12 and sid kernels,
//! compared with libbpf 1.7 on the same kernels.
//!
//! [`vm_test`] builds the `argctx` CLI static, boots each kernel once and runs, for every program
//! of every fixture, `argctx load --format json --program P --fallback auto` and `--fallback
//! never`, plus one whole-object run per fixture and per object of `tests/loader/bpf`. The output
//! goes to `target/vm/loader-<kernel>.jsonl`; the integration test `vm_kernels`
//! (tests/loader/vm.rs) then compares it with `target/vm/oracle-<kernel>.json`: same outcome and
//! errno per program, same func_info types, line_info count and attach BTF id in the kernel,
//! byte-identical BTF (by hash), the probe's answer, and without the fallback the kernel's own
//! refusal (`reference type('UNKNOWN ')`). Differences are recorded for the agreement table.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::kernels::{self, Kernel};
use crate::vm;

fn usage() -> String {
    "usage: cargo xtask loader [vm]".into()
}

/// Entry point of `cargo xtask loader`: libbpf's documents on every VM kernel, then the loader.
pub fn run(args: &[String]) -> Result<(), String> {
    match args {
        [] => {}
        [c] if c == "vm" => {}
        _ => return Err(usage()),
    }
    let kernels = kernels::ensure_all()?;
    crate::test::vm_oracles(&kernels)?;
    vm_test(&kernels)
}

/// Every entry program of an object (autoloaded or not), in libbpf's order.
fn programs(path: &Path) -> Result<Vec<String>, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let obj =
        argctx::program::Object::open(&data).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(obj.entry_programs().map(|(_, p)| p.name.clone()).collect())
}

/// The loader in one boot of each VM kernel, then the comparison with libbpf's documents from
/// the same kernels (`target/vm/oracle-<kernel>.json`, made by the caller). Fails (never skips)
/// when qemu, a kernel or a comparison fails.
pub fn vm_test(kernels: &[Kernel]) -> Result<(), String> {
    let started = Instant::now();
    let root = vm::workspace_root();
    let fixtures = vm::fixtures()?;
    let bin = vm::build_static("argctx-cli", "argctx")?;
    let mut files = vec![(bin.clone(), "/bin/argctx".to_string())];
    let mut script = String::from("cd /w\n");
    let mut runs = 0;
    for f in &fixtures {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{}: bad file name", f.display()))?
            .to_string();
        files.push((f.clone(), format!("/w/{name}")));
        for p in programs(f)? {
            for policy in ["auto", "never"] {
                script.push_str(&format!(
                    "echo '### {name} {p} {policy}'\n/bin/argctx load --format json --fallback {policy} --program {p} {name} || true\n"
                ));
                runs += 1;
            }
        }
        script.push_str(&format!(
            "echo '### {name} * auto'\n/bin/argctx load --format json {name} || true\n"
        ));
        runs += 1;
    }
    // The BTF as prepared, without libbpf's sanitization: a kernel without DECL_TAG rejects
    // it, and the load says so (a downgrade), or fails with --require-btf.
    for (tag, flags) in [
        ("nosanitize", "--no-sanitize"),
        ("nosanitize-require", "--no-sanitize --require-btf"),
    ] {
        script.push_str(&format!(
            "echo '### void_ctx.o * {tag}'\n/bin/argctx load --format json {flags} void_ctx.o || true\n"
        ));
        runs += 1;
    }
    // The loader's own objects (more map kinds, unsupported features): whole-object runs.
    for name in ["maps.o", "unsupported.o"] {
        files.push((
            root.join("tests/loader/bpf").join(name),
            format!("/w/{name}"),
        ));
        script.push_str(&format!(
            "echo '### {name} * auto'\n/bin/argctx load --format json {name} || true\n"
        ));
        runs += 1;
    }
    for kernel in kernels {
        let vm_started = Instant::now();
        let out = vm::run_in_vm(&vm::VmRun {
            kernel,
            files: files.clone(),
            script: script.clone(),
            timeout: Duration::from_secs(900),
        })?;
        eprintln!(
            "loader: {runs} argctx load runs on {} took {:.1?}",
            kernel.release,
            vm_started.elapsed()
        );
        let results = vm::vm_dir().join(format!("loader-{}.jsonl", kernel.series.name));
        std::fs::write(&results, &out).map_err(|e| format!("{}: {e}", results.display()))?;
    }
    let names: Vec<&str> = kernels.iter().map(|k| k.series.name).collect();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "test",
            "-p",
            "argctx",
            "--features",
            "loader",
            "--test",
            "loader",
            "vm_kernels",
            "--",
            "--nocapture",
        ])
        .env("ARGCTX_VM_KERNELS", names.join(","))
        .env("ARGCTX_VM_DIR", vm::vm_dir())
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the loader comparison on {} failed ({status}); results in {}",
            names.join(", "),
            vm::vm_dir().display()
        ));
    }
    eprintln!("loader: comparison passed in {:.1?}", started.elapsed());
    Ok(())
}
