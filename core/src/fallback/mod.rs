//! libbpf 1.7's `__arg_ctx` fallback (`bpf_program_fixup_func_info`), reproduced byte for byte, plus
//! the other BTF changes libbpf makes before `BPF_BTF_LOAD` (extern collection, DATASEC
//! finalization, hidden functions marked static, sanitization for the kernel's BTF features), and
//! an explanation of every decision.

mod arch;
mod decide;
pub(crate) mod externs;

pub use externs::ExternDecl;

pub use arch::Arch;
pub use decide::{Decision, FixupVerdict};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A string shared between verdicts: one pointer wide (an `Shared` is two), which matters at a
/// million verdicts.
pub type Shared = Arc<String>;

use serde::Serialize;

use crate::btf::cdecl::{declaration, prototype};
use crate::btf::sanitize::{sanitize, BtfFeatures, Sanitized};
use crate::btf::{Btf, BtfBuilder, Kind, LINKAGE_GLOBAL, LINKAGE_STATIC};
use crate::elf::consts as elf;
use crate::error::{Error, Result};
use crate::log::Log;
use crate::program::sec_def::ProgType;
use crate::program::{link_summary, InfoRecords, LinkSummary, Object};

/// The tag libbpf and the kernel look for.
pub const ARG_CTX_TAG: &str = "arg:ctx";

/// Most verdicts (`arg:ctx` tags × loaded programs) one run judges: 4 Mi at 56 bytes is about
/// 235 MB. Every tag is judged for every program, so a small hostile object (thousands of
/// one-instruction programs and thousands of tags) could otherwise ask for gigabytes; real
/// objects stay far below (10 000 tags called from 100 programs is 1 Mi).
pub const MAX_VERDICTS: usize = 1 << 22;

/// What to emulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Programs to load, as if only they were autoloaded; empty: libbpf's default autoload.
    pub programs: Vec<String>,
    /// Target architecture (perf_event's register struct).
    pub arch: Arch,
    /// Whether the kernel supports `arg:ctx` natively (libbpf's feature probe succeeds: 6.8+).
    pub native: bool,
    /// Most verdicts to judge ([`MAX_VERDICTS`] by default); more is an [`Error::Limit`].
    pub max_verdicts: usize,
    /// The BTF features of the kernel (what libbpf's probes find); what it lacks is sanitized in
    /// the BTF sent ([`Outcome::sent_btf`]). Default: everything, nothing sanitized.
    pub btf_features: BtfFeatures,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            programs: Vec::new(),
            arch: Arch::X86_64,
            native: false,
            max_verdicts: MAX_VERDICTS,
            btf_features: BtfFeatures::ALL,
        }
    }
}

impl Options {
    /// Sets the kernel as `--kernel` names it: `fallback` (before 6.8, every BTF feature),
    /// `native` (6.8+), or a release such as `5.10` or `6.1.16`, which decides both whether
    /// libbpf's fallback runs and what its sanitization rewrites. The error says what is accepted.
    pub fn set_kernel(&mut self, kernel: &str) -> std::result::Result<(), String> {
        match kernel {
            "" | "fallback" => {
                self.native = false;
                self.btf_features = BtfFeatures::ALL;
            }
            "native" => {
                self.native = true;
                self.btf_features = BtfFeatures::ALL;
            }
            v => {
                let version = crate::verdict::KernelVersion::parse(v).ok_or_else(|| {
                    format!("unknown kernel '{v}' (one of: fallback, native, or a version X.Y)")
                })?;
                self.native = version.has_native_arg_ctx();
                self.btf_features = version.btf_features();
            }
        }
        Ok(())
    }
}

/// A func_info record as sent to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FuncInfo {
    /// Instruction index in the linked program.
    pub insn_off: u32,
    /// FUNC type id.
    pub type_id: u32,
}

