//! The loader's errors: per program ([`ProgramError`]), per object ([`LoadError`]), and the
//! BTF load failure programs survive ([`BtfError`]).

use std::fmt;
use std::io;

/// Why something cannot be prepared: not implemented here, or refused as libbpf refuses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    Unsupported(String),
    Invalid(String),
}

impl From<String> for Problem {
    fn from(s: String) -> Self {
        Problem::Invalid(s)
    }
}

impl From<&str> for Problem {
    fn from(s: &str) -> Self {
        Problem::Invalid(s.to_string())
    }
}

/// Why one program did not load.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgramError {
    /// The program needs something this loader does not implement.
    Unsupported {
        /// Program name.
        program: String,
        /// What, and where.
        detail: String,
    },
    /// The program cannot be prepared (libbpf refuses it too).
    Prepare {
        /// Program name.
        program: String,
        /// Why.
        detail: String,
    },
    /// The kernel refused the program.
    Kernel {
        /// Program name.
        program: String,
        /// The error number of `BPF_PROG_LOAD`.
        errno: i32,
        /// The verifier's log (empty when the kernel wrote none).
        log: String,
    },
}

impl ProgramError {
    /// The kernel's error number, when the kernel refused the program.
    pub fn errno(&self) -> Option<i32> {
        match self {
            ProgramError::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// The verifier's log, when the kernel refused the program.
    pub fn verifier_log(&self) -> Option<&str> {
        match self {
            ProgramError::Kernel { log, .. } => Some(log),
            _ => None,
        }
    }

    /// The program's name.
    pub fn program(&self) -> &str {
        match self {
            ProgramError::Unsupported { program, .. }
            | ProgramError::Prepare { program, .. }
            | ProgramError::Kernel { program, .. } => program,
        }
    }

    /// What went wrong, without the program's name.
    pub fn reason(&self) -> String {
        match self {
            ProgramError::Unsupported { detail, .. } | ProgramError::Prepare { detail, .. } => {
                detail.clone()
            }
            ProgramError::Kernel { errno, .. } => format!(
                "the kernel refused it: {}",
                io::Error::from_raw_os_error(*errno)
            ),
        }
    }

    /// The last `lines` non-empty lines of the verifier's log.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(self.verifier_log().unwrap_or(""), lines)
    }
}

/// The last `n` non-empty lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines
        .get(lines.len().saturating_sub(n)..)
        .unwrap_or_default()
        .join("\n")
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "prog '{}': {}", self.program(), self.reason())
    }
}

impl std::error::Error for ProgramError {}

/// Why the object as a whole could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// The bytes are not a BPF object argctx can read.
    Parse(crate::Error),
    /// A requested program does not exist.
    NoSuchProgram(String),
    /// libbpf's preparation fails (relocation, fixup or map definition error).
    Prepare(String),
    /// The object needs something this loader does not implement.
    Unsupported(String),
    /// The kernel rejected the object's BTF and [`super::Loader::require_btf`] asked for an
    /// error rather than a load without it.
    BtfRejected(String),
    /// A map could not be created or initialised.
    Map {
        /// libbpf's name of the map.
        name: String,
        /// The failing step.
        step: &'static str,
        /// The error number.
        errno: i32,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Parse(e) => write!(f, "cannot open the object: {e}"),
            LoadError::NoSuchProgram(n) => write!(f, "the object has no program '{n}'"),
            LoadError::Prepare(m) => write!(f, "{m}"),
            LoadError::Unsupported(m) => write!(f, "{m}"),
            LoadError::BtfRejected(r) => write!(
                f,
                "the kernel rejected the object's BTF ({r}); not loading without it (require_btf)"
            ),
            LoadError::Map { name, step, errno } => write!(
                f,
                "map '{name}': failed to {step}: {}",
                io::Error::from_raw_os_error(*errno)
            ),
        }
    }
}

impl std::error::Error for LoadError {}

impl From<Problem> for LoadError {
    fn from(p: Problem) -> Self {
        match p {
            Problem::Unsupported(m) => LoadError::Unsupported(m),
            Problem::Invalid(m) => LoadError::Prepare(m),
        }
    }
}

/// The BTF load failed; programs were loaded without BTF (libbpf does the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BtfError {
    /// The error number of `BPF_BTF_LOAD`.
    pub errno: i32,
    /// The kernel's BTF log.
    pub log: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_keep_last_non_empty_lines() {
        assert_eq!(tail("a\n\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("", 3), "");
        assert_eq!(tail("x", 0), "");
    }
}
