//! The problems of one program on one kernel, in the order the verifier meets them: up to 6.7
//! every global subprogram is validated before the entry program; from 6.8 the entry program
//! comes first and each call's arguments are checked against the callee's prototype.

use super::eval::Func;
use super::flow::{self, Analysis, CallSite, MemUse, Val};
use super::kernel::{Feature, KernelVersion};
use super::rules::{ArgClass, ArgTags, ArgVerdict, PrepareError, ProgEnv};
use super::{KernelVerdict, Load, Loader, Problem};
use crate::program::sec_def::ProgType;

pub(super) fn caller_line(k: KernelVersion, n: usize, name: &str) -> String {
    if k.supports(Feature::ArgTags) {
        format!("Caller passes invalid args into func#{n} ('{name}')")
    } else {
        format!("Caller passes invalid args into func#{n}")
    }
}

pub(super) fn validating_line(k: KernelVersion, n: usize, name: &str) -> Option<String> {
    k.at_least(6, 1)
        .then(|| format!("Validating {name}() func#{n}..."))
}

pub(super) fn describe(v: Val) -> &'static str {
    match v {
        Val::Ctx => "its context",
        Val::CtxOff => "a pointer into its context",
        Val::Stack(_) | Val::CallerStack => "a stack pointer",
        Val::Map => "a map pointer",
        Val::GlobalData => "a pointer to global data",
        Val::Btf => "a kernel pointer",
        Val::Mem { .. } => "a memory pointer",
        Val::Null => "NULL",
        Val::Scalar => "a scalar",
        Val::Uninit | Val::Unknown => "an unknown value",
    }
}

/// Why a call's argument is refused, if it is: (code, message, verifier lines).
pub(super) fn call_arg_problem(
    k: KernelVersion,
    env: &ProgEnv<'_>,
    i: usize,
    a: &ArgVerdict,
    v: Val,
) -> Option<(&'static str, String, Vec<String>)> {
    let r = i + 1;
    match a.class {
        ArgClass::Ctx => {
            if matches!(v, Val::Ctx | Val::CtxOff | Val::Uninit | Val::Unknown) {
                return None;
            }
            let line = if k.supports(Feature::ArgTags) {
                format!("arg#{i} expects pointer to ctx")
            } else {
                format!("arg#{i} expected pointer to ctx, but got PTR")
            };
            Some((
                "caller_passes_non_ctx",
                format!(
                    "arg#{i} is the context ({}), but the call passes {}",
                    a.how,
                    describe(v)
                ),
                vec![line],
            ))
        }
        ArgClass::Mem => match v {
            Val::Ctx | Val::CtxOff if env.prog_type != ProgType::SYSCALL => Some((
                "caller_passes_ctx_to_mem",
                format!(
                    "arg#{i} `{}` is {} to this kernel, not the context, and the call passes the context",
                    a.decl, a.how
                ),
                Vec::new(),
            )),
            Val::Btf if !k.supports(Feature::BtfPtrAsMem) => Some((
                "caller_passes_kernel_ptr_to_mem",
                format!(
                    "arg#{i} is plain memory on this kernel and the call passes a kernel pointer (R{r} type=ptr_)"
                ),
                Vec::new(),
            )),
            Val::Map => Some((
                "caller_passes_map_to_mem",
                format!("arg#{i} is memory and the call passes a map pointer"),
                Vec::new(),
            )),
            Val::Scalar => Some((
                "caller_passes_scalar_to_mem",
                format!("arg#{i} is memory and the call passes a scalar (R{r} type=scalar)"),
                Vec::new(),
            )),
            Val::Null if !a.nullable => Some((
                "caller_passes_null",
                format!("arg#{i} is memory that must not be NULL (arg:nonnull) and the call passes NULL"),
                Vec::new(),
            )),
            _ => None,
        },
        ArgClass::Scalar => v.is_pointer().then(|| {
            (
                "caller_passes_pointer_to_scalar",
                format!("arg#{i} is a scalar and the call passes {}", describe(v)),
                vec![format!("R{r} is not a scalar")],
            )
        }),
        ArgClass::Trusted => (matches!(
            v,
            Val::Ctx
                | Val::CtxOff
                | Val::Stack(_)
                | Val::CallerStack
                | Val::Map
                | Val::GlobalData
                | Val::Mem { .. }
                | Val::Scalar
        ) || (v == Val::Null && !a.nullable))
        .then(|| {
            (
                "caller_passes_untrusted",
                format!(
                    "arg#{i} is arg:trusted and the call passes {}, not a trusted kernel pointer",
                    describe(v)
                ),
                Vec::new(),
            )
        }),
        ArgClass::Arena => v.is_pointer().then(|| {
            (
                "caller_passes_non_arena",
                format!(
                    "arg#{i} is arg:arena and the call passes {}",
                    describe(v)
                ),
                Vec::new(),
            )
        }),
        ArgClass::Untrusted | ArgClass::Dynptr => None,
    }
}