/// The verdict for one `arg:ctx` tag in one program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
///
/// The strings are shared ([`Shared`]): an object with N tags and M programs has N·M verdicts but
/// only N names and prototypes, and one reason per program and decision.
pub struct ArgReport {
    /// The tagged function's name.
    pub subprog: Shared,
    /// The tagged FUNC's type id.
    pub func_id: u32,
    /// The DECL_TAG's type id.
    pub tag_id: u32,
    /// `component_idx` of the tag (-1: the whole function).
    pub arg_index: i32,
    /// The parameter's name ("" when unnamed or out of range).
    pub arg_name: Shared,
    /// What libbpf does.
    pub decision: Decision,
    /// One sentence saying why.
    pub reason: Shared,
    /// The C prototype as compiled.
    pub before: Shared,
    /// The C prototype the kernel verifies after the rewrite (None when nothing changes).
    pub after: Option<Shared>,
}

/// One autoloaded entry program after libbpf's load preparation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramReport {
    /// Program (symbol) name.
    pub name: String,
    /// ELF section name (without `?`).
    pub section: String,
    /// libbpf's program type name (`xdp`, `kprobe`, `sched_cls`, …; `unspec` when unknown).
    pub prog_type: String,
    /// The program type's uapi value.
    pub prog_type_id: u32,
    /// libbpf's expected attach type name, or its number when unnamed.
    pub expected_attach_type: String,
    /// The context struct the fallback points tagged args at (None: no fallback for this type).
    pub ctx_struct: Option<&'static str>,
    /// Instructions after linking.
    pub insn_cnt: usize,
    /// Reachable subprograms in append order.
    pub subprogs: Vec<Shared>,
    /// func_info before the fixup.
    pub func_info_before: Vec<FuncInfo>,
    /// func_info as sent to the kernel.
    pub func_info: Vec<FuncInfo>,
    /// Number of line_info records sent.
    pub line_info_cnt: usize,
    /// Every `arg:ctx` tag of the object, judged for this program.
    pub args: Vec<ArgReport>,
    /// Type ids this program's fixup appended.
    pub added_types: Vec<u32>,
    /// libbpf's warnings for this program, verbatim.
    pub warnings: Vec<String>,
    /// Why linking failed, when it did (libbpf's message).
    pub error: Option<String>,
}

/// The result of emulating libbpf's load preparation.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Autoloaded entry programs in libbpf's order.
    pub programs: Vec<ProgramReport>,
    /// Everything libbpf would print (warnings verbatim).
    pub log: Log,
    /// The object's BTF as compiled.
    pub btf_original: Option<Vec<u8>>,
    /// The object's BTF after libbpf's preparation (`bpf_object__btf` at load time).
    pub btf: Option<Vec<u8>>,
    /// The BTF sent to the kernel (`BPF_BTF_LOAD`) when sanitization changed it; `None` when it is
    /// [`Self::btf`] itself. [`Self::sent_btf`] gives whichever applies.
    pub btf_sanitized: Option<Vec<u8>>,
    /// What the sanitization for [`Options::btf_features`] changed.
    pub sanitized: Vec<Sanitized>,
    /// The object's `__ksym` / `__kconfig` externs. libbpf resolves them against the running
    /// kernel when it loads; argctx does not (a missing strong one fails libbpf's load).
    pub externs: Vec<ExternDecl>,
    /// Type count (with void) before the fixups appended anything.
    pub original_type_cnt: u32,
    /// A failure that makes libbpf's whole load fail (after which nothing is sent).
    pub error: Option<String>,
}

/// Emulates `bpf_object__open_mem` + the load preparation of libbpf 1.7 for `data`.
pub fn apply(data: &[u8], opts: &Options) -> Result<Outcome> {
    let mut obj = Object::open(data)?;
    apply_to(&mut obj, opts)
}

