//! `argctx-oracle`: load BPF objects with the real libbpf 1.7 and report, as one JSON document,
//! what libbpf prepared (BTF, func_info) and what the running kernel accepted.
//!
//! ```text
//! argctx-oracle OBJ.o... [--mode alone|all|both] [--program NAME]... [--no-fallback]
//!               [--debug] [--pretty]
//! ```
//!
//! * `alone`: one run per program with only that program autoloaded (`?`-sections included).
//! * `all`: one run with libbpf's default autoload.
//! * `both` (default): all `alone` runs, then the `all` run.
//! * `--program NAME` (repeatable): restrict the `alone` runs to these programs.
//! * `--no-fallback`: additionally reload every loaded program through the low-level
//!   `bpf_prog_load()` with func_info mapped back from cloned FUNC ids to the original FUNCs,
//!   i.e. the kernel's verdict on the BTF without libbpf's `arg:ctx` rewrite.
//! * `--debug`: also record libbpf's DEBUG-level messages.
//! * `--pretty`: pretty-print the JSON.
//!
//! Every libbpf error is reported as a string in the JSON; the process exits 0 unless its own
//! arguments are invalid (exit 2).

#![allow(unsafe_code)]

use libbpf_sys as sys;
use serde::Serialize;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::Mutex;

/// Size of the verifier log buffer handed to libbpf for each autoloaded program. The memory is
/// zero-initialised lazily (calloc), so unused capacity costs nothing.
const VERIFIER_LOG_SIZE: usize = 8 << 20;
/// How many trailing lines of a verifier log are reported.
const VERIFIER_LOG_TAIL_LINES: usize = 40;

// ---------------------------------------------------------------------------------------------
// JSON shape
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct Report {
    libbpf_version: String,
    kernel_release: String,
    /// The kernel's answer to each of libbpf's BTF feature probes (`BPF_BTF_LOAD` of the probe
    /// blob argctx reproduces): `(FEAT_BTF_*, accepted)`.
    btf_probes: Vec<(&'static str, bool)>,
    /// With `--probe-helpers`: per program type (`BPF_PROG_TYPE_*` number) libbpf's probe can
    /// ask about, the helper ids the kernel lets it call (`libbpf_probe_bpf_helper`).
    #[serde(skip_serializing_if = "Option::is_none")]
    helpers: Option<std::collections::BTreeMap<u32, Vec<u32>>>,
    objects: Vec<ObjectReport>,
}

#[derive(Serialize)]
struct ObjectReport {
    path: String,
    file: String,
    /// Error while listing the object's programs (the object could not be opened at all).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    mode: &'static str,
    selected: Vec<String>,
    open_error: Option<String>,
    prepare_error: Option<String>,
    load_error: Option<String>,
    /// libbpf's messages (WARN and INFO; DEBUG too with `--debug`), in order, one entry per
    /// print call with the trailing newline stripped (an entry may span several lines).
    libbpf_log: Vec<String>,
    /// The print level of each `libbpf_log` entry ("warn", "info", "debug"), same order.
    libbpf_log_level: Vec<&'static str>,
    /// Number of BTF types (including void) right after open, i.e. the compiler's BTF.
    btf_type_cnt_open: Option<u32>,
    /// Number of BTF types after prepare (clones appended by the fallback are above
    /// `btf_type_cnt_open`).
    btf_type_cnt_prepared: Option<u32>,
    /// base64 of `btf__raw_data(bpf_object__btf(obj))` right after `bpf_object__prepare`.
    btf_prepared: Option<String>,
    /// base64 of the BTF the kernel holds for the object (after libbpf's sanitization).
    btf_kernel: Option<String>,
    btf_kernel_error: Option<String>,
    programs: Vec<ProgReport>,
}

#[derive(Serialize)]
struct Prepared {
    insn_cnt: usize,
    func_info: Vec<[u32; 2]>,
    line_info_cnt: u32,
    /// Instructions libbpf poisoned because their CO-RE relocation failed (`call 0xbad2310`) or
    /// their weak kfunc is missing (`call 2002000000 + extern index`). The verifier removes them
    /// when they are dead code, with their line_info records.
    poisoned: usize,
}

/// libbpf's poisoned instruction: `call 0xbad2310` (BPF_JMP | BPF_CALL).
const POISON_CALL_CODE: u8 = 0x85;
const POISON_CALL_IMM: i32 = 0xbad2310;
/// libbpf's poisoned call of an unresolved weak kfunc: `call POISON_CALL_KFUNC_BASE + ext_idx`.
const POISON_CALL_KFUNC: std::ops::Range<i32> = 2_002_000_000..2_003_000_000;

#[derive(Serialize)]
struct KernelInfo {
    func_info: Vec<[u32; 2]>,
    nr_line_info: u32,
    btf_id: u32,
    xlated_insn_cnt: u32,
    /// Target of tracing-style programs (0 otherwise); reused by the `--no-fallback` load.
    attach_btf_id: u32,
    attach_btf_obj_id: u32,
}

#[derive(Serialize)]
struct NoFallback {
    /// Whether any func_info type_id differs from what libbpf sent (i.e. a clone was mapped back).
    remapped: bool,
    func_info: Vec<[u32; 2]>,
    loaded: bool,
    errno: Option<i32>,
    verifier_log_tail: Option<String>,
}

#[derive(Serialize)]
struct ProgReport {
    name: String,
    section: String,
    prog_type: u32,
    expected_attach_type: u32,
    /// libbpf's autoload default after open (false for `?`-sections).
    default_autoload: bool,
    /// The autoload value this run used.
    autoload: bool,
    prepared: Option<Prepared>,
    loaded: bool,
    load_errno: Option<i32>,
    verifier_log_tail: Option<String>,
    kernel: Option<KernelInfo>,
    kernel_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_fallback: Option<NoFallback>,
}

// ---------------------------------------------------------------------------------------------
// libbpf print capture
// ---------------------------------------------------------------------------------------------

static LOG: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());
static CAPTURE_DEBUG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" {
    // glibc's vsnprintf; `va_list` on x86_64 decays to a pointer to `__va_list_tag`, which is
    // exactly what libbpf's print callback receives.
    fn vsnprintf(
        buf: *mut c_char,
        size: usize,
        fmt: *const c_char,
        ap: *mut sys::__va_list_tag,
    ) -> c_int;
}

