//! Putting the pieces together: libbpf's preparation for each path, the kernel's typing of every
//! global subprogram for each version, the flow analysis of each program, and the problems in the
//! order the verifier meets them.

use std::collections::HashMap;

use super::dwarf::{self, DwarfSubprogram};
use super::flow::{self, Analysis, FuncKind, FuncSpec, Val};
use super::kernel::{sanitized, Feature, KernelVersion, FEATURES};
use super::problems::{explain_ignored_ctx_tags, finish, order_problems};
use super::rules::{self, ArgClass, ArgTags, ArgVerdict, PrepareError, ProgEnv, VmlinuxIndex};
use super::{
    KernelInfo, KernelVerdict, Load, Loader, Problem, ProgramVerdict, SubprogArgs, SubprogInfo,
    VerdictOptions, VerdictReport, FORMAT_VERSION,
};
use crate::btf::cdecl::prototype;
use crate::btf::{Btf, Kind, LINKAGE_GLOBAL};
use crate::error::{Error, Result};
use crate::fallback::{self, Options, ProgramReport};
use crate::program::sec_def::{AttachType, ProgType};
use crate::program::{link, LinkedProgram, Object};

/// Flow-analysis steps per program and kernel.
const FLOW_BUDGET: u64 = 2_000_000;
/// Flow-analysis steps for the whole object; programs past it get an unknown verdict.
const TOTAL_BUDGET: u64 = 64_000_000;

/// libbpf's preparation on one path (fallback or native): per program, its report and the BTF
/// sent with it.
struct Prepared {
    blobs: Vec<Vec<u8>>,
    /// Program name → (report, index into `blobs`, type count before the fixups).
    programs: HashMap<String, (ProgramReport, Option<usize>, u32)>,
    /// libbpf refused the object as a whole.
    error: Option<String>,
}

impl Prepared {
    fn new(data: &[u8], opts: &VerdictOptions<'_>, names: &[String], native: bool) -> Self {
        let mut p = Prepared {
            blobs: Vec::new(),
            programs: HashMap::new(),
            error: None,
        };
        let run = |names: Vec<String>| {
            fallback::apply(
                data,
                &Options {
                    programs: names,
                    arch: opts.arch,
                    native,
                    ..Options::default()
                },
            )
        };
        match run(names.to_vec()) {
            Ok(o) => p.take(o),
            Err(e) => {
                p.error = Some(e.to_string());
                return p;
            }
        }
        // After a linking failure libbpf stops; judge the remaining programs on their own.
        for n in names {
            if !p.programs.contains_key(n) {
                match run(vec![n.clone()]) {
                    Ok(o) => p.take(o),
                    Err(e) => {
                        p.error.get_or_insert(e.to_string());
                    }
                }
            }
        }
        p
    }

    fn take(&mut self, o: fallback::Outcome) {
        let blob = o.btf.map(|b| {
            self.blobs.push(b);
            self.blobs.len() - 1
        });
        for pr in o.programs {
            self.programs
                .entry(pr.name.clone())
                .or_insert((pr, blob, o.original_type_cnt));
        }
    }
}

/// Everything about the object that does not depend on the kernel.
struct ObjectCtx<'o> {
    obj: Object<'o>,
    dwarf: Vec<DwarfSubprogram>,
    target_dwarf: Vec<DwarfSubprogram>,
    vmlinux: Option<VmlinuxIndex>,
    /// Original BTF, its tags.
    orig_tags: Option<ArgTags>,
}

