//! libbpf-style log lines: what libbpf would print at each level, verbatim where libbpf prints it.

/// A log level, as libbpf's print callback receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `LIBBPF_WARN`.
    Warn,
    /// `LIBBPF_INFO`.
    Info,
    /// `LIBBPF_DEBUG`.
    Debug,
}

/// One line of libbpf-equivalent output (without the trailing newline).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    /// Level.
    pub level: Level,
    /// Text.
    pub text: String,
}

/// Collected log lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Log(pub Vec<LogLine>);

impl Log {
    pub(crate) fn warn(&mut self, text: String) {
        self.0.push(LogLine {
            level: Level::Warn,
            text,
        });
    }
    pub(crate) fn debug(&mut self, text: String) {
        self.0.push(LogLine {
            level: Level::Debug,
            text,
        });
    }
    /// Lines at `Warn` and `Info` (what libbpf's default print callback shows).
    pub fn visible(&self) -> impl Iterator<Item = &LogLine> {
        self.0.iter().filter(|l| l.level <= Level::Info)
    }
}
