//! Verdicts libbpf cannot give: will each program of an object load on a given kernel, as far as
//! its subprograms' arguments and `arg:` tags go, and if not, what the verifier will print.
//!
//! [`check`] takes the object's bytes and [`VerdictOptions`] (target kernels, architecture,
//! loader) and returns a [`VerdictReport`]: for every entry program and kernel, the path the load
//! takes (libbpf's fallback before 6.8, the kernel's own `arg:ctx` support from 6.8), how the
//! kernel types every argument of every global subprogram, and the problems that make it refuse
//! the program, in the order the verifier meets them.
//!
//! # The model
//!
//! * **libbpf**: on kernels without native `arg:ctx` libbpf 1.4+ rewrites tagged arguments of
//!   program types with a named context ([`crate::fallback`], byte for byte). [`Loader::Plain`]
//!   models loaders without that fallback (libbpf < 1.4, aya). Before 5.16 the loader rewrites
//!   DECL_TAGs to INTs, before 5.6 it makes global functions static ([`kernel::sanitized`]).
//! * **The kernel** ([`rules`]): a global subprogram's pointer argument is the context when its
//!   struct name is the program type's context name (5.6+; typedef resolution 6.3 and stable;
//!   `sk_buff`/`xdp_buff` 6.4; no anonymous structs from 6.9 and 6.6.y–6.8.y) or when it carries
//!   `arg:ctx` and passes the strict type check (6.8+); other pointers are memory of a known size
//!   (5.12+), maybe NULL unless `arg:nonnull` (6.8+); `arg:trusted`, `arg:nullable`, `arg:arena`
//!   and several tags per argument from 6.9, `arg:untrusted` from 6.17. Tags on static functions
//!   are ignored: the kernel verifies static functions inline with the caller's register types.
//! * **The program** ([`flow`]): which calls pass the program's context, and whether a memory
//!   argument is used before a NULL check or handed to a helper that needs the context.
//! * **DWARF** ([`dwarf`]): subprograms whose calling convention the compiler changed.
//!
//! Kernels up to 6.7 validate every global subprogram before the entry program; 6.8+ validates
//! the entry program first and checks each call's arguments against the callee's prototype. The
//! verdicts were checked against libbpf 1.7 loading every fixture program alone on a 6.18 host
//! and on Debian's 6.1 (`tests/oracle/tests/verdict.rs`).

pub mod dwarf;
mod eval;
pub mod flow;
pub mod helpers;
pub mod kernel;
mod problems;
mod render;
pub mod rules;

pub use kernel::{Feature, FeatureInfo, KernelVersion, FEATURES};
pub use render::{lint_lines, render_text};
pub use rules::{ArgClass, ArgVerdict};

use serde::Serialize;

use crate::fallback::Arch;
use crate::Result;

/// Version of the verdict JSON; bumped only on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

/// The program that loads the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Loader {
    /// libbpf 1.4+ (1.7 reproduced): probes the kernel and applies the `__arg_ctx` fallback when
    /// it lacks native support.
    #[default]
    Libbpf,
    /// A loader without the fallback (libbpf < 1.4, aya, cilium/ebpf): BTF is sent as compiled.
    Plain,
}

/// What to judge.
#[derive(Debug, Clone)]
pub struct VerdictOptions<'a> {
    /// Target kernels, in the order to report them (empty: [`KernelVersion::DEFAULT_SET`]).
    pub kernels: Vec<KernelVersion>,
    /// Target architecture (the struct behind kprobe and perf_event contexts).
    pub arch: Arch,
    /// The loader.
    pub loader: Loader,
    /// Whether the target kernels have their own BTF (`CONFIG_DEBUG_INFO_BTF`). Without it no
    /// argument is recognized as the context by name.
    pub kernel_btf: bool,
    /// Programs to judge (empty: every entry program, autoload on or off).
    pub programs: Vec<String>,
    /// A kernel's BTF (`/sys/kernel/btf/vmlinux`): checks that `arg:trusted`/`arg:untrusted`
    /// pointees exist there. Without it they are assumed to.
    pub vmlinux: Option<&'a [u8]>,
    /// An ELF with DWARF (a `vmlinux` with debug info, a user binary) in which kprobe, uprobe and
    /// fentry targets are looked up for `DW_CC_nocall`.
    pub target_dwarf: Option<&'a [u8]>,
}

impl Default for VerdictOptions<'_> {
    fn default() -> Self {
        VerdictOptions {
            kernels: Vec::new(),
            arch: Arch::X86_64,
            loader: Loader::Libbpf,
            kernel_btf: true,
            programs: Vec::new(),
            vmlinux: None,
            target_dwarf: None,
        }
    }
}

/// Whether a program loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Load {
    /// Nothing about its arguments stops it.
    Yes,
    /// The kernel (or libbpf) refuses it.
    No,
    /// It depends on something argctx cannot see (the target of an freplace program, an analysis
    /// that ran out of budget).
    Unknown,
}