pub(super) fn check(data: &[u8], opts: &VerdictOptions<'_>) -> Result<VerdictReport> {
    let obj = Object::open(data)?;
    let mut warnings: Vec<String> = obj.log.visible().map(|l| l.text.clone()).collect();
    let entry_names: Vec<String> = obj.entry_programs().map(|(_, p)| p.name.clone()).collect();
    let names: Vec<String> = if opts.programs.is_empty() {
        entry_names
    } else {
        for n in &opts.programs {
            if !entry_names.contains(n) {
                return Err(Error::Unsupported(format!(
                    "the object has no program '{n}'"
                )));
            }
        }
        entry_names
            .into_iter()
            .filter(|n| opts.programs.contains(n))
            .collect()
    };
    let kernels: Vec<(String, KernelVersion)> = if opts.kernels.is_empty() {
        KernelVersion::DEFAULT_SET
            .iter()
            .map(|&k| (label(k), k))
            .collect()
    } else {
        opts.kernels.iter().map(|&k| (label(k), k)).collect()
    };
    let dwarf = match dwarf::subprograms_of(&obj.elf) {
        Ok(d) => d,
        Err(e) => {
            warnings.push(format!("DWARF not read: {e}"));
            Vec::new()
        }
    };
    if dwarf.is_empty() {
        warnings.push(
            "no DWARF (.debug_info): compiler-changed calling conventions cannot be checked (build with -g)"
                .into(),
        );
    }
    let target_dwarf = match opts.target_dwarf.map(dwarf::subprograms) {
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            warnings.push(format!("target DWARF not read: {e}"));
            Vec::new()
        }
        None => Vec::new(),
    };
    let vmlinux = match opts
        .vmlinux
        .map(|v| Btf::parse(v).map(|b| VmlinuxIndex::new(&b)))
    {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            warnings.push(format!("kernel BTF not read: {e}"));
            None
        }
        None => None,
    };
    let orig_tags = obj.btf.as_ref().map(ArgTags::new);
    let cx = ObjectCtx {
        obj,
        dwarf,
        target_dwarf,
        vmlinux,
        orig_tags,
    };

    let needs = |native: bool| {
        kernels.iter().any(|(_, k)| {
            k.supports(Feature::GlobalFuncs)
                && (opts.loader == Loader::Plain || k.has_native_arg_ctx()) == native
        }) || (native
            && kernels
                .iter()
                .any(|(_, k)| !k.supports(Feature::GlobalFuncs)))
    };
    let fallback_path = needs(false).then(|| Prepared::new(data, opts, &names, false));
    let native_path = needs(true).then(|| Prepared::new(data, opts, &names, true));

    let mut budget = TOTAL_BUDGET;
    let mut programs = Vec::new();
    for name in &names {
        let Some(idx) = cx.obj.program_by_name(name) else {
            continue;
        };
        programs.push(judge_program(
            &cx,
            opts,
            idx,
            &kernels,
            fallback_path.as_ref(),
            native_path.as_ref(),
            &mut budget,
        ));
    }
    if let Some(e) = fallback_path
        .as_ref()
        .and_then(|p| p.error.clone())
        .or_else(|| native_path.as_ref().and_then(|p| p.error.clone()))
    {
        warnings.push(format!("libbpf fails to prepare the object: {e}"));
    }
    Ok(VerdictReport {
        format_version: FORMAT_VERSION,
        arch: opts.arch,
        loader: opts.loader,
        kernel_btf: opts.kernel_btf,
        kernels: kernels
            .iter()
            .map(|(l, k)| KernelInfo {
                kernel: l.clone(),
                version: *k,
                native_arg_ctx: k.has_native_arg_ctx(),
                features: FEATURES
                    .iter()
                    .copied()
                    .filter(|f| k.supports(*f))
                    .collect(),
                sanitized: sanitized(*k),
            })
            .collect(),
        programs,
        dwarf: cx.dwarf,
        warnings,
        features: FEATURES.iter().map(|f| f.info()).collect(),
    })
}

fn label(k: KernelVersion) -> String {
    if k == KernelVersion::LATEST {
        "latest".into()
    } else {
        k.to_string()
    }
}

