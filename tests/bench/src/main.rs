//! `argctx-bench`: argctx against the real libbpf 1.7 (vendored, statically linked), in one process,
//! on the same bytes. Run it through `cargo xtask bench [btf|open|fallback|all]`, or directly:
//!
//! ```text
//! cargo run --release -p argctx-bench -- <btf [PATH]|open [PATH]|fallback|all>
//!     [--iters N] [--budget SECS] [--max-n N] [--markdown] [--objects-only]
//! cargo run --release -p argctx-bench -- native [--list] [--json] [--breakdown] [--op NAME]
//!     [PATH...]
//! ```
//!
//! Every row times the two sides alternately (argctx, libbpf, argctx, …) after a warm-up, and
//! reports min and median wall time; the ratio is argctx median / libbpf median (< 1: argctx is
//! faster).
//!
//! * `btf`: parse + validate a BTF blob (default `/sys/kernel/btf/vmlinux`). argctx
//!   `Btf::parse` + `validate` against libbpf `btf__new` (which copies, parses and sanity-checks every
//!   type), both on the bytes already in memory; `btf__parse` of the file is reported for reference.
//! * `open`: the largest `tests/fixtures/*.o` (or the object given) and a generated object (2000
//!   tagged subprograms in 10 call chains, one xdp program per chain). libbpf's open does not link
//!   calls (that happens in `bpf_object__prepare`), so every pairing is labelled with what each side
//!   does.
//! * `fallback`: scaling of argctx `report::explain` (fallback kernel: link + fixup + BTF rewrite +
//!   explanations) on generated objects with N tagged subprograms reached by each of M xdp programs
//!   (called directly, or through groups of 100 when the source would exceed 100k call sites):
//!   time, peak heap (counting allocator) and peak RSS growth (fresh child process).
//! * `native`: the playground's operations (`programs`, `explain`, `btf_dump`) as the wasm exports
//!   run them, natively, for the wasm-to-native ratios of `cargo xtask bench wasm` (see
//!   `native.rs`; not part of `all`, and libbpf plays no part in it).

#![allow(unsafe_code)]

mod gen;
mod libbpf;
mod mem;
mod native;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use argctx::fallback::Options;

#[global_allocator]
static ALLOC: mem::Counting = mem::Counting;

const USAGE: &str =
    "usage: argctx-bench <btf [PATH]|open [PATH]|fallback|all> [--iters N] [--budget SECS] \
     [--max-n N] [--markdown] [--objects-only]\n       \
     argctx-bench native [--list] [--json] [--breakdown] [--op programs|explain|btf_dump] \
     [--iters N] [--budget SECS] [--markdown] [PATH...]";
const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

