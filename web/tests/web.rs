//! The bindings, run in wasm (node): each export on real fixtures, with values cross-checked
//! against `argctx explain --format json`, `argctx check --format json`, `bpftool btf dump file`
//! and `llvm-objdump -t`.
#![cfg(target_arch = "wasm32")]

use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const VOID_CTX: &[u8] = include_bytes!("../../tests/fixtures/void_ctx.o");
const PERF_EVENT: &[u8] = include_bytes!("../../tests/fixtures/perf_event.o");
const MISMATCH: &[u8] = include_bytes!("../../tests/fixtures/mismatch.o");
const FENTRY: &[u8] = include_bytes!("../../tests/fixtures/fentry.o");
const KPROBE: &[u8] = include_bytes!("../../tests/fixtures/kprobe.o");

#[derive(Debug, Deserialize, PartialEq)]
struct FuncInfo {
    insn_off: u32,
    type_id: u32,
}

#[derive(Debug, Deserialize)]
struct Arg {
    subprog: String,
    decision: String,
    before: String,
    after: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Program {
    name: String,
    prog_type: String,
    ctx_struct: Option<String>,
    subprogs: Vec<String>,
    func_info_before: Vec<FuncInfo>,
    func_info: Vec<FuncInfo>,
    args: Vec<Arg>,
    added_btf: String,
    warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Report {
    format_version: u32,
    arch: String,
    kernel: String,
    programs: Vec<Program>,
    warnings: Vec<String>,
    error: Option<String>,
}

fn from_js<T: DeserializeOwned>(v: JsValue) -> T {
    serde_wasm_bindgen::from_value(v).expect("the export returns the documented shape")
}

fn opts(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("valid JSON")
}

fn fi(pairs: &[(u32, u32)]) -> Vec<FuncInfo> {
    pairs
        .iter()
        .map(|&(insn_off, type_id)| FuncInfo { insn_off, type_id })
        .collect()
}

/// The `message` of the JS `Error` an export threw.
fn err_text(e: wasm_bindgen::JsError) -> String {
    let v: JsValue = e.into();
    String::from(js_sys::Error::from(v).message())
}

#[wasm_bindgen_test]
fn version_is_the_workspace_version() {
    assert_eq!(argctx_web::version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn explain_void_ctx_default_options() {
    let r: Report = from_js(argctx_web::explain(VOID_CTX, JsValue::UNDEFINED).unwrap());
    assert_eq!(r.format_version, 1);
    assert_eq!((r.arch.as_str(), r.kernel.as_str()), ("x86_64", "fallback"));
    assert_eq!(r.error, None);
    let names: Vec<_> = r.programs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["xdp_void", "tc_void", "kprobe_void"]);

    let xdp = &r.programs[0];
    assert_eq!(xdp.prog_type, "xdp");
    assert_eq!(xdp.ctx_struct.as_deref(), Some("xdp_md"));
    assert_eq!(xdp.subprogs, ["xdp_buff_len"]);
    assert_eq!(xdp.func_info_before, fi(&[(0, 17), (6, 4)]));
    assert_eq!(xdp.func_info, fi(&[(0, 17), (6, 33)]));
    let decisions: Vec<_> = xdp
        .args
        .iter()
        .map(|a| (a.subprog.as_str(), a.decision.as_str()))
        .collect();
    assert_eq!(
        decisions,
        [
            ("xdp_buff_len", "rewritten"),
            ("skb_first_byte", "not_reachable"),
            ("kprobe_ip_low", "not_reachable"),
        ]
    );
    assert_eq!(xdp.args[0].before, "int xdp_buff_len(void *ctx)");
    assert_eq!(
        xdp.args[0].after.as_deref(),
        Some("int xdp_buff_len(struct xdp_md *ctx)")
    );
    assert!(xdp.added_btf.contains("[34] STRUCT 'xdp_md' size=0 vlen=0"));

    let tc = &r.programs[1];
    assert_eq!(tc.prog_type, "sched_cls");
    assert_eq!(tc.func_info, fi(&[(0, 21), (7, 38)]));
    let kp = &r.programs[2];
    assert_eq!(kp.ctx_struct.as_deref(), Some("bpf_user_pt_regs_t"));
    assert_eq!(kp.func_info, fi(&[(0, 26), (6, 43)]));
    assert_eq!(
        kp.args[2].after.as_deref(),
        Some("int kprobe_ip_low(struct bpf_user_pt_regs_t *ctx)")
    );
}

#[wasm_bindgen_test]
fn native_kernel_sends_func_info_unchanged() {
    let r: Report = from_js(
        argctx_web::explain(
            VOID_CTX,
            opts(r#"{"kernel":"native","programs":["tc_void"]}"#),
        )
        .unwrap(),
    );
    assert_eq!(r.kernel, "native");
    assert_eq!(r.programs.len(), 1);
    let tc = &r.programs[0];
    assert_eq!(tc.func_info, fi(&[(0, 21), (7, 7)]));
    assert_eq!(tc.func_info, tc.func_info_before);
    assert_eq!(tc.args[1].decision, "native_support");
    assert!(tc.added_btf.is_empty());
}

#[wasm_bindgen_test]
fn perf_event_on_s390_warns() {
    let r: Report = from_js(
        argctx_web::explain(
            PERF_EVENT,
            opts(r#"{"arch":"s390","programs":["on_sample"]}"#),
        )
        .unwrap(),
    );
    assert_eq!(r.arch, "s390");
    let p = &r.programs[0];
    assert_eq!(
        p.subprogs,
        ["read_regs", "read_typedef", "sample_period_low"]
    );
    let decisions: Vec<_> = p.args.iter().map(|a| a.decision.as_str()).collect();
    assert_eq!(
        decisions,
        [
            "mismatched_type",
            "mismatched_type",
            "not_reachable",
            "already_canonical"
        ]
    );
    assert_eq!(p.func_info, fi(&[(0, 25), (14, 6), (28, 11), (42, 22)]));
    assert_eq!(p.warnings.len(), 2);
    assert_eq!(
        r.warnings[0],
        "prog 'on_sample': subprog 'read_regs' arg#0 is expected to be of `struct bpf_perf_event_data *` type"
    );
    // On x86_64 the same program rewrites instead of warning.
    let x86: Report = from_js(
        argctx_web::explain(
            PERF_EVENT,
            opts(r#"{"arch":"x86_64","programs":["on_sample"]}"#),
        )
        .unwrap(),
    );
    assert!(x86.warnings.is_empty());
    assert_eq!(x86.programs[0].args[0].decision, "rewritten");
}

#[wasm_bindgen_test]
fn program_selection_overrides_autoload() {
    let r: Report =
        from_js(argctx_web::explain(MISMATCH, opts(r#"{"programs":["xdp_scalar_arg"]}"#)).unwrap());
    assert_eq!(r.programs.len(), 1);
    assert_eq!(r.programs[0].name, "xdp_scalar_arg");
    let scalar = r.programs[0]
        .args
        .iter()
        .find(|a| a.subprog == "xdp_scalar")
        .unwrap();
    assert_eq!(scalar.decision, "mismatched_type");
    assert_eq!(
        r.warnings,
        ["prog 'xdp_scalar_arg': subprog 'xdp_scalar' arg#0 is expected to be of `struct xdp_md *` type"]
    );
}

#[wasm_bindgen_test]
fn explain_text_is_the_cli_text() {
    let t = argctx_web::explain_text(VOID_CTX, JsValue::NULL).unwrap();
    assert!(t.starts_with(
        "Kernel: no native arg:ctx support (before 6.8): libbpf's fallback; architecture: x86_64\n"
    ));
    assert!(t.contains("  func_info sent:   {0, 17} {6, 33}\n"));
    assert!(t.contains("BTF: 31 types, 1837 bytes in the object; 46 types, 2072 bytes sent"));
}

#[wasm_bindgen_test]
fn programs_lists_autoload_and_func_info() {
    #[derive(Deserialize)]
    struct P {
        name: String,
        autoload: bool,
        func_info: Vec<FuncInfo>,
        line_info_cnt: usize,
    }
    #[derive(Deserialize)]
    struct R {
        programs: Vec<P>,
        subprograms: Vec<String>,
    }
    let r: R = from_js(argctx_web::programs(VOID_CTX).unwrap());
    assert_eq!(
        r.subprograms,
        ["xdp_buff_len", "skb_first_byte", "kprobe_ip_low"]
    );
    assert_eq!(r.programs[0].name, "xdp_void");
    assert!(r.programs[0].autoload);
    assert_eq!(r.programs[0].func_info, fi(&[(0, 17), (6, 4)]));
    assert_eq!(r.programs[0].line_info_cnt, 5);
    let m: R = from_js(argctx_web::programs(MISMATCH).unwrap());
    let off: Vec<_> = m
        .programs
        .iter()
        .filter(|p| !p.autoload)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        off,
        [
            "kprobe_skb_arg",
            "kprobe_fake_struct",
            "xdp_int_ptr_arg",
            "xdp_scalar_arg"
        ]
    );
}

#[wasm_bindgen_test]
fn btf_dump_matches_bpftool() {
    let d = argctx_web::btf_dump(VOID_CTX).unwrap();
    assert!(d.starts_with("[1] "));
    assert!(d.contains("[4] FUNC 'xdp_buff_len' type_id=2 linkage=global\n"));
    assert!(d.contains("[26] FUNC 'kprobe_void' type_id=25 linkage=global\n"));
    // The rewritten blob dumps too, with the appended clones.
    let blob = argctx_web::rewrite_btf(VOID_CTX, JsValue::UNDEFINED).unwrap();
    assert_eq!(blob.len(), 2072);
    assert_eq!(&blob[..2], &[0x9f, 0xeb]);
    let sent = argctx_web::btf_dump(&blob).unwrap();
    assert!(sent.contains("[43] FUNC 'kprobe_ip_low' type_id=42 linkage=global\n"));
    assert!(sent.contains("[46] DECL_TAG 'arg:ctx' type_id=43 component_idx=0"));
}

#[wasm_bindgen_test]
fn btf_ext_records() {
    #[derive(Deserialize)]
    struct Rec {
        insn_off: u32,
        type_id: u32,
        name: String,
    }
    #[derive(Deserialize)]
    struct Line {
        file: String,
        line: u32,
    }
    #[derive(Deserialize)]
    struct Block<R> {
        section: String,
        records: Vec<R>,
    }
    #[derive(Deserialize)]
    struct Sub<R> {
        rec_size: u32,
        blocks: Vec<Block<R>>,
    }
    #[derive(Deserialize)]
    struct Ext {
        endian: String,
        func_info: Sub<Rec>,
        line_info: Sub<Line>,
    }
    let x: Ext = from_js(argctx_web::btf_ext(VOID_CTX).unwrap());
    assert_eq!(x.endian, "little");
    assert_eq!(x.func_info.rec_size, 8);
    let fi: Vec<_> = x
        .func_info
        .blocks
        .iter()
        .flat_map(|b| {
            b.records
                .iter()
                .map(move |r| (b.section.as_str(), r.insn_off, r.type_id, r.name.as_str()))
        })
        .collect();
    // Byte offsets from `llvm-objdump -t`, type ids from `bpftool btf dump file`.
    assert_eq!(
        fi,
        [
            (".text", 0, 4, "xdp_buff_len"),
            (".text", 0x30, 7, "skb_first_byte"),
            (".text", 0x88, 10, "kprobe_ip_low"),
            ("xdp", 0, 17, "xdp_void"),
            ("tc", 0, 21, "tc_void"),
            ("kprobe/do_unlinkat", 0, 26, "kprobe_void"),
        ]
    );
    assert_eq!(x.line_info.rec_size, 16);
    let lines: usize = x.line_info.blocks.iter().map(|b| b.records.len()).sum();
    // 5 + 9 + 6 records reach the three programs (`argctx programs`): all of them.
    assert_eq!(lines, 20);
    assert!(x.line_info.blocks[0].records[0]
        .file
        .ends_with("tests/bpf/void_ctx.bpf.c"));
    assert!(x.line_info.blocks[0].records[0].line > 0);
}

#[wasm_bindgen_test]
fn architectures_start_with_the_default() {
    let a = argctx_web::architectures();
    assert_eq!(a[0], "x86_64");
    assert_eq!(a.len(), 9);
    assert!(a.iter().any(|x| x == "s390"));
}

#[wasm_bindgen_test]
fn errors_name_what_is_wrong() {
    let e = err_text(argctx_web::explain(b"not an object at all", JsValue::UNDEFINED).unwrap_err());
    assert_eq!(
        e,
        "unsupported input: not an ELF file (eBPF objects are ELF64 with machine BPF)"
    );
    let e = err_text(argctx_web::explain(&VOID_CTX[..3000], JsValue::UNDEFINED).unwrap_err());
    assert!(e.starts_with("invalid ELF section headers"), "{e}");
    let e = err_text(argctx_web::explain(VOID_CTX, opts(r#"{"arch":"vax"}"#)).unwrap_err());
    assert!(
        e.starts_with("unknown architecture 'vax' (one of: x86_64, arm64"),
        "{e}"
    );
    let e = err_text(argctx_web::explain(VOID_CTX, opts(r#"{"kernel":"new"}"#)).unwrap_err());
    assert_eq!(
        e,
        "unknown kernel 'new' (one of: fallback, native, or a version X.Y)"
    );
    let e = err_text(argctx_web::explain(VOID_CTX, opts(r#"{"programs":["nope"]}"#)).unwrap_err());
    assert_eq!(e, "unsupported input: the object has no program 'nope'");
    let e = err_text(argctx_web::btf_dump(b"\x9f\xeb").unwrap_err());
    assert!(!e.is_empty());
    // After errors, the next call works: nothing is kept between calls.
    assert!(argctx_web::explain(VOID_CTX, JsValue::UNDEFINED).is_ok());
}

#[derive(Debug, Deserialize)]
struct Problem {
    subprog: Option<String>,
    arg: Option<u32>,
    code: String,
    message: String,
    kernel_log: Vec<String>,
    fatal: bool,
}

#[derive(Debug, Deserialize)]
struct KernelVerdict {
    kernel: String,
    version: String,
    path: String,
    load: String,
    problems: Vec<Problem>,
    expected_log: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ProgramVerdict {
    name: String,
    prog_type: String,
    autoload: bool,
    context: Option<String>,
    kernels: Vec<KernelVerdict>,
}

#[derive(Debug, Deserialize)]
struct KernelInfo {
    kernel: String,
    native_arg_ctx: bool,
}

#[derive(Debug, Deserialize)]
struct Verdicts {
    format_version: u32,
    arch: String,
    loader: String,
    kernel_btf: bool,
    kernels: Vec<KernelInfo>,
    programs: Vec<ProgramVerdict>,
}

/// `(kernel, load)` per kernel of a program.
fn loads(p: &ProgramVerdict) -> Vec<(&str, &str)> {
    p.kernels
        .iter()
        .map(|k| (k.kernel.as_str(), k.load.as_str()))
        .collect()
}

#[wasm_bindgen_test]
fn check_fentry_fails_before_6_8_with_the_verifier_lines() {
    // `argctx check tests/fixtures/fentry.o --format json`.
    let r: Verdicts = from_js(argctx_web::check(FENTRY, JsValue::UNDEFINED).unwrap());
    assert_eq!(r.format_version, 1);
    assert_eq!(
        (r.arch.as_str(), r.loader.as_str(), r.kernel_btf),
        ("x86_64", "libbpf", true)
    );
    let kernels: Vec<_> = r
        .kernels
        .iter()
        .map(|k| (k.kernel.as_str(), k.native_arg_ctx))
        .collect();
    assert_eq!(
        kernels,
        [
            ("5.10", false),
            ("5.15", false),
            ("6.1", false),
            ("6.6", false),
            ("6.8", true),
            ("latest", true)
        ]
    );
    assert_eq!(r.programs.len(), 1);
    let p = &r.programs[0];
    assert_eq!(
        (p.name.as_str(), p.prog_type.as_str(), p.autoload),
        ("fentry_unlink", "tracing", true)
    );
    assert_eq!(p.context.as_deref(), Some("void *"));
    assert_eq!(
        loads(p),
        [
            ("5.10", "no"),
            ("5.15", "no"),
            ("6.1", "no"),
            ("6.6", "no"),
            ("6.8", "yes"),
            ("latest", "yes")
        ]
    );
    let k61 = &p.kernels[2];
    assert_eq!(
        (k61.version.as_str(), k61.path.as_str()),
        ("6.1", "fallback")
    );
    let problems: Vec<_> = k61
        .problems
        .iter()
        .map(|pb| (pb.subprog.as_deref(), pb.arg, pb.code.as_str(), pb.fatal))
        .collect();
    assert_eq!(
        problems,
        [
            (Some("fe_arg_count"), Some(0), "size_unknown", true),
            (Some("fe_first_arg"), Some(0), "mem_arg_misused", true),
            (
                Some("fe_first_arg"),
                Some(0),
                "caller_passes_ctx_to_mem",
                true
            ),
        ]
    );
    assert!(k61.problems[0]
        .message
        .ends_with("(kernels before 6.8 ignore arg:ctx and libbpf has no fallback for tracing programs: this needs Linux 6.8)"));
    assert_eq!(
        k61.expected_log,
        [
            "Validating fe_arg_count() func#1...",
            "arg#0 reference type('UNKNOWN ') size cannot be determined: -22"
        ]
    );
    assert_eq!(k61.problems[0].kernel_log, k61.expected_log);
    assert_eq!(
        k61.problems[2].kernel_log,
        ["Caller passes invalid args into func#2"]
    );
    let k68 = &p.kernels[4];
    assert_eq!((k68.path.as_str(), k68.load.as_str()), ("native", "yes"));
    assert!(k68.problems.is_empty() && k68.expected_log.is_empty());
}

#[wasm_bindgen_test]
fn check_options_kernels_loader_and_kernel_btf() {
    // `--kernel 6.1 --kernel 6.1 --kernel 6.8 --loader plain`: duplicates collapse as in the CLI.
    let r: Verdicts = from_js(
        argctx_web::check(
            VOID_CTX,
            opts(r#"{"kernels":["6.1","6.1","6.8"],"loader":"plain"}"#),
        )
        .unwrap(),
    );
    assert_eq!(r.loader, "plain");
    for p in &r.programs {
        assert_eq!(loads(p), [("6.1", "no"), ("6.8", "yes")], "{}", p.name);
        assert_eq!(p.kernels[0].path, "no_fallback");
    }
    // With libbpf's fallback the same programs load on 6.1.
    let r: Verdicts =
        from_js(argctx_web::check(VOID_CTX, opts(r#"{"kernels":["6.1.0-56-amd64"]}"#)).unwrap());
    assert_eq!(r.kernels[0].kernel, "6.1");
    assert!(r.programs.iter().all(|p| loads(p) == [("6.1", "yes")]));
    // `--no-kernel-btf --program kprobe_unlink`: the register struct is no longer the context
    // by name.
    let with_btf = r#"{"kernels":["6.1","latest"],"programs":["kprobe_unlink"]}"#;
    let r: Verdicts = from_js(argctx_web::check(KPROBE, opts(with_btf)).unwrap());
    assert_eq!(r.programs.len(), 1);
    assert_eq!(loads(&r.programs[0]), [("6.1", "yes"), ("latest", "yes")]);
    let without = r#"{"kernels":["6.1","latest"],"programs":["kprobe_unlink"],"kernel_btf":false,"arch":"x86_64"}"#;
    let r: Verdicts = from_js(argctx_web::check(KPROBE, opts(without)).unwrap());
    assert!(!r.kernel_btf);
    assert_eq!(loads(&r.programs[0]), [("6.1", "no"), ("latest", "yes")]);
    // Autoload-off programs are judged too.
    let r: Verdicts = from_js(argctx_web::check(MISMATCH, JsValue::NULL).unwrap());
    let off: Vec<_> = r
        .programs
        .iter()
        .filter(|p| !p.autoload)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(off.len(), 4);
}

#[wasm_bindgen_test]
fn check_text_is_the_cli_matrix() {
    let t = argctx_web::check_text(FENTRY, opts(r#"{"kernels":["6.1","6.8"]}"#)).unwrap();
    assert!(
        t.starts_with(
            "program        type        6.1     6.8\nfentry_unlink  tracing      NO     yes\n"
        ),
        "{t}"
    );
    assert!(t.contains("  kernel 6.1 (fallback): FAILS\n"), "{t}");
}

#[wasm_bindgen_test]
fn check_errors_name_what_is_wrong() {
    let e =
        err_text(argctx_web::check(VOID_CTX, opts(r#"{"kernels":["6.1","6.x"]}"#)).unwrap_err());
    assert_eq!(e, "'6.x' is not a kernel version (X.Y, X.Y.Z or latest)");
    let e = err_text(argctx_web::check_text(VOID_CTX, opts(r#"{"kernels":["6"]}"#)).unwrap_err());
    assert_eq!(e, "'6' is not a kernel version (X.Y, X.Y.Z or latest)");
    let e = err_text(argctx_web::check(VOID_CTX, opts(r#"{"loader":"aya"}"#)).unwrap_err());
    assert_eq!(e, "unknown loader 'aya' (one of: libbpf, plain)");
    let e = err_text(argctx_web::check(VOID_CTX, opts(r#"{"kernel":"6.1"}"#)).unwrap_err());
    assert!(
        e.starts_with("invalid options: unknown field `kernel`"),
        "{e}"
    );
    // A misspelt option is an error, not silently ignored, in every export.
    let e = err_text(argctx_web::explain(VOID_CTX, opts(r#"{"kernels":["6.1"]}"#)).unwrap_err());
    assert!(
        e.starts_with("invalid options: unknown field `kernels`, expected one of"),
        "{e}"
    );
    let e = err_text(argctx_web::check(VOID_CTX, opts(r#"{"kernels":"6.1"}"#)).unwrap_err());
    assert!(e.starts_with("invalid options: "), "{e}");
    let e = err_text(argctx_web::check(VOID_CTX, opts(r#"{"arch":"vax"}"#)).unwrap_err());
    assert!(e.starts_with("unknown architecture 'vax'"), "{e}");
    let e = err_text(argctx_web::check(VOID_CTX, opts(r#"{"programs":["nope"]}"#)).unwrap_err());
    assert_eq!(e, "unsupported input: the object has no program 'nope'");
    let e = err_text(argctx_web::check(b"not an object at all", JsValue::UNDEFINED).unwrap_err());
    assert_eq!(
        e,
        "unsupported input: not an ELF file (eBPF objects are ELF64 with machine BPF)"
    );
    assert!(argctx_web::check(VOID_CTX, JsValue::UNDEFINED).is_ok());
}
