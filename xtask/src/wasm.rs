//! Builds the playground's `pkg/`: `argctx-web` for wasm32 plus its wasm-bindgen JS glue, and
//! `pkg/examples.json`, the list of built-in examples (the committed fixtures, served in place).
//!
//! The `wasm-bindgen` CLI must have exactly the version of the `wasm-bindgen` crate in Cargo.lock;
//! a missing or different one is installed with `cargo install` (a few minutes, once per machine).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm";
const CRATE: &str = "argctx-web";
const FIXTURES: &str = "tests/fixtures";
const FIXTURE_TABLE: &str = "tests/bpf/README.md";

/// The repository root (the parent of this crate's manifest directory).
pub fn repo_root() -> Result<PathBuf, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .ok_or("the xtask manifest directory has no parent")?;
    fs::canonicalize(root).map_err(|e| format!("cannot resolve {}: {e}", root.display()))
}

/// Cargo's target directory (`CARGO_TARGET_DIR` or `<root>/target`).
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => root.join(d),
        _ => root.join("target"),
    }
}

/// The cargo that runs xtask (so toolchain overrides carry over).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `cmd`, failing with its description when it cannot start or exits non-zero.
pub fn sh(cmd: &mut Command) -> Result<(), String> {
    let what = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// `cargo xtask wasm [--test]`: builds `pkg/` (and prints its path), or runs the wasm tests.
pub fn run(args: &[String]) -> Result<(), String> {
    match args {
        [] => {
            let pkg = build_pkg()?;
            println!("{}", pkg.display());
            Ok(())
        }
        [t] if t == "--test" => test_web(),
        _ => Err("usage: cargo xtask wasm [--test]".into()),
    }
}

/// Builds `<root>/pkg` (wasm, JS glue, TypeScript types, examples.json) and returns its path.
pub fn build_pkg() -> Result<PathBuf, String> {
    let root = repo_root()?;
    ensure_target()?;
    let version = locked_version(&root, "wasm-bindgen")?;
    let bindgen = ensure_bindgen(&version)?;
    sh(cargo().current_dir(&root).args([
        "build",
        "-p",
        CRATE,
        "--target",
        TARGET,
        "--profile",
        PROFILE,
    ]))?;
    let wasm = target_dir(&root)
        .join(TARGET)
        .join(PROFILE)
        .join(format!("{}.wasm", CRATE.replace('-', "_")));
    let pkg = root.join("pkg");
    sh(Command::new(&bindgen)
        .current_dir(&root)
        // No name section: function names only serve stack traces of traps and cost about 30 KB
        // gzipped. (Stripping in the cargo profile instead would also drop the section that tells
        // wasm-bindgen which wasm features the module uses.)
        .args([
            "--target",
            "web",
            "--typescript",
            "--remove-name-section",
            "--out-dir",
        ])
        .arg(&pkg)
        .arg(&wasm))?;
    write_examples(&root, &pkg)?;
    Ok(pkg)
}

/// The `#[wasm_bindgen_test]` tests of `argctx-web`, run in node by `wasm-bindgen-test-runner`
/// (installed with the matching `wasm-bindgen` CLI).
pub fn test_web() -> Result<(), String> {
    let root = repo_root()?;
    ensure_target()?;
    let version = locked_version(&root, "wasm-bindgen")?;
    let bindgen = ensure_bindgen(&version)?;
    let runner = bindgen.with_file_name("wasm-bindgen-test-runner");
    // No `-q`: the runner misreads cargo's quiet mode.
    sh(cargo()
        .current_dir(&root)
        .args(["test", "-p", CRATE, "--target", TARGET])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner))
}

/// `rustup target add wasm32-unknown-unknown` unless the standard library is already there.
fn ensure_target() -> Result<(), String> {
    let out = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", TARGET])
        .output();
    if let Ok(o) = out {
        let dir = String::from_utf8_lossy(&o.stdout).trim().to_string();
        if o.status.success() && Path::new(&dir).is_dir() {
            return Ok(());
        }
    }
    sh(Command::new("rustup").args(["target", "add", TARGET]))
}

