//! `native`: the page's operations run natively, to compare with the wasm build in Chromium
//! (`tests/e2e/bench-wasm.mjs`, which runs this subcommand for every input and prints the ratios).
//!
//! ```text
//! argctx-bench native [--list] [--json] [--breakdown] [--op programs|explain|btf_dump]
//!     [--budget SECS] [--iters N] [--markdown] [PATH...]
//! ```
//!
//! Each operation is what the matching export of `web/src/lib.rs` calls, with its result turned into
//! a string where the export turns it into JS values (the closest native equivalent of
//! serde-wasm-bindgen building objects):
//!
//! * `programs`: `report::programs(bytes)` + `serde_json::to_string` of the report;
//! * `explain`: `report::explain(bytes, &Options::default())` (what `explain(bytes)` gets with no
//!   options: x86_64, a kernel without native `arg:ctx`) + `serde_json::to_string` of `.report`;
//! * `btf_dump`: `btf_of(bytes)` + `btf::dump::dump`.
//!
//! Timing: a warm-up of at least two calls and a tenth of the budget, then batches of `k` calls
//! each lasting at least [`BATCH_MIN`] (`k` = 1 for slower calls); the figure of a batch is its
//! mean per call, and a row reports the median and minimum of its batches. The wasm side uses the
//! same scheme (the browser's `performance.now()` is coarsened to 0.1 ms, hence the batches).
//! Allocations go through the bench's counting allocator (a few relaxed atomic stores each), a
//! small cost on the native side only.
//!
//! Without PATH: the default inputs, generated when missing (the largest fixture, the generated
//! fan-out objects 1000 × 10, 10000 × 1 and 10000 × 10 of the `fallback` bench, and
//! `/sys/kernel/btf/vmlinux`, a raw BTF blob on which only `btf_dump` applies). `--list` prints
//! the inputs as JSON without timing them; `--json` prints the timings as JSON instead of a table;
//! `--breakdown` also times each operation without its serialisation (`core_median`).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use argctx::fallback::Options;
use serde_json::{json, Value};

use crate::{bench_dir, fmt_bytes, fmt_dur, gen, largest_fixture, workspace_root, Config, Table};

/// The page's operations, by the name of the export.
pub const OPS: [&str; 3] = ["programs", "explain", "btf_dump"];

/// Shortest batch: well above the browser's 0.1 ms timer resolution.
pub const BATCH_MIN: f64 = 0.02;

/// Generated inputs (N tagged subprograms × M programs, the `fallback` bench's fan-out objects).
const GENERATED: [(usize, usize); 3] = [(1000, 10), (10_000, 1), (10_000, 10)];

/// One input: a label and its path.
pub struct Input {
    pub name: String,
    pub path: PathBuf,
}

/// Whether `data` is an ELF object (otherwise a raw BTF blob: only `btf_dump` applies).
fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// The operations that apply to `data`.
pub fn ops_for(data: &[u8]) -> &'static [&'static str] {
    if is_elf(data) {
        &OPS
    } else {
        &OPS[2..]
    }
}

/// Runs operation `op` once on `data`; returns the length of the output string.
pub fn run_op(op: &str, data: &[u8]) -> Result<usize, String> {
    match op {
        "programs" => {
            let r = argctx::report::programs(data).map_err(|e| e.to_string())?;
            let s = serde_json::to_string(&r).map_err(|e| e.to_string())?;
            Ok(black_box(s).len())
        }
        "explain" => {
            let e =
                argctx::report::explain(data, &Options::default()).map_err(|e| e.to_string())?;
            let s = serde_json::to_string(&e.report).map_err(|e| e.to_string())?;
            Ok(black_box(s).len())
        }
        "btf_dump" => {
            let btf = argctx::btf_of(data).map_err(|e| e.to_string())?;
            Ok(black_box(argctx::btf::dump::dump(&btf)).len())
        }
        _ => Err(format!("unknown operation `{op}`")),
    }
}

/// Operation `op` without turning its result into text (`btf_dump`'s result is text already).
fn run_core(op: &str, data: &[u8]) {
    match op {
        "programs" => drop(black_box(argctx::report::programs(data))),
        "explain" => drop(black_box(argctx::report::explain(
            data,
            &Options::default(),
        ))),
        _ => drop(black_box(run_op(op, data))),
    }
}

/// The default inputs, generating the objects that are missing (skipped without clang-19).
pub fn default_inputs(notes: &mut Vec<String>) -> Result<Vec<Input>, String> {
    let mut inputs = Vec::new();
    let fixture = largest_fixture()?;
    inputs.push(Input {
        name: format!(
            "largest fixture ({})",
            fixture.file_name().unwrap_or_default().to_string_lossy()
        ),
        path: fixture,
    });
    if gen::clang_available() {
        for (n, m) in GENERATED {
            let g = gen::object(&bench_dir(), gen::Shape::FanOut { subs: n, progs: m })?;
            if let Some(s) = g.compile_secs {
                notes.push(format!(
                    "{} compiled {} in {s:.1} s",
                    gen::CLANG,
                    g.path.display()
                ));
            }
            inputs.push(Input {
                name: format!("generated {n} × {m}"),
                path: g.path,
            });
        }
    } else {
        notes.push(format!(
            "{} not found: the generated inputs are skipped",
            gen::CLANG
        ));
    }
    if Path::new(crate::VMLINUX).is_file() {
        inputs.push(Input {
            name: "vmlinux (raw BTF)".into(),
            path: PathBuf::from(crate::VMLINUX),
        });
    }
    Ok(inputs)
}