unsafe extern "C" fn print_cb(
    level: sys::libbpf_print_level,
    fmt: *const c_char,
    ap: *mut sys::__va_list_tag,
) -> c_int {
    if level == sys::LIBBPF_DEBUG && !CAPTURE_DEBUG.load(std::sync::atomic::Ordering::Relaxed) {
        return 0;
    }
    // Large enough for libbpf's longest single message (a whole verifier log is printed in one
    // call when libbpf owns the log buffer; we hand it our own buffer, so this rarely matters).
    let mut buf = vec![0u8; 256 << 10];
    let n = vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, ap);
    if n < 0 {
        return n;
    }
    let len = (n as usize).min(buf.len() - 1);
    let mut s = String::from_utf8_lossy(&buf[..len]).into_owned();
    while s.ends_with('\n') {
        s.pop();
    }
    if let Ok(mut log) = LOG.lock() {
        log.push((level, s));
    }
    n
}

/// Name of the program in libbpf's "prog 'NAME': failed to load: ..." message, if any.
fn failed_program_from_log() -> Option<String> {
    let log = LOG.lock().ok()?;
    log.iter().rev().find_map(|(_, m)| {
        let rest = &m[m.find("prog '")? + 6..];
        let end = rest.find("': failed to load: ")?;
        Some(rest[..end].to_string())
    })
}

fn take_log() -> Vec<(u32, String)> {
    LOG.lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default()
}

fn level_name(level: u32) -> &'static str {
    match level {
        sys::LIBBPF_WARN => "warn",
        sys::LIBBPF_INFO => "info",
        _ => "debug",
    }
}

// ---------------------------------------------------------------------------------------------
// small helpers
// ---------------------------------------------------------------------------------------------

