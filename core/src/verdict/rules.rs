//! How a kernel of a given version types the arguments of a global subprogram from BTF: the
//! program type's context (by struct name, or by `arg:ctx` with the strict type check), memory,
//! scalars and the other `arg:` tags, with the messages the verifier prints when it refuses.
//!
//! This is a model of the kernel's behaviour written from its documented rules and checked against
//! real kernels (see `tests/oracle/tests/verdict.rs`); no kernel code is reproduced.

use std::collections::HashMap;

use serde::Serialize;

use super::kernel::{Feature, KernelVersion};
use crate::btf::cdecl::declaration;
use crate::btf::{Btf, Kind, Type, LINKAGE_GLOBAL};
use crate::fallback::Arch;
use crate::program::sec_def::{AttachType, ProgType};

/// Bound on modifier and typedef chains, so hostile cycles end.
const MAX_CHAIN: usize = 64;
/// `MAX_BPF_FUNC_REG_ARGS`.
const MAX_ARGS: u32 = 5;

/// What the verifier makes of one argument of a global subprogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArgClass {
    /// The program's context (`PTR_TO_CTX`): the caller must pass its unmodified context.
    Ctx,
    /// Memory of a fixed size (`PTR_TO_MEM`), maybe NULL unless `arg:nonnull`.
    Mem,
    /// Any scalar.
    Scalar,
    /// A trusted kernel object (`arg:trusted`).
    Trusted,
    /// An untrusted kernel pointer or read-only memory (`arg:untrusted`).
    Untrusted,
    /// An arena pointer (`arg:arena`).
    Arena,
    /// A `struct bpf_dynptr *`.
    Dynptr,
}

/// One argument as a kernel sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArgVerdict {
    /// 0-based index.
    pub index: u32,
    /// The parameter's C declaration (`void *ctx`).
    pub decl: String,
    /// `arg:` tags on it (without the prefix), as the kernel reads them.
    pub tags: Vec<String>,
    /// The verifier's type for it.
    pub class: ArgClass,
    /// For memory and trusted pointers: whether NULL may be passed (and must be checked).
    pub nullable: bool,
    /// For memory: the size the caller must provide.
    pub size: Option<u64>,
    /// Why the kernel decides so, in one phrase.
    pub how: String,
}

/// Why the kernel refuses a global subprogram's prototype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareError {
    /// The argument (None: the function as a whole).
    pub arg: Option<u32>,
    /// Stable code.
    pub code: &'static str,
    /// What the verifier prints.
    pub lines: Vec<String>,
    /// Whether `lines` are the kernel's exact text (false: our best reading).
    pub exact: bool,
    /// One sentence for people.
    pub reason: String,
}

/// What a kernel knows about the program being verified.
#[derive(Debug, Clone, Copy)]
pub struct ProgEnv<'v> {
    /// Program type.
    pub prog_type: ProgType,
    /// Expected attach type.
    pub attach: AttachType,
    /// Architecture (which struct is behind `bpf_user_pt_regs_t`).
    pub arch: Arch,
    /// Whether the kernel has its own BTF (`/sys/kernel/btf/vmlinux`): name matching needs it.
    pub kernel_btf: bool,
    /// The kernel's BTF, for resolving `arg:trusted`/`arg:untrusted` struct types (None: assume
    /// they resolve).
    pub vmlinux: Option<&'v VmlinuxIndex>,
    /// Loaded with `BPF_F_SLEEPABLE` (its section says so): more helpers are allowed than the
    /// helper probe (a non-sleepable program) sees.
    pub sleepable: bool,
}

/// Struct names of a kernel's BTF, counted, for the CO-RE-style lookup of trusted arguments.
#[derive(Debug, Clone, Default)]
pub struct VmlinuxIndex {
    structs: HashMap<Vec<u8>, u32>,
}

impl VmlinuxIndex {
    /// Indexes the STRUCT types of a kernel's BTF.
    pub fn new(btf: &Btf<'_>) -> Self {
        let mut structs: HashMap<Vec<u8>, u32> = HashMap::new();
        for t in btf.types().filter(|t| t.kind == Kind::Struct) {
            if let Some(n) = btf.str_at(t.name_off).filter(|n| !n.is_empty()) {
                *structs.entry(n.to_vec()).or_default() += 1;
            }
        }
        VmlinuxIndex { structs }
    }

