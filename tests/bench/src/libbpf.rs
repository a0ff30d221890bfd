//! The few libbpf 1.7 entry points the benchmarks time, wrapped so `main.rs` stays safe code.

use libbpf_sys as sys;
use std::ffi::{c_void, CString};
use std::os::raw::c_int;
use std::path::Path;

/// Silences libbpf: with no print callback it formats nothing at all.
pub fn silence() {
    // SAFETY: setting the global print callback to none is always valid.
    unsafe {
        sys::libbpf_set_print(None);
    }
}

/// `libbpf_major_version().libbpf_minor_version()`.
pub fn version() -> String {
    // SAFETY: plain getters.
    unsafe {
        format!(
            "{}.{}",
            sys::libbpf_major_version(),
            sys::libbpf_minor_version()
        )
    }
}

/// `btf__new(data, len)` then `btf__free`; returns the type count (with void).
pub fn btf_new(data: &[u8]) -> Result<u32, String> {
    let len = u32::try_from(data.len()).map_err(|_| "BTF blob larger than 4 GiB".to_string())?;
    // SAFETY: libbpf copies `data` (len bytes, borrowed for the call) into its own buffer.
    unsafe {
        let btf = sys::btf__new(data.as_ptr().cast::<c_void>(), len);
        if btf.is_null() || sys::libbpf_get_error(btf.cast::<c_void>()) != 0 {
            return Err(format!("btf__new failed: {}", errno()));
        }
        let n = sys::btf__type_cnt(btf);
        sys::btf__free(btf);
        Ok(n)
    }
}

/// `btf__parse(path, NULL)` then `btf__free`; returns the type count (with void).
pub fn btf_parse(path: &Path) -> Result<u32, String> {
    let c = cpath(path)?;
    // SAFETY: `c` is a NUL-terminated path; a NULL btf_ext out-pointer is allowed.
    unsafe {
        let btf = sys::btf__parse(c.as_ptr(), std::ptr::null_mut());
        if btf.is_null() || sys::libbpf_get_error(btf.cast::<c_void>()) != 0 {
            return Err(format!("btf__parse failed: {}", errno()));
        }
        let n = sys::btf__type_cnt(btf);
        sys::btf__free(btf);
        Ok(n)
    }
}

/// What one `bpf_object__open_mem` (and optionally `bpf_object__prepare`) produced.
#[derive(Debug, Default, Clone)]
pub struct ObjectInfo {
    /// Programs libbpf lists (entry programs only; subprograms are not `bpf_program`s).
    pub programs: usize,
    /// Sum of `bpf_program__insn_cnt` over them (after prepare: linked, subprograms appended).
    pub insns: usize,
    /// `btf__raw_data` of the object's BTF after prepare (what `BPF_BTF_LOAD` received).
    pub btf: Option<Vec<u8>>,
}

/// `bpf_object__open_mem`, then `bpf_object__prepare` when `prepare`, then `bpf_object__close`.
/// With `inspect`, also counts programs and instructions and copies the BTF (not to be timed).
pub fn open_mem(data: &[u8], prepare: bool, inspect: bool) -> Result<ObjectInfo, String> {
    // SAFETY: libbpf copies the object bytes during open; every pointer it returns is used only
    // before `bpf_object__close`.
    unsafe {
        let obj = sys::bpf_object__open_mem(
            data.as_ptr().cast::<c_void>(),
            data.len() as sys::size_t,
            std::ptr::null(),
        );
        if obj.is_null() {
            return Err(format!("bpf_object__open_mem failed: {}", errno()));
        }
        if prepare {
            let err = sys::bpf_object__prepare(obj);
            if err != 0 {
                sys::bpf_object__close(obj);
                return Err(format!("bpf_object__prepare failed: {}", strerror(err)));
            }
        }
        let mut info = ObjectInfo::default();
        if inspect {
            let mut p = sys::bpf_object__next_program(obj, std::ptr::null_mut());
            while !p.is_null() {
                info.programs += 1;
                info.insns += sys::bpf_program__insn_cnt(p) as usize;
                p = sys::bpf_object__next_program(obj, p);
            }
            let btf = sys::bpf_object__btf(obj);
            if !btf.is_null() {
                let mut size = 0u32;
                let raw = sys::btf__raw_data(btf, &mut size);
                if !raw.is_null() {
                    info.btf =
                        Some(std::slice::from_raw_parts(raw.cast::<u8>(), size as usize).to_vec());
                }
            }
        }
        sys::bpf_object__close(obj);
        Ok(info)
    }
}

/// `bpf_btf_load` (the `BPF_BTF_LOAD` syscall, kernel-side verification) then `close`.
pub fn btf_load(raw: &[u8]) -> Result<(), String> {
    // SAFETY: the blob is borrowed for the call; NULL opts are allowed; the fd is ours to close.
    unsafe {
        let fd = sys::bpf_btf_load(
            raw.as_ptr().cast::<c_void>(),
            raw.len() as sys::size_t,
            std::ptr::null_mut(),
        );
        if fd < 0 {
            return Err(format!("bpf_btf_load failed: {}", strerror(fd)));
        }
        close(fd);
    }
    Ok(())
}

extern "C" {
    fn close(fd: c_int) -> c_int;
}

fn cpath(path: &Path) -> Result<CString, String> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| format!("{} has a NUL", path.display()))
}

fn errno() -> std::io::Error {
    std::io::Error::last_os_error()
}

fn strerror(err: c_int) -> String {
    std::io::Error::from_raw_os_error(err.saturating_abs()).to_string()
}
