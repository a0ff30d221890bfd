//! `cargo xtask vm …`: run test binaries inside Debian's kernels (5.10, 6.1, 6.12, sid; see
//! [`crate::kernels`]) under qemu (TCG).
//!
//! Each run boots the stock Debian kernel with a throw-away initramfs (busybox + statically linked
//! binaries + data files + the kernel's config at `/boot/config-<release>`), runs a shell script
//! as part of `/init`, and returns the script's stdout, which travels base64-encoded between
//! markers over the serial console.
//!
//! Commands:
//!
//! * `cargo xtask vm oracle [--kernel 5.10|6.1|6.12|sid|host] [--out PATH] [--obj FILE.o]...
//!   [--timeout SECS] [-- ORACLE-ARGS]` runs `argctx-oracle --no-fallback` on every
//!   `tests/fixtures/*.o` (or the `--obj` files) in one boot of that kernel (default 6.1; `host`
//!   runs it on the host kernel) and writes `target/vm/oracle-<kernel>.json`.
//! * `cargo xtask vm exec [--kernel K] [--file HOST[:GUEST]]... -- COMMAND` runs a command in the
//!   guest.
//!
//! Library use (other xtask commands): [`run_in_vm`] with a [`VmRun`], [`build_static`],
//! [`ensure_host_tools`].
//!
//! Environment: `ARGCTX_VM_KEEP=1` keeps the per-run work directory (initramfs, console log)
//! after success.

// Library items are used by other xtask commands; not all of them by `vm` itself.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::kernels::{self, Kernel};

/// Rust target used for static test binaries (an explicit target keeps RUSTFLAGS away from
/// build scripts).
pub const STATIC_TARGET: &str = "x86_64-unknown-linux-gnu";

const OUT_BEGIN: &str = "=====ARGCTX-VM-STDOUT-BEGIN=====";
const OUT_END: &str = "=====ARGCTX-VM-STDOUT-END=====";
const ERR_BEGIN: &str = "=====ARGCTX-VM-STDERR-BEGIN=====";
const ERR_END: &str = "=====ARGCTX-VM-STDERR-END=====";
const RC_PREFIX: &str = "=====ARGCTX-VM-RC=";
const BOOT_MARK: &str = "=====ARGCTX-VM-BOOTED=====";

/// One VM invocation.
pub struct VmRun<'k> {
    /// The kernel to boot (its config is placed at `/boot/config-<release>` for libbpf's kconfig).
    pub kernel: &'k Kernel,
    /// Files to place in the guest: (host path, absolute guest path). Executable bits are kept.
    pub files: Vec<(PathBuf, String)>,
    /// POSIX sh script run in the guest after proc/sys/devtmpfs/bpffs are mounted. Its stdout is
    /// returned by [`run_in_vm`]; stderr and the exit status are captured as well.
    pub script: String,
    /// Wall-clock limit for the whole qemu run (boot included); qemu is killed when exceeded.
    pub timeout: Duration,
}

/// Everything a VM run produced.
#[derive(Debug, Clone)]
pub struct VmOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Exit status of the guest script.
    pub rc: i32,
    /// Raw serial console text (kernel messages, markers, base64 payload).
    pub console: String,
    /// Time from qemu start to qemu exit.
    pub elapsed: Duration,
    /// Time from qemu start until `/init` reported it had mounted everything.
    pub boot: Option<Duration>,
}