    fn count(&self, name: &[u8]) -> u32 {
        self.structs.get(name).copied().unwrap_or(0)
    }
}

/// The context type a kernel's `bpf_ctx_convert` names for a program type: the names it compares
/// (the declared type first, then what a typedef resolves to) and the resolved kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canonical {
    /// The declared name (a struct, or a typedef for kprobe and tracepoint).
    pub first: &'static str,
    /// After resolving typedefs (None: the declared type is not a typedef).
    pub resolved: Option<&'static str>,
    /// What the declared type finally is.
    pub kind: CanonKind,
}

/// The resolved kind of a canonical context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanonKind {
    /// A struct (possibly anonymous, on s390).
    Struct,
    /// An integer (`__u64` tracepoints, `__u32` lirc_mode2).
    Int,
    /// `void *` (tracing, LSM, struct_ops, freplace, syscall).
    VoidPtr,
}

impl Canonical {
    const fn st(name: &'static str) -> Self {
        Canonical {
            first: name,
            resolved: None,
            kind: CanonKind::Struct,
        }
    }

    /// The struct name after typedef resolution (for messages).
    pub fn struct_name(&self) -> Option<&'static str> {
        (self.kind == CanonKind::Struct).then(|| self.resolved.unwrap_or(self.first))
    }
}

/// The canonical context of `prog_type` on `arch` (None: unknown program type).
pub fn canonical(prog_type: ProgType, arch: Arch) -> Option<Canonical> {
    let c = match prog_type {
        ProgType::SOCKET_FILTER
        | ProgType::SCHED_CLS
        | ProgType::SCHED_ACT
        | ProgType::CGROUP_SKB
        | ProgType::LWT_IN
        | ProgType::LWT_OUT
        | ProgType::LWT_XMIT
        | ProgType::LWT_SEG6LOCAL
        | ProgType::SK_SKB
        | ProgType::FLOW_DISSECTOR => Canonical::st("__sk_buff"),
        ProgType::XDP => Canonical::st("xdp_md"),
        ProgType::CGROUP_SOCK => Canonical::st("bpf_sock"),
        ProgType::CGROUP_SOCK_ADDR => Canonical::st("bpf_sock_addr"),
        ProgType::SOCK_OPS => Canonical::st("bpf_sock_ops"),
        ProgType::SK_MSG => Canonical::st("sk_msg_md"),
        ProgType::KPROBE => Canonical {
            first: "bpf_user_pt_regs_t",
            // s390's typedef chain ends in an anonymous struct.
            resolved: Some(arch.user_pt_regs_struct().unwrap_or("")),
            kind: CanonKind::Struct,
        },
        ProgType::TRACEPOINT => Canonical {
            first: "__u64",
            resolved: Some("unsigned long long"),
            kind: CanonKind::Int,
        },
        ProgType::LIRC_MODE2 => Canonical {
            first: "__u32",
            resolved: Some("unsigned int"),
            kind: CanonKind::Int,
        },
        ProgType::PERF_EVENT => Canonical::st("bpf_perf_event_data"),
        ProgType::RAW_TRACEPOINT | ProgType::RAW_TRACEPOINT_WRITABLE => {
            Canonical::st("bpf_raw_tracepoint_args")
        }
        ProgType::TRACING
        | ProgType::STRUCT_OPS
        | ProgType::EXT
        | ProgType::LSM
        | ProgType::SYSCALL => Canonical {
            first: "",
            resolved: None,
            kind: CanonKind::VoidPtr,
        },
        ProgType::CGROUP_DEVICE => Canonical::st("bpf_cgroup_dev_ctx"),
        ProgType::CGROUP_SYSCTL => Canonical::st("bpf_sysctl"),
        ProgType::CGROUP_SOCKOPT => Canonical::st("bpf_sockopt"),
        ProgType::SK_REUSEPORT => Canonical::st("sk_reuseport_md"),
        ProgType::SK_LOOKUP => Canonical::st("bpf_sk_lookup"),
        ProgType::NETFILTER => Canonical::st("bpf_nf_ctx"),
        _ => return None,
    };
    Some(c)
}

/// The kernel's "modifiers": typedef, volatile, const, restrict, type tag.
fn is_kmod(k: Kind) -> bool {
    k == Kind::Typedef || k.is_modifier()
}

