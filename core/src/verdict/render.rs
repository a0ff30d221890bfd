//! Text for people: the per-kernel matrix with its reasons, and one-line lint problems.

use std::fmt::Write as _;

use super::{KernelVersion, Load, VerdictReport};

fn load_word(l: Load) -> &'static str {
    match l {
        Load::Yes => "yes",
        Load::No => "NO",
        Load::Unknown => "?",
    }
}

/// The matrix (program × kernel) followed by every problem and remark.
pub fn render_text(r: &VerdictReport) -> String {
    let mut s = String::new();
    let kernels: Vec<&str> = r.kernels.iter().map(|k| k.kernel.as_str()).collect();
    let name_w = r
        .programs
        .iter()
        .map(|p| p.name.len() + usize::from(!p.autoload))
        .chain([7])
        .max()
        .unwrap_or(7);
    let type_w = r
        .programs
        .iter()
        .map(|p| p.prog_type.len())
        .chain([4])
        .max()
        .unwrap_or(4);
    let _ = write!(s, "{:name_w$}  {:type_w$}", "program", "type");
    for k in &kernels {
        let _ = write!(s, "  {k:>6}");
    }
    s.push('\n');
    for p in &r.programs {
        let shown = if p.autoload {
            p.name.clone()
        } else {
            format!("?{}", p.name)
        };
        let _ = write!(s, "{shown:name_w$}  {:type_w$}", p.prog_type);
        for k in &p.kernels {
            let _ = write!(s, "  {:>6}", load_word(k.load));
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "(loader: {}; architecture: {}; ?name: autoload off; paths: before 6.8 {}, from 6.8 the kernel reads arg:ctx)",
        match r.loader {
            super::Loader::Libbpf => "libbpf 1.4+",
            super::Loader::Plain => "without the __arg_ctx fallback",
        },
        r.arch.name(),
        match r.loader {
            super::Loader::Libbpf => "libbpf rewrites tagged context arguments",
            super::Loader::Plain => "tags are ignored",
        }
    );
    for k in r.kernels.iter().filter(|k| !k.sanitized.is_empty()) {
        for z in &k.sanitized {
            let _ = writeln!(s, "(kernel {}: the loader sends {z})", k.kernel);
        }
    }
    for p in &r.programs {
        let _ = writeln!(
            s,
            "\nprogram {} (section '{}', type {}, context {})",
            p.name,
            p.section,
            p.prog_type,
            p.context.as_deref().unwrap_or("unknown")
        );
        let _ = writeln!(s, "  arg:ctx accepts (6.8+): {}", p.arg_ctx_accepts);
        for sp in &p.subprogs {
            let tags = if sp.tags.is_empty() {
                String::new()
            } else {
                format!(
                    " [{}]",
                    sp.tags
                        .iter()
                        .map(|(i, t)| format!("arg#{i}: {}", t.join(", ")))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            };
            let _ = writeln!(
                s,
                "  func#{} {} ({}){}{}",
                sp.func,
                sp.prototype,
                sp.linkage,
                tags,
                if sp.nocall == Some(true) {
                    " DW_CC_nocall"
                } else {
                    ""
                }
            );
            for n in &sp.notes {
                let _ = writeln!(s, "    note: {n}");
            }
        }
        for n in &p.notes {
            let _ = writeln!(s, "  note: {n}");
        }
        // Group kernels with the same outcome so the reasons print once.
        let mut groups: Vec<(Vec<&str>, &super::KernelVerdict)> = Vec::new();
        for k in &p.kernels {
            let same = groups.iter_mut().find(|(_, g)| {
                g.load == k.load
                    && g.path == k.path
                    && g.problems == k.problems
                    && g.notes == k.notes
                    && args_equal(g, k)
            });
            match same {
                Some((ks, _)) => ks.push(&k.kernel),
                None => groups.push((vec![&k.kernel], k)),
            }
        }
        for (ks, k) in groups {
            let _ = writeln!(
                s,
                "  kernel {} ({}): {}",
                ks.join(", "),
                k.path,
                match k.load {
                    Load::Yes => "loads",
                    Load::No => "FAILS",
                    Load::Unknown => "unknown",
                }
            );
            for sa in &k.subprogs {
                for a in &sa.args {
                    let _ = writeln!(
                        s,
                        "    {}() arg#{} `{}`: {:?}, {}",
                        sa.subprog, a.index, a.decl, a.class, a.how
                    );
                }
            }
            for pb in &k.problems {
                let _ = writeln!(
                    s,
                    "    {}: {}{}",
                    if pb.fatal { "error" } else { "warning" },
                    pb.subprog
                        .as_ref()
                        .map(|n| format!(
                            "subprog '{n}'{}: ",
                            pb.arg.map(|a| format!(" arg#{a}")).unwrap_or_default()
                        ))
                        .unwrap_or_default(),
                    pb.message
                );
            }
            if !k.expected_log.is_empty() {
                let _ = writeln!(s, "    verifier log: {}", k.expected_log.join(" | "));
            }
            for n in &k.notes {
                let _ = writeln!(s, "    note: {n}");
            }
        }
    }
    let _ = writeln!(s, "\nrelease history used (~: approximate):");
    for f in &r.features {
        let back = if f.backports.is_empty() {
            String::new()
        } else {
            format!(
                " (stable: {})",
                f.backports
                    .iter()
                    .map(|(a, b, c)| format!("{a}.{b}.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = writeln!(
            s,
            "  {}{}.{}{back}: {}",
            if f.approximate { "~" } else { "" },
            f.since.0,
            f.since.1,
            f.summary
        );
    }
    for w in &r.warnings {
        let _ = writeln!(s, "\nwarning: {w}");
    }
    s
}

fn args_equal(a: &super::KernelVerdict, b: &super::KernelVerdict) -> bool {
    a.subprogs.len() == b.subprogs.len()
        && a.subprogs
            .iter()
            .zip(&b.subprogs)
            .all(|(x, y)| x.subprog == y.subprog && x.args == y.args)
}

/// One line per fatal problem (and per warning with `warnings`), for programs selected by
/// `include`, on kernels at least `min`: `FILE: prog 'x': subprog 'y' arg#0: <problem> (kernel
/// X.Y)`. Kernels with the same problem share a line.
pub fn lint_lines(
    file: &str,
    r: &VerdictReport,
    min: Option<KernelVersion>,
    include: &dyn Fn(&super::ProgramVerdict) -> bool,
    warnings: bool,
) -> Vec<String> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for p in r.programs.iter().filter(|p| include(p)) {
        for k in &p.kernels {
            if min.is_some_and(|m| k.version < m) {
                continue;
            }
            let mut push = |text: String| match out.iter_mut().find(|(t, _)| *t == text) {
                Some((_, ks)) => ks.push(k.kernel.clone()),
                None => out.push((text, vec![k.kernel.clone()])),
            };
            for pb in k.problems.iter().filter(|pb| pb.fatal || warnings) {
                let mut t = format!("prog '{}'", p.name);
                if let Some(sp) = &pb.subprog {
                    let _ = write!(t, ": subprog '{sp}'");
                    if let Some(a) = pb.arg {
                        let _ = write!(t, " arg#{a}");
                    }
                }
                let _ = write!(
                    t,
                    ": {}{}",
                    if pb.fatal { "" } else { "warning: " },
                    pb.message
                );
                push(t);
            }
            if k.load == Load::Unknown && warnings {
                push(format!(
                    "prog '{}': warning: the verdict is unknown ({})",
                    p.name,
                    k.notes.first().map_or("see the report", String::as_str)
                ));
            }
        }
    }
    let mut lines: Vec<String> = out
        .into_iter()
        .map(|(t, ks)| format!("{file}: {t} (kernel {})", ks.join(", ")))
        .collect();
    if warnings {
        // Kernel-independent: calling conventions the compiler changed.
        for p in r.programs.iter().filter(|p| include(p)) {
            for sp in p.subprogs.iter().filter(|sp| sp.nocall == Some(true)) {
                if let Some(n) = sp.notes.iter().find(|n| n.starts_with("DW_CC_nocall")) {
                    lines.push(format!(
                        "{file}: prog '{}': subprog '{}': warning: {n}",
                        p.name, sp.name
                    ));
                }
            }
            for n in p.notes.iter().filter(|n| n.contains("DW_CC_nocall")) {
                lines.push(format!("{file}: prog '{}': warning: {n}", p.name));
            }
        }
    }
    lines
}