/// Boots the 6.1 kernel, runs `run.script`, returns its stdout. Fails (never skips) when qemu
/// cannot run, the guest does not produce the markers in time, or the script exits non-zero.
pub fn run_in_vm(run: &VmRun) -> Result<String, String> {
    let out = run_in_vm_full(run)?;
    if out.rc != 0 {
        return Err(format!(
            "guest script exited with status {}; stderr:\n{}",
            out.rc,
            tail(&String::from_utf8_lossy(&out.stderr), 40)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("guest stdout is not UTF-8: {e}"))
}

/// Like [`run_in_vm`] but returns stdout, stderr, exit status, console and timings.
pub fn run_in_vm_full(run: &VmRun) -> Result<VmOutput, String> {
    ensure_host_tools()?;
    let kernel = &run.kernel.vmlinuz;
    let work = new_work_dir()?;
    let initrd = work.join("initrd.cpio");
    build_initramfs(&initrd, run)?;

    let qemu = which("qemu-system-x86_64").ok_or("qemu-system-x86_64 not found after install")?;
    let mut cmd = Command::new(qemu);
    cmd.args(["-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1"])
        .args([
            "-nographic",
            "-no-reboot",
            "-nodefaults",
            "-serial",
            "stdio",
        ])
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(&initrd)
        .args(["-append", "console=ttyS0 quiet panic=-1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot start qemu: {e}"))?;
    let console = Arc::new(Mutex::new(Vec::<u8>::new()));
    let qemu_err = Arc::new(Mutex::new(Vec::<u8>::new()));
    let t_out = pump(child.stdout.take(), Arc::clone(&console));
    let t_err = pump(child.stderr.take(), Arc::clone(&qemu_err));

    let mut boot = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("waiting for qemu: {e}"));
            }
        }
        if boot.is_none() && contains(&console, BOOT_MARK) {
            boot = Some(start.elapsed());
        }
        if start.elapsed() > run.timeout {
            let _ = child.kill();
            let _ = child.wait();
            let text = lossy(&console);
            std::fs::write(work.join("console.log"), &text).ok();
            return Err(format!(
                "qemu timed out after {:?} (killed); work dir kept at {}; console tail:\n{}",
                run.timeout,
                work.display(),
                tail(&text, 30)
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let elapsed = start.elapsed();
    let _ = t_out.join();
    let _ = t_err.join();
    let text = lossy(&console).replace('\r', "");
    std::fs::write(work.join("console.log"), &text).ok();
    if boot.is_none() && text.contains(BOOT_MARK) {
        boot = Some(elapsed);
    }

    let fail = |why: String| -> String {
        format!(
            "{why} (qemu exited: {status}); work dir kept at {}\nqemu stderr:\n{}\nconsole tail:\n{}",
            work.display(),
            tail(&lossy(&qemu_err), 20),
            tail(&text, 30)
        )
    };
    let rc = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(RC_PREFIX))
        .and_then(|r| r.trim_end_matches('=').trim().parse::<i32>().ok())
        .ok_or_else(|| fail("guest did not report the script's exit status".into()))?;
    let stdout = decode_section(&text, OUT_BEGIN, OUT_END).map_err(&fail)?;
    let stderr = decode_section(&text, ERR_BEGIN, ERR_END).map_err(&fail)?;

    if std::env::var_os("ARGCTX_VM_KEEP").is_none() {
        std::fs::remove_dir_all(&work).ok();
    }
    Ok(VmOutput {
        stdout,
        stderr,
        rc,
        console: text,
        elapsed,
        boot,
    })
}

fn pump<R: Read + Send + 'static>(
    src: Option<R>,
    dst: Arc<Mutex<Vec<u8>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let Some(mut src) = src else { return };
        let mut buf = [0u8; 8192];
        loop {
            match src.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut d) = dst.lock() {
                        d.extend_from_slice(&buf[..n]);
                    }
                }
            }
        }
    })
}

