//! The kernel as a second validator. Every BTF blob argctx writes for the fixtures (the fallback's
//! rewrite and the native path's finalized BTF) is loaded with `BPF_BTF_LOAD` on the host kernel
//! and must load. Then a few hundred mutated blobs (bytes flipped in the header, the types or the
//! strings, by a deterministic PRNG) go both to the kernel and to `argctx::btf::validate`; every
//! disagreement must be a documented, deliberate difference listed in [`ALLOWED`] (and in
//! ROBUSTNESS.md), otherwise it is a validator bug and the test fails with the kernel's reason.
//!
//! Needs root (CAP_BPF and CAP_SYS_ADMIN): when `bpf()` is refused the test fails rather than skip.

#![allow(unsafe_code)]

mod common;

use std::path::PathBuf;

use common::root;

use argctx::btf::{validate::validate, Btf};
use argctx::fallback::{apply, Options};

fn fixtures(dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("fixtures directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "o"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures in {dir}");
    v.into_iter()
        .map(|p| {
            let name = p.file_stem().expect("stem").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read fixture"))
        })
        .collect()
}

/// Loads `blob` with `BPF_BTF_LOAD`; `Err` carries the last line of the kernel's log and errno.
fn kernel_load(blob: &[u8]) -> Result<(), String> {
    let mut log = vec![0u8; 1 << 20];
    let mut opts = libbpf_sys::bpf_btf_load_opts {
        sz: std::mem::size_of::<libbpf_sys::bpf_btf_load_opts>() as _,
        log_buf: log.as_mut_ptr().cast(),
        log_size: log.len() as u32,
        ..Default::default()
    };
    // SAFETY: `blob` and `log` outlive the call, and `opts` describes `log` exactly; libbpf only
    // reads `blob` and writes at most `log_size` bytes of `log`.
    let fd = unsafe { libbpf_sys::bpf_btf_load(blob.as_ptr().cast(), blob.len() as _, &mut opts) };
    if fd >= 0 {
        // SAFETY: `fd` is a descriptor this process owns and closes once.
        unsafe { libc::close(fd) };
        return Ok(());
    }
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    let text = String::from_utf8_lossy(&log[..end]);
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    Err(format!(
        "{last} [{}]",
        std::io::Error::from_raw_os_error(-fd)
    ))
}

/// argctx's verdict: `Err` with the first problem when parsing fails or validation finds any.
fn ours(blob: &[u8]) -> Result<(), String> {
    let btf = Btf::parse(blob).map_err(|e| format!("parse: {e}"))?;
    match validate(&btf).first() {
        None => Ok(()),
        Some(e) => Err(e.to_string()),
    }
}

/// Which side accepts when the two disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// argctx accepts, the kernel rejects.
    KernelStricter,
    /// The kernel accepts, argctx rejects.
    OursStricter,
}

/// A deliberate difference: disagreements on `side` whose reason (the kernel's log line for
/// [`Side::KernelStricter`], ours for [`Side::OursStricter`]) contains `reason` are expected.
struct Allowed {
    side: Side,
    reason: &'static str,
    why: &'static str,
}

/// Why the kernel's second pass (type resolution) is out of the validator's scope.
const RESOLUTION: &str = "the kernel's second pass resolves every type's size through modifier \
     chains and checks members, elements, arguments and variables against those sizes; the \
     validator implements the first pass (header, strings, each type's own fields and its direct \
     references) only";

