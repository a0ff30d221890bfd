//! Linux 6.1 (no native `arg:ctx`): `argctx load` in the VM against libbpf 1.7 in the VM.
//!
//! `ARGCTX_LOADER_VM` is the file `xtask/src/loader.rs` writes: for every fixture program,
//! a line `### <file> <program> <policy>` followed by the one-line JSON of
//! `argctx load --format json --fallback <policy> --program <program>` (`*`: no `--program`).
//! `ARGCTX_VM_ORACLE` is `target/vm/oracle-6.1.json` (`cargo xtask vm oracle`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{alone_runs, b64, fnv1a64, types};

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

#[test]
fn vm_fallback() {
    let (Ok(ours), Ok(oracle)) = (
        std::env::var("ARGCTX_LOADER_VM"),
        std::env::var("ARGCTX_VM_ORACLE"),
    ) else {
        println!("ARGCTX_LOADER_VM / ARGCTX_VM_ORACLE are not set: the 6.1 comparison runs under `cargo xtask test` (xtask/src/loader.rs)");
        return;
    };
    let runs = parse_runs(&std::fs::read_to_string(&ours).expect("ARGCTX_LOADER_VM"));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&oracle).expect("ARGCTX_VM_ORACLE"))
            .expect("oracle JSON");
    assert!(
        doc["kernel_release"]
            .as_str()
            .is_some_and(|r| r.starts_with("6.1.")),
        "the oracle did not run on 6.1: {}",
        doc["kernel_release"]
    );
    let mut failures = Vec::new();
    let (mut compared, mut rewritten, mut unknown) = (0, 0, 0);
    for (file, name, p, run) in alone_runs(&doc) {
        let label = format!("{file} {name}");
        let get = |policy: &str| runs.get(&(file.clone(), name.clone(), policy.to_string()));
        let Some(auto) = get("auto") else {
            failures.push(format!("{label}: no auto run from the VM"));
            continue;
        };
        assert!(
            auto["kernel_release"]
                .as_str()
                .is_some_and(|r| r.starts_with("6.1.")),
            "{label}: not run on 6.1"
        );
        if !auto["error"].is_null() {
            failures.push(format!("{label}: object failed: {}", auto["error"]));
            continue;
        }
        // The probe says: no native support, so the fallback runs.
        if auto["fallback"]["native_support"] != false || auto["fallback"]["applied"] != true {
            failures.push(format!("{label}: fallback status {}", auto["fallback"]));
        }
        let Some(q) = program(auto, &name) else {
            failures.push(format!("{label}: missing from our output"));
            continue;
        };
        if q["loaded"] != p["loaded"] {
            failures.push(format!(
                "{label}: ours loaded={} ({}) vs libbpf loaded={} (errno {})\n{}",
                q["loaded"],
                q["error"],
                p["loaded"],
                p["load_errno"],
                q["verifier_log_tail"].as_str().unwrap_or("")
            ));
        } else if p["loaded"] == true {
            let k = &p["kernel"];
            if types(&q["kernel"]["func_info"]) != types(&k["func_info"]) {
                failures.push(format!(
                    "{label}: kernel func_info {} vs libbpf {}",
                    q["kernel"]["func_info"], k["func_info"]
                ));
            }
            if q["kernel"]["nr_line_info"] != k["nr_line_info"] {
                failures.push(format!(
                    "{label}: nr_line_info {} vs {}",
                    q["kernel"]["nr_line_info"], k["nr_line_info"]
                ));
            }
            if q["kernel"]["attach_btf_id"] != k["attach_btf_id"] {
                failures.push(format!(
                    "{label}: attach_btf_id {} vs {}",
                    q["kernel"]["attach_btf_id"], k["attach_btf_id"]
                ));
            }
        } else if q["errno"] != p["load_errno"] {
            failures.push(format!(
                "{label}: errno {} vs libbpf {}",
                q["errno"], p["load_errno"]
            ));
        }
        if q["fallback"]["applied"] == true {
            rewritten += 1;
        }
        // The BTF the kernel holds is byte for byte the one libbpf sent.
        if let Some(theirs) = run["btf_kernel"].as_str() {
            let want = fnv1a64(&b64(theirs));
            if auto["btf"]["fnv1a64"] != want.as_str() {
                failures.push(format!(
                    "{label}: kernel BTF hash {} (size {}) vs libbpf's {want}",
                    auto["btf"]["fnv1a64"], auto["btf"]["size"]
                ));
            }
        }
        // Without the fallback the kernel's verdict is the oracle's `no_fallback` one.
        let Some(never) = get("never") else {
            failures.push(format!("{label}: no never run from the VM"));
            continue;
        };
        let Some(n) = program(never, &name) else {
            failures.push(format!("{label}: missing from the never run"));
            continue;
        };
        if never["fallback"]["applied"] != false {
            failures.push(format!("{label}: never applied the fallback"));
        }
        let nf = &p["no_fallback"];
        if nf.is_object() {
            if n["loaded"] != nf["loaded"] {
                failures.push(format!(
                    "{label}: never: ours loaded={} vs the kernel without libbpf's rewrite loaded={}",
                    n["loaded"], nf["loaded"]
                ));
            } else if nf["loaded"] == false {
                let theirs = nf["verifier_log_tail"].as_str().unwrap_or("");
                let ours = n["verifier_log_tail"].as_str().unwrap_or("");
                if theirs.contains(UNKNOWN) {
                    if ours.contains(UNKNOWN) {
                        unknown += 1;
                    } else {
                        failures.push(format!("{label}: never: no UNKNOWN message:\n{ours}"));
                    }
                }
                if n["errno"] != nf["errno"] {
                    failures.push(format!(
                        "{label}: never: errno {} vs {}",
                        n["errno"], nf["errno"]
                    ));
                }
            }
        } else if p["loaded"] == false && n["loaded"] != false {
            failures.push(format!(
                "{label}: never loaded what libbpf's fallback could not"
            ));
        }
        compared += 1;
    }
    // Whole objects (every autoloaded program at once).
    for obj in doc["objects"].as_array().expect("objects") {
        let file = obj["file"].as_str().expect("file");
        for run in obj["runs"].as_array().expect("runs") {
            if run["mode"] != "all" || !run["load_error"].is_null() {
                continue;
            }
            let Some(all) = runs.get(&(file.to_string(), "*".to_string(), "auto".to_string()))
            else {
                failures.push(format!("{file}: no whole-object run"));
                continue;
            };
            for p in run["programs"].as_array().expect("programs") {
                if p["autoload"] == true {
                    let name = p["name"].as_str().expect("name");
                    if program(all, name).map(|q| &q["loaded"]) != Some(&Value::Bool(true)) {
                        failures.push(format!("{file} (all): {name} did not load"));
                    }
                }
            }
        }
    }
    // The loader's own objects: every map kind loads on 6.1 and `record(void *ctx)` needs the
    // fallback; unsupported features fail per program while the plain program loads.
    let own = |file: &str| runs.get(&(file.to_string(), "*".to_string(), "auto".to_string()));
    match own("maps.o").and_then(|d| program(d, "use_maps")) {
        Some(p) if p["loaded"] == true && p["fallback"]["applied"] == true => {}
        other => failures.push(format!("maps.o on 6.1: {other:?}")),
    }
    match own("unsupported.o") {
        Some(d) => {
            for (name, loaded) in [
                ("plain", true),
                ("calls_kfunc", false),
                ("reads_with_core", false),
                ("uses_ksym", false),
                ("replaces_func", false),
            ] {
                if program(d, name).map(|p| &p["loaded"]) != Some(&Value::Bool(loaded)) {
                    failures.push(format!(
                        "unsupported.o on 6.1: {name}: {:?}",
                        program(d, name)
                    ));
                }
            }
        }
        None => failures.push("unsupported.o: no run from the VM".into()),
    }
    assert!(
        failures.is_empty(),
        "{} differences on 6.1:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared >= 30, "only {compared} programs compared");
    assert!(rewritten >= 15, "only {rewritten} programs were rewritten");
    assert!(
        unknown >= 5,
        "only {unknown} programs showed the UNKNOWN refusal without the fallback"
    );
    println!(
        "6.1: {compared} programs with libbpf's verdicts, func_info, line_info and BTF bytes; {rewritten} rewritten by the fallback; {unknown} refused with `{UNKNOWN}` without it"
    );
}