fn lossy(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    buf.lock()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn contains(buf: &Arc<Mutex<Vec<u8>>>, needle: &str) -> bool {
    buf.lock()
        .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .unwrap_or(false)
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Base64 payload between two marker lines. Lines that are not pure base64 (stray kernel
/// messages on the console) are skipped.
fn decode_section(text: &str, begin: &str, end: &str) -> Result<Vec<u8>, String> {
    let mut lines = text.lines().skip_while(|l| l.trim() != begin);
    if lines.next().is_none() {
        return Err(format!("marker {begin} not found in the console output"));
    }
    let mut payload = String::new();
    let mut closed = false;
    for l in lines {
        let l = l.trim();
        if l == end {
            closed = true;
            break;
        }
        if !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        {
            payload.push_str(l);
        }
    }
    if !closed {
        return Err(format!("marker {end} not found in the console output"));
    }
    base64_decode(&payload)
}

/// Standard base64 (with padding) decoder.
pub fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if bytes.len() & 3 != 0 {
        return Err(format!(
            "base64 payload length {} is not a multiple of 4",
            bytes.len()
        ));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, q) in bytes.chunks(4).enumerate() {
        let last = i + 1 == bytes.len() / 4;
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return Err("misplaced base64 padding".into());
        }
        let mut v = 0u32;
        for &c in &q[..4 - pad] {
            v = (v << 6)
                | val(c).ok_or_else(|| format!("invalid base64 character {:?}", c as char))?;
        }
        v <<= 6 * pad as u32;
        let b = v.to_be_bytes();
        out.extend_from_slice(&b[1..4 - pad]);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// initramfs
// ---------------------------------------------------------------------------------------------

fn init_script() -> String {
    format!(
        r#"#!/bin/busybox sh
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp /run
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mkdir -p /sys/fs/bpf
mount -t bpf bpf /sys/fs/bpf
# keep kernel messages off the console while the payload is printed
echo 1 > /proc/sys/kernel/printk
echo "{BOOT_MARK}"
cd /
sh /argctx-vm-script.sh >/tmp/argctx-out 2>/tmp/argctx-err
rc=$?
echo "{OUT_BEGIN}"
base64 /tmp/argctx-out
echo "{OUT_END}"
echo "{ERR_BEGIN}"
base64 /tmp/argctx-err
echo "{ERR_END}"
echo "{RC_PREFIX}$rc"
sync
poweroff -f
"#
    )
}

/// Writes an uncompressed newc cpio archive: busybox, `/init`, `/dev/console`, the run's files.
fn build_initramfs(out: &Path, run: &VmRun) -> Result<(), String> {
    let busybox = static_busybox()?;
    let mut w = Cpio::default();
    for d in ["bin", "dev", "proc", "sys", "tmp"] {
        w.dir(d);
    }
    w.char_dev("dev/console", 5, 1);
    w.file("bin/busybox", 0o755, &read(&busybox)?);
    w.file("init", 0o755, init_script().as_bytes());
    w.file("argctx-vm-script.sh", 0o755, run.script.as_bytes());
    let config = (
        run.kernel.config.clone(),
        format!("/boot/config-{}", run.kernel.release),
    );
    for (host, guest) in run.files.iter().chain(std::iter::once(&config)) {
        let rel = guest.trim_start_matches('/');
        if rel.is_empty() {
            return Err(format!("invalid guest path {guest:?}"));
        }
        // parent directories
        let mut acc = String::new();
        let parts: Vec<&str> = rel.split('/').collect();
        for p in &parts[..parts.len() - 1] {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(p);
            w.dir(&acc);
        }
        let data = read(host)?;
        let mode = file_mode(host).unwrap_or(0o644);
        w.file(rel, mode, &data);
    }
    std::fs::write(out, w.finish()).map_err(|e| format!("writing {}: {e}", out.display()))
}

fn read(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("reading {}: {e}", p.display()))
}

#[cfg(unix)]
fn file_mode(p: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> Option<u32> {
    None
}

#[derive(Default)]
struct Cpio {
    buf: Vec<u8>,
    ino: u32,
    dirs: std::collections::BTreeSet<String>,
}

impl Cpio {
    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        self.ino += 1;
        let fields = [
            self.ino,
            mode,
            0,
            0,
            if mode & 0o170000 == 0o040000 { 2 } else { 1 },
            0,
            data.len() as u32,
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0,
        ];
        self.buf.extend_from_slice(b"070701");
        for f in fields {
            self.buf.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(0);
        self.pad();
        self.buf.extend_from_slice(data);
        self.pad();
    }
    fn pad(&mut self) {
        while self.buf.len() & 3 != 0 {
            self.buf.push(0);
        }
    }
    fn dir(&mut self, name: &str) {
        if self.dirs.insert(name.to_string()) {
            self.entry(name, 0o040755, (0, 0), &[]);
        }
    }
    fn char_dev(&mut self, name: &str, major: u32, minor: u32) {
        self.entry(name, 0o020600, (major, minor), &[]);
    }
    fn file(&mut self, name: &str, perm: u32, data: &[u8]) {
        self.entry(name, 0o100000 | perm, (0, 0), data);
    }
    fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        while self.buf.len() & 511 != 0 {
            self.buf.push(0);
        }
        self.buf
    }
}

// ---------------------------------------------------------------------------------------------
// paths, tools, kernel, builds
// ---------------------------------------------------------------------------------------------

/// The workspace root (parent of the xtask crate).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Cargo's target directory (`CARGO_TARGET_DIR` or `<root>/target`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                workspace_root().join(d)
            }
        }
        _ => workspace_root().join("target"),
    }
}

/// `target/vm/`: kernel cache, work directories, result files.
pub fn vm_dir() -> PathBuf {
    target_dir().join("vm")
}

