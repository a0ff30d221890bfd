//! Debian's 5.10, 6.1, 6.12 and sid kernels: `argctx load` in the VM against libbpf 1.7 in the
//! same VM.
//!
//! For each kernel K named in `ARGCTX_VM_KERNELS`, `ARGCTX_VM_DIR/loader-K.jsonl` is what
//! `xtask/src/loader.rs` writes: for every fixture program, a line `### <file> <program> <policy>`
//! followed by the one-line JSON of `argctx load --format json --fallback <policy> --program
//! <program>` (`*`: no `--program`); `oracle-K.json` is libbpf's (`cargo xtask vm oracle`).
//! Every difference is recorded for the agreement table and must be listed with its owning issue
//! in `tests/agreement/loader-K.txt`.

use std::collections::BTreeMap;
use std::path::Path;

use argctx::verdict::KernelVersion;
use serde_json::Value;

use crate::common::{alone_runs, b64, fnv1a64, types};
use crate::record::{self, Agreement};

const UNKNOWN: &str = "reference type('UNKNOWN ') size cannot be determined";

fn parse_runs(text: &str) -> BTreeMap<(String, String, String), Value> {
    let mut out = BTreeMap::new();
    let mut key = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            let parts: Vec<&str> = h.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "bad header {line:?}");
            key = Some((
                parts[0].to_string(),
                parts[1].to_string(),
                parts[2].to_string(),
            ));
        } else if !line.trim().is_empty() {
            let k = key
                .take()
                .unwrap_or_else(|| panic!("JSON without a header: {line}"));
            let v: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{k:?}: {e}: {line}"));
            out.insert(k, v);
        }
    }
    out
}

