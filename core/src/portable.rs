//! Portable objects: an ELF whose `.BTF` and `.BTF.ext` already carry libbpf's `__arg_ctx`
//! fallback, for loaders that do not apply it (aya, cilium/ebpf, libbpf before 1.4, bpftool built
//! on them).
//!
//! libbpf applies the fallback at load time, per program: every program gets its own clone of each
//! tagged subprogram's FUNC, whose tagged parameter points at an empty `struct <ctx>`, and its own
//! func_info points at that clone. An object has one func_info record per function instead (the
//! `.text` block of `.BTF.ext`), shared by every program that calls it. [`rewrite`] therefore:
//!
//! 1. runs the fallback ([`crate::fallback::apply_to`], kernel without native support) for the
//!    selected programs (`Options::programs`, or libbpf's default autoload when empty);
//! 2. maps each program's linked func_info back to the `.BTF.ext` record it came from (section and
//!    instruction), and notes what the program needs there: the compiled FUNC, or a clone with
//!    given arguments pointing at `struct <ctx>`;
//! 3. refuses, naming the subprogram and the programs, when programs need different things from one
//!    record (an xdp and a tc program sharing a `void *ctx __arg_ctx` subprogram): one object cannot
//!    say both, and a silently wrong object is worse than none. Selecting programs that agree with
//!    `--program` resolves it;
//! 4. appends one clone per (function, context, arguments) to `.BTF`, in libbpf's shape and order
//!    (FUNC_PROTO, FUNC, then `struct <ctx>` and its PTR once per context, then a DECL_TAG per
//!    argument, in DECL_TAG id order). Programs of one context type share the clone. One deliberate
//!    difference: kprobe arguments point at `typedef struct bpf_user_pt_regs_t {}
//!    bpf_user_pt_regs_t`, because kernels with native support reject libbpf's bare struct there
//!    (see `add_ctx_pointer`). The original types keep their ids and bytes, so CO-RE relocations,
//!    line_info and `.rel.BTF` stay valid;
//! 5. points the records at the clones (only `type_id` changes, so `.BTF.ext` keeps its size and
//!    `.rel.BTF.ext`, which addresses the `insn_off` fields, stays valid).
//!
//! DATASEC sizes and hidden-function linkage are not finalized: every loader does that itself from
//! the ELF symbols, and writing libbpf's load-time result would change what it does next (its
//! hidden→static marking would hit a clone). The object stays a correct input for libbpf 1.7: on an
//! old kernel its fallback finds every tagged argument already `struct <ctx> *` and adds nothing; on
//! a 6.8+ kernel the kernel checks the tag and accepts `struct <ctx> *` by name.
//!
//! Programs that are not selected are kept unchanged (code, symbols, their own func_info, which
//! still points at the compiled FUNC). A `.text` subprogram they share with a selected program
//! carries the selected programs' clone; [`Portable::notes`] names each unselected program that
//! needs something else there (or still needs the fallback), so callers can warn. A program whose
//! type has no fallback (tracing, tracepoint, …) needs the compiled FUNC: if nothing needs a clone
//! the output is the input, byte for byte. Rewriting a portable object therefore changes nothing.
//!
//! # Writing the ELF
//!
//! The ELF is patched rather than rebuilt (see `patch`): `.BTF.ext` is overwritten where it is,
//! and the larger `.BTF` is appended at the end of the file with its section header's offset and
//! size updated. Every other byte — section order and offsets, symbols, relocations, DWARF,
//! `.llvm_addrsig` — is exactly what the compiler wrote, which a rebuild through a generic ELF
//! writer cannot promise for BPF-specific relocation types and sections; the cost is the old
//! `.BTF` bytes left unreferenced in the file.

mod patch;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::btf::cdecl::prototype;
use crate::btf::ext::func_info_fields;
use crate::btf::sanitize::sanitize;
use crate::btf::{Btf, BtfBuilder, Kind};
use crate::error::{Error, Result};
use crate::fallback::{self, Decision, Options, Outcome, ARG_CTX_TAG};
use crate::program::{link, Object, INSN_SZ};