/// A fresh `target/vm/work/<pid>-<n>/`. Directories left behind by processes that no longer
/// exist (failed runs keep theirs for inspection) are removed first.
fn new_work_dir() -> Result<PathBuf, String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let base = vm_dir().join("work");
    if let Ok(entries) = std::fs::read_dir(&base) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid = name.split('-').next().and_then(|p| p.parse::<u32>().ok());
            if let Some(pid) = pid {
                if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                    std::fs::remove_dir_all(e.path()).ok();
                }
            }
        }
    }
    let d = base.join(format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    if d.exists() {
        std::fs::remove_dir_all(&d).map_err(|e| format!("cleaning {}: {e}", d.display()))?;
    }
    std::fs::create_dir_all(&d).map_err(|e| format!("creating {}: {e}", d.display()))?;
    Ok(d)
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub(crate) fn sh(cmd: &mut Command) -> Result<String, String> {
    let desc = format!("{cmd:?}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {desc}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{desc} failed ({}):\n{}",
            out.status,
            tail(&String::from_utf8_lossy(&out.stderr), 20)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// True when `path` is an ELF file without a PT_INTERP program header (statically linked,
/// static-pie included).
pub fn elf_is_static(path: &Path) -> Result<bool, String> {
    let d = read(path)?;
    let u16_at = |o: usize| d.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        d.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        d.get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    if d.get(0..4) != Some(b"\x7fELF") || d.get(4) != Some(&2) || d.get(5) != Some(&1) {
        return Err(format!(
            "{} is not a 64-bit little-endian ELF file",
            path.display()
        ));
    }
    let bad = || format!("{}: truncated ELF header", path.display());
    let phoff = u64_at(0x20).ok_or_else(bad)? as usize;
    let phentsize = u16_at(0x36).ok_or_else(bad)? as usize;
    let phnum = u16_at(0x38).ok_or_else(bad)? as usize;
    for i in 0..phnum {
        if u32_at(phoff + i * phentsize).ok_or_else(bad)? == 3 {
            return Ok(false);
        }
    }
    Ok(true)
}

fn static_busybox() -> Result<PathBuf, String> {
    for p in ["/bin/busybox", "/usr/bin/busybox"] {
        let p = PathBuf::from(p);
        if p.is_file() && elf_is_static(&p).unwrap_or(false) {
            return Ok(p);
        }
    }
    Err("no statically linked busybox found (apt-get install -y busybox-static)".into())
}

fn apt_install(pkgs: &[&str]) -> Result<(), String> {
    eprintln!("vm: apt-get install -y {}", pkgs.join(" "));
    let install = || {
        sh(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(pkgs)
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    if install().is_ok() {
        return Ok(());
    }
    sh(Command::new("apt-get").arg("update"))?;
    install().map(|_| ())
}

/// Installs qemu-system-x86 and busybox-static when missing (`apt-get update` first if needed).
pub fn ensure_host_tools() -> Result<(), String> {
    let mut missing = Vec::new();
    if which("qemu-system-x86_64").is_none() {
        missing.push("qemu-system-x86");
    }
    if static_busybox().is_err() {
        missing.push("busybox-static");
    }
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing)?;
    if which("qemu-system-x86_64").is_none() {
        return Err("qemu-system-x86_64 still missing after apt-get install".into());
    }
    static_busybox().map(|_| ())
}

/// Builds `bin` of `package` as a static executable
/// (`RUSTFLAGS=-C target-feature=+crt-static cargo build --release --target x86_64-unknown-linux-gnu`)
/// and returns its path.
pub fn build_static(package: &str, bin: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            package,
            "--bin",
            bin,
            "--target",
            STATIC_TARGET,
        ])
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build of {package}/{bin} failed ({status})"));
    }
    let path = target_dir().join(STATIC_TARGET).join("release").join(bin);
    if !elf_is_static(&path)? {
        return Err(format!("{} is dynamically linked", path.display()));
    }
    eprintln!("vm: built {} in {:.1?}", path.display(), started.elapsed());
    Ok(path)
}

// ---------------------------------------------------------------------------------------------
// commands
// ---------------------------------------------------------------------------------------------

fn usage() -> String {
    "usage: cargo xtask vm oracle [--kernel 5.10|6.1|6.12|sid|host] [--out PATH] [--obj FILE.o]... \
     [--timeout SECS] [-- ORACLE-ARGS...]\n       cargo xtask vm exec [--kernel K] \
     [--file HOST[:GUEST]]... [--timeout SECS] -- SHELL-COMMAND..."
        .into()
}

/// `vm exec`: ad-hoc run of a shell command in the guest (files default to /w/<file name>).
fn exec(args: &[String]) -> Result<(), String> {
    let mut kernel = "6.1".to_string();
    let mut files = Vec::new();
    let mut timeout = Duration::from_secs(600);
    let mut it = args.iter();
    let mut script = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--kernel" => kernel = it.next().ok_or_else(usage)?.clone(),
            "--file" => {
                let spec = it.next().ok_or_else(usage)?;
                let (host, guest) = match spec.split_once(':') {
                    Some((h, g)) => (PathBuf::from(h), g.to_string()),
                    None => {
                        let h = PathBuf::from(spec);
                        let name = h
                            .file_name()
                            .ok_or_else(usage)?
                            .to_string_lossy()
                            .into_owned();
                        (h, format!("/w/{name}"))
                    }
                };
                files.push((host, guest));
            }
            "--timeout" => {
                let s = it.next().ok_or_else(usage)?;
                timeout = Duration::from_secs(s.parse().map_err(|_| usage())?);
            }
            "--" => script.extend(it.by_ref().cloned()),
            _ => return Err(usage()),
        }
    }
    if script.is_empty() {
        return Err(usage());
    }
    let kernel = kernels::ensure(kernels::series(&kernel)?)?;
    let res = run_in_vm_full(&VmRun {
        kernel: &kernel,
        files,
        script: script.join(" ") + "\n",
        timeout,
    })?;
    use std::io::Write;
    std::io::stdout()
        .write_all(&res.stdout)
        .map_err(|e| e.to_string())?;
    std::io::stderr()
        .write_all(&res.stderr)
        .map_err(|e| e.to_string())?;
    eprintln!("vm: qemu ran {:.1?}", res.elapsed);
    if res.rc != 0 {
        return Err(format!("guest command exited with status {}", res.rc));
    }
    Ok(())
}

