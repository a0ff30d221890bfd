//! `cargo xtask portable [--host-only]`: proves that portable objects (`argctx rewrite -o`) load
//! where the originals do not, with loaders that have no `__arg_ctx` fallback, and that libbpf
//! 1.7 itself finds nothing left to do in them.
//!
//! 1. Portable objects are written with the library (`argctx::portable::rewrite`) into
//!    `target/portable/port/`: one per fixture, two for `shared_subprog` (`--program xdp_shared`,
//!    and the three `__sk_buff` programs), whose unselected rewrite must be refused. Each one must
//!    be read without complaint by `llvm-readelf-19 -a`, `llvm-objdump-19 -d -r` and
//!    `bpftool btf dump file`, and rewriting it again must give the same bytes.
//! 2. aya 0.13 does not know libbpf's `SEC("tc")` and `SEC("?…")` names, so for aya the fixture
//!    sources are rebuilt with aya's names (`classifier`, no `?`) into `target/portable/aya-*`
//!    (clang-19, the fixtures' flags) and rewritten the same way. Tracing fixtures (`tp_btf`,
//!    `fentry`: no fallback, aya needs attach targets) and `mismatch` (libbpf's warnings) are left
//!    out there.
//! 3. The same generated script runs on the host kernel (6.18, native `arg:ctx`) and in Debian's
//!    6.1 under qemu (`vm::run_in_vm_full`) with: Debian's bpftool 7.1 (libbpf 1.1; copied into
//!    the initramfs with the shared libraries `ldd` lists and the dynamic loader), the static
//!    `portable-aya` binary (`tests/portable`, aya 0.13), and the static `argctx-oracle`
//!    (libbpf 1.7).
//!
//! Expectations (any difference fails the command with the details):
//! * 6.1, bpftool, whole objects: the originals of fixtures that need the fallback fail (only
//!   `canonical` and `static_tagged` load); every portable object loads, except those of the
//!   tracing fixtures (no fallback: left byte-identical, they need a 6.8+ kernel) and the
//!   `shared_subprog` variants (bpftool loads every program, and the unselected ones cannot verify
//!   against the selected programs' context type).
//! * 6.1, aya, per program: a program libbpf would rewrite fails from the original (verifier log
//!   `reference type('UNKNOWN ')`, or `mem_or_null` for typed pointers) except `kprobe_unlink`,
//!   whose `struct pt_regs *` args 6.1 accepts by name; every selected program loads from the
//!   portable object.
//! * 6.1, libbpf 1.7 (`argctx-oracle --mode alone`): every selected program with a fallback loads
//!   from the portable object, libbpf appends no type (`btf_type_cnt_prepared ==
//!   btf_type_cnt_open`) and prints no warning: the fallback has nothing left to do.
//! * host: every portable object loads with bpftool (`fentry` excepted: EPERM on these machines;
//!   `shared_subprog` variants fail as on 6.1), with aya per program and with libbpf 1.7.
//!
//! bpftool 7.1 pins every program after `prog loadall` and fails on autoload-off (`?`) ones, so
//! objects with such programs use `bpftool prog load` (loads the autoloaded ones, pins the first).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use argctx::fallback::{apply, Decision, Options};
use argctx::portable::{rewrite, rewrite_object};

use crate::kernels::Kernel;
use crate::vm;

/// Fixtures whose original loads on 6.1 with bpftool 7.1 (tests/bpf/README.md).
const ORIG_LOADS_ON_6_1: &[&str] = &["canonical", "static_tagged"];
/// Fixtures whose programs have no fallback (tracing, tracepoint): unchanged, 6.8+ only.
const NO_FALLBACK: &[&str] = &["fentry", "mismatch", "tp_btf"];
/// Fixtures of other suites: `verdict_*` hold deliberately refused programs for `argctx check`
/// (proven by tests/oracle/tests/verdict.rs), `core_*` exercise CO-RE (tests/oracle/tests/core_relo.rs).
/// Whole-object loaders cannot skip their refused programs, so they are not portable-object cases.
fn other_suite(fixture: &str) -> bool {
    fixture.starts_with("verdict_") || fixture.starts_with("core_")
}
/// Programs libbpf rewrites that 6.1 accepts anyway (`struct pt_regs *` matched by name).
const LOADS_WITHOUT_REWRITE_ON_6_1: &[&str] = &["kprobe_unlink"];
/// fentry/fexit cannot be loaded on these machines (EPERM).
const HOST_CANNOT_LOAD: &[&str] = &["fentry"];
/// What a failing original's verifier log says.
const FAILURE_MARKS: &[&str] = &["reference type('UNKNOWN ')", "mem_or_null", "expected=ctx"];

