//! Kernel versions and the history of the rules for global subprogram arguments: which release
//! introduced what, which fixes were backported to which stable series, and what a loader must
//! sanitize for older kernels.
//!
//! # What the real kernels settle
//!
//! The test command boots Debian's 5.10.223, 6.1.176, 6.12.117 and newest sid (7.2) kernels and
//! runs the host (6.18); every row below is compared with what they do (`tests/agreement`):
//!
//! - [`KernelVersion::btf_features`]: libbpf's BTF probes are sent to each kernel and must give
//!   the table's answer (5.10: no FLOAT, DECL_TAG, TYPE_TAG, ENUM64; 6.1: all but `?` DATASEC
//!   names; 6.12 and later: all).
//! - [`Feature::CtxTypedefResolution`] (approximate: 6.3 with stable backports): 5.10.223 and
//!   6.1.176 accept both `struct pt_regs *` and `bpf_user_pt_regs_t *` for the kprobe context
//!   (`tests/corpus/regs_ctx`), which agrees with the backports; the first point release of each
//!   series is still read from patch dates.
//! - [`Feature::CtxProjections`] (approximate: 6.4): 6.1 refuses and 6.12 accepts untagged
//!   `struct xdp_buff *` and `struct sk_buff *` contexts (`verdict_memory`), which bounds it but
//!   does not pin the release; no booted kernel lies between.
//! - [`Feature::BtfPtrAsMem`] (approximate: 6.8): 6.1 refuses a trusted task pointer for a plain
//!   memory argument (`verdict_tags`' trusted-task programs, whose tags 6.1 does not know); from
//!   6.9 those arguments are `arg:trusted`, so no booted kernel decides the release.
//! - [`Feature::NoAnonCtxInference`] (approximate: 6.9, backported to 6.6.23, 6.7.11, 6.8.2):
//!   6.1.176 still infers the context, 6.12 does not, as the table says.

use std::fmt;

use serde::Serialize;

use crate::btf::sanitize::BtfFeatures;

/// A kernel release: `major.minor`, optionally with the stable point release.
///
/// Without a point release, a version means the newest point release of that series (so stable
/// backports count). Ordering compares `major`, `minor`, then the point release with "newest" last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KernelVersion {
    major: u16,
    minor: u16,
    /// The stable point release; `u32::MAX` for "the newest of the series".
    patch: u32,
}

/// First release whose BTF accepts DATASEC names starting with `?` (libbpf's
/// `FEAT_BTF_QMARK_DATASEC`; the kernel change "Allow all printable characters in BTF DATASEC
/// names" of the 6.7 cycle). Settled as far as the suite's kernels can: Debian's 6.1 refuses the
/// probe, 6.12 accepts it.
const QMARK_DATASEC: (u16, u16) = (6, 7);

/// What `X.Y` without a point release means: the newest point release of the series.
const NEWEST: u32 = u32::MAX;

impl KernelVersion {
    /// The newest release whose rules argctx knows (checked against a real 6.18 kernel); also what
    /// `latest` means.
    pub const LATEST: KernelVersion = KernelVersion::new(6, 18);

    /// The kernels shown when none are named: the long-term series users ask about, the first
    /// release with native `arg:ctx`, and the newest.
    pub const DEFAULT_SET: [KernelVersion; 6] = [
        KernelVersion::new(5, 10),
        KernelVersion::new(5, 15),
        KernelVersion::new(6, 1),
        KernelVersion::new(6, 6),
        KernelVersion::new(6, 8),
        KernelVersion::LATEST,
    ];

    /// `major.minor`, meaning the newest point release of that series.
    pub const fn new(major: u16, minor: u16) -> Self {
        KernelVersion {
            major,
            minor,
            patch: NEWEST,
        }
    }

    /// `major.minor.patch`.
    pub const fn with_patch(major: u16, minor: u16, patch: u32) -> Self {
        KernelVersion {
            major,
            minor,
            patch,
        }
    }

