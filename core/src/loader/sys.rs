//! The loader's only `unsafe` code: the `bpf(2)` system call, adopting the file descriptors it
//! returns, and `sysconf(_SC_PAGESIZE)`.
//!
//! Audit notes. Every command is wrapped in a safe function that fills `union bpf_attr` itself.
//! A pointer can only get into an attribute through [`Attr::slice`] or [`Attr::slice_mut`],
//! called with a slice that the wrapper borrows for the whole call, and every length or count
//! the kernel pairs with that pointer is derived from the same slice (never from a caller's
//! number). So the kernel reads at most what the slice holds and writes at most into the mutable
//! slices. The two info queries that pass an output array inside the info struct (func_info
//! records, BTF bytes) take its address from a vector they keep alive across the call, with the
//! count or size the kernel honours derived from that vector's length. Map element access asks
//! the kernel for the map's key and value sizes first and refuses buffers that are too short,
//! and refuses per-CPU maps (whose values span every possible CPU).
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// `enum bpf_cmd` values used here.
mod cmd {
    pub(super) const MAP_CREATE: u32 = 0;
    pub(super) const MAP_LOOKUP_ELEM: u32 = 1;
    pub(super) const MAP_UPDATE_ELEM: u32 = 2;
    pub(super) const PROG_LOAD: u32 = 5;
    pub(super) const PROG_TEST_RUN: u32 = 10;
    pub(super) const OBJ_GET_INFO_BY_FD: u32 = 15;
    pub(super) const BTF_LOAD: u32 = 18;
    pub(super) const MAP_FREEZE: u32 = 22;
}

/// Size of `union bpf_attr` in Linux 6.1; every field this module sets lies inside it. Newer
/// kernels accept a shorter attribute, and older ones accept a longer one whose tail is zero.
const ATTR_SIZE: usize = 144;
/// `struct bpf_prog_info` as of 6.1 (232 bytes); the kernel copies back at most this much.
const PROG_INFO_SIZE: usize = 232;
/// `struct bpf_map_info` (88 bytes).
const MAP_INFO_SIZE: usize = 88;
/// `struct bpf_btf_info` (32 bytes).
const BTF_INFO_SIZE: usize = 32;
/// `BPF_OBJ_NAME_LEN`.
const OBJ_NAME_LEN: usize = 16;
/// `sizeof(struct bpf_func_info)`.
pub(crate) const FUNC_INFO_REC: usize = 8;
/// `sizeof(struct bpf_line_info)`.
pub(crate) const LINE_INFO_REC: usize = 16;

/// `union bpf_attr`, as bytes with the union's 8-byte alignment.
#[repr(C, align(8))]
struct Attr([u8; ATTR_SIZE]);

impl Attr {
    fn new() -> Self {
        Attr([0; ATTR_SIZE])
    }

    fn put(&mut self, off: usize, bytes: &[u8]) {
        if let Some(dst) = off
            .checked_add(bytes.len())
            .and_then(|end| self.0.get_mut(off..end))
        {
            dst.copy_from_slice(bytes);
        }
    }

    fn u32(&mut self, off: usize, v: u32) {
        self.put(off, &v.to_ne_bytes());
    }

    fn u64(&mut self, off: usize, v: u64) {
        self.put(off, &v.to_ne_bytes());
    }

    fn get_u32(&self, off: usize) -> u32 {
        read_u32(&self.0, off)
    }

    /// Stores the address of `s` (the kernel reads at most `s.len()` bytes from it: callers set
    /// the matching length from the same slice).
    fn slice(&mut self, off: usize, s: &[u8]) {
        self.u64(off, s.as_ptr() as usize as u64);
    }

    /// Stores the address of `s` for the kernel to write into (at most `s.len()` bytes).
    fn slice_mut(&mut self, off: usize, s: &mut [u8]) {
        self.u64(off, s.as_mut_ptr() as usize as u64);
    }

    /// A 16-byte object name, truncated to 15 bytes and NUL-terminated like libbpf's strlcpy.
    fn name(&mut self, off: usize, name: &str) {
        let b = name.as_bytes();
        let n = b.len().min(OBJ_NAME_LEN - 1);
        self.put(off, b.get(..n).unwrap_or_default());
    }
}

