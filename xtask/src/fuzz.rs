//! `cargo xtask fuzz`: the cargo-fuzz targets in `fuzz/` (a crate outside the workspace).
//!
//! ```text
//! cargo xtask fuzz [--seconds S] [TARGET...]   seed the corpora, then fuzz each target for S seconds
//! cargo xtask fuzz smoke                       what `cargo xtask test` runs: 20 s per target
//! cargo xtask fuzz corpus                      only (re)generate fuzz/corpus/ from the fixtures
//! cargo xtask fuzz regress TARGET ARTIFACT     commit a crash as tests/fuzz-regressions/TARGET-HASH
//! ```
//!
//! The corpora are generated, never committed: every fixture object (little- and big-endian), its
//! `.BTF` and `.BTF.ext` sections, the BTF argctx sends for it, and every committed regression
//! input of the target. `smoke` (run by `cargo xtask test`) builds every target and fuzzes each for
//! a short time; any crash, hang or over-limit allocation fails it with the reproduction command.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::vm::workspace_root;

/// The targets, in the order they run (`fuzz/Cargo.toml` has one `[[bin]]` each).
pub const TARGETS: &[&str] = &[
    "parse_elf",
    "parse_btf",
    "parse_btf_ext",
    "rewrite_roundtrip",
];

/// Seconds per target for [`smoke`] (override with `ARGCTX_FUZZ_SMOKE_SECONDS`).
const SMOKE_SECONDS: u64 = 20;

/// libFuzzer flags for every run: a unit slower than 10 s is a hang, and one allocation of 512 MiB or
/// 4 GiB of RSS is a failure. The RSS cap is loose on purpose: the sanitizer's allocator keeps freed
/// memory, so RSS reaches about 900 MiB in a 10-minute run without any leak. The real bound is the
/// one each target asserts per input (`fuzz/src/alloc.rs`).
const LIBFUZZER_FLAGS: &[&str] = &[
    "-timeout=10",
    "-rss_limit_mb=4096",
    "-malloc_limit_mb=512",
    "-print_final_stats=1",
];

pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("smoke") => smoke(),
        Some("corpus") => {
            let n = corpus()?;
            eprintln!("xtask fuzz: {n} seed inputs in fuzz/corpus/");
            Ok(())
        }
        Some("regress") => match args {
            [_, target, artifact] => regress(target, Path::new(artifact)),
            _ => Err("usage: cargo xtask fuzz regress TARGET ARTIFACT".into()),
        },
        _ => {
            let mut seconds = 60;
            let mut targets = Vec::new();
            let mut it = args.iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--seconds" => {
                        seconds = it
                            .next()
                            .and_then(|s| s.parse().ok())
                            .ok_or("--seconds needs a number")?;
                    }
                    t if TARGETS.contains(&t) => targets.push(t),
                    other => {
                        return Err(format!(
                            "unknown argument {other:?} (targets: {})",
                            TARGETS.join(", ")
                        ))
                    }
                }
            }
            if targets.is_empty() {
                targets = TARGETS.to_vec();
            }
            fuzz(&targets, seconds)
        }
    }
}

/// Builds every target and fuzzes each briefly; fails on any crash.
pub fn smoke() -> Result<(), String> {
    let seconds = std::env::var("ARGCTX_FUZZ_SMOKE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SMOKE_SECONDS);
    fuzz(TARGETS, seconds)
}

fn fuzz(targets: &[&str], seconds: u64) -> Result<(), String> {
    ensure_tools()?;
    let seeds = corpus()?;
    eprintln!("xtask fuzz: {seeds} seed inputs; building the targets");
    crate::test::run(cargo_fuzz().arg("build"))?;
    // Memory per input on the seeds, the regressions and inputs built to be expensive.
    crate::test::run(nightly_cargo().args([
        "test",
        "--release",
        "--manifest-path",
        "fuzz/Cargo.toml",
    ]))?;
    let mut total = 0u64;
    let mut failures = Vec::new();
    for t in targets {
        match run_target(t, seconds) {
            Ok(execs) => {
                eprintln!("xtask fuzz: {t}: {execs} executions in {seconds} s, no crash");
                total += execs;
            }
            Err(e) => {
                eprintln!("xtask fuzz: {t}: FAILED: {e}");
                failures.push(e);
            }
        }
    }
    eprintln!(
        "xtask fuzz: {total} executions over {} targets",
        targets.len()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// Runs one target; returns libFuzzer's count of executed inputs.
fn run_target(target: &str, seconds: u64) -> Result<u64, String> {
    let root = workspace_root();
    let artifacts = root.join("fuzz/artifacts").join(target);
    let before = list(&artifacts);
    let mut cmd = cargo_fuzz();
    cmd.args(["run", target, "--"])
        .arg(format!("-max_total_time={seconds}"))
        .args(LIBFUZZER_FLAGS)
        .stderr(Stdio::piped());
    eprintln!("xtask: running {cmd:?}");
    let mut child = cmd.spawn().map_err(|e| format!("{cmd:?}: {e}"))?;
    let mut execs = 0;
    let mut tail: Vec<String> = Vec::new();
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
                execs = n.trim().parse().unwrap_or(0);
            }
            // libFuzzer reports progress at every new coverage point: keep only the summary lines
            // and everything after a failure starts.
            let progress = line.starts_with('#') && !line.contains("DONE");
            if !progress || !tail.is_empty() {
                eprintln!("{line}");
            }
            if line.contains("==ERROR") || line.contains("panicked") || line.contains("Timeout") {
                tail.push(line);
            }
        }
    }
    let status = child.wait().map_err(|e| format!("{target}: {e}"))?;
    if status.success() {
        return Ok(execs);
    }
    let new: Vec<PathBuf> = list(&artifacts)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    let mut msg = format!("{target} failed ({status})");
    for a in &new {
        msg.push_str(&format!(
            "\n  artifact {}\n  reproduce: cargo +nightly fuzz run {target} {}\n  keep as a regression: cargo xtask fuzz regress {target} {}",
            a.display(),
            a.display(),
            a.display()
        ));
    }
    if let Some(first) = tail.first() {
        msg.push_str(&format!("\n  {first}"));
    }
    Err(msg)
}

