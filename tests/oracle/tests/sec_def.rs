#![allow(unsafe_code)]
//! Differential test: `argctx::program::sec_def` against the vendored libbpf 1.7.0.
//!
//! * `libbpf_prog_type_by_name` for names derived from every table entry, near misses, and
//!   `?`-prefixed names;
//! * `bpf_object__open_mem` on a generated ELF object with one program per sample section name,
//!   which is where libbpf strips `?` and turns autoload off;
//! * the list of section names libbpf prints when a lookup fails (table content and order);
//! * `libbpf_bpf_prog_type_str` / `libbpf_bpf_attach_type_str` against our `name()`s.

use argctx::program::sec_def::{
    find_sec_def, resolve, AttachType, ProgType, SecMatch, SecResolution, SEC_DEFS,
};
use libbpf_sys as sys;
use std::collections::BTreeSet;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;

/// `(prog_type, expected_attach_type)` as raw values.
type Types = (u32, u32);

/// libbpf's `libbpf_prog_type_by_name`; `None` when it reports no match (`-ESRCH`).
fn libbpf_by_name(name: &str) -> Option<Types> {
    let c_name = CString::new(name).expect("sample names contain no NUL");
    let mut prog_type: sys::bpf_prog_type = 0xdead;
    let mut attach_type: sys::bpf_attach_type = 0xbeef;
    // SAFETY: valid NUL-terminated string and two valid out-pointers.
    let rc =
        unsafe { sys::libbpf_prog_type_by_name(c_name.as_ptr(), &mut prog_type, &mut attach_type) };
    if rc == 0 {
        Some((prog_type, attach_type))
    } else {
        assert_eq!(rc, -libc::ESRCH, "libbpf_prog_type_by_name({name:?})");
        assert_eq!(
            (prog_type, attach_type),
            (0xdead, 0xbeef),
            "{name:?}: outputs touched"
        );
        None
    }
}

/// Our raw lookup (no `?` handling), in the same shape.
fn ours_by_name(name: &str) -> Option<Types> {
    find_sec_def(name).map(|d| (d.prog_type.0, d.expected_attach_type.0))
}

/// Names libbpf must not recognise either.
const NON_MATCHING: &[&str] = &[
    "",
    ".text",
    ".data",
    ".rodata",
    "license",
    ".maps",
    "kprobex",
    "kprobe.multix",
    "kprob",
    "xdp_foo",
    "xdp/",
    "xdp/foo",
    "xdpfoo",
    "socket/foo",
    "socket1",
    "sk_reuseport/",
    "sk_reuseport/other",
    "sk_skb/other",
    "tc/",
    "tc/foo",
    "tc/ingressx",
    "tcx",
    "cgroup",
    "cgroup/",
    "cgroup/skbx",
    "syscall/x",
    "struct_opsx",
    "lsm_cgroupx",
    "tp.s/a/b",
    "tracepoint.s/a/b",
    "raw_tp.s/x",
    "raw_tracepoint.s/x",
    "tp_btf.s/x",
    "fentry.multi/x",
    "fexit.multi/x",
    "fsession.multi/x",
    "KPROBE",
    "Xdp",
    " xdp",
    "xdp ",
    "/kprobe",
];

/// Names derived from each entry: the entry itself (without `+`), and for `+` entries several
/// suffixes, plus a few near misses whose outcome is whatever the table says.
fn derived_names() -> Vec<String> {
    let mut names = Vec::new();
    for def in SEC_DEFS {
        let stem = def.stem();
        names.push(stem.to_string());
        if def.matching() == SecMatch::PlusStem {
            names.push(format!("{stem}/foo"));
            names.push(format!("{stem}/"));
            names.push(format!("{stem}/a/b.c"));
        }
        names.push(format!("{stem}x"));
        names.push(format!("{stem}.s"));
        names.push(format!("{stem}.multi/f"));
        names.push(format!("{stem}_"));
        let mut chopped = stem.to_string();
        chopped.pop();
        names.push(chopped);
    }
    names.extend(NON_MATCHING.iter().map(|s| s.to_string()));
    dedup(names)
}

fn dedup(names: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .collect()
}

#[test]
fn table_size() {
    assert_eq!(SEC_DEFS.len(), 105);
}