/// The program-type and attach-type availability argctx knows (approximate for the newest).
fn unavailable(k: KernelVersion, pt: ProgType, at: AttachType) -> Option<(u16, u16, &'static str)> {
    let need = match (pt, at) {
        (ProgType::SYSCALL, _) => (5, 14, "syscall programs"),
        (ProgType::NETFILTER, _) => (6, 4, "netfilter programs"),
        (_, AttachType::TRACE_KPROBE_MULTI) => (5, 18, "kprobe.multi programs"),
        (_, AttachType::LSM_CGROUP) => (6, 0, "lsm_cgroup programs"),
        (_, AttachType::TRACE_UPROBE_MULTI) => (6, 6, "uprobe.multi programs"),
        (_, AttachType::TCX_INGRESS | AttachType::TCX_EGRESS) => (6, 6, "tcx programs"),
        (_, AttachType::NETKIT_PRIMARY | AttachType::NETKIT_PEER) => (6, 7, "netkit programs"),
        (_, AttachType::TRACE_KPROBE_SESSION) => (6, 10, "kprobe.session programs"),
        (_, AttachType::TRACE_UPROBE_SESSION) => (6, 13, "uprobe.session programs"),
        _ => return None,
    };
    (!k.at_least(need.0, need.1)).then_some(need)
}

/// The function an attach-style section names (`kprobe/do_unlinkat` → `do_unlinkat`).
fn attach_target(sec: &str) -> Option<&str> {
    let (kind, rest) = sec.split_once('/')?;
    let probe = matches!(
        kind,
        "kprobe"
            | "kretprobe"
            | "fentry"
            | "fexit"
            | "fmod_ret"
            | "fentry.s"
            | "fexit.s"
            | "fmod_ret.s"
    );
    let uprobe = kind.starts_with("uprobe") || kind.starts_with("uretprobe");
    let f = if uprobe {
        rest.rsplit_once(':')?.1
    } else if probe {
        rest.rsplit(':').next()?
    } else {
        return None;
    };
    let f = f.split('+').next()?;
    (!f.is_empty() && !f.contains('*') && !f.contains('?')).then_some(f)
}

#[allow(clippy::too_many_arguments)]
fn judge_program(
    cx: &ObjectCtx<'_>,
    opts: &VerdictOptions<'_>,
    idx: usize,
    kernels: &[(String, KernelVersion)],
    fallback_path: Option<&Prepared>,
    native_path: Option<&Prepared>,
    budget: &mut u64,
) -> ProgramVerdict {
    let obj = &cx.obj;
    let Some(p) = obj.programs.get(idx) else {
        // Unreachable: `idx` came from the object; keep the report well-formed anyway.
        return empty_program(idx);
    };
    let env_base = ProgEnv {
        prog_type: p.prog_type,
        attach: p.expected_attach_type,
        arch: opts.arch,
        kernel_btf: opts.kernel_btf,
        vmlinux: cx.vmlinux.as_ref(),
        sleepable: p.sec_def.is_some_and(|d| d.is_sleepable()),
    };
    let canon = rules::canonical(p.prog_type, opts.arch);
    let context = canon.map(|c| match c.kind {
        rules::CanonKind::VoidPtr => "void *".to_string(),
        rules::CanonKind::Int => format!("{} *", c.first),
        rules::CanonKind::Struct if c.resolved.is_some() => {
            format!(
                "{} * (struct {} *)",
                c.first,
                c.resolved.unwrap_or_default()
            )
        }
        rules::CanonKind::Struct => format!("struct {} *", c.first),
    });
    let linked = link(obj, idx).ok().map(|mut l| {
        for pc in crate::program::mark_address_loads(obj, &mut l) {
            if let Some(insn) = l.insns.get_mut(pc) {
                insn.src = flow::ARENA_ADDR;
            }
        }
        l
    });
    let mut pv = ProgramVerdict {
        name: p.name.clone(),
        section: p.sec_name.clone(),
        prog_type: p.prog_type.name().unwrap_or("unspec").to_string(),
        expected_attach_type: p
            .expected_attach_type
            .name()
            .map_or_else(|| p.expected_attach_type.0.to_string(), str::to_string),
        autoload: p.autoload,
        context,
        arg_ctx_accepts: rules::accepted_ctx_types(&env_base),
        subprogs: Vec::new(),
        kernels: Vec::new(),
        notes: Vec::new(),
    };
    if p.prog_type == ProgType::EXT {
        pv.notes.push("freplace: the kernel types its subprograms' arguments with the target program's type, which the object does not name; verdicts that depend on it are unknown".into());
    }
    if let Some(t) = attach_target(&p.sec_name) {
        let hit = cx
            .target_dwarf
            .iter()
            .chain(&cx.dwarf)
            .find(|d| d.name == t && d.nocall);
        if let Some(d) = hit {
            pv.notes.push(format!(
                "the attach target {t}() has DW_CC_nocall in DWARF: the compiler changed its calling convention, so its arguments ({}) are not in the registers PT_REGS_PARMn/BPF_PROG read",
                d.params.join(", ")
            ));
        }
    }
    // Functions of the linked program: the entry program, then subprograms in append order.
    let (insns, funcs) = match &linked {
        Some(l) => (&l.insns[..], functions(obj, idx, l)),
        None => (&[][..], Vec::new()),
    };
    // Kernel-independent subprogram facts from the original BTF and func_info.
    let orig = fallback_path
        .or(native_path)
        .and_then(|pp| pp.programs.get(&p.name));
    pv.subprogs = subprog_infos(cx, &funcs, orig.map(|o| &o.0));

    for (lbl, k) in kernels {
        let native = opts.loader == Loader::Plain
            || k.has_native_arg_ctx()
            || !k.supports(Feature::GlobalFuncs);
        let path = if native { native_path } else { fallback_path };
        let kv = judge_kernel(
            &env_base,
            *k,
            lbl,
            opts.loader,
            path,
            &p.name,
            insns,
            &funcs,
            budget,
        );
        pv.kernels.push(kv);
    }
    pv
}

