//! `portable-aya FILE.o [NAME]...`: opens FILE.o with aya (which has no `__arg_ctx` fallback) and
//! loads each program (or only the named ones) on its own, printing one line per program:
//!
//! ```text
//! PROG <name> <type> OK
//! PROG <name> <type> FAIL <error>      (followed by the verifier log, each line indented "  | ")
//! PROG <name> <type> SKIP <why>
//! OBJ FAIL <error>                      (aya could not open the object at all)
//! ```
//!
//! Exit status 0 when every line was printed (whatever the verdicts), 2 on bad usage. Built as a
//! static binary for the 6.1 VM by `cargo xtask portable`.

use std::process::ExitCode;

use aya::programs::{Program, ProgramError};
use aya::Ebpf;

fn kind(p: &Program) -> &'static str {
    match p {
        Program::KProbe(_) => "kprobe",
        Program::UProbe(_) => "uprobe",
        Program::TracePoint(_) => "tracepoint",
        Program::SocketFilter(_) => "socket_filter",
        Program::Xdp(_) => "xdp",
        Program::SkMsg(_) => "sk_msg",
        Program::SkSkb(_) => "sk_skb",
        Program::CgroupSockAddr(_) => "cgroup_sock_addr",
        Program::SockOps(_) => "sock_ops",
        Program::SchedClassifier(_) => "sched_cls",
        Program::CgroupSkb(_) => "cgroup_skb",
        Program::CgroupSysctl(_) => "cgroup_sysctl",
        Program::CgroupSockopt(_) => "cgroup_sockopt",
        Program::LircMode2(_) => "lirc_mode2",
        Program::PerfEvent(_) => "perf_event",
        Program::RawTracePoint(_) => "raw_tracepoint",
        Program::Lsm(_) => "lsm",
        Program::BtfTracePoint(_) => "tp_btf",
        Program::FEntry(_) => "fentry",
        Program::FExit(_) => "fexit",
        Program::Extension(_) => "extension",
        Program::SkLookup(_) => "sk_lookup",
        Program::CgroupSock(_) => "cgroup_sock",
        Program::CgroupDevice(_) => "cgroup_device",
    }
}

/// Loads a program whose `load` needs no attach target; `None` for the ones that do.
fn load(p: &mut Program) -> Option<Result<(), ProgramError>> {
    Some(match p {
        Program::KProbe(p) => p.load(),
        Program::UProbe(p) => p.load(),
        Program::TracePoint(p) => p.load(),
        Program::SocketFilter(p) => p.load(),
        Program::Xdp(p) => p.load(),
        Program::SkMsg(p) => p.load(),
        Program::SkSkb(p) => p.load(),
        Program::CgroupSockAddr(p) => p.load(),
        Program::SockOps(p) => p.load(),
        Program::SchedClassifier(p) => p.load(),
        Program::CgroupSkb(p) => p.load(),
        Program::CgroupSysctl(p) => p.load(),
        Program::CgroupSockopt(p) => p.load(),
        Program::LircMode2(p) => p.load(),
        Program::PerfEvent(p) => p.load(),
        Program::RawTracePoint(p) => p.load(),
        Program::SkLookup(p) => p.load(),
        Program::CgroupSock(p) => p.load(),
        Program::CgroupDevice(p) => p.load(),
        _ => return None,
    })
}

/// The error and everything it wraps, on one line, and the verifier log (when there is one).
fn describe(e: &ProgramError) -> (String, String) {
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    let log = match e {
        ProgramError::LoadError { verifier_log, .. } => verifier_log.to_string(),
        _ => String::new(),
    };
    let first = text.lines().next().unwrap_or_default().to_string();
    (first, log)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: portable-aya FILE.o [PROGRAM]...");
        return ExitCode::from(2);
    };
    let only: Vec<String> = args.collect();
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            println!("OBJ FAIL cannot read {path}: {e}");
            return ExitCode::SUCCESS;
        }
    };
    let mut ebpf = match Ebpf::load(&data) {
        Ok(b) => b,
        Err(e) => {
            println!("OBJ FAIL {e}");
            return ExitCode::SUCCESS;
        }
    };
    let mut names: Vec<String> = ebpf.programs().map(|(n, _)| n.to_string()).collect();
    names.sort();
    for name in names {
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        let Some(p) = ebpf.program_mut(&name) else {
            continue;
        };
        let k = kind(p);
        match load(p) {
            None => println!("PROG {name} {k} SKIP needs an attach target"),
            Some(Ok(())) => println!("PROG {name} {k} OK"),
            Some(Err(e)) => {
                let (first, log) = describe(&e);
                println!("PROG {name} {k} FAIL {first}");
                for l in log.lines() {
                    println!("  | {l}");
                }
            }
        }
    }
    ExitCode::SUCCESS
}