    /// Parses `X.Y`, `X.Y.Z`, a `uname -r` string such as `6.1.0-56-amd64` or `6.18.44-foo`
    /// (anything after the numbers is ignored; a distribution's `X.Y.0-N` counts as the newest
    /// point release of `X.Y`), or `latest`.
    pub fn parse(s: &str) -> Option<KernelVersion> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("latest") {
            return Some(KernelVersion::LATEST);
        }
        let s = s.strip_prefix('v').unwrap_or(s);
        let end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let numeric = s.get(..end)?;
        let mut parts = numeric.split('.').filter(|p| !p.is_empty());
        let major: u16 = parts.next()?.parse().ok()?;
        let minor: u16 = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            None => NEWEST,
            // Distributions number their builds X.Y.0-N: the upstream point release is unknown.
            Some("0") if end < s.len() => NEWEST,
            Some(p) => p.parse().ok()?,
        };
        if parts.next().is_some() && end == s.len() {
            return None;
        }
        Some(KernelVersion {
            major,
            minor,
            patch,
        })
    }

    /// Major number.
    pub fn major(self) -> u16 {
        self.major
    }

    /// Minor number.
    pub fn minor(self) -> u16 {
        self.minor
    }

    /// The point release, when one was given.
    pub fn patch(self) -> Option<u32> {
        (self.patch != NEWEST).then_some(self.patch)
    }

    /// Whether this release is `major.minor` or later (any point release).
    pub fn at_least(self, major: u16, minor: u16) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// Whether the kernel has a change that entered mainline in `since` and was backported to the
    /// stable series in `backports` (`(major, minor, first point release)`).
    fn has(self, since: (u16, u16), backports: &[(u16, u16, u32)]) -> bool {
        if self.at_least(since.0, since.1) {
            return true;
        }
        backports
            .iter()
            .any(|&(ma, mi, p)| self.major == ma && self.minor == mi && self.patch >= p)
    }

    /// Whether `feature` is in this kernel.
    pub fn supports(self, feature: Feature) -> bool {
        let info = feature.info();
        self.has(info.since, info.backports)
    }

    /// The kernel understands `arg:ctx` itself (6.8+): libbpf's feature probe succeeds and it sends
    /// the BTF unchanged; before, libbpf 1.4+ applies its fallback.
    pub fn has_native_arg_ctx(self) -> bool {
        self.supports(Feature::ArgTags)
    }

    /// What libbpf 1.7's BTF probes find on this release, so what it sanitizes. Mainline
    /// releases; the suite compares every row with the probes' answers on Debian's 5.10, 6.1,
    /// 6.12 and sid kernels and on the host (`tests/oracle/tests/differential.rs`).
    pub fn btf_features(self) -> BtfFeatures {
        let at = |major, minor| self.at_least(major, minor);
        BtfFeatures {
            func: at(4, 20),
            datasec: at(5, 2),
            global_func: at(5, 6),
            float: at(5, 13),
            decl_tag: at(5, 16),
            type_tag: at(5, 17),
            enum64: at(6, 0),
            qmark_datasec: at(QMARK_DATASEC.0, QMARK_DATASEC.1),
        }
    }
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch() {
            Some(p) => write!(f, "{}.{}.{p}", self.major, self.minor),
            None => write!(f, "{}.{}", self.major, self.minor),
        }
    }
}

