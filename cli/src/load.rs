//! `argctx load`: load programs through bpf() with libbpf's `__arg_ctx` fallback applied when the
//! kernel needs it, and say per program what loaded, what failed and what the fallback did.
//!
//! Exit status: 0 when every requested program loaded, 1 when one failed or the object could not
//! be loaded, 2 for usage and file errors.
//!
//! `--format json` prints one line: `{ file, kernel_release, fallback: { policy, native_support,
//! applied, reason }, error, btf: { loaded, id, size, fnv1a64, errno, log_tail }, maps: [ { name,
//! kernel_name, map_type, key_size, value_size, max_entries, map_flags, btf_key_type_id,
//! btf_value_type_id } ], programs: [ { name, section, prog_type, expected_attach_type, loaded,
//! errno, error, fallback: { applied, summary, rewritten: [ { subprog, arg_index, arg_name } ] },
//! warnings, verifier_log_tail, verifier_log, kernel: { func_info, nr_line_info, btf_id,
//! xlated_insn_cnt, attach_btf_id } } ], warnings, downgrades }`. `downgrades` says what the load
//! did short of a full one (the kernel rejected the BTF: loaded without it), with the consequence;
//! `--require-btf` makes that an error. `fnv1a64` is the FNV-1a hash of the BTF
//! bytes the kernel holds, for comparing with other loaders without printing the blob.

use std::path::PathBuf;
use std::process::ExitCode;

use argctx::loader::{FallbackPolicy, LoadedObject, Loader, ProgramEntry};
use clap::ValueEnum;
use serde_json::{json, Value};

/// Lines of the verifier's log shown for a failed program.
const TAIL_LINES: usize = 20;

