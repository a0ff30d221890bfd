//! Loading one program: data relocations on the linked instructions, func_info and line_info,
//! the attach target of tracing programs, and `BPF_PROG_LOAD` retried with a growing verifier
//! log as libbpf does. Also `BPF_BTF_LOAD` with the kernel's log.

use std::cell::OnceCell;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use super::{externs, kernel, reloc, sys, BtfError, LoadedProgram, Map, Problem, ProgramError};
use crate::btf::{Btf, Kind};
use crate::fallback::ProgramReport;
use crate::program::sec_def::{AttachType, ProgType, SecFlags};
use crate::program::{link, Object};

/// The error number of a failed system call.
pub(super) fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

/// Text of a kernel log buffer (up to its NUL).
fn log_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned()
}

const LOG_START: usize = 64 * 1024;
const LOG_MAX: usize = 64 * 1024 * 1024;

/// The next log size after `ENOSPC`, or `None` at the cap.
fn grow(size: usize, true_size: u32) -> Option<usize> {
    if size >= LOG_MAX {
        return None;
    }
    let want = (true_size as usize).saturating_add(1);
    Some(size.saturating_mul(4).max(want).min(LOG_MAX))
}

/// `BPF_BTF_LOAD`, then once more with the kernel's log when it fails.
pub(super) fn load_btf(blob: &[u8]) -> Result<OwnedFd, BtfError> {
    let (first, _) = sys::btf_load(blob, None);
    let errno = match first {
        Ok(fd) => return Ok(fd),
        Err(e) => errno_of(&e),
    };
    let mut size = LOG_START;
    loop {
        let mut buf = vec![0u8; size];
        let (r, true_size) = sys::btf_load(blob, Some(&mut buf));
        match r {
            Ok(fd) => return Ok(fd),
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => match grow(size, true_size) {
                Some(n) => size = n,
                None => {
                    return Err(BtfError {
                        errno,
                        log: log_text(&buf),
                    })
                }
            },
            Err(_) => {
                return Err(BtfError {
                    errno,
                    log: log_text(&buf),
                })
            }
        }
    }
}

/// `BPF_PROG_LOAD` as libbpf retries it: first without a log (unless one is wanted), then with
/// log level 1 and a buffer that grows while the kernel says `ENOSPC`.
fn load_prog(
    attr: &sys::ProgLoad<'_>,
    want_log: bool,
) -> Result<(OwnedFd, Option<String>), (i32, String)> {
    let mut verdict = None;
    if !want_log {
        let (first, _) = sys::prog_load(attr, None);
        match first {
            Ok(fd) => return Ok((fd, None)),
            Err(e) => verdict = Some(errno_of(&e)),
        }
    }
    let mut size = if want_log { 1024 * 1024 } else { LOG_START };
    loop {
        let mut buf = vec![0u8; size];
        let (r, true_size) = sys::prog_load(attr, Some((&mut buf, 1)));
        match r {
            Ok(fd) => return Ok((fd, Some(log_text(&buf)))),
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => match grow(size, true_size) {
                Some(n) => size = n,
                None => return Err((verdict.unwrap_or(libc::ENOSPC), log_text(&buf))),
            },
            Err(e) => return Err((verdict.unwrap_or_else(|| errno_of(&e)), log_text(&buf))),
        }
    }
}

/// `BPF_F_SLEEPABLE`.
const F_SLEEPABLE: u32 = 1 << 4;
/// `BPF_F_XDP_HAS_FRAGS`.
const F_XDP_HAS_FRAGS: u32 = 1 << 5;

/// What every program load of one object shares.
pub(super) struct Prepared<'a> {
    obj: &'a Object<'a>,
    btf_fd: Option<BorrowedFd<'a>>,
    maps: &'a [Map],
    externs: &'a externs::Resolved,
    license: CString,
    kern_version: u32,
    vmlinux: OnceCell<Result<Vec<u8>, String>>,
    want_log: bool,
}

/// The `license` section as libbpf reads it: up to its NUL, at most 63 bytes.
fn license(obj: &Object<'_>) -> CString {
    let data = obj
        .elf
        .section_by_name("license")
        .map_or(&[][..], |s| s.data);
    let end = data
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(data.len())
        .min(63);
    CString::new(data.get(..end).unwrap_or_default()).unwrap_or_default()
}

impl<'a> Prepared<'a> {
    pub(super) fn new(
        obj: &'a Object<'a>,
        btf_fd: Option<BorrowedFd<'a>>,
        maps: &'a [Map],
        externs: &'a externs::Resolved,
        want_log: bool,
    ) -> Self {
        Prepared {
            obj,
            btf_fd,
            maps,
            externs,
            license: license(obj),
            kern_version: kernel::kern_version(obj),
            vmlinux: OnceCell::new(),
            want_log,
        }
    }