/// `shared_subprog`'s consistent selections.
const SHARED_VARIANTS: &[(&str, &[&str])] = &[
    ("xdp", &["xdp_shared"]),
    ("skb", &["tc_shared", "socket_shared", "cgskb_shared"]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    /// Committed fixtures, originals.
    Orig,
    /// Committed fixtures, portable.
    Port,
    /// aya-flavoured builds, originals.
    AyaOrig,
    /// aya-flavoured builds, portable.
    AyaPort,
}

impl Set {
    fn dir(self) -> &'static str {
        match self {
            Set::Orig => "orig",
            Set::Port => "port",
            Set::AyaOrig => "aya-orig",
            Set::AyaPort => "aya-port",
        }
    }
}

/// One object file the checks load.
#[derive(Debug, Clone)]
struct Obj {
    set: Set,
    /// The fixture it comes from.
    fixture: String,
    /// `<set>/<stem>`.
    label: String,
    path: PathBuf,
    /// Programs the portable object was made for (every autoloaded program for originals).
    selected: Vec<String>,
    /// Entry programs.
    programs: Vec<Prog>,
    /// Whether it has autoload-off (`?`) programs.
    has_optional: bool,
}

/// An entry program as argctx judges it.
#[derive(Debug, Clone)]
struct Prog {
    name: String,
    /// Its type has a fallback context struct.
    has_ctx: bool,
    /// libbpf rewrites something for it when it is loaded alone.
    rewrites: bool,
}

/// One expectation and what happened.
#[derive(Debug, Clone)]
struct Check {
    kernel: &'static str,
    loader: &'static str,
    what: String,
    expect_load: bool,
    loaded: bool,
    detail: String,
}

fn err<E: std::fmt::Display>(what: impl std::fmt::Display) -> impl FnOnce(E) -> String {
    move |e| format!("{what}: {e}")
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn ensure_tools() -> Result<(), String> {
    let wanted = [
        ("bpftool", "bpftool"),
        ("clang-19", "clang-19"),
        ("llvm-readelf-19", "llvm-19"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(bin, _)| which(bin).is_none())
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        crate::test::run(Command::new("apt-get").arg("update"))?;
        if !install() {
            return Err(format!("apt-get install {} failed", missing.join(" ")));
        }
    }
    Ok(())
}

fn portable_dir() -> PathBuf {
    vm::target_dir().join("portable")
}

fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(err(d.display()))?;
    }
    std::fs::write(path, data).map_err(err(path.display()))
}

/// Entry programs of `data`, and whether some are autoload-off.
fn programs_of(data: &[u8]) -> Result<(Vec<Prog>, bool), String> {
    let obj = argctx::program::Object::open(data).map_err(|e| e.to_string())?;
    let entries: Vec<(String, bool)> = obj
        .entry_programs()
        .map(|(_, p)| (p.name.clone(), p.autoload))
        .collect();
    let mut out = Vec::new();
    for (name, _) in &entries {
        let o = Options {
            programs: vec![name.clone()],
            ..Options::default()
        };
        let r = apply(data, &o).map_err(|e| format!("{name}: {e}"))?;
        let p = r.programs.iter().find(|p| &p.name == name);
        let ctx = p.is_some_and(|p| p.ctx_struct.is_some());
        let rewrites = p.is_some_and(|p| p.args.iter().any(|a| a.decision == Decision::Rewritten));
        out.push(Prog {
            name: name.clone(),
            has_ctx: ctx,
            rewrites,
        });
    }
    Ok((out, entries.iter().any(|(_, a)| !a)))
}