/// The version of `package` in Cargo.lock (the workspace must resolve exactly one).
pub fn locked_version(root: &Path, package: &str) -> Result<String, String> {
    let lock = fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let wanted = format!("name = \"{package}\"");
    let mut versions = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                versions.push(v.to_string());
            }
        }
    }
    match versions.as_slice() {
        [v] => Ok(v.clone()),
        [] => Err(format!("Cargo.lock has no package {package}")),
        _ => Err(format!(
            "Cargo.lock has several versions of {package}: {}",
            versions.join(", ")
        )),
    }
}

/// A `wasm-bindgen` CLI of exactly `version`: found in `$CARGO_HOME/bin` or on PATH, else installed.
fn ensure_bindgen(version: &str) -> Result<PathBuf, String> {
    let candidates = [cargo_bin("wasm-bindgen"), PathBuf::from("wasm-bindgen")];
    for c in &candidates {
        if bindgen_version(c).as_deref() == Some(version) {
            return Ok(c.clone());
        }
    }
    eprintln!(
        "xtask: installing wasm-bindgen-cli {version} (matches Cargo.lock; takes a few minutes)"
    );
    // Without --locked: the registry mirror may lack a dependency version the CLI's lock pins.
    sh(cargo().args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &format!("={version}"),
        "--force",
    ]))?;
    for c in &candidates {
        if bindgen_version(c).as_deref() == Some(version) {
            return Ok(c.clone());
        }
    }
    Err(format!(
        "wasm-bindgen {version} is still not found after cargo install (is {} on PATH?)",
        cargo_bin("").display()
    ))
}

/// `$CARGO_HOME/bin/<name>` (default `~/.cargo/bin`), where `cargo install` puts binaries.
pub fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin").join(name)
}

/// The version `wasm-bindgen --version` reports (`wasm-bindgen 0.2.130`), if it runs.
fn bindgen_version(bin: &Path) -> Option<String> {
    let out = Command::new(bin).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .map(str::to_string)
}

/// `pkg/examples.json`: `[{"name", "path", "description"}]` for every `tests/fixtures/*.o`, with
/// the "what it covers" column of the fixture table as description.
fn write_examples(root: &Path, pkg: &Path) -> Result<(), String> {
    let dir = root.join(FIXTURES);
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".o"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    let table = fs::read_to_string(root.join(FIXTURE_TABLE)).unwrap_or_default();
    let mut json = String::from("[\n");
    for (i, name) in names.iter().enumerate() {
        let description = describe(&table, name).unwrap_or_default();
        let _ = writeln!(
            json,
            "  {{\"name\": {}, \"path\": {}, \"description\": {}}}{}",
            json_str(name),
            json_str(&format!("{FIXTURES}/{name}.o")),
            json_str(&description),
            if i + 1 == names.len() { "" } else { "," }
        );
    }
    json.push_str("]\n");
    let out = pkg.join("examples.json");
    fs::write(&out, json).map_err(|e| format!("{}: {e}", out.display()))
}

/// The last column of the fixture table's row for `name`, without Markdown backticks.
fn describe(table: &str, name: &str) -> Option<String> {
    let key = format!("| `{name}` |");
    let row = table.lines().find(|l| l.starts_with(&key))?;
    let cell = row.trim_end().trim_end_matches('|').rsplit(" | ").next()?;
    Some(cell.replace('`', "").trim().to_string())
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_takes_the_last_cell() {
        let table = "| fixture | a | b | what |\n|---|---|---|---|\n| `void_ctx` | `x` (`xdp`) | y | the `void *ctx` case |\n";
        assert_eq!(
            describe(table, "void_ctx").as_deref(),
            Some("the void *ctx case")
        );
        assert_eq!(describe(table, "nope"), None);
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_str("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
    }
}
