//! C-like declarations of BTF types (`struct __sk_buff *ctx`, `int f(void *ctx)`), for reports.

use super::{Kind, Type};

/// Where a type lives: a read view or a builder.
pub trait TypeSource {
    /// Type `id`.
    fn type_by_id(&self, id: u32) -> Option<Type<'_>>;
    /// String at `off`.
    fn string(&self, off: u32) -> Option<&[u8]>;
}

impl TypeSource for super::Btf<'_> {
    fn type_by_id(&self, id: u32) -> Option<Type<'_>> {
        self.get(id)
    }
    fn string(&self, off: u32) -> Option<&[u8]> {
        self.str_at(off)
    }
}

impl TypeSource for super::BtfBuilder {
    fn type_by_id(&self, id: u32) -> Option<Type<'_>> {
        self.get(id)
    }
    fn string(&self, off: u32) -> Option<&[u8]> {
        self.str_at(off)
    }
}

/// Bound on nested declarators, so hostile type cycles end.
const MAX_DEPTH: usize = 32;
/// Bound on the types one declaration or prototype visits in all, nested parameter lists and
/// qualifier recursion included: a cycle through CONST or through a prototype's own parameter
/// ends, and fan-out (parameters of parameters) cannot multiply the work or the text.
const MAX_STEPS: usize = 256;
/// Bound on recursion (parameter lists inside parameter lists, qualifiers of base types): the
/// step budget alone would allow 256 nested frames, too deep for a browser's wasm stack.
const MAX_NESTING: usize = 16;
/// Longest name printed (the kernel's `KSYM_NAME_LEN`); longer names are cut.
const MAX_NAME: usize = 512;

fn name_of(src: &dyn TypeSource, off: u32) -> String {
    let s = src.string(off).unwrap_or_default();
    String::from_utf8_lossy(s.get(..MAX_NAME).unwrap_or(s)).into_owned()
}

/// `type_id` declared as `name` (`name` may be empty), e.g. `const char *p`, `int (*cb)(void *)`.
pub fn declaration(src: &dyn TypeSource, type_id: u32, name: &str) -> String {
    declaration_in(src, type_id, name, &mut { MAX_STEPS }, 0)
}

/// [`declaration`] with `steps` left of the [`MAX_STEPS`] budget.
fn declaration_in(
    src: &dyn TypeSource,
    type_id: u32,
    name: &str,
    steps: &mut usize,
    nesting: usize,
) -> String {
    if nesting > MAX_NESTING {
        return join("<declaration nested too deep>", name);
    }
    let mut inner = name.to_string();
    let mut id = type_id;
    for _ in 0..MAX_DEPTH {
        let Some(left) = steps.checked_sub(1) else {
            break;
        };
        *steps = left;
        let Some(t) = src.type_by_id(id) else {
            return join(&format!("<bad type {id}>"), &inner);
        };
        match t.kind {
            Kind::Ptr => {
                inner = format!("*{inner}");
                id = t.type_id();
            }
            Kind::Const | Kind::Volatile | Kind::Restrict => {
                let q = match t.kind {
                    Kind::Const => "const",
                    Kind::Volatile => "volatile",
                    _ => "restrict",
                };
                // Qualifiers of a pointer go after the star; of a base type, before it.
                let base_next = src
                    .type_by_id(t.type_id())
                    .is_some_and(|n| !matches!(n.kind, Kind::Ptr | Kind::Array | Kind::FuncProto));
                if base_next {
                    let rest = declaration_in(src, t.type_id(), &inner, steps, nesting + 1);
                    return format!("{q} {rest}");
                }
                inner = if inner.is_empty() {
                    q.to_string()
                } else {
                    format!("{q} {inner}")
                };
                id = t.type_id();
            }
            Kind::TypeTag => {
                inner = format!(
                    "__attribute__((btf_type_tag(\"{}\"))) {inner}",
                    name_of(src, t.name_off)
                );
                id = t.type_id();
            }
            Kind::Array => {
                let a = t.array().unwrap_or(super::ArrayInfo {
                    type_id: 0,
                    index_type: 0,
                    nelems: 0,
                });
                if inner.starts_with('*') {
                    inner = format!("({inner})");
                }
                inner = format!("{inner}[{}]", a.nelems);
                id = a.type_id;
            }
            Kind::FuncProto => {
                if inner.starts_with('*') {
                    inner = format!("({inner})");
                }
                inner = format!("{inner}({})", params(src, &t, steps, nesting + 1));
                id = t.type_id();
            }
            _ => return join(&base_name(src, &t), &inner),
        }
    }
    join("<type chain too deep>", &inner)
}

