//! libbpf 1.7's `probe_kern_arg_ctx_tag`: does the kernel understand `arg:ctx` itself?
//!
//! The probe loads a 146-byte BTF (an `int`, `void *`, a global main function `a` and a global
//! subprogram `b(void *)` whose argument carries `arg:ctx`) and a four-instruction kprobe program
//! whose subprogram passes its argument to `bpf_get_func_ip()`, a helper that needs a context
//! pointer. Only a kernel that treats the tagged `void *` as the context accepts it. Any failure
//! (including missing privileges) counts as "no native support", as in libbpf. The answer is
//! cached for the life of the process.

use std::ffi::CStr;
use std::sync::OnceLock;

use super::sys;
use crate::btf::sanitize::{probe_blobs, BtfFeatures};
use crate::bytes::native;
use crate::program::insn::{Insn, CALL, PSEUDO_CALL};

/// `BPF_JMP | BPF_EXIT`.
const EXIT: u8 = 0x95;
/// `BPF_FUNC_get_func_ip`.
const GET_FUNC_IP: i32 = 173;
/// `BPF_PROG_TYPE_KPROBE`.
const KPROBE: u32 = 2;

/// The probe's BTF, byte for byte as libbpf 1.7 builds it (machine byte order).
pub(crate) fn probe_btf() -> Vec<u8> {
    let e = native();
    let types: [u32; 27] = [
        1,
        0x0100_0000,
        4,
        0x0100_0020, // [1] INT 'a' size 4, signed 32 bits
        0,
        0x0200_0000,
        0, // [2] PTR -> void
        0,
        0x0d00_0001,
        1,
        1,
        2, // [3] FUNC_PROTO int (a: void *)
        1,
        0x0c00_0001,
        3, // [4] FUNC 'a' global -> [3]
        0,
        0x0d00_0001,
        1,
        3,
        2, // [5] FUNC_PROTO int (b: void *)
        3,
        0x0c00_0001,
        5, // [6] FUNC 'b' global -> [5]
        5,
        0x1100_0000,
        6,
        0, // [7] DECL_TAG 'arg:ctx' -> [6] arg 0
    ];
    let strings: &[u8] = b"\0a\0b\0arg:ctx\0\0";
    let type_len = (types.len() * 4) as u32;
    let header: [u32; 5] = [24, 0, type_len, type_len, strings.len() as u32];
    let mut out = Vec::with_capacity(24 + types.len() * 4 + strings.len());
    out.extend_from_slice(&match e {
        crate::Endian::Little => 0xeb9fu16.to_le_bytes(),
        crate::Endian::Big => 0xeb9fu16.to_be_bytes(),
    });
    out.extend_from_slice(&[1, 0]);
    for w in header.iter().chain(types.iter()) {
        out.extend_from_slice(&e.u32_bytes(*w));
    }
    out.extend_from_slice(strings);
    out
}

/// One probe instruction (no registers or offset).
fn insn(code: u8, src: u8, imm: i32) -> Insn {
    Insn {
        code,
        dst: 0,
        src,
        off: 0,
        imm,
    }
}

/// Instructions in the machine's byte order.
fn encode(insns: &[Insn]) -> Vec<u8> {
    insns.iter().flat_map(|i| i.encode(native())).collect()
}

/// The probe's program: call the subprogram, exit; the subprogram calls `bpf_get_func_ip`.
pub(crate) fn probe_insns() -> Vec<u8> {
    encode(&[
        insn(CALL, PSEUDO_CALL, 1),
        insn(EXIT, 0, 0),
        insn(CALL, 0, GET_FUNC_IP),
        insn(EXIT, 0, 0),
    ])
}

/// func_info of the probe: `a` at instruction 0, `b` at instruction 2.
pub(crate) fn probe_func_info() -> Vec<u8> {
    let e = native();
    [0u32, 4, 2, 6]
        .iter()
        .flat_map(|w| e.u32_bytes(*w))
        .collect()
}

