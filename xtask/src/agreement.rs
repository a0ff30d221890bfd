//! The per-kernel agreement table: how many pairs each suite (differential, verdict, loader)
//! compared with libbpf 1.7 or the kernel on each kernel, how many were equal, and every
//! difference with the issue that owns it.
//!
//! The suites write `target/agreement/<suite>-<kernel>.json` (see `tests/agreement/record.rs`);
//! [`print_table`] prints the table at the end of `cargo xtask test` and writes it to
//! `target/agreement.md`. `cargo xtask agreement --write` writes that page to
//! `docs/agreement.md`, the committed copy.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

use crate::kernels::Kernel;
use crate::vm;

const SUITES: [&str; 3] = ["differential", "verdict", "loader"];

fn records() -> Result<Vec<Value>, String> {
    let dir = vm::target_dir().join("agreement");
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            out.push(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?);
        }
    }
    Ok(out)
}

/// The owner of each listed difference, from `tests/agreement/<suite>-<kernel>.txt`.
fn owners(suite: &str, kernel: &str) -> BTreeMap<(String, String), String> {
    let path = vm::workspace_root()
        .join("tests/agreement")
        .join(format!("{suite}-{kernel}.txt"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') || l.starts_with("#?"))
        .filter_map(|l| {
            let parts: Vec<&str> = l.split(" | ").collect();
            match parts[..] {
                [pair, aspect, owner] => Some(((pair.into(), aspect.into()), owner.into())),
                _ => None,
            }
        })
        .collect()
}

/// The table as a Markdown page.
fn page(kernels: &[Kernel], date: &str) -> Result<String, String> {
    let records = records()?;
    let find = |suite: &str, kernel: &str| {
        records
            .iter()
            .find(|r| r["suite"] == suite && r["kernel"] == kernel)
    };
    let mut columns: Vec<(String, String)> = kernels
        .iter()
        .map(|k| {
            (
                k.series.name.to_string(),
                format!("{} ({})", k.series.name, k.version),
            )
        })
        .collect();
    let host_release = records
        .iter()
        .find(|r| r["kernel"] == "host")
        .and_then(|r| r["release"].as_str())
        .unwrap_or("?")
        .to_string();
    columns.push(("host".into(), format!("host ({host_release})")));

    let mut md = String::new();
    let _ = writeln!(md, "# Agreement with real kernels and libbpf 1.7\n");
    let _ = writeln!(
        md,
        "Made by `cargo xtask test` on {date}. Each cell: pairs compared / equal / different. A pair \
         is a libbpf run (differential: BTF, func_info, counts, warnings), a program load \
         (verdict: argctx check against the kernel's answer) or an `argctx load` against libbpf's \
         load of the same program on the same kernel (loader).\n"
    );
    let _ = writeln!(md, "Kernels: Debian packages {}.\n", {
        let v: Vec<String> = kernels
            .iter()
            .map(|k| format!("`{}` (`{}`)", k.package, k.release))
            .collect();
        v.join(", ")
    });
    let _ = write!(md, "| suite |");
    for (_, title) in &columns {
        let _ = write!(md, " {title} |");
    }
    let _ = write!(md, "\n|---|");
    for _ in &columns {
        let _ = write!(md, "---|");
    }
    md.push('\n');
    let mut by_owner: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for suite in SUITES {
        let _ = write!(md, "| {suite} |");
        for (kernel, _) in &columns {
            match find(suite, kernel) {
                Some(r) => {
                    let _ = write!(
                        md,
                        " {} / {} / {} |",
                        r["compared"], r["equal"], r["different"]
                    );
                    let owners = owners(suite, kernel);
                    for d in r["differences"].as_array().into_iter().flatten() {
                        let pair = d["pair"].as_str().unwrap_or_default().to_string();
                        let aspect = d["aspect"].as_str().unwrap_or_default().to_string();
                        let owner = owners
                            .get(&(pair.clone(), aspect.clone()))
                            .cloned()
                            .unwrap_or_else(|| "unlisted".into());
                        by_owner
                            .entry(owner)
                            .or_default()
                            .push(format!("{suite} on {kernel}: {pair} — {aspect}"));
                    }
                }
                None => {
                    let _ = write!(md, " not run |");
                }
            }
        }
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "\nEvery difference below is listed, with the issue that owns it, in \
         `tests/agreement/<suite>-<kernel>.txt`; a difference that is not listed, or a listed one \
         that no longer happens, fails the test command.\n"
    );
    for (owner, list) in &by_owner {
        let _ = writeln!(md, "## {owner}: {} differences\n", list.len());
        for l in list {
            let _ = writeln!(md, "- {l}");
        }
        md.push('\n');
    }
    Ok(md)
}

fn today() -> String {
    std::process::Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "today".into())
}

/// Prints the table (stderr) and writes it to `target/agreement.md`.
pub fn print_table(kernels: &[Kernel]) -> Result<PathBuf, String> {
    let md = page(kernels, &today())?;
    let path = vm::target_dir().join("agreement.md");
    std::fs::write(&path, &md).map_err(|e| format!("{}: {e}", path.display()))?;
    let table: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with('|') || l.starts_with("## "))
        .collect();
    eprintln!("xtask: agreement per kernel (compared / equal / different):");
    for l in table {
        eprintln!("  {l}");
    }
    eprintln!(
        "xtask: the whole table with every difference: {}",
        path.display()
    );
    Ok(path)
}

/// `cargo xtask agreement [--write]`: the table from the last test run's records; `--write`
/// also writes `docs/agreement.md`.
pub fn run(args: &[String]) -> Result<(), String> {
    let write = match args {
        [] => false,
        [a] if a == "--write" => true,
        _ => return Err("usage: cargo xtask agreement [--write]".into()),
    };
    let kernels = crate::kernels::ensure_all()?;
    let path = print_table(&kernels)?;
    if write {
        let dest = vm::workspace_root().join("docs/agreement.md");
        std::fs::copy(&path, &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        eprintln!("xtask: wrote {}", dest.display());
    }
    Ok(())
}
