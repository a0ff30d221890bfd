//! Differential test of CO-RE relocation: for every `tests/fixtures/core_*.o`, libbpf 1.7's
//! instructions after `bpf_object__prepare` (with `btf_custom_path` pointing at the target BTF)
//! equal argctx's (`core_relo::apply`, then linking), program by program, and the relocated
//! programs load on the host kernel through libbpf. Every program is loaded, `SEC("?…")` ones too.
//!
//! Targets: the host's `/sys/kernel/btf/vmlinux`, and the VM kernels' vmlinux BTF that
//! `ARGCTX_VM_BTF` names (`cargo xtask test` passes every kernel it boots, with the BTF taken
//! from each kernel's vmlinuz: 5.10, 6.1, 6.12, sid).
#![allow(unsafe_code)]

mod common;

use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};

use common::root;

use argctx::program::{link, Object};
use libbpf_sys as sys;

fn core_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("tests/fixtures"))
        .expect("tests/fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "o")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("core_"))
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no core_*.o fixtures");
    v
}

/// libbpf's instructions per program after prepare, and whether `bpf_object__load` succeeded.
/// Instructions per program: name and raw bytes.
type Insns = Vec<(String, Vec<u8>)>;

fn libbpf(obj: &Path, btf: &Path, load: bool) -> (Insns, Result<(), i32>) {
    let path = CString::new(obj.to_str().expect("utf-8 path")).expect("path");
    let btf = CString::new(btf.to_str().expect("utf-8 path")).expect("path");
    let mut out = Vec::new();
    // SAFETY: plain libbpf calls on an object this function owns and closes; every pointer comes
    // from libbpf and is used before bpf_object__close.
    unsafe {
        let mut opts: sys::bpf_object_open_opts = std::mem::zeroed();
        opts.sz = std::mem::size_of::<sys::bpf_object_open_opts>() as sys::size_t;
        opts.btf_custom_path = btf.as_ptr();
        let o = sys::bpf_object__open_file(path.as_ptr(), &opts);
        assert!(!o.is_null(), "libbpf cannot open {}", obj.display());
        let mut p = sys::bpf_object__next_program(o, std::ptr::null_mut());
        while !p.is_null() {
            sys::bpf_program__set_autoload(p, true);
            p = sys::bpf_object__next_program(o, p);
        }
        let err = sys::bpf_object__prepare(o);
        assert_eq!(err, 0, "bpf_object__prepare({}) failed", obj.display());
        let mut p = sys::bpf_object__next_program(o, std::ptr::null_mut());
        while !p.is_null() {
            let name = CStr::from_ptr(sys::bpf_program__name(p))
                .to_string_lossy()
                .into_owned();
            let n = sys::bpf_program__insn_cnt(p) as usize;
            let insns = sys::bpf_program__insns(p).cast::<u8>();
            let bytes = std::slice::from_raw_parts(insns, n * 8).to_vec();
            out.push((name, bytes));
            p = sys::bpf_object__next_program(o, p);
        }
        let loaded = if load {
            match sys::bpf_object__load(o) {
                0 => Ok(()),
                e => Err(e),
            }
        } else {
            Ok(())
        };
        sys::bpf_object__close(o);
        (out, loaded)
    }
}

fn argctx(obj: &[u8], btf: &[u8]) -> Insns {
    let mut o = Object::open(obj).expect("open");
    // Every program, `SEC("?…")` ones too (the libbpf side sets autoload on all of them).
    for p in &mut o.programs {
        p.autoload = true;
    }
    let target = argctx::btf::Btf::parse(btf).expect("target BTF");
    let report = argctx::core_relo::apply(&mut o, &target);
    assert_eq!(report.error, None, "argctx fails the object");
    let endian = o.endian();
    let entries: Vec<usize> = o
        .entry_programs()
        .filter(|(_, p)| p.autoload)
        .map(|(i, _)| i)
        .collect();
    entries
        .into_iter()
        .map(|i| {
            let lp = link(&o, i).expect("link");
            let name = o
                .programs
                .get(i)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            (
                name,
                lp.insns.iter().flat_map(|x| x.encode(endian)).collect(),
            )
        })
        .collect()
}

fn check(btf: &Path, load: bool) {
    let target = std::fs::read(btf).expect("target BTF");
    for f in core_fixtures() {
        let data = std::fs::read(&f).expect("fixture");
        let (theirs, loaded) = libbpf(&f, btf, load);
        let ours = argctx(&data, &target);
        assert_eq!(
            ours.iter().map(|p| &p.0).collect::<Vec<_>>(),
            theirs.iter().map(|p| &p.0).collect::<Vec<_>>(),
            "{}: programs",
            f.display()
        );
        for ((name, a), (_, b)) in ours.iter().zip(&theirs) {
            let differ: Vec<usize> = (0..a.len().max(b.len()) / 8)
                .filter(|&i| a.get(i * 8..i * 8 + 8) != b.get(i * 8..i * 8 + 8))
                .collect();
            assert!(
                differ.is_empty() && a.len() == b.len(),
                "{} against {}: prog '{name}' differs from libbpf at insns {differ:?}",
                f.display(),
                btf.display()
            );
        }
        assert_eq!(loaded, Ok(()), "{}: libbpf load", f.display());
    }
}

#[test]
fn host_kernel_btf() {
    let vmlinux = Path::new("/sys/kernel/btf/vmlinux");
    if !vmlinux.exists() {
        eprintln!("skipped: no /sys/kernel/btf/vmlinux");
        return;
    }
    check(vmlinux, true);
}

/// `ARGCTX_VM_BTF`: one or more kernel BTF files, separated like `PATH`.
#[test]
fn vm_kernel_btf() {
    let Some(list) = std::env::var_os("ARGCTX_VM_BTF") else {
        eprintln!("skipped: ARGCTX_VM_BTF is not set");
        return;
    };
    for p in std::env::split_paths(&list) {
        check(&p, false);
    }
}
