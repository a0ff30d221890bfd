//! `cargo xtask fixtures [--check]`: build tests/bpf/*.bpf.c into tests/fixtures/*.o with clang-19,
//! a few of them big-endian into tests/fixtures-be/, and the loader tests' own objects
//! (tests/loader/bpf/*.bpf.c, next to their sources).
//!
//! Every source is compiled from the repository root with relative paths and the root mapped to `.`,
//! so the objects are byte-identical whichever directory the repository is cloned into.
//!
//! * `cargo xtask fixtures` rebuilds every `tests/fixtures/<name>.o` from `tests/bpf/<name>.bpf.c`.
//! * `cargo xtask fixtures --check` builds into a temporary directory and fails, listing the files, if
//!   a committed object differs from the fresh build, is missing, or has no source. Without clang-19 it
//!   prints a note and succeeds, so machines without the BPF toolchain can still run the other checks.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

const CLANG: &str = "clang-19";
const SRC_DIR: &str = "tests/bpf";
const OUT_DIR: &str = "tests/fixtures";
const SRC_SUFFIX: &str = ".bpf.c";
/// Big-endian builds (`-target bpfeb`) of a few fixtures, for the byte-order paths of the core.
const BE_OUT_DIR: &str = "tests/fixtures-be";
const BE_FIXTURES: &[&str] = &["multi_prog", "perf_event", "void_ctx"];
/// The loader tests' objects (maps and program kinds the fixtures lack), built next to their sources.
const LOADER_DIR: &str = "tests/loader/bpf";
/// The corpus of modern-BPF objects the kernel suites compare (sources and objects side by side).
pub const CORPUS_DIR: &str = "tests/corpus";
const USAGE: &str = "usage: cargo xtask fixtures [--check]";

/// Entry point of `cargo xtask fixtures`.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut check = false;
    for arg in args {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                println!(
                    "  (no flag)  rebuild {OUT_DIR}/<name>.o from {SRC_DIR}/<name>{SRC_SUFFIX}"
                );
                println!("  --check    fail if a committed object differs from a fresh build");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }

    let root = repo_root()?;
    let names = source_names(&root)?;
    if names.is_empty() {
        return Err(format!("no {SRC_SUFFIX} sources found in {SRC_DIR}"));
    }

    if check {
        if !clang_available() {
            println!(
                "note: {CLANG} not found; skipping the fixture check (install clang-19 to run it)"
            );
            return Ok(());
        }
        check_fixtures(&root, &names)
    } else {
        if !clang_available() {
            return Err(format!(
                "{CLANG} not found; install it (apt-get install -y clang-19) to build the fixtures"
            ));
        }
        build_fixtures(&root, &names)
    }
}

/// The workspace root: the parent of this crate's manifest directory, with symlinks resolved so the
/// prefix map matches the directory clang sees.
fn repo_root() -> Result<PathBuf, String> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", manifest_dir.display()))?;
    fs::canonicalize(root).map_err(|e| format!("cannot resolve {}: {e}", root.display()))
}