fn read_u32(b: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(src) = off.checked_add(4).and_then(|end| b.get(off..end)) {
        w.copy_from_slice(src);
    }
    u32::from_ne_bytes(w)
}

fn put_u32(b: &mut [u8], off: usize, v: u32) {
    if let Some(dst) = off.checked_add(4).and_then(|end| b.get_mut(off..end)) {
        dst.copy_from_slice(&v.to_ne_bytes());
    }
}

fn put_u64(b: &mut [u8], off: usize, v: u64) {
    if let Some(dst) = off.checked_add(8).and_then(|end| b.get_mut(off..end)) {
        dst.copy_from_slice(&v.to_ne_bytes());
    }
}

fn len_u32(len: usize) -> io::Result<u32> {
    u32::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::E2BIG))
}

fn einval() -> io::Error {
    io::Error::from_raw_os_error(libc::EINVAL)
}

fn fd_u32(fd: Option<BorrowedFd<'_>>) -> u32 {
    fd.map_or(0, |f| f.as_raw_fd() as u32)
}

/// The system call. Private: only the wrappers below build attributes.
fn sys_bpf(command: u32, attr: &mut Attr) -> io::Result<libc::c_long> {
    // SAFETY: `attr` is a live, 8-byte-aligned, writable buffer of ATTR_SIZE bytes, and
    // ATTR_SIZE is the size passed. Every pointer inside it was stored by `Attr::slice` or
    // `Attr::slice_mut` from a slice the calling wrapper keeps borrowed until this call returns,
    // with each paired length taken from that same slice (see the module notes), so the kernel
    // only touches memory we own for the duration of the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            command as libc::c_long,
            attr.0.as_mut_ptr(),
            ATTR_SIZE as libc::c_long,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Takes ownership of a descriptor the kernel just returned.
fn adopt(ret: libc::c_long) -> io::Result<OwnedFd> {
    let fd = RawFd::try_from(ret).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
    if fd < 0 {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: `fd` was returned by a successful bpf() command that creates a new descriptor
    // (MAP_CREATE, PROG_LOAD, BTF_LOAD); nothing else owns it, and it is open.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Retries a command the kernel interrupted (EAGAIN, as libbpf does for program loads, and EINTR).
fn retrying(command: u32, attr: &mut Attr) -> io::Result<libc::c_long> {
    let mut tries = 0;
    loop {
        match sys_bpf(command, attr) {
            Err(e)
                if tries < 5
                    && matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR)) =>
            {
                tries += 1;
            }
            r => return r,
        }
    }
}

/// The system's page size (for ring buffer sizes).
pub(crate) fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions; it only reads a configuration value.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(v).ok().filter(|&v| v > 0).unwrap_or(4096)
}

/// `BPF_MAP_CREATE` arguments.
#[derive(Debug, Clone, Default)]
pub(crate) struct MapCreate<'a> {
    pub(crate) map_type: u32,
    pub(crate) key_size: u32,
    pub(crate) value_size: u32,
    pub(crate) max_entries: u32,
    pub(crate) map_flags: u32,
    pub(crate) numa_node: u32,
    pub(crate) name: &'a str,
    pub(crate) btf_fd: Option<BorrowedFd<'a>>,
    pub(crate) btf_key_type_id: u32,
    pub(crate) btf_value_type_id: u32,
    pub(crate) map_extra: u64,
}

/// `BPF_MAP_CREATE`.
pub(crate) fn map_create(m: &MapCreate<'_>) -> io::Result<OwnedFd> {
    let mut a = Attr::new();
    a.u32(0, m.map_type);
    a.u32(4, m.key_size);
    a.u32(8, m.value_size);
    a.u32(12, m.max_entries);
    a.u32(16, m.map_flags);
    a.u32(24, m.numa_node);
    a.name(28, m.name);
    a.u32(48, fd_u32(m.btf_fd));
    a.u32(52, m.btf_key_type_id);
    a.u32(56, m.btf_value_type_id);
    a.u64(64, m.map_extra);
    adopt(sys_bpf(cmd::MAP_CREATE, &mut a)?)
}

