//! Loads a BPF object with libbpf's `__arg_ctx` fallback applied when the running kernel needs
//! it, and prints what happened to every program and map.
//!
//! ```sh
//! cargo run -p argctx --features loader --example load -- tests/fixtures/void_ctx.o [auto|always|never]
//! ```
//!
//! Needs root (or CAP_BPF with CAP_PERFMON/CAP_NET_ADMIN for the program types involved). The
//! programs and maps stay loaded while the `LoadedObject` lives and are released when it is
//! dropped; a real application would attach the programs before that (for example with the
//! program file descriptors and `perf_event_open`, netlink or `BPF_LINK_CREATE`).

#[cfg(target_os = "linux")]
fn main() -> std::process::ExitCode {
    use argctx::loader::{FallbackPolicy, Loader};
    use std::process::ExitCode;

    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: load FILE.o [auto|always|never]");
        return ExitCode::from(2);
    };
    let policy = match args.next().as_deref() {
        None | Some("auto") => FallbackPolicy::Auto,
        Some("always") => FallbackPolicy::Always,
        Some("never") => FallbackPolicy::Never,
        Some(other) => {
            eprintln!("unknown policy '{other}' (auto, always or never)");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    // libbpf names an object after its file, up to the first '.'.
    let name = std::path::Path::new(&path)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
        .unwrap_or("")
        .to_string();
    let obj = match Loader::new()
        .fallback(policy)
        .object_name(name)
        .load(&bytes)
    {
        Ok(obj) => obj,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let f = obj.fallback();
    println!(
        "fallback: {} ({})",
        if f.applied { "applied" } else { "not applied" },
        f.reason
    );
    for m in obj.maps() {
        println!("map {} (kernel name {})", m.name(), m.def().kernel_name);
    }
    for p in obj.programs() {
        match &p.result {
            Ok(loaded) => println!(
                "{}: loaded, {} insns; fallback {}",
                p.name,
                loaded.insn_cnt(),
                p.fallback.summary()
            ),
            Err(e) => println!("{}: {e}\n{}", p.name, e.log_tail(10)),
        }
    }
    if obj.all_loaded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the loader needs Linux");
}
