//! Shared helpers: fixtures, the oracle, base64, serialising the tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

/// The tests count file descriptors and load programs: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures"))
        .expect("tests/fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "o"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures");
    v
}

/// The corpus of modern-BPF objects (`tests/corpus/*.o`), sorted.
pub fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/corpus"))
        .expect("tests/corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "o"))
        .collect();
    v.sort();
    v
}

/// A fixture or corpus object by file name.
pub fn object_path(file: &str) -> PathBuf {
    let fixture = root().join("tests/fixtures").join(file);
    if fixture.is_file() {
        fixture
    } else {
        root().join("tests/corpus").join(file)
    }
}

/// The object name libbpf gives a file: its name up to the first '.'.
pub fn obj_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
        .unwrap_or("")
        .to_string()
}

/// Fails (never skips) when this process cannot use bpf(): CI runs as root.
pub fn require_bpf() {
    let probe = argctx::loader::Loader::new()
        .load(&std::fs::read(root().join("tests/fixtures/void_ctx.o")).expect("fixture"));
    if let Ok(obj) = &probe {
        if let Some(Err(e)) = obj.programs().first().map(|p| &p.result) {
            if e.errno() == Some(EPERM) {
                panic!(
                    "bpf() returned EPERM: the loader tests need root (CAP_BPF, CAP_PERFMON, \
                     CAP_NET_ADMIN, CAP_SYS_ADMIN). CI runs as root; run them as root."
                );
            }
        }
    }
    if let Err(argctx::loader::LoadError::Map { errno, .. }) = &probe {
        if *errno == EPERM {
            panic!("bpf() returned EPERM creating a map: the loader tests need root");
        }
    }
}

/// `EPERM`.
const EPERM: i32 = 1;

pub fn b64(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// FNV-1a, 64 bits, as `argctx load --format json` prints it.
pub fn fnv1a64(data: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The oracle binary: `ARGCTX_ORACLE_BIN`, else the workspace's debug build (built if missing).
fn oracle_bin() -> PathBuf {
    if let Ok(p) = std::env::var("ARGCTX_ORACLE_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"));
    let bin = target.join("debug/argctx-oracle");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let st = Command::new(cargo)
            .current_dir(root())
            .args(["build", "-p", "argctx-oracle"])
            .status()
            .expect("run cargo build -p argctx-oracle");
        assert!(st.success(), "building argctx-oracle failed");
    }
    bin
}

/// libbpf 1.7 on this kernel: every fixture, each program alone and all together.
pub fn oracle_host() -> Value {
    let out = Command::new(oracle_bin())
        .args(fixtures())
        .args(corpus())
        .output()
        .expect("run argctx-oracle");
    assert!(
        out.status.success(),
        "argctx-oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("oracle JSON")
}

/// (file, program) of every `alone` run, with the oracle's program record and run record.
pub fn alone_runs(doc: &Value) -> Vec<(String, String, Value, Value)> {
    let mut out = Vec::new();
    for obj in doc["objects"].as_array().expect("objects") {
        let file = obj["file"].as_str().expect("file").to_string();
        for run in obj["runs"].as_array().expect("runs") {
            if run["mode"] != "alone" {
                continue;
            }
            let name = run["selected"][0].as_str().expect("selected").to_string();
            let prog = run["programs"]
                .as_array()
                .expect("programs")
                .iter()
                .find(|p| p["name"] == name.as_str())
                .cloned()
                .expect("selected program in the run");
            out.push((file.clone(), name, prog, run.clone()));
        }
    }
    assert!(!out.is_empty(), "the oracle reported no runs");
    out
}

/// FUNC type ids of a `[[insn, type], ...]` list.
pub fn types(v: &Value) -> Vec<u64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|p| p[1].as_u64()).collect())
        .unwrap_or_default()
}