/// As [`apply`], on an opened object (whose autoload flags are changed per `opts.programs`).
pub fn apply_to(obj: &mut Object<'_>, opts: &Options) -> Result<Outcome> {
    if !opts.programs.is_empty() {
        for name in &opts.programs {
            if !obj
                .programs
                .iter()
                .any(|p| !p.is_subprog && &p.name == name)
            {
                return Err(Error::Unsupported(format!(
                    "the object has no program '{name}'"
                )));
            }
        }
        for p in &mut obj.programs {
            p.autoload = opts.programs.contains(&p.name);
        }
    }
    let mut log = obj.log.clone();
    let btf_original = obj.btf.as_ref().map(|b| b.raw().to_vec());
    let mut builder = obj.btf.as_ref().map(BtfBuilder::new);
    let mut externs = Vec::new();
    if let Some(b) = builder.as_mut() {
        // libbpf's open: externs collected (their BTF rewritten), then DATASECs finalized.
        externs = externs::collect_externs(obj, b, &mut log)?;
        finalize_datasecs(obj, b, &mut log)?;
    }
    let original_type_cnt = builder.as_ref().map_or(0, |b| b.type_cnt());

    // Loop A: link every autoloaded entry program. Only what the fixup and the report need is
    // computed: libbpf holds every linked program until load, argctx counts instructions and
    // line_info without copying them, so memory does not grow with programs × linked code.
    let mains: Vec<usize> = obj
        .entry_programs()
        .filter(|(_, p)| p.autoload)
        .map(|(i, _)| i)
        .collect();
    let mut linked: Vec<(usize, std::result::Result<LinkSummary, String>)> = Vec::new();
    let mut error = None;
    for &m in &mains {
        match link_summary(obj, m) {
            Ok(mut l) => {
                log.0.append(&mut l.log.0);
                linked.push((m, Ok(l)));
            }
            Err(e) => {
                log.0.extend(e.log.0.iter().cloned());
                let name = obj.programs.get(m).map_or("", |p| p.name.as_str());
                log.warn(format!(
                    "prog '{name}': failed to relocate calls: {}",
                    e.message
                ));
                error = Some(e.message.clone());
                linked.push((m, Err(e.message)));
                break;
            }
        }
    }

    // Loop B: the fixup, program by program, on the one shared BTF.
    let names: Vec<Shared> = obj
        .programs
        .iter()
        .map(|p| Arc::new(p.name.clone()))
        .collect();
    let hidden: HashSet<Shared> = obj
        .programs
        .iter()
        .zip(&names)
        .filter(|(p, _)| p.mark_btf_static && p.is_subprog)
        .map(|(_, n)| n.clone())
        .collect();
    let tags = builder.as_ref().map_or_else(Vec::new, Tag::all);
    if tags.len().saturating_mul(linked.len()) > opts.max_verdicts {
        return Err(Error::Limit {
            what: "arg:ctx verdicts (tags × loaded programs)",
            limit: opts.max_verdicts as u64,
        });
    }
    let mut after_cache = HashMap::new();
    let mut first_rec = vec![u32::MAX; original_type_cnt as usize];
    let mut programs = Vec::new();
    for (m, l) in linked {
        let Some(prog) = obj.programs.get(m) else {
            continue;
        };
        let mut report = ProgramReport {
            name: prog.name.clone(),
            section: prog.sec_name.clone(),
            prog_type: prog.prog_type.name().unwrap_or("unspec").to_string(),
            prog_type_id: prog.prog_type.0,
            expected_attach_type: prog.expected_attach_type_name(),
            ctx_struct: prog.prog_type.fallback_ctx_struct(),
            insn_cnt: 0,
            subprogs: Vec::new(),
            func_info_before: Vec::new(),
            func_info: Vec::new(),
            line_info_cnt: 0,
            args: Vec::new(),
            added_types: Vec::new(),
            warnings: Vec::new(),
            error: None,
        };
        match l {
            Err(msg) => report.error = Some(msg),
            Ok(mut lp) => {
                report.insn_cnt = lp.insn_cnt;
                report.subprogs = lp
                    .subprogs
                    .iter()
                    .filter_map(|&(i, _)| names.get(i).cloned())
                    .collect();
                report.line_info_cnt = lp.line_info.unwrap_or(0);
                report.func_info_before = records(lp.func_info.as_ref());
                if let Some(b) = builder.as_mut() {
                    let before = b.type_cnt();
                    let mut ctx = FixupCtx {
                        tags: &tags,
                        after_cache: &mut after_cache,
                        first_rec: &mut first_rec,
                        hidden: &hidden,
                        btf: b,
                        opts,
                        prog_name: &prog.name,
                        prog_type: prog.prog_type,
                        log: &mut log,
                        report: &mut report,
                        original_type_cnt,
                    };
                    ctx.run(&mut lp.func_info).map_err(|e| {
                        Error::Unsupported(format!(
                            "prog '{}': failed to perform .BTF.ext fix ups: {e}",
                            prog.name
                        ))
                    })?;
                    report.added_types = (before..b.type_cnt()).collect();
                }
                report.func_info = records(lp.func_info.as_ref());
                // libbpf sends func_info as it is; the kernel then refuses records that do not
                // name a FUNC. Say so rather than let a report name types the BTF lacks.
                if let Some(b) = builder.as_ref() {
                    let bad = report.func_info.iter().enumerate().find(|(_, f)| {
                        b.get(f.type_id)
                            .is_none_or(|t| t.kind != Kind::Func || f.type_id == 0)
                    });
                    if let Some((i, f)) = bad {
                        report.error = Some(format!(
                            "func_info record #{i} (insn {}) names type {}, which is not a FUNC in the BTF: the kernel rejects the program",
                            f.insn_off, f.type_id
                        ));
                    }
                }
            }
        }
        programs.push(report);
    }

    if let Some(b) = builder.as_mut() {
        mark_hidden_static(obj, b);
    }
    let btf = builder.map(BtfBuilder::into_bytes);
    // libbpf sanitizes a copy made from the prepared BTF's raw bytes, and sends the copy.
    let (btf_sanitized, sanitized) = match &btf {
        Some(raw) if opts.btf_features.needs_sanitization() => {
            let mut copy = BtfBuilder::new(&Btf::parse(raw)?);
            let done = sanitize(&mut copy, opts.btf_features)?;
            (Some(copy.into_bytes()), done)
        }
        _ => (None, Vec::new()),
    };
    Ok(Outcome {
        programs,
        log,
        btf_original,
        btf,
        btf_sanitized,
        sanitized,
        externs,
        original_type_cnt,
        error,
    })
}