/// Median and minimum per call, over batches.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub median: f64,
    pub min: f64,
    /// Batches measured.
    pub batches: usize,
    /// Calls per batch.
    pub per_batch: usize,
}

/// Times `f` as described in the module documentation.
pub fn measure_batched(cfg: &Config, f: &mut dyn FnMut()) -> Timing {
    let start = Instant::now();
    let (mut spent, mut runs) = (0.0, 0usize);
    loop {
        spent += crate::time(f);
        runs += 1;
        let per = spent / runs as f64;
        if (runs >= 2 && start.elapsed().as_secs_f64() >= cfg.budget * 0.1) || per > 1.0 {
            break;
        }
    }
    let per = spent / runs as f64;
    let per_batch = ((BATCH_MIN / per.max(1e-9)).ceil() as usize).max(1);
    let batch = per * per_batch as f64;
    let batches = cfg.iters.unwrap_or_else(|| {
        let floor = if per > 10.0 { 3 } else { 5 };
        ((cfg.budget / batch.max(1e-9)) as usize).clamp(floor, 101)
    });
    let mut v = Vec::with_capacity(batches);
    for _ in 0..batches {
        let t = Instant::now();
        for _ in 0..per_batch {
            f();
        }
        v.push(t.elapsed().as_secs_f64() / per_batch as f64);
    }
    let s = crate::stats(v);
    Timing {
        median: s.median,
        min: s.min,
        batches,
        per_batch,
    }
}

/// `argctx-bench native …`: every operation (or only `only_op`) on every input.
pub fn run(
    cfg: &Config,
    paths: &[PathBuf],
    only_op: Option<&str>,
    list: bool,
    as_json: bool,
    breakdown: bool,
) -> Result<(), String> {
    let mut notes = Vec::new();
    let inputs = if paths.is_empty() {
        default_inputs(&mut notes)?
    } else {
        paths
            .iter()
            .map(|p| {
                let p = p.canonicalize().unwrap_or_else(|_| p.clone());
                Input {
                    name: p
                        .strip_prefix(workspace_root())
                        .unwrap_or(&p)
                        .display()
                        .to_string(),
                    path: p,
                }
            })
            .collect()
    };
    for n in &notes {
        eprintln!("note: {n}");
    }
    let mut out = Vec::new();
    let mut table = Table::new(
        "native: the page's operations (the exports' core calls + JSON text)",
        &[
            "input",
            "size",
            "operation",
            "median",
            "min",
            "batches",
            "per batch",
            "output",
        ],
    );
    for input in &inputs {
        let data = std::fs::read(&input.path)
            .map_err(|e| format!("cannot read {}: {e}", input.path.display()))?;
        let ops = ops_for(&data);
        let mut rows = Vec::new();
        if !list {
            let chosen: Vec<&str> = match only_op {
                Some(op) => vec![op],
                None => ops.to_vec(),
            };
            for op in chosen {
                // One checked call outside the timing: its error, or the output's length.
                let row = match run_op(op, &data) {
                    Err(e) => json!({ "op": op, "error": e }),
                    Ok(len) => {
                        let t = measure_batched(cfg, &mut || {
                            black_box(run_op(op, black_box(&data)).expect("ran once"));
                        });
                        table.rows.push(vec![
                            input.name.clone(),
                            fmt_bytes(data.len()),
                            op.into(),
                            fmt_dur(t.median),
                            fmt_dur(t.min),
                            t.batches.to_string(),
                            t.per_batch.to_string(),
                            fmt_bytes(len),
                        ]);
                        let mut v = json!({
                            "op": op,
                            "median": t.median,
                            "min": t.min,
                            "batches": t.batches,
                            "per_batch": t.per_batch,
                            "output_len": len,
                        });
                        if breakdown {
                            let c = measure_batched(cfg, &mut || run_core(op, black_box(&data)));
                            v["core_median"] = json!(c.median);
                        }
                        v
                    }
                };
                rows.push(row);
            }
        }
        let mut v = json!({
            "name": input.name,
            "path": input.path.display().to_string(),
            "bytes": data.len(),
            "ops": ops,
        });
        if !list {
            v["results"] = Value::Array(rows);
        }
        out.push(v);
    }
    if list || as_json {
        let doc = json!({ "load_average": crate::loadavg(), "inputs": out });
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
    } else {
        table.print(cfg.markdown);
        println!(
            "\nnote: per-call times are batch means (batches of at least {} ms); the wasm side \
             of the same operations is timed by tests/e2e/bench-wasm.mjs (`cargo xtask bench wasm`)",
            BATCH_MIN * 1e3
        );
    }
    Ok(())
}
