//! `argctx::verdict` against real kernels: every fixture program, loaded alone by libbpf 1.7
//! (the `argctx-oracle` binary), must load exactly when the verdict says so, and when it fails the
//! verifier log must contain every line the verdict expects.
//!
//! * `host_native`: the running kernel (6.8+ here: the native path). Its own BTF
//!   (`/sys/kernel/btf/vmlinux`) is passed so `arg:trusted` types are looked up as the kernel does.
//!   Programs refused with EPERM (fentry, LSM: a restriction of the test machines, not of the
//!   verifier) are skipped.
//! * `vm_fallback`: Debian's 6.1 under qemu (libbpf's fallback path), from the JSON that
//!   `cargo xtask vm oracle` writes; `cargo xtask test` sets `ARGCTX_VM_ORACLE`.

mod common;

use argctx::verdict::{check, KernelVersion, Load, VerdictOptions};
use common::{fixtures, host_oracle, root, vm_oracle};
use serde_json::Value;

const EPERM: i64 = 1;

struct Tally {
    compared: usize,
    failed_loads: usize,
    skipped: Vec<String>,
    failures: Vec<String>,
}

/// Compares every `alone` run of an oracle document with the verdict for `kernel`.
fn compare(doc: &Value, kernel: KernelVersion, vmlinux: Option<&[u8]>) -> Tally {
    let mut t = Tally {
        compared: 0,
        failed_loads: 0,
        skipped: Vec::new(),
        failures: Vec::new(),
    };
    for obj in doc["objects"].as_array().expect("objects") {
        let file = obj["file"].as_str().expect("file");
        let data = std::fs::read(root().join("tests/fixtures").join(file)).expect("fixture");
        let opts = VerdictOptions {
            kernels: vec![kernel],
            vmlinux,
            ..VerdictOptions::default()
        };
        let report = check(&data, &opts).unwrap_or_else(|e| panic!("{file}: {e}"));
        for run in obj["runs"].as_array().expect("runs") {
            if run["mode"] != "alone" {
                continue;
            }
            for p in run["programs"].as_array().expect("programs") {
                if p["autoload"] != true {
                    continue;
                }
                let name = p["name"].as_str().expect("name");
                let label = format!("{file} {name} on {kernel}");
                if p["load_errno"].as_i64() == Some(EPERM) {
                    t.skipped.push(label);
                    continue;
                }
                let Some(ours) = report
                    .programs
                    .iter()
                    .find(|q| q.name == name)
                    .and_then(|q| q.kernels.first())
                else {
                    t.failures.push(format!("{label}: no verdict"));
                    continue;
                };
                t.compared += 1;
                let loaded = p["loaded"] == true;
                let log = p["verifier_log_tail"].as_str().unwrap_or("");
                let predicted = match ours.load {
                    Load::Yes => true,
                    Load::No => false,
                    Load::Unknown => {
                        t.failures.push(format!(
                            "{label}: verdict unknown, the kernel says {loaded}"
                        ));
                        continue;
                    }
                };
                if predicted != loaded {
                    t.failures.push(format!(
                        "{label}: verdict {:?} ({:?}) but the kernel {}: {}",
                        ours.load,
                        ours.problems.first().map(|p| &p.message),
                        if loaded { "loaded it" } else { "refused it" },
                        log.lines().rev().take(4).collect::<Vec<_>>().join(" | ")
                    ));
                    continue;
                }
                if !loaded {
                    t.failed_loads += 1;
                    if ours.expected_log.is_empty() {
                        t.failures.push(format!(
                            "{label}: refused, but no verifier line is expected"
                        ));
                    }
                    for line in &ours.expected_log {
                        if !log.lines().any(|l| l == line) {
                            t.failures
                                .push(format!("{label}: the verifier log lacks `{line}`:\n{log}"));
                        }
                    }
                }
            }
        }
    }
    t
}

fn report(t: &Tally, what: &str) {
    for s in &t.skipped {
        println!("skipped (EPERM on this machine): {s}");
    }
    assert!(
        t.failures.is_empty(),
        "{} differences:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
    println!(
        "{} program loads compared on {what} ({} refused, each with its expected verifier lines)",
        t.compared, t.failed_loads
    );
}

#[test]
fn host_native() {
    let doc = host_oracle(&["--mode", "alone"]);
    let release = doc["kernel_release"].as_str().expect("kernel_release");
    let kernel = KernelVersion::parse(release).expect("kernel release");
    assert!(
        kernel.has_native_arg_ctx(),
        "the host kernel {release} predates native arg:ctx; these expectations are for 6.8+"
    );
    let vmlinux = std::fs::read("/sys/kernel/btf/vmlinux").ok();
    let t = compare(&doc, kernel, vmlinux.as_deref());
    report(&t, release);
    assert!(t.compared >= fixtures().len());
    assert!(t.failed_loads > 0, "no refusal was compared");
}

#[test]
fn vm_fallback() {
    let Some(doc) = vm_oracle() else { return };
    let release = doc["kernel_release"].as_str().expect("kernel_release");
    let kernel = KernelVersion::parse(release).expect("kernel release");
    let t = compare(&doc, kernel, None);
    report(&t, release);
    assert!(t.compared >= fixtures().len());
    assert!(t.failed_loads > 0, "no refusal was compared");
}