/// What the kernel says about a map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MapInfo {
    pub(crate) map_type: u32,
    pub(crate) id: u32,
    pub(crate) key_size: u32,
    pub(crate) value_size: u32,
    pub(crate) max_entries: u32,
    pub(crate) map_flags: u32,
    pub(crate) name: String,
    pub(crate) btf_id: u32,
    pub(crate) btf_key_type_id: u32,
    pub(crate) btf_value_type_id: u32,
}

fn c_name(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or_default()).into_owned()
}

/// `BPF_OBJ_GET_INFO_BY_FD` into `info` (whose pointer fields the caller set from slices it
/// borrows in `keep`, or left zero).
fn obj_info(fd: BorrowedFd<'_>, info: &mut [u8]) -> io::Result<()> {
    let mut a = Attr::new();
    a.u32(0, fd.as_raw_fd() as u32);
    a.u32(4, len_u32(info.len())?);
    a.slice_mut(8, info);
    sys_bpf(cmd::OBJ_GET_INFO_BY_FD, &mut a).map(drop)
}

/// `BPF_OBJ_GET_INFO_BY_FD` for a map.
pub(crate) fn map_info(fd: BorrowedFd<'_>) -> io::Result<MapInfo> {
    let mut b = [0u8; MAP_INFO_SIZE];
    obj_info(fd, &mut b)?;
    Ok(MapInfo {
        map_type: read_u32(&b, 0),
        id: read_u32(&b, 4),
        key_size: read_u32(&b, 8),
        value_size: read_u32(&b, 12),
        max_entries: read_u32(&b, 16),
        map_flags: read_u32(&b, 20),
        name: c_name(b.get(24..40).unwrap_or_default()),
        btf_id: read_u32(&b, 64),
        btf_key_type_id: read_u32(&b, 68),
        btf_value_type_id: read_u32(&b, 72),
    })
}

/// Per-CPU map types: a value is `round_up(value_size, 8)` bytes per possible CPU.
fn is_percpu(map_type: u32) -> bool {
    // PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE.
    matches!(map_type, 5 | 6 | 10 | 21)
}

/// The map's key and value sizes, refusing per-CPU maps and buffers shorter than the kernel
/// will access.
fn checked_sizes(fd: BorrowedFd<'_>, key: usize, value: usize) -> io::Result<MapInfo> {
    let info = map_info(fd)?;
    if is_percpu(info.map_type) || key < info.key_size as usize || value < info.value_size as usize
    {
        return Err(einval());
    }
    Ok(info)
}

/// `BPF_MAP_UPDATE_ELEM` (not for per-CPU maps). `key` and `value` must be at least the map's
/// key and value size.
pub(crate) fn map_update_elem(
    fd: BorrowedFd<'_>,
    key: &[u8],
    value: &[u8],
    flags: u64,
) -> io::Result<()> {
    checked_sizes(fd, key.len(), value.len())?;
    let mut a = Attr::new();
    a.u32(0, fd.as_raw_fd() as u32);
    a.slice(8, key);
    a.slice(16, value);
    a.u64(24, flags);
    sys_bpf(cmd::MAP_UPDATE_ELEM, &mut a).map(drop)
}