/// A portable object and what was changed to make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Portable {
    /// The ELF bytes (equal to the input when nothing needed rewriting).
    #[serde(skip)]
    pub object: Vec<u8>,
    /// Whether `object` differs from the input.
    pub changed: bool,
    /// Programs the object was made portable for, in libbpf's order.
    pub programs: Vec<String>,
    /// func_info records pointed at a clone.
    pub retargeted: Vec<Retarget>,
    /// Unselected programs that will not load from this object as they would have from the input,
    /// or that still need libbpf's fallback (one sentence each).
    pub notes: Vec<String>,
}

/// One `.BTF.ext` func_info record pointed at a clone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retarget {
    /// The function's name.
    pub function: String,
    /// The ELF section holding the function (`.text` for subprograms).
    pub section: String,
    /// The record's `insn_off` (bytes into the section).
    pub insn_off: u64,
    /// The compiled FUNC.
    pub from_type: u32,
    /// The clone.
    pub to_type: u32,
    /// The context struct the tagged arguments now point at.
    pub ctx_struct: String,
    /// The rewritten arguments (`component_idx` of the tags).
    pub args: Vec<i32>,
    /// The clone's C prototype.
    pub prototype: String,
    /// The selected programs that reach the function.
    pub programs: Vec<String>,
}

/// Rewrites `data` so that its `.BTF` and `.BTF.ext` already carry libbpf's fallback for the
/// selected programs (`opts.programs`; empty: libbpf's default autoload), in a shape old and new
/// kernels both accept (see the module documentation). `opts.arch` decides perf_event's register
/// struct as in [`crate::fallback`]; `opts.native` is ignored (the fallback is what is written);
/// `opts.btf_features` short of [`crate::btf::sanitize::BtfFeatures::ALL`] (a named old kernel)
/// also sanitizes the BTF as libbpf would for that kernel, so that loaders which send it as it
/// is (without their own sanitization) are accepted there.
/// `Err` when selected programs need different types from one shared subprogram, when libbpf
/// itself would fail to load the object, or on malformed input.
pub fn rewrite_object(data: &[u8], opts: &Options) -> Result<Vec<u8>> {
    rewrite(data, opts).map(|p| p.object)
}