/// One reason a kernel refuses (or warns about) a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The subprogram concerned (None: the program itself).
    pub subprog: Option<String>,
    /// The argument concerned.
    pub arg: Option<u32>,
    /// Stable code (`size_unknown`, `ctx_type_mismatch`, `caller_passes_ctx_to_mem`, …).
    pub code: &'static str,
    /// One line for people.
    pub message: String,
    /// Lines the verifier prints for it (each appears verbatim in the log).
    pub kernel_log: Vec<String>,
    /// Whether the load fails because of it (false: a warning; the load goes on).
    pub fatal: bool,
}

/// One program on one kernel.
#[derive(Debug, Clone, Serialize)]
pub struct KernelVerdict {
    /// The kernel as the user named it (`6.1`, `latest`).
    pub kernel: String,
    /// The release whose rules apply.
    pub version: KernelVersion,
    /// `native` (6.8+: the kernel reads arg:ctx), `fallback` (libbpf's rewrite), `no_fallback`
    /// (a plain loader before 6.8), `inline` (before 5.6: no global functions).
    pub path: &'static str,
    /// The verdict.
    pub load: Load,
    /// Problems, fatal ones in the order the verifier meets them, then warnings.
    pub problems: Vec<Problem>,
    /// The lines of the first fatal problem: what the load's verifier log will contain.
    pub expected_log: Vec<String>,
    /// How the kernel types each global subprogram's arguments.
    pub subprogs: Vec<SubprogArgs>,
    /// Remarks (libbpf's warnings, assumptions).
    pub notes: Vec<String>,
}

/// The arguments of one global subprogram as one kernel types them.
#[derive(Debug, Clone, Serialize)]
pub struct SubprogArgs {
    /// Subprogram name.
    pub subprog: String,
    /// The kernel's `func#` number.
    pub func: usize,
    /// The FUNC type id libbpf sends (a clone after the fallback's rewrite).
    pub type_id: u32,
    /// The prototype as sent.
    pub prototype: String,
    /// Per argument (empty when the kernel refuses the prototype).
    pub args: Vec<ArgVerdict>,
}

/// A subprogram a program calls, independent of the kernel.
#[derive(Debug, Clone, Serialize)]
pub struct SubprogInfo {
    /// Name.
    pub name: String,
    /// The kernel's `func#` number in this program.
    pub func: usize,
    /// `global`, `static`, or `hidden` (global in C, static for the kernel: libbpf marks it).
    pub linkage: &'static str,
    /// The C prototype from BTF.
    pub prototype: String,
    /// `arg:` tags by argument index (without the prefix).
    pub tags: Vec<(u32, Vec<String>)>,
    /// From DWARF: whether the compiler changed its calling convention (None: no DWARF for it).
    pub nocall: Option<bool>,
    /// Remarks (why tags are ignored, what a changed calling convention means here).
    pub notes: Vec<String>,
}

/// One entry program.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramVerdict {
    /// Name.
    pub name: String,
    /// Section without `?`.
    pub section: String,
    /// libbpf's program type name.
    pub prog_type: String,
    /// libbpf's expected attach type name.
    pub expected_attach_type: String,
    /// Loaded by default (false for `SEC("?...")`).
    pub autoload: bool,
    /// The kernel's context type for the program type (`struct xdp_md`, `void *`).
    pub context: Option<String>,
    /// What `arg:ctx` accepts on 6.8+.
    pub arg_ctx_accepts: String,
    /// Subprograms in the kernel's `func#` order.
    pub subprogs: Vec<SubprogInfo>,
    /// Per kernel.
    pub kernels: Vec<KernelVerdict>,
    /// Remarks independent of the kernel.
    pub notes: Vec<String>,
}

/// A target kernel and what changes there.
#[derive(Debug, Clone, Serialize)]
pub struct KernelInfo {
    /// As the user named it.
    pub kernel: String,
    /// The release whose rules apply.
    pub version: KernelVersion,
    /// Whether it reads `arg:ctx` itself.
    pub native_arg_ctx: bool,
    /// The features it has.
    pub features: Vec<Feature>,
    /// What the loader changes in the BTF for it.
    pub sanitized: Vec<&'static str>,
}

/// [`check`]'s result.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictReport {
    /// Contract version.
    pub format_version: u32,
    /// Target architecture.
    pub arch: Arch,
    /// The loader.
    pub loader: Loader,
    /// Whether the kernels are assumed to have their own BTF.
    pub kernel_btf: bool,
    /// The target kernels.
    pub kernels: Vec<KernelInfo>,
    /// Entry programs in libbpf's order.
    pub programs: Vec<ProgramVerdict>,
    /// The object's subprograms from DWARF.
    pub dwarf: Vec<dwarf::DwarfSubprogram>,
    /// Things that limit the verdicts (no DWARF, unreadable inputs).
    pub warnings: Vec<String>,
    /// The release history the verdicts use.
    pub features: Vec<FeatureInfo>,
}

impl VerdictReport {
    /// Whether any judged program fails to load on any kernel.
    pub fn any_failure(&self) -> bool {
        self.programs
            .iter()
            .flat_map(|p| &p.kernels)
            .any(|k| k.load == Load::No)
    }
}

/// Judges every program of the object `data` on every kernel of `opts`.
pub fn check(data: &[u8], opts: &VerdictOptions<'_>) -> Result<VerdictReport> {
    eval::check(data, opts)
}
