//! Shared by the oracle test binaries: where the fixtures are, running the libbpf oracle on the
//! host, and reading the VM kernels' oracle documents that `cargo xtask test` points at.

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

/// The corpus of modern-BPF objects (`tests/corpus/*.o`), sorted: compared on every kernel with
/// the fixtures.
pub fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("tests/corpus"))
        .expect("tests/corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "o"))
        .collect();
    v.sort();
    v
}

/// The bytes of an object named in an oracle document (a fixture or a corpus object).
pub fn object_data(file: &str) -> Vec<u8> {
    let fixture = root().join("tests/fixtures").join(file);
    let path = if fixture.is_file() {
        fixture
    } else {
        root().join("tests/corpus").join(file)
    };
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs the libbpf 1.7 oracle on every fixture and corpus object on this kernel, with `args`;
/// its JSON document.
pub fn host_oracle(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_argctx-oracle"))
        .args(fixtures())
        .args(corpus())
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

/// libbpf 1.7's document from the VM kernel `name` (`target/vm/oracle-<name>.json` as `cargo
/// xtask vm oracle --kernel <name>` writes it), checked to come from that kernel series.
pub fn vm_oracle(dir: &Path, name: &str) -> Value {
    let path = dir.join(format!("oracle-{name}.json"));
    let doc: Value = serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("JSON");
    let release = doc["kernel_release"].as_str().unwrap_or_default();
    let series_matches = match name {
        "sid" => !release.is_empty(),
        _ => release.starts_with(&format!("{name}.")),
    };
    assert!(
        series_matches,
        "{}: expected a {name} kernel, got {release:?}",
        path.display()
    );
    doc
}