/// Follows the kernel's modifiers (typedefs included) from `id`.
pub(crate) fn skip_all<'a>(btf: &Btf<'a>, mut id: u32) -> Option<Type<'a>> {
    for _ in 0..MAX_CHAIN {
        let t = btf.get(id)?;
        if is_kmod(t.kind) {
            id = t.type_id();
        } else {
            return Some(t);
        }
    }
    None
}

/// Follows modifiers but stops at a typedef.
fn skip_to_typedef<'a>(btf: &Btf<'a>, mut id: u32) -> Option<Type<'a>> {
    for _ in 0..MAX_CHAIN {
        let t = btf.get(id)?;
        if t.kind.is_modifier() {
            id = t.type_id();
        } else {
            return Some(t);
        }
    }
    None
}

fn name<'a>(btf: &Btf<'a>, t: &Type<'_>) -> std::borrow::Cow<'a, str> {
    btf.name(t.name_off)
}

/// The kernel's name for a kind in messages (`btf_type_str`).
fn kind_str(k: Kind) -> &'static str {
    if k == Kind::Void {
        "UNKNOWN"
    } else {
        k.name()
    }
}

/// `btf_resolve_size`: the size of a pointee, or None when it has none (void, FWD, functions).
pub(crate) fn resolve_size(btf: &Btf<'_>, mut id: u32) -> Option<u64> {
    let mut mult: u64 = 1;
    for _ in 0..MAX_CHAIN {
        let t = btf.get(id)?;
        match t.kind {
            Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Float | Kind::Struct | Kind::Union => {
                return mult.checked_mul(u64::from(t.size()));
            }
            Kind::Ptr => return mult.checked_mul(8),
            Kind::Array => {
                let a = t.array()?;
                mult = mult.checked_mul(u64::from(a.nelems))?;
                id = a.type_id;
            }
            k if is_kmod(k) => id = t.type_id(),
            _ => return None,
        }
    }
    None
}

/// `arg:` tags per (FUNC id, argument), in type-id order (the order the kernel reads them).
#[derive(Debug, Clone, Default)]
pub struct ArgTags {
    map: HashMap<(u32, i64), Vec<String>>,
}

impl ArgTags {
    /// Collects every `arg:` DECL_TAG of `btf`.
    pub fn new(btf: &Btf<'_>) -> Self {
        let mut map: HashMap<(u32, i64), Vec<String>> = HashMap::new();
        for t in btf.types().filter(|t| t.kind == Kind::DeclTag) {
            let Some(v) = btf.str_at(t.name_off).and_then(|n| n.strip_prefix(b"arg:")) else {
                continue;
            };
            let idx = i64::from(t.component_idx().unwrap_or(-1));
            map.entry((t.type_id(), idx))
                .or_default()
                .push(String::from_utf8_lossy(v).into_owned());
        }
        ArgTags { map }
    }

    /// Tags on argument `arg` of FUNC `func`.
    pub fn get(&self, func: u32, arg: u32) -> &[String] {
        self.map
            .get(&(func, i64::from(arg)))
            .map_or(&[], Vec::as_slice)
    }
}

/// How an untagged pointer matches the context by name, if it does.
fn name_match(
    k: KernelVersion,
    env: &ProgEnv<'_>,
    btf: &Btf<'_>,
    ptr: &Type<'_>,
) -> Option<String> {
    if !env.kernel_btf {
        return None;
    }
    let canon = canonical(env.prog_type, env.arch)?;
    if env.prog_type == ProgType::KPROBE && k.supports(Feature::NoAnonCtxInference) {
        let t = skip_to_typedef(btf, ptr.type_id())?;
        if t.kind == Kind::Typedef && btf.str_at(t.name_off) == Some(b"bpf_user_pt_regs_t") {
            return Some(
                "the pointee is the typedef bpf_user_pt_regs_t, the kprobe context".into(),
            );
        }
    }
    let p = skip_all(btf, ptr.type_id())?;
    if !matches!(p.kind, Kind::Struct | Kind::Union) {
        return None;
    }
    let tname = name(btf, &p);
    let mut names = vec![canon.first];
    if let (Some(r), true) = (canon.resolved, k.supports(Feature::CtxTypedefResolution)) {
        names.push(r);
    }
    for (i, cname) in names.into_iter().enumerate() {
        if cname.is_empty() && k.supports(Feature::NoAnonCtxInference) {
            return None;
        }
        if k.supports(Feature::CtxProjections)
            && matches!(
                (cname, &*tname),
                ("__sk_buff", "sk_buff") | ("xdp_md", "xdp_buff")
            )
        {
            return Some(format!(
                "struct {tname} is accepted for the context struct {cname} (untagged arguments only, since 6.4)"
            ));
        }
        if cname == tname {
            return Some(if cname.is_empty() {
                "a pointer to an anonymous struct is taken for the void * context (fixed in 6.9, backported to 6.6/6.7)".into()
            } else if i == 0 {
                format!("the struct name matches the context, {cname}")
            } else {
                format!(
                    "the struct name matches {cname}, what the context typedef {} resolves to",
                    canon.first
                )
            });
        }
    }
    None
}