impl Outcome {
    /// The BTF libbpf sends to the kernel: the sanitized copy when the kernel lacks features,
    /// else the prepared BTF.
    pub fn sent_btf(&self) -> Option<&[u8]> {
        self.btf_sanitized.as_deref().or(self.btf.as_deref())
    }
}

/// func_info records as `(insn_off, type_id)` pairs.
pub(crate) fn records(func_info: Option<&InfoRecords>) -> Vec<FuncInfo> {
    func_info
        .map(|f| {
            f.pairs()
                .into_iter()
                .map(|(insn_off, type_id)| FuncInfo { insn_off, type_id })
                .collect()
        })
        .unwrap_or_default()
}

/// libbpf's `btf_fixup_datasec` for every DATASEC: sizes of 0 taken from the ELF section, global
/// variable offsets from their symbols, hidden variables made static, entries sorted by offset.
fn finalize_datasecs(obj: &Object<'_>, b: &mut BtfBuilder, log: &mut Log) -> Result<()> {
    // libbpf searches the symbol table linearly for each variable; the first match wins.
    let mut var_syms: HashMap<&[u8], &crate::elf::Symbol<'_>> = HashMap::new();
    for s in &obj.elf.symbols {
        if s.kind == elf::STT_OBJECT && matches!(s.bind, elf::STB_GLOBAL | elf::STB_WEAK) {
            var_syms.entry(s.name.as_bytes()).or_insert(s);
        }
    }
    for id in 1..b.type_cnt() {
        let Some(t) = b.get(id).filter(|t| t.kind == Kind::Datasec) else {
            continue;
        };
        let sec_name =
            String::from_utf8_lossy(b.str_at(t.name_off).unwrap_or_default()).into_owned();
        let mut vars: Vec<_> = t.datasec_vars().collect();
        let mut size = t.size();
        let fail = |msg: String| Error::Unsupported(msg);
        if sec_name != ".kconfig" && sec_name != ".ksyms" {
            let mut fixup_offsets = false;
            if size == 0 {
                let sec_size = obj.elf.section_by_name(&sec_name).map_or(0, |s| s.size);
                if sec_size == 0 || sec_size > u64::from(u32::MAX) {
                    log.debug(format!("sec '{sec_name}': failed to determine size from ELF: size {sec_size}, err -2"));
                    return Err(fail(format!(
                        "sec '{sec_name}': failed to determine size from ELF"
                    )));
                }
                size = sec_size as u32;
                fixup_offsets = true;
            }
            for v in &mut vars {
                let Some(var) = b.get(v.type_id).filter(|x| x.kind == Kind::Var) else {
                    return Err(fail(format!(
                        "sec '{sec_name}': unexpected non-VAR type found"
                    )));
                };
                let linkage = var.var_linkage().unwrap_or(0);
                if linkage == 0 || linkage == 2 {
                    continue;
                }
                let var_name = b.str_at(var.name_off).unwrap_or_default().to_vec();
                let var_id = var.id;
                let sym = var_syms.get(var_name.as_slice()).copied();
                let Some(sym) = sym else {
                    return Err(fail(format!(
                        "sec '{sec_name}': failed to find ELF symbol for VAR '{}'",
                        String::from_utf8_lossy(&var_name)
                    )));
                };
                if fixup_offsets {
                    v.offset = sym.value as u32;
                }
                if matches!(sym.visibility, elf::STV_HIDDEN | elf::STV_INTERNAL) {
                    // VAR linkage (static: 0) is the 4-byte record after the common header.
                    b.set_trailing_word(var_id, 0, 0)?;
                }
            }
        }
        vars.sort_by_key(|v| v.offset);
        b.set_size_or_type(id, size)?;
        for (i, v) in vars.into_iter().enumerate() {
            b.set_datasec_var(id, i, v)?;
        }
    }
    Ok(())
}