#[test]
fn every_entry_matches_libbpf() {
    for def in SEC_DEFS {
        let want = Some((def.prog_type.0, def.expected_attach_type.0));
        let stem = def.stem();
        assert_eq!(libbpf_by_name(stem), want, "{stem:?} (entry {:?})", def.sec);
        // libbpf must pick this very entry, not an earlier one with the same types.
        assert_eq!(find_sec_def(stem).map(|d| d.sec), Some(def.sec), "{stem:?}");
        if def.matching() == SecMatch::PlusStem {
            let name = format!("{stem}/foo");
            assert_eq!(libbpf_by_name(&name), want, "{name:?}");
            assert_eq!(
                find_sec_def(&name).map(|d| d.sec),
                Some(def.sec),
                "{name:?}"
            );
        }
    }
}

#[test]
fn derived_names_agree_with_libbpf() {
    let names = derived_names();
    let mut matched = 0;
    for name in &names {
        let theirs = libbpf_by_name(name);
        assert_eq!(ours_by_name(name), theirs, "{name:?}");
        matched += usize::from(theirs.is_some());
    }
    assert!(
        matched > SEC_DEFS.len(),
        "only {matched} of {} names matched",
        names.len()
    );
}

#[test]
fn non_matching_names() {
    for name in NON_MATCHING {
        assert_eq!(libbpf_by_name(name), None, "libbpf matched {name:?}");
        assert_eq!(ours_by_name(name), None, "argctx matched {name:?}");
        assert_eq!(resolve(name).def, None, "{name:?}");
    }
}

