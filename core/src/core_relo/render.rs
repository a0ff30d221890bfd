//! The text view of a [`CoreReport`].

use super::{CoreReport, Outcome};
use std::fmt::Write;

/// One line per relocation, then the patched instructions of each program.
pub fn render_text(r: &CoreReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} CO-RE relocation(s) against a target BTF of {} types",
        r.relocations.len(),
        r.target_types
    );
    for x in &r.relocations {
        let _ = write!(
            s,
            "\n{} relo #{} prog '{}' insn #{}: <{}> {} + {}\n",
            x.section,
            x.index,
            x.program,
            x.insn,
            x.kind.name(),
            x.type_name,
            x.access
        );
        if !x.local_spec.is_empty() {
            let _ = writeln!(s, "  local:  {}", x.local_spec);
        }
        if !x.candidates.is_empty() {
            let c: Vec<String> = x.candidates.iter().map(|c| format!("[{c}]")).collect();
            let _ = writeln!(s, "  candidates: {}", c.join(" "));
        }
        if !x.target_spec.is_empty() {
            let _ = writeln!(s, "  target: {}", x.target_spec);
        }
        let _ = match &x.outcome {
            Outcome::Patched {
                orig,
                new,
                mem_size,
            } => match mem_size {
                Some(m) => writeln!(s, "  patched {orig} -> {new}, access size now {m} bytes"),
                None => writeln!(s, "  patched {orig} -> {new}"),
            },
            Outcome::Poisoned { reason } => writeln!(s, "  poisoned (call 0xbad2310): {reason}"),
            Outcome::Skipped { reason } => writeln!(s, "  skipped: {reason}"),
            Outcome::Failed { message, errno } => writeln!(s, "  FAILED ({errno}): {message}"),
        };
    }
    for p in &r.programs {
        let _ = write!(s, "\nprog '{}' ({}) after relocation:\n", p.name, p.section);
        for (i, insn) in p.insns.iter().enumerate() {
            let _ = writeln!(s, "  {i:4}: {insn}");
        }
    }
    match &r.error {
        Some(e) => {
            let _ = write!(s, "\nerror: {e}\n");
        }
        None => s.push_str("\nok: every relocation applied\n"),
    }
    s
}