/// The strict type check of an `arg:ctx` argument (6.8+). `t` is the argument type with modifiers
/// skipped; Err holds the verifier's line.
fn validate_ctx(env: &ProgEnv<'_>, btf: &Btf<'_>, t: &Type<'_>, i: u32) -> Result<(), String> {
    if t.kind != Kind::Ptr {
        return Err(format!("arg#{i} type isn't a pointer"));
    }
    let pt = env.prog_type;
    if pt == ProgType::KPROBE || pt == ProgType::PERF_EVENT {
        if let Some(td) = skip_to_typedef(btf, t.type_id()) {
            if td.kind == Kind::Typedef && btf.str_at(td.name_off) == Some(b"bpf_user_pt_regs_t") {
                return Ok(());
            }
        }
    }
    let Some(p) = skip_all(btf, t.type_id()) else {
        return Err(format!("arg#{i} type doesn't have a name"));
    };
    if p.kind == Kind::Void {
        return Ok(());
    }
    let tname = name(btf, &p);
    if tname.is_empty() {
        return Err(format!("arg#{i} type doesn't have a name"));
    }
    let is_struct = p.kind == Kind::Struct;
    let int8 = p.kind == Kind::Int && p.size() == 8;
    let a = env.attach;
    let ok = match pt {
        ProgType::KPROBE => is_struct && tname == "pt_regs",
        ProgType::PERF_EVENT => is_struct && Some(&*tname) == env.arch.user_pt_regs_struct(),
        ProgType::RAW_TRACEPOINT | ProgType::RAW_TRACEPOINT_WRITABLE => int8,
        ProgType::TRACING => match a {
            AttachType::TRACE_RAW_TP => int8 || (is_struct && tname == "bpf_raw_tracepoint_args"),
            AttachType::TRACE_ITER => is_struct && tname.starts_with("bpf_iter__"),
            AttachType::TRACE_FENTRY
            | AttachType::TRACE_FEXIT
            | AttachType::MODIFY_RETURN
            | AttachType::TRACE_FSESSION => int8,
            _ => false,
        },
        ProgType::LSM | ProgType::STRUCT_OPS => int8,
        ProgType::TRACEPOINT | ProgType::SYSCALL | ProgType::EXT => true,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    match canonical(pt, env.arch).and_then(|c| c.struct_name()) {
        Some(c) if is_struct && tname == c => Ok(()),
        Some(c) => Err(format!("arg#{i} should be `struct {c} *`")),
        None => Err(format!("arg#{i} should be void pointer")),
    }
}

/// What an `arg:ctx`-tagged type is accepted as, for the 6.8+ check (a phrase).
pub fn accepted_ctx_types(env: &ProgEnv<'_>) -> String {
    let canon = canonical(env.prog_type, env.arch).and_then(|c| c.struct_name());
    let mut v = vec!["void *".to_string()];
    match env.prog_type {
        ProgType::KPROBE => {
            v.push("bpf_user_pt_regs_t *".into());
            v.push("struct pt_regs *".into());
        }
        ProgType::PERF_EVENT => {
            v.push("bpf_user_pt_regs_t *".into());
            if let Some(r) = env.arch.user_pt_regs_struct() {
                v.push(format!("struct {r} *"));
            }
        }
        ProgType::RAW_TRACEPOINT | ProgType::RAW_TRACEPOINT_WRITABLE => {
            v.push("an 8-byte integer pointer (u64 *)".into())
        }
        ProgType::TRACING => match env.attach {
            AttachType::TRACE_RAW_TP => {
                v.push("struct bpf_raw_tracepoint_args *".into());
                v.push("u64 *".into());
            }
            AttachType::TRACE_ITER => v.push("struct bpf_iter__<target> *".into()),
            _ => v.push("u64 *".into()),
        },
        ProgType::LSM | ProgType::STRUCT_OPS => v.push("u64 *".into()),
        ProgType::TRACEPOINT | ProgType::SYSCALL | ProgType::EXT => {
            v.push("a pointer to any named type".into())
        }
        _ => {}
    }
    if let Some(c) = canon {
        let s = format!("struct {c} *");
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v.join(", ")
}

fn essential_name(n: &str) -> &str {
    n.rfind("___").and_then(|i| n.get(..i)).unwrap_or(n)
}

/// Looks the pointee of a trusted/untrusted argument up in the kernel's BTF.
fn resolve_kernel(
    env: &ProgEnv<'_>,
    btf: &Btf<'_>,
    ptr: &Type<'_>,
    i: u32,
) -> Result<String, PrepareError> {
    let p = skip_all(btf, ptr.type_id());
    let (kind, tname) = p.map_or((Kind::Void, String::new()), |p| {
        (p.kind, name(btf, &p).into_owned())
    });
    let Some(vm) = env.vmlinux else {
        return Ok(format!(
            "resolved against the kernel's BTF (struct {tname} must exist there exactly once; not checked without --kernel-btf)"
        ));
    };
    let n = if kind == Kind::Struct {
        vm.count(essential_name(&tname).as_bytes())
    } else {
        0
    };
    let what = match n {
        1 => return Ok(format!("struct {tname} found in the kernel's BTF")),
        0 => "has no matches",
        _ => "is ambiguous",
    };
    Err(PrepareError {
        arg: Some(i),
        code: "kernel_type_not_found",
        lines: vec![format!(
            "arg#{i} reference type('{} {tname}') {what}",
            kind_str(kind)
        )],
        exact: true,
        reason: format!(
            "the pointee of a trusted/untrusted argument must be a kernel type; {} {tname} {what} in the kernel's BTF",
            kind_str(kind)
        ),
    })
}

fn err(i: u32, code: &'static str, line: String, exact: bool, reason: String) -> PrepareError {
    PrepareError {
        arg: Some(i),
        code,
        lines: vec![line],
        exact,
        reason,
    }
}

/// How kernel `k` types the arguments of the global subprogram `func_id`, or why it refuses it.
pub fn prepare(
    k: KernelVersion,
    env: &ProgEnv<'_>,
    btf: &Btf<'_>,
    tags: &ArgTags,
    func_id: u32,
) -> Result<Vec<ArgVerdict>, PrepareError> {
    let whole = |code, line: String, reason: String| PrepareError {
        arg: None,
        code,
        lines: vec![line],
        exact: true,
        reason,
    };
    let Some(f) = btf.get(func_id).filter(|f| f.kind == Kind::Func) else {
        return Err(whole(
            "not_a_func",
            format!("func_info names type {func_id}, which is not a FUNC"),
            "the kernel needs a FUNC for every subprogram".into(),
        ));
    };
    let fname = name(btf, &f).into_owned();
    let Some(proto) = btf.get(f.type_id()).filter(|p| p.kind == Kind::FuncProto) else {
        return Err(whole(
            "invalid_type",
            format!("Invalid type of function {fname}()"),
            "the FUNC has no prototype".into(),
        ));
    };
    let nargs = proto.vlen();
    if nargs > MAX_ARGS {
        return Err(whole(
            "too_many_args",
            format!("Global function {fname}() with {nargs} > {MAX_ARGS} args. Buggy compiler."),
            format!("global functions take at most {MAX_ARGS} arguments"),
        ));
    }
    let ret = skip_all(btf, proto.type_id()).map(|t| t.kind);
    if !matches!(ret, Some(Kind::Int | Kind::Enum | Kind::Enum64)) {
        return Err(whole(
            "non_scalar_return",
            format!("Global function {fname}() doesn't return scalar. Only those are supported."),
            "global functions must return an integer (void is not accepted by any released kernel argctx knows)".into(),
        ));
    }
    let tags_on = k.supports(Feature::ArgTags) && k.supports(Feature::DeclTagBtf);
    let multi = k.supports(Feature::MultiTags);
    let mut out = Vec::new();
    for (i, p) in (0u32..).zip(proto.params()) {
        let decl = declaration(btf, p.type_id, &btf.name(p.name_off));
        let raw_tags: Vec<String> = if tags_on {
            tags.get(func_id, i).to_vec()
        } else {
            Vec::new()
        };
        let t = skip_all(btf, p.type_id);
        let mk = |class, nullable, size, how: String| ArgVerdict {
            index: i,
            decl: decl.clone(),
            tags: raw_tags.clone(),
            class,
            nullable,
            size,
            how,
        };
        let v = if multi {
            prepare_arg_multi(k, env, btf, i, t, &raw_tags, &mk, &fname)?
        } else if tags_on {
            prepare_arg_68(k, env, btf, i, t, &raw_tags, &mk, &fname)?
        } else {
            prepare_arg_old(k, env, btf, i, t, &mk, &fname)?
        };
        out.push(v);
    }
    Ok(out)
}

type Mk<'m> = dyn Fn(ArgClass, bool, Option<u64>, String) -> ArgVerdict + 'm;

/// The memory path shared by every version: the pointee's size must be known.
fn mem_arg(
    btf: &Btf<'_>,
    i: u32,
    t: &Type<'_>,
    nullable: bool,
    mk: &Mk<'_>,
) -> Result<ArgVerdict, PrepareError> {
    match resolve_size(btf, t.type_id()) {
        Some(size) => Ok(mk(
            ArgClass::Mem,
            nullable,
            Some(size),
            format!(
                "memory ({size} bytes, {})",
                if nullable {
                    "maybe NULL: the function must check it"
                } else {
                    "never NULL"
                }
            ),
        )),
        None => {
            let p = skip_all(btf, t.type_id());
            let (ks, n) = p.map_or(("UNKNOWN", String::new()), |p| {
                (kind_str(p.kind), name(btf, &p).into_owned())
            });
            Err(err(
                i,
                "size_unknown",
                format!("arg#{i} reference type('{ks} {n}') size cannot be determined: -22"),
                true,
                format!(
                    "the argument is not the context, so the kernel takes it for memory and needs the size of what it points to ({}), which has none",
                    match (ks, n.as_str()) {
                        ("UNKNOWN", _) => "void".to_string(),
                        ("FWD", n) => format!("the declared-only struct {n}"),
                        (k, "") => k.to_string(),
                        (k, n) => format!("{k} {n}"),
                    }
                ),
            ))
        }
    }
}

fn not_supported(i: u32, t: Option<&Type<'_>>, fname: &str) -> PrepareError {
    let ks = t.map_or("UNKNOWN", |t| kind_str(t.kind));
    err(
        i,
        "unsupported_arg_type",
        format!("Arg#{i} type {ks} in {fname}() is not supported yet."),
        true,
        format!("a global function argument of kind {ks} is not supported by this kernel"),
    )
}

fn is_scalar(t: Option<&Type<'_>>) -> bool {
    t.is_some_and(|t| matches!(t.kind, Kind::Int | Kind::Enum | Kind::Enum64))
}

/// Kernels before 6.8: no tags; the context by name, memory (5.12+), scalars.
fn prepare_arg_old(
    k: KernelVersion,
    env: &ProgEnv<'_>,
    btf: &Btf<'_>,
    i: u32,
    t: Option<Type<'_>>,
    mk: &Mk<'_>,
    fname: &str,
) -> Result<ArgVerdict, PrepareError> {
    match t {
        Some(t) if t.kind == Kind::Ptr => {
            if let Some(how) = name_match(k, env, btf, &t) {
                return Ok(mk(ArgClass::Ctx, false, None, how));
            }
            if k.supports(Feature::PtrToMemArgs) {
                mem_arg(btf, i, &t, true, mk)
            } else {
                Err(not_supported(i, Some(&t), fname))
            }
        }
        t if is_scalar(t.as_ref()) => Ok(mk(ArgClass::Scalar, false, None, "a scalar".into())),
        t => Err(not_supported(i, t.as_ref(), fname)),
    }
}

/// 6.8: one tag per argument, `ctx` and `nonnull` understood, `arg:ctx` types enforced.
#[allow(clippy::too_many_arguments)]
fn prepare_arg_68(
    k: KernelVersion,
    env: &ProgEnv<'_>,
    btf: &Btf<'_>,
    i: u32,
    t: Option<Type<'_>>,
    tags: &[String],
    mk: &Mk<'_>,
    fname: &str,
) -> Result<ArgVerdict, PrepareError> {
    if tags.len() > 1 {
        return Err(err(
            i,
            "tag_fetch_failure",
            format!("arg#{i} type's tag fetching failure: -17"),
            false,
            "6.8 reads one arg: tag per argument; a second one is an error (6.9 reads several)"
                .into(),
        ));
    }
    let tag = tags.first().map(String::as_str);
    if tag == Some("ctx") {
        let vt = t.unwrap_or_else(Type::void);
        return match validate_ctx(env, btf, &vt, i) {
            Ok(()) => Ok(mk(
                ArgClass::Ctx,
                false,
                None,
                "arg:ctx, and the type passes the 6.8 check".into(),
            )),
            Err(line) => Err(ctx_type_error(env, i, line)),
        };
    }
    match t {
        Some(t) if t.kind == Kind::Ptr => {
            if let Some(how) = name_match(k, env, btf, &t) {
                return Ok(mk(ArgClass::Ctx, false, None, how));
            }
            mem_arg(btf, i, &t, tag != Some("nonnull"), mk)
        }
        // 6.8 accepts a tag on a scalar silently (6.9 refuses it).
        t if is_scalar(t.as_ref()) => Ok(mk(ArgClass::Scalar, false, None, "a scalar".into())),
        t => Err(not_supported(i, t.as_ref(), fname)),
    }
}

fn ctx_type_error(env: &ProgEnv<'_>, i: u32, line: String) -> PrepareError {
    let ty = env.prog_type.name().unwrap_or("unspec");
    err(
        i,
        "ctx_type_mismatch",
        line,
        true,
        format!(
            "arg:ctx on a {ty} program accepts only {}",
            accepted_ctx_types(env)
        ),
    )
}

const TAG_CTX: u8 = 1;
const TAG_NONNULL: u8 = 2;
const TAG_TRUSTED: u8 = 4;
const TAG_UNTRUSTED: u8 = 8;
const TAG_NULLABLE: u8 = 16;
const TAG_ARENA: u8 = 32;

/// 6.9+: several tags per argument.
#[allow(clippy::too_many_arguments)]
fn prepare_arg_multi(
    k: KernelVersion,
    env: &ProgEnv<'_>,
    btf: &Btf<'_>,
    i: u32,
    t: Option<Type<'_>>,
    tags: &[String],
    mk: &Mk<'_>,
    fname: &str,
) -> Result<ArgVerdict, PrepareError> {
    let mut set = 0u8;
    for tag in tags {
        set |= match tag.as_str() {
            "ctx" => TAG_CTX,
            "nonnull" => TAG_NONNULL,
            "trusted" => TAG_TRUSTED,
            "nullable" => TAG_NULLABLE,
            "arena" => TAG_ARENA,
            "untrusted" if k.supports(Feature::Untrusted) => TAG_UNTRUSTED,
            other => {
                return Err(PrepareError {
                    arg: Some(i),
                    code: "unsupported_tag",
                    lines: vec![format!("arg#{i} has unsupported set of tags")],
                    exact: true,
                    reason: if other == "untrusted" {
                        "arg:untrusted is understood from 6.17; older tag-aware kernels refuse unknown tags".into()
                    } else {
                        format!("arg:{other} is not a tag the kernel knows, and unknown tags are refused since 6.9")
                    },
                })
            }
        };
    }
    let combo = |reason: &str| {
        err(
            i,
            "invalid_tag_combination",
            format!("arg#{i} has invalid combination of tags"),
            true,
            reason.to_string(),
        )
    };
    let Some(pt) = t.filter(|t| t.kind == Kind::Ptr) else {
        if set != 0 {
            return Err(err(
                i,
                "tag_on_scalar",
                format!("arg#{i} has pointer tag, but is not a pointer type"),
                true,
                "arg: tags apply to pointers only".into(),
            ));
        }
        if is_scalar(t.as_ref()) {
            return Ok(mk(ArgClass::Scalar, false, None, "a scalar".into()));
        }
        return Err(not_supported(i, t.as_ref(), fname));
    };
    let by_name = if set & TAG_CTX == 0 {
        name_match(k, env, btf, &pt)
    } else {
        None
    };
    if set & TAG_CTX != 0 || by_name.is_some() {
        if set & !TAG_CTX != 0 {
            return Err(combo("arg:ctx cannot be combined with any other tag"));
        }
        if set & TAG_CTX != 0 {
            validate_ctx(env, btf, &pt, i).map_err(|line| ctx_type_error(env, i, line))?;
            return Ok(mk(
                ArgClass::Ctx,
                false,
                None,
                "arg:ctx, and the type passes the check".into(),
            ));
        }
        return Ok(mk(ArgClass::Ctx, false, None, by_name.unwrap_or_default()));
    }
    let pointee = skip_all(btf, pt.type_id());
    if pointee.is_some_and(|p| {
        matches!(p.kind, Kind::Struct | Kind::Fwd) && btf.str_at(p.name_off) == Some(b"bpf_dynptr")
    }) {
        if set != 0 {
            return Err(combo("a struct bpf_dynptr * argument takes no tags"));
        }
        return Ok(mk(ArgClass::Dynptr, false, None, "a dynptr".into()));
    }
    if set & TAG_TRUSTED != 0 {
        if set & TAG_NONNULL != 0 {
            return Err(combo(
                "arg:trusted is never NULL already; combine it with arg:nullable, not arg:nonnull",
            ));
        }
        if set & !(TAG_TRUSTED | TAG_NULLABLE) != 0 {
            return Err(combo("arg:trusted combines only with arg:nullable"));
        }
        let how = resolve_kernel(env, btf, &pt, i)?;
        return Ok(mk(
            ArgClass::Trusted,
            set & TAG_NULLABLE != 0,
            None,
            format!("arg:trusted: a trusted kernel pointer; {how}"),
        ));
    }
    if set & TAG_UNTRUSTED != 0 {
        if set != TAG_UNTRUSTED {
            return Err(err(
                i,
                "invalid_tag_combination",
                format!("arg#{i} untrusted cannot be combined with any other tags"),
                true,
                "arg:untrusted must be alone".into(),
            ));
        }
        return match pointee.map(|p| p.kind) {
            Some(Kind::Void | Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Float) | None => {
                Ok(mk(
                    ArgClass::Untrusted,
                    true,
                    None,
                    "arg:untrusted: read-only untrusted memory".into(),
                ))
            }
            Some(Kind::Struct) => {
                let how = resolve_kernel(env, btf, &pt, i)?;
                Ok(mk(
                    ArgClass::Untrusted,
                    true,
                    None,
                    format!("arg:untrusted: an untrusted kernel pointer; {how}"),
                ))
            }
            Some(kind) => {
                let n = pointee
                    .map(|p| name(btf, &p).into_owned())
                    .unwrap_or_default();
                Err(err(
                    i,
                    "untrusted_type",
                    format!(
                        "arg#{i} has type {} '{n}', but only struct or primitive types are allowed",
                        kind_str(kind)
                    ),
                    true,
                    "arg:untrusted points to a struct or a primitive type".into(),
                ))
            }
        };
    }
    if set & TAG_ARENA != 0 {
        if set != TAG_ARENA {
            return Err(err(
                i,
                "invalid_tag_combination",
                format!("arg#{i} arena cannot be combined with any other tags"),
                true,
                "arg:arena must be alone".into(),
            ));
        }
        return Ok(mk(
            ArgClass::Arena,
            true,
            None,
            "arg:arena: an arena pointer (or any scalar)".into(),
        ));
    }
    if set & TAG_NULLABLE != 0 {
        return Err(combo(
            "arg:nullable only qualifies arg:trusted; plain memory arguments are nullable already",
        ));
    }
    mem_arg(btf, i, &pt, set & TAG_NONNULL == 0, mk)
}

/// `arg:` tags on a static function: the kernel ignores them (6.8+ logs that and moves on).
pub fn static_tag_lines(
    k: KernelVersion,
    btf: &Btf<'_>,
    tags: &ArgTags,
    func_id: u32,
) -> Vec<String> {
    if !(k.supports(Feature::ArgTags) && k.supports(Feature::DeclTagBtf)) {
        return Vec::new();
    }
    let n = btf
        .get(func_id)
        .and_then(|f| btf.get(f.type_id()))
        .filter(|p| p.kind == Kind::FuncProto)
        .map_or(0, |p| p.vlen());
    (0..n)
        .filter(|&i| !tags.get(func_id, i).is_empty())
        .map(|i| format!("arg#{i} type tag is not supported in static functions"))
        .collect()
}

/// Whether FUNC `func_id` is global in `btf`.
pub fn is_global(btf: &Btf<'_>, func_id: u32) -> bool {
    btf.get(func_id)
        .is_some_and(|f| f.kind == Kind::Func && f.vlen() == LINKAGE_GLOBAL)
}