/// Writes the portable objects of `fixture` (bytes `data`) into `set`, after checking the refusal,
/// determinism and idempotence. Returns the objects written.
fn make_portable(
    fixture: &str,
    data: &[u8],
    set: Set,
    notes: &mut Vec<String>,
) -> Result<Vec<Obj>, String> {
    let (programs, has_optional) = programs_of(data)?;
    let mut variants: Vec<(String, Vec<String>)> = Vec::new();
    if fixture == "shared_subprog" {
        let e = rewrite_object(data, &Options::default())
            .err()
            .ok_or("shared_subprog: rewriting every program was not refused")?
            .to_string();
        for needle in ["emit_event", "xdp_shared", "tc_shared"] {
            if !e.contains(needle) {
                return Err(format!(
                    "shared_subprog: the refusal does not name {needle}: {e}"
                ));
            }
        }
        for (tag, progs) in SHARED_VARIANTS {
            variants.push((
                format!("{fixture}.{tag}"),
                progs.iter().map(|s| s.to_string()).collect(),
            ));
        }
    } else {
        variants.push((fixture.to_string(), Vec::new()));
    }
    let mut out = Vec::new();
    for (stem, sel) in variants {
        let opts = Options {
            programs: sel,
            ..Options::default()
        };
        let p = rewrite(data, &opts).map_err(|e| format!("{stem}: {e}"))?;
        let again = rewrite_object(&p.object, &opts).map_err(|e| format!("{stem} (again): {e}"))?;
        if again != p.object {
            return Err(format!("{stem}: rewriting the portable object changed it"));
        }
        if NO_FALLBACK.contains(&fixture) && p.changed {
            return Err(format!(
                "{stem}: an object without fallback programs was changed"
            ));
        }
        for n in &p.notes {
            notes.push(format!("{}/{stem}: {n}", set.dir()));
        }
        let path = portable_dir().join(set.dir()).join(format!("{stem}.o"));
        write(&path, &p.object)?;
        out.push(Obj {
            set,
            fixture: fixture.to_string(),
            label: format!("{}/{stem}", set.dir()),
            path,
            selected: p.programs.clone(),
            programs: programs.clone(),
            has_optional,
        });
    }
    Ok(out)
}

fn original(fixture: &str, path: &Path, data: &[u8], set: Set) -> Result<Obj, String> {
    let (programs, has_optional) = programs_of(data)?;
    let selected = apply(data, &Options::default())
        .map_err(|e| format!("{fixture}: {e}"))?
        .programs
        .into_iter()
        .map(|p| p.name)
        .collect();
    Ok(Obj {
        set,
        fixture: fixture.to_string(),
        label: format!("{}/{fixture}", set.dir()),
        path: path.to_path_buf(),
        selected,
        programs,
        has_optional,
    })
}

fn sorted_files(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, String> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(err(dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    v.sort();
    Ok(v)
}

fn stem_of(p: &Path, ext: &str) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().trim_end_matches(ext).to_string())
        .unwrap_or_default()
}