/// `BPF_MAP_LOOKUP_ELEM` (not for per-CPU maps): the value, or `None` when the key is absent.
pub(crate) fn map_lookup_elem(fd: BorrowedFd<'_>, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
    let info = checked_sizes(fd, key.len(), usize::MAX)?;
    let mut value = vec![0u8; info.value_size as usize];
    let mut a = Attr::new();
    a.u32(0, fd.as_raw_fd() as u32);
    a.slice(8, key);
    a.slice_mut(16, &mut value);
    match sys_bpf(cmd::MAP_LOOKUP_ELEM, &mut a) {
        Ok(_) => Ok(Some(value)),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `BPF_MAP_FREEZE`.
pub(crate) fn map_freeze(fd: BorrowedFd<'_>) -> io::Result<()> {
    let mut a = Attr::new();
    a.u32(0, fd.as_raw_fd() as u32);
    sys_bpf(cmd::MAP_FREEZE, &mut a).map(drop)
}

/// `BPF_BTF_LOAD`; with `log`, asks for the kernel's log (level 1) in it.
pub(crate) fn btf_load(blob: &[u8], log: Option<&mut [u8]>) -> (io::Result<OwnedFd>, u32) {
    let mut a = Attr::new();
    a.slice(0, blob);
    let size = match len_u32(blob.len()) {
        Ok(s) => s,
        Err(e) => return (Err(e), 0),
    };
    a.u32(16, size);
    if let Some(log) = log {
        let Ok(log_size) = len_u32(log.len()) else {
            return (Err(einval()), 0);
        };
        if log_size > 0 {
            a.slice_mut(8, log);
            a.u32(20, log_size);
            a.u32(24, 1);
        }
        let r = sys_bpf(cmd::BTF_LOAD, &mut a).and_then(adopt);
        // btf_log_true_size (6.4+) follows btf_log_level; older kernels leave it zero.
        return (r, a.get_u32(28));
    }
    (sys_bpf(cmd::BTF_LOAD, &mut a).and_then(adopt), 0)
}

/// `BPF_PROG_LOAD` arguments. Instructions, func_info and line_info are raw records in the
/// machine's byte order; their counts are derived from the slice lengths.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProgLoad<'a> {
    pub(crate) prog_type: u32,
    pub(crate) expected_attach_type: u32,
    pub(crate) name: &'a str,
    pub(crate) license: &'a CStr,
    pub(crate) insns: &'a [u8],
    pub(crate) kern_version: u32,
    pub(crate) prog_flags: u32,
    pub(crate) btf_fd: Option<BorrowedFd<'a>>,
    pub(crate) func_info: &'a [u8],
    pub(crate) line_info: &'a [u8],
    pub(crate) attach_btf_id: u32,
}

/// `BPF_PROG_LOAD`; with `log`, asks for the verifier's log (`level`, at least 1) in it.
/// Returns the result and `log_true_size` (0 on kernels before 6.4).
pub(crate) fn prog_load(
    p: &ProgLoad<'_>,
    log: Option<(&mut [u8], u32)>,
) -> (io::Result<OwnedFd>, u32) {
    let counts = (|| {
        if p.insns.len() % 8 != 0
            || p.func_info.len() % FUNC_INFO_REC != 0
            || p.line_info.len() % LINE_INFO_REC != 0
        {
            return Err(einval());
        }
        Ok((
            len_u32(p.insns.len() / 8)?,
            len_u32(p.func_info.len() / FUNC_INFO_REC)?,
            len_u32(p.line_info.len() / LINE_INFO_REC)?,
        ))
    })();
    let (insn_cnt, func_info_cnt, line_info_cnt) = match counts {
        Ok(c) => c,
        Err(e) => return (Err(e), 0),
    };
    let mut a = Attr::new();
    a.u32(0, p.prog_type);
    a.u32(4, insn_cnt);
    a.slice(8, p.insns);
    a.slice(16, p.license.to_bytes_with_nul());
    a.u32(40, p.kern_version);
    a.u32(44, p.prog_flags);
    a.name(48, p.name);
    a.u32(68, p.expected_attach_type);
    if let Some(btf) = p.btf_fd {
        a.u32(72, btf.as_raw_fd() as u32);
        if func_info_cnt > 0 {
            a.u32(76, FUNC_INFO_REC as u32);
            a.slice(80, p.func_info);
            a.u32(88, func_info_cnt);
        }
        if line_info_cnt > 0 {
            a.u32(92, LINE_INFO_REC as u32);
            a.slice(96, p.line_info);
            a.u32(104, line_info_cnt);
        }
    }
    a.u32(108, p.attach_btf_id);
    if let Some((buf, level)) = log {
        let Ok(size) = len_u32(buf.len()) else {
            return (Err(einval()), 0);
        };
        if size > 0 && level > 0 {
            a.u32(24, level);
            a.u32(28, size);
            a.slice_mut(32, buf);
        }
        let r = retrying(cmd::PROG_LOAD, &mut a).and_then(adopt);
        return (r, a.get_u32(140));
    }
    (retrying(cmd::PROG_LOAD, &mut a).and_then(adopt), 0)
}

/// What the kernel says about a loaded program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProgInfo {
    pub(crate) prog_type: u32,
    pub(crate) id: u32,
    pub(crate) name: String,
    pub(crate) xlated_insn_cnt: u32,
    pub(crate) btf_id: u32,
    pub(crate) func_info: Vec<(u32, u32)>,
    pub(crate) nr_line_info: u32,
    pub(crate) attach_btf_obj_id: u32,
    pub(crate) attach_btf_id: u32,
}