/// Entry point of `cargo xtask vm …`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args.split_first() {
        Some((c, rest)) if c == "oracle" => oracle(rest),
        Some((c, rest)) if c == "exec" => exec(rest),
        _ => Err(usage()),
    }
}

/// The objects every kernel suite compares: `tests/fixtures/*.o`, then the corpus
/// (`tests/corpus/*.o`), each sorted.
pub fn fixtures() -> Result<Vec<PathBuf>, String> {
    let mut all = Vec::new();
    for dir in ["tests/fixtures", crate::fixtures::CORPUS_DIR] {
        let dir = workspace_root().join(dir);
        let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("reading {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "o"))
            .collect();
        v.sort();
        if v.is_empty() {
            return Err(format!(
                "no *.o in {} (run `cargo xtask fixtures`)",
                dir.display()
            ));
        }
        all.extend(v);
    }
    Ok(all)
}

/// Path of an object as the oracle sees it: relative to the workspace root when inside it
/// (identical on the host and in the guest), else `obj/<file name>`.
fn oracle_rel_path(p: &Path) -> String {
    let root = workspace_root();
    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    match abs.strip_prefix(&root) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => format!(
            "obj/{}",
            p.file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default()
        ),
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn oracle(args: &[String]) -> Result<(), String> {
    let mut out: Option<PathBuf> = None;
    let mut kernel_name = "6.1".to_string();
    let mut objs: Vec<PathBuf> = Vec::new();
    let mut timeout = Duration::from_secs(600);
    let mut extra: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = Some(it.next().ok_or_else(usage)?.into()),
            "--host" => kernel_name = "host".into(),
            "--kernel" => kernel_name = it.next().ok_or_else(usage)?.clone(),
            "--obj" => objs.push(it.next().ok_or_else(usage)?.into()),
            "--timeout" => {
                let s = it.next().ok_or_else(usage)?;
                timeout = Duration::from_secs(s.parse().map_err(|_| usage())?);
            }
            "--" => {
                extra.extend(it.by_ref().cloned());
            }
            _ => return Err(usage()),
        }
    }
    if objs.is_empty() {
        objs = fixtures()?;
    }
    let host = kernel_name == "host";
    let kernel = if host {
        None
    } else {
        Some(kernels::ensure(kernels::series(&kernel_name)?)?)
    };
    let out = out.unwrap_or_else(|| oracle_path(&kernel_name));

    let oracle_bin = build_static("argctx-oracle", "argctx-oracle")?;
    let rels: Vec<String> = objs.iter().map(|p| oracle_rel_path(p)).collect();
    let mut oracle_args: Vec<String> = vec!["--pretty".into(), "--no-fallback".into()];
    if !host {
        // The helper table (core/src/verdict/helpers.tsv) comes from these probes.
        oracle_args.push("--probe-helpers".into());
    }
    oracle_args.extend(extra);
    oracle_args.extend(rels.iter().cloned());

    let started = Instant::now();
    let json = if let Some(kernel) = &kernel {
        vm_oracle(kernel, &oracle_bin, &objs, &rels, &oracle_args, timeout)?
    } else {
        let stage = new_work_dir()?;
        for (p, rel) in objs.iter().zip(&rels) {
            let dest = stage.join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            std::fs::copy(p, &dest).map_err(|e| format!("copying {}: {e}", p.display()))?;
        }
        let o = Command::new(&oracle_bin)
            .args(&oracle_args)
            .current_dir(&stage)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", oracle_bin.display()))?;
        std::fs::remove_dir_all(&stage).ok();
        if !o.status.success() {
            return Err(format!(
                "argctx-oracle failed ({}):\n{}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        String::from_utf8(o.stdout).map_err(|e| format!("oracle output is not UTF-8: {e}"))?
    };
    if !json.trim_start().starts_with('{') {
        return Err(format!(
            "oracle output is not a JSON document:\n{}",
            tail(&json, 20)
        ));
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    std::fs::write(&out, &json).map_err(|e| format!("writing {}: {e}", out.display()))?;
    eprintln!(
        "vm: wrote {} ({} objects, {:.1?})",
        out.display(),
        objs.len(),
        started.elapsed()
    );
    Ok(())
}

/// `target/vm/oracle-<kernel>.json`: where `vm oracle --kernel K` writes by default.
pub fn oracle_path(kernel: &str) -> PathBuf {
    vm_dir().join(format!("oracle-{kernel}.json"))
}

/// The oracle on `objs` in one boot of `kernel`; its JSON text.
fn vm_oracle(
    kernel: &Kernel,
    oracle_bin: &Path,
    objs: &[PathBuf],
    rels: &[String],
    oracle_args: &[String],
    timeout: Duration,
) -> Result<String, String> {
    let mut files = vec![(oracle_bin.to_path_buf(), "/bin/argctx-oracle".to_string())];
    for (p, rel) in objs.iter().zip(rels) {
        files.push((p.clone(), format!("/w/{rel}")));
    }
    let quoted: Vec<String> = oracle_args.iter().map(|a| shell_quote(a)).collect();
    let script = format!("cd /w && /bin/argctx-oracle {}\n", quoted.join(" "));
    let res = run_in_vm_full(&VmRun {
        kernel,
        files,
        script,
        timeout,
    })?;
    eprintln!(
        "vm: {} ran {:.1?} (boot to /init ready: {})",
        kernel.release,
        res.elapsed,
        res.boot
            .map(|b| format!("{b:.1?}"))
            .unwrap_or_else(|| "?".into())
    );
    if res.rc != 0 {
        return Err(format!(
            "argctx-oracle exited with status {} in the guest:\n{}",
            res.rc,
            tail(&String::from_utf8_lossy(&res.stderr), 40)
        ));
    }
    String::from_utf8(res.stdout).map_err(|e| format!("oracle output is not UTF-8: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_roundtrip_known_vectors() {
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("Zg==").unwrap(), b"f");
        assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
        assert_eq!(base64_decode("Zm9vYmFy").unwrap(), b"foobar");
        assert!(base64_decode("Zm9").is_err());
        assert!(base64_decode("Zg==Zm9v").is_err());
    }

    #[test]
    fn section_skips_noise_lines() {
        let text =
            format!("boot\n{OUT_BEGIN}\nZm9v\n[    1.0] random: crng init done\nYmFy\n{OUT_END}\n");
        assert_eq!(
            decode_section(&text, OUT_BEGIN, OUT_END).unwrap(),
            b"foobar"
        );
        assert!(decode_section("nothing", OUT_BEGIN, OUT_END).is_err());
    }

    #[test]
    fn cpio_is_aligned_and_terminated() {
        let mut c = Cpio::default();
        c.dir("bin");
        c.file("bin/x", 0o755, b"abc");
        let b = c.finish();
        assert_eq!(b.len() % 512, 0);
        assert!(b.starts_with(b"070701"));
        assert!(b.windows(10).any(|w| w == b"TRAILER!!!"));
    }
}