/// As [`rewrite_object`], with what was changed and notes about unselected programs.
pub fn rewrite(data: &[u8], opts: &Options) -> Result<Portable> {
    let opts = Options {
        native: false,
        ..opts.clone()
    };
    let mut obj = Object::open(data)?;
    let outcome = fallback::apply_to(&mut obj, &opts)?;
    let selected: Vec<String> = outcome.programs.iter().map(|p| p.name.clone()).collect();
    let unchanged = |notes: Vec<String>| Portable {
        object: data.to_vec(),
        changed: false,
        programs: selected.clone(),
        retargeted: Vec::new(),
        notes,
    };
    let (Some(btf), Some(ext)) = (obj.btf.as_ref(), obj.btf_ext.as_ref()) else {
        // Without both, libbpf sends no func_info and its fallback never runs.
        if let Some(w) = obj
            .log
            .0
            .iter()
            .find(|l| l.text.starts_with("Error loading ELF section"))
        {
            return Err(Error::Unsupported(w.text.clone()));
        }
        return Ok(unchanged(Vec::new()));
    };
    if let Some(e) = &outcome.error {
        return Err(Error::Unsupported(format!(
            "libbpf 1.7 would fail to load this object: {e}"
        )));
    }

    let needs = collect_needs(&obj, &outcome)?;
    let plan = plan(&needs)?;
    let others = unselected_needs(data, &obj, &opts)?;
    // A named old kernel (`--kernel 5.10`): the object is for that kernel, so its BTF is
    // sanitized as libbpf would sanitize it there, for loaders that send the BTF as it is.
    let sanitizing = opts.btf_features.needs_sanitization();
    if plan.is_empty() && !sanitizing {
        let notes = notes(&others, &BTreeMap::new(), &needs);
        return Ok(unchanged(notes));
    }
    check_btf_relocations(&obj, btf)?;

    // .BTF: the original bytes plus the clones.
    let mut b = BtfBuilder::new(btf);
    let clones = add_clones(btf, &mut b, &plan)?;
    let sanitized = if sanitizing {
        sanitize(&mut b, opts.btf_features)?
    } else {
        Vec::new()
    };
    if plan.is_empty() && sanitized.is_empty() {
        let notes = notes(&others, &BTreeMap::new(), &needs);
        return Ok(unchanged(notes));
    }

    // .BTF.ext: the same bytes with the records' type ids pointed at the clones.
    let ext_sec = obj
        .elf
        .section_by_name(".BTF.ext")
        .ok_or_else(|| Error::Unsupported("the object has no .BTF.ext section".into()))?;
    let btf_sec = obj
        .elf
        .section_by_name(".BTF")
        .ok_or_else(|| Error::Unsupported("the object has no .BTF section".into()))?;
    let mut new_ext = ext.raw().to_vec();
    let endian = ext.endian();
    let rs = ext.func_info.rec_size;
    let mut patched: BTreeSet<RecKey> = BTreeSet::new();
    let mut seen_secs = BTreeSet::new();
    for (k, block) in ext.func_info.blocks.iter().enumerate() {
        // libbpf reads the first block naming a section and ignores later ones.
        let Some(&sec_idx) = obj.ext_sec_idxs[0].get(k) else {
            continue;
        };
        if sec_idx == 0 || !seen_secs.insert(sec_idx) {
            continue;
        }
        let block_at = (block.offset as u64)
            .checked_sub(ext_sec.offset)
            .and_then(|v| usize::try_from(v).ok())
            .ok_or(Error::Overflow {
                what: "BTF.ext func_info block offset",
            })?;
        for j in 0..block.num_info as usize {
            let rec = block.record(j, rs).ok_or(Error::UnexpectedEof {
                what: "BTF.ext func_info record",
                offset: block.offset as u64,
            })?;
            let (insn_off, type_id) =
                func_info_fields(rec, endian).ok_or(Error::UnexpectedEof {
                    what: "BTF.ext func_info record",
                    offset: block.offset as u64,
                })?;
            let key = RecKey {
                sec_idx,
                insn: u64::from(insn_off) / INSN_SZ,
            };
            let Some(step) = plan.get(&key) else {
                continue;
            };
            if type_id != step.func_id {
                continue;
            }
            let Some(&to) = clones.get(&(step.func_id, step.want.clone())) else {
                continue;
            };
            let at = j
                .checked_mul(rs as usize)
                .and_then(|v| v.checked_add(block_at))
                .and_then(|v| v.checked_add(4))
                .ok_or(Error::Overflow {
                    what: "BTF.ext func_info type_id offset",
                })?;
            let dst = at
                .checked_add(4)
                .and_then(|end| new_ext.get_mut(at..end))
                .ok_or(Error::UnexpectedEof {
                    what: "BTF.ext func_info type_id",
                    offset: ext_sec.offset.saturating_add(at as u64),
                })?;
            dst.copy_from_slice(&endian.u32_bytes(to));
            patched.insert(key);
        }
    }
    if let Some((key, step)) = plan.iter().find(|(k, _)| !patched.contains(k)) {
        return Err(Error::invalid(
            "BTF.ext func_info",
            ext_sec.offset,
            format!(
                "no record for '{}' at instruction {} of section {} to point at its clone",
                step.function, key.insn, key.sec_idx
            ),
        ));
    }

    let new_btf = b.to_bytes();
    let object = patch::replace_sections(
        data,
        &[
            patch::Replacement {
                index: btf_sec.index,
                data: &new_btf,
            },
            patch::Replacement {
                index: ext_sec.index,
                data: &new_ext,
            },
        ],
    )?;

    let retargeted = plan
        .iter()
        .filter_map(|(key, step)| {
            let to = *clones.get(&(step.func_id, step.want.clone()))?;
            let Want::Clone { ctx, args } = &step.want else {
                return None;
            };
            Some(Retarget {
                function: step.function.clone(),
                section: obj
                    .elf
                    .section(key.sec_idx)
                    .map_or_else(String::new, |s| s.name.to_string()),
                insn_off: key.insn.saturating_mul(INSN_SZ),
                from_type: step.func_id,
                to_type: to,
                ctx_struct: (*ctx).to_string(),
                args: args.clone(),
                prototype: prototype(&b, to),
                programs: step.programs.clone(),
            })
        })
        .collect();
    let mut notes = notes(&others, &plan, &needs);
    for z in &sanitized {
        notes.push(format!(
            "BTF sanitized for a kernel without {}: {} ({} types); the object is now for such kernels (rewrite without --kernel X.Y for one that newer kernels read with its tags)",
            z.feature, z.change, z.count
        ));
    }
    Ok(Portable {
        object,
        changed: true,
        programs: selected,
        retargeted,
        notes,
    })
}