/// The documented differences (ROBUSTNESS.md lists the same, with the same reasons).
const ALLOWED: &[Allowed] = &[
    Allowed {
        side: Side::KernelStricter,
        reason: "Member exceeds struct_size",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Member is not byte aligned",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Member is not properly aligned",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid member bitfield_size",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "nr_copy_bits exceeds",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid member",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid size",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid type",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Not a VAR kind member",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid return type",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid arg#",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid elem",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid index",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid array of int",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Array size overflows",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Loop detected",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Exceeded max resolving depth",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::KernelStricter,
        reason: "Invalid resolve state",
        why: RESOLUTION,
    },
    Allowed {
        side: Side::OursStricter,
        reason: "DATASEC vlen",
        why: "older kernels (6.1 among them) reject a DATASEC without variables; the validator \
              keeps that rule so a blob it accepts loads on every kernel argctx targets",
    },
    Allowed {
        side: Side::OursStricter,
        reason: "BTF section layout",
        why: "the kernel accepts the string section before the type section, but libbpf (and so \
              argctx's parser) refuses that layout, so no such blob reaches the kernel through libbpf",
    },
];

/// xorshift64*: deterministic, so a disagreement reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The BTF argctx sends for every little-endian fixture, with and without native `arg:ctx`.
fn written_blobs() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, data) in fixtures("tests/fixtures") {
        for native in [false, true] {
            let opts = Options {
                native,
                ..Options::default()
            };
            let o = apply(&data, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
            let btf = o.btf.unwrap_or_else(|| panic!("{name}: no BTF written"));
            let mode = if native { "native" } else { "fallback" };
            out.push((format!("{name} ({mode})"), btf));
        }
    }
    out
}

fn require_bpf(sample: &[u8]) {
    if let Err(e) = kernel_load(sample) {
        assert!(
            !e.contains("Operation not permitted"),
            "bpf(BPF_BTF_LOAD) is not permitted here ({e}): run this test as root (CAP_BPF, CAP_SYS_ADMIN)"
        );
    }
}