/// libbpf's marking of hidden global subprograms: the first GLOBAL FUNC of that name becomes STATIC.
fn mark_hidden_static(obj: &Object<'_>, b: &mut BtfBuilder) {
    for p in obj
        .programs
        .iter()
        .filter(|p| p.mark_btf_static && p.is_subprog)
    {
        let found = (1..b.type_cnt()).find(|&id| {
            b.get(id).is_some_and(|t| {
                t.kind == Kind::Func
                    && t.vlen() == LINKAGE_GLOBAL
                    && b.str_at(t.name_off) == Some(p.name.as_bytes())
            })
        });
        if let Some(id) = found {
            let info = ((Kind::Func as u32) << 24) | LINKAGE_STATIC;
            let _ = b.set_info(id, info);
        }
    }
}

/// One of the object's own `arg:ctx` DECL_TAGs, with what every program's verdict on it shares.
struct Tag {
    id: u32,
    /// `component_idx` (-1: the whole function).
    arg_idx: i32,
    /// The type the tag names (a FUNC unless the object is broken).
    fn_id: u32,
    /// The function's name ("" when it is not a FUNC).
    fname: Shared,
    /// The parameter's name ("" when unnamed or out of range).
    arg_name: Shared,
    /// The C prototype as compiled.
    before: Shared,
}

impl Tag {
    /// The object's own `arg:ctx` tags in id order. The original types never change during the
    /// fixup (only clones are edited), so names and prototypes are computed once.
    fn all(b: &BtfBuilder) -> Vec<Tag> {
        let mut before: HashMap<u32, Shared> = HashMap::new();
        let text = |off: u32| -> Shared {
            Arc::new(String::from_utf8_lossy(b.str_at(off).unwrap_or_default()).into_owned())
        };
        (1..b.type_cnt())
            .filter_map(|id| {
                let t = b.get(id)?;
                if t.kind != Kind::DeclTag || b.str_at(t.name_off) != Some(ARG_CTX_TAG.as_bytes()) {
                    return None;
                }
                let arg_idx = t.component_idx().unwrap_or(-1);
                let fn_id = t.type_id();
                let f = b.get(fn_id);
                let func = f.filter(|f| f.kind == Kind::Func);
                let fname = func.map_or_else(Shared::default, |f| text(f.name_off));
                let arg_name = f
                    .and_then(|f| b.get(f.type_id()))
                    .filter(|p| p.kind == Kind::FuncProto && arg_idx >= 0)
                    .and_then(|p| p.param(arg_idx as usize))
                    .map_or_else(Shared::default, |p| text(p.name_off));
                let before = before
                    .entry(fn_id)
                    .or_insert_with(|| {
                        Arc::new(match f {
                            Some(f) if f.kind == Kind::Func => prototype(b, fn_id),
                            Some(t) => declaration(b, t.id, ""),
                            None => format!("<type {fn_id}>"),
                        })
                    })
                    .clone();
                Some(Tag {
                    id,
                    arg_idx,
                    fn_id,
                    fname,
                    arg_name,
                    before,
                })
            })
            .collect()
    }
}