impl Serialize for KernelVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A change in how the kernel (or the loader) treats global subprogram arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Global functions verified on their own, arguments from BTF: scalars and the context by
    /// struct name. Before it libbpf turns global FUNCs static and everything is verified inline.
    GlobalFuncs,
    /// Pointers to sized memory as global function arguments (`PTR_TO_MEM`, maybe NULL).
    PtrToMemArgs,
    /// `BTF_KIND_DECL_TAG` accepted in program BTF; before it the loader rewrites tags to `INT`.
    DeclTagBtf,
    /// A program type whose context is a typedef (kprobe's `bpf_user_pt_regs_t`) also matches the
    /// struct behind it (`struct pt_regs *` on x86-64).
    CtxTypedefResolution,
    /// Untagged `struct sk_buff *` / `struct xdp_buff *` accepted where `__sk_buff` / `xdp_md` is
    /// the context.
    CtxProjections,
    /// `arg:ctx` and `arg:nonnull` read by the verifier, `arg:ctx` types enforced, global
    /// subprograms validated lazily with their names in the log.
    ArgTags,
    /// Several tags per argument, unknown tags and tags on scalars rejected, `arg:trusted`,
    /// `arg:nullable`, `arg:arena`, and an explicit `bpf_user_pt_regs_t` typedef match.
    MultiTags,
    /// No context inferred for pointers to anonymous structs in programs whose context is
    /// `void *` (tracing, LSM, struct_ops, freplace, syscall).
    NoAnonCtxInference,
    /// `arg:untrusted`.
    Untrusted,
    /// Trusted kernel pointers (`PTR_TO_BTF_ID`) accepted for plain memory arguments.
    BtfPtrAsMem,
}

/// When a [`Feature`] arrived and how sure that is.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FeatureInfo {
    /// The feature.
    pub feature: Feature,
    /// First mainline release.
    #[serde(serialize_with = "ser_pair")]
    pub since: (u16, u16),
    /// Stable series that received it, with the first point release that has it.
    #[serde(serialize_with = "ser_triples")]
    pub backports: &'static [(u16, u16, u32)],
    /// Whether the release numbers are approximate (read from patch dates, not tags or a kernel).
    pub approximate: bool,
    /// One sentence.
    pub summary: &'static str,
}

fn ser_triples<S: serde::Serializer>(
    v: &&'static [(u16, u16, u32)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|(a, b, c)| format!("{a}.{b}.{c}")))
}

fn ser_pair<S: serde::Serializer>(v: &(u16, u16), s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{}.{}", v.0, v.1))
}

/// Every feature, oldest first.
pub const FEATURES: [Feature; 10] = [
    Feature::GlobalFuncs,
    Feature::PtrToMemArgs,
    Feature::DeclTagBtf,
    Feature::CtxTypedefResolution,
    Feature::CtxProjections,
    Feature::ArgTags,
    Feature::MultiTags,
    Feature::NoAnonCtxInference,
    Feature::Untrusted,
    Feature::BtfPtrAsMem,
];