fn empty_program(idx: usize) -> ProgramVerdict {
    ProgramVerdict {
        name: format!("#{idx}"),
        section: String::new(),
        prog_type: "unspec".into(),
        expected_attach_type: String::new(),
        autoload: false,
        context: None,
        arg_ctx_accepts: String::new(),
        subprogs: Vec::new(),
        kernels: Vec::new(),
        notes: Vec::new(),
    }
}

/// One function of a linked program.
#[derive(Debug, Clone)]
pub(super) struct Func {
    pub(super) name: String,
    start: usize,
    end: usize,
    /// `mark_btf_static`: hidden visibility.
    hidden: bool,
}

fn functions(obj: &Object<'_>, main: usize, l: &LinkedProgram) -> Vec<Func> {
    let mut v = Vec::with_capacity(l.subprogs.len() + 1);
    let name = |i: usize| {
        obj.programs
            .get(i)
            .map_or(String::new(), |p| p.name.clone())
    };
    let hidden = |i: usize| obj.programs.get(i).is_some_and(|p| p.mark_btf_static);
    v.push(Func {
        name: name(main),
        start: 0,
        end: 0,
        hidden: false,
    });
    for &(i, start) in &l.subprogs {
        v.push(Func {
            name: name(i),
            start,
            end: 0,
            hidden: hidden(i),
        });
    }
    let n = l.insns.len();
    let starts: Vec<usize> = v.iter().map(|f| f.start).skip(1).chain([n]).collect();
    for (f, e) in v.iter_mut().zip(starts) {
        f.end = e.max(f.start);
    }
    v
}

fn type_at(func_info: &[fallback::FuncInfo], start: usize) -> Option<u32> {
    func_info
        .iter()
        .find(|f| f.insn_off as usize == start)
        .map(|f| f.type_id)
}