#[test]
fn every_written_blob_loads() {
    let blobs = written_blobs();
    require_bpf(&blobs[0].1);
    let mut failures = Vec::new();
    for (name, blob) in &blobs {
        if let Err(e) = kernel_load(blob) {
            failures.push(format!(
                "{name}: the kernel rejects the BTF argctx writes: {e}"
            ));
        }
        if let Err(e) = ours(blob) {
            failures.push(format!(
                "{name}: argctx's validator rejects its own BTF: {e}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{} written blobs load", blobs.len());
}

/// A little-endian BTF blob: header, `types` (u32 words), `strings`.
fn blob(types: &[u32], strings: &[u8]) -> Vec<u8> {
    let t: Vec<u8> = types.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut out = Vec::new();
    for w in [
        0x0001_eb9f_u32,
        24,
        0,
        t.len() as u32,
        t.len() as u32,
        strings.len() as u32,
    ] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(&t);
    out.extend_from_slice(strings);
    out
}

const fn info(kind: u32, vlen: u32) -> u32 {
    (kind << 24) | vlen
}

/// One probe per rule the validator once got wrong (found by the mutation test below), built by
/// hand so each rule is pinned against the kernel directly: `(what, blob, the kernel accepts)`.
fn probes() -> Vec<(&'static str, Vec<u8>, bool)> {
    const INT: u32 = 1;
    const PTR: u32 = 2;
    const STRUCT: u32 = 4;
    const FWD: u32 = 7;
    const TYPEDEF: u32 = 8;
    const FUNC: u32 = 12;
    const PROTO: u32 = 13;
    const VAR: u32 = 14;
    const DATASEC: u32 = 15;
    const DECL_TAG: u32 = 17;
    // Strings: 1 "int", 5 "a.b", 9 "\xc0x" (Latin-1 letter), 12 "9x", 15 "sec name", 24 "t",
    // 26 ".d-x", 31 "d\x85" (a C1 control byte).
    let mut strings = b"\0int\0a.b\0\xc0x\09x\0sec name\0t\0.d-x\0d\x85\0".to_vec();
    let long = strings.len() as u32;
    strings.extend(std::iter::repeat_n(b'n', 512));
    strings.push(0);
    let longer = strings.len() as u32;
    strings.extend(std::iter::repeat_n(b'n', 513));
    strings.push(0);
    let int = [1, info(INT, 0), 4, 0x0100_0020];
    let with_int = |rest: &[u32]| {
        let mut t = int.to_vec();
        t.extend_from_slice(rest);
        blob(&t, &strings)
    };
    vec![
        (
            "typedef named with a dot",
            with_int(&[5, info(TYPEDEF, 0), 1]),
            true,
        ),
        (
            "typedef named with a Latin-1 letter",
            with_int(&[9, info(TYPEDEF, 0), 1]),
            true,
        ),
        (
            "typedef named with a leading digit",
            with_int(&[12, info(TYPEDEF, 0), 1]),
            false,
        ),
        (
            "typedef name of 512 characters",
            with_int(&[long, info(TYPEDEF, 0), 1]),
            true,
        ),
        (
            "typedef name of 513 characters",
            with_int(&[longer, info(TYPEDEF, 0), 1]),
            false,
        ),
        (
            "DATASEC named with a space",
            with_int(&[24, info(VAR, 0), 1, 1, 15, info(DATASEC, 1), 4, 2, 0, 4]),
            true,
        ),
        (
            "DATASEC named with a dash",
            with_int(&[24, info(VAR, 0), 1, 1, 26, info(DATASEC, 1), 4, 2, 0, 4]),
            true,
        ),
        (
            "DATASEC named with a Latin-1 letter",
            with_int(&[24, info(VAR, 0), 1, 1, 9, info(DATASEC, 1), 4, 2, 0, 4]),
            true,
        ),
        (
            "DATASEC named with a C1 control byte",
            with_int(&[24, info(VAR, 0), 1, 1, 31, info(DATASEC, 1), 4, 2, 0, 4]),
            false,
        ),
        (
            "PTR whose name offset is non-zero but names an empty string",
            with_int(&[4, info(PTR, 0), 1]),
            false,
        ),
        (
            "info bits 16-23 set",
            with_int(&[0, info(PTR, 0) | 0x10000, 1]),
            false,
        ),
        (
            "INT of 12 bytes",
            blob(&[1, info(INT, 0), 12, 0x0100_0020], &strings),
            true,
        ),
        (
            "INT with bits 8-15 of its encoding word set",
            blob(&[1, info(INT, 0), 4, 0x0100_ff20], &strings),
            true,
        ),
        (
            "struct members out of offset order",
            with_int(&[5, info(STRUCT, 2), 8, 5, 1, 32, 5, 1, 0]),
            false,
        ),
        ("FWD with a type", with_int(&[5, info(FWD, 0), 1]), false),
        ("extern VAR", with_int(&[5, info(VAR, 0), 1, 2]), false),
        (
            "extern FUNC",
            with_int(&[0, info(PROTO, 0), 1, 5, info(FUNC, 2), 2]),
            false,
        ),
        (
            "FUNC whose prototype has an unnamed argument",
            with_int(&[0, info(PROTO, 1), 1, 0, 1, 5, info(FUNC, 1), 2]),
            false,
        ),
        (
            "DECL_TAG past the last argument",
            with_int(&[
                0,
                info(PROTO, 1),
                1,
                5,
                1,
                5,
                info(FUNC, 1),
                2,
                24,
                info(DECL_TAG, 0),
                3,
                1,
            ]),
            false,
        ),
        (
            "DECL_TAG on an argument",
            with_int(&[
                0,
                info(PROTO, 1),
                1,
                5,
                1,
                5,
                info(FUNC, 1),
                2,
                24,
                info(DECL_TAG, 0),
                3,
                0,
            ]),
            true,
        ),
    ]
}

#[test]
fn validator_rules_match_the_kernel() {
    let probes = probes();
    require_bpf(&probes[0].1);
    let mut failures = Vec::new();
    for (what, blob, expected) in &probes {
        let k = kernel_load(blob);
        let o = ours(blob);
        if k.is_ok() != *expected {
            failures.push(format!(
                "{what}: the kernel says {k:?}, the probe expects {expected}"
            ));
        }
        if k.is_ok() != o.is_ok() {
            failures.push(format!("{what}: kernel {k:?}, validator {o:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// How many mutated blobs are compared (`ARGCTX_KERNEL_MUTANTS` overrides, for longer runs).
const MUTANTS: usize = 600;

fn mutants() -> usize {
    std::env::var("ARGCTX_KERNEL_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MUTANTS)
}

#[test]
fn big_endian_blobs_are_judged_for_their_own_byte_order() {
    // A documented difference: the validator judges a blob as a kernel of the blob's byte order
    // would; this little-endian host refuses big-endian BTF outright ("Invalid magic").
    for (name, data) in fixtures("tests/fixtures-be") {
        let blob = apply(&data, &Options::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .btf
            .unwrap_or_else(|| panic!("{name}: no BTF written"));
        assert_eq!(ours(&blob), Ok(()), "{name}: big-endian blob");
        assert!(
            kernel_load(&blob).is_err(),
            "{name}: this host loads big-endian BTF"
        );
    }
}

#[test]
fn validator_agrees_with_the_kernel_on_mutated_blobs() {
    let bases = written_blobs();
    require_bpf(&bases[0].1);
    let mut rng = Rng(0x6b65_726e_656c_0001);
    let mut agree = 0;
    let mut per_region: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let mut allowed: Vec<(usize, String)> = Vec::new();
    let mut bugs = Vec::new();
    let total = mutants();
    for i in 0..total {
        let (name, base) = &bases[rng.below(bases.len())];
        let mut blob = base.clone();
        // Regions from the unmutated header: 0 header, 1 type section, 2 string section.
        let btf = Btf::parse(base).expect("a written blob parses");
        let types = btf.types_start()..btf.strings_start();
        let strings = btf.strings_start()..base.len();
        let (what, region) = match rng.below(3) {
            0 => ("header", 0..24),
            1 => ("types", types),
            _ => ("strings", strings),
        };
        for _ in 0..1 + rng.below(3) {
            let at = region.start + rng.below(region.len());
            if rng.below(2) == 0 {
                blob[at] ^= 1 << rng.below(8);
            } else {
                blob[at] = rng.next() as u8;
            }
        }
        let k = kernel_load(&blob);
        let o = ours(&blob);
        let stats = per_region.entry(what).or_default();
        stats.1 += 1;
        let (side, reason) = match (&k, &o) {
            (Ok(()), Ok(())) | (Err(_), Err(_)) => {
                agree += 1;
                stats.0 += 1;
                continue;
            }
            (Err(kr), Ok(())) => (Side::KernelStricter, kr.clone()),
            (Ok(()), Err(or)) => (Side::OursStricter, or.clone()),
        };
        let line = format!("mutant #{i} ({what} of {name}): {side:?}: {reason}");
        match ALLOWED
            .iter()
            .position(|a| a.side == side && reason.contains(a.reason))
        {
            Some(a) => allowed.push((a, line)),
            None => bugs.push(line),
        }
    }
    eprintln!(
        "validator vs kernel: {agree}/{total} mutated blobs judged alike ({:.1}%), {} documented differences, {} unexplained",
        100.0 * agree as f64 / total as f64,
        allowed.len(),
        bugs.len()
    );
    for (region, (a, n)) in &per_region {
        eprintln!("  flips in the {region}: {a}/{n} alike");
    }
    for (a, line) in &allowed {
        eprintln!("  documented ({}): {line}", ALLOWED[*a].reason);
    }
    let mut seen: Vec<usize> = allowed.iter().map(|(a, _)| *a).collect();
    seen.sort_unstable();
    seen.dedup();
    for a in seen {
        eprintln!(
            "  why '{}' is allowed: {}",
            ALLOWED[a].reason, ALLOWED[a].why
        );
    }
    assert!(
        bugs.is_empty(),
        "the validator and the kernel disagree:\n{}",
        bugs.join("\n")
    );
}
