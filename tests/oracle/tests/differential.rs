//! Differential test: argctx's emulation of libbpf 1.7's load preparation against the real libbpf
//! (vendored, through the `argctx-oracle` binary) on every fixture, program by program and all
//! together: the BTF blob libbpf sends, every func_info record, instruction and line_info counts,
//! and libbpf's fallback warnings.
//!
//! * `host_native`: the host kernel (native arg:ctx support, so libbpf sends the BTF unrewritten).
//! * `vm_kernels`: Debian's 5.10, 6.1, 6.12 and sid kernels under qemu (before 6.8 the fallback
//!   runs). `cargo xtask test` makes the VM runs (`cargo xtask vm oracle --kernel K`) and names
//!   them in `ARGCTX_VM_KERNELS` / `ARGCTX_VM_DIR`. Where the fallback runs it also checks that
//!   the kernel rejects the unrewritten BTF.
//!
//! Every difference is recorded for the agreement table and must be listed, with the issue that
//! owns it, in `tests/agreement/differential-<kernel>.txt` (see `tests/agreement/record.rs`).

mod common;

#[path = "../../agreement/record.rs"]
mod record;

use argctx::btf::sanitize::BtfFeatures;
use argctx::fallback::{apply, Decision, Options};
use argctx::verdict::{Feature, KernelVersion};
use common::{fixtures, host_oracle, object_data, vm_oracle};
use record::Agreement;
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