/// Says why an `arg:ctx` the user wrote did not help on a kernel before 6.8.
pub(super) fn explain_ignored_ctx_tags(
    kv: &mut KernelVerdict,
    k: KernelVersion,
    env: &ProgEnv<'_>,
    loader: Loader,
    tags: &ArgTags,
) {
    if k.has_native_arg_ctx() {
        return;
    }
    let ctx_struct = env.prog_type.fallback_ctx_struct();
    let ty = env.prog_type.name().unwrap_or("unspec");
    let hint = match (loader, ctx_struct) {
        (Loader::Plain, Some(c)) => format!(
            "kernels before 6.8 ignore arg:ctx and this loader has no fallback: load with libbpf 1.4+ or declare the argument `struct {c} *`"
        ),
        (Loader::Plain, None) | (Loader::Libbpf, None) => format!(
            "kernels before 6.8 ignore arg:ctx and libbpf has no fallback for {ty} programs: this needs Linux 6.8"
        ),
        (Loader::Libbpf, Some(c)) => format!(
            "kernels before 6.8 ignore arg:ctx, and libbpf rewrites only `void *` (and the program type's own forms) to `struct {c} *`: declare it `void *` or `struct {c} *`"
        ),
    };
    for p in kv.problems.iter_mut().filter(|p| p.fatal) {
        let (Some(sub), Some(arg)) = (&p.subprog, p.arg) else {
            continue;
        };
        let tagged = kv
            .subprogs
            .iter()
            .filter(|s| &s.subprog == sub)
            .any(|s| tags.get(s.type_id, arg).iter().any(|t| t == "ctx"));
        if tagged {
            p.message.push_str(" (");
            p.message.push_str(&hint);
            p.message.push(')');
        }
    }
}