/// The prototype after a tag's rewrite is the same text for every program of the same type on the
/// same architecture: which of the function's earlier tags were rewritten too depends only on the
/// BTF, the program type (its context struct) and the architecture, once the function is reached.
type AfterKey = (u32, ProgType, Arch);

struct FixupCtx<'r> {
    /// The object's own `arg:ctx` DECL_TAGs, in id order.
    tags: &'r [Tag],
    /// C prototypes after the rewrite, shared by all programs.
    after_cache: &'r mut HashMap<AfterKey, Shared>,
    /// For every original type id, the first func_info record naming it (`u32::MAX`: none);
    /// filled per program and cleared after it, so its cost follows the records, not the types.
    first_rec: &'r mut Vec<u32>,
    /// Subprograms with hidden visibility (libbpf marks their FUNC static after the fixup).
    hidden: &'r HashSet<Shared>,
    btf: &'r mut BtfBuilder,
    opts: &'r Options,
    prog_name: &'r str,
    prog_type: ProgType,
    log: &'r mut Log,
    report: &'r mut ProgramReport,
    original_type_cnt: u32,
}

impl FixupCtx<'_> {
    /// `bpf_program_fixup_func_info` for one program, recording a verdict for every tag.
    ///
    /// libbpf scans every type of the (growing) BTF and looks each tag's function up linearly in
    /// func_info. Tags appended by earlier programs point at clones, which no func_info of the
    /// object names, so scanning only the object's own tags (in id order) and indexing func_info
    /// by type id yields the same bytes in time linear in tags + records.
    fn run(&mut self, func_info: &mut Option<InfoRecords>) -> std::result::Result<(), String> {
        let named: Vec<u32> = func_info
            .as_ref()
            .map(|f| f.pairs().into_iter().map(|(_, t)| t).collect())
            .unwrap_or_default();
        // Records naming types past the original ones (only in broken objects) go to a map.
        let mut beyond: HashMap<u32, usize> = HashMap::new();
        for (i, &t) in named.iter().enumerate() {
            match self.first_rec.get_mut(t as usize) {
                Some(slot) if *slot == u32::MAX => *slot = u32::try_from(i).unwrap_or(u32::MAX),
                Some(_) => {}
                None => {
                    beyond.entry(t).or_insert(i);
                }
            }
        }
        let result = self.judge_tags(func_info, &beyond);
        for &t in &named {
            if let Some(slot) = self.first_rec.get_mut(t as usize) {
                *slot = u32::MAX;
            }
        }
        result
    }

    /// The loop of [`Self::run`] over the tags, with `first_rec` filled for this program.
    fn judge_tags(
        &mut self,
        func_info: &mut Option<InfoRecords>,
        beyond: &HashMap<u32, usize>,
    ) -> std::result::Result<(), String> {
        // Only needed when the program has no func_info; built on first use.
        let mut reachable: Option<HashSet<Shared>> = None;
        let mut reasons: HashMap<(Decision, bool), Shared> = HashMap::new();
        let ctx_name = self.prog_type.fallback_ctx_struct();
        let mut ptr_id = 0u32;
        // One verdict per tag and program: N·M of them, so no growth slack.
        self.report.args.reserve_exact(self.tags.len());
        for tag in self.tags {
            let (arg_idx, orig_fn_id) = (tag.arg_idx, tag.fn_id);
            let fn_t = self.btf.get(orig_fn_id).filter(|f| f.kind == Kind::Func);
            let rec_idx = match self.first_rec.get(orig_fn_id as usize) {
                Some(&i) if i != u32::MAX => Some(i as usize),
                Some(_) => None,
                None => beyond.get(&orig_fn_id).copied(),
            };
            let verdict = match fn_t {
                Some(f) => {
                    let proto = self
                        .btf
                        .get(f.type_id())
                        .filter(|p| p.kind == Kind::FuncProto);
                    let reached = |d| {
                        if rec_idx.is_some() {
                            d
                        } else {
                            Decision::NotReachable
                        }
                    };
                    if f.vlen() != LINKAGE_GLOBAL {
                        Some(Decision::StaticFunction)
                    } else if proto.is_none() {
                        Some(Decision::NotAFunction)
                    } else if func_info.is_none() {
                        let reachable = reachable.get_or_insert_with(|| {
                            std::iter::once(Arc::new(self.prog_name.to_string()))
                                .chain(self.report.subprogs.iter().cloned())
                                .collect()
                        });
                        Some(if reachable.contains(&tag.fname) {
                            Decision::NoFuncInfo
                        } else {
                            Decision::NotReachable
                        })
                    } else if self.opts.native {
                        Some(reached(Decision::NativeSupport))
                    } else if ctx_name.is_none() {
                        Some(reached(Decision::NoNamedContext))
                    } else if rec_idx.is_none() {
                        Some(Decision::NotReachable)
                    } else {
                        let cnt = i64::from(proto.map_or(0, |p| p.vlen()));
                        if arg_idx < 0 {
                            Some(Decision::WholeFunction)
                        } else if i64::from(arg_idx) >= cnt {
                            Some(Decision::OutOfRange)
                        } else {
                            None
                        }
                    }
                }
                None => Some(Decision::NotAFunction),
            };
            let decision = match verdict {
                Some(d) => d,
                None => {
                    // The tag passed libbpf's filters: decide as need_func_arg_type_fixup does.
                    let param_type = fn_t
                        .and_then(|f| self.btf.get(f.type_id()))
                        .and_then(|p| p.param(arg_idx as usize))
                        .map_or(0, |p| p.type_id);
                    let ctx = ctx_name.unwrap_or_default();
                    match decide::need_fixup(
                        self.btf,
                        self.prog_type,
                        self.opts.arch,
                        param_type,
                        ctx,
                    ) {
                        FixupVerdict::Fix => {
                            self.rewrite(
                                func_info,
                                rec_idx.unwrap_or(0),
                                orig_fn_id,
                                arg_idx,
                                ctx,
                                &mut ptr_id,
                            )?;
                            Decision::Rewritten
                        }
                        FixupVerdict::Canonical => Decision::AlreadyCanonical,
                        FixupVerdict::Warn => {
                            let fname = if tag.fname.is_empty() {
                                "<anon>"
                            } else {
                                &tag.fname
                            };
                            let w = format!(
                                "prog '{}': subprog '{fname}' arg#{arg_idx} is expected to be of `struct {ctx} *` type",
                                self.prog_name,
                            );
                            self.log.warn(w.clone());
                            self.report.warnings.push(w);
                            Decision::MismatchedType
                        }
                    }
                }
            };
            // Tags naming a type that does not exist are left to the validator.
            if orig_fn_id >= self.original_type_cnt {
                continue;
            }
            let hidden = decision == Decision::Rewritten && self.hidden.contains(&tag.fname);
            let reason = reasons
                .entry((decision, hidden))
                .or_insert_with(|| {
                    let mut r = decide::reason(
                        decision,
                        self.prog_type,
                        ctx_name,
                        self.opts.arch,
                        &self.report.name,
                    );
                    if hidden {
                        r.push_str(
                            " The function has hidden visibility: libbpf later marks the original FUNC static, but this copy stays global, so here it is verified as a global function while programs without the rewrite verify it as static.",
                        );
                    }
                    Arc::new(r)
                })
                .clone();
            let after = if decision == Decision::Rewritten {
                let key = (tag.id, self.prog_type, self.opts.arch);
                let clone = rec_idx
                    .and_then(|i| func_info.as_ref().and_then(|f| f.words(i)))
                    .map(|(_, t)| t);
                match (self.after_cache.get(&key), clone) {
                    (Some(text), _) => Some(text.clone()),
                    (None, Some(c)) => {
                        let text: Shared = Arc::new(prototype(self.btf, c));
                        self.after_cache.insert(key, text.clone());
                        Some(text)
                    }
                    (None, None) => None,
                }
            } else {
                None
            };
            self.report.args.push(ArgReport {
                subprog: tag.fname.clone(),
                func_id: orig_fn_id,
                tag_id: tag.id,
                arg_index: arg_idx,
                arg_name: tag.arg_name.clone(),
                decision,
                reason,
                before: tag.before.clone(),
                after,
            });
        }
        Ok(())
    }

    /// Steps 7–10 of libbpf's loop: clone once per function, the ctx struct and pointer once per
    /// program, a DECL_TAG per fixed argument, then point the clone's parameter at the pointer.
    fn rewrite(
        &mut self,
        func_info: &mut Option<InfoRecords>,
        rec_idx: usize,
        orig_fn_id: u32,
        arg_idx: i32,
        ctx_name: &str,
        ptr_id: &mut u32,
    ) -> std::result::Result<(), String> {
        let fi = func_info.as_mut().ok_or("no func_info")?;
        let (_, cur) = fi.words(rec_idx).ok_or("func_info record out of range")?;
        let clone_id = if cur == orig_fn_id {
            let id = self.clone_func(orig_fn_id)?;
            fi.set_second_word(rec_idx, id);
            id
        } else {
            cur
        };
        if *ptr_id == 0 {
            let name = self
                .btf
                .add_str(ctx_name.as_bytes())
                .map_err(|e| e.to_string())?;
            let s = self.btf.add_struct(name, 0);
            *ptr_id = self.btf.add_ptr(s);
        }
        let tag = self
            .btf
            .add_str(ARG_CTX_TAG.as_bytes())
            .map_err(|e| e.to_string())?;
        self.btf.add_decl_tag(tag, clone_id, arg_idx);
        let proto = self
            .btf
            .get(clone_id)
            .map(|f| f.type_id())
            .ok_or("clone vanished")?;
        self.btf
            .set_param_type(proto, arg_idx as usize, *ptr_id)
            .map_err(|e| e.to_string())
    }

    /// libbpf's `clone_func_btf_info`.
    fn clone_func(&mut self, orig_fn_id: u32) -> std::result::Result<u32, String> {
        let f = self.btf.get(orig_fn_id).ok_or("no FUNC")?;
        let (name_off, linkage, proto_id) = (f.name_off, f.vlen(), f.type_id());
        let proto = self.btf.get(proto_id).ok_or("no FUNC_PROTO")?;
        let ret = proto.type_id();
        let params: Vec<_> = proto.params().collect();
        let new_proto = self.btf.add_func_proto(ret);
        for p in &params {
            self.btf
                .add_func_param(0, p.type_id)
                .map_err(|e| e.to_string())?;
        }
        for (i, p) in params.iter().enumerate() {
            self.btf
                .set_param_name(new_proto, i, p.name_off)
                .map_err(|e| e.to_string())?;
        }
        // libbpf names the clone after the entry program first (empty names are refused), which
        // interns that name; then it restores the original name.
        self.btf
            .add_str(self.prog_name.as_bytes())
            .map_err(|e| e.to_string())?;
        let func = self.btf.add_func(0, linkage, new_proto);
        self.btf
            .set_name_off(func, name_off)
            .map_err(|e| e.to_string())?;
        Ok(func)
    }
}

/// Parses the BTF an [`Outcome`] sends (for dumping added types).
pub fn sent_btf(outcome: &Outcome) -> Option<Btf<'_>> {
    outcome.btf.as_deref().and_then(|b| Btf::parse(b).ok())
}