fn run_probe() -> bool {
    let (btf, _) = sys::btf_load(&probe_btf(), None);
    let Ok(btf) = btf else {
        return false;
    };
    let insns = probe_insns();
    let func_info = probe_func_info();
    let license: &CStr = c"GPL";
    let attr = sys::ProgLoad {
        prog_type: KPROBE,
        name: "det_arg_ctx",
        license,
        insns: &insns,
        btf_fd: Some(std::os::fd::AsFd::as_fd(&btf)),
        func_info: &func_info,
        ..sys::ProgLoad::default()
    };
    let (prog, _) = sys::prog_load(&attr, None);
    prog.is_ok()
}

static ARG_CTX: OnceLock<bool> = OnceLock::new();
static BPF_COOKIE: OnceLock<bool> = OnceLock::new();

/// `BPF_FUNC_get_attach_cookie`.
const GET_ATTACH_COOKIE: i32 = 174;
/// `BPF_PROG_TYPE_TRACEPOINT`.
const TRACEPOINT: u32 = 5;

/// libbpf's `probe_kern_bpf_cookie` (`LINUX_HAS_BPF_COOKIE`): a tracepoint program that calls
/// `bpf_get_attach_cookie` loads. Cached for the process.
pub(crate) fn kernel_has_bpf_cookie() -> bool {
    *BPF_COOKIE.get_or_init(|| {
        let insns = encode(&[insn(CALL, 0, GET_ATTACH_COOKIE), insn(EXIT, 0, 0)]);
        let license: &CStr = c"GPL";
        let attr = sys::ProgLoad {
            prog_type: TRACEPOINT,
            name: "",
            license,
            insns: &insns,
            ..sys::ProgLoad::default()
        };
        sys::prog_load(&attr, None).0.is_ok()
    })
}
static BTF_FEATURES: OnceLock<BtfFeatures> = OnceLock::new();

/// The running kernel's BTF features, from libbpf's BTF probes (the blobs of
/// [`crate::btf::sanitize::probe_blobs`], each sent with `BPF_BTF_LOAD`), cached for the
/// process. What is missing is sanitized in the BTF the loader sends, as libbpf does.
pub fn kernel_btf_features() -> BtfFeatures {
    *BTF_FEATURES.get_or_init(|| {
        let answers: Vec<(&str, bool)> = probe_blobs()
            .into_iter()
            .map(|(name, blob)| (name, sys::btf_load(&blob, None).0.is_ok()))
            .collect();
        BtfFeatures::from_probes(&answers)
    })
}

/// Whether the running kernel supports `arg:ctx` natively (Linux 6.8 and later), decided by
/// libbpf's probe and cached for the process. `false` also when `bpf()` is not permitted.
pub fn kernel_supports_arg_ctx() -> bool {
    *ARG_CTX.get_or_init(run_probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_btf_is_libbpfs_146_bytes() {
        let b = probe_btf();
        assert_eq!(b.len(), 146);
        let btf = crate::btf::Btf::parse(&b).expect("parses");
        assert_eq!(btf.type_cnt(), 8);
        assert_eq!(btf.header().type_len, 108);
        assert_eq!(btf.header().str_len, 14);
        let tag = btf.get(7).expect("tag");
        assert_eq!(tag.kind, crate::btf::Kind::DeclTag);
        assert_eq!(btf.str_at(tag.name_off), Some(&b"arg:ctx"[..]));
        assert_eq!(tag.type_id(), 6);
        assert_eq!(tag.component_idx(), Some(0));
        assert!(crate::btf::validate::validate(&btf).is_empty());
    }

    #[test]
    fn probe_program_is_four_instructions() {
        let i = probe_insns();
        assert_eq!(i.len(), 32);
        assert_eq!(i[0], 0x85);
        assert_eq!(i[16], 0x85);
        assert_eq!(probe_func_info().len(), 16);
    }
}