/// `libbpf_prog_type_by_name` does not strip `?`: no built-in entry starts with `?`, so every
/// `?`-name is unknown to it. The stripping (and autoload=false) happens when a program is
/// created from an ELF section; see `elf_open_agrees_with_resolve`.
#[test]
fn question_mark_in_libbpf_prog_type_by_name() {
    for name in derived_names() {
        let q = format!("?{name}");
        assert_eq!(libbpf_by_name(&q), None, "{q:?}");
        assert_eq!(ours_by_name(&q), None, "{q:?}");
        let r = resolve(&q);
        assert!(!r.autoload, "{q:?}");
        assert_eq!(r.name, name);
        assert_eq!(
            r.def.map(|d| (d.prog_type.0, d.expected_attach_type.0)),
            libbpf_by_name(&name),
            "{q:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// bpf_object__open_mem on a generated object
// ---------------------------------------------------------------------------------------------

/// A relocatable eBPF ELF with one executable section per name, each holding one global
/// function `p<i>` (`r0 = 0; exit`). Host byte order, as libbpf expects for introspection.
fn build_object(section_names: &[String]) -> Vec<u8> {
    const EHDR_SIZE: usize = 64;
    const SHDR_SIZE: usize = 64;
    const SYM_SIZE: usize = 24;
    const SHT_PROGBITS: u32 = 1;
    const SHT_SYMTAB: u32 = 2;
    const SHT_STRTAB: u32 = 3;
    const SHF_ALLOC: u64 = 2;
    const SHF_EXECINSTR: u64 = 4;
    const EM_BPF: u16 = 247;
    const ET_REL: u16 = 1;
    // mov64 r0, 0 ; exit
    const PROG: [u8; 16] = [0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];

    struct Shdr {
        name: u32,
        kind: u32,
        flags: u64,
        data: Vec<u8>,
        link: u32,
        info: u32,
        align: u64,
        entsize: u64,
    }

    fn add_str(table: &mut Vec<u8>, s: &str) -> u32 {
        let off = u32::try_from(table.len()).unwrap();
        table.extend_from_slice(s.as_bytes());
        table.push(0);
        off
    }

    let n = section_names.len();
    let mut shstrtab = vec![0u8];
    let mut strtab = vec![0u8];
    let mut symtab = vec![0u8; SYM_SIZE];
    let mut shdrs = Vec::new();
    for (i, sec) in section_names.iter().enumerate() {
        let shndx = u16::try_from(i + 1).unwrap();
        shdrs.push(Shdr {
            name: add_str(&mut shstrtab, sec),
            kind: SHT_PROGBITS,
            flags: SHF_ALLOC | SHF_EXECINSTR,
            data: PROG.to_vec(),
            link: 0,
            info: 0,
            align: 8,
            entsize: 0,
        });
        let st_name = add_str(&mut strtab, &format!("p{i}"));
        symtab.extend_from_slice(&st_name.to_ne_bytes());
        symtab.push((1 << 4) | 2); // STB_GLOBAL, STT_FUNC
        symtab.push(0); // STV_DEFAULT
        symtab.extend_from_slice(&shndx.to_ne_bytes());
        symtab.extend_from_slice(&0u64.to_ne_bytes());
        symtab.extend_from_slice(&(PROG.len() as u64).to_ne_bytes());
    }
    let strtab_idx = n + 2;
    let shstrtab_idx = n + 3;
    let symtab_name = add_str(&mut shstrtab, ".symtab");
    let strtab_name = add_str(&mut shstrtab, ".strtab");
    let shstrtab_name = add_str(&mut shstrtab, ".shstrtab");
    shdrs.push(Shdr {
        name: symtab_name,
        kind: SHT_SYMTAB,
        flags: 0,
        data: symtab,
        link: u32::try_from(strtab_idx).unwrap(),
        info: 1,
        align: 8,
        entsize: SYM_SIZE as u64,
    });
    shdrs.push(Shdr {
        name: strtab_name,
        kind: SHT_STRTAB,
        flags: 0,
        data: strtab,
        link: 0,
        info: 0,
        align: 1,
        entsize: 0,
    });
    shdrs.push(Shdr {
        name: shstrtab_name,
        kind: SHT_STRTAB,
        flags: 0,
        data: shstrtab,
        link: 0,
        info: 0,
        align: 1,
        entsize: 0,
    });
    assert_eq!(shdrs.len(), shstrtab_idx);
    assert!(
        shstrtab_idx < 0xff00,
        "too many sections for a plain ELF header"
    );

    let pad8 = |buf: &mut Vec<u8>| buf.resize(buf.len().next_multiple_of(8), 0);
    let mut out = vec![0u8; EHDR_SIZE];
    let mut offsets = Vec::new();
    for sh in &shdrs {
        pad8(&mut out);
        offsets.push(out.len() as u64);
        out.extend_from_slice(&sh.data);
    }
    pad8(&mut out);
    let shoff = out.len() as u64;
    out.extend_from_slice(&[0u8; SHDR_SIZE]); // section 0
    for (sh, off) in shdrs.iter().zip(&offsets) {
        out.extend_from_slice(&sh.name.to_ne_bytes());
        out.extend_from_slice(&sh.kind.to_ne_bytes());
        out.extend_from_slice(&sh.flags.to_ne_bytes());
        out.extend_from_slice(&0u64.to_ne_bytes()); // sh_addr
        out.extend_from_slice(&off.to_ne_bytes());
        out.extend_from_slice(&(sh.data.len() as u64).to_ne_bytes());
        out.extend_from_slice(&sh.link.to_ne_bytes());
        out.extend_from_slice(&sh.info.to_ne_bytes());
        out.extend_from_slice(&sh.align.to_ne_bytes());
        out.extend_from_slice(&sh.entsize.to_ne_bytes());
    }

    let mut ehdr = Vec::with_capacity(EHDR_SIZE);
    let data_enc = if cfg!(target_endian = "little") { 1 } else { 2 };
    ehdr.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, data_enc, 1, 0]);
    ehdr.extend_from_slice(&[0u8; 8]);
    ehdr.extend_from_slice(&ET_REL.to_ne_bytes());
    ehdr.extend_from_slice(&EM_BPF.to_ne_bytes());
    ehdr.extend_from_slice(&1u32.to_ne_bytes()); // e_version
    ehdr.extend_from_slice(&0u64.to_ne_bytes()); // e_entry
    ehdr.extend_from_slice(&0u64.to_ne_bytes()); // e_phoff
    ehdr.extend_from_slice(&shoff.to_ne_bytes());
    ehdr.extend_from_slice(&0u32.to_ne_bytes()); // e_flags
    ehdr.extend_from_slice(&(EHDR_SIZE as u16).to_ne_bytes());
    ehdr.extend_from_slice(&0u16.to_ne_bytes()); // e_phentsize
    ehdr.extend_from_slice(&0u16.to_ne_bytes()); // e_phnum
    ehdr.extend_from_slice(&(SHDR_SIZE as u16).to_ne_bytes());
    ehdr.extend_from_slice(&u16::try_from(shdrs.len() + 1).unwrap().to_ne_bytes());
    ehdr.extend_from_slice(&u16::try_from(shstrtab_idx).unwrap().to_ne_bytes());
    assert_eq!(ehdr.len(), EHDR_SIZE);
    out.splice(0..EHDR_SIZE, ehdr);
    out
}

/// What libbpf made of one program after `bpf_object__open_mem`.
#[derive(Debug, PartialEq, Eq)]
struct Opened {
    section_name: String,
    autoload: bool,
    types: Types,
}

impl Opened {
    fn expected(r: &SecResolution<'_>) -> Opened {
        Opened {
            section_name: r.name.to_string(),
            autoload: r.autoload,
            types: (r.prog_type().0, r.expected_attach_type().0),
        }
    }
}

/// Opens the object and returns, per program index `i` (symbol `p<i>`), libbpf's view.
fn open_with_libbpf(elf: &[u8], count: usize) -> Vec<Option<Opened>> {
    let mut seen: Vec<Option<Opened>> = (0..count).map(|_| None).collect();
    // SAFETY: the buffer outlives the object (closed below); NULL opts are allowed.
    let obj =
        unsafe { sys::bpf_object__open_mem(elf.as_ptr().cast(), elf.len() as _, std::ptr::null()) };
    assert!(
        !obj.is_null(),
        "bpf_object__open_mem failed: {}",
        std::io::Error::last_os_error()
    );
    let mut prog = std::ptr::null_mut();
    loop {
        // SAFETY: obj is a live object and prog is null or one of its programs.
        prog = unsafe { sys::bpf_object__next_program(obj, prog) };
        if prog.is_null() {
            break;
        }
        // SAFETY: prog is a live program; the strings live as long as the object.
        let (name, section_name, autoload, types) = unsafe {
            (
                cstr(sys::bpf_program__name(prog)),
                cstr(sys::bpf_program__section_name(prog)),
                sys::bpf_program__autoload(prog),
                (
                    sys::bpf_program__type(prog),
                    sys::bpf_program__expected_attach_type(prog),
                ),
            )
        };
        let idx: usize = name
            .strip_prefix('p')
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("unexpected program {name:?}"));
        let slot = seen.get_mut(idx).expect("program index in range");
        assert!(slot.is_none(), "program {name} seen twice");
        *slot = Some(Opened {
            section_name,
            autoload,
            types,
        });
    }
    // SAFETY: obj came from bpf_object__open_mem and is closed once.
    unsafe { sys::bpf_object__close(obj) };
    seen
}