/// Fixture names (`<name>` of `tests/bpf/<name>.bpf.c`), sorted.
fn source_names(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join(SRC_DIR);
    let mut names = Vec::new();
    for file_name in dir_file_names(&dir)? {
        if let Some(name) = file_name.strip_suffix(SRC_SUFFIX) {
            if !name.is_empty() {
                names.push(name.to_owned());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Names of the `.o` files in `dir` (an absent directory counts as empty), sorted.
fn object_names(dir: &Path) -> Result<Vec<String>, String> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = dir_file_names(dir)?
        .into_iter()
        .filter_map(|f| f.strip_suffix(".o").map(str::to_owned))
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    Ok(names)
}

/// UTF-8 names of the regular files directly inside `dir`.
fn dir_file_names(dir: &Path) -> Result<Vec<String>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let is_file = entry
            .file_type()
            .map_err(|e| format!("cannot stat {}: {e}", entry.path().display()))?
            .is_file();
        if !is_file {
            continue;
        }
        match entry.file_name().into_string() {
            Ok(name) => names.push(name),
            Err(name) => {
                return Err(format!("non-UTF-8 file name {name:?} in {}", dir.display()));
            }
        }
    }
    Ok(names)
}

fn clang_available() -> bool {
    Command::new(CLANG)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Compiles `tests/bpf/<name>.bpf.c` into `out` (absolute, or relative to the repository root).
fn compile(root: &Path, name: &str, out: &Path) -> Result<(), String> {
    compile_for(root, &format!("{SRC_DIR}/{name}{SRC_SUFFIX}"), out, "bpf")
}

/// Compiles `src` (relative to the repository root) for `target` (`bpf`: the host's byte order,
/// `bpfeb`: big-endian).
fn compile_for(root: &Path, src: &str, out: &Path, target: &str) -> Result<(), String> {
    let root_str = root
        .to_str()
        .ok_or_else(|| format!("repository path {} is not UTF-8", root.display()))?;
    let output = Command::new(CLANG)
        .current_dir(root)
        // clang takes its compilation directory from $PWD when that names the working directory;
        // keep it equal to the mapped prefix.
        .env("PWD", root)
        .args([
            "-O2",
            "-g",
            "-target",
            target,
            "-D__TARGET_ARCH_x86",
            "-mcpu=v3",
        ])
        .args(["-I", SRC_DIR])
        .arg(format!("-ffile-prefix-map={root_str}=."))
        .arg(format!("-fdebug-prefix-map={root_str}=."))
        .arg("-c")
        .arg(src)
        .arg("-o")
        .arg(out)
        .output()
        .map_err(|e| format!("cannot run {CLANG}: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "{CLANG} failed on {src} ({}):\n{stderr}",
            output.status
        ));
    }
    if !stderr.trim().is_empty() {
        eprintln!("{src}:\n{stderr}");
    }
    Ok(())
}

fn build_fixtures(root: &Path, names: &[String]) -> Result<(), String> {
    let out_dir = root.join(OUT_DIR);
    fs::create_dir_all(&out_dir).map_err(|e| format!("cannot create {OUT_DIR}: {e}"))?;
    for name in names {
        let rel = format!("{OUT_DIR}/{name}.o");
        compile(root, name, Path::new(&rel))?;
        println!("built {rel}");
    }
    for obj in object_names(&out_dir)? {
        if names.binary_search(&obj).is_err() {
            eprintln!("note: {OUT_DIR}/{obj}.o has no source {SRC_DIR}/{obj}{SRC_SUFFIX}");
        }
    }
    fs::create_dir_all(root.join(BE_OUT_DIR))
        .map_err(|e| format!("cannot create {BE_OUT_DIR}: {e}"))?;
    for o in other_objects(root)? {
        compile_for(root, &o.src, Path::new(&o.out), o.target)?;
        println!("built {}", o.out);
    }
    Ok(())
}

/// An object built from a source other than `tests/bpf/<name>.bpf.c` → `tests/fixtures/<name>.o`.
struct OtherObject {
    /// Source, relative to the repository root.
    src: String,
    /// Committed object, relative to the repository root.
    out: String,
    /// clang's `-target`.
    target: &'static str,
}

/// The big-endian fixtures, the loader tests' objects and the corpus.
fn other_objects(root: &Path) -> Result<Vec<OtherObject>, String> {
    let big_endian = BE_FIXTURES.iter().map(|name| OtherObject {
        src: format!("{SRC_DIR}/{name}{SRC_SUFFIX}"),
        out: format!("{BE_OUT_DIR}/{name}.o"),
        target: "bpfeb",
    });
    let side_by_side = |dir: &'static str| -> Result<Vec<OtherObject>, String> {
        Ok(source_names_in(root, dir)?
            .into_iter()
            .map(|name| OtherObject {
                src: format!("{dir}/{name}{SRC_SUFFIX}"),
                out: format!("{dir}/{name}.o"),
                target: "bpf",
            })
            .collect())
    };
    Ok(big_endian
        .chain(side_by_side(LOADER_DIR)?)
        .chain(side_by_side(CORPUS_DIR)?)
        .collect())
}

/// The sources (`<name>` of `<dir>/<name>.bpf.c`) of a directory whose objects sit beside them,
/// sorted.
fn source_names_in(root: &Path, dir: &str) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = dir_file_names(&root.join(dir))?
        .into_iter()
        .filter_map(|f| f.strip_suffix(SRC_SUFFIX).map(str::to_owned))
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    Ok(names)
}

fn check_fixtures(root: &Path, names: &[String]) -> Result<(), String> {
    let scratch = ScratchDir::new()?;
    let committed_dir = root.join(OUT_DIR);
    let mut problems = Vec::new();
    for name in names {
        let fresh = scratch.path.join(format!("{name}.o"));
        compile(root, name, &fresh)?;
        let committed = committed_dir.join(format!("{name}.o"));
        match fs::read(&committed) {
            Ok(old) => {
                let new = fs::read(&fresh)
                    .map_err(|e| format!("cannot read {}: {e}", fresh.display()))?;
                if old != new {
                    problems.push(format!("differs: {OUT_DIR}/{name}.o"));
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                problems.push(format!("missing: {OUT_DIR}/{name}.o"));
            }
            Err(e) => return Err(format!("cannot read {}: {e}", committed.display())),
        }
    }
    let others = other_objects(root)?;
    for (i, o) in others.iter().enumerate() {
        let fresh = scratch.path.join(format!("other-{i}.o"));
        compile_for(root, &o.src, &fresh, o.target)?;
        let old = fs::read(root.join(&o.out)).unwrap_or_default();
        let new = fs::read(&fresh).map_err(|e| format!("cannot read {}: {e}", fresh.display()))?;
        if old != new {
            problems.push(format!("differs or missing: {}", o.out));
        }
    }
    for obj in object_names(&committed_dir)? {
        if names.binary_search(&obj).is_err() {
            problems.push(format!(
                "extra:   {OUT_DIR}/{obj}.o (no {SRC_DIR}/{obj}{SRC_SUFFIX})"
            ));
        }
    }
    if problems.is_empty() {
        println!(
            "{} fixtures and {} big-endian and loader objects up to date",
            names.len(),
            others.len()
        );
        Ok(())
    } else {
        Err(format!(
            "fixtures are out of date:\n  {}\nrun `cargo xtask fixtures` to rebuild them",
            problems.join("\n  ")
        ))
    }
}

/// A temporary directory removed on drop.
struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    fn new() -> Result<Self, String> {
        let path = std::env::temp_dir().join(format!("argctx-fixtures-{}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path)
                .map_err(|e| format!("cannot clear {}: {e}", path.display()))?;
        }
        fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self { path })
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in the temp dir is harmless.
        let _ = fs::remove_dir_all(&self.path);
    }
}