fn strerror(err: i32) -> String {
    let err = err.abs();
    let mut buf = [0 as c_char; 256];
    // SAFETY: buf is valid for its length; libbpf NUL-terminates.
    unsafe { sys::libbpf_strerror(-err, buf.as_mut_ptr(), buf.len() as sys::size_t) };
    let msg = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    format!("{msg} (-{err})")
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

unsafe fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(v >> 18) as usize & 63] as char);
        out.push(T[(v >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(v >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[v as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// libbpf's helper probe for every program type and helper id it knows: the ids each type may
/// call. Types the probe cannot ask about (they need an attach target) are left out.
fn probe_helpers() -> std::collections::BTreeMap<u32, Vec<u32>> {
    let mut out = std::collections::BTreeMap::new();
    for prog_type in 1..sys::__MAX_BPF_PROG_TYPE {
        let mut ids = Vec::new();
        let mut asked = false;
        for id in 1..sys::__BPF_FUNC_MAX_ID {
            // SAFETY: no options; the probe loads and closes a tiny program.
            let r = unsafe { sys::libbpf_probe_bpf_helper(prog_type, id, std::ptr::null()) };
            if r < 0 {
                break;
            }
            asked = true;
            if r == 1 {
                ids.push(id);
            }
        }
        if asked {
            out.insert(prog_type, ids);
        }
    }
    out
}

/// Sends each of libbpf's BTF feature probe blobs to the kernel; whether it accepted it.
fn btf_probes() -> Vec<(&'static str, bool)> {
    argctx::btf::sanitize::probe_blobs()
        .into_iter()
        .map(|(name, blob)| {
            let mut opts = sys::bpf_btf_load_opts {
                sz: std::mem::size_of::<sys::bpf_btf_load_opts>() as _,
                ..Default::default()
            };
            // SAFETY: the blob outlives the call; opts is a properly sized, zeroed struct.
            let fd = unsafe { sys::bpf_btf_load(blob.as_ptr().cast(), blob.len() as _, &mut opts) };
            if fd >= 0 {
                // SAFETY: fd is ours.
                unsafe { libc::close(fd) };
            }
            (name, fd >= 0)
        })
        .collect()
}

fn kernel_release() -> String {
    // SAFETY: utsname is plain data; uname fills it.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return String::new();
        }
        cstr(u.release.as_ptr())
    }
}

fn log_tail(buf: &[u8]) -> Option<String> {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    if end == 0 {
        return None;
    }
    let text = String::from_utf8_lossy(&buf[..end]);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(VERIFIER_LOG_TAIL_LINES);
    Some(lines[start..].join("\n"))
}

unsafe fn btf_raw(btf: *const sys::btf) -> Option<Vec<u8>> {
    if btf.is_null() {
        return None;
    }
    let mut size = 0u32;
    let p = sys::btf__raw_data(btf, &mut size);
    if p.is_null() {
        return None;
    }
    Some(std::slice::from_raw_parts(p.cast::<u8>(), size as usize).to_vec())
}

unsafe fn programs(obj: *mut sys::bpf_object) -> Vec<*mut sys::bpf_program> {
    let mut v = Vec::new();
    let mut p = sys::bpf_object__next_program(obj, std::ptr::null_mut());
    while !p.is_null() {
        v.push(p);
        p = sys::bpf_object__next_program(obj, p);
    }
    v
}

/// Opens `path` with libbpf; `Err` is the formatted libbpf error.
unsafe fn open(path: &CStr) -> Result<*mut sys::bpf_object, String> {
    let obj = sys::bpf_object__open_file(path.as_ptr(), std::ptr::null());
    if obj.is_null() {
        let e = errno();
        return Err(strerror(if e == 0 { libc::EINVAL } else { e }));
    }
    Ok(obj)
}

unsafe fn kernel_btf(obj: *mut sys::bpf_object) -> Result<Option<Vec<u8>>, String> {
    let fd = sys::bpf_object__btf_fd(obj);
    if fd < 0 {
        return Ok(None);
    }
    let mut info: sys::bpf_btf_info = std::mem::zeroed();
    let mut len = std::mem::size_of::<sys::bpf_btf_info>() as u32;
    let err = sys::bpf_btf_get_info_by_fd(fd, &mut info, &mut len);
    if err != 0 {
        return Err(format!("bpf_btf_get_info_by_fd: {}", strerror(err)));
    }
    let kbtf = sys::btf__load_from_kernel_by_id(info.id);
    if kbtf.is_null() {
        return Err(format!(
            "btf__load_from_kernel_by_id({}): {}",
            info.id,
            strerror(errno())
        ));
    }
    let raw = btf_raw(kbtf);
    sys::btf__free(kbtf);
    Ok(raw)
}

unsafe fn kernel_prog_info(fd: c_int) -> Result<KernelInfo, String> {
    let mut info: sys::bpf_prog_info = std::mem::zeroed();
    let mut len = std::mem::size_of::<sys::bpf_prog_info>() as u32;
    let err = sys::bpf_prog_get_info_by_fd(fd, &mut info, &mut len);
    if err != 0 {
        return Err(format!("bpf_prog_get_info_by_fd: {}", strerror(err)));
    }
    let nr = info.nr_func_info;
    let rec = info.func_info_rec_size.max(8);
    let mut buf = vec![0u8; (nr * rec) as usize];
    let mut info2: sys::bpf_prog_info = std::mem::zeroed();
    info2.nr_func_info = nr;
    info2.func_info_rec_size = rec;
    info2.func_info = buf.as_mut_ptr() as u64;
    let mut len2 = std::mem::size_of::<sys::bpf_prog_info>() as u32;
    let err = sys::bpf_prog_get_info_by_fd(fd, &mut info2, &mut len2);
    if err != 0 {
        return Err(format!(
            "bpf_prog_get_info_by_fd (func_info): {}",
            strerror(err)
        ));
    }
    let rec = info2.func_info_rec_size as usize;
    let n = (info2.nr_func_info as usize).min(nr as usize);
    let func_info = (0..n)
        .map(|i| {
            let r = &buf[i * rec..i * rec + 8];
            [
                u32::from_ne_bytes(r[0..4].try_into().unwrap_or_default()),
                u32::from_ne_bytes(r[4..8].try_into().unwrap_or_default()),
            ]
        })
        .collect();
    Ok(KernelInfo {
        func_info,
        nr_line_info: info.nr_line_info,
        btf_id: info.btf_id,
        xlated_insn_cnt: info.xlated_prog_len / 8,
        attach_btf_id: info.attach_btf_id,
        attach_btf_obj_id: info.attach_btf_obj_id,
    })
}

/// Maps every cloned FUNC id back to the lowest-id FUNC with the same name_off.
unsafe fn original_func_id(btf: *const sys::btf, id: u32) -> u32 {
    const BTF_KIND_FUNC: u32 = 12;
    let kind = |t: *const sys::btf_type| ((*t).info >> 24) & 0x1f;
    let t = sys::btf__type_by_id(btf, id);
    if t.is_null() || kind(t) != BTF_KIND_FUNC {
        return id;
    }
    let name_off = (*t).name_off;
    for i in 1..id {
        let c = sys::btf__type_by_id(btf, i);
        if !c.is_null() && kind(c) == BTF_KIND_FUNC && (*c).name_off == name_off {
            return i;
        }
    }
    id
}

/// Everything captured from a program right after prepare, needed for the `--no-fallback` load.
struct PreparedCopy {
    insns: Vec<sys::bpf_insn>,
    func_info: Vec<sys::bpf_func_info>,
    line_info: Vec<sys::bpf_line_info>,
    prog_flags: u32,
}

/// `BPF_F_SLEEPABLE` for programs of a sleepable section (`fentry.s/…`, `uprobe.s`, `syscall`, …):
/// libbpf adds it while loading (`libbpf_prepare_prog_load`), not to `bpf_program__flags`.
unsafe fn sleepable_flag(prog: *const sys::bpf_program) -> u32 {
    const BPF_F_SLEEPABLE: u32 = 1 << 4;
    let sec = cstr(sys::bpf_program__section_name(prog));
    let sec = sec.trim_start_matches('?');
    let kind = sec.split('/').next().unwrap_or("");
    if kind.ends_with(".s") || kind == "syscall" {
        BPF_F_SLEEPABLE
    } else {
        0
    }
}

/// BTF object fd to pass as `attach_btf_obj_fd` for a program attached to the kernel BTF
/// object `id`: none (0) for vmlinux, an fd for a module BTF (closed by the caller).
unsafe fn attach_btf_obj_fd(id: u32) -> c_int {
    if id == 0 {
        return -1;
    }
    let fd = sys::bpf_btf_get_fd_by_id(id);
    if fd < 0 {
        return -1;
    }
    let mut name = [0u8; 64];
    let mut info: sys::bpf_btf_info = std::mem::zeroed();
    info.name = name.as_mut_ptr() as u64;
    info.name_len = name.len() as u32;
    let mut len = std::mem::size_of::<sys::bpf_btf_info>() as u32;
    if sys::bpf_btf_get_info_by_fd(fd, &mut info, &mut len) == 0 && name.starts_with(b"vmlinux\0") {
        libc::close(fd);
        return -1;
    }
    fd
}

unsafe fn no_fallback_load(
    obj: *mut sys::bpf_object,
    prog: *mut sys::bpf_program,
    copy: &PreparedCopy,
    kernel: Option<&KernelInfo>,
) -> NoFallback {
    let btf = sys::bpf_object__btf(obj);
    let mut func_info = copy.func_info.clone();
    let mut remapped = false;
    if !btf.is_null() {
        for fi in &mut func_info {
            let orig = original_func_id(btf, fi.type_id);
            remapped |= orig != fi.type_id;
            fi.type_id = orig;
        }
    }
    let fi_json = func_info.iter().map(|f| [f.insn_off, f.type_id]).collect();
    let name = CString::new(cstr(sys::bpf_program__name(prog))).unwrap_or_default();
    let license = c"GPL";
    let btf_fd = sys::bpf_object__btf_fd(obj);
    let mut log = vec![0u8; VERIFIER_LOG_SIZE];
    // Kernels before 5.13 report no attach_btf_id in bpf_prog_info: for tracing and LSM programs
    // find it as libbpf did, from the section's target in vmlinux BTF.
    let attach_btf_id = match kernel.map_or(0, |k| k.attach_btf_id) {
        0 if matches!(sys::bpf_program__type(prog), 26 | 29) => {
            let sec = cstr(sys::bpf_program__section_name(prog));
            let target = sec.split_once('/').map_or("", |(_, t)| t).to_string();
            let target = CString::new(target).unwrap_or_default();
            let id = sys::libbpf_find_vmlinux_btf_id(
                target.as_ptr(),
                sys::bpf_program__expected_attach_type(prog),
            );
            u32::try_from(id).unwrap_or(0)
        }
        id => id,
    };
    let attach_obj_fd = if attach_btf_id != 0 {
        attach_btf_obj_fd(kernel.map_or(0, |k| k.attach_btf_obj_id))
    } else {
        -1
    };

    let attempt = |log_level: u32, log: &mut Vec<u8>| -> c_int {
        let mut opts: sys::bpf_prog_load_opts = std::mem::zeroed();
        opts.sz = std::mem::size_of::<sys::bpf_prog_load_opts>() as sys::size_t;
        opts.expected_attach_type = sys::bpf_program__expected_attach_type(prog);
        opts.kern_version = sys::bpf_object__kversion(obj);
        opts.prog_flags = copy.prog_flags;
        opts.attach_btf_id = attach_btf_id;
        if attach_obj_fd >= 0 {
            opts.attach_btf_obj_fd = attach_obj_fd as u32;
        }
        if btf_fd >= 0 {
            opts.prog_btf_fd = btf_fd as u32;
            if !func_info.is_empty() {
                opts.func_info = func_info.as_ptr().cast::<c_void>();
                opts.func_info_cnt = func_info.len() as u32;
                opts.func_info_rec_size = std::mem::size_of::<sys::bpf_func_info>() as u32;
            }
            if !copy.line_info.is_empty() {
                opts.line_info = copy.line_info.as_ptr().cast::<c_void>();
                opts.line_info_cnt = copy.line_info.len() as u32;
                opts.line_info_rec_size = std::mem::size_of::<sys::bpf_line_info>() as u32;
            }
        }
        if log_level > 0 {
            log[0] = 0;
            opts.log_level = log_level;
            opts.log_buf = log.as_mut_ptr().cast();
            opts.log_size = log.len() as u32;
        }
        sys::bpf_prog_load(
            sys::bpf_program__type(prog),
            name.as_ptr(),
            license.as_ptr(),
            copy.insns.as_ptr(),
            copy.insns.len() as sys::size_t,
            &mut opts,
        )
    };

    let fd = attempt(0, &mut log);
    if fd >= 0 {
        libc::close(fd);
        if attach_obj_fd >= 0 {
            libc::close(attach_obj_fd);
        }
        return NoFallback {
            remapped,
            func_info: fi_json,
            loaded: true,
            errno: None,
            verifier_log_tail: None,
        };
    }
    let first_errno = -fd;
    let fd = attempt(1, &mut log);
    if fd >= 0 {
        // Loaded with a log but not without one: should not happen; report it faithfully.
        libc::close(fd);
    }
    if attach_obj_fd >= 0 {
        libc::close(attach_obj_fd);
    }
    NoFallback {
        remapped,
        func_info: fi_json,
        loaded: false,
        errno: Some(first_errno),
        verifier_log_tail: log_tail(&log),
    }
}

// ---------------------------------------------------------------------------------------------
// one run
// ---------------------------------------------------------------------------------------------

struct Options {
    no_fallback: bool,
}

/// `only`: `Some(name)` for an `alone` run, `None` for the `all` run (libbpf defaults).
fn run_once(path: &CStr, only: Option<&str>, opts: &Options) -> Run {
    take_log();
    let mut run = Run {
        mode: if only.is_some() { "alone" } else { "all" },
        selected: Vec::new(),
        open_error: None,
        prepare_error: None,
        load_error: None,
        libbpf_log: Vec::new(),
        libbpf_log_level: Vec::new(),
        btf_type_cnt_open: None,
        btf_type_cnt_prepared: None,
        btf_prepared: None,
        btf_kernel: None,
        btf_kernel_error: None,
        programs: Vec::new(),
    };
    // SAFETY: all pointers come from libbpf and are used while `obj` is alive.
    unsafe {
        match open(path) {
            Err(e) => run.open_error = Some(e),
            Ok(obj) => {
                run_loaded(obj, only, opts, &mut run);
                sys::bpf_object__close(obj);
            }
        }
    }
    for (level, msg) in take_log() {
        run.libbpf_log.push(msg);
        run.libbpf_log_level.push(level_name(level));
    }
    run
}

unsafe fn run_loaded(obj: *mut sys::bpf_object, only: Option<&str>, opts: &Options, run: &mut Run) {
    let progs = programs(obj);
    let btf = sys::bpf_object__btf(obj);
    if !btf.is_null() {
        run.btf_type_cnt_open = Some(sys::btf__type_cnt(btf));
    }

    // Program list and autoload selection.
    let mut logs: Vec<Vec<u8>> = Vec::with_capacity(progs.len());
    for &p in &progs {
        let name = cstr(sys::bpf_program__name(p));
        let default_autoload = sys::bpf_program__autoload(p);
        if let Some(sel) = only {
            let err = sys::bpf_program__set_autoload(p, name == sel);
            if err != 0 {
                run.open_error
                    .get_or_insert_with(|| format!("set_autoload({name}): {}", strerror(err)));
            }
        }
        let autoload = sys::bpf_program__autoload(p);
        if autoload {
            run.selected.push(name.clone());
        }
        // Our own verifier log buffer: libbpf only uses it (at log_level 1) when it retries a
        // failed load, and does not print the log then.
        let log = if autoload {
            vec![0u8; VERIFIER_LOG_SIZE]
        } else {
            Vec::new()
        };
        if autoload {
            sys::bpf_program__set_log_buf(
                p,
                log.as_ptr().cast_mut().cast(),
                log.len() as sys::size_t,
            );
        }
        logs.push(log);
        run.programs.push(ProgReport {
            name,
            section: cstr(sys::bpf_program__section_name(p)),
            prog_type: sys::bpf_program__type(p),
            expected_attach_type: sys::bpf_program__expected_attach_type(p),
            default_autoload,
            autoload,
            prepared: None,
            loaded: false,
            load_errno: None,
            verifier_log_tail: None,
            kernel: None,
            kernel_error: None,
            no_fallback: None,
        });
    }

    let err = sys::bpf_object__prepare(obj);
    if err != 0 {
        run.prepare_error = Some(strerror(err));
        return;
    }

    let btf = sys::bpf_object__btf(obj);
    if !btf.is_null() {
        run.btf_type_cnt_prepared = Some(sys::btf__type_cnt(btf));
        run.btf_prepared = btf_raw(btf).map(|b| base64(&b));
    }
    match kernel_btf(obj) {
        Ok(b) => run.btf_kernel = b.map(|b| base64(&b)),
        Err(e) => run.btf_kernel_error = Some(e),
    }

    let mut copies: Vec<Option<PreparedCopy>> = Vec::with_capacity(progs.len());
    for (i, &p) in progs.iter().enumerate() {
        let insn_cnt = sys::bpf_program__insn_cnt(p) as usize;
        let fi_cnt = sys::bpf_program__func_info_cnt(p) as usize;
        let fi_ptr = sys::bpf_program__func_info(p);
        let func_info: Vec<sys::bpf_func_info> = if fi_ptr.is_null() || fi_cnt == 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts(fi_ptr, fi_cnt).to_vec()
        };
        let li_cnt = sys::bpf_program__line_info_cnt(p);
        let insns_ptr = sys::bpf_program__insns(p);
        let poisoned = if insns_ptr.is_null() {
            0
        } else {
            std::slice::from_raw_parts(insns_ptr, insn_cnt)
                .iter()
                .filter(|x| {
                    x.code == POISON_CALL_CODE
                        && (x.imm == POISON_CALL_IMM || POISON_CALL_KFUNC.contains(&x.imm))
                })
                .count()
        };
        run.programs[i].prepared = Some(Prepared {
            insn_cnt,
            func_info: func_info.iter().map(|f| [f.insn_off, f.type_id]).collect(),
            line_info_cnt: li_cnt,
            poisoned,
        });
        if opts.no_fallback && run.programs[i].autoload {
            let insns_ptr = sys::bpf_program__insns(p);
            let insns = if insns_ptr.is_null() {
                Vec::new()
            } else {
                std::slice::from_raw_parts(insns_ptr, insn_cnt).to_vec()
            };
            let li_ptr = sys::bpf_program__line_info(p);
            let line_info = if li_ptr.is_null() || li_cnt == 0 {
                Vec::new()
            } else {
                std::slice::from_raw_parts(li_ptr, li_cnt as usize).to_vec()
            };
            copies.push(Some(PreparedCopy {
                insns,
                func_info,
                line_info,
                prog_flags: sys::bpf_program__flags(p) | sleepable_flag(p),
            }));
        } else {
            copies.push(None);
        }
    }

    let err = sys::bpf_object__load(obj);
    // libbpf stops at the first program the kernel rejects, names it in a warning and returns
    // its error as the object's load error.
    let failed = if err != 0 {
        failed_program_from_log()
    } else {
        None
    };
    if err != 0 {
        run.load_error = Some(strerror(err));
    }

    for (i, &p) in progs.iter().enumerate() {
        let fd = sys::bpf_program__fd(p);
        let pr = &mut run.programs[i];
        let tail = log_tail(&logs[i]);
        if fd < 0
            && err != 0
            && (failed.as_deref() == Some(pr.name.as_str()) || (failed.is_none() && tail.is_some()))
        {
            pr.load_errno = Some(-err);
        }
        if let Some(tail) = tail {
            pr.verifier_log_tail = Some(tail);
        }
        if fd >= 0 {
            pr.loaded = true;
            match kernel_prog_info(fd) {
                Ok(k) => pr.kernel = Some(k),
                Err(e) => pr.kernel_error = Some(e),
            }
        }
    }

    if opts.no_fallback {
        for (i, &p) in progs.iter().enumerate() {
            if !run.programs[i].loaded {
                continue;
            }
            if let Some(copy) = &copies[i] {
                let nf = no_fallback_load(obj, p, copy, run.programs[i].kernel.as_ref());
                run.programs[i].no_fallback = Some(nf);
            }
        }
    }
    // The log buffers must outlive the load.
    drop(logs);
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

fn usage() -> ! {
    eprintln!(
        "usage: argctx-oracle OBJ.o... [--mode alone|all|both] [--program NAME]... \
         [--no-fallback] [--debug] [--pretty]"
    );
    std::process::exit(2);
}

fn object_report(path: &str, mode: &str, only: &[String], opts: &Options) -> ObjectReport {
    let file = std::path::Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    let mut rep = ObjectReport {
        path: path.to_string(),
        file,
        error: None,
        runs: Vec::new(),
    };
    let Ok(cpath) = CString::new(path) else {
        rep.error = Some("path contains a NUL byte".into());
        return rep;
    };
    if mode == "alone" || mode == "both" {
        take_log();
        // SAFETY: the object is only used to list program names and closed right after.
        let names = unsafe {
            match open(&cpath) {
                Ok(obj) => {
                    let n: Vec<String> = programs(obj)
                        .into_iter()
                        .map(|p| cstr(sys::bpf_program__name(p)))
                        .collect();
                    sys::bpf_object__close(obj);
                    Ok(n)
                }
                Err(e) => Err(e),
            }
        };
        take_log();
        match names {
            Ok(names) => {
                for n in names.iter().filter(|n| only.is_empty() || only.contains(n)) {
                    rep.runs.push(run_once(&cpath, Some(n), opts));
                }
            }
            Err(e) => rep.error = Some(e),
        }
    }
    if mode == "all" || mode == "both" {
        rep.runs.push(run_once(&cpath, None, opts));
    }
    rep
}

fn main() {
    let mut paths = Vec::new();
    let mut mode = "both".to_string();
    let mut only = Vec::new();
    let mut opts = Options { no_fallback: false };
    let mut pretty = false;
    let mut helpers = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--mode" => match args.next().as_deref() {
                Some(m @ ("alone" | "all" | "both")) => mode = m.to_string(),
                _ => usage(),
            },
            "--program" => only.push(args.next().unwrap_or_else(|| usage())),
            "--no-fallback" => opts.no_fallback = true,
            "--debug" => CAPTURE_DEBUG.store(true, std::sync::atomic::Ordering::Relaxed),
            "--pretty" => pretty = true,
            "--probe-helpers" => helpers = true,
            "-h" | "--help" => usage(),
            s if s.starts_with("--") => usage(),
            _ => paths.push(a),
        }
    }
    if paths.is_empty() {
        usage();
    }

    // SAFETY: installing a print callback is always valid.
    unsafe {
        sys::libbpf_set_print(Some(print_cb));
    }
    let version = unsafe { (sys::libbpf_major_version(), sys::libbpf_minor_version()) };

    let report = Report {
        libbpf_version: format!("{}.{}", version.0, version.1),
        kernel_release: kernel_release(),
        btf_probes: btf_probes(),
        helpers: helpers.then(probe_helpers),
        objects: paths
            .iter()
            .map(|p| object_report(p, &mode, &only, &opts))
            .collect(),
    };
    let out = if pretty {
        serde_json::to_string_pretty(&report)
    } else {
        serde_json::to_string(&report)
    };
    match out {
        Ok(s) => println!("{s}"),
        Err(e) => {
            eprintln!("argctx-oracle: cannot serialize report: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }

    #[test]
    fn log_tail_keeps_last_lines_and_ignores_empty() {
        assert_eq!(log_tail(&[0u8; 16]), None);
        let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let mut buf = text.into_bytes();
        buf.push(0);
        buf.extend_from_slice(b"garbage after NUL");
        let tail = log_tail(&buf).unwrap();
        assert_eq!(tail.lines().count(), VERIFIER_LOG_TAIL_LINES);
        assert!(tail.starts_with("line 60\n"));
        assert!(tail.ends_with("line 99"));
    }
}