/// Every object: committed fixtures and their portable objects, aya-flavoured builds and theirs.
fn prepare(notes: &mut Vec<String>) -> Result<Vec<Obj>, String> {
    let root = vm::workspace_root();
    let dir = portable_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(err(dir.display()))?;
    }
    let mut objs = Vec::new();
    for path in sorted_files(&root.join("tests/fixtures"), ".o")? {
        let fixture = stem_of(&path, ".o");
        if other_suite(&fixture) {
            continue;
        }
        let data = std::fs::read(&path).map_err(err(path.display()))?;
        objs.push(original(&fixture, &path, &data, Set::Orig)?);
        objs.extend(make_portable(&fixture, &data, Set::Port, notes)?);
    }
    for src in sorted_files(&root.join("tests/bpf"), ".bpf.c")? {
        let fixture = stem_of(&src, ".bpf.c");
        if NO_FALLBACK.contains(&fixture.as_str()) || other_suite(&fixture) {
            continue;
        }
        let text = std::fs::read_to_string(&src).map_err(err(src.display()))?;
        let aya_src = dir.join("aya-src").join(format!("{fixture}.bpf.c"));
        write(
            &aya_src,
            text.replace("SEC(\"tc\")", "SEC(\"classifier\")")
                .replace("SEC(\"?", "SEC(\"")
                .as_bytes(),
        )?;
        let obj_dir = dir.join(Set::AyaOrig.dir());
        std::fs::create_dir_all(&obj_dir).map_err(err(obj_dir.display()))?;
        let obj = obj_dir.join(format!("{fixture}.o"));
        let out = Command::new("clang-19")
            .args([
                "-O2",
                "-g",
                "-target",
                "bpf",
                "-D__TARGET_ARCH_x86",
                "-mcpu=v3",
                "-I",
            ])
            .arg(root.join("tests/bpf"))
            .arg("-c")
            .arg(&aya_src)
            .arg("-o")
            .arg(&obj)
            .current_dir(&root)
            .output()
            .map_err(err("clang-19"))?;
        if !out.status.success() {
            return Err(format!(
                "clang-19 {}: {}",
                aya_src.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let data = std::fs::read(&obj).map_err(err(obj.display()))?;
        objs.push(original(&fixture, &obj, &data, Set::AyaOrig)?);
        objs.extend(make_portable(&fixture, &data, Set::AyaPort, notes)?);
    }
    Ok(objs)
}

/// llvm-readelf-19, llvm-objdump-19 and bpftool read every portable object without complaint.
fn tools_accept(objs: &[Obj]) -> Result<(), String> {
    for o in objs
        .iter()
        .filter(|o| matches!(o.set, Set::Port | Set::AyaPort))
    {
        for (tool, args) in [
            ("llvm-readelf-19", vec!["-a", "--elf-output-style=GNU"]),
            ("llvm-objdump-19", vec!["-d", "-r", "-h", "-t"]),
            ("bpftool", vec!["btf", "dump", "file"]),
        ] {
            let bin = which(tool).ok_or_else(|| format!("{tool} not found"))?;
            let out = Command::new(bin)
                .args(&args)
                .arg(&o.path)
                .stdin(Stdio::null())
                .output()
                .map_err(err(tool))?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() || !stderr.trim().is_empty() {
                return Err(format!(
                    "{tool} {}: {} {}",
                    o.path.display(),
                    out.status,
                    stderr.trim()
                ));
            }
        }
    }
    Ok(())
}

/// Static loader binaries, debug info stripped (they go into the initramfs).
struct Bins {
    aya: PathBuf,
    oracle: PathBuf,
}

fn static_bin(package: &str, bin: &str) -> Result<PathBuf, String> {
    let built = vm::build_static(package, bin)?;
    let dest = portable_dir().join("bin").join(bin);
    if let Some(d) = dest.parent() {
        std::fs::create_dir_all(d).map_err(err(d.display()))?;
    }
    let stripped = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&dest)
        .arg(&built)
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        std::fs::copy(&built, &dest).map_err(err(dest.display()))?;
    }
    Ok(dest)
}

/// The check script; `p` maps a host path to the path the script sees.
fn script(objs: &[Obj], bins: (&str, &str, &str), p: &dyn Fn(&Path) -> String) -> String {
    let (bpftool, aya, oracle) = bins;
    let mut s = format!(
        r#"T=$(mktemp)
PIN=/sys/fs/bpf/argctx-portable-$$
bt() {{
  rm -rf "$PIN"
  if [ "$3" = load ]; then {bpftool} prog load "$2" "$PIN" >"$T" 2>&1
  else {bpftool} prog loadall "$2" "$PIN" >"$T" 2>&1; fi
  rc=$?
  rm -rf "$PIN"
  if [ $rc = 0 ]; then echo "BPFTOOL $1 OK"; return; fi
  l=$(grep -m1 -E "UNKNOWN|expected=ctx|invalid mem access|should be|arg#" "$T")
  [ -n "$l" ] || l=$(grep -m1 -E "errno|Error" "$T")
  echo "BPFTOOL $1 FAIL $l"
}}
"#
    );
    for o in objs
        .iter()
        .filter(|o| matches!(o.set, Set::Orig | Set::Port))
    {
        let mode = if o.has_optional { "load" } else { "loadall" };
        s.push_str(&format!("bt {} {} {mode}\n", o.label, p(&o.path)));
    }
    for o in objs
        .iter()
        .filter(|o| matches!(o.set, Set::AyaOrig | Set::AyaPort))
    {
        s.push_str(&format!(
            "{aya} {} | sed 's|^|AYA {} |'\n",
            p(&o.path),
            o.label
        ));
    }
    let ports: Vec<String> = objs
        .iter()
        .filter(|o| o.set == Set::Port)
        .map(|o| p(&o.path))
        .collect();
    s.push_str(&format!(
        "{oracle} --mode alone {} >\"$T\"\necho ORACLE-BEGIN\ncat \"$T\"\necho\necho ORACLE-END\nrm -f \"$T\"\n",
        ports.join(" ")
    ));
    s
}