/// Compares one oracle document (libbpf 1.7 on `kernel`) with argctx, noting every difference
/// in `rec`; returns the number of runs compared.
fn compare(doc: &Value, kernel: KernelVersion, rec: &mut Agreement) -> usize {
    let native = kernel.has_native_arg_ctx();
    // What libbpf's BTF probes found on this kernel, and whether the release table agrees.
    let answers: Vec<(String, bool)> = doc["btf_probes"]
        .as_array()
        .expect("btf_probes")
        .iter()
        .map(|p| (p[0].as_str().expect("name").to_string(), p[1] == true))
        .collect();
    let answers: Vec<(&str, bool)> = answers.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let probed = BtfFeatures::from_probes(&answers);
    rec.compared("BTF feature probes");
    if probed != kernel.btf_features() {
        rec.differ(
            "BTF feature probes",
            "release table",
            format!(
                "the kernel answers {probed:?}, the table says {:?}",
                kernel.btf_features()
            ),
        );
    }
    let mut compared = 0;
    let mut rejected_unrewritten = 0;
    let mut loaded_with_fallback = 0;
    for obj in doc["objects"].as_array().expect("objects") {
        let file = obj["file"].as_str().expect("file");
        let data = object_data(file);
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
                btf_features: probed,
                ..Options::default()
            };
            let label = format!(
                "{file} {} [{}]",
                run["mode"].as_str().unwrap_or("?"),
                selected.join(", ")
            );
            if !run["open_error"].is_null() || !run["prepare_error"].is_null() {
                // libbpf failed before sending anything: argctx must fail the same way.
                let ours = apply(&data, &opts);
                let failed = ours.as_ref().map_or(true, |o| o.error.is_some());
                rec.compared(&label);
                if !failed {
                    rec.differ(
                        &label,
                        "libbpf failed, argctx did not",
                        format!("libbpf: {}", run["prepare_error"]),
                    );
                }
                compared += 1;
                continue;
            }
            let ours = match apply(&data, &opts) {
                Ok(o) => o,
                Err(e) => {
                    rec.differ(&label, "argctx failed", e.to_string());
                    continue;
                }
            };
            rec.compared(&label);
            let theirs_btf = run["btf_prepared"].as_str().map(b64);
            if ours.btf != theirs_btf {
                rec.differ(
                    &label,
                    "prepared BTF",
                    format!(
                        "{} vs libbpf {} bytes",
                        ours.btf.as_ref().map_or(0, Vec::len),
                        theirs_btf.as_ref().map_or(0, Vec::len)
                    ),
                );
            }
            // What the kernel holds: libbpf's BTF after its sanitization for this kernel.
            if let Some(held) = run["btf_kernel"].as_str().map(b64) {
                if ours.sent_btf() != Some(held.as_slice()) {
                    rec.differ(
                        &label,
                        "BTF the kernel holds",
                        format!(
                            "argctx sends {} bytes, the kernel holds {} from libbpf",
                            ours.sent_btf().map_or(0, <[u8]>::len),
                            held.len()
                        ),
                    );
                }
            }
            for p in run["programs"].as_array().expect("programs") {
                if p["autoload"] != true {
                    continue;
                }
                let name = p["name"].as_str().unwrap();
                let Some(q) = ours.programs.iter().find(|q| q.name == name) else {
                    rec.differ(&label, &format!("{name} not loaded by argctx"), "");
                    continue;
                };
                let prepared = &p["prepared"];
                let fi: Vec<(u32, u32)> = q
                    .func_info
                    .iter()
                    .map(|f| (f.insn_off, f.type_id))
                    .collect();
                if fi != pairs(&prepared["func_info"]) {
                    rec.differ(
                        &label,
                        &format!("{name} func_info"),
                        format!("{fi:?} vs libbpf {}", prepared["func_info"]),
                    );
                }
                if q.insn_cnt as u64 != prepared["insn_cnt"].as_u64().unwrap() {
                    rec.differ(
                        &label,
                        &format!("{name} insn_cnt"),
                        format!("{} vs {}", q.insn_cnt, prepared["insn_cnt"]),
                    );
                }
                if q.line_info_cnt as u64 != prepared["line_info_cnt"].as_u64().unwrap() {
                    rec.differ(
                        &label,
                        &format!("{name} line_info"),
                        format!("{} vs {}", q.line_info_cnt, prepared["line_info_cnt"]),
                    );
                }
                // The kernel holds the same FUNC ids and line_info count. (Its insn_off values can
                // differ: the verifier patches instructions, e.g. when it inlines bpf_loop.)
                // Where libbpf poisoned instructions (failed CO-RE relocations in dead code), the
                // verifier removes that dead code and its line_info records: fewer, never more.
                // The same holds where the verifier proved code dead and removed it (fewer
                // instructions than were sent, e.g. a branch on a pointer it knows is non-NULL).
                if let Some(k) = p["kernel"].as_object() {
                    let removed_dead_code = k["xlated_insn_cnt"]
                        .as_u64()
                        .is_some_and(|x| x < prepared["insn_cnt"].as_u64().unwrap_or(0));
                    let poisoned =
                        prepared["poisoned"].as_u64().unwrap_or(0) > 0 || removed_dead_code;
                    let kernel_li = k["nr_line_info"].as_u64();
                    let agrees = if poisoned {
                        kernel_li.is_some_and(|n| n > 0 && n <= q.line_info_cnt as u64)
                    } else {
                        kernel_li == Some(q.line_info_cnt as u64)
                    };
                    if !agrees {
                        rec.differ(
                            &label,
                            &format!("{name} kernel nr_line_info"),
                            format!("{} vs ours {}", k["nr_line_info"], q.line_info_cnt),
                        );
                    }
                    if pairs(&k["func_info"])
                        .iter()
                        .map(|x| x.1)
                        .collect::<Vec<_>>()
                        != fi.iter().map(|x| x.1).collect::<Vec<_>>()
                    {
                        rec.differ(
                            &label,
                            &format!("{name} kernel func_info types"),
                            format!("{} vs ours {fi:?}", k["func_info"]),
                        );
                    }
                }
                let rewritten = q
                    .args
                    .iter()
                    .filter(|a| a.decision == Decision::Rewritten)
                    .count();
                // Where libbpf's fallback ran and the kernel loaded the program, the kernel
                // rejects the same program without the rewrite. (Whether a program loads at all
                // is the verdict suite's comparison: on 5.10 many lack helpers.)
                if !native && rewritten > 0 && p["loaded"] == true {
                    loaded_with_fallback += 1;
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
                    // Before pointer-to-memory arguments (5.12) the kernel refuses any such
                    // pointer with another message.
                    let unknown_message = kernel.supports(Feature::PtrToMemArgs);
                    if needs_fallback {
                        if nf["loaded"] != false {
                            rec.differ(
                                &label,
                                &format!("{name} not rejected without the fallback"),
                                nf.to_string(),
                            );
                        } else if unknown_message
                            && !log.contains("reference type('UNKNOWN ') size cannot be determined")
                        {
                            rec.differ(
                                &label,
                                &format!("{name} rejected without the UNKNOWN message"),
                                log,
                            );
                        } else {
                            rejected_unrewritten += 1;
                        }
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
                rec.differ(
                    &label,
                    "warnings",
                    format!("{ours_warn:?} vs libbpf {theirs_warn:?}"),
                );
            }
            compared += 1;
        }
    }
    if !native {
        assert!(
            loaded_with_fallback > 0 && rejected_unrewritten > 0,
            "no program showed the kernel loading libbpf's rewrite and rejecting the unrewritten \
             BTF ({loaded_with_fallback} loaded with the fallback)"
        );
        println!(
            "{loaded_with_fallback} program loads with libbpf's fallback; {rejected_unrewritten} of them rejected without it, as expected"
        );
    }
    compared
}

fn kernel_of(doc: &Value) -> KernelVersion {
    let release = doc["kernel_release"].as_str().expect("kernel_release");
    KernelVersion::parse(release).expect("kernel release")
}

#[test]
fn host_native() {
    let doc = host_oracle(&[]);
    let release = doc["kernel_release"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut rec = Agreement::new("differential", "host", &release);
    let n = compare(&doc, kernel_of(&doc), &mut rec);
    println!("{n} runs compared with libbpf 1.7 on {release}");
    assert!(n >= fixtures().len());
    rec.finish();
}

/// Every VM kernel `cargo xtask test` booted: libbpf 1.7's document from each.
#[test]
fn vm_kernels() {
    for (name, dir) in record::vm_kernels() {
        let doc = vm_oracle(&dir, &name);
        let release = doc["kernel_release"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut rec = Agreement::new("differential", &name, &release);
        let n = compare(&doc, kernel_of(&doc), &mut rec);
        println!("{n} runs compared with libbpf 1.7 on {release}");
        assert!(n >= fixtures().len());
        rec.finish();
    }
}