/// Adds the fatal problems in the verifier's order.
pub(super) fn order_problems(
    kv: &mut KernelVerdict,
    k: KernelVersion,
    env: &ProgEnv<'_>,
    funcs: &[Func],
    prepared: &[Option<std::result::Result<Vec<ArgVerdict>, PrepareError>>],
    a: &Analysis,
    incomplete: bool,
) {
    let lazy = k.supports(Feature::ArgTags);
    let fname = |j: usize| funcs.get(j).map_or("", |f| f.name.as_str());
    let mut out: Vec<Problem> = Vec::new();
    let mut reported_prepare = vec![false; funcs.len()];

    let prepare_problem = |j: usize, e: &PrepareError, at_call: bool| {
        let mut log = Vec::new();
        if !at_call {
            log.extend(validating_line(k, j, fname(j)));
        }
        log.extend(e.lines.iter().cloned());
        if at_call {
            log.push(caller_line(k, j, fname(j)));
        }
        let shown = e.lines.first().cloned().unwrap_or_default();
        Problem {
            subprog: Some(fname(j).to_string()),
            arg: e.arg,
            code: e.code,
            message: format!("{}: `{shown}`", e.reason),
            kernel_log: if e.exact { log } else { Vec::new() },
            fatal: true,
        }
    };
    let mem_problem = |ev: &flow::MemEvent| {
        let j = ev.func;
        let mut log: Vec<String> = validating_line(k, j, fname(j)).into_iter().collect();
        let msg = match ev.what {
            MemUse::NullDeref { reg, .. } => {
                let l = format!("R{reg} invalid mem access 'mem_or_null'");
                log.push(l.clone());
                format!(
                    "the kernel types arg#{} as memory that may be NULL, and the function uses it without a NULL check: `{l}`",
                    ev.arg
                )
            }
            MemUse::CtxHelper {
                helper, maybe_null, ..
            } => {
                let l = format!(
                    "R1 type={} expected=ctx",
                    if maybe_null { "mem_or_null" } else { "mem" }
                );
                log.push(l.clone());
                format!(
                    "the kernel types arg#{} as memory, not the context, and the function passes it to {}: `{l}`",
                    ev.arg,
                    flow::ctx_helper_name(helper).unwrap_or("a helper that needs the context")
                )
            }
        };
        Problem {
            subprog: Some(fname(j).to_string()),
            arg: u32::try_from(ev.arg).ok(),
            code: "mem_arg_misused",
            message: msg,
            kernel_log: log,
            fatal: true,
        }
    };
    let call_problems = |c: &CallSite, reported: &mut Vec<bool>, out: &mut Vec<Problem>| {
        let Some(Some(res)) = prepared.get(c.callee) else {
            return;
        };
        match res {
            Err(e) => {
                if lazy && !reported.get(c.callee).copied().unwrap_or(true) {
                    out.push(prepare_problem(c.callee, e, true));
                    if let Some(r) = reported.get_mut(c.callee) {
                        *r = true;
                    }
                }
            }
            Ok(args) => {
                for (i, av) in args.iter().enumerate() {
                    let v = c.args.get(i).copied().unwrap_or(Val::Unknown);
                    if let Some((code, message, mut log)) = call_arg_problem(k, env, i, av, v) {
                        log.push(caller_line(k, c.callee, fname(c.callee)));
                        out.push(Problem {
                            subprog: Some(fname(c.callee).to_string()),
                            arg: u32::try_from(i).ok(),
                            code,
                            message: format!(
                                "{message}: `{}`",
                                log.last().cloned().unwrap_or_default()
                            ),
                            kernel_log: log,
                            fatal: true,
                        });
                    }
                }
            }
        }
    };
    let is_global = |j: usize| matches!(prepared.get(j), Some(Some(_)));
    let reached = |j: usize| incomplete || a.reached.get(j).copied().unwrap_or(false);
    if lazy {
        // The entry program (and the static functions it reaches) first.
        for c in a.calls.iter().filter(|c| !is_global(c.caller)) {
            call_problems(c, &mut reported_prepare, &mut out);
        }
        for j in (1..funcs.len()).filter(|&j| is_global(j)) {
            if !reached(j) && !incomplete {
                continue;
            }
            if let Some(Some(Err(e))) = prepared.get(j) {
                if !reported_prepare.get(j).copied().unwrap_or(true) {
                    out.push(prepare_problem(j, e, false));
                    if let Some(r) = reported_prepare.get_mut(j) {
                        *r = true;
                    }
                }
                continue;
            }
            for ev in a.mem_events.iter().filter(|e| e.func == j) {
                out.push(mem_problem(ev));
            }
            for c in a.calls.iter().filter(|c| c.caller == j) {
                call_problems(c, &mut reported_prepare, &mut out);
            }
        }
    } else {
        // Every global function is validated first, in func# order, then the entry program.
        for j in (1..funcs.len()).filter(|&j| is_global(j)) {
            if let Some(Some(Err(e))) = prepared.get(j) {
                out.push(prepare_problem(j, e, false));
                continue;
            }
            for ev in a.mem_events.iter().filter(|e| e.func == j) {
                out.push(mem_problem(ev));
            }
            for c in a.calls.iter().filter(|c| c.caller == j) {
                call_problems(c, &mut reported_prepare, &mut out);
            }
        }
        for c in a.calls.iter().filter(|c| !is_global(c.caller)) {
            call_problems(c, &mut reported_prepare, &mut out);
        }
    }
    // The same refusal found twice (two paths to one call) is reported once.
    let mut seen: Vec<(Option<String>, Option<u32>, &'static str)> = Vec::new();
    for p in out {
        let key = (p.subprog.clone(), p.arg, p.code);
        if !seen.contains(&key) {
            seen.push(key);
            kv.problems.push(p);
        }
    }
}

pub(super) fn finish(mut kv: KernelVerdict) -> KernelVerdict {
    // Fatal problems first (in the order found), then warnings.
    kv.problems.sort_by_key(|p| !p.fatal);
    if let Some(first) = kv.problems.iter().find(|p| p.fatal) {
        kv.load = Load::No;
        kv.expected_log = first.kernel_log.clone();
    }
    kv
}