fn join(base: &str, inner: &str) -> String {
    if inner.is_empty() {
        base.to_string()
    } else {
        format!("{base} {inner}")
    }
}

fn base_name(src: &dyn TypeSource, t: &Type<'_>) -> String {
    let n = name_of(src, t.name_off);
    let anon = |s: &str| {
        if n.is_empty() {
            format!("{s} (anon)")
        } else {
            format!("{s} {n}")
        }
    };
    match t.kind {
        Kind::Void => "void".into(),
        Kind::Struct => anon("struct"),
        Kind::Union => anon("union"),
        Kind::Enum | Kind::Enum64 => anon("enum"),
        Kind::Fwd => {
            if t.kind_flag() {
                anon("union")
            } else {
                anon("struct")
            }
        }
        _ if n.is_empty() => format!("<anon {}>", t.kind.name()),
        _ => n,
    }
}

fn params(src: &dyn TypeSource, proto: &Type<'_>, steps: &mut usize, nesting: usize) -> String {
    let ps: Vec<_> = proto.params().collect();
    if ps.is_empty() {
        return "void".into();
    }
    let mut out = Vec::new();
    for p in &ps {
        if *steps == 0 {
            out.push("<more parameters>".to_string());
            break;
        }
        out.push(if p.type_id == 0 && p.name_off == 0 {
            "...".to_string()
        } else {
            declaration_in(src, p.type_id, &name_of(src, p.name_off), steps, nesting)
        });
    }
    out.join(", ")
}

/// A FUNC as a C prototype: `int name(void *ctx)`, with `static`/`extern` when not global.
pub fn prototype(src: &dyn TypeSource, func_id: u32) -> String {
    let Some(f) = src.type_by_id(func_id).filter(|f| f.kind == Kind::Func) else {
        return format!("<type {func_id} is not a FUNC>");
    };
    let name = name_of(src, f.name_off);
    let Some(proto) = src
        .type_by_id(f.type_id())
        .filter(|p| p.kind == Kind::FuncProto)
    else {
        return format!("{name}(<no prototype>)");
    };
    let linkage = match f.vlen() {
        0 => "static ",
        2 => "extern ",
        _ => "",
    };
    let mut steps = MAX_STEPS;
    let head = format!("{name}({})", params(src, &proto, &mut steps, 0));
    format!(
        "{linkage}{}",
        declaration_in(src, proto.type_id(), &head, &mut steps, 0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::{Btf, BtfBuilder};

    /// 300 prototypes, each taking a pointer to the one before: recursion stops at `MAX_NESTING`.
    #[test]
    fn nested_prototypes_end_at_the_nesting_bound() {
        let empty = [
            0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
        ];
        let mut b = BtfBuilder::new(&Btf::parse(&empty).expect("empty BTF"));
        let mut proto = b.add_func_proto(0);
        for _ in 0..300 {
            let ptr = b.add_ptr(proto);
            proto = b.add_func_proto(0);
            b.add_func_param(0, ptr).expect("param");
        }
        let text = declaration(&b, proto, "f");
        assert!(text.contains("<declaration nested too deep>"), "{text}");
        // `f(` and one `(*)(` per nested prototype.
        assert_eq!(text.matches('(').count(), 1 + 2 * MAX_NESTING, "{text}");
    }
}
