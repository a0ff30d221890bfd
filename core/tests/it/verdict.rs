//! `argctx::verdict`: what each kernel version makes of the fixtures' programs (the releases the
//! oracle cannot boot), the argument rules for program types no fixture can load alone (struct_ops,
//! fentry, freplace…) on hand-built BTF, DWARF calling conventions, the lint lines, and hostile
//! input. The comparison with real kernels is in tests/oracle/tests/verdict.rs.

use argctx::btf::{Btf, BtfBuilder, Kind, LINKAGE_GLOBAL};
use argctx::fallback::Arch;
use argctx::program::sec_def::{AttachType, ProgType};
use argctx::verdict::rules::{self, ArgClass, ArgTags, ProgEnv};
use argctx::verdict::{
    check, dwarf, lint_lines, render_text, KernelVersion, Load, Loader, VerdictOptions,
    VerdictReport,
};

use crate::common::{fixtures, root, Rng};

fn fixture(name: &str) -> Vec<u8> {
    fixtures()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
        .1
}

fn k(s: &str) -> KernelVersion {
    KernelVersion::parse(s).expect("kernel version")
}

fn report(name: &str, kernels: &[&str], f: impl FnOnce(&mut VerdictOptions<'_>)) -> VerdictReport {
    let data = fixture(name);
    let mut o = VerdictOptions {
        kernels: kernels.iter().map(|s| k(s)).collect(),
        ..VerdictOptions::default()
    };
    f(&mut o);
    check(&data, &o).expect("check")
}

/// (load, code of the first fatal problem) of `prog` on each kernel.
fn outcomes(r: &VerdictReport, prog: &str) -> Vec<Outcome> {
    let p = r
        .programs
        .iter()
        .find(|p| p.name == prog)
        .unwrap_or_else(|| panic!("no program {prog}"));
    p.kernels
        .iter()
        .map(|kv| {
            (
                kv.load,
                kv.problems.iter().find(|p| p.fatal).map(|p| p.code),
            )
        })
        .collect()
}

/// A verdict and the code of its first fatal problem.
type Outcome = (Load, Option<&'static str>);

/// (fixture, program, kernels, expected outcome per kernel).
type Case = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [Outcome],
);

const YES: Outcome = (Load::Yes, None);

const fn no(code: &'static str) -> Outcome {
    (Load::No, Some(code))
}

/// What each kernel makes of fixture programs, including releases the oracle cannot boot.
const CASES: &[Case] = &[
    // libbpf's fallback makes `void *ctx __arg_ctx` acceptable from 5.6; the subprogram's
    // bpf_xdp_get_buff_len (5.18) is what Debian's 5.10 refuses (`invalid func unknown#188`, its
    // helper probe), and 5.4 is older than every probed kernel (no claim).
    (
        "void_ctx",
        "xdp_void",
        &["5.4", "5.10", "6.1", "6.7", "6.8", "latest"],
        &[YES, no("helper_unavailable"), YES, YES, YES, YES],
    ),
    // The struct named like the kprobe typedef: fine by name before 6.8, refused by the 6.8 check.
    (
        "mismatch",
        "kprobe_fake_struct",
        &["6.6", "6.7", "6.8"],
        &[YES, YES, no("ctx_type_mismatch")],
    ),
    // A tag on a scalar: ignored before 6.8, then refused (6.8 by the type check, 6.9 at once).
    (
        "mismatch",
        "xdp_scalar_arg",
        &["6.7", "6.8", "6.9"],
        &[YES, no("ctx_type_mismatch"), no("tag_on_scalar")],
    ),
    // No fallback for tracepoints; pointers to memory do not exist before 5.12.
    (
        "mismatch",
        "tp_openat",
        &["5.10", "5.15", "6.7", "6.8"],
        &[
            no("unsupported_arg_type"),
            no("mem_arg_misused"),
            no("mem_arg_misused"),
            YES,
        ],
    ),
    // arg:nonnull is read from 6.8: the unchecked dereference passes there.
    (
        "verdict_tags",
        "xdp_nonnull_deref",
        &["6.7", "6.8"],
        &[no("mem_arg_misused"), YES],
    ),
    // arg:nullable: unknown (ignored) in 6.8, refused alone from 6.9.
    (
        "verdict_tags",
        "xdp_nullable_alone",
        &["6.8", "6.9"],
        &[YES, no("invalid_tag_combination")],
    ),
    (
        "verdict_tags",
        "xdp_unknown_tag",
        &["6.8", "6.9"],
        &[YES, no("unsupported_tag")],
    ),
    // Two tags: 6.8 reads one, 6.9 refuses ctx with anything else; before 6.8 libbpf rewrites.
    (
        "verdict_tags",
        "xdp_ctx_and_nonnull",
        &["6.7", "6.8", "6.9"],
        &[YES, no("tag_fetch_failure"), no("invalid_tag_combination")],
    ),
    // arg:untrusted: an unknown tag until 6.17.
    (
        "verdict_tags",
        "xdp_untrusted_void",
        &["6.7", "6.16", "6.17"],
        &[no("size_unknown"), no("unsupported_tag"), YES],
    ),
    // A trusted kernel pointer passed for plain memory.
    (
        "verdict_tags",
        "tp_btf_untrusted_task",
        &["6.7", "6.16"],
        &[no("caller_passes_kernel_ptr_to_mem"), no("unsupported_tag")],
    ),
    // struct sk_buff for __sk_buff without a tag: from 6.4.
    (
        "verdict_memory",
        "tc_sk_buff_name",
        &["6.3", "6.4"],
        &[no("mem_arg_misused"), YES],
    ),
    // `void *` without a tag: not supported before 5.12, no size after.
    (
        "verdict_memory",
        "xdp_void_untagged",
        &["5.10", "5.12", "latest"],
        &[
            no("unsupported_arg_type"),
            no("size_unknown"),
            no("size_unknown"),
        ],
    ),
    // An anonymous struct taken for the tracing context: until 6.9, 6.6.23, 6.7.11, 6.8.2; never fixed
    // in 6.1. (Up to 6.7 the subprogram is validated first and fails on its unchecked use.)
    (
        "verdict_tracing",
        "tp_btf_anon",
        &[
            "6.1", "6.6.22", "6.6.23", "6.6", "6.7.10", "6.8.1", "6.8", "6.9",
        ],
        &[
            YES,
            YES,
            no("mem_arg_misused"),
            no("mem_arg_misused"),
            YES,
            YES,
            no("caller_passes_ctx_to_mem"),
            no("caller_passes_ctx_to_mem"),
        ],
    ),
    // Programs that do not exist yet.
    (
        "verdict_tracing",
        "syscall_void",
        &["5.13", "6.8"],
        &[no("prog_type_unavailable"), YES],
    ),
    // Before 5.6 every subprogram is static: nothing about arguments can fail.
    ("mismatch", "kprobe_skb_arg", &["5.4"], &[YES]),
];

#[test]
fn kernel_history_on_fixtures() {
    let cases = CASES;
    let mut failures = Vec::new();
    for (fx, prog, kernels, want) in cases {
        let r = report(fx, kernels, |_| {});
        let got = outcomes(&r, prog);
        if got.as_slice() != *want {
            failures.push(format!(
                "{fx} {prog} on {kernels:?}:\n  got  {got:?}\n  want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stable_backport_of_the_typedef_match() {
    // Without libbpf's rewrite, `struct pt_regs *` matches the kprobe context only with the
    // typedef resolution: 6.3, and 6.1.16 in the 6.1 series.
    let r = report("kprobe", &["6.1.15", "6.1.16", "6.2.2", "6.3"], |o| {
        o.loader = Loader::Plain
    });
    assert_eq!(
        outcomes(&r, "kprobe_unlink"),
        [no("mem_arg_misused"), YES, no("mem_arg_misused"), YES]
    );
    // libbpf rewrites to `struct bpf_user_pt_regs_t *`, which every kernel matches by name.
    let r = report("kprobe", &["6.1.15", "6.2.2"], |_| {});
    assert_eq!(outcomes(&r, "kprobe_unlink"), [YES, YES]);
    let p = &r.programs[0].kernels[0];
    assert_eq!(p.path, "fallback");
    assert!(
        p.subprogs[0].args[0].how.contains("after libbpf's rewrite"),
        "{:?}",
        p.subprogs
    );
}

#[test]
fn plain_loader_and_missing_kernel_btf() {
    let r = report("void_ctx", &["6.1", "6.8"], |o| o.loader = Loader::Plain);
    assert_eq!(outcomes(&r, "xdp_void"), [no("size_unknown"), YES]);
    assert_eq!(r.programs[0].kernels[0].path, "no_fallback");
    assert_eq!(
        r.programs[0].kernels[0].expected_log,
        [
            "Validating xdp_buff_len() func#1...",
            "arg#0 reference type('UNKNOWN ') size cannot be determined: -22"
        ]
    );
    // Without the kernel's BTF nothing is matched by name; a tagged `void *` still passes 6.8.
    let r = report("void_ctx", &["6.1", "6.8"], |o| o.kernel_btf = false);
    assert_eq!(outcomes(&r, "xdp_void"), [no("mem_arg_misused"), YES]);
}

#[test]
fn architecture_decides_the_register_struct() {
    let r = report("verdict_regs", &["6.1", "latest"], |o| o.arch = Arch::Arm64);
    // Untagged `struct pt_regs *` is the kprobe context only where bpf_user_pt_regs_t is pt_regs.
    assert_eq!(
        outcomes(&r, "kprobe_regs_untagged"),
        [no("mem_arg_misused"), no("caller_passes_ctx_to_mem")]
    );
    // ... while the arm64 struct is.
    assert_eq!(outcomes(&r, "kprobe_user_regs_untagged"), [YES, YES]);
    let r = report("verdict_regs", &["6.1", "latest"], |_| {});
    assert_eq!(outcomes(&r, "kprobe_regs_untagged"), [YES, YES]);
    // perf_event: libbpf on arm64 does not rewrite `struct pt_regs *`; the kernel refuses it.
    let r = report("perf_event", &["6.1", "latest"], |o| o.arch = Arch::Arm64);
    assert_eq!(outcomes(&r, "on_sample")[0].0, Load::No);
    assert_eq!(outcomes(&r, "on_sample")[1], no("ctx_type_mismatch"));
}

#[test]
fn messages_name_the_function_and_order_follows_the_verifier() {
    let r = report("mismatch", &["6.1", "latest"], |_| {});
    let p = r
        .programs
        .iter()
        .find(|p| p.name == "kprobe_skb_arg")
        .expect("prog");
    // 6.1 validates the subprogram first and fails in its body.
    assert_eq!(
        p.kernels[0].expected_log,
        [
            "Validating kp_wrong() func#1...",
            "R1 type=mem_or_null expected=ctx"
        ]
    );
    // 6.8+ checks the call first.
    assert_eq!(
        p.kernels[1].expected_log,
        [
            "arg#0 should be `struct pt_regs *`",
            "Caller passes invalid args into func#1 ('kp_wrong')"
        ]
    );
    let text = render_text(&r);
    assert!(text.contains("?kprobe_skb_arg"), "{text}");
    assert!(text.contains("arg:ctx accepts (6.8+): void *, bpf_user_pt_regs_t *, struct pt_regs *"));
}

#[test]
fn lint_lines_one_per_problem() {
    let r = report("mismatch", &["6.6", "6.8", "latest"], |_| {});
    let all = |_: &argctx::verdict::ProgramVerdict| true;
    let lines = lint_lines("mismatch.o", &r, Some(k("6.8")), &all, false);
    assert!(
        lines.contains(
            &"mismatch.o: prog 'kprobe_skb_arg': subprog 'kp_wrong' arg#0: arg:ctx on a kprobe program accepts only void *, bpf_user_pt_regs_t *, struct pt_regs *: `arg#0 should be `struct pt_regs *`` (kernel 6.8, latest)".to_string()
        ),
        "{lines:#?}"
    );
    // Only autoloaded programs: tp_openat loads from 6.8.
    let auto = |p: &argctx::verdict::ProgramVerdict| p.autoload;
    assert!(lint_lines("m.o", &r, Some(k("6.8")), &auto, false).is_empty());
    let old = lint_lines("m.o", &r, Some(k("6.6")), &auto, false);
    // The body's use (what 6.6 reports first) and the call that passes the context.
    assert_eq!(old.len(), 2, "{old:?}");
    for l in &old {
        assert!(l.starts_with("m.o: prog 'tp_openat': subprog 'tp_any_struct' arg#0: "));
        assert!(l.ends_with("(kernel 6.6)"));
    }
}

#[test]
fn static_tags_and_changed_calling_conventions() {
    let r = report("static_tagged", &["latest"], |_| {});
    let a = &r.programs[0];
    let sub = |n: &str| a.subprogs.iter().find(|s| s.name == n).expect("subprog");
    assert_eq!(sub("static_dead_arg").nocall, Some(true));
    assert_eq!(sub("static_const").nocall, Some(true));
    assert_eq!(sub("static_tagged").nocall, Some(false));
    assert_eq!(sub("hidden_tagged").linkage, "hidden");
    assert!(sub("static_tagged").notes[0].contains("tags are ignored"));
    let warn: Vec<_> = a.kernels[0].problems.iter().filter(|p| !p.fatal).collect();
    assert!(warn.iter().any(|p| p.code == "tag_ignored_static"
        && p.kernel_log == ["arg#0 type tag is not supported in static functions"]));
    let d = dwarf::subprograms(&fixture("static_tagged")).expect("dwarf");
    let dead = d
        .iter()
        .find(|s| s.name == "static_dead_arg")
        .expect("dwarf entry");
    assert!(dead.nocall && !dead.external);
    assert_eq!(dead.params, ["ctx", "unused", "k"]);
    // A tagged static whose signature changed, and a kprobe whose target did.
    let r = report("verdict_dwarf", &["latest"], |_| {});
    let x = &r.programs[0].subprogs[0];
    assert!(
        x.nocall == Some(true)
            && x.notes
                .iter()
                .any(|n| n.contains("arg#0 name source parameters"))
    );
    assert!(r.programs[1]
        .notes
        .iter()
        .any(|n| n.contains("vd_const() has DW_CC_nocall")));
    // A target found in another binary's DWARF.
    let target = fixture("static_tagged");
    let data = fixture("verdict_dwarf");
    let o = VerdictOptions {
        target_dwarf: Some(&target),
        ..VerdictOptions::default()
    };
    assert!(check(&data, &o).is_ok());
}

#[test]
fn big_endian_dwarf() {
    for name in ["multi_prog", "perf_event", "void_ctx"] {
        let data = std::fs::read(root().join("tests/fixtures-be").join(format!("{name}.o")))
            .expect("big-endian fixture");
        let d = dwarf::subprograms(&data).expect("dwarf");
        assert!(!d.is_empty(), "{name}");
        // Kernels whose helpers these programs all have (5.10 lacks some: helper_unavailable).
        let o = VerdictOptions {
            kernels: ["6.1", "6.8", "latest"]
                .iter()
                .map(|k| KernelVersion::parse(k).expect("kernel"))
                .collect(),
            ..VerdictOptions::default()
        };
        let r = check(&data, &o).expect("check");
        assert!(r
            .programs
            .iter()
            .all(|p| p.kernels.iter().all(|k| k.load == Load::Yes)));
    }
}

#[test]
fn report_serializes() {
    let r = report("verdict_tags", &[], |_| {});
    assert_eq!(r.kernels.len(), KernelVersion::DEFAULT_SET.len());
    let v = serde_json::to_value(&r).expect("json");
    assert_eq!(v["kernels"][5]["kernel"], "latest");
    assert_eq!(v["kernels"][5]["version"], "6.18");
    assert_eq!(v["programs"][0]["kernels"][5]["load"], "yes");
    assert_eq!(v["programs"][0]["kernels"][0]["load"], "no");
    assert!(v["features"].as_array().is_some_and(|f| f.len() >= 10));
}

// ---- Argument rules on hand-built BTF ----

/// A tiny BTF writer: ints, structs, pointers, typedefs, functions and tags.
struct B(BtfBuilder);

impl B {
    fn new() -> Self {
        let mut raw = Vec::new();
        raw.extend(0xeb9fu16.to_le_bytes());
        raw.extend([1, 0]);
        for w in [24u32, 0, 0, 0, 1] {
            raw.extend(w.to_le_bytes());
        }
        raw.push(0);
        B(BtfBuilder::new(&Btf::parse(&raw).expect("empty BTF")))
    }
    fn s(&mut self, name: &str) -> u32 {
        self.0.add_str(name.as_bytes()).expect("string")
    }
    fn int(&mut self, name: &str, size: u32) -> u32 {
        let n = self.s(name);
        let bits = (size * 8).to_le_bytes();
        self.0.push(n, (Kind::Int as u32) << 24, size, &bits)
    }
    fn st(&mut self, name: &str, size: u32) -> u32 {
        let n = if name.is_empty() { 0 } else { self.s(name) };
        self.0.add_struct(n, size)
    }
    fn fwd(&mut self, name: &str) -> u32 {
        let n = self.s(name);
        self.0.push(n, (Kind::Fwd as u32) << 24, 0, &[])
    }
    fn typedef(&mut self, name: &str, to: u32) -> u32 {
        let n = self.s(name);
        self.0.push(n, (Kind::Typedef as u32) << 24, to, &[])
    }
    fn array(&mut self, elem: u32, n: u32) -> u32 {
        let mut t = Vec::new();
        for w in [elem, elem, n] {
            t.extend(w.to_le_bytes());
        }
        self.0.push(0, (Kind::Array as u32) << 24, 0, &t)
    }
    fn ptr(&mut self, to: u32) -> u32 {
        self.0.add_ptr(to)
    }
    /// A global `int name(params...)` with `tags` as (arg, tag) pairs.
    fn func(&mut self, name: &str, params: &[u32], tags: &[(i32, &str)]) -> u32 {
        let int = self.int("int", 4);
        let proto = self.0.add_func_proto(int);
        for &p in params {
            let n = self.s("a");
            self.0.add_func_param(n, p).expect("param");
        }
        let n = self.s(name);
        let f = self.0.add_func(n, LINKAGE_GLOBAL, proto);
        for &(i, t) in tags {
            let n = self.s(&format!("arg:{t}"));
            self.0.add_decl_tag(n, f, i);
        }
        f
    }
}

fn env(prog_type: ProgType, attach: AttachType, arch: Arch) -> ProgEnv<'static> {
    ProgEnv {
        prog_type,
        attach,
        arch,
        kernel_btf: true,
        vmlinux: None,
        sleepable: false,
    }
}

/// `Ok(classes)` or `Err(first verifier line)`.
fn prep(b: &B, func: u32, e: &ProgEnv<'_>, kernel: &str) -> Result<Vec<ArgClass>, String> {
    let bytes = b.0.to_bytes();
    let btf = Btf::parse(&bytes).expect("built BTF");
    rules::prepare(k(kernel), e, &btf, &ArgTags::new(&btf), func)
        .map(|v| v.into_iter().map(|a| a.class).collect())
        .map_err(|e| e.lines.first().cloned().unwrap_or_default())
}

#[test]
fn tagged_context_types_per_program_type() {
    let mut b = B::new();
    let u64t = b.int("unsigned long long", 8);
    let u32t = b.int("unsigned int", 4);
    let pu64 = b.ptr(u64t);
    let pu32 = b.ptr(u32t);
    let foo = b.st("foo", 8);
    let pfoo = b.ptr(foo);
    let iter = b.st("bpf_iter__task", 16);
    let piter = b.ptr(iter);
    let regs = b.st("pt_regs", 168);
    let pregs = b.ptr(regs);
    let uregs = b.st("user_pt_regs", 272);
    let puregs = b.ptr(uregs);
    let f_u64 = b.func("f_u64", &[pu64], &[(0, "ctx")]);
    let f_u32 = b.func("f_u32", &[pu32], &[(0, "ctx")]);
    let f_foo = b.func("f_foo", &[pfoo], &[(0, "ctx")]);
    let f_iter = b.func("f_iter", &[piter], &[(0, "ctx")]);
    let f_regs = b.func("f_regs", &[pregs], &[(0, "ctx")]);
    let f_uregs = b.func("f_uregs", &[puregs], &[(0, "ctx")]);
    let x86 = Arch::X86_64;
    let void_ptr = Err("arg#0 should be void pointer".to_string());
    let ctx = Ok(vec![ArgClass::Ctx]);
    let sops = env(ProgType::STRUCT_OPS, AttachType(0), x86);
    assert_eq!(prep(&b, f_u64, &sops, "6.8"), ctx);
    assert_eq!(prep(&b, f_foo, &sops, "6.8"), void_ptr);
    let fentry = env(ProgType::TRACING, AttachType::TRACE_FENTRY, x86);
    assert_eq!(prep(&b, f_u64, &fentry, "6.8"), ctx);
    assert_eq!(prep(&b, f_u32, &fentry, "6.8"), void_ptr);
    assert_eq!(prep(&b, f_iter, &fentry, "6.8"), void_ptr);
    let it = env(ProgType::TRACING, AttachType::TRACE_ITER, x86);
    assert_eq!(prep(&b, f_iter, &it, "6.8"), ctx);
    let lsm = env(ProgType::LSM, AttachType::LSM_MAC, x86);
    assert_eq!(prep(&b, f_u64, &lsm, "latest"), ctx);
    // freplace: checked against the target's type; its own rules accept any named pointee.
    let ext = env(ProgType::EXT, AttachType(0), x86);
    assert_eq!(prep(&b, f_foo, &ext, "6.8"), ctx);
    let lirc = env(ProgType::LIRC_MODE2, AttachType(0), x86);
    assert_eq!(prep(&b, f_foo, &lirc, "6.8"), void_ptr);
    let tp = env(ProgType::TRACEPOINT, AttachType(0), x86);
    assert_eq!(prep(&b, f_foo, &tp, "6.8"), ctx);
    // perf_event: only the architecture's register struct.
    let pe = env(ProgType::PERF_EVENT, AttachType::PERF_EVENT, x86);
    let pe_arm = env(ProgType::PERF_EVENT, AttachType::PERF_EVENT, Arch::Arm64);
    let pe_msg = Err("arg#0 should be `struct bpf_perf_event_data *`".to_string());
    assert_eq!(prep(&b, f_regs, &pe, "6.8"), ctx);
    assert_eq!(prep(&b, f_uregs, &pe, "6.8"), pe_msg);
    assert_eq!(prep(&b, f_uregs, &pe_arm, "6.8"), ctx);
    assert_eq!(prep(&b, f_regs, &pe_arm, "6.8"), pe_msg);
    // kprobe: struct pt_regs on every architecture; the message names the arch's struct.
    let kp_arm = env(ProgType::KPROBE, AttachType(0), Arch::Arm64);
    assert_eq!(prep(&b, f_regs, &kp_arm, "6.8"), ctx);
    assert_eq!(
        prep(&b, f_foo, &kp_arm, "6.8"),
        Err("arg#0 should be `struct user_pt_regs *`".to_string())
    );
    // Before 6.8 the tags mean nothing: memory.
    assert_eq!(prep(&b, f_u64, &fentry, "6.7"), Ok(vec![ArgClass::Mem]));
}

#[test]
fn untagged_names_typedefs_and_other_kinds() {
    let mut b = B::new();
    let anon = b.st("", 8);
    let panon = b.ptr(anon);
    let anon_td = b.typedef("user_pt_regs", anon);
    let td = b.typedef("bpf_user_pt_regs_t", anon_td);
    let ptd = b.ptr(td);
    let dynptr = b.st("bpf_dynptr", 16);
    let pdyn = b.ptr(dynptr);
    let fwd = b.fwd("later");
    let pfwd = b.ptr(fwd);
    let skb = b.st("__sk_buff", 4);
    let pskb = b.ptr(skb);
    let char_t = b.int("char", 1);
    let arr = b.array(char_t, 4);
    let parr = b.ptr(arr);
    let f_anon = b.func("f_anon", &[panon], &[]);
    let f_td = b.func("f_td", &[ptd], &[]);
    let f_dyn = b.func("f_dyn", &[pdyn], &[]);
    let f_dyn_tag = b.func("f_dyn_tag", &[pdyn], &[(0, "nonnull")]);
    let f_fwd = b.func("f_fwd", &[pfwd], &[]);
    let f_skb = b.func("f_skb", &[pskb], &[]);
    let f_six = b.func("f_six", &[char_t; 6], &[]);
    let f_arr = b.func("f_arr", &[parr], &[(0, "untrusted")]);
    // s390: bpf_user_pt_regs_t → user_pt_regs → an anonymous struct.
    let kp = env(ProgType::KPROBE, AttachType(0), Arch::S390);
    assert_eq!(prep(&b, f_anon, &kp, "6.1"), Ok(vec![ArgClass::Ctx]));
    assert_eq!(prep(&b, f_anon, &kp, "6.9"), Ok(vec![ArgClass::Mem]));
    assert_eq!(prep(&b, f_td, &kp, "6.9"), Ok(vec![ArgClass::Ctx]));
    // Tracing: the anonymous struct was taken for `void *` until 6.9.
    let tb = env(ProgType::TRACING, AttachType::TRACE_RAW_TP, Arch::X86_64);
    assert_eq!(prep(&b, f_anon, &tb, "6.8.1"), Ok(vec![ArgClass::Ctx]));
    assert_eq!(prep(&b, f_anon, &tb, "6.9"), Ok(vec![ArgClass::Mem]));
    let xdp = env(ProgType::XDP, AttachType::XDP, Arch::X86_64);
    assert_eq!(prep(&b, f_dyn, &xdp, "6.9"), Ok(vec![ArgClass::Dynptr]));
    assert_eq!(
        prep(&b, f_dyn_tag, &xdp, "6.9"),
        Err("arg#0 has invalid combination of tags".into())
    );
    assert_eq!(
        prep(&b, f_fwd, &xdp, "6.1"),
        Err("arg#0 reference type('FWD later') size cannot be determined: -22".into())
    );
    // A context by name in the wrong program type is memory.
    assert_eq!(prep(&b, f_skb, &xdp, "6.1"), Ok(vec![ArgClass::Mem]));
    let tc = env(ProgType::SCHED_CLS, AttachType(0), Arch::X86_64);
    assert_eq!(prep(&b, f_skb, &tc, "6.1"), Ok(vec![ArgClass::Ctx]));
    let no_btf = ProgEnv {
        kernel_btf: false,
        ..tc
    };
    assert_eq!(prep(&b, f_skb, &no_btf, "6.1"), Ok(vec![ArgClass::Mem]));
    assert_eq!(
        prep(&b, f_six, &xdp, "6.1"),
        Err("Global function f_six() with 6 > 5 args. Buggy compiler.".into())
    );
    assert_eq!(
        prep(&b, f_arr, &xdp, "6.17"),
        Err("arg#0 has type ARRAY '', but only struct or primitive types are allowed".into())
    );
}

#[test]
fn trusted_types_are_looked_up_in_kernel_btf() {
    let mut b = B::new();
    let task = b.st("task_struct___local", 4);
    let ptask = b.ptr(task);
    let f = b.func("f", &[ptask], &[(0, "trusted")]);
    let mut vm = B::new();
    vm.st("task_struct", 4000);
    let vm_bytes = vm.0.to_bytes();
    let index = rules::VmlinuxIndex::new(&Btf::parse(&vm_bytes).expect("vmlinux"));
    let mut e = env(ProgType::TRACING, AttachType::TRACE_RAW_TP, Arch::X86_64);
    e.vmlinux = Some(&index);
    // Flavors (`___local`) are stripped, as CO-RE does.
    assert_eq!(prep(&b, f, &e, "6.9"), Ok(vec![ArgClass::Trusted]));
    let mut empty = B::new();
    empty.st("other", 4);
    let empty_bytes = empty.0.to_bytes();
    let index = rules::VmlinuxIndex::new(&Btf::parse(&empty_bytes).expect("vmlinux"));
    e.vmlinux = Some(&index);
    assert_eq!(
        prep(&b, f, &e, "6.9"),
        Err("arg#0 reference type('STRUCT task_struct___local') has no matches".into())
    );
    // Unknown before 6.9: 6.8 ignores the tag and sees memory.
    assert_eq!(prep(&b, f, &e, "6.8"), Ok(vec![ArgClass::Mem]));
}

// ---- Hostile input ----

#[test]
fn hostile_input_never_panics() {
    let opts = VerdictOptions {
        kernels: vec![k("5.4"), k("6.1"), k("6.8"), k("latest")],
        ..VerdictOptions::default()
    };
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for (name, data) in fixtures() {
        for cut in (0..data.len()).step_by(data.len() / 97 + 1) {
            let _ = check(&data[..cut], &opts);
        }
        for _ in 0..60 {
            let mut d = data.clone();
            for _ in 0..1 + rng.next() % 6 {
                let at = (rng.next() % d.len() as u64) as usize;
                if let Some(b) = d.get_mut(at) {
                    *b ^= 1 << (rng.next() % 8);
                }
            }
            if let Ok(r) = check(&d, &opts) {
                let _ = render_text(&r);
                let _ = serde_json::to_string(&r);
            }
            let _ = dwarf::subprograms(&d);
        }
        let _ = name;
    }
}