/// Results parsed from the script's output.
#[derive(Default)]
struct Results {
    /// label -> (loaded, detail)
    bpftool: BTreeMap<String, (bool, String)>,
    /// (label, program) -> (verdict, detail, log)
    aya: BTreeMap<(String, String), (String, String, String)>,
    /// label -> whole-object failure
    aya_obj: BTreeMap<String, String>,
    /// (path, program) -> run
    oracle: BTreeMap<(String, String), Json>,
}

fn parse_results(out: &str) -> Result<Results, String> {
    let mut r = Results::default();
    let mut lines = out.lines();
    let mut last_aya: Option<(String, String)> = None;
    while let Some(l) = lines.next() {
        if let Some(rest) = l.strip_prefix("BPFTOOL ") {
            let mut it = rest.splitn(3, ' ');
            let label = it.next().unwrap_or_default().to_string();
            let verdict = it.next().unwrap_or_default();
            let detail = it.next().unwrap_or_default().to_string();
            r.bpftool.insert(label, (verdict == "OK", detail));
        } else if let Some(rest) = l.strip_prefix("AYA ") {
            let (label, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            if let Some(log) = rest.strip_prefix("  | ") {
                if let Some(k) = &last_aya {
                    if let Some(e) = r.aya.get_mut(k) {
                        e.2.push_str(log);
                        e.2.push('\n');
                    }
                }
            } else if let Some(p) = rest.strip_prefix("PROG ") {
                let f: Vec<&str> = p.splitn(4, ' ').collect();
                let key = (
                    label.to_string(),
                    f.first().copied().unwrap_or_default().to_string(),
                );
                r.aya.insert(
                    key.clone(),
                    (
                        f.get(2).copied().unwrap_or_default().to_string(),
                        f.get(3).copied().unwrap_or_default().to_string(),
                        String::new(),
                    ),
                );
                last_aya = Some(key);
            } else if let Some(e) = rest.strip_prefix("OBJ FAIL ") {
                r.aya_obj.insert(label.to_string(), e.to_string());
            }
        } else if l == "ORACLE-BEGIN" {
            let mut text = String::new();
            for l in lines.by_ref() {
                if l == "ORACLE-END" {
                    break;
                }
                text.push_str(l);
                text.push('\n');
            }
            let json = parse_json(&text).map_err(|e| format!("oracle output: {e}"))?;
            for o in json.get("objects").and_then(Json::arr).unwrap_or_default() {
                let path = o
                    .get("path")
                    .and_then(Json::str)
                    .unwrap_or_default()
                    .to_string();
                for run in o.get("runs").and_then(Json::arr).unwrap_or_default() {
                    let sel = run.get("selected").and_then(Json::arr).unwrap_or_default();
                    if let Some(name) = sel.first().and_then(Json::str) {
                        r.oracle
                            .insert((path.clone(), name.to_string()), run.clone());
                    }
                }
            }
        }
    }
    Ok(r)
}

fn failure_line(log: &str, detail: &str) -> String {
    log.lines()
        .find(|l| FAILURE_MARKS.iter().any(|m| l.contains(m)))
        .or_else(|| log.lines().last())
        .unwrap_or(detail)
        .trim()
        .to_string()
}

/// Compares results with the expectations (module docs) for one kernel.
fn evaluate(
    kernel: &'static str,
    objs: &[Obj],
    r: &Results,
    p: &dyn Fn(&Path) -> String,
) -> Vec<Check> {
    let old = kernel == "6.1";
    let mut checks = Vec::new();
    let mut push = |loader, what: String, expect_load, got: Option<(bool, String)>| {
        let (loaded, detail) = got.unwrap_or((false, "no result".into()));
        checks.push(Check {
            kernel,
            loader,
            what,
            expect_load,
            loaded,
            detail,
        });
    };
    for o in objs {
        let fx = o.fixture.as_str();
        match o.set {
            Set::Orig | Set::Port => {
                let shared = fx == "shared_subprog";
                let expect = match (o.set, old) {
                    (Set::Orig, true) => ORIG_LOADS_ON_6_1.contains(&fx),
                    (Set::Orig, false) => continue,
                    (_, true) => !NO_FALLBACK.contains(&fx) && !shared,
                    (_, false) => {
                        if HOST_CANNOT_LOAD.contains(&fx) {
                            continue;
                        }
                        !shared
                    }
                };
                push(
                    "bpftool 7.1",
                    o.label.clone(),
                    expect,
                    r.bpftool.get(&o.label).cloned(),
                );
            }
            Set::AyaOrig | Set::AyaPort => {
                if let Some(e) = r.aya_obj.get(&o.label) {
                    push("aya 0.13", o.label.clone(), true, Some((false, e.clone())));
                    continue;
                }
                for Prog { name, rewrites, .. } in &o.programs {
                    let expect = match o.set {
                        Set::AyaOrig if old => {
                            !*rewrites || LOADS_WITHOUT_REWRITE_ON_6_1.contains(&name.as_str())
                        }
                        Set::AyaOrig => true,
                        _ if o.selected.contains(name) => true,
                        _ => continue,
                    };
                    let got = r
                        .aya
                        .get(&(o.label.clone(), name.clone()))
                        .map(|(v, d, log)| {
                            (
                                v == "OK",
                                if v == "OK" {
                                    String::new()
                                } else {
                                    failure_line(log, d)
                                },
                            )
                        });
                    // A failing original must fail the way the missing fallback makes it fail.
                    let got = match got {
                        Some((false, line))
                            if o.set == Set::AyaOrig
                                && !expect
                                && !FAILURE_MARKS.iter().any(|m| line.contains(m)) =>
                        {
                            Some((true, format!("failed for another reason: {line}")))
                        }
                        g => g,
                    };
                    push("aya 0.13", format!("{} {name}", o.label), expect, got);
                }
            }
        }
        if o.set == Set::Port {
            for Prog { name, has_ctx, .. } in &o.programs {
                if !o.selected.contains(name) || (!old && HOST_CANNOT_LOAD.contains(&fx)) {
                    continue;
                }
                if old && !*has_ctx {
                    continue;
                }
                let run = r.oracle.get(&(p(&o.path), name.clone()));
                let got = run.map(|run| {
                    let prog = run
                        .get("programs")
                        .and_then(Json::arr)
                        .unwrap_or_default()
                        .iter()
                        .find(|x| x.get("name").and_then(Json::str) == Some(name))
                        .cloned();
                    let loaded = prog
                        .as_ref()
                        .and_then(|x| x.get("loaded"))
                        .and_then(Json::bool)
                        .unwrap_or(false);
                    let open = run.get("btf_type_cnt_open").and_then(Json::num);
                    let prepared = run.get("btf_type_cnt_prepared").and_then(Json::num);
                    let warned: Vec<String> = run
                        .get("libbpf_log")
                        .and_then(Json::arr)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Json::str)
                        .filter(|l| l.contains("is expected to be of"))
                        .map(str::to_string)
                        .collect();
                    let tail = prog
                        .as_ref()
                        .and_then(|x| x.get("verifier_log_tail"))
                        .and_then(Json::str)
                        .map(|t| failure_line(t, t))
                        .or_else(|| {
                            run.get("load_error")
                                .and_then(Json::str)
                                .map(str::to_string)
                        })
                        .unwrap_or_default();
                    if !loaded {
                        (false, tail)
                    } else if open != prepared {
                        (
                            false,
                            format!("libbpf appended types: {open:?} -> {prepared:?}"),
                        )
                    } else if !warned.is_empty() {
                        (false, format!("libbpf warned: {}", warned.join("; ")))
                    } else {
                        (true, String::new())
                    }
                });
                push("libbpf 1.7", format!("{} {name}", o.label), true, got);
            }
        }
    }
    checks
}

