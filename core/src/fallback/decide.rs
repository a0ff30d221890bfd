//! libbpf's `need_func_arg_type_fixup` and the one-sentence reasons shown for each decision.

use serde::Serialize;

use super::Arch;
use crate::btf::cdecl::TypeSource;
use crate::btf::{BtfBuilder, Kind, Type};
use crate::program::sec_def::ProgType;

/// What happens to one `arg:ctx` tag in one program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// libbpf clones the function and points the argument at `struct <ctx> {}`.
    Rewritten,
    /// The argument already has the program type's context struct: nothing to do.
    AlreadyCanonical,
    /// The argument's type is neither `void *` nor the context type: libbpf warns and leaves it.
    MismatchedType,
    /// The tag is on a static (or extern) function: libbpf and the kernel ignore it.
    StaticFunction,
    /// The tag is not on a function (or the function has no prototype).
    NotAFunction,
    /// This program never calls the function.
    NotReachable,
    /// The program type has no context struct libbpf can emulate.
    NoNamedContext,
    /// The program has no func_info (no `.BTF.ext`), so libbpf cannot apply the fallback.
    NoFuncInfo,
    /// The kernel understands `arg:ctx` itself: libbpf sends the BTF unchanged.
    NativeSupport,
    /// The tag is on the whole function (`component_idx` -1), not on an argument.
    WholeFunction,
    /// `component_idx` is past the last argument.
    OutOfRange,
}

/// The three outcomes of `need_func_arg_type_fixup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixupVerdict {
    /// Rewrite the argument.
    Fix,
    /// Already the context struct; no warning.
    Canonical,
    /// Leave it, with libbpf's warning.
    Warn,
}

/// Modifiers and typedefs skipped, bounded so a cyclic chain ends (libbpf would loop forever).
fn skip_mods_and_typedefs(btf: &BtfBuilder, id: u32) -> Option<Type<'_>> {
    crate::btf::skip_mods_and_typedefs(|i| btf.type_by_id(i), id)
}

fn is_struct_named(btf: &BtfBuilder, t: &Type<'_>, name: &str) -> bool {
    t.kind == Kind::Struct && btf.str_at(t.name_off) == Some(name.as_bytes())
}

/// libbpf 1.7's decision for a tagged argument of type `arg_type` in a program of `prog_type`.
/// Its typedef special case never fires (the check looks at the pointer, not the pointee), so it is
/// absent here too: that is what makes the bytes match.
pub fn need_fixup(
    btf: &BtfBuilder,
    prog_type: ProgType,
    arch: Arch,
    arg_type: u32,
    ctx_name: &str,
) -> FixupVerdict {
    let Some(ptr) = skip_mods_and_typedefs(btf, arg_type).filter(|t| t.kind == Kind::Ptr) else {
        return FixupVerdict::Warn;
    };
    let Some(pointee) = skip_mods_and_typedefs(btf, ptr.type_id()) else {
        return FixupVerdict::Warn;
    };
    if pointee.kind == Kind::Void {
        return FixupVerdict::Fix;
    }
    if is_struct_named(btf, &pointee, ctx_name) {
        return FixupVerdict::Canonical;
    }
    if prog_type == ProgType::KPROBE && is_struct_named(btf, &pointee, "pt_regs") {
        return FixupVerdict::Fix;
    }
    if prog_type == ProgType::PERF_EVENT {
        if let Some(regs) = arch.user_pt_regs_struct() {
            if is_struct_named(btf, &pointee, regs) {
                return FixupVerdict::Fix;
            }
        }
    }
    if matches!(
        prog_type,
        ProgType::RAW_TRACEPOINT | ProgType::RAW_TRACEPOINT_WRITABLE
    ) && pointee.kind == Kind::Int
        && pointee.size() == 8
    {
        return FixupVerdict::Fix;
    }
    FixupVerdict::Warn
}

/// One sentence explaining `d` for a program.
pub fn reason(
    d: Decision,
    prog_type: ProgType,
    ctx: Option<&str>,
    arch: Arch,
    prog: &str,
) -> String {
    let ty = prog_type.name().unwrap_or("unspec");
    let ctx = ctx.unwrap_or("?");
    match d {
        Decision::Rewritten => format!(
            "Kernels before 6.8 do not read the tag, so libbpf gives '{prog}' its own copy of the function whose argument points to an empty `struct {ctx}`, which the old verifier recognizes by name as the {ty} context."
        ),
        Decision::AlreadyCanonical => format!(
            "The argument is already `struct {ctx} *`, which every kernel recognizes as the {ty} context, so libbpf leaves it alone."
        ),
        Decision::MismatchedType => {
            let mut s = format!(
                "The argument is neither `void *` nor `struct {ctx} *`, so libbpf warns and sends it unchanged; kernels before 6.8 will not treat it as the context"
            );
            if prog_type == ProgType::KPROBE {
                s.push_str(" (libbpf also rewrites `struct pt_regs *`; a `bpf_user_pt_regs_t *` argument is accepted by the kernel but fails libbpf's check on architectures where the typedef is not `struct pt_regs`)");
            } else if prog_type == ProgType::PERF_EVENT {
                match arch.user_pt_regs_struct() {
                    Some(regs) => s.push_str(&format!(
                        " (on {} libbpf also rewrites `struct {regs} *`, the struct behind `bpf_user_pt_regs_t`)",
                        arch.name()
                    )),
                    None => s.push_str(&format!(
                        " (on {} `bpf_user_pt_regs_t` is an anonymous struct, so libbpf rewrites no register pointer)",
                        arch.name()
                    )),
                }
            }
            s.push('.');
            s
        }
        Decision::StaticFunction => "The function is static: the verifier checks static functions inline with their caller's types, so libbpf and the kernel ignore the tag.".into(),
        Decision::NotAFunction => "The tag is not on an argument of a function with a prototype, so libbpf ignores it.".into(),
        Decision::NotReachable => format!("'{prog}' never calls this function, so its func_info has no record for it and nothing changes for this program."),
        Decision::NoNamedContext => format!(
            "{ty} programs have no context struct libbpf can emulate, so no fallback is possible: the program loads only on kernels with native arg:ctx support (6.8+)."
        ),
        Decision::NoFuncInfo => "The program has no func_info (no usable .BTF.ext), so libbpf cannot apply the fallback and the kernel never sees the tag.".into(),
        Decision::NativeSupport => "The kernel supports arg:ctx natively (6.8+), so libbpf sends the BTF unchanged and the kernel checks the tag itself.".into(),
        Decision::WholeFunction => "The tag is on the whole function (component_idx -1), not on an argument, so libbpf ignores it.".into(),
        Decision::OutOfRange => "component_idx is past the function's last argument, so libbpf ignores the tag.".into(),
    }
}
