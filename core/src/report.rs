//! Reports shared by the CLI and the page: the `programs` view, the `explain` view (the JSON
//! contract documented in docs/json-contract.md) and their text renderings.

use std::fmt::Write as _;

use serde::Serialize;

use crate::btf::sanitize::Sanitized;
use crate::btf::{dump, Btf};
use crate::fallback::{self, Arch, ExternDecl, Options, ProgramReport};
use crate::program::{link_summary, Object};
use crate::Result;

/// Version of the JSON contract; bumped only on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// One entry program as libbpf sees it after open and linking.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramSummary {
    /// Name.
    pub name: String,
    /// Section (without `?`).
    pub section: String,
    /// libbpf's program type name.
    pub prog_type: String,
    /// libbpf's expected attach type name (or its number).
    pub expected_attach_type: String,
    /// Autoload.
    pub autoload: bool,
    /// Instructions after linking (0 when linking failed).
    pub insn_cnt: usize,
    /// Reachable subprograms in append order.
    pub subprogs: Vec<String>,
    /// func_info as assembled by libbpf (before any fallback).
    pub func_info: Vec<fallback::FuncInfo>,
    /// line_info record count.
    pub line_info_cnt: usize,
    /// libbpf's linking error, if any.
    pub error: Option<String>,
}

/// `argctx programs`.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramsReport {
    /// Contract version.
    pub format_version: u32,
    /// Entry programs in libbpf's order.
    pub programs: Vec<ProgramSummary>,
    /// `.text` subprograms.
    pub subprograms: Vec<String>,
    /// libbpf's warnings while opening and linking.
    pub warnings: Vec<String>,
}

/// Builds the `programs` view.
pub fn programs(data: &[u8]) -> Result<ProgramsReport> {
    let obj = Object::open(data)?;
    let mut warnings: Vec<String> = obj.log.visible().map(|l| l.text.clone()).collect();
    let mut out = Vec::new();
    for (i, p) in obj.entry_programs() {
        let (insn_cnt, subprogs, func_info, line_info_cnt, error) = match link_summary(&obj, i) {
            Ok(l) => {
                warnings.extend(l.log.visible().map(|x| x.text.clone()));
                (
                    l.insn_cnt,
                    l.subprogs
                        .iter()
                        .filter_map(|(s, _)| obj.programs.get(*s).map(|p| p.name.clone()))
                        .collect(),
                    fallback::records(l.func_info.as_ref()),
                    l.line_info.unwrap_or(0),
                    None,
                )
            }
            Err(e) => {
                warnings.extend(e.log.visible().map(|x| x.text.clone()));
                (0, Vec::new(), Vec::new(), 0, Some(e.message))
            }
        };
        out.push(ProgramSummary {
            name: p.name.clone(),
            section: p.sec_name.clone(),
            prog_type: p.prog_type.name().unwrap_or("unspec").to_string(),
            expected_attach_type: p.expected_attach_type_name(),
            autoload: p.autoload,
            insn_cnt,
            subprogs,
            func_info,
            line_info_cnt,
            error,
        });
    }
    Ok(ProgramsReport {
        format_version: FORMAT_VERSION,
        programs: out,
        subprograms: obj
            .programs
            .iter()
            .filter(|p| p.is_subprog)
            .map(|p| p.name.clone())
            .collect(),
        warnings,
    })
}

/// Renders the `programs` view as text.
pub fn render_programs(r: &ProgramsReport) -> String {
    let mut s = String::new();
    for p in &r.programs {
        let _ = writeln!(
            s,
            "{} (section '{}', type {}, attach {}, autoload {})",
            p.name,
            p.section,
            p.prog_type,
            p.expected_attach_type,
            if p.autoload { "on" } else { "off" }
        );
        if let Some(e) = &p.error {
            let _ = writeln!(s, "  error: {e}");
            continue;
        }
        let _ = writeln!(s, "  instructions: {}", p.insn_cnt);
        let subs = if p.subprogs.is_empty() {
            "(none)".to_string()
        } else {
            p.subprogs.join(", ")
        };
        let _ = writeln!(s, "  subprograms: {subs}");
        let _ = writeln!(
            s,
            "  func_info (insn_off, type_id): {}",
            func_info_text(&p.func_info)
        );
        let _ = writeln!(s, "  line_info: {} records", p.line_info_cnt);
    }
    for w in &r.warnings {
        let _ = writeln!(s, "libbpf: {w}");
    }
    s
}