impl Feature {
    /// Release data.
    pub fn info(self) -> FeatureInfo {
        let (since, backports, approximate, summary): (_, &'static [(u16, u16, u32)], _, _) =
            match self {
                Feature::GlobalFuncs => ((5, 6), &[], false, "global functions are verified on their own; their arguments may be scalars or the context, recognized by struct name"),
                Feature::PtrToMemArgs => ((5, 12), &[], false, "pointer arguments to sized memory (maybe NULL); before, any other pointer is 'not supported yet'"),
                Feature::DeclTagBtf => ((5, 16), &[], false, "BTF_KIND_DECL_TAG is accepted; older kernels reject kind 17, so the loader rewrites tags to 1-byte INTs"),
                Feature::CtxTypedefResolution => (
                    (6, 3),
                    // Stable releases of March 2023 (review series 6.2.3, 6.1.16, 5.15.99, 5.10.173).
                    &[(6, 2, 3), (6, 1, 16), (5, 15, 99), (5, 10, 173)],
                    true,
                    "a context that is a typedef (kprobe's bpf_user_pt_regs_t) also matches the struct behind it, e.g. struct pt_regs on x86-64",
                ),
                Feature::CtxProjections => ((6, 4), &[], true, "untagged struct sk_buff * and struct xdp_buff * are accepted as the __sk_buff and xdp_md contexts"),
                Feature::ArgTags => ((6, 8), &[], false, "arg:ctx and arg:nonnull are read; arg:ctx types are enforced; global subprograms are validated lazily, after the caller"),
                Feature::MultiTags => ((6, 9), &[], false, "several arg: tags per argument; unknown tags and tags on scalars are rejected; arg:trusted, arg:nullable and arg:arena"),
                Feature::NoAnonCtxInference => (
                    (6, 9),
                    // Queued for the stable series on 2024-03-24 (the releases of that week:
                    // 6.8.2, 6.7.11, 6.6.23); the 6.1 backport broke the build and was dropped,
                    // and Debian's 6.1 indeed still infers the context.
                    &[(6, 8, 2), (6, 7, 11), (6, 6, 23)],
                    true,
                    "a pointer to an anonymous struct is no longer taken for the context of tracing, LSM, struct_ops, freplace and syscall programs",
                ),
                Feature::Untrusted => ((6, 17), &[], false, "arg:untrusted"),
                Feature::BtfPtrAsMem => ((6, 8), &[], true, "a trusted kernel pointer (PTR_TO_BTF_ID) may be passed for a plain memory argument; before, the caller is rejected with 'type=ptr_ expected=fp'"),
            };
        FeatureInfo {
            feature: self,
            since,
            backports,
            approximate,
            summary,
        }
    }
}

/// What a loader must change in the object's BTF before a kernel accepts it, as far as argument
/// tags and global functions go.
pub fn sanitized(k: KernelVersion) -> Vec<&'static str> {
    let mut v = Vec::new();
    if !k.supports(Feature::DeclTagBtf) {
        v.push("every DECL_TAG (kind 17) as a 1-byte INT: the kernel rejects the kind, so arg: tags are invisible to it");
    }
    if !k.supports(Feature::GlobalFuncs) {
        v.push("global FUNCs as static ones: the kernel verifies every subprogram inline with its caller's types");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        assert_eq!(KernelVersion::parse("6.1"), Some(KernelVersion::new(6, 1)));
        assert_eq!(
            KernelVersion::parse("5.10.173"),
            Some(KernelVersion::with_patch(5, 10, 173))
        );
        assert_eq!(
            KernelVersion::parse("6.18.44-fc-v669"),
            Some(KernelVersion::with_patch(6, 18, 44))
        );
        assert_eq!(
            KernelVersion::parse("6.1.0-56-amd64"),
            Some(KernelVersion::new(6, 1))
        );
        assert_eq!(KernelVersion::parse("latest"), Some(KernelVersion::LATEST));
        assert_eq!(KernelVersion::parse("6"), None);
        assert_eq!(KernelVersion::parse("x.y"), None);
        assert_eq!(KernelVersion::parse("1.2.3.4"), None);
        assert_eq!(KernelVersion::parse("99999.1"), None);
    }

    #[test]
    fn backports() {
        let f = Feature::CtxTypedefResolution;
        assert!(KernelVersion::new(6, 1).supports(f));
        assert!(!KernelVersion::with_patch(6, 1, 15).supports(f));
        assert!(KernelVersion::with_patch(6, 1, 16).supports(f));
        assert!(KernelVersion::new(5, 10).supports(f));
        assert!(!KernelVersion::new(5, 11).supports(f));
        assert!(!KernelVersion::new(6, 1).supports(Feature::NoAnonCtxInference));
        assert!(KernelVersion::new(6, 6).supports(Feature::NoAnonCtxInference));
        assert!(!KernelVersion::with_patch(6, 8, 1).supports(Feature::NoAnonCtxInference));
        assert!(!KernelVersion::new(6, 7).has_native_arg_ctx());
        assert!(KernelVersion::new(6, 8).has_native_arg_ctx());
        assert_eq!(KernelVersion::new(6, 8).to_string(), "6.8");
        assert!(KernelVersion::new(6, 1) > KernelVersion::with_patch(6, 1, 200));
    }
}