fn lib_files() -> Result<Vec<(PathBuf, String)>, String> {
    let bpftool = which("bpftool").ok_or("bpftool not found")?;
    let out = Command::new("ldd")
        .arg(&bpftool)
        .output()
        .map_err(err("ldd"))?;
    if !out.status.success() {
        return Err(format!("ldd {}: {}", bpftool.display(), out.status));
    }
    let mut files = vec![(bpftool, "/bin/bpftool".to_string())];
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let path = match l.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => l.split_whitespace().next().filter(|p| p.starts_with('/')),
        };
        if let Some(path) = path.filter(|p| p.starts_with('/')) {
            files.push((PathBuf::from(path), path.to_string()));
        }
    }
    Ok(files)
}

fn report(checks: &[Check]) -> usize {
    let mut bad = 0;
    for c in checks {
        let ok = c.expect_load == c.loaded;
        if !ok {
            bad += 1;
        }
        println!(
            "{} {:<5} {:<12} {:<50} expect {:<5} got {:<5} {}",
            if ok { "ok  " } else { "FAIL" },
            c.kernel,
            c.loader,
            c.what,
            if c.expect_load { "load" } else { "fail" },
            if c.loaded { "load" } else { "fail" },
            c.detail
        );
    }
    bad
}

/// Host and 6.1 checks of portable objects (see the module documentation).
pub fn vm_test(kernel: &Kernel) -> Result<(), String> {
    run_checks(Some(kernel))
}