/// Size and type counts of the BTF before and after.
#[derive(Debug, Clone, Serialize)]
pub struct BtfSummary {
    /// Types (with void) in the object.
    pub original_types: u32,
    /// Types (with void) sent.
    pub types: u32,
    /// Bytes in the object.
    pub original_size: usize,
    /// Bytes sent.
    pub size: usize,
}

/// One entry program in the `explain` view.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainedProgram {
    /// The fallback's report.
    #[serde(flatten)]
    pub report: ProgramReport,
    /// The types this program's fixup added, in bpftool's raw format.
    pub added_btf: String,
}

/// `argctx explain`: what libbpf 1.7 does when it loads the object.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainReport {
    /// Contract version.
    pub format_version: u32,
    /// Target architecture.
    pub arch: Arch,
    /// `fallback` (kernel without native arg:ctx) or `native`.
    pub kernel: &'static str,
    /// Autoloaded entry programs in libbpf's order.
    pub programs: Vec<ExplainedProgram>,
    /// Every warning libbpf prints, in order.
    pub warnings: Vec<String>,
    /// A failure of the whole load.
    pub error: Option<String>,
    /// BTF sizes.
    pub btf: Option<BtfSummary>,
    /// What libbpf's sanitization changed in the BTF it sends, because the kernel lacks a BTF
    /// feature (`--kernel X.Y` before 6.0, or a loader's probes); empty when nothing changed.
    pub sanitized: Vec<Sanitized>,
    /// The object's externs (kfuncs, ksyms, kconfig). libbpf resolves them against the running
    /// kernel at load and fails on a missing strong one; this view does not resolve them.
    pub externs: Vec<ExternDecl>,
}

/// The explain view plus the BTF blob libbpf sends.
#[derive(Debug, Clone)]
pub struct Explained {
    /// The report.
    pub report: ExplainReport,
    /// The BTF as sent.
    pub btf: Option<Vec<u8>>,
}

/// Builds the explain view for `data`.
pub fn explain(data: &[u8], opts: &Options) -> Result<Explained> {
    let fallback::Outcome {
        programs,
        log,
        btf_original,
        btf,
        btf_sanitized,
        sanitized,
        externs,
        error,
        ..
    } = fallback::apply(data, opts)?;
    let btf = btf_sanitized.or(btf);
    let sent = btf.as_deref().and_then(|b| Btf::parse(b).ok());
    let programs = programs
        .into_iter()
        .map(|report| {
            let added_btf = sent
                .as_ref()
                .map(|b| added_types_text(b, &report.added_types))
                .unwrap_or_default();
            ExplainedProgram { report, added_btf }
        })
        .collect();
    let summary = match (&btf_original, &btf) {
        (Some(orig), Some(now)) => Some(BtfSummary {
            original_types: Btf::parse(orig).map_or(0, |b| b.type_cnt()),
            types: sent.as_ref().map_or(0, |b| b.type_cnt()),
            original_size: orig.len(),
            size: now.len(),
        }),
        _ => None,
    };
    drop(sent);
    Ok(Explained {
        report: ExplainReport {
            format_version: FORMAT_VERSION,
            arch: opts.arch,
            kernel: if opts.native { "native" } else { "fallback" },
            programs,
            warnings: log.visible().map(|l| l.text.clone()).collect(),
            error,
            btf: summary,
            sanitized,
            externs,
        },
        btf,
    })
}

/// Most text one program's added types take in the explain view. An object whose programs each
/// clone thousands of tagged functions would otherwise carry megabytes of text per program (3 MB
/// each for 10 000 tagged functions); the whole rewritten BTF stays available as a file.
pub const ADDED_BTF_MAX_TEXT: usize = 256 * 1024;

