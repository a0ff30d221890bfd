//! Shared by the oracle test binaries: where the fixtures are, running the libbpf oracle on the
//! host, and reading the 6.1 VM's oracle document that `cargo xtask test` points at.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every committed little-endian fixture object, sorted.
pub fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("tests/fixtures"))
        .expect("tests/fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "o"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures");
    v
}

/// Runs the libbpf 1.7 oracle on every fixture on this kernel, with `args`; its JSON document.
pub fn host_oracle(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_argctx-oracle"))
        .args(fixtures())
        .args(args)
        .output()
        .expect("run the oracle");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("oracle JSON")
}

/// The oracle document from Debian's 6.1 under qemu, named by `ARGCTX_VM_ORACLE`; `None` (with a
/// note) when the variable is unset, as in a plain `cargo test`.
pub fn vm_oracle() -> Option<Value> {
    let Ok(path) = std::env::var("ARGCTX_VM_ORACLE") else {
        println!("ARGCTX_VM_ORACLE is not set: the 6.1 comparison runs under `cargo xtask test`");
        return None;
    };
    let path = root().join(path);
    let doc: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("VM oracle JSON")).expect("JSON");
    let release = doc["kernel_release"].as_str().unwrap_or_default();
    assert!(
        release.starts_with("6.1."),
        "expected a 6.1 kernel, got {release:?}"
    );
    Some(doc)
}