struct Config {
    /// Fixed measured iterations per side (otherwise derived from the budget).
    iters: Option<usize>,
    /// Seconds of measurement per row (both sides together), when `iters` is not fixed.
    budget: f64,
    /// Largest N of the scaling runs.
    max_n: usize,
    markdown: bool,
    /// Only build the generated objects (no timing).
    objects_only: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("__peak") {
        return peak_child(&args[1..]);
    }
    let mut what = None;
    let mut path = None;
    // `native` only: several paths, --list, --json, --breakdown, --op.
    let mut paths = Vec::new();
    let (mut list, mut as_json, mut breakdown, mut only_op) = (false, false, false, None::<String>);
    let mut cfg = Config {
        iters: None,
        budget: 3.0,
        max_n: 10_000,
        markdown: false,
        objects_only: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Result<f64, String> {
            it.next()
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        let r = match a.as_str() {
            "--iters" => num("--iters").map(|v| cfg.iters = Some((v as usize).max(1))),
            "--budget" => num("--budget").map(|v| cfg.budget = v),
            "--max-n" => num("--max-n").map(|v| cfg.max_n = v as usize),
            "--markdown" => {
                cfg.markdown = true;
                Ok(())
            }
            "--objects-only" => {
                cfg.objects_only = true;
                Ok(())
            }
            "--list" | "--json" | "--breakdown" | "--op" if what.as_deref() == Some("native") => {
                match a.as_str() {
                    "--list" => list = true,
                    "--json" => as_json = true,
                    "--breakdown" => breakdown = true,
                    _ => match it.next() {
                        Some(op) if native::OPS.contains(&op.as_str()) => {
                            only_op = Some(op.clone())
                        }
                        _ => {
                            eprintln!("--op needs one of {}\n{USAGE}", native::OPS.join(", "));
                            return ExitCode::from(2);
                        }
                    },
                }
                Ok(())
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "btf" | "open" | "fallback" | "all" | "native" if what.is_none() => {
                what = Some(a.clone());
                Ok(())
            }
            other
                if matches!(what.as_deref(), Some("btf" | "open"))
                    && path.is_none()
                    && !other.starts_with('-') =>
            {
                path = Some(PathBuf::from(other));
                Ok(())
            }
            other if what.as_deref() == Some("native") && !other.starts_with('-') => {
                paths.push(PathBuf::from(other));
                Ok(())
            }
            other => Err(format!("unexpected argument `{other}`")),
        };
        if let Err(e) = r {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let what = what.unwrap_or_else(|| "all".into());
    libbpf::silence();
    if what == "native" {
        return match native::run(&cfg, &paths, only_op.as_deref(), list, as_json, breakdown) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("argctx-bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    print_machine();
    let result = (|| -> Result<(), String> {
        if what == "btf" || what == "all" {
            let p = if what == "btf" { path.as_deref() } else { None };
            bench_btf(&cfg, p.unwrap_or(Path::new(VMLINUX)))?;
        }
        if what == "open" || what == "all" {
            let p = if what == "open" { path.clone() } else { None };
            bench_open(&cfg, p)?;
        }
        if what == "fallback" || what == "all" {
            bench_fallback(&cfg)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("argctx-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Stats {
    min: f64,
    median: f64,
    n: usize,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Stats {
        min: v[0],
        median,
        n,
    }
}

fn time(f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// Warms up, then times `a` and `b` alternately. `b` may be absent (argctx-only rows).
fn measure(
    cfg: &Config,
    a: &mut dyn FnMut(),
    mut b: Option<&mut dyn FnMut()>,
) -> (Stats, Option<Stats>) {
    // Warm-up: at least two runs of each side and 10% of the budget (one run when a side is slow).
    let start = Instant::now();
    let (mut wa, mut wb, mut runs) = (0.0, 0.0, 0usize);
    loop {
        wa += time(a);
        if let Some(b) = b.as_mut() {
            wb += time(*b);
        }
        runs += 1;
        let per = (wa + wb) / runs as f64;
        if (runs >= 2 && start.elapsed().as_secs_f64() >= cfg.budget * 0.1) || per > 1.0 {
            break;
        }
    }
    let per = (wa + wb) / runs as f64;
    let iters = cfg.iters.unwrap_or_else(|| {
        // Very slow rows (the largest scaling cases) get three iterations, the rest at least five.
        let floor = if per > 10.0 { 3 } else { 5 };
        ((cfg.budget / per.max(1e-9)) as usize).clamp(floor, 301)
    });
    let (mut ta, mut tb) = (Vec::with_capacity(iters), Vec::with_capacity(iters));
    for _ in 0..iters {
        ta.push(time(a));
        if let Some(b) = b.as_mut() {
            tb.push(time(*b));
        }
    }
    (stats(ta), (!tb.is_empty()).then(|| stats(tb)))
}

fn fmt_dur(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else if s >= 1e-6 {
        format!("{:.2} µs", s * 1e6)
    } else {
        format!("{:.0} ns", s * 1e9)
    }
}

fn fmt_bytes(b: usize) -> String {
    let b = b as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else if b >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{b} B")
    }
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

struct Table {
    title: String,
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(title: impl Into<String>, head: &[&'static str]) -> Table {
        Table {
            title: title.into(),
            head: head.to_vec(),
            rows: Vec::new(),
        }
    }

    fn print(&self, markdown: bool) {
        println!("\n## {}\n", self.title);
        println!("(1-minute load average when printed: {})\n", loadavg());
        if markdown {
            println!("| {} |", self.head.join(" | "));
            println!(
                "|{}",
                self.head
                    .iter()
                    .enumerate()
                    .map(|(i, h)| if i == 0 || h.ends_with("does") || *h == "calls" {
                        "---|"
                    } else {
                        "---:|"
                    })
                    .collect::<String>()
            );
            for r in &self.rows {
                println!("| {} |", r.join(" | "));
            }
            return;
        }
        let mut w: Vec<usize> = self.head.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |cells: Vec<String>| {
            let s: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pad = w[i] - c.chars().count();
                    if i == 0 {
                        format!("{c}{}", " ".repeat(pad))
                    } else {
                        format!("{}{c}", " ".repeat(pad))
                    }
                })
                .collect();
            println!("{}", s.join("  ").trim_end());
        };
        line(self.head.iter().map(|h| h.to_string()).collect());
        println!(
            "{}",
            "-".repeat(w.iter().sum::<usize>() + 2 * (w.len() - 1))
        );
        for r in &self.rows {
            line(r.clone());
        }
    }
}

const PAIR_HEAD: &[&str] = &[
    "case",
    "argctx does",
    "argctx min",
    "argctx median",
    "libbpf does",
    "libbpf min",
    "libbpf median",
    "ratio",
    "iters",
];

fn pair_row(case: &str, a_does: &str, a: Stats, b_does: &str, b: Option<Stats>) -> Vec<String> {
    let (bmin, bmed, ratio) = match b {
        Some(b) => (
            fmt_dur(b.min),
            fmt_dur(b.median),
            format!("{:.2}×", a.median / b.median),
        ),
        None => ("—".into(), "—".into(), "—".into()),
    };
    vec![
        case.into(),
        a_does.into(),
        fmt_dur(a.min),
        fmt_dur(a.median),
        b_does.into(),
        bmin,
        bmed,
        ratio,
        a.n.to_string(),
    ]
}

fn libbpf_row(case: &str, b_does: &str, b: Stats) -> Vec<String> {
    vec![
        case.into(),
        "—".into(),
        "—".into(),
        "—".into(),
        b_does.into(),
        fmt_dur(b.min),
        fmt_dur(b.median),
        "—".into(),
        b.n.to_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// Machine
// ---------------------------------------------------------------------------------------------

fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "machine: {nproc} CPUs, {cpu}; kernel {kernel}; libbpf {} (vendored, static); \
         load average {}",
        libbpf::version(),
        loadavg()
    );
    println!(
        "timing: wall clock, median of the measured iterations after warm-up; sides alternate; \
         ratio = argctx median / libbpf median"
    );
}

/// `/proc/loadavg`'s 1-minute figure: other work on the machine inflates every timing.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

fn bench_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_absolute() {
                t
            } else {
                workspace_root().join(t)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("bench")
}

// ---------------------------------------------------------------------------------------------
// btf
// ---------------------------------------------------------------------------------------------

fn bench_btf(cfg: &Config, path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let btf = argctx::btf::Btf::parse(&bytes).map_err(|e| format!("argctx: {e}"))?;
    let problems = argctx::btf::validate::validate(&btf);
    let types = btf.type_cnt();
    let lib_types = libbpf::btf_new(&bytes)?;
    if path == Path::new(VMLINUX) && !problems.is_empty() {
        return Err(format!(
            "argctx finds {} problems in {VMLINUX}, first: {}",
            problems.len(),
            problems[0]
        ));
    }
    if types != lib_types {
        return Err(format!(
            "type counts differ: argctx {types}, libbpf {lib_types}"
        ));
    }
    let mut t = Table::new(
        format!(
            "btf: {} ({}, {} types with void; argctx validate: {} problems)",
            path.display(),
            fmt_bytes(bytes.len()),
            types,
            problems.len()
        ),
        PAIR_HEAD,
    );
    let parse_validate = || {
        let b = argctx::btf::Btf::parse(black_box(&bytes)).expect("parses");
        black_box(argctx::btf::validate::validate(&b));
    };
    let lib_new = || {
        black_box(libbpf::btf_new(black_box(&bytes)).expect("btf__new"));
    };
    let (a, b) = measure(cfg, &mut { parse_validate }, Some(&mut { lib_new }));
    let ratio = a.median / b.map_or(f64::NAN, |b| b.median);
    t.rows.push(pair_row(
        "in memory (target ≤ 0.50×)",
        "Btf::parse + validate",
        a,
        "btf__new + btf__free",
        b,
    ));
    let (a, b) = measure(
        cfg,
        &mut || {
            black_box(argctx::btf::Btf::parse(black_box(&bytes)).expect("parses"));
        },
        Some(&mut { lib_new }),
    );
    t.rows.push(pair_row(
        "  breakdown: parse",
        "Btf::parse",
        a,
        "btf__new + btf__free",
        b,
    ));
    let (a, b) = measure(
        cfg,
        &mut || {
            black_box(argctx::btf::validate::validate(black_box(&btf)));
        },
        Some(&mut { lib_new }),
    );
    t.rows.push(pair_row(
        "  breakdown: validate",
        "validate (parsed Btf)",
        a,
        "btf__new + btf__free",
        b,
    ));
    let (a, b) = measure(
        cfg,
        &mut || {
            let data = std::fs::read(path).expect("reads");
            let b = argctx::btf::Btf::parse(&data).expect("parses");
            black_box(argctx::btf::validate::validate(&b));
        },
        Some(&mut || {
            black_box(libbpf::btf_parse(path).expect("btf__parse"));
        }),
    );
    t.rows.push(pair_row(
        "from the file (reference)",
        "fs::read + parse + validate",
        a,
        "btf__parse + btf__free",
        b,
    ));
    t.print(cfg.markdown);
    println!(
        "\nbtf target (argctx ≤ 0.50× libbpf btf__new): {} ({ratio:.2}×)",
        if ratio <= 0.5 { "met" } else { "MISSED" }
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// open
// ---------------------------------------------------------------------------------------------

fn largest_fixture() -> Result<PathBuf, String> {
    let dir = workspace_root().join("tests/fixtures");
    let mut best: Option<(u64, PathBuf)> = None;
    for e in std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))? {
        let e = e.map_err(|e| e.to_string())?;
        let p = e.path();
        if p.extension().is_some_and(|x| x == "o") {
            let len = e.metadata().map_err(|e| e.to_string())?.len();
            if best.as_ref().is_none_or(|(l, _)| len > *l) {
                best = Some((len, p));
            }
        }
    }
    best.map(|(_, p)| p)
        .ok_or_else(|| format!("no .o in {}", dir.display()))
}

fn bench_open(cfg: &Config, path: Option<PathBuf>) -> Result<(), String> {
    let mut objects: Vec<(String, Vec<u8>)> = Vec::new();
    let (fixture, label) = match path {
        Some(p) => (p.clone(), p.display().to_string()),
        None => {
            let p = largest_fixture()?;
            let label = format!(
                "tests/fixtures/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
            (p, label)
        }
    };
    let fixture_bytes =
        std::fs::read(&fixture).map_err(|e| format!("cannot read {}: {e}", fixture.display()))?;
    objects.push((label, fixture_bytes));
    let mut notes = Vec::new();
    if gen::clang_available() {
        let g = gen::object(
            &bench_dir(),
            gen::Shape::Chains {
                subs: 2000,
                progs: 10,
            },
        )?;
        if let Some(s) = g.compile_secs {
            notes.push(format!(
                "{CLANG} compiled {} in {s:.1} s",
                g.path.display(),
                CLANG = gen::CLANG
            ));
        }
        objects.push((
            "generated: 2000 tagged subprogs, 10 xdp × chain of 200".into(),
            g.bytes,
        ));
    } else {
        notes.push(format!(
            "{} not found: the generated 2000-subprogram row is skipped",
            gen::CLANG
        ));
    }

    let mut t = Table::new("open: object analysis", PAIR_HEAD);
    let mut targets = Vec::new();
    for (name, bytes) in &objects {
        let data = bytes.as_slice();
        // Cross-checks outside the timed region.
        let rep = argctx::report::programs(data).map_err(|e| format!("argctx on {name}: {e}"))?;
        let argctx_insns: usize = rep.programs.iter().map(|p| p.insn_cnt).sum();
        let link_errors = rep.programs.iter().filter(|p| p.error.is_some()).count();
        let opened = libbpf::open_mem(data, false, true)?;
        let prepared = libbpf::open_mem(data, true, true);
        let prepare_ok = prepared.is_ok();
        let mut desc = format!(
            "{name}: {} bytes; argctx: {} entry programs ({} autoloaded), {} subprograms, \
             {} linked insns{}; libbpf: {} programs",
            data.len(),
            rep.programs.len(),
            rep.programs.iter().filter(|p| p.autoload).count(),
            rep.subprograms.len(),
            argctx_insns,
            if link_errors > 0 {
                format!(", {link_errors} link errors")
            } else {
                String::new()
            },
            opened.programs,
        );
        match &prepared {
            Ok(p) => desc.push_str(&format!(
                ", {} insns after prepare (programs not autoloaded stay unlinked)",
                p.insns
            )),
            Err(e) => desc.push_str(&format!(", prepare unavailable ({e})")),
        }
        notes.push(desc);

        let mut a_open = || {
            black_box(argctx::program::Object::open(black_box(data)).expect("opens"));
        };
        let mut a_programs = || {
            black_box(argctx::report::programs(black_box(data)).expect("programs"));
        };
        let mut a_apply = || {
            black_box(
                argctx::fallback::apply(black_box(data), &Options::default()).expect("apply"),
            );
        };
        let mut b_open = || {
            black_box(libbpf::open_mem(black_box(data), false, false).expect("open"));
        };
        let mut b_prepare = || {
            black_box(libbpf::open_mem(black_box(data), true, false).expect("prepare"));
        };
        let short = name.split(':').next().unwrap_or(name);
        let (a, b) = measure(cfg, &mut a_open, Some(&mut b_open));
        t.rows.push(pair_row(
            &format!("{short}: open only"),
            "program::Object::open",
            a,
            "open_mem + close",
            b,
        ));
        let (a, b) = measure(cfg, &mut a_programs, Some(&mut b_open));
        t.rows.push(pair_row(
            &format!("{short}: full analysis vs open"),
            "report::programs (open + link all)",
            a,
            "open_mem + close (no linking)",
            b,
        ));
        targets.push((
            format!("{short} (vs open_mem, which does not link)"),
            a.median / b.map_or(f64::NAN, |b| b.median),
        ));
        if prepare_ok {
            let (a, b) = measure(cfg, &mut a_programs, Some(&mut b_prepare));
            targets.push((
                format!("{short} (vs open_mem + prepare, the closer equivalent)"),
                a.median / b.map_or(f64::NAN, |b| b.median),
            ));
            t.rows.push(pair_row(
                &format!("{short}: full analysis vs prepare"),
                "report::programs (open + link all)",
                a,
                "open_mem + prepare + close",
                b,
            ));
            let (a, b) = measure(cfg, &mut a_apply, Some(&mut b_prepare));
            t.rows.push(pair_row(
                &format!("{short}: load preparation"),
                "fallback::apply (link + fixup + BTF)",
                a,
                "open_mem + prepare + close",
                b,
            ));
            if let Some(raw) = prepared.as_ref().ok().and_then(|p| p.btf.clone()) {
                if libbpf::btf_load(&raw).is_ok() {
                    let (b, _) = measure(
                        cfg,
                        &mut || libbpf::btf_load(black_box(&raw)).expect("BTF_LOAD"),
                        None,
                    );
                    t.rows.push(libbpf_row(
                        &format!("{short}: (inside prepare)"),
                        "BPF_BTF_LOAD syscall + close",
                        b,
                    ));
                }
            }
        } else {
            let (a, _) = measure(cfg, &mut a_apply, None);
            t.rows.push(pair_row(
                &format!("{short}: load preparation"),
                "fallback::apply (link + fixup + BTF)",
                a,
                "(prepare unavailable)",
                None,
            ));
        }
    }
    t.print(cfg.markdown);
    println!();
    for n in &notes {
        println!("note: {n}");
    }
    println!(
        "note: libbpf's open parses the ELF, BTF and .BTF.ext and splits programs; it links calls, \
         appends subprograms and assembles func_info/line_info only in bpf_object__prepare, which \
         also probes the kernel (one trivial BPF_PROG_LOAD), loads the BTF (BPF_BTF_LOAD) and creates \
         maps. On a kernel with native arg:ctx support (6.8+) prepare skips the fallback; \
         fallback::apply always emulates a kernel without it."
    );
    for (name, r) in targets {
        println!(
            "open target (report::programs ≤ 0.50× libbpf) for {name}: {} ({r:.2}×)",
            if r <= 0.5 { "met" } else { "MISSED" }
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// fallback scaling
// ---------------------------------------------------------------------------------------------

fn explain_fallback(data: &[u8]) -> argctx::report::Explained {
    let opts = Options {
        native: false,
        ..Options::default()
    };
    argctx::report::explain(data, &opts).expect("explain")
}

/// `__peak PATH`: one `explain` in a fresh process; prints `heap_peak allocs rss_before hwm`.
fn peak_child(args: &[String]) -> ExitCode {
    let Some(path) = args.first() else {
        return ExitCode::from(2);
    };
    let Ok(bytes) = std::fs::read(path) else {
        return ExitCode::FAILURE;
    };
    mem::reset_hwm();
    let rss = mem::status_bytes("VmRSS").unwrap_or(0);
    let w = mem::window();
    let e = explain_fallback(&bytes);
    let (peak, allocs) = w.finish();
    let hwm = mem::status_bytes("VmHWM").unwrap_or(0);
    drop(black_box(e));
    println!("{peak} {allocs} {rss} {hwm}");
    ExitCode::SUCCESS
}

struct Peak {
    heap: usize,
    allocs: usize,
    rss_growth: usize,
}

fn peak_of(path: &Path) -> Result<Peak, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .arg("__peak")
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("peak run failed on {}", path.display()));
    }
    let s = String::from_utf8_lossy(&out.stdout);
    let v: Vec<usize> = s
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    match v[..] {
        [heap, allocs, rss, hwm] => Ok(Peak {
            heap,
            allocs,
            rss_growth: hwm.saturating_sub(rss),
        }),
        _ => Err(format!("unexpected peak output `{s}`")),
    }
}

fn bench_fallback(cfg: &Config) -> Result<(), String> {
    if !gen::clang_available() {
        println!(
            "\n## fallback scaling\n\n{} not found: the scaling runs need it to build their objects; skipped.",
            gen::CLANG
        );
        return Ok(());
    }
    let mut t = Table::new(
        "fallback: argctx report::explain (fallback kernel) on N tagged subprogs × M xdp programs, \
         each program reaching all N",
        &[
            "N",
            "M",
            "calls",
            "N·M",
            "object",
            "linked insns",
            "argctx min",
            "argctx median",
            "ns per N·M",
            "heap peak",
            "allocs",
            "RSS growth",
            "libbpf open+prepare",
            "iters",
        ],
    );
    let mut notes = Vec::new();
    let mut results: Vec<(usize, usize, f64, usize)> = Vec::new();
    // Direct calls up to MAX_DIRECT call sites in the source; beyond, the two-level shape (clang-19
    // needs minutes for 100k direct call sites next to 10000 functions and did not finish 1M). The
    // extra 10000 × 10 run in the two-level shape shows what the change of shape costs.
    const MAX_DIRECT: usize = 100_000;
    let mut cases = Vec::new();
    for &n in &[10usize, 100, 1000, 10_000] {
        if n > cfg.max_n {
            notes.push(format!("N = {n} skipped (--max-n {})", cfg.max_n));
            continue;
        }
        for &m in &[1usize, 10, 100] {
            let direct = n * m <= MAX_DIRECT;
            cases.push((n, m, direct, true));
            if n == 10_000 && m == 10 {
                cases.push((n, m, false, false));
            }
        }
    }
    for (n, m, direct, primary) in cases {
        {
            let shape = if direct {
                gen::Shape::FanOut { subs: n, progs: m }
            } else {
                gen::Shape::Tree { subs: n, progs: m }
            };
            let g = gen::object(&bench_dir(), shape)?;
            if let Some(s) = g.compile_secs {
                notes.push(format!(
                    "{} compiled {} in {s:.1} s",
                    gen::CLANG,
                    g.path.display()
                ));
            }
            if cfg.objects_only {
                println!(
                    "{} ({}{})",
                    g.path.display(),
                    fmt_bytes(g.bytes.len()),
                    g.compile_secs
                        .map_or_else(String::new, |s| format!(", compiled in {s:.1} s"))
                );
                continue;
            }
            let data = g.bytes.as_slice();
            let e = explain_fallback(data);
            let progs = &e.report.programs;
            if progs.len() != m || progs.iter().any(|p| p.report.error.is_some()) {
                return Err(format!(
                    "{n}×{m}: expected {m} linked programs, got {} ({:?})",
                    progs.len(),
                    progs.iter().find_map(|p| p.report.error.clone())
                ));
            }
            let rewritten: usize = progs
                .iter()
                .map(|p| p.report.args.iter().filter(|a| a.after.is_some()).count())
                .sum();
            if rewritten != n * m {
                notes.push(format!(
                    "{n}×{m}: {rewritten} tagged args rewritten (expected {})",
                    n * m
                ));
            }
            let insns: usize = progs.iter().map(|p| p.report.insn_cnt).sum();
            drop(e);
            let (a, _) = measure(
                cfg,
                &mut || drop(black_box(explain_fallback(black_box(data)))),
                None,
            );
            let lib = libbpf::open_mem(data, true, true);
            if let Ok(info) = &lib {
                if info.insns != insns {
                    notes.push(format!(
                        "{n}×{m}: linked instructions differ: argctx {insns}, libbpf {}",
                        info.insns
                    ));
                }
            }
            let libbpf_prep = if lib.is_ok() {
                let (b, _) = measure(
                    &Config {
                        budget: cfg.budget / 2.0,
                        ..*cfg
                    },
                    &mut || {
                        black_box(libbpf::open_mem(black_box(data), true, false).expect("prepare"));
                    },
                    None,
                );
                fmt_dur(b.median)
            } else {
                "failed".into()
            };
            let p = peak_of(&g.path)?;
            if primary {
                results.push((n, m, a.median, p.heap));
            }
            t.rows.push(vec![
                n.to_string(),
                m.to_string(),
                if direct {
                    "direct".to_string()
                } else {
                    format!("via {} groups", n.div_ceil(gen::GROUP))
                },
                (n * m).to_string(),
                fmt_bytes(data.len()),
                insns.to_string(),
                fmt_dur(a.min),
                fmt_dur(a.median),
                format!("{:.0}", a.median * 1e9 / (n * m) as f64),
                fmt_bytes(p.heap),
                p.allocs.to_string(),
                fmt_bytes(p.rss_growth),
                libbpf_prep,
                a.n.to_string(),
            ]);
        }
    }
    if cfg.objects_only {
        return Ok(());
    }
    t.print(cfg.markdown);
    println!();
    // Growth: each 10× step of N (same M) and of M (same N), against the 10× growth of N·M.
    let find = |n: usize, m: usize| results.iter().find(|r| r.0 == n && r.1 == m);
    let mut growth = Vec::new();
    for &(n, m, tm, heap) in &results {
        if let Some(&(_, _, t0, h0)) = find(n / 10, m) {
            growth.push(format!(
                "N {}→{n} (M={m}): time ×{:.1}, heap ×{:.1}",
                n / 10,
                tm / t0,
                heap as f64 / h0.max(1) as f64
            ));
        }
        if let Some(&(_, _, t0, h0)) = find(n, m / 10) {
            growth.push(format!(
                "M {}→{m} (N={n}): time ×{:.1}, heap ×{:.1}",
                m / 10,
                tm / t0,
                heap as f64 / h0.max(1) as f64
            ));
        }
    }
    println!("growth per 10× step (N·M grows ×10; linear scaling would show ×10):");
    for g in growth {
        println!("  {g}");
    }
    for n in &notes {
        println!("note: {n}");
    }
    println!(
        "note: heap peak = highest live Rust heap during one explain (counting allocator, bytes above \
         the input already in memory); RSS growth = VmHWM − VmRSS in a fresh process around one \
         explain. libbpf open+prepare is a reference only: on this kernel (native arg:ctx) it links \
         but skips the fallback, and it includes the BTF_LOAD and probe syscalls."
    );
    Ok(())
}