/// Where a func_info record lives: the ELF section and the instruction index within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RecKey {
    sec_idx: usize,
    insn: u64,
}

/// What a program needs a func_info record to name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Want {
    /// The FUNC as compiled.
    Original,
    /// A clone whose `args` point at `struct ctx`.
    Clone { ctx: &'static str, args: Vec<i32> },
}

/// One program's need at one record.
#[derive(Debug, Clone)]
struct Need {
    program: String,
    key: RecKey,
    func_id: u32,
    function: String,
    want: Want,
    /// libbpf's decision for the function's first tag, when it has one (for messages).
    why: Option<Decision>,
}

/// The clone chosen for one record.
#[derive(Debug, Clone)]
struct Step {
    func_id: u32,
    function: String,
    want: Want,
    programs: Vec<String>,
}

/// Every func_info record of every program in `outcome`, mapped back to the object.
fn collect_needs(obj: &Object<'_>, outcome: &Outcome) -> Result<Vec<Need>> {
    let mut needs = Vec::new();
    for report in &outcome.programs {
        let Some(m) = obj
            .programs
            .iter()
            .position(|p| !p.is_subprog && p.name == report.name)
        else {
            continue;
        };
        let lp = link(obj, m).map_err(|e| Error::Unsupported(e.message))?;
        let Some(fi) = lp.func_info.as_ref() else {
            continue;
        };
        // Per function: the tags libbpf rewrote, and its first decision.
        let mut by_func: BTreeMap<u32, (Vec<i32>, Decision)> = BTreeMap::new();
        for a in &report.args {
            let e = by_func
                .entry(a.func_id)
                .or_insert_with(|| (Vec::new(), a.decision));
            if a.decision == Decision::Rewritten {
                e.0.push(a.arg_index);
            }
        }
        let segments: Vec<(usize, usize)> = std::iter::once((m, 0))
            .chain(lp.subprogs.iter().copied())
            .collect();
        for (i, (insn, before)) in fi.pairs().into_iter().enumerate() {
            let after = report.func_info.get(i).map_or(before, |f| f.type_id);
            let insn = insn as usize;
            let seg = segments
                .partition_point(|&(_, start)| start <= insn)
                .checked_sub(1)
                .and_then(|s| segments.get(s))
                .copied();
            let located = seg.and_then(|(q, start)| {
                let p = obj.programs.get(q)?;
                let rel = insn.checked_sub(start).filter(|&r| r < p.sec_insn_cnt)?;
                Some((p, p.sec_insn_off.checked_add(rel)?))
            });
            let Some((p, sec_insn)) = located else {
                return Err(Error::Unsupported(format!(
                    "prog '{}': func_info record #{i} (insn {insn}) lies in no function",
                    report.name
                )));
            };
            let entry = by_func.get(&before);
            let want = if after == before {
                Want::Original
            } else {
                let ctx = report.ctx_struct.ok_or_else(|| {
                    Error::Unsupported(format!(
                        "prog '{}': a rewritten record without a context struct",
                        report.name
                    ))
                })?;
                let mut args = entry.map(|e| e.0.clone()).unwrap_or_default();
                args.sort_unstable();
                args.dedup();
                Want::Clone { ctx, args }
            };
            needs.push(Need {
                program: report.name.clone(),
                key: RecKey {
                    sec_idx: p.sec_idx,
                    insn: sec_insn as u64,
                },
                func_id: before,
                function: p.name.clone(),
                want,
                why: entry.map(|e| e.1),
            });
        }
    }
    Ok(needs)
}