fn list(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// `cargo +nightly` in the workspace root (the fuzz crate needs nightly's sanitizer flags).
fn nightly_cargo() -> Command {
    let mut c = Command::new("cargo");
    c.arg("+nightly").current_dir(workspace_root());
    // rustup's proxy picks the toolchain from `+nightly`; an inherited RUSTUP_TOOLCHAIN or CARGO
    // (set when xtask itself runs under cargo) would override it.
    c.env_remove("RUSTUP_TOOLCHAIN").env_remove("CARGO");
    c
}

fn cargo_fuzz() -> Command {
    let mut c = nightly_cargo();
    c.arg("fuzz");
    c
}

/// Installs the nightly toolchain and cargo-fuzz when missing.
fn ensure_tools() -> Result<(), String> {
    let has_nightly = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("nightly"));
    if !has_nightly {
        crate::test::run(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    let has_fuzz = cargo_fuzz()
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_fuzz {
        // Not --locked: the registry mirror may lack a locked dependency.
        crate::test::run(Command::new("cargo").args(["install", "cargo-fuzz"]))?;
    }
    Ok(())
}

/// Writes the seed corpora; returns the number of files written.
pub fn corpus() -> Result<usize, String> {
    let root = workspace_root();
    let dir = root.join("fuzz/corpus");
    let mut n = 0;
    let mut put = |target: &str, name: &str, data: &[u8]| -> Result<(), String> {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        let p = d.join(name);
        std::fs::write(&p, data).map_err(|e| format!("{}: {e}", p.display()))?;
        n += 1;
        Ok(())
    };
    for fixtures in ["tests/fixtures", "tests/fixtures-be"] {
        for path in list(&root.join(fixtures)) {
            if path.extension().is_none_or(|x| x != "o") {
                continue;
            }
            let data = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            let tag = if fixtures.ends_with("-be") { "be-" } else { "" };
            let name = format!("{tag}{stem}");
            put("parse_elf", &format!("{name}.o"), &data)?;
            put("rewrite_roundtrip", &format!("{name}.o"), &data)?;
            let elf = argctx::elf::ElfObject::parse(&data)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if let Some(s) = elf.section_by_name(".BTF") {
                put("parse_btf", &format!("{name}.btf"), s.data)?;
            }
            if let Some(s) = elf.section_by_name(".BTF.ext") {
                put("parse_btf_ext", &format!("{name}.btf.ext"), s.data)?;
            }
            // The blobs argctx writes: clones, added structs and tags appended.
            for native in [false, true] {
                let opts = argctx::fallback::Options {
                    native,
                    ..Default::default()
                };
                if let Ok(Some(btf)) = argctx::fallback::apply(&data, &opts).map(|o| o.btf) {
                    let kind = if native { "native" } else { "fallback" };
                    put("parse_btf", &format!("{name}.{kind}.btf"), &btf)?;
                }
            }
        }
    }
    // Every committed regression input seeds its own target.
    for path in list(&root.join("tests/fuzz-regressions")) {
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        let Some(target) = TARGETS
            .iter()
            .find(|t| file.strip_prefix(**t).is_some_and(|r| r.starts_with('-')))
        else {
            continue;
        };
        let data = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        put(target, &file, &data)?;
    }
    Ok(n)
}

/// Copies a fuzz artifact to `tests/fuzz-regressions/<target>-<short hash>` (the hash libFuzzer
/// put in the artifact's name, else an FNV-1a hash of the bytes).
fn regress(target: &str, artifact: &Path) -> Result<(), String> {
    if !TARGETS.contains(&target) {
        return Err(format!("unknown target {target:?}"));
    }
    let data = std::fs::read(artifact).map_err(|e| format!("{}: {e}", artifact.display()))?;
    let name = artifact.file_name().unwrap_or_default().to_string_lossy();
    let hash = name
        .rsplit('-')
        .next()
        .filter(|h| h.len() >= 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|h| h[..8].to_string())
        .unwrap_or_else(|| {
            let h = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            format!("{:08x}", h >> 32)
        });
    let dest = workspace_root()
        .join("tests/fuzz-regressions")
        .join(format!("{target}-{hash}"));
    std::fs::write(&dest, &data).map_err(|e| format!("{}: {e}", dest.display()))?;
    eprintln!(
        "xtask fuzz: wrote {}; add a case for it to core/tests/it/fuzz_regressions.rs",
        dest.display()
    );
    Ok(())
}
