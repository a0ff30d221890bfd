//! `argctx::verdict` against real kernels: every fixture program, loaded alone by libbpf 1.7
//! (the `argctx-oracle` binary), must load exactly when the verdict says so, and when it fails the
//! verifier log must contain every line the verdict expects.
//!
//! * `host_native`: the running kernel (6.8+ here: the native path). Its own BTF
//!   (`/sys/kernel/btf/vmlinux`) is passed so `arg:trusted` types are looked up as the kernel does.
//!   Programs refused with EPERM (fentry, LSM: a restriction of the test machines, not of the
//!   verifier) are skipped.
//! * `vm_kernels`: Debian's 5.10, 6.1, 6.12 and sid under qemu, each with its own BTF, from the
//!   documents `cargo xtask vm oracle --kernel K` writes (`cargo xtask test` names them).
//!
//! Every difference (a false alarm, a missed failure, a missing verifier line) is recorded for the
//! agreement table and must be listed with its owning issue in `tests/agreement/verdict-<kernel>.txt`.

mod common;
#[path = "../../agreement/record.rs"]
mod record;

use argctx::verdict::{check, KernelVersion, Load, VerdictOptions};
use common::{fixtures, host_oracle, object_data, vm_oracle};
use record::Agreement;
use serde_json::Value;

const EPERM: i64 = 1;

struct Tally {
    compared: usize,
    failed_loads: usize,
    skipped: Vec<String>,
}

/// Compares every `alone` run of an oracle document with the verdict for `kernel`, noting every
/// difference in `rec`.
fn compare(
    doc: &Value,
    kernel: KernelVersion,
    vmlinux: Option<&[u8]>,
    rec: &mut Agreement,
) -> Tally {
    let mut t = Tally {
        compared: 0,
        failed_loads: 0,
        skipped: Vec::new(),
    };
    for obj in doc["objects"].as_array().expect("objects") {
        let file = obj["file"].as_str().expect("file");
        let data = object_data(file);
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
                let label = format!("{file} {name}");
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
                    rec.differ(&label, "no verdict", "");
                    continue;
                };
                t.compared += 1;
                rec.compared(&label);
                let loaded = p["loaded"] == true;
                let log = p["verifier_log_tail"].as_str().unwrap_or("");
                let predicted = match ours.load {
                    Load::Yes => true,
                    Load::No => false,
                    Load::Unknown => {
                        rec.differ(
                            &label,
                            "verdict unknown",
                            format!("the kernel says loaded={loaded}"),
                        );
                        continue;
                    }
                };
                if predicted != loaded {
                    let aspect = if loaded {
                        "false alarm: argctx says fails, the kernel loads it"
                    } else {
                        "missed: argctx says loads, the kernel refuses it"
                    };
                    rec.differ(
                        &label,
                        aspect,
                        format!(
                            "{:?}; kernel log: {}",
                            ours.problems.first().map(|p| &p.message),
                            log.lines().rev().take(4).collect::<Vec<_>>().join(" | ")
                        ),
                    );
                    continue;
                }
                if !loaded {
                    t.failed_loads += 1;
                    if ours.expected_log.is_empty() {
                        rec.differ(&label, "refused, but no verifier line is expected", "");
                    }
                    for line in &ours.expected_log {
                        if !log.lines().any(|l| l == line) {
                            rec.differ(&label, &format!("the verifier log lacks `{line}`"), log);
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
    println!(
        "{} program loads compared on {what} ({} refused)",
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
    let mut rec = Agreement::new("verdict", "host", release);
    let t = compare(&doc, kernel, vmlinux.as_deref(), &mut rec);
    report(&t, release);
    assert!(t.compared >= fixtures().len());
    assert!(t.failed_loads > 0, "no refusal was compared");
    rec.finish();
}

/// Every VM kernel `cargo xtask test` booted, with that kernel's own BTF (`vmlinux-<name>.btf`
/// next to its oracle document).
#[test]
fn vm_kernels() {
    for (name, dir) in record::vm_kernels() {
        let doc = vm_oracle(&dir, &name);
        let release = doc["kernel_release"].as_str().expect("kernel_release");
        let kernel = KernelVersion::parse(release).expect("kernel release");
        let btf_path = dir.join(format!("vmlinux-{name}.btf"));
        let vmlinux =
            std::fs::read(&btf_path).unwrap_or_else(|e| panic!("{}: {e}", btf_path.display()));
        let mut rec = Agreement::new("verdict", &name, release);
        let t = compare(&doc, kernel, Some(&vmlinux), &mut rec);
        report(&t, release);
        assert!(t.compared >= fixtures().len());
        rec.finish();
    }
}