fn describe(want: &Want, why: Option<Decision>) -> String {
    match want {
        Want::Clone { ctx, args } => {
            let args: Vec<String> = args.iter().map(|a| format!("arg#{a}")).collect();
            format!("{} as `struct {ctx} *`", args.join(", "))
        }
        Want::Original => match why {
            Some(Decision::AlreadyCanonical) => "it as compiled (already its context type)".into(),
            Some(Decision::NoNamedContext) => {
                "it as compiled (its program type has no fallback)".into()
            }
            Some(Decision::MismatchedType) => {
                "it as compiled (libbpf warns and leaves the argument)".into()
            }
            _ => "it as compiled".into(),
        },
    }
}

/// One step per record that needs a clone; `Err` naming every record programs disagree about.
fn plan(needs: &[Need]) -> Result<BTreeMap<RecKey, Step>> {
    let mut by_key: BTreeMap<RecKey, Vec<&Need>> = BTreeMap::new();
    for n in needs {
        by_key.entry(n.key).or_default().push(n);
    }
    let mut plan = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (key, ns) in by_key {
        let wants: BTreeSet<(&Want, u32)> = ns.iter().map(|n| (&n.want, n.func_id)).collect();
        let Some(first) = ns.first() else {
            continue;
        };
        if wants.len() > 1 {
            let mut groups: BTreeMap<&Want, Vec<&str>> = BTreeMap::new();
            let mut grouped = BTreeSet::new();
            for n in &ns {
                if grouped.insert((&n.want, n.program.as_str())) {
                    groups.entry(&n.want).or_default().push(&n.program);
                }
            }
            let needs_text: Vec<String> = ns
                .iter()
                .map(|n| format!("{} needs {}", n.program, describe(&n.want, n.why)))
                .collect::<Vec<_>>();
            let mut seen = BTreeSet::new();
            let needs_text: Vec<String> = needs_text
                .into_iter()
                .filter(|t| seen.insert(t.clone()))
                .collect();
            let options: Vec<String> = groups
                .values()
                .map(|progs| {
                    progs
                        .iter()
                        .map(|p| format!("--program {p}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            conflicts.push(format!(
                "subprogram '{}' is shared by programs that need different types for it: {}; one object has one func_info record per subprogram, so select programs that agree ({})",
                first.function,
                needs_text.join(", "),
                options.join(" | ")
            ));
            continue;
        }
        if let Want::Clone { .. } = first.want {
            let mut programs: Vec<String> = Vec::new();
            let mut seen = BTreeSet::new();
            for n in &ns {
                if seen.insert(n.program.as_str()) {
                    programs.push(n.program.clone());
                }
            }
            plan.insert(
                key,
                Step {
                    func_id: first.func_id,
                    function: first.function.clone(),
                    want: first.want.clone(),
                    programs,
                },
            );
        }
    }
    if conflicts.is_empty() {
        Ok(plan)
    } else {
        Err(Error::Unsupported(format!(
            "cannot write one portable object for these programs: {}",
            conflicts.join("; ")
        )))
    }
}

/// Appends the clones in libbpf's shape, visiting `arg:ctx` tags in id order as libbpf does.
/// Returns the clone's FUNC id per (original FUNC, want).
fn add_clones(
    btf: &Btf<'_>,
    b: &mut BtfBuilder,
    plan: &BTreeMap<RecKey, Step>,
) -> Result<BTreeMap<(u32, Want), u32>> {
    let mut variants: BTreeMap<u32, BTreeSet<Want>> = BTreeMap::new();
    for s in plan.values() {
        variants
            .entry(s.func_id)
            .or_default()
            .insert(s.want.clone());
    }
    let mut clones: BTreeMap<(u32, Want), u32> = BTreeMap::new();
    let mut ptrs: BTreeMap<&'static str, u32> = BTreeMap::new();
    let n = btf.type_cnt();
    for tag_id in 1..n {
        let Some(t) = btf.get(tag_id) else {
            continue;
        };
        if t.kind != Kind::DeclTag || btf.str_at(t.name_off) != Some(ARG_CTX_TAG.as_bytes()) {
            continue;
        }
        let func_id = t.type_id();
        let Some(arg) = t.component_idx() else {
            continue;
        };
        for want in variants.get(&func_id).into_iter().flatten() {
            let Want::Clone { ctx, args } = want else {
                continue;
            };
            if !args.contains(&arg) {
                continue;
            }
            let key = (func_id, want.clone());
            let clone = match clones.get(&key) {
                Some(&c) => c,
                None => {
                    let c = clone_func(b, func_id)?;
                    clones.insert(key, c);
                    c
                }
            };
            let ptr = match ptrs.get(ctx) {
                Some(&p) => p,
                None => {
                    let p = add_ctx_pointer(b, ctx)?;
                    ptrs.insert(ctx, p);
                    p
                }
            };
            let tag = b.add_str(ARG_CTX_TAG.as_bytes())?;
            b.add_decl_tag(tag, clone, arg);
            let proto = b.get(clone).map(|f| f.type_id()).ok_or(Error::Invalid {
                what: "BTF clone",
                offset: 0,
                detail: format!("clone [{clone}] vanished"),
            })?;
            let idx = usize::try_from(arg).map_err(|_| Error::Overflow {
                what: "arg:ctx component_idx",
            })?;
            b.set_param_type(proto, idx, ptr)?;
        }
    }
    for (&func_id, wants) in &variants {
        if wants
            .iter()
            .any(|w| !clones.contains_key(&(func_id, w.clone())))
        {
            return Err(Error::invalid(
                "BTF arg:ctx tags",
                btf.base(),
                format!("no arg:ctx tag of FUNC [{func_id}] matches the rewrite"),
            ));
        }
    }
    Ok(clones)
}

/// The context type kprobe programs get: the kernel's is the typedef `bpf_user_pt_regs_t`.
const KPROBE_CTX: &str = "bpf_user_pt_regs_t";

/// A pointer to the context, in a shape every kernel accepts: `struct <ctx> {}` (matched by name
/// on kernels before 6.8, exactly as on 6.8+), except for kprobe programs.
///
/// There libbpf's `struct bpf_user_pt_regs_t {}` is matched by name before 6.8, but 6.8+ checks
/// tagged arguments itself and wants `struct pt_regs *` or the typedef `bpf_user_pt_regs_t *`
/// (``arg#0 should be `struct pt_regs *` ``), so an object that carries libbpf's shape would stop
/// loading on new kernels. `typedef struct bpf_user_pt_regs_t {} bpf_user_pt_regs_t` passes
/// every check: kernels that resolve the typedef first (6.3+, and stable kernels with that fix)
/// and 6.8+ accept the typedef's name, older ones skip the typedef and accept the struct's name.
/// libbpf's own fallback skips typedefs too and sees its canonical struct: it changes nothing.
fn add_ctx_pointer(b: &mut BtfBuilder, ctx: &str) -> Result<u32> {
    let name = b.add_str(ctx.as_bytes())?;
    let s = b.add_struct(name, 0);
    let target = if ctx == KPROBE_CTX {
        b.push(name, (Kind::Typedef as u32) << 24, s, &[])
    } else {
        s
    };
    Ok(b.add_ptr(target))
}

/// libbpf's `clone_func_btf_info`: a FUNC_PROTO with the original's return and parameters (names
/// included), then a FUNC of the same name and linkage.
fn clone_func(b: &mut BtfBuilder, func_id: u32) -> Result<u32> {
    let bad = |detail: String| Error::Invalid {
        what: "BTF FUNC",
        offset: 0,
        detail,
    };
    let f = b
        .get(func_id)
        .filter(|f| f.kind == Kind::Func)
        .ok_or_else(|| bad(format!("[{func_id}] is not a FUNC")))?;
    let (name_off, linkage, proto_id) = (f.name_off, f.vlen(), f.type_id());
    let proto = b
        .get(proto_id)
        .filter(|p| p.kind == Kind::FuncProto)
        .ok_or_else(|| {
            bad(format!(
                "[{func_id}]'s type [{proto_id}] is not a FUNC_PROTO"
            ))
        })?;
    let ret = proto.type_id();
    let params: Vec<_> = proto.params().collect();
    let new_proto = b.add_func_proto(ret);
    for p in &params {
        b.add_func_param(p.name_off, p.type_id)?;
    }
    Ok(b.add_func(name_off, linkage, new_proto))
}

/// Appending types moves the string section: refuse when a `.rel.BTF` relocation points past the
/// type section (clang's point at DATASEC entries, which do not move).
fn check_btf_relocations(obj: &Object<'_>, btf: &Btf<'_>) -> Result<()> {
    let Some(sec) = obj.elf.section_by_name(".BTF") else {
        return Ok(());
    };
    let h = btf.header();
    let types_end = u64::from(h.hdr_len)
        .saturating_add(u64::from(h.type_off))
        .saturating_add(u64::from(h.type_len));
    for (_, target, rels) in &obj.elf.relocations {
        if *target != sec.index {
            continue;
        }
        if let Some(r) = rels.iter().find(|r| r.offset.saturating_add(4) > types_end) {
            return Err(Error::invalid(
                "ELF relocation offset",
                r.offset,
                format!(
                    "a .BTF relocation points past the type section (which ends at {types_end}); appending types would move its target"
                ),
            ));
        }
    }
    Ok(())
}

/// How many unselected programs are judged one by one when they cannot be judged together.
const MAX_ALONE: usize = 64;

/// The needs of the entry programs that were not selected (each judged as if loaded alone when
/// loading them together fails).
fn unselected_needs(data: &[u8], obj: &Object<'_>, opts: &Options) -> Result<Vec<Need>> {
    let others: Vec<String> = obj
        .entry_programs()
        .filter(|(_, p)| !p.autoload)
        .map(|(_, p)| p.name.clone())
        .collect();
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let run = |programs: Vec<String>| -> Result<Option<Vec<Need>>> {
        let mut o = Object::open(data)?;
        let out = fallback::apply_to(
            &mut o,
            &Options {
                programs,
                ..opts.clone()
            },
        )?;
        if out.error.is_some() {
            return Ok(None);
        }
        collect_needs(&o, &out).map(Some)
    };
    if let Some(n) = run(others.clone())? {
        return Ok(n);
    }
    // Loading them together fails (libbpf stops at the first program that does not link): judge
    // each alone, for a bounded number of programs.
    let mut all = Vec::new();
    for p in others.into_iter().take(MAX_ALONE) {
        if let Ok(Some(n)) = run(vec![p]) {
            all.extend(n);
        }
    }
    Ok(all)
}

/// One sentence per unselected program whose need at a record differs from what the object says.
fn notes(others: &[Need], plan: &BTreeMap<RecKey, Step>, selected: &[Need]) -> Vec<String> {
    let selected: BTreeSet<RecKey> = selected.iter().map(|s| s.key).collect();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for n in others {
        let now = plan.get(&n.key);
        let now_want = now.map_or(&Want::Original, |s| &s.want);
        if *now_want == n.want {
            continue;
        }
        let text = match (now, &n.want) {
            (Some(s), _) => format!(
                "program '{}' (not selected) calls '{}', which now has {} for {}, but needs {}: it will not load from this object",
                n.program,
                n.function,
                describe(&s.want, None),
                s.programs.join(", "),
                describe(&n.want, n.why)
            ),
            (None, Want::Clone { .. }) => {
                let shared = selected.contains(&n.key);
                format!(
                    "program '{}' (not selected) calls '{}', which keeps its compiled type{}: it still needs libbpf's fallback on kernels before 6.8",
                    n.program,
                    n.function,
                    if shared { " for the selected programs" } else { "" }
                )
            }
            (None, Want::Original) => continue,
        };
        if seen.insert(text.clone()) {
            out.push(text);
        }
    }
    out
}