fn run_checks(vm_kernel: Option<&Kernel>) -> Result<(), String> {
    let with_vm = vm_kernel.is_some();
    let t0 = Instant::now();
    ensure_tools()?;
    let mut notes = Vec::new();
    let objs = prepare(&mut notes)?;
    tools_accept(&objs)?;
    let t_prepare = t0.elapsed();
    for n in &notes {
        eprintln!("portable: note: {n}");
    }

    let t1 = Instant::now();
    let bins = Bins {
        aya: static_bin("argctx-portable-aya", "portable-aya")?,
        oracle: static_bin("argctx-oracle", "argctx-oracle")?,
    };
    let t_build = t1.elapsed();

    // Host kernel.
    let t2 = Instant::now();
    let mounted = std::fs::read_to_string("/proc/mounts").is_ok_and(|m| {
        m.lines()
            .any(|l| l.split_whitespace().nth(1) == Some("/sys/fs/bpf"))
    });
    if !mounted {
        crate::test::run(Command::new("mount").args(["-t", "bpf", "bpf", "/sys/fs/bpf"]))?;
    }
    let host_path = |p: &Path| p.display().to_string();
    let bpftool = which("bpftool").ok_or("bpftool not found")?;
    let host_script = script(
        &objs,
        (
            &bpftool.display().to_string(),
            &bins.aya.display().to_string(),
            &bins.oracle.display().to_string(),
        ),
        &host_path,
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&host_script)
        .stdin(Stdio::null())
        .output()
        .map_err(err("sh"))?;
    if !out.status.success() {
        return Err(format!(
            "host check script failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let host = parse_results(&String::from_utf8_lossy(&out.stdout))?;
    let mut checks = evaluate("host", &objs, &host, &host_path);
    let t_host = t2.elapsed();

    // Debian's 6.1 under qemu.
    let mut t_vm = None;
    if let Some(kernel) = vm_kernel {
        let t3 = Instant::now();
        let guest_path = |p: &Path| {
            objs.iter()
                .find(|o| o.path == p)
                .map(|o| format!("/w/{}.o", o.label))
                .unwrap_or_else(|| p.display().to_string())
        };
        let libs = lib_files()?;
        let lib_dirs: Vec<String> = {
            let mut d: Vec<String> = libs
                .iter()
                .filter_map(|(_, g)| Path::new(g).parent().map(|p| p.display().to_string()))
                .collect();
            d.sort();
            d.dedup();
            d
        };
        let mut files = libs;
        files.push((bins.aya.clone(), "/bin/portable-aya".into()));
        files.push((bins.oracle.clone(), "/bin/argctx-oracle".into()));
        for o in &objs {
            files.push((o.path.clone(), guest_path(&o.path)));
        }
        let guest_script = format!(
            "export LD_LIBRARY_PATH={}\n{}",
            lib_dirs.join(":"),
            script(
                &objs,
                ("/bin/bpftool", "/bin/portable-aya", "/bin/argctx-oracle"),
                &guest_path
            )
        );
        let res = vm::run_in_vm_full(&vm::VmRun {
            kernel,
            files,
            script: guest_script,
            timeout: Duration::from_secs(600),
        })?;
        if res.rc != 0 {
            return Err(format!(
                "guest script exited with {}: {}",
                res.rc,
                String::from_utf8_lossy(&res.stderr)
            ));
        }
        let r = parse_results(&String::from_utf8_lossy(&res.stdout))?;
        checks.extend(evaluate("6.1", &objs, &r, &guest_path));
        t_vm = Some((t3.elapsed(), res.boot));
    }

    let bad = report(&checks);
    println!(
        "portable: {} objects; rewrite + tool checks {:.1?}, static builds {:.1?}, host loads {:.1?}{}",
        objs.len(),
        t_prepare,
        t_build,
        t_host,
        t_vm.map(|(t, boot)| match boot {
            Some(b) => format!(", 6.1 VM {t:.1?} (boot {b:.1?})"),
            None => format!(", 6.1 VM {t:.1?}"),
        })
            .unwrap_or_default()
    );
    if bad > 0 {
        return Err(format!(
            "{bad} of {} portable-object checks failed (see FAIL lines above)",
            checks.len()
        ));
    }
    if with_vm && !checks.iter().any(|c| c.kernel == "6.1") {
        return Err("no 6.1 checks ran".into());
    }
    println!("portable: all {} checks passed", checks.len());
    Ok(())
}

/// Entry point of `cargo xtask portable [--host-only]`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args {
        [] => vm_test(&crate::kernels::ensure(crate::kernels::series("6.1")?)?),
        [a] if a == "--host-only" => run_checks(None),
        _ => Err("usage: cargo xtask portable [--host-only]".into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A small JSON reader for the oracle's output (xtask depends only on argctx).
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn arr(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }
    fn str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    fn bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn num(&self) -> Option<f64> {
        match self {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }
}

fn parse_json(s: &str) -> Result<Json, String> {
    let mut p = JsonParser {
        b: s.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(format!("trailing data at byte {}", p.i));
    }
    Ok(v)
}

struct JsonParser<'a> {
    b: &'a [u8],
    i: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", c as char, self.i))
        }
    }
    fn lit(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.b.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(format!("bad literal at byte {}", self.i))
        }
    }
    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 64 {
            return Err("nesting too deep".into());
        }
        self.ws();
        match self.b.get(self.i) {
            Some(b'n') => self.lit("null", Json::Null),
            Some(b't') => self.lit("true", Json::Bool(true)),
            Some(b'f') => self.lit("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'[') => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(v));
                }
                loop {
                    v.push(self.value(depth + 1)?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(v));
                        }
                        _ => return Err(format!("expected ',' or ']' at byte {}", self.i)),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(m));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.eat(b':')?;
                    m.push((k, self.value(depth + 1)?));
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(m));
                        }
                        _ => return Err(format!("expected ',' or '}}' at byte {}", self.i)),
                    }
                }
            }
            Some(_) => {
                let start = self.i;
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
                {
                    self.i += 1;
                }
                std::str::from_utf8(&self.b[start..self.i])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .map(Json::Num)
                    .ok_or_else(|| format!("bad value at byte {start}"))
            }
            None => Err("unexpected end".into()),
        }
    }
    fn string(&mut self) -> Result<String, String> {
        if self.b.get(self.i) != Some(&b'"') {
            return Err(format!("expected a string at byte {}", self.i));
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.b.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = *self.b.get(self.i).ok_or("unterminated escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = |p: &mut Self| -> Result<u32, String> {
                                let h =
                                    p.b.get(p.i..p.i + 4)
                                        .and_then(|h| std::str::from_utf8(h).ok())
                                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                                        .ok_or("bad \\u escape")?;
                                p.i += 4;
                                Ok(h)
                            };
                            let mut cp = hex(self)?;
                            if (0xd800..0xdc00).contains(&cp)
                                && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                self.i += 2;
                                let lo = hex(self)?;
                                cp = 0x10000
                                    + ((cp - 0xd800) << 10)
                                    + (lo.wrapping_sub(0xdc00) & 0x3ff);
                            }
                            char::from_u32(cp).unwrap_or('\u{fffd}')
                        }
                        _ => return Err(format!("bad escape at byte {}", self.i)),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|e| e.to_string())
    }
}