#[derive(Clone, Copy, ValueEnum)]
pub enum Policy {
    /// Probe the kernel like libbpf and rewrite only when it lacks native arg:ctx support.
    Auto,
    /// Always send the rewritten BTF.
    Always,
    /// Never rewrite (as loaders without the fallback do).
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LoadFormat {
    Text,
    Json,
}

/// Arguments of `argctx load`.
#[derive(clap::Args)]
pub struct LoadArgs {
    /// A BPF object file.
    pub file: PathBuf,
    /// Load only these programs (as if only they were autoloaded; this also selects `SEC("?…")`
    /// programs); repeatable. Default: every autoloaded program.
    #[arg(long = "program", value_name = "NAME")]
    pub programs: Vec<String>,
    /// When to apply libbpf's __arg_ctx fallback.
    #[arg(long, value_enum, default_value = "auto")]
    pub fallback: Policy,
    /// Ask the kernel for every program's verifier log (level 1) and print it whole.
    #[arg(long)]
    pub verifier_log: bool,
    /// Fail when the kernel rejects the object's BTF, instead of loading the programs without
    /// it (libbpf's behaviour, reported as a downgrade).
    #[arg(long)]
    pub require_btf: bool,
    /// Send the BTF without libbpf's sanitization for the kernel's missing BTF features (what
    /// loaders without sanitization send).
    #[arg(long)]
    pub no_sanitize: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: LoadFormat,
}

pub fn run(args: &LoadArgs) -> Result<ExitCode, String> {
    let data = std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let policy = match args.fallback {
        Policy::Auto => FallbackPolicy::Auto,
        Policy::Always => FallbackPolicy::Always,
        Policy::Never => FallbackPolicy::Never,
    };
    // libbpf names an object after its file name up to the first '.'.
    let obj_name = args
        .file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
        .unwrap_or("")
        .to_string();
    let result = Loader::new()
        .fallback(policy)
        .programs(args.programs.iter().cloned())
        .verifier_log(args.verifier_log)
        .require_btf(args.require_btf)
        .no_sanitize(args.no_sanitize)
        .object_name(obj_name)
        .load(&data);
    let file = args.file.display().to_string();
    let ok = match &result {
        Ok(obj) => obj.all_loaded(),
        Err(_) => false,
    };
    match args.format {
        LoadFormat::Json => {
            let doc = match &result {
                Ok(obj) => json_doc(&file, policy, obj, args.verifier_log),
                Err(e) => json!({
                    "file": file,
                    "kernel_release": kernel_release(),
                    "fallback": { "policy": policy.name() },
                    "error": e.to_string(),
                    "programs": [],
                    "maps": [],
                }),
            };
            println!("{doc}");
        }
        LoadFormat::Text => match &result {
            Ok(obj) => print!("{}", text(&file, obj, args.verifier_log)),
            Err(e) => eprintln!("argctx: {file}: {e}"),
        },
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// FNV-1a, 64 bits.
fn fnv1a64(data: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

fn text(file: &str, obj: &LoadedObject, full_log: bool) -> String {
    let mut out = String::new();
    let f = obj.fallback();
    out.push_str(&format!(
        "{file}\nfallback ({}): {} — {}\n",
        f.policy.name(),
        if f.applied { "applied" } else { "not applied" },
        f.reason
    ));
    match (obj.btf_info(), obj.btf_error()) {
        (Some(Ok((id, bytes))), _) => {
            out.push_str(&format!("btf: loaded (id {id}, {} bytes)\n", bytes.len()))
        }
        (Some(Err(e)), _) => out.push_str(&format!("btf: loaded (info unavailable: {e})\n")),
        (None, Some(e)) => out.push_str(&format!(
            "btf: not loaded ({}), programs loaded without it\n{}",
            std::io::Error::from_raw_os_error(e.errno),
            indent(&argctx::loader::tail(&e.log, TAIL_LINES))
        )),
        (None, None) => out.push_str("btf: none in the object\n"),
    }
    for m in obj.maps() {
        let d = m.def();
        out.push_str(&format!(
            "map {} (kernel name {}): type {}, key {} B, value {} B, max_entries {}\n",
            d.name, d.kernel_name, d.map_type, d.key_size, d.value_size, d.max_entries
        ));
    }
    for p in obj.programs() {
        out.push_str(&program_text(p, full_log));
    }
    for w in obj.warnings() {
        out.push_str(&format!("libbpf: {w}\n"));
    }
    for d in obj.downgrades() {
        out.push_str(&format!("argctx: warning: {d}\n"));
    }
    out
}

fn program_text(p: &ProgramEntry, full_log: bool) -> String {
    let mut out = format!("program {} ({}): ", p.name, p.section);
    match &p.result {
        Ok(l) => {
            out.push_str(&format!("loaded, {} insns\n", l.insn_cnt()));
            out.push_str(&format!("  fallback: {}\n", p.fallback.summary()));
            if let (true, Some(log)) = (full_log, l.verifier_log()) {
                out.push_str("  verifier log:\n");
                out.push_str(&indent(log));
            }
        }
        Err(e) => {
            out.push_str(&format!("FAILED: {}\n", e.reason()));
            out.push_str(&format!("  fallback: {}\n", p.fallback.summary()));
            if let Some(log) = e.verifier_log() {
                if full_log {
                    out.push_str("  verifier log:\n");
                    out.push_str(&indent(log));
                } else if !log.trim().is_empty() {
                    out.push_str(&format!("  verifier log (last {TAIL_LINES} lines):\n"));
                    out.push_str(&indent(&e.log_tail(TAIL_LINES)));
                }
            }
        }
    }
    out
}

fn json_doc(file: &str, policy: FallbackPolicy, obj: &LoadedObject, full_log: bool) -> Value {
    let f = obj.fallback();
    let btf = match (obj.btf_info(), obj.btf_error()) {
        (Some(Ok((id, bytes))), _) => json!({
            "loaded": true, "id": id, "size": bytes.len(), "fnv1a64": fnv1a64(&bytes),
            "errno": null, "log_tail": null,
        }),
        (Some(Err(e)), _) => json!({
            "loaded": true, "id": null, "size": null, "fnv1a64": null,
            "errno": e.raw_os_error(), "log_tail": null,
        }),
        (None, Some(e)) => json!({
            "loaded": false, "id": null, "size": null, "fnv1a64": null,
            "errno": e.errno, "log_tail": argctx::loader::tail(&e.log, TAIL_LINES),
        }),
        (None, None) => Value::Null,
    };
    let maps: Vec<Value> = obj
        .maps()
        .iter()
        .map(|m| {
            let d = m.def();
            json!({
                "name": d.name, "kernel_name": d.kernel_name, "map_type": d.map_type,
                "key_size": d.key_size, "value_size": d.value_size,
                "max_entries": d.max_entries, "map_flags": d.map_flags,
                "btf_key_type_id": d.btf_key_type_id, "btf_value_type_id": d.btf_value_type_id,
            })
        })
        .collect();
    let programs: Vec<Value> = obj
        .programs()
        .iter()
        .map(|p| {
            let rewritten: Vec<Value> = p
                .fallback
                .args
                .iter()
                .filter(|a| a.decision == argctx::fallback::Decision::Rewritten)
                .map(|a| json!({ "subprog": a.subprog, "arg_index": a.arg_index, "arg_name": a.arg_name }))
                .collect();
            let (loaded, errno, error, tail, log, kernel) = match &p.result {
                Ok(l) => {
                    let kernel = l.info().ok().map(|i| {
                        json!({
                            "func_info": i.func_info.iter().map(|(a, b)| json!([a, b])).collect::<Vec<_>>(),
                            "nr_line_info": i.nr_line_info, "btf_id": i.btf_id,
                            "xlated_insn_cnt": i.xlated_insn_cnt, "attach_btf_id": i.attach_btf_id,
                        })
                    });
                    let log = if full_log { l.verifier_log().map(str::to_string) } else { None };
                    (true, None, None, None, log, kernel)
                }
                Err(e) => (
                    false,
                    e.errno(),
                    Some(e.to_string()),
                    e.verifier_log().map(|_| e.log_tail(TAIL_LINES)),
                    if full_log { e.verifier_log().map(str::to_string) } else { None },
                    None,
                ),
            };
            json!({
                "name": p.name, "section": p.section,
                "prog_type": p.prog_type.0, "expected_attach_type": p.expected_attach_type.0,
                "loaded": loaded, "errno": errno, "error": error,
                "fallback": {
                    "applied": p.fallback.applied(), "summary": p.fallback.summary(),
                    "rewritten": rewritten,
                },
                "warnings": p.fallback.warnings,
                "verifier_log_tail": tail, "verifier_log": log, "kernel": kernel,
            })
        })
        .collect();
    json!({
        "file": file,
        "kernel_release": kernel_release(),
        "fallback": {
            "policy": policy.name(), "native_support": f.native_support,
            "applied": f.applied, "reason": f.reason,
        },
        "error": null,
        "btf": btf,
        "maps": maps,
        "programs": programs,
        "warnings": obj.warnings(),
        "downgrades": obj.downgrades(),
    })
}
