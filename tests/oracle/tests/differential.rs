//! Differential test: argctx's emulation of libbpf 1.7's load preparation against the real libbpf
//! (vendored, through the `argctx-oracle` binary) on every fixture, program by program and all
//! together: the BTF blob libbpf sends, every func_info record, instruction and line_info counts,
//! and libbpf's fallback warnings.
//!
//! * `host_native`: the host kernel (native arg:ctx support, so libbpf sends the BTF unrewritten).
//! * `vm_fallback`: Debian's 6.1 kernel under qemu (no native support: the fallback runs). The VM
//!   run is made by `cargo xtask vm oracle`; `cargo xtask test` runs it and points
//!   `ARGCTX_VM_ORACLE` at its JSON. It also checks that the kernel rejects the unrewritten BTF.

mod common;

use argctx::fallback::{apply, Decision, Options};
use common::{fixtures, host_oracle, root, vm_oracle};
use serde_json::Value;

fn b64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("bad base64 byte {c}"),
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= u32::from(val(c)) << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    out
}

fn pairs(v: &Value) -> Vec<(u32, u32)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|p| (p[0].as_u64().unwrap() as u32, p[1].as_u64().unwrap() as u32))
                .collect()
        })
        .unwrap_or_default()
}

/// Compares one oracle document with argctx; returns the number of runs compared.
fn compare(doc: &Value, native: bool) -> usize {
    let mut compared = 0;
    let mut failures = Vec::new();
    let mut rejected_unrewritten = 0;
    for obj in doc["objects"].as_array().expect("objects") {
        let file = obj["file"].as_str().expect("file");
        let data = std::fs::read(root().join("tests/fixtures").join(file)).expect("fixture");
        let hidden: Vec<String> = argctx::program::Object::open(&data)
            .expect("open")
            .programs
            .iter()
            .filter(|p| p.mark_btf_static)
            .map(|p| p.name.clone())
            .collect();
        for run in obj["runs"].as_array().expect("runs") {
            let selected: Vec<String> = run["selected"]
                .as_array()
                .expect("selected")
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            let alone = run["mode"] == "alone";
            let opts = Options {
                programs: if alone { selected.clone() } else { Vec::new() },
                native,
                ..Options::default()
            };
            let label = format!("{file} {} {:?}", run["mode"], selected);
            if !run["open_error"].is_null() || !run["prepare_error"].is_null() {
                // libbpf failed before sending anything: argctx must fail the same way.
                let ours = apply(&data, &opts);
                let failed = ours.as_ref().map_or(true, |o| o.error.is_some());
                if !failed {
                    failures.push(format!(
                        "{label}: libbpf failed ({}), argctx did not",
                        run["prepare_error"]
                    ));
                }
                compared += 1;
                continue;
            }
            let ours = match apply(&data, &opts) {
                Ok(o) => o,
                Err(e) => {
                    failures.push(format!("{label}: argctx failed: {e}"));
                    continue;
                }
            };
            let theirs_btf = run["btf_prepared"].as_str().map(b64);
            if ours.btf != theirs_btf {
                failures.push(format!(
                    "{label}: BTF differs ({} vs libbpf {} bytes)",
                    ours.btf.as_ref().map_or(0, Vec::len),
                    theirs_btf.as_ref().map_or(0, Vec::len)
                ));
            }
            for p in run["programs"].as_array().expect("programs") {
                if p["autoload"] != true {
                    continue;
                }
                let name = p["name"].as_str().unwrap();
                let Some(q) = ours.programs.iter().find(|q| q.name == name) else {
                    failures.push(format!("{label}: argctx did not load {name}"));
                    continue;
                };
                let prepared = &p["prepared"];
                let fi: Vec<(u32, u32)> = q
                    .func_info
                    .iter()
                    .map(|f| (f.insn_off, f.type_id))
                    .collect();
                if fi != pairs(&prepared["func_info"]) {
                    failures.push(format!(
                        "{label}: {name} func_info {fi:?} vs libbpf {}",
                        prepared["func_info"]
                    ));
                }
                if q.insn_cnt as u64 != prepared["insn_cnt"].as_u64().unwrap() {
                    failures.push(format!(
                        "{label}: {name} insn_cnt {} vs {}",
                        q.insn_cnt, prepared["insn_cnt"]
                    ));
                }
                if q.line_info_cnt as u64 != prepared["line_info_cnt"].as_u64().unwrap() {
                    failures.push(format!(
                        "{label}: {name} line_info {} vs {}",
                        q.line_info_cnt, prepared["line_info_cnt"]
                    ));
                }
                // The kernel holds the same FUNC ids and line_info count. (Its insn_off values can
                // differ: the verifier patches instructions, e.g. when it inlines bpf_loop.)
                // Where libbpf poisoned instructions (failed CO-RE relocations in dead code), the
                // verifier removes that dead code and its line_info records: fewer, never more.
                if let Some(k) = p["kernel"].as_object() {
                    let poisoned = prepared["poisoned"].as_u64().unwrap_or(0) > 0;
                    let kernel_li = k["nr_line_info"].as_u64();
                    let agrees = if poisoned {
                        kernel_li.is_some_and(|n| n > 0 && n <= q.line_info_cnt as u64)
                    } else {
                        kernel_li == Some(q.line_info_cnt as u64)
                    };
                    if !agrees {
                        failures.push(format!(
                            "{label}: {name} kernel nr_line_info {} vs ours {}",
                            k["nr_line_info"], q.line_info_cnt
                        ));
                    }
                    if pairs(&k["func_info"])
                        .iter()
                        .map(|x| x.1)
                        .collect::<Vec<_>>()
                        != fi.iter().map(|x| x.1).collect::<Vec<_>>()
                    {
                        failures.push(format!(
                            "{label}: {name} kernel func_info types {} vs ours {fi:?}",
                            k["func_info"]
                        ));
                    }
                }
                let rewritten = q
                    .args
                    .iter()
                    .filter(|a| a.decision == Decision::Rewritten)
                    .count();
                if !native && rewritten > 0 {
                    // (a) The kernel rejects the unrewritten BTF.
                    // A `void *` argument of a global subprogram is the case old kernels cannot
                    // verify at all. (A hidden subprogram is marked static by libbpf and verified
                    // inline; `struct pt_regs *` in a kprobe already matches by name.)
                    let nf = &p["no_fallback"];
                    let needs_fallback = q.args.iter().any(|a| {
                        a.decision == Decision::Rewritten
                            && a.before.contains(&format!("void *{}", a.arg_name))
                            && !hidden.iter().any(|h| **h == *a.subprog)
                    });
                    let log = nf["verifier_log_tail"].as_str().unwrap_or("");
                    if needs_fallback {
                        if nf["loaded"] != false {
                            failures.push(format!("{label}: {name} was not rejected on 6.1 without the fallback: {nf}"));
                        } else if !log
                            .contains("reference type('UNKNOWN ') size cannot be determined")
                        {
                            failures.push(format!(
                                "{label}: {name} rejected without the UNKNOWN message: {log}"
                            ));
                        } else {
                            rejected_unrewritten += 1;
                        }
                    }
                    // (b) with the fallback libbpf loads it.
                    if p["loaded"] != true {
                        failures.push(format!(
                            "{label}: {name} did not load with libbpf's fallback: {}",
                            p["verifier_log_tail"]
                        ));
                    }
                }
            }
            let theirs_warn: Vec<String> = run["libbpf_log"]
                .as_array()
                .expect("libbpf_log")
                .iter()
                .filter_map(|l| l.as_str())
                .filter(|l| l.contains("is expected to be of"))
                .map(|l| l.trim_start_matches("libbpf: ").to_string())
                .collect();
            let ours_warn: Vec<String> = ours
                .programs
                .iter()
                .flat_map(|p| p.warnings.clone())
                .collect();
            if theirs_warn != ours_warn {
                failures.push(format!(
                    "{label}: warnings {ours_warn:?} vs libbpf {theirs_warn:?}"
                ));
            }
            compared += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    if !native {
        assert!(
            rejected_unrewritten > 0,
            "no program showed the kernel rejecting the unrewritten BTF"
        );
        println!("{rejected_unrewritten} program loads rejected without the fallback, as expected");
    }
    compared
}

#[test]
fn host_native() {
    let doc = host_oracle(&[]);
    let n = compare(&doc, true);
    println!(
        "{n} runs compared with libbpf 1.7 on {}",
        doc["kernel_release"]
    );
    assert!(n >= fixtures().len());
}

#[test]
fn vm_fallback() {
    let Some(doc) = vm_oracle() else { return };
    let n = compare(&doc, false);
    println!(
        "{n} runs compared with libbpf 1.7 on {}",
        doc["kernel_release"]
    );
    assert!(n >= fixtures().len());
}
