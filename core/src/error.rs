//! The core's one error type: every failure names what was being read and where.

use std::fmt;

/// An error from decoding, validating or rewriting a BPF object.
///
/// `offset` is a byte offset into the input that was being read (the ELF file, the `.BTF` section, or
/// the `.BTF.ext` section, as `what` says).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The data ended before a field could be read.
    UnexpectedEof {
        /// The field being read.
        what: &'static str,
        /// Where the read started.
        offset: u64,
    },
    /// A field holds a value the format or the kernel does not allow.
    Invalid {
        /// The field.
        what: &'static str,
        /// Where the field is.
        offset: u64,
        /// Why the value is wrong.
        detail: String,
    },
    /// An arithmetic overflow while computing an offset or a size from input values.
    Overflow {
        /// The quantity being computed.
        what: &'static str,
    },
    /// A limit argctx enforces to bound time and memory was exceeded.
    Limit {
        /// The limited quantity.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// The input is not something argctx handles (for example not an eBPF ELF object).
    Unsupported(String),
}

impl Error {
    pub(crate) fn invalid(what: &'static str, offset: u64, detail: impl Into<String>) -> Self {
        Error::Invalid {
            what,
            offset,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnexpectedEof { what, offset } => {
                write!(
                    f,
                    "unexpected end of data reading {what} at offset {offset}"
                )
            }
            Error::Invalid {
                what,
                offset,
                detail,
            } => write!(f, "invalid {what} at offset {offset}: {detail}"),
            Error::Overflow { what } => write!(f, "{what} overflows"),
            Error::Limit { what, limit } => write!(f, "{what} exceeds the limit of {limit}"),
            Error::Unsupported(msg) => write!(f, "unsupported input: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `a + b` for values derived from input, labelled for the error.
pub(crate) fn add(a: usize, b: usize, what: &'static str) -> Result<usize> {
    a.checked_add(b).ok_or(Error::Overflow { what })
}

/// `a * b` for values derived from input, labelled for the error.
pub(crate) fn mul(a: usize, b: usize, what: &'static str) -> Result<usize> {
    a.checked_mul(b).ok_or(Error::Overflow { what })
}