    pub(super) fn load_program(
        &self,
        idx: usize,
        report: &ProgramReport,
    ) -> Result<LoadedProgram, ProgramError> {
        let obj = self.obj;
        let name = report.name.clone();
        let unsupported = |detail: String| ProgramError::Unsupported {
            program: name.clone(),
            detail,
        };
        let prepare = |detail: String| ProgramError::Prepare {
            program: name.clone(),
            detail,
        };
        let prog = obj
            .programs
            .get(idx)
            .ok_or_else(|| prepare("program vanished".into()))?;
        match prog.prog_type {
            ProgType::EXT => {
                return Err(unsupported(
                    "freplace (BPF_PROG_TYPE_EXT) needs a target program (attach_prog_fd): not supported by this loader".into(),
                ))
            }
            ProgType::STRUCT_OPS => {
                return Err(unsupported(
                    "struct_ops programs need their struct_ops map: not supported by this loader"
                        .into(),
                ))
            }
            ProgType::UNSPEC => {
                return Err(prepare(format!(
                    "section '{}' matches no program type",
                    prog.sec_name
                )))
            }
            _ => {}
        }
        let lp = link(obj, idx).map_err(|e| prepare(e.message))?;
        let pieces: Vec<(usize, usize)> = std::iter::once((idx, 0))
            .chain(lp.subprogs.iter().copied())
            .collect();
        let map_refs: Vec<reloc::MapRef<'_>> = self
            .maps
            .iter()
            .map(|m| reloc::MapRef {
                def: m.def(),
                fd: m.fd().as_raw_fd(),
            })
            .collect();
        let mut insns = lp.insns;
        reloc::apply(obj, &pieces, &mut insns, &map_refs, self.externs).map_err(|p| match p {
            Problem::Unsupported(m) => unsupported(m),
            Problem::Invalid(m) => prepare(m),
        })?;

        let flags = prog.sec_def.map_or(0, |d| {
            let mut f = 0;
            if d.flags.contains(SecFlags::SLEEPABLE) {
                f |= F_SLEEPABLE;
            }
            if prog.prog_type == ProgType::XDP && d.flags.contains(SecFlags::XDP_FRAGS) {
                f |= F_XDP_HAS_FRAGS;
            }
            f
        });
        let attach_btf_id = match prog.sec_def {
            Some(d) if d.flags.contains(SecFlags::ATTACH_BTF) => self
                .attach_btf_id(&prog.sec_name, prog.expected_attach_type)
                .map_err(|p| match p {
                    Problem::Unsupported(m) => unsupported(m),
                    Problem::Invalid(m) => prepare(m),
                })?,
            _ => 0,
        };

        let endian = crate::bytes::native();
        let insn_bytes: Vec<u8> = insns.iter().flat_map(|i| i.encode(endian)).collect();
        let (func_info, line_info) = if self.btf_fd.is_some() {
            let fi: Vec<u8> = report
                .func_info
                .iter()
                .flat_map(|f| [f.insn_off.to_ne_bytes(), f.type_id.to_ne_bytes()])
                .flatten()
                .collect();
            let li: Vec<u8> = lp
                .line_info
                .as_ref()
                .filter(|l| l.rec_size as usize >= sys::LINE_INFO_REC)
                .map(|l| {
                    l.data
                        .chunks_exact(l.rec_size as usize)
                        .flat_map(|r| r.get(..sys::LINE_INFO_REC).unwrap_or_default())
                        .copied()
                        .collect()
                })
                .unwrap_or_default();
            (fi, li)
        } else {
            (Vec::new(), Vec::new())
        };
        let attr = sys::ProgLoad {
            prog_type: prog.prog_type.0,
            expected_attach_type: prog.expected_attach_type.0,
            name: &prog.name,
            license: &self.license,
            insns: &insn_bytes,
            kern_version: self.kern_version,
            prog_flags: flags,
            btf_fd: self.btf_fd,
            func_info: &func_info,
            line_info: &line_info,
            attach_btf_id,
        };
        match load_prog(&attr, self.want_log) {
            Ok((fd, log)) => Ok(LoadedProgram::new(fd, insns.len(), attach_btf_id, log)),
            Err((errno, log)) => Err(ProgramError::Kernel {
                program: name.clone(),
                errno,
                log,
            }),
        }
    }

    /// libbpf's attach target lookup for `SEC("fentry/name")` and friends, in vmlinux BTF.
    fn attach_btf_id(&self, sec_name: &str, attach: AttachType) -> Result<u32, Problem> {
        let Some((_, target)) = sec_name.split_once('/') else {
            return Err(Problem::Invalid(
                "no BTF-based attach target is specified (section has no '/name')".into(),
            ));
        };
        let target = match target.split_once(':') {
            Some(("vmlinux", rest)) => rest,
            Some((module, _)) => {
                return Err(Problem::Unsupported(format!(
                    "attach target '{target}' is in kernel module '{module}': module BTF is not supported by this loader"
                )))
            }
            None => target,
        };
        let (prefix, kind) = match attach {
            AttachType::TRACE_RAW_TP => ("btf_trace_", Kind::Typedef),
            AttachType::LSM_MAC | AttachType::LSM_CGROUP => ("bpf_lsm_", Kind::Func),
            AttachType::TRACE_ITER => ("bpf_iter_", Kind::Func),
            _ => ("", Kind::Func),
        };
        let vmlinux = self.vmlinux.get_or_init(|| {
            kernel::vmlinux_btf().map_err(|e| format!("cannot read /sys/kernel/btf/vmlinux: {e}"))
        });
        let bytes = vmlinux
            .as_ref()
            .map_err(|e| Problem::Unsupported(e.clone()))?;
        let btf = Btf::parse(bytes)
            .map_err(|e| Problem::Unsupported(format!("cannot parse vmlinux BTF: {e}")))?;
        let full = format!("{prefix}{target}");
        btf.find_by_name(&full, kind).map(|t| t.id).ok_or_else(|| {
            Problem::Invalid(format!(
                "failed to find kernel BTF type ID of '{target}': {} '{full}' is not in vmlinux BTF (kernel module BTF is not searched by this loader)",
                kind.name()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_growth_is_bounded() {
        assert_eq!(grow(LOG_START, 0), Some(LOG_START * 4));
        assert_eq!(grow(LOG_START, 10_000_000), Some(10_000_001));
        assert_eq!(grow(LOG_MAX, 0), None);
    }

    #[test]
    fn license_stops_at_nul() {
        let data = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/void_ctx.o"
        ))
        .expect("fixture");
        let obj = Object::open(&data).expect("open");
        assert_eq!(license(&obj).as_bytes(), b"GPL");
    }
}