/// `BPF_OBJ_GET_INFO_BY_FD` for a program, with its func_info records.
pub(crate) fn prog_info(fd: BorrowedFd<'_>) -> io::Result<ProgInfo> {
    let mut b = [0u8; PROG_INFO_SIZE];
    obj_info(fd, &mut b)?;
    let nr_func_info = read_u32(&b, 144);
    let mut func_info = Vec::new();
    if nr_func_info > 0 {
        let mut recs = vec![0u8; (nr_func_info as usize).saturating_mul(FUNC_INFO_REC)];
        let mut b2 = [0u8; PROG_INFO_SIZE];
        put_u32(&mut b2, 132, FUNC_INFO_REC as u32);
        put_u64(&mut b2, 136, recs.as_mut_ptr() as usize as u64);
        put_u32(&mut b2, 144, nr_func_info);
        // The kernel writes min(nr_func_info, its count) * 8 bytes at that address: `recs`
        // holds nr_func_info * 8 and stays borrowed (alive, unaliased) across the call.
        obj_info(fd, &mut b2)?;
        let got = read_u32(&b2, 144).min(nr_func_info) as usize;
        func_info = recs
            .chunks_exact(FUNC_INFO_REC)
            .take(got)
            .map(|r| (read_u32(r, 0), read_u32(r, 4)))
            .collect();
    }
    Ok(ProgInfo {
        prog_type: read_u32(&b, 0),
        id: read_u32(&b, 4),
        name: c_name(b.get(64..80).unwrap_or_default()),
        xlated_insn_cnt: read_u32(&b, 20) / 8,
        btf_id: read_u32(&b, 128),
        func_info,
        nr_line_info: read_u32(&b, 148),
        attach_btf_obj_id: read_u32(&b, 220),
        attach_btf_id: read_u32(&b, 224),
    })
}

/// `BPF_OBJ_GET_INFO_BY_FD` for a BTF object: its id and the bytes the kernel holds.
pub(crate) fn btf_info(fd: BorrowedFd<'_>) -> io::Result<(u32, Vec<u8>)> {
    let mut b = [0u8; BTF_INFO_SIZE];
    obj_info(fd, &mut b)?;
    let size = read_u32(&b, 8);
    let mut data = vec![0u8; size as usize];
    let mut b2 = [0u8; BTF_INFO_SIZE];
    put_u64(&mut b2, 0, data.as_mut_ptr() as usize as u64);
    put_u32(&mut b2, 8, size);
    // The kernel copies min(btf_size, its size) bytes to `data`, which holds `size` bytes.
    obj_info(fd, &mut b2)?;
    let got = (read_u32(&b2, 8) as usize).min(data.len());
    data.truncate(got);
    Ok((read_u32(&b2, 12), data))
}

/// `BPF_PROG_TEST_RUN` with `data` as the packet (no output buffer, no context): the program's
/// return value.
pub(crate) fn prog_test_run(fd: BorrowedFd<'_>, data: &[u8], repeat: u32) -> io::Result<u32> {
    let mut a = Attr::new();
    a.u32(0, fd.as_raw_fd() as u32);
    a.u32(8, len_u32(data.len())?);
    a.slice(16, data);
    a.u32(32, repeat);
    sys_bpf(cmd::PROG_TEST_RUN, &mut a)?;
    Ok(a.get_u32(4))
}
