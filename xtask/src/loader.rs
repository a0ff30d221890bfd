//! `cargo xtask loader`: the `loader` feature on Linux 6.1 (no native `arg:ctx`), compared with
//! libbpf 1.7 on the same kernel.
//!
//! [`vm_test`] builds the `argctx` CLI static, boots the 6.1 VM once and runs, for every program
//! of every fixture, `argctx load --format json --program P --fallback auto` and `--fallback
//! never`, plus one whole-object run per fixture and per object of `tests/loader/bpf`. The output
//! goes to
//! `target/vm/loader-6.1.jsonl`; the integration test `vm_fallback` (tests/loader/vm.rs) then
//! compares it with `target/vm/oracle-6.1.json` (regenerated with `cargo xtask vm oracle` when
//! missing or older than a fixture): same verdict and errno per program, same func_info types,
//! line_info count and attach BTF id in the kernel, byte-identical BTF (by hash), the probe
//! reporting no native support, and without the fallback the kernel's own refusal
//! (`reference type('UNKNOWN ')`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use crate::vm;

fn usage() -> String {
    "usage: cargo xtask loader [vm]".into()
}

/// Entry point of `cargo xtask loader`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args {
        [] => vm_test(),
        [c] if c == "vm" => vm_test(),
        _ => Err(usage()),
    }
}

fn fixtures(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("tests/fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "o"))
        .collect();
    v.sort();
    if v.is_empty() {
        return Err(format!("no fixtures in {}", dir.display()));
    }
    Ok(v)
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Every entry program of an object (autoloaded or not), in libbpf's order.
fn programs(path: &Path) -> Result<Vec<String>, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let obj =
        argctx::program::Object::open(&data).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(obj.entry_programs().map(|(_, p)| p.name.clone()).collect())
}

/// The 6.1 comparison. Fails (never skips) when qemu, the kernel or a comparison fails.
pub fn vm_test() -> Result<(), String> {
    let started = Instant::now();
    let root = vm::workspace_root();
    let fixtures = fixtures(&root)?;
    let oracle = vm::vm_dir().join("oracle-6.1.json");
    let newest_fixture = fixtures.iter().filter_map(|f| mtime(f)).max();
    if mtime(&oracle).is_none_or(|o| newest_fixture.is_some_and(|f| f > o)) {
        vm::run(&[
            "oracle".into(),
            "--out".into(),
            oracle.display().to_string(),
        ])?;
    }
    let bin = vm::build_static("argctx-cli", "argctx")?;

    let mut files = vec![(bin, "/bin/argctx".to_string())];
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
    let vm_started = Instant::now();
    let out = vm::run_in_vm(&vm::VmRun {
        files,
        script,
        timeout: Duration::from_secs(900),
    })?;
    eprintln!(
        "loader: {runs} argctx load runs in the 6.1 VM took {:.1?}",
        vm_started.elapsed()
    );
    let results = vm::vm_dir().join("loader-6.1.jsonl");
    std::fs::write(&results, &out).map_err(|e| format!("{}: {e}", results.display()))?;

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
            "vm_fallback",
            "--",
            "--nocapture",
        ])
        .env("ARGCTX_LOADER_VM", &results)
        .env("ARGCTX_VM_ORACLE", &oracle)
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the 6.1 loader comparison failed ({status}); results in {}",
            results.display()
        ));
    }
    eprintln!("loader: 6.1 comparison passed in {:.1?}", started.elapsed());
    Ok(())
}