/// # Safety
/// `p` must be a valid NUL-terminated string.
unsafe fn cstr(p: *const c_char) -> String {
    assert!(!p.is_null());
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .expect("UTF-8")
        .to_string()
}

#[test]
fn elf_open_agrees_with_resolve() {
    let mut names = Vec::new();
    for name in derived_names() {
        // Keep names libbpf could treat as something other than a program section out of
        // the object (empty, dot-sections, license/maps).
        if name.is_empty() || name.starts_with('.') || name.trim() != name {
            continue;
        }
        if matches!(name.as_str(), "license" | "version" | "maps") {
            continue;
        }
        names.push(format!("?{name}"));
        names.push(name);
    }
    names.push("??xdp".to_string());
    names.push("??kprobe/x".to_string());
    let names = dedup(names);

    let elf = build_object(&names);
    let seen = open_with_libbpf(&elf, names.len());
    for (name, got) in names.iter().zip(seen) {
        let want = Opened::expected(&resolve(name));
        assert_eq!(got.as_ref(), Some(&want), "section {name:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The section-name list libbpf prints at debug level when a lookup fails
// ---------------------------------------------------------------------------------------------

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod printed_table {
    use super::*;
    use std::os::raw::c_int;
    use std::sync::Mutex;

    static MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());

    extern "C" {
        // On x86_64 a `va_list` argument is passed as a pointer to its single tag.
        fn vsnprintf(
            buf: *mut c_char,
            size: usize,
            fmt: *const c_char,
            ap: *mut sys::__va_list_tag,
        ) -> c_int;
    }

    unsafe extern "C" fn capture(
        level: sys::libbpf_print_level,
        fmt: *const c_char,
        ap: *mut sys::__va_list_tag,
    ) -> c_int {
        let mut buf = vec![0u8; 64 * 1024];
        // SAFETY: libbpf hands us its format string and argument list; the buffer is sized.
        let n = unsafe { vsnprintf(buf.as_mut_ptr().cast(), buf.len(), fmt, ap) };
        let len = usize::try_from(n).unwrap_or(0).min(buf.len() - 1);
        let msg = String::from_utf8_lossy(&buf[..len]).into_owned();
        if level != sys::LIBBPF_DEBUG {
            eprint!("{msg}");
        }
        if let Ok(mut m) = MESSAGES.lock() {
            m.push(msg);
        }
        n
    }

    #[test]
    fn libbpf_lists_the_same_table_in_the_same_order() {
        const MARKER: &str = "supported section(type) names are:";
        // SAFETY: `capture` matches libbpf_print_fn_t and stays valid for the whole process.
        unsafe { sys::libbpf_set_print(Some(capture)) };
        assert_eq!(libbpf_by_name("argctx_no_such_section"), None);
        let listed = {
            let messages = MESSAGES.lock().unwrap();
            messages
                .iter()
                .find_map(|m| m.split_once(MARKER).map(|(_, rest)| rest.to_string()))
                .expect("libbpf printed its section-name list")
        };
        let listed: Vec<&str> = listed.split_whitespace().collect();
        let ours: Vec<&str> = SEC_DEFS.iter().map(|d| d.sec).collect();
        assert_eq!(listed, ours);
    }
}

// ---------------------------------------------------------------------------------------------
// Type names and uapi values
// ---------------------------------------------------------------------------------------------

/// # Safety
/// `p` must be null or a valid NUL-terminated string.
unsafe fn opt_cstr(p: *const c_char) -> Option<String> {
    (!p.is_null()).then(|| unsafe { cstr(p) })
}

#[test]
fn prog_type_names_match_libbpf() {
    for v in (0..=40).chain([u32::MAX]) {
        // SAFETY: libbpf range-checks the value and returns a static string or NULL.
        let theirs = unsafe { opt_cstr(sys::libbpf_bpf_prog_type_str(v)) };
        assert_eq!(
            ProgType(v).name().map(str::to_string),
            theirs,
            "prog type {v}"
        );
    }
    for v in 0..sys::__MAX_BPF_PROG_TYPE {
        assert!(ProgType(v).name().is_some(), "libbpf knows prog type {v}");
    }
}

#[test]
fn attach_type_names_match_libbpf() {
    for v in (0..=80).chain([u32::MAX]) {
        // SAFETY: libbpf range-checks the value and returns a static string or NULL.
        let theirs = unsafe { opt_cstr(sys::libbpf_bpf_attach_type_str(v)) };
        assert_eq!(
            AttachType(v).name().map(str::to_string),
            theirs,
            "attach type {v}"
        );
    }
    for v in 0..sys::__MAX_BPF_ATTACH_TYPE {
        assert!(
            AttachType(v).name().is_some(),
            "libbpf knows attach type {v}"
        );
    }
}

#[test]
fn uapi_values() {
    macro_rules! same {
        ($($ours:expr => $theirs:ident),* $(,)?) => {
            $( assert_eq!($ours.0, sys::$theirs, stringify!($theirs)); )*
        };
    }
    same! {
        ProgType::UNSPEC => BPF_PROG_TYPE_UNSPEC,
        ProgType::SOCKET_FILTER => BPF_PROG_TYPE_SOCKET_FILTER,
        ProgType::KPROBE => BPF_PROG_TYPE_KPROBE,
        ProgType::SCHED_CLS => BPF_PROG_TYPE_SCHED_CLS,
        ProgType::SCHED_ACT => BPF_PROG_TYPE_SCHED_ACT,
        ProgType::TRACEPOINT => BPF_PROG_TYPE_TRACEPOINT,
        ProgType::XDP => BPF_PROG_TYPE_XDP,
        ProgType::PERF_EVENT => BPF_PROG_TYPE_PERF_EVENT,
        ProgType::CGROUP_SKB => BPF_PROG_TYPE_CGROUP_SKB,
        ProgType::CGROUP_SOCK => BPF_PROG_TYPE_CGROUP_SOCK,
        ProgType::LWT_IN => BPF_PROG_TYPE_LWT_IN,
        ProgType::LWT_OUT => BPF_PROG_TYPE_LWT_OUT,
        ProgType::LWT_XMIT => BPF_PROG_TYPE_LWT_XMIT,
        ProgType::SOCK_OPS => BPF_PROG_TYPE_SOCK_OPS,
        ProgType::SK_SKB => BPF_PROG_TYPE_SK_SKB,
        ProgType::CGROUP_DEVICE => BPF_PROG_TYPE_CGROUP_DEVICE,
        ProgType::SK_MSG => BPF_PROG_TYPE_SK_MSG,
        ProgType::RAW_TRACEPOINT => BPF_PROG_TYPE_RAW_TRACEPOINT,
        ProgType::CGROUP_SOCK_ADDR => BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
        ProgType::LWT_SEG6LOCAL => BPF_PROG_TYPE_LWT_SEG6LOCAL,
        ProgType::LIRC_MODE2 => BPF_PROG_TYPE_LIRC_MODE2,
        ProgType::SK_REUSEPORT => BPF_PROG_TYPE_SK_REUSEPORT,
        ProgType::FLOW_DISSECTOR => BPF_PROG_TYPE_FLOW_DISSECTOR,
        ProgType::CGROUP_SYSCTL => BPF_PROG_TYPE_CGROUP_SYSCTL,
        ProgType::RAW_TRACEPOINT_WRITABLE => BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
        ProgType::CGROUP_SOCKOPT => BPF_PROG_TYPE_CGROUP_SOCKOPT,
        ProgType::TRACING => BPF_PROG_TYPE_TRACING,
        ProgType::STRUCT_OPS => BPF_PROG_TYPE_STRUCT_OPS,
        ProgType::EXT => BPF_PROG_TYPE_EXT,
        ProgType::LSM => BPF_PROG_TYPE_LSM,
        ProgType::SK_LOOKUP => BPF_PROG_TYPE_SK_LOOKUP,
        ProgType::SYSCALL => BPF_PROG_TYPE_SYSCALL,
        ProgType::NETFILTER => BPF_PROG_TYPE_NETFILTER,
        AttachType::CGROUP_INET_INGRESS => BPF_CGROUP_INET_INGRESS,
        AttachType::CGROUP_INET_EGRESS => BPF_CGROUP_INET_EGRESS,
        AttachType::CGROUP_INET_SOCK_CREATE => BPF_CGROUP_INET_SOCK_CREATE,
        AttachType::CGROUP_SOCK_OPS => BPF_CGROUP_SOCK_OPS,
        AttachType::SK_SKB_STREAM_PARSER => BPF_SK_SKB_STREAM_PARSER,
        AttachType::SK_SKB_STREAM_VERDICT => BPF_SK_SKB_STREAM_VERDICT,
        AttachType::CGROUP_DEVICE => BPF_CGROUP_DEVICE,
        AttachType::SK_MSG_VERDICT => BPF_SK_MSG_VERDICT,
        AttachType::CGROUP_INET4_BIND => BPF_CGROUP_INET4_BIND,
        AttachType::CGROUP_INET6_BIND => BPF_CGROUP_INET6_BIND,
        AttachType::CGROUP_INET4_CONNECT => BPF_CGROUP_INET4_CONNECT,
        AttachType::CGROUP_INET6_CONNECT => BPF_CGROUP_INET6_CONNECT,
        AttachType::CGROUP_INET4_POST_BIND => BPF_CGROUP_INET4_POST_BIND,
        AttachType::CGROUP_INET6_POST_BIND => BPF_CGROUP_INET6_POST_BIND,
        AttachType::CGROUP_UDP4_SENDMSG => BPF_CGROUP_UDP4_SENDMSG,
        AttachType::CGROUP_UDP6_SENDMSG => BPF_CGROUP_UDP6_SENDMSG,
        AttachType::LIRC_MODE2 => BPF_LIRC_MODE2,
        AttachType::FLOW_DISSECTOR => BPF_FLOW_DISSECTOR,
        AttachType::CGROUP_SYSCTL => BPF_CGROUP_SYSCTL,
        AttachType::CGROUP_UDP4_RECVMSG => BPF_CGROUP_UDP4_RECVMSG,
        AttachType::CGROUP_UDP6_RECVMSG => BPF_CGROUP_UDP6_RECVMSG,
        AttachType::CGROUP_GETSOCKOPT => BPF_CGROUP_GETSOCKOPT,
        AttachType::CGROUP_SETSOCKOPT => BPF_CGROUP_SETSOCKOPT,
        AttachType::TRACE_RAW_TP => BPF_TRACE_RAW_TP,
        AttachType::TRACE_FENTRY => BPF_TRACE_FENTRY,
        AttachType::TRACE_FEXIT => BPF_TRACE_FEXIT,
        AttachType::MODIFY_RETURN => BPF_MODIFY_RETURN,
        AttachType::LSM_MAC => BPF_LSM_MAC,
        AttachType::TRACE_ITER => BPF_TRACE_ITER,
        AttachType::CGROUP_INET4_GETPEERNAME => BPF_CGROUP_INET4_GETPEERNAME,
        AttachType::CGROUP_INET6_GETPEERNAME => BPF_CGROUP_INET6_GETPEERNAME,
        AttachType::CGROUP_INET4_GETSOCKNAME => BPF_CGROUP_INET4_GETSOCKNAME,
        AttachType::CGROUP_INET6_GETSOCKNAME => BPF_CGROUP_INET6_GETSOCKNAME,
        AttachType::XDP_DEVMAP => BPF_XDP_DEVMAP,
        AttachType::CGROUP_INET_SOCK_RELEASE => BPF_CGROUP_INET_SOCK_RELEASE,
        AttachType::XDP_CPUMAP => BPF_XDP_CPUMAP,
        AttachType::SK_LOOKUP => BPF_SK_LOOKUP,
        AttachType::XDP => BPF_XDP,
        AttachType::SK_SKB_VERDICT => BPF_SK_SKB_VERDICT,
        AttachType::SK_REUSEPORT_SELECT => BPF_SK_REUSEPORT_SELECT,
        AttachType::SK_REUSEPORT_SELECT_OR_MIGRATE => BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
        AttachType::PERF_EVENT => BPF_PERF_EVENT,
        AttachType::TRACE_KPROBE_MULTI => BPF_TRACE_KPROBE_MULTI,
        AttachType::LSM_CGROUP => BPF_LSM_CGROUP,
        AttachType::STRUCT_OPS => BPF_STRUCT_OPS,
        AttachType::NETFILTER => BPF_NETFILTER,
        AttachType::TCX_INGRESS => BPF_TCX_INGRESS,
        AttachType::TCX_EGRESS => BPF_TCX_EGRESS,
        AttachType::TRACE_UPROBE_MULTI => BPF_TRACE_UPROBE_MULTI,
        AttachType::CGROUP_UNIX_CONNECT => BPF_CGROUP_UNIX_CONNECT,
        AttachType::CGROUP_UNIX_SENDMSG => BPF_CGROUP_UNIX_SENDMSG,
        AttachType::CGROUP_UNIX_RECVMSG => BPF_CGROUP_UNIX_RECVMSG,
        AttachType::CGROUP_UNIX_GETPEERNAME => BPF_CGROUP_UNIX_GETPEERNAME,
        AttachType::CGROUP_UNIX_GETSOCKNAME => BPF_CGROUP_UNIX_GETSOCKNAME,
        AttachType::NETKIT_PRIMARY => BPF_NETKIT_PRIMARY,
        AttachType::NETKIT_PEER => BPF_NETKIT_PEER,
        AttachType::TRACE_KPROBE_SESSION => BPF_TRACE_KPROBE_SESSION,
        AttachType::TRACE_UPROBE_SESSION => BPF_TRACE_UPROBE_SESSION,
        AttachType::TRACE_FSESSION => BPF_TRACE_FSESSION,
    }
}

#[test]
fn fallback_ctx_types_of_resolved_sections() {
    // The program type libbpf assigns, fed into the fallback map.
    for (name, ctx) in [
        ("xdp", Some("xdp_md")),
        ("?tc/ingress", Some("__sk_buff")),
        ("kprobe/do_exit", Some("bpf_user_pt_regs_t")),
        ("usdt/lib:p:n", Some("bpf_user_pt_regs_t")),
        ("netfilter", Some("bpf_nf_ctx")),
        ("fentry/do_exit", None),
        ("lsm/file_open", None),
        ("tp/syscalls/sys_enter_openat", None),
        ("syscall", None),
        (".text", None),
    ] {
        let r = resolve(name);
        if let Some(types) = libbpf_by_name(r.name) {
            assert_eq!(types.0, r.prog_type().0, "{name}");
        }
        assert_eq!(r.prog_type().fallback_ctx_struct(), ctx, "{name}");
    }
}