fn subprog_infos(
    cx: &ObjectCtx<'_>,
    funcs: &[Func],
    orig: Option<&ProgramReport>,
) -> Vec<SubprogInfo> {
    let btf = cx.obj.btf.as_ref();
    let mut out = Vec::new();
    for (n, f) in funcs.iter().enumerate().skip(1) {
        let tid = orig.and_then(|o| type_at(&o.func_info_before, f.start));
        let global = match (btf, tid) {
            (Some(b), Some(t)) => b
                .get(t)
                .is_some_and(|x| x.kind == Kind::Func && x.vlen() == LINKAGE_GLOBAL),
            _ => false,
        };
        let linkage = match (global, f.hidden) {
            (true, true) => "hidden",
            (true, false) => "global",
            _ => "static",
        };
        let proto = match (btf, tid) {
            (Some(b), Some(t)) => prototype(b, t),
            _ => format!("{}(<no BTF>)", f.name),
        };
        let nparams = match (btf, tid) {
            (Some(b), Some(t)) => b
                .get(t)
                .and_then(|x| b.get(x.type_id()))
                .map_or(0, |p| p.vlen()),
            _ => 0,
        };
        let tags: Vec<(u32, Vec<String>)> = match (&cx.orig_tags, tid) {
            (Some(at), Some(t)) => (0..nparams)
                .filter_map(|i| {
                    let v = at.get(t, i);
                    (!v.is_empty()).then(|| (i, v.to_vec()))
                })
                .collect(),
            _ => Vec::new(),
        };
        let d = cx.dwarf.iter().find(|d| d.name == f.name);
        let mut notes = Vec::new();
        if linkage != "global" && !tags.is_empty() {
            notes.push(format!(
                "{}: the kernel verifies it inline with its caller's register types, so its arg: tags are ignored (6.8+ logs 'type tag is not supported in static functions' and goes on) and libbpf's fallback skips it",
                if linkage == "hidden" {
                    "hidden visibility makes libbpf mark its BTF FUNC static"
                } else {
                    "static"
                }
            ));
        }
        if d.is_some_and(|d| d.nocall) {
            let mut s = format!(
                "DW_CC_nocall: the compiler changed its calling convention (a parameter removed or a constant propagated), while BTF keeps the source prototype {proto}"
            );
            if linkage == "global" {
                s.push_str("; for a global function the verifier would check registers the code does not use");
            } else {
                s.push_str("; harmless for the kernel, which verifies a static function with its caller's registers, but BTF argument positions (and any tag on them) do not describe its code");
            }
            if !tags.is_empty() {
                s.push_str(&format!(
                    "; the tags on {} name source parameters that may not arrive in R1-R5 as numbered",
                    tags.iter()
                        .map(|(i, _)| format!("arg#{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            notes.push(s);
        }
        out.push(SubprogInfo {
            name: f.name.clone(),
            func: n,
            linkage,
            prototype: proto,
            tags,
            nocall: d.map(|d| d.nocall),
            notes,
        });
    }
    out
}

/// The flow value a global function's argument starts with.
fn entry_val(j: usize, i: usize, a: &ArgVerdict) -> Val {
    match a.class {
        ArgClass::Ctx => Val::Ctx,
        ArgClass::Mem => Val::Mem {
            func: u16::try_from(j).unwrap_or(u16::MAX),
            arg: u8::try_from(i).unwrap_or(u8::MAX),
            maybe_null: a.nullable,
        },
        ArgClass::Scalar => Val::Scalar,
        ArgClass::Trusted => Val::Btf,
        ArgClass::Untrusted | ArgClass::Arena | ArgClass::Dynptr => Val::Unknown,
    }
}

#[allow(clippy::too_many_arguments)]
fn judge_kernel(
    env: &ProgEnv<'_>,
    k: KernelVersion,
    label: &str,
    loader: Loader,
    path: Option<&Prepared>,
    name: &str,
    insns: &[crate::program::insn::Insn],
    funcs: &[Func],
    budget: &mut u64,
) -> KernelVerdict {
    let path_name = if !k.supports(Feature::GlobalFuncs) {
        "inline"
    } else if k.has_native_arg_ctx() {
        "native"
    } else if loader == Loader::Plain {
        "no_fallback"
    } else {
        "fallback"
    };
    let mut kv = KernelVerdict {
        kernel: label.to_string(),
        version: k,
        path: path_name,
        load: Load::Yes,
        problems: Vec::new(),
        expected_log: Vec::new(),
        subprogs: Vec::new(),
        notes: Vec::new(),
    };
    let fatal = |kv: &mut KernelVerdict, sub: Option<&str>, arg, code, message: String, log| {
        kv.problems.push(Problem {
            subprog: sub.map(str::to_string),
            arg,
            code,
            message,
            kernel_log: log,
            fatal: true,
        });
    };
    if let Some((ma, mi, what)) = unavailable(k, env.prog_type, env.attach) {
        fatal(
            &mut kv,
            None,
            None,
            "prog_type_unavailable",
            format!("{what} need Linux {ma}.{mi} or later"),
            Vec::new(),
        );
    }
    if env.prog_type == ProgType::UNSPEC {
        fatal(
            &mut kv,
            None,
            None,
            "unknown_section",
            "libbpf does not know the program's section, so it has no program type".into(),
            Vec::new(),
        );
    }
    let Some(path) = path else {
        return finish(kv);
    };
    if let Some(e) = &path.error {
        fatal(
            &mut kv,
            None,
            None,
            "libbpf_error",
            format!("libbpf fails to prepare the object: {e}"),
            Vec::new(),
        );
        return finish(kv);
    }
    let Some((pr, blob, orig_cnt)) = path.programs.get(name) else {
        return finish(kv);
    };
    if let Some(e) = &pr.error {
        fatal(
            &mut kv,
            None,
            None,
            "libbpf_error",
            format!("libbpf fails before the kernel sees the program: {e}"),
            Vec::new(),
        );
        return finish(kv);
    }
    for w in &pr.warnings {
        kv.notes.push(format!("libbpf: {w}"));
    }
    let btf = blob
        .and_then(|b| path.blobs.get(b))
        .and_then(|b| Btf::parse(b).ok());
    let Some(btf) = btf else {
        kv.notes.push(
            "no BTF: every subprogram is verified inline as a static one; arg: tags do nothing"
                .into(),
        );
        return finish(kv);
    };
    if !k.supports(Feature::GlobalFuncs) {
        kv.notes.push("before 5.6 libbpf makes global functions static: every subprogram is verified inline with its caller's types".into());
        return finish(kv);
    }
    let tags = ArgTags::new(&btf);

    // Type every function's arguments.
    let mut prepared: Vec<Option<std::result::Result<Vec<ArgVerdict>, PrepareError>>> =
        vec![None; funcs.len()];
    let mut specs = Vec::with_capacity(funcs.len());
    for (j, f) in funcs.iter().enumerate() {
        let tid = type_at(&pr.func_info, f.start);
        let global = j > 0 && tid.is_some_and(|t| rules::is_global(&btf, t));
        let mut kind = if j == 0 {
            FuncKind::Main
        } else {
            FuncKind::Static
        };
        if global {
            let t = tid.unwrap_or(0);
            let res = rules::prepare(k, env, &btf, &tags, t);
            let mut entry = [Val::Unknown; 5];
            if let Ok(args) = &res {
                for (i, (slot, a)) in entry.iter_mut().zip(args).enumerate() {
                    *slot = entry_val(j, i, a);
                }
                let clone = t >= *orig_cnt;
                let mut args = args.clone();
                if clone {
                    for a in &mut args {
                        if a.class == ArgClass::Ctx && !a.how.starts_with("arg:") {
                            a.how.push_str(" (after libbpf's rewrite)");
                        }
                    }
                }
                kv.subprogs.push(SubprogArgs {
                    subprog: f.name.clone(),
                    func: j,
                    type_id: t,
                    prototype: prototype(&btf, t),
                    args,
                });
            } else {
                kv.subprogs.push(SubprogArgs {
                    subprog: f.name.clone(),
                    func: j,
                    type_id: t,
                    prototype: prototype(&btf, t),
                    args: Vec::new(),
                });
            }
            kind = FuncKind::Global(entry);
            if let Some(slot) = prepared.get_mut(j) {
                *slot = Some(res);
            }
        } else if j > 0 {
            if let Some(t) = tid {
                for line in rules::static_tag_lines(k, &btf, &tags, t) {
                    kv.problems.push(Problem {
                        subprog: Some(f.name.clone()),
                        arg: None,
                        code: "tag_ignored_static",
                        message: format!(
                            "arg: tags on a static function are ignored: the kernel verifies it inline with the caller's register types (it logs `{line}`)"
                        ),
                        kernel_log: vec![line],
                        fatal: false,
                    });
                }
            }
        }
        specs.push(FuncSpec {
            start: f.start,
            end: f.end,
            kind,
        });
    }
    if kv
        .subprogs
        .iter()
        .flat_map(|s| &s.args)
        .any(|a| a.class == ArgClass::Ctx && !a.how.starts_with("arg:"))
    {
        kv.notes.push(if env.kernel_btf {
            "recognizing the context by struct name needs the kernel's own BTF (CONFIG_DEBUG_INFO_BTF); without it the verifier prints 'btf_vmlinux is malformed' and these arguments become memory".into()
        } else {
            "assumed without kernel BTF".into()
        });
    }

    let mut step_budget = FLOW_BUDGET.min(*budget);
    let before = step_budget;
    let analysis = flow::analyze(insns, &specs, &mut step_budget);
    *budget = budget.saturating_sub(before - step_budget);
    let Some(analysis) = analysis else {
        kv.notes.push(
            "the program is too large to follow within argctx's budget: callers' values are unknown"
                .into(),
        );
        order_problems(
            &mut kv,
            k,
            env,
            funcs,
            &prepared,
            &Analysis::default(),
            true,
        );
        kv.load = Load::Unknown;
        return finish(kv);
    };
    order_problems(&mut kv, k, env, funcs, &prepared, &analysis, false);
    helper_problems(&mut kv, k, env, insns, funcs);
    explain_ignored_ctx_tags(&mut kv, k, env, loader, &tags);
    if env.prog_type == ProgType::EXT && kv.problems.iter().all(|p| !p.fatal) {
        kv.load = Load::Unknown;
    }
    finish(kv)
}

/// Helpers the program calls that the kernel does not let its program type call, from the
/// probed table ([`super::helpers`]). The verifier stops at the first such call; the problem goes
/// first when no other refusal was found (the verifier's order between the two is not modelled).
/// A helper the probes cannot decide for this release makes the verdict unknown, with a note.
fn helper_problems(
    kv: &mut KernelVerdict,
    k: KernelVersion,
    env: &ProgEnv<'_>,
    insns: &[crate::program::insn::Insn],
    funcs: &[Func],
) {
    let mut seen = Vec::new();
    let mut undecided = Vec::new();
    for (pc, i) in insns.iter().enumerate() {
        // Helper calls only (kfunc and BPF-to-BPF calls carry a src_reg); libbpf's poison
        // markers are far above any helper id.
        if i.code != crate::program::insn::CALL || i.src != 0 || !(1..1000).contains(&i.imm) {
            continue;
        }
        let id = i.imm as u32;
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let a = match super::helpers::answer(k, env.prog_type.0, id) {
            None => continue,
            Some(super::helpers::Verdict::Known(a)) if a.available => continue,
            // The probe loads a non-sleepable program; a sleepable one may call more helpers,
            // so only a helper the kernel does not know at all is decided for it.
            Some(super::helpers::Verdict::Known(a)) if env.sleepable && id <= a.max_id => continue,
            Some(super::helpers::Verdict::Known(a)) => a,
            Some(super::helpers::Verdict::Undecided { without, with }) => {
                undecided.push(format!(
                    "helper #{id}: {} programs cannot call it on Linux {without} and can on {with}; whether this kernel has it is not known here",
                    env.prog_type.name().unwrap_or("these")
                ));
                continue;
            }
        };
        let func = funcs
            .iter()
            .find(|f| (f.start..f.end).contains(&pc))
            .map(|f| f.name.clone());
        let log = if id > a.max_id {
            vec![format!("invalid func unknown#{id}")]
        } else {
            Vec::new()
        };
        let problem = Problem {
            subprog: func,
            arg: None,
            code: "helper_unavailable",
            message: format!(
                "calls helper #{id}, which {} programs cannot call on this kernel (libbpf's helper probe on Linux {}{})",
                env.prog_type.name().unwrap_or("these"),
                a.probed,
                if id > a.max_id {
                    ", which does not know the helper at all"
                } else {
                    ""
                }
            ),
            kernel_log: log,
            fatal: true,
        };
        if kv.problems.iter().any(|p| p.fatal) {
            kv.problems.push(problem);
        } else {
            kv.problems.insert(0, problem);
        }
    }
    // A helper the probed kernels cannot decide for this release makes the verdict unknown
    // (unless something else already makes it fail).
    if !undecided.is_empty() && !kv.problems.iter().any(|p| p.fatal) {
        kv.load = Load::Unknown;
    }
    kv.notes.extend(undecided);
}