fn program<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc["programs"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

/// Every VM kernel `cargo xtask test` booted.
#[test]
fn vm_kernels() {
    for (name, dir) in record::vm_kernels() {
        compare_kernel(&name, &dir);
    }
}

fn compare_kernel(kernel: &str, dir: &Path) {
    let read = |file: String| {
        let path = dir.join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let runs = parse_runs(&read(format!("loader-{kernel}.jsonl")));
    let doc: Value =
        serde_json::from_str(&read(format!("oracle-{kernel}.json"))).expect("oracle JSON");
    let release = doc["kernel_release"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let version = KernelVersion::parse(&release).expect("kernel release");
    let native = version.has_native_arg_ctx();
    let mut rec = Agreement::new("loader", kernel, &release);
    let (mut compared, mut rewritten, mut unknown) = (0, 0, 0);
    for (file, name, p, run) in alone_runs(&doc) {
        let label = format!("{file} {name}");
        let get = |policy: &str| runs.get(&(file.clone(), name.clone(), policy.to_string()));
        let Some(auto) = get("auto") else {
            rec.differ(&label, "no auto run from the VM", "");
            continue;
        };
        assert_eq!(
            auto["kernel_release"].as_str(),
            Some(release.as_str()),
            "{label}: not run on the oracle's kernel"
        );
        rec.compared(&label);
        let libbpf_failed_early = !run["open_error"].is_null() || !run["prepare_error"].is_null();
        match (auto["error"].is_null(), libbpf_failed_early) {
            // Both refuse the object before loading anything (an unresolvable extern, a map
            // type the kernel lacks).
            (false, true) => continue,
            (false, false) => {
                rec.differ(
                    &label,
                    "argctx failed the object",
                    auto["error"].to_string(),
                );
                continue;
            }
            (true, true) => {
                rec.differ(
                    &label,
                    "libbpf failed before loading, argctx did not",
                    format!("{} {}", run["open_error"], run["prepare_error"]),
                );
                continue;
            }
            (true, false) => {}
        }
        // The probe says whether the kernel has native support, so whether the fallback runs.
        if auto["fallback"]["native_support"] != native {
            rec.differ(
                &label,
                "arg:ctx probe",
                format!("{} on {release}", auto["fallback"]),
            );
        }
        let Some(q) = program(auto, &name) else {
            rec.differ(&label, "missing from argctx's output", "");
            continue;
        };
        if q["loaded"] != p["loaded"] {
            rec.differ(
                &label,
                "outcome",
                format!(
                    "ours loaded={} ({}) vs libbpf loaded={} (errno {}) {}",
                    q["loaded"],
                    q["error"],
                    p["loaded"],
                    p["load_errno"],
                    q["verifier_log_tail"].as_str().unwrap_or("")
                ),
            );
        } else if p["loaded"] == true {
            let k = &p["kernel"];
            if types(&q["kernel"]["func_info"]) != types(&k["func_info"]) {
                rec.differ(
                    &label,
                    "kernel func_info",
                    format!("{} vs libbpf {}", q["kernel"]["func_info"], k["func_info"]),
                );
            }
            if q["kernel"]["nr_line_info"] != k["nr_line_info"] {
                rec.differ(
                    &label,
                    "nr_line_info",
                    format!("{} vs {}", q["kernel"]["nr_line_info"], k["nr_line_info"]),
                );
            }
            if q["kernel"]["attach_btf_id"] != k["attach_btf_id"] {
                rec.differ(
                    &label,
                    "attach_btf_id",
                    format!("{} vs {}", q["kernel"]["attach_btf_id"], k["attach_btf_id"]),
                );
            }
        } else if q["errno"] != p["load_errno"] {
            rec.differ(
                &label,
                "errno",
                format!("{} vs libbpf {}", q["errno"], p["load_errno"]),
            );
        }
        if q["fallback"]["applied"] == true {
            rewritten += 1;
        }
        // The BTF the kernel holds is byte for byte the one libbpf sent.
        if let Some(theirs) = run["btf_kernel"].as_str() {
            let want = fnv1a64(&b64(theirs));
            if auto["btf"]["fnv1a64"] != want.as_str() {
                rec.differ(
                    &label,
                    "BTF the kernel holds",
                    format!(
                        "hash {} (size {}) vs libbpf's {want}",
                        auto["btf"]["fnv1a64"], auto["btf"]["size"]
                    ),
                );
            }
        }
        // Without the fallback the kernel's verdict is the oracle's `no_fallback` one.
        let Some(never) = get("never") else {
            rec.differ(&label, "no never run from the VM", "");
            continue;
        };
        let Some(n) = program(never, &name) else {
            rec.differ(&label, "missing from the never run", "");
            continue;
        };
        if never["fallback"]["applied"] != false {
            rec.differ(&label, "never applied the fallback", "");
        }
        let nf = &p["no_fallback"];
        if nf.is_object() {
            if n["loaded"] != nf["loaded"] {
                rec.differ(
                    &label,
                    "never: outcome",
                    format!(
                        "ours loaded={} vs the kernel without libbpf's rewrite loaded={}",
                        n["loaded"], nf["loaded"]
                    ),
                );
            } else if nf["loaded"] == false {
                let theirs = nf["verifier_log_tail"].as_str().unwrap_or("");
                let ours = n["verifier_log_tail"].as_str().unwrap_or("");
                if theirs.contains(UNKNOWN) {
                    if ours.contains(UNKNOWN) {
                        unknown += 1;
                    } else {
                        rec.differ(&label, "never: no UNKNOWN message", ours);
                    }
                }
                if n["errno"] != nf["errno"] {
                    rec.differ(
                        &label,
                        "never: errno",
                        format!("{} vs {}", n["errno"], nf["errno"]),
                    );
                }
            }
        } else if p["loaded"] == false && n["loaded"] != false {
            rec.differ(&label, "never loaded what libbpf's fallback could not", "");
        }
        compared += 1;
    }
    // Whole objects (every autoloaded program at once).
    for obj in doc["objects"].as_array().expect("objects") {
        let file = obj["file"].as_str().expect("file");
        for run in obj["runs"].as_array().expect("runs") {
            let failed_early = !run["open_error"].is_null() || !run["prepare_error"].is_null();
            if run["mode"] != "all" || !run["load_error"].is_null() || failed_early {
                continue;
            }
            let label = format!("{file} (all)");
            let Some(all) = runs.get(&(file.to_string(), "*".to_string(), "auto".to_string()))
            else {
                rec.differ(&label, "no whole-object run", "");
                continue;
            };
            rec.compared(&label);
            for p in run["programs"].as_array().expect("programs") {
                if p["autoload"] == true {
                    let name = p["name"].as_str().expect("name");
                    if program(all, name).map(|q| &q["loaded"]) != Some(&Value::Bool(true)) {
                        rec.differ(&label, &format!("{name} did not load"), "");
                    }
                }
            }
        }
    }
    // The loader's own objects: every map kind loads and `record(void *ctx)` needs the fallback
    // before 6.8; unsupported features fail per program while the plain program loads.
    let own_run = |file: &str, policy: &str| {
        runs.get(&(file.to_string(), "*".to_string(), policy.to_string()))
    };
    let own = |file: &str| own_run(file, "auto");
    // Before 5.16 the kernel has no bloom filter map, so the object fails as libbpf's would.
    rec.compared("maps.o (all)");
    if version.at_least(5, 16) {
        match own("maps.o").and_then(|d| program(d, "use_maps")) {
            Some(p) if p["loaded"] == true && p["fallback"]["applied"] == !native => {}
            other => rec.differ("maps.o (all)", "use_maps", format!("{other:?}")),
        }
    } else {
        let error = own("maps.o").map(|d| d["error"].as_str().unwrap_or("").to_string());
        if !error
            .as_deref()
            .is_some_and(|e| e.starts_with("map 'bloom': failed to create it"))
        {
            rec.differ(
                "maps.o (all)",
                "bloom filter map refused",
                format!("{error:?}"),
            );
        }
    }
    rec.compared("unsupported.o (all)");
    match own("unsupported.o") {
        Some(d) => {
            for (name, loaded) in [
                ("plain", true),
                ("reads_with_core", false),
                ("replaces_func", false),
            ] {
                if program(d, name).map(|p| &p["loaded"]) != Some(&Value::Bool(loaded)) {
                    rec.differ(
                        "unsupported.o (all)",
                        name,
                        format!("{:?}", program(d, name)),
                    );
                }
            }
        }
        None => rec.differ("unsupported.o (all)", "no run from the VM", ""),
    }
    assert!(
        compared >= 30,
        "only {compared} programs compared on {kernel}"
    );
    // No silent downgrade: without sanitization a kernel lacking DECL_TAG rejects the BTF; the
    // load says so (and --require-btf fails); other kernels take it.
    let rejects = !version.btf_features().decl_tag;
    let pair = "void_ctx.o (BTF not sanitized)";
    rec.compared(pair);
    let plain = own_run("void_ctx.o", "nosanitize");
    let required = own_run("void_ctx.o", "nosanitize-require");
    let downgraded = plain.is_some_and(|d| {
        d["downgrades"].as_array().is_some_and(|a| {
            a.iter().any(|x| {
                x.as_str()
                    .is_some_and(|t| t.contains("rejected the object's BTF"))
            })
        })
    });
    let refused = required.is_some_and(|d| {
        d["error"]
            .as_str()
            .is_some_and(|e| e.contains("rejected the object's BTF"))
    });
    if downgraded != rejects || refused != rejects {
        rec.differ(
            pair,
            "downgrade reported",
            format!("expected rejection={rejects}: {plain:?} / {required:?}"),
        );
    }
    if !native {
        assert!(
            rewritten >= 15,
            "only {rewritten} programs were rewritten on {kernel}"
        );
    }
    println!(
        "{kernel} ({release}): {compared} programs with libbpf's verdicts, func_info, line_info and BTF bytes; {rewritten} rewritten by the fallback; {unknown} refused with `{UNKNOWN}` without it"
    );
    rec.finish();
}