/// `ids` in bpftool's raw format, cut after [`ADDED_BTF_MAX_TEXT`] bytes with a line saying how
/// many types were left out.
fn added_types_text(btf: &Btf<'_>, ids: &[u32]) -> String {
    let mut text = String::new();
    for (shown, &id) in ids.iter().enumerate() {
        if text.len() >= ADDED_BTF_MAX_TEXT {
            let _ = writeln!(
                text,
                "... {} more added types not shown (argctx rewrite FILE --btf-out OUT, then argctx btf dump OUT, lists them all)",
                ids.len() - shown
            );
            break;
        }
        dump::dump_type(btf, id, &mut text);
    }
    text
}

/// Renders the explain view for people.
pub fn render_explain(r: &ExplainReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Kernel: {}; architecture: {}",
        if r.kernel == "native" {
            "native arg:ctx support (6.8+)"
        } else {
            "no native arg:ctx support (before 6.8): libbpf's fallback"
        },
        r.arch.name()
    );
    if let Some(e) = &r.error {
        let _ = writeln!(s, "Load fails: {e}");
    }
    if !r.sanitized.is_empty() {
        let _ = writeln!(
            s,
            "BTF sanitized for this kernel (libbpf rewrites what the kernel lacks in the copy it sends):"
        );
        for z in &r.sanitized {
            let _ = writeln!(
                s,
                "  {} missing: {} ({} type{})",
                z.feature,
                z.change,
                z.count,
                if z.count == 1 { "" } else { "s" }
            );
        }
    }
    if !r.externs.is_empty() {
        let list: Vec<String> = r
            .externs
            .iter()
            .map(|e| {
                format!(
                    "{} {}{}",
                    e.kind,
                    e.name,
                    if e.weak { " (weak)" } else { "" }
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "Externs: {}. libbpf resolves them against the running kernel when it loads (a missing strong one fails the load); argctx does not check them here.",
            list.join(", ")
        );
    }
    for ep in &r.programs {
        let p = &ep.report;
        let _ = writeln!(
            s,
            "\nprogram {} (section '{}', type {})",
            p.name, p.section, p.prog_type
        );
        match p.ctx_struct {
            Some(c) => {
                let _ = writeln!(s, "  context struct: struct {c}");
            }
            None => {
                let _ = writeln!(
                    s,
                    "  context struct: none (no fallback for this program type)"
                );
            }
        }
        if let Some(e) = &p.error {
            let _ = writeln!(s, "  error: {e}");
            continue;
        }
        let subs = if p.subprogs.is_empty() {
            "(none)".to_string()
        } else {
            let names: Vec<&str> = p.subprogs.iter().map(|n| n.as_str()).collect();
            names.join(", ")
        };
        let _ = writeln!(s, "  subprograms (append order): {subs}");
        for a in &p.args {
            let _ = writeln!(
                s,
                "  arg:ctx {}() arg#{} '{}': {}",
                a.subprog,
                a.arg_index,
                a.arg_name,
                serde_json::to_value(a.decision)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            );
            let _ = writeln!(s, "    {}", a.reason);
            let _ = writeln!(s, "    before: {}", a.before);
            if let Some(after) = &a.after {
                let _ = writeln!(s, "    after:  {after}");
            }
        }
        let _ = writeln!(
            s,
            "  func_info before: {}",
            func_info_text(&p.func_info_before)
        );
        let _ = writeln!(s, "  func_info sent:   {}", func_info_text(&p.func_info));
        if !ep.added_btf.is_empty() {
            let _ = writeln!(s, "  added BTF types:");
            for line in ep.added_btf.lines() {
                let _ = writeln!(s, "    {line}");
            }
        }
        for w in &p.warnings {
            let _ = writeln!(s, "  libbpf: {w}");
        }
    }
    if let Some(b) = &r.btf {
        let _ = writeln!(
            s,
            "\nBTF: {} types, {} bytes in the object; {} types, {} bytes sent",
            b.original_types - 1,
            b.original_size,
            b.types.saturating_sub(1),
            b.size
        );
    }
    s
}

/// func_info records as `{insn_off, type_id}` pairs, or `(none)`.
fn func_info_text(v: &[fallback::FuncInfo]) -> String {
    if v.is_empty() {
        return "(none)".into();
    }
    v.iter()
        .map(|f| format!("{{{}, {}}}", f.insn_off, f.type_id))
        .collect::<Vec<_>>()
        .join(" ")
}
