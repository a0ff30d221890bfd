//! libbpf's `SEC()` section-name table and the program/attach type names.
//!
//! At open time libbpf gives every BPF program the program type and expected
//! attach type of the first table entry that matches its ELF section name. For
//! the `__arg_ctx` fallback only the program type matters: it selects the
//! context struct (libbpf's `global_ctx_map`) that tagged arguments are
//! rewritten to point at, see [`ProgType::fallback_ctx_struct`].
//!
//! The table is libbpf 1.7.0's built-in table, in its order. Handlers that an
//! application registers at run time (`libbpf_register_prog_handler`) are not
//! modelled.
//!
//! Matching rules, per entry:
//!
//! * an entry ending in `/` matches every name that starts with it;
//! * an entry ending in `+` matches its stem exactly, or the stem followed by
//!   `/` and anything (`kprobe+` matches `kprobe` and `kprobe/do_exit`, not
//!   `kprobex`);
//! * any other entry matches only the exact string.
//!
//! A leading `?` on the ELF section name is removed before the lookup and only
//! turns autoload off; see [`resolve`]. libbpf's public
//! `libbpf_prog_type_by_name` does not remove it; [`find_sec_def`] behaves the
//! same way.

use std::fmt;

/// A BPF program type (uapi `enum bpf_prog_type` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgType(pub u32);

impl ProgType {
    /// `BPF_PROG_TYPE_UNSPEC`
    pub const UNSPEC: ProgType = ProgType(0);
    /// `BPF_PROG_TYPE_SOCKET_FILTER`
    pub const SOCKET_FILTER: ProgType = ProgType(1);
    /// `BPF_PROG_TYPE_KPROBE`
    pub const KPROBE: ProgType = ProgType(2);
    /// `BPF_PROG_TYPE_SCHED_CLS`
    pub const SCHED_CLS: ProgType = ProgType(3);
    /// `BPF_PROG_TYPE_SCHED_ACT`
    pub const SCHED_ACT: ProgType = ProgType(4);
    /// `BPF_PROG_TYPE_TRACEPOINT`
    pub const TRACEPOINT: ProgType = ProgType(5);
    /// `BPF_PROG_TYPE_XDP`
    pub const XDP: ProgType = ProgType(6);
    /// `BPF_PROG_TYPE_PERF_EVENT`
    pub const PERF_EVENT: ProgType = ProgType(7);
    /// `BPF_PROG_TYPE_CGROUP_SKB`
    pub const CGROUP_SKB: ProgType = ProgType(8);
    /// `BPF_PROG_TYPE_CGROUP_SOCK`
    pub const CGROUP_SOCK: ProgType = ProgType(9);
    /// `BPF_PROG_TYPE_LWT_IN`
    pub const LWT_IN: ProgType = ProgType(10);
    /// `BPF_PROG_TYPE_LWT_OUT`
    pub const LWT_OUT: ProgType = ProgType(11);
    /// `BPF_PROG_TYPE_LWT_XMIT`
    pub const LWT_XMIT: ProgType = ProgType(12);
    /// `BPF_PROG_TYPE_SOCK_OPS`
    pub const SOCK_OPS: ProgType = ProgType(13);
    /// `BPF_PROG_TYPE_SK_SKB`
    pub const SK_SKB: ProgType = ProgType(14);
    /// `BPF_PROG_TYPE_CGROUP_DEVICE`
    pub const CGROUP_DEVICE: ProgType = ProgType(15);
    /// `BPF_PROG_TYPE_SK_MSG`
    pub const SK_MSG: ProgType = ProgType(16);
    /// `BPF_PROG_TYPE_RAW_TRACEPOINT`
    pub const RAW_TRACEPOINT: ProgType = ProgType(17);
    /// `BPF_PROG_TYPE_CGROUP_SOCK_ADDR`
    pub const CGROUP_SOCK_ADDR: ProgType = ProgType(18);
    /// `BPF_PROG_TYPE_LWT_SEG6LOCAL`
    pub const LWT_SEG6LOCAL: ProgType = ProgType(19);
    /// `BPF_PROG_TYPE_LIRC_MODE2`
    pub const LIRC_MODE2: ProgType = ProgType(20);
    /// `BPF_PROG_TYPE_SK_REUSEPORT`
    pub const SK_REUSEPORT: ProgType = ProgType(21);
    /// `BPF_PROG_TYPE_FLOW_DISSECTOR`
    pub const FLOW_DISSECTOR: ProgType = ProgType(22);
    /// `BPF_PROG_TYPE_CGROUP_SYSCTL`
    pub const CGROUP_SYSCTL: ProgType = ProgType(23);
    /// `BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE`
    pub const RAW_TRACEPOINT_WRITABLE: ProgType = ProgType(24);
    /// `BPF_PROG_TYPE_CGROUP_SOCKOPT`
    pub const CGROUP_SOCKOPT: ProgType = ProgType(25);
    /// `BPF_PROG_TYPE_TRACING`
    pub const TRACING: ProgType = ProgType(26);
    /// `BPF_PROG_TYPE_STRUCT_OPS`
    pub const STRUCT_OPS: ProgType = ProgType(27);
    /// `BPF_PROG_TYPE_EXT`
    pub const EXT: ProgType = ProgType(28);
    /// `BPF_PROG_TYPE_LSM`
    pub const LSM: ProgType = ProgType(29);
    /// `BPF_PROG_TYPE_SK_LOOKUP`
    pub const SK_LOOKUP: ProgType = ProgType(30);
    /// `BPF_PROG_TYPE_SYSCALL`
    pub const SYSCALL: ProgType = ProgType(31);
    /// `BPF_PROG_TYPE_NETFILTER`
    pub const NETFILTER: ProgType = ProgType(32);

    /// libbpf's name for the type (`libbpf_bpf_prog_type_str`), e.g.
    /// `"socket_filter"`, `"kprobe"`, `"sched_cls"`, `"xdp"`; `None` when the
    /// value is past the last type libbpf 1.7 knows.
    pub fn name(self) -> Option<&'static str> {
        let idx = usize::try_from(self.0).ok()?;
        PROG_TYPE_NAMES.get(idx).copied()
    }

    /// The context struct libbpf's `__arg_ctx` fallback points tagged
    /// arguments at (its `global_ctx_map`); `None` when the type has no
    /// fallback (tracing, LSM, freplace, `struct_ops`, tracepoint, syscall, …).
    ///
    /// For kprobes the name is that of the `bpf_user_pt_regs_t` typedef; libbpf
    /// still emits a struct of that name.
    pub fn fallback_ctx_struct(self) -> Option<&'static str> {
        GLOBAL_CTX_MAP
            .iter()
            .find(|&&(ty, _)| ty == self)
            .map(|&(_, name)| name)
    }
}

impl fmt::Display for ProgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "prog_type({})", self.0),
        }
    }
}

/// Names indexed by program type value.
const PROG_TYPE_NAMES: [&str; 33] = [
    "unspec",
    "socket_filter",
    "kprobe",
    "sched_cls",
    "sched_act",
    "tracepoint",
    "xdp",
    "perf_event",
    "cgroup_skb",
    "cgroup_sock",
    "lwt_in",
    "lwt_out",
    "lwt_xmit",
    "sock_ops",
    "sk_skb",
    "cgroup_device",
    "sk_msg",
    "raw_tracepoint",
    "cgroup_sock_addr",
    "lwt_seg6local",
    "lirc_mode2",
    "sk_reuseport",
    "flow_dissector",
    "cgroup_sysctl",
    "raw_tracepoint_writable",
    "cgroup_sockopt",
    "tracing",
    "struct_ops",
    "ext",
    "lsm",
    "sk_lookup",
    "syscall",
    "netfilter",
];

/// Program type to context struct, in the order libbpf scans it.
const GLOBAL_CTX_MAP: [(ProgType, &str); 25] = [
    (ProgType::CGROUP_DEVICE, "bpf_cgroup_dev_ctx"),
    (ProgType::CGROUP_SKB, "__sk_buff"),
    (ProgType::CGROUP_SOCK, "bpf_sock"),
    (ProgType::CGROUP_SOCK_ADDR, "bpf_sock_addr"),
    (ProgType::CGROUP_SOCKOPT, "bpf_sockopt"),
    (ProgType::CGROUP_SYSCTL, "bpf_sysctl"),
    (ProgType::FLOW_DISSECTOR, "__sk_buff"),
    (ProgType::KPROBE, "bpf_user_pt_regs_t"),
    (ProgType::LWT_IN, "__sk_buff"),
    (ProgType::LWT_OUT, "__sk_buff"),
    (ProgType::LWT_SEG6LOCAL, "__sk_buff"),
    (ProgType::LWT_XMIT, "__sk_buff"),
    (ProgType::NETFILTER, "bpf_nf_ctx"),
    (ProgType::PERF_EVENT, "bpf_perf_event_data"),
    (ProgType::RAW_TRACEPOINT, "bpf_raw_tracepoint_args"),
    (ProgType::RAW_TRACEPOINT_WRITABLE, "bpf_raw_tracepoint_args"),
    (ProgType::SCHED_ACT, "__sk_buff"),
    (ProgType::SCHED_CLS, "__sk_buff"),
    (ProgType::SK_LOOKUP, "bpf_sk_lookup"),
    (ProgType::SK_MSG, "sk_msg_md"),
    (ProgType::SK_REUSEPORT, "sk_reuseport_md"),
    (ProgType::SK_SKB, "__sk_buff"),
    (ProgType::SOCK_OPS, "bpf_sock_ops"),
    (ProgType::SOCKET_FILTER, "__sk_buff"),
    (ProgType::XDP, "xdp_md"),
];

/// A BPF attach type (uapi `enum bpf_attach_type` value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttachType(pub u32);

impl AttachType {
    /// `BPF_CGROUP_INET_INGRESS`; also the value of "no expected attach type".
    pub const CGROUP_INET_INGRESS: AttachType = AttachType(0);
    /// `BPF_CGROUP_INET_EGRESS`
    pub const CGROUP_INET_EGRESS: AttachType = AttachType(1);
    /// `BPF_CGROUP_INET_SOCK_CREATE`
    pub const CGROUP_INET_SOCK_CREATE: AttachType = AttachType(2);
    /// `BPF_CGROUP_SOCK_OPS`
    pub const CGROUP_SOCK_OPS: AttachType = AttachType(3);
    /// `BPF_SK_SKB_STREAM_PARSER`
    pub const SK_SKB_STREAM_PARSER: AttachType = AttachType(4);
    /// `BPF_SK_SKB_STREAM_VERDICT`
    pub const SK_SKB_STREAM_VERDICT: AttachType = AttachType(5);
    /// `BPF_CGROUP_DEVICE`
    pub const CGROUP_DEVICE: AttachType = AttachType(6);
    /// `BPF_SK_MSG_VERDICT`
    pub const SK_MSG_VERDICT: AttachType = AttachType(7);
    /// `BPF_CGROUP_INET4_BIND`
    pub const CGROUP_INET4_BIND: AttachType = AttachType(8);
    /// `BPF_CGROUP_INET6_BIND`
    pub const CGROUP_INET6_BIND: AttachType = AttachType(9);
    /// `BPF_CGROUP_INET4_CONNECT`
    pub const CGROUP_INET4_CONNECT: AttachType = AttachType(10);
    /// `BPF_CGROUP_INET6_CONNECT`
    pub const CGROUP_INET6_CONNECT: AttachType = AttachType(11);
    /// `BPF_CGROUP_INET4_POST_BIND`
    pub const CGROUP_INET4_POST_BIND: AttachType = AttachType(12);
    /// `BPF_CGROUP_INET6_POST_BIND`
    pub const CGROUP_INET6_POST_BIND: AttachType = AttachType(13);
    /// `BPF_CGROUP_UDP4_SENDMSG`
    pub const CGROUP_UDP4_SENDMSG: AttachType = AttachType(14);
    /// `BPF_CGROUP_UDP6_SENDMSG`
    pub const CGROUP_UDP6_SENDMSG: AttachType = AttachType(15);
    /// `BPF_LIRC_MODE2`
    pub const LIRC_MODE2: AttachType = AttachType(16);
    /// `BPF_FLOW_DISSECTOR`
    pub const FLOW_DISSECTOR: AttachType = AttachType(17);
    /// `BPF_CGROUP_SYSCTL`
    pub const CGROUP_SYSCTL: AttachType = AttachType(18);
    /// `BPF_CGROUP_UDP4_RECVMSG`
    pub const CGROUP_UDP4_RECVMSG: AttachType = AttachType(19);
    /// `BPF_CGROUP_UDP6_RECVMSG`
    pub const CGROUP_UDP6_RECVMSG: AttachType = AttachType(20);
    /// `BPF_CGROUP_GETSOCKOPT`
    pub const CGROUP_GETSOCKOPT: AttachType = AttachType(21);
    /// `BPF_CGROUP_SETSOCKOPT`
    pub const CGROUP_SETSOCKOPT: AttachType = AttachType(22);
    /// `BPF_TRACE_RAW_TP`
    pub const TRACE_RAW_TP: AttachType = AttachType(23);
    /// `BPF_TRACE_FENTRY`
    pub const TRACE_FENTRY: AttachType = AttachType(24);
    /// `BPF_TRACE_FEXIT`
    pub const TRACE_FEXIT: AttachType = AttachType(25);
    /// `BPF_MODIFY_RETURN`
    pub const MODIFY_RETURN: AttachType = AttachType(26);
    /// `BPF_LSM_MAC`
    pub const LSM_MAC: AttachType = AttachType(27);
    /// `BPF_TRACE_ITER`
    pub const TRACE_ITER: AttachType = AttachType(28);
    /// `BPF_CGROUP_INET4_GETPEERNAME`
    pub const CGROUP_INET4_GETPEERNAME: AttachType = AttachType(29);
    /// `BPF_CGROUP_INET6_GETPEERNAME`
    pub const CGROUP_INET6_GETPEERNAME: AttachType = AttachType(30);
    /// `BPF_CGROUP_INET4_GETSOCKNAME`
    pub const CGROUP_INET4_GETSOCKNAME: AttachType = AttachType(31);
    /// `BPF_CGROUP_INET6_GETSOCKNAME`
    pub const CGROUP_INET6_GETSOCKNAME: AttachType = AttachType(32);
    /// `BPF_XDP_DEVMAP`
    pub const XDP_DEVMAP: AttachType = AttachType(33);
    /// `BPF_CGROUP_INET_SOCK_RELEASE`
    pub const CGROUP_INET_SOCK_RELEASE: AttachType = AttachType(34);
    /// `BPF_XDP_CPUMAP`
    pub const XDP_CPUMAP: AttachType = AttachType(35);
    /// `BPF_SK_LOOKUP`
    pub const SK_LOOKUP: AttachType = AttachType(36);
    /// `BPF_XDP`
    pub const XDP: AttachType = AttachType(37);
    /// `BPF_SK_SKB_VERDICT`
    pub const SK_SKB_VERDICT: AttachType = AttachType(38);
    /// `BPF_SK_REUSEPORT_SELECT`
    pub const SK_REUSEPORT_SELECT: AttachType = AttachType(39);
    /// `BPF_SK_REUSEPORT_SELECT_OR_MIGRATE`
    pub const SK_REUSEPORT_SELECT_OR_MIGRATE: AttachType = AttachType(40);
    /// `BPF_PERF_EVENT`
    pub const PERF_EVENT: AttachType = AttachType(41);
    /// `BPF_TRACE_KPROBE_MULTI`
    pub const TRACE_KPROBE_MULTI: AttachType = AttachType(42);
    /// `BPF_LSM_CGROUP`
    pub const LSM_CGROUP: AttachType = AttachType(43);
    /// `BPF_STRUCT_OPS`
    pub const STRUCT_OPS: AttachType = AttachType(44);
    /// `BPF_NETFILTER`
    pub const NETFILTER: AttachType = AttachType(45);
    /// `BPF_TCX_INGRESS`
    pub const TCX_INGRESS: AttachType = AttachType(46);
    /// `BPF_TCX_EGRESS`
    pub const TCX_EGRESS: AttachType = AttachType(47);
    /// `BPF_TRACE_UPROBE_MULTI`
    pub const TRACE_UPROBE_MULTI: AttachType = AttachType(48);
    /// `BPF_CGROUP_UNIX_CONNECT`
    pub const CGROUP_UNIX_CONNECT: AttachType = AttachType(49);
    /// `BPF_CGROUP_UNIX_SENDMSG`
    pub const CGROUP_UNIX_SENDMSG: AttachType = AttachType(50);
    /// `BPF_CGROUP_UNIX_RECVMSG`
    pub const CGROUP_UNIX_RECVMSG: AttachType = AttachType(51);
    /// `BPF_CGROUP_UNIX_GETPEERNAME`
    pub const CGROUP_UNIX_GETPEERNAME: AttachType = AttachType(52);
    /// `BPF_CGROUP_UNIX_GETSOCKNAME`
    pub const CGROUP_UNIX_GETSOCKNAME: AttachType = AttachType(53);
    /// `BPF_NETKIT_PRIMARY`
    pub const NETKIT_PRIMARY: AttachType = AttachType(54);
    /// `BPF_NETKIT_PEER`
    pub const NETKIT_PEER: AttachType = AttachType(55);
    /// `BPF_TRACE_KPROBE_SESSION`
    pub const TRACE_KPROBE_SESSION: AttachType = AttachType(56);
    /// `BPF_TRACE_UPROBE_SESSION`
    pub const TRACE_UPROBE_SESSION: AttachType = AttachType(57);
    /// `BPF_TRACE_FSESSION`
    pub const TRACE_FSESSION: AttachType = AttachType(58);

    /// libbpf's name for the type (`libbpf_bpf_attach_type_str`), e.g.
    /// `"cgroup_inet_ingress"`; `None` when the value is past the last type
    /// libbpf 1.7 knows.
    pub fn name(self) -> Option<&'static str> {
        let idx = usize::try_from(self.0).ok()?;
        ATTACH_TYPE_NAMES.get(idx).copied()
    }
}

impl fmt::Display for AttachType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "attach_type({})", self.0),
        }
    }
}

/// Names indexed by attach type value (libbpf 1.7 names every value up to
/// `BPF_TRACE_FSESSION`).
const ATTACH_TYPE_NAMES: [&str; 59] = [
    "cgroup_inet_ingress",
    "cgroup_inet_egress",
    "cgroup_inet_sock_create",
    "cgroup_sock_ops",
    "sk_skb_stream_parser",
    "sk_skb_stream_verdict",
    "cgroup_device",
    "sk_msg_verdict",
    "cgroup_inet4_bind",
    "cgroup_inet6_bind",
    "cgroup_inet4_connect",
    "cgroup_inet6_connect",
    "cgroup_inet4_post_bind",
    "cgroup_inet6_post_bind",
    "cgroup_udp4_sendmsg",
    "cgroup_udp6_sendmsg",
    "lirc_mode2",
    "flow_dissector",
    "cgroup_sysctl",
    "cgroup_udp4_recvmsg",
    "cgroup_udp6_recvmsg",
    "cgroup_getsockopt",
    "cgroup_setsockopt",
    "trace_raw_tp",
    "trace_fentry",
    "trace_fexit",
    "modify_return",
    "lsm_mac",
    "trace_iter",
    "cgroup_inet4_getpeername",
    "cgroup_inet6_getpeername",
    "cgroup_inet4_getsockname",
    "cgroup_inet6_getsockname",
    "xdp_devmap",
    "cgroup_inet_sock_release",
    "xdp_cpumap",
    "sk_lookup",
    "xdp",
    "sk_skb_verdict",
    "sk_reuseport_select",
    "sk_reuseport_select_or_migrate",
    "perf_event",
    "trace_kprobe_multi",
    "lsm_cgroup",
    "struct_ops",
    "netfilter",
    "tcx_ingress",
    "tcx_egress",
    "trace_uprobe_multi",
    "cgroup_unix_connect",
    "cgroup_unix_sendmsg",
    "cgroup_unix_recvmsg",
    "cgroup_unix_getpeername",
    "cgroup_unix_getsockname",
    "netkit_primary",
    "netkit_peer",
    "trace_kprobe_session",
    "trace_uprobe_session",
    "trace_fsession",
];

/// How a table entry matches a section name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecMatch {
    /// The section name must equal the entry.
    Exact,
    /// The entry ends with `/`: any section name starting with it matches.
    Prefix,
    /// The entry ends with `+`: the section name must be the stem (the entry
    /// without `+`), or the stem followed by `/` and anything.
    PlusStem,
}

/// libbpf `SEC` flags (`enum sec_def_flags`), as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SecFlags(pub u32);

impl SecFlags {
    /// `SEC_NONE`: no flag.
    pub const NONE: SecFlags = SecFlags(0);
    /// `SEC_EXP_ATTACH_OPT`: the expected attach type is dropped to 0 on
    /// kernels that do not support expected attach types.
    pub const EXP_ATTACH_OPT: SecFlags = SecFlags(1);
    /// `SEC_ATTACHABLE`: legacy marker, only used for listing names.
    pub const ATTACHABLE: SecFlags = SecFlags(2);
    /// `SEC_ATTACHABLE_OPT`: `ATTACHABLE | EXP_ATTACH_OPT`.
    pub const ATTACHABLE_OPT: SecFlags = SecFlags(3);
    /// `SEC_ATTACH_BTF`: the attach target is a BTF id named by the text
    /// after the first `/`.
    pub const ATTACH_BTF: SecFlags = SecFlags(4);
    /// `SEC_SLEEPABLE`: the program is loaded with `BPF_F_SLEEPABLE`.
    pub const SLEEPABLE: SecFlags = SecFlags(8);
    /// `SEC_XDP_FRAGS`: the XDP program is loaded with `BPF_F_XDP_HAS_FRAGS`.
    pub const XDP_FRAGS: SecFlags = SecFlags(16);
    /// `SEC_USDT`: the expected attach type becomes `BPF_TRACE_UPROBE_MULTI`
    /// when the kernel supports uprobe-multi links.
    pub const USDT: SecFlags = SecFlags(32);

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Both sets of flags.
    pub const fn union(self, other: SecFlags) -> SecFlags {
        SecFlags(self.0 | other.0)
    }

    /// Whether every bit of `other` is set in `self` (true for
    /// [`SecFlags::NONE`]).
    pub const fn contains(self, other: SecFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for SecFlags {
    type Output = SecFlags;

    fn bitor(self, rhs: SecFlags) -> SecFlags {
        self.union(rhs)
    }
}

/// One entry of libbpf's built-in section table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecDef {
    /// The entry as libbpf writes it, including a trailing `+` or `/`.
    pub sec: &'static str,
    /// Program type given to matching programs.
    pub prog_type: ProgType,
    /// Expected attach type given to matching programs (0 when none).
    pub expected_attach_type: AttachType,
    /// The entry's flags.
    pub flags: SecFlags,
}

impl SecDef {
    /// How this entry matches section names (decided by its last character).
    pub fn matching(&self) -> SecMatch {
        if self.sec.ends_with('/') {
            SecMatch::Prefix
        } else if self.sec.ends_with('+') {
            SecMatch::PlusStem
        } else {
            SecMatch::Exact
        }
    }

    /// The entry without a trailing `+` (entries ending in `/` keep it).
    pub fn stem(&self) -> &'static str {
        self.sec.strip_suffix('+').unwrap_or(self.sec)
    }

    /// Whether `sec_name` (already without a leading `?`) matches this entry.
    pub fn matches(&self, sec_name: &str) -> bool {
        match self.matching() {
            SecMatch::Exact => sec_name == self.sec,
            SecMatch::Prefix => sec_name.starts_with(self.sec),
            SecMatch::PlusStem => match sec_name.strip_prefix(self.stem()) {
                Some(rest) => rest.is_empty() || rest.starts_with('/'),
                None => false,
            },
        }
    }

    /// Whether programs of this entry are loaded as sleepable.
    pub fn is_sleepable(&self) -> bool {
        self.flags.contains(SecFlags::SLEEPABLE)
    }
}

/// Table row helper.
const fn def(
    sec: &'static str,
    prog_type: ProgType,
    attach: AttachType,
    flags: SecFlags,
) -> SecDef {
    SecDef {
        sec,
        prog_type,
        expected_attach_type: attach,
        flags,
    }
}

/// No expected attach type (the raw value 0).
const NO_ATTACH: AttachType = AttachType(0);
const NONE: SecFlags = SecFlags::NONE;
const ATTACHABLE: SecFlags = SecFlags::ATTACHABLE;
const ATTACHABLE_OPT: SecFlags = SecFlags::ATTACHABLE_OPT;
const ATTACH_BTF: SecFlags = SecFlags::ATTACH_BTF;
const SLEEPABLE: SecFlags = SecFlags::SLEEPABLE;
const XDP_FRAGS: SecFlags = SecFlags::XDP_FRAGS;
const USDT: SecFlags = SecFlags::USDT;
const BTF_SLEEPABLE: SecFlags = ATTACH_BTF.union(SLEEPABLE);

/// The built-in table, in libbpf 1.7.0's order (first match wins).
#[rustfmt::skip]
pub static SEC_DEFS: &[SecDef] = {
    use AttachType as A;
    use ProgType as P;
    &[
        def("socket", P::SOCKET_FILTER, NO_ATTACH, NONE),
        def("sk_reuseport/migrate", P::SK_REUSEPORT, A::SK_REUSEPORT_SELECT_OR_MIGRATE, ATTACHABLE),
        def("sk_reuseport", P::SK_REUSEPORT, A::SK_REUSEPORT_SELECT, ATTACHABLE),
        def("kprobe+", P::KPROBE, NO_ATTACH, NONE),
        def("uprobe+", P::KPROBE, NO_ATTACH, NONE),
        def("uprobe.s+", P::KPROBE, NO_ATTACH, SLEEPABLE),
        def("kretprobe+", P::KPROBE, NO_ATTACH, NONE),
        def("uretprobe+", P::KPROBE, NO_ATTACH, NONE),
        def("uretprobe.s+", P::KPROBE, NO_ATTACH, SLEEPABLE),
        def("kprobe.multi+", P::KPROBE, A::TRACE_KPROBE_MULTI, NONE),
        def("kretprobe.multi+", P::KPROBE, A::TRACE_KPROBE_MULTI, NONE),
        def("kprobe.session+", P::KPROBE, A::TRACE_KPROBE_SESSION, NONE),
        def("uprobe.multi+", P::KPROBE, A::TRACE_UPROBE_MULTI, NONE),
        def("uretprobe.multi+", P::KPROBE, A::TRACE_UPROBE_MULTI, NONE),
        def("uprobe.session+", P::KPROBE, A::TRACE_UPROBE_SESSION, NONE),
        def("uprobe.multi.s+", P::KPROBE, A::TRACE_UPROBE_MULTI, SLEEPABLE),
        def("uretprobe.multi.s+", P::KPROBE, A::TRACE_UPROBE_MULTI, SLEEPABLE),
        def("uprobe.session.s+", P::KPROBE, A::TRACE_UPROBE_SESSION, SLEEPABLE),
        def("ksyscall+", P::KPROBE, NO_ATTACH, NONE),
        def("kretsyscall+", P::KPROBE, NO_ATTACH, NONE),
        def("usdt+", P::KPROBE, NO_ATTACH, USDT),
        def("usdt.s+", P::KPROBE, NO_ATTACH, USDT.union(SLEEPABLE)),
        def("tc/ingress", P::SCHED_CLS, A::TCX_INGRESS, NONE),
        def("tc/egress", P::SCHED_CLS, A::TCX_EGRESS, NONE),
        def("tcx/ingress", P::SCHED_CLS, A::TCX_INGRESS, NONE),
        def("tcx/egress", P::SCHED_CLS, A::TCX_EGRESS, NONE),
        def("tc", P::SCHED_CLS, NO_ATTACH, NONE),
        def("classifier", P::SCHED_CLS, NO_ATTACH, NONE),
        def("action", P::SCHED_ACT, NO_ATTACH, NONE),
        def("netkit/primary", P::SCHED_CLS, A::NETKIT_PRIMARY, NONE),
        def("netkit/peer", P::SCHED_CLS, A::NETKIT_PEER, NONE),
        def("tracepoint+", P::TRACEPOINT, NO_ATTACH, NONE),
        def("tp+", P::TRACEPOINT, NO_ATTACH, NONE),
        def("raw_tracepoint+", P::RAW_TRACEPOINT, NO_ATTACH, NONE),
        def("raw_tp+", P::RAW_TRACEPOINT, NO_ATTACH, NONE),
        def("raw_tracepoint.w+", P::RAW_TRACEPOINT_WRITABLE, NO_ATTACH, NONE),
        def("raw_tp.w+", P::RAW_TRACEPOINT_WRITABLE, NO_ATTACH, NONE),
        def("tp_btf+", P::TRACING, A::TRACE_RAW_TP, ATTACH_BTF),
        def("fentry+", P::TRACING, A::TRACE_FENTRY, ATTACH_BTF),
        def("fmod_ret+", P::TRACING, A::MODIFY_RETURN, ATTACH_BTF),
        def("fexit+", P::TRACING, A::TRACE_FEXIT, ATTACH_BTF),
        def("fentry.s+", P::TRACING, A::TRACE_FENTRY, BTF_SLEEPABLE),
        def("fmod_ret.s+", P::TRACING, A::MODIFY_RETURN, BTF_SLEEPABLE),
        def("fexit.s+", P::TRACING, A::TRACE_FEXIT, BTF_SLEEPABLE),
        def("fsession+", P::TRACING, A::TRACE_FSESSION, ATTACH_BTF),
        def("fsession.s+", P::TRACING, A::TRACE_FSESSION, BTF_SLEEPABLE),
        def("freplace+", P::EXT, NO_ATTACH, ATTACH_BTF),
        def("lsm+", P::LSM, A::LSM_MAC, ATTACH_BTF),
        def("lsm.s+", P::LSM, A::LSM_MAC, BTF_SLEEPABLE),
        def("lsm_cgroup+", P::LSM, A::LSM_CGROUP, ATTACH_BTF),
        def("iter+", P::TRACING, A::TRACE_ITER, ATTACH_BTF),
        def("iter.s+", P::TRACING, A::TRACE_ITER, BTF_SLEEPABLE),
        def("syscall", P::SYSCALL, NO_ATTACH, SLEEPABLE),
        def("xdp.frags/devmap", P::XDP, A::XDP_DEVMAP, XDP_FRAGS),
        def("xdp/devmap", P::XDP, A::XDP_DEVMAP, ATTACHABLE),
        def("xdp.frags/cpumap", P::XDP, A::XDP_CPUMAP, XDP_FRAGS),
        def("xdp/cpumap", P::XDP, A::XDP_CPUMAP, ATTACHABLE),
        def("xdp.frags", P::XDP, A::XDP, XDP_FRAGS),
        def("xdp", P::XDP, A::XDP, ATTACHABLE_OPT),
        def("perf_event", P::PERF_EVENT, NO_ATTACH, NONE),
        def("lwt_in", P::LWT_IN, NO_ATTACH, NONE),
        def("lwt_out", P::LWT_OUT, NO_ATTACH, NONE),
        def("lwt_xmit", P::LWT_XMIT, NO_ATTACH, NONE),
        def("lwt_seg6local", P::LWT_SEG6LOCAL, NO_ATTACH, NONE),
        def("sockops", P::SOCK_OPS, A::CGROUP_SOCK_OPS, ATTACHABLE_OPT),
        def("sk_skb/stream_parser", P::SK_SKB, A::SK_SKB_STREAM_PARSER, ATTACHABLE_OPT),
        def("sk_skb/stream_verdict", P::SK_SKB, A::SK_SKB_STREAM_VERDICT, ATTACHABLE_OPT),
        def("sk_skb/verdict", P::SK_SKB, A::SK_SKB_VERDICT, ATTACHABLE_OPT),
        def("sk_skb", P::SK_SKB, NO_ATTACH, NONE),
        def("sk_msg", P::SK_MSG, A::SK_MSG_VERDICT, ATTACHABLE_OPT),
        def("lirc_mode2", P::LIRC_MODE2, A::LIRC_MODE2, ATTACHABLE_OPT),
        def("flow_dissector", P::FLOW_DISSECTOR, A::FLOW_DISSECTOR, ATTACHABLE_OPT),
        def("cgroup_skb/ingress", P::CGROUP_SKB, A::CGROUP_INET_INGRESS, ATTACHABLE_OPT),
        def("cgroup_skb/egress", P::CGROUP_SKB, A::CGROUP_INET_EGRESS, ATTACHABLE_OPT),
        def("cgroup/skb", P::CGROUP_SKB, NO_ATTACH, NONE),
        def("cgroup/sock_create", P::CGROUP_SOCK, A::CGROUP_INET_SOCK_CREATE, ATTACHABLE),
        def("cgroup/sock_release", P::CGROUP_SOCK, A::CGROUP_INET_SOCK_RELEASE, ATTACHABLE),
        def("cgroup/sock", P::CGROUP_SOCK, A::CGROUP_INET_SOCK_CREATE, ATTACHABLE_OPT),
        def("cgroup/post_bind4", P::CGROUP_SOCK, A::CGROUP_INET4_POST_BIND, ATTACHABLE),
        def("cgroup/post_bind6", P::CGROUP_SOCK, A::CGROUP_INET6_POST_BIND, ATTACHABLE),
        def("cgroup/bind4", P::CGROUP_SOCK_ADDR, A::CGROUP_INET4_BIND, ATTACHABLE),
        def("cgroup/bind6", P::CGROUP_SOCK_ADDR, A::CGROUP_INET6_BIND, ATTACHABLE),
        def("cgroup/connect4", P::CGROUP_SOCK_ADDR, A::CGROUP_INET4_CONNECT, ATTACHABLE),
        def("cgroup/connect6", P::CGROUP_SOCK_ADDR, A::CGROUP_INET6_CONNECT, ATTACHABLE),
        def("cgroup/connect_unix", P::CGROUP_SOCK_ADDR, A::CGROUP_UNIX_CONNECT, ATTACHABLE),
        def("cgroup/sendmsg4", P::CGROUP_SOCK_ADDR, A::CGROUP_UDP4_SENDMSG, ATTACHABLE),
        def("cgroup/sendmsg6", P::CGROUP_SOCK_ADDR, A::CGROUP_UDP6_SENDMSG, ATTACHABLE),
        def("cgroup/sendmsg_unix", P::CGROUP_SOCK_ADDR, A::CGROUP_UNIX_SENDMSG, ATTACHABLE),
        def("cgroup/recvmsg4", P::CGROUP_SOCK_ADDR, A::CGROUP_UDP4_RECVMSG, ATTACHABLE),
        def("cgroup/recvmsg6", P::CGROUP_SOCK_ADDR, A::CGROUP_UDP6_RECVMSG, ATTACHABLE),
        def("cgroup/recvmsg_unix", P::CGROUP_SOCK_ADDR, A::CGROUP_UNIX_RECVMSG, ATTACHABLE),
        def("cgroup/getpeername4", P::CGROUP_SOCK_ADDR, A::CGROUP_INET4_GETPEERNAME, ATTACHABLE),
        def("cgroup/getpeername6", P::CGROUP_SOCK_ADDR, A::CGROUP_INET6_GETPEERNAME, ATTACHABLE),
        def("cgroup/getpeername_unix", P::CGROUP_SOCK_ADDR, A::CGROUP_UNIX_GETPEERNAME, ATTACHABLE),
        def("cgroup/getsockname4", P::CGROUP_SOCK_ADDR, A::CGROUP_INET4_GETSOCKNAME, ATTACHABLE),
        def("cgroup/getsockname6", P::CGROUP_SOCK_ADDR, A::CGROUP_INET6_GETSOCKNAME, ATTACHABLE),
        def("cgroup/getsockname_unix", P::CGROUP_SOCK_ADDR, A::CGROUP_UNIX_GETSOCKNAME, ATTACHABLE),
        def("cgroup/sysctl", P::CGROUP_SYSCTL, A::CGROUP_SYSCTL, ATTACHABLE),
        def("cgroup/getsockopt", P::CGROUP_SOCKOPT, A::CGROUP_GETSOCKOPT, ATTACHABLE),
        def("cgroup/setsockopt", P::CGROUP_SOCKOPT, A::CGROUP_SETSOCKOPT, ATTACHABLE),
        def("cgroup/dev", P::CGROUP_DEVICE, A::CGROUP_DEVICE, ATTACHABLE_OPT),
        def("struct_ops+", P::STRUCT_OPS, NO_ATTACH, NONE),
        def("struct_ops.s+", P::STRUCT_OPS, NO_ATTACH, SLEEPABLE),
        def("sk_lookup", P::SK_LOOKUP, A::SK_LOOKUP, ATTACHABLE),
        def("netfilter", P::NETFILTER, A::NETFILTER, NONE),
    ]
};

/// Result of resolving an ELF section name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecResolution<'a> {
    /// `false` when the section name starts with `?`.
    pub autoload: bool,
    /// The section name without the leading `?` (the name libbpf reports).
    pub name: &'a str,
    /// The first matching table entry, if any. Without one the program keeps
    /// [`ProgType::UNSPEC`] and expected attach type 0.
    pub def: Option<&'static SecDef>,
}

impl SecResolution<'_> {
    /// The program type the program gets at open time.
    pub fn prog_type(&self) -> ProgType {
        self.def.map_or(ProgType::UNSPEC, |d| d.prog_type)
    }

    /// The expected attach type the program gets at open time.
    pub fn expected_attach_type(&self) -> AttachType {
        self.def.map_or(NO_ATTACH, |d| d.expected_attach_type)
    }
}

/// The first table entry matching `sec_name`, taken as is (a leading `?` is
/// not removed, just as in `libbpf_prog_type_by_name`).
pub fn find_sec_def(sec_name: &str) -> Option<&'static SecDef> {
    SEC_DEFS.iter().find(|d| d.matches(sec_name))
}

/// libbpf's lookup for a program's ELF section: strip one leading `?`
/// (autoload off), then take the first matching entry in table order.
pub fn resolve(section_name: &str) -> SecResolution<'_> {
    let (autoload, name) = match section_name.strip_prefix('?') {
        Some(rest) => (false, rest),
        None => (true, section_name),
    };
    SecResolution {
        autoload,
        name,
        def: find_sec_def(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNMATCHED: SecDef = def("", ProgType::UNSPEC, NO_ATTACH, SecFlags::NONE);

    fn def_of(name: &str) -> SecDef {
        let found = find_sec_def(name);
        assert!(found.is_some(), "no entry matches {name:?}");
        found.copied().unwrap_or(UNMATCHED)
    }

    #[test]
    fn table_size_and_shape() {
        assert_eq!(SEC_DEFS.len(), 105);
        assert_eq!(SEC_DEFS.first().map(|d| d.sec), Some("socket"));
        assert_eq!(SEC_DEFS.last().map(|d| d.sec), Some("netfilter"));
        // No duplicate entries, no entry in the `/` form, no empty entry.
        for (i, d) in SEC_DEFS.iter().enumerate() {
            assert!(!d.sec.is_empty());
            assert_ne!(d.matching(), SecMatch::Prefix, "{}", d.sec);
            assert!(d.prog_type.name().is_some(), "{}", d.sec);
            assert!(d.expected_attach_type.name().is_some(), "{}", d.sec);
            assert!(
                SEC_DEFS.iter().skip(i + 1).all(|o| o.sec != d.sec),
                "duplicate {}",
                d.sec
            );
        }
        let plus = SEC_DEFS
            .iter()
            .filter(|d| d.matching() == SecMatch::PlusStem)
            .count();
        assert_eq!(plus, 42);
    }

    #[test]
    fn every_entry_finds_itself() {
        for d in SEC_DEFS {
            let stem = d.stem();
            assert_eq!(find_sec_def(stem), Some(d), "{stem}");
            if d.matching() == SecMatch::PlusStem {
                let with_target = format!("{stem}/foo");
                assert_eq!(find_sec_def(&with_target), Some(d), "{with_target}");
            }
        }
    }

    #[test]
    fn exact_plus_and_prefix_matching() {
        let exact = def_of("xdp");
        assert_eq!(exact.matching(), SecMatch::Exact);
        assert!(exact.matches("xdp"));
        assert!(!exact.matches("xdp/"));
        assert!(!exact.matches("xdp/foo"));
        assert!(!exact.matches("xdpx"));
        assert!(!exact.matches("xd"));

        let plus = def_of("kprobe");
        assert_eq!(plus.sec, "kprobe+");
        assert_eq!(plus.matching(), SecMatch::PlusStem);
        assert_eq!(plus.stem(), "kprobe");
        assert!(plus.matches("kprobe"));
        assert!(plus.matches("kprobe/"));
        assert!(plus.matches("kprobe/do_sys_open"));
        assert!(plus.matches("kprobe/a/b"));
        assert!(!plus.matches("kprobex"));
        assert!(!plus.matches("kprobe.multi"));
        assert!(!plus.matches("kprob"));
        assert!(!plus.matches(""));

        let prefix = SecDef {
            sec: "custom/",
            prog_type: ProgType::KPROBE,
            expected_attach_type: AttachType(0),
            flags: SecFlags::NONE,
        };
        assert_eq!(prefix.matching(), SecMatch::Prefix);
        assert_eq!(prefix.stem(), "custom/");
        assert!(prefix.matches("custom/"));
        assert!(prefix.matches("custom/x"));
        assert!(!prefix.matches("custom"));
        assert!(!prefix.matches("customx"));
    }

    #[test]
    fn kprobe_family() {
        let r = resolve("kprobe");
        assert_eq!(r.def.map(|d| d.sec), Some("kprobe+"));
        assert_eq!(r.prog_type(), ProgType::KPROBE);
        assert_eq!(r.expected_attach_type(), AttachType(0));

        assert_eq!(resolve("kprobe/x").def.map(|d| d.sec), Some("kprobe+"));
        assert_eq!(resolve("kprobex").def, None);
        assert_eq!(resolve("kprobex").prog_type(), ProgType::UNSPEC);

        let multi = resolve("kprobe.multi/x");
        assert_eq!(multi.def.map(|d| d.sec), Some("kprobe.multi+"));
        assert_eq!(multi.prog_type(), ProgType::KPROBE);
        assert_eq!(multi.expected_attach_type(), AttachType::TRACE_KPROBE_MULTI);

        assert_eq!(resolve("kprobe.multix").def, None);
        assert_eq!(
            resolve("kprobe.session").expected_attach_type(),
            AttachType::TRACE_KPROBE_SESSION
        );
        assert_eq!(
            resolve("kretprobe/x").def.map(|d| d.sec),
            Some("kretprobe+")
        );
    }

    #[test]
    fn question_mark_turns_autoload_off() {
        let r = resolve("?xdp");
        assert!(!r.autoload);
        assert_eq!(r.name, "xdp");
        assert_eq!(r.def.map(|d| d.sec), Some("xdp"));
        assert_eq!(r.prog_type(), ProgType::XDP);
        assert_eq!(r.expected_attach_type(), AttachType::XDP);

        let r = resolve("xdp");
        assert!(r.autoload);
        assert_eq!(r.name, "xdp");

        // Only one '?' is removed.
        let r = resolve("??xdp");
        assert!(!r.autoload);
        assert_eq!(r.name, "?xdp");
        assert_eq!(r.def, None);

        // The raw lookup keeps the '?', like libbpf_prog_type_by_name.
        assert_eq!(find_sec_def("?xdp"), None);

        let r = resolve("?kprobe/do_exit");
        assert!(!r.autoload);
        assert_eq!(r.name, "kprobe/do_exit");
        assert_eq!(r.prog_type(), ProgType::KPROBE);
    }

    #[test]
    fn table_order_decides() {
        let r = resolve("sk_reuseport/migrate");
        assert_eq!(r.def.map(|d| d.sec), Some("sk_reuseport/migrate"));
        assert_eq!(
            r.expected_attach_type(),
            AttachType::SK_REUSEPORT_SELECT_OR_MIGRATE
        );
        let r = resolve("sk_reuseport");
        assert_eq!(r.expected_attach_type(), AttachType::SK_REUSEPORT_SELECT);
        assert_eq!(resolve("sk_reuseport/other").def, None);

        assert_eq!(
            resolve("xdp.frags/devmap").flags(),
            Some(SecFlags::XDP_FRAGS)
        );
        assert_eq!(resolve("xdp/devmap").flags(), Some(SecFlags::ATTACHABLE));
        assert_eq!(
            resolve("xdp/devmap").expected_attach_type(),
            AttachType::XDP_DEVMAP
        );
        assert_eq!(resolve("xdp.frags").expected_attach_type(), AttachType::XDP);
        assert_eq!(resolve("xdp/foo").def, None);
        assert_eq!(resolve("xdp_foo").def, None);

        assert_eq!(
            resolve("sk_skb/stream_parser").expected_attach_type(),
            AttachType::SK_SKB_STREAM_PARSER
        );
        assert_eq!(resolve("sk_skb").expected_attach_type(), AttachType(0));
        assert_eq!(resolve("sk_skb/other").def, None);
        assert_eq!(
            resolve("cgroup/sock").expected_attach_type(),
            AttachType::CGROUP_INET_SOCK_CREATE
        );
        assert_eq!(
            resolve("cgroup/sock_release").expected_attach_type(),
            AttachType::CGROUP_INET_SOCK_RELEASE
        );
    }

    impl SecResolution<'_> {
        fn flags(&self) -> Option<SecFlags> {
            self.def.map(|d| d.flags)
        }
    }

    #[test]
    fn tc_sections() {
        let r = resolve("tc/ingress");
        assert_eq!(r.prog_type(), ProgType::SCHED_CLS);
        assert_eq!(r.expected_attach_type(), AttachType::TCX_INGRESS);
        assert_eq!(
            resolve("tc/egress").expected_attach_type(),
            AttachType::TCX_EGRESS
        );
        assert_eq!(
            resolve("tcx/ingress").expected_attach_type(),
            AttachType::TCX_INGRESS
        );
        assert_eq!(resolve("tc").expected_attach_type(), AttachType(0));
        assert_eq!(resolve("tc").prog_type(), ProgType::SCHED_CLS);
        assert_eq!(resolve("classifier").prog_type(), ProgType::SCHED_CLS);
        assert_eq!(resolve("action").prog_type(), ProgType::SCHED_ACT);
        assert_eq!(resolve("tc/ingressx").def, None);
        assert_eq!(resolve("tc/foo").def, None);
        assert_eq!(
            resolve("netkit/peer").expected_attach_type(),
            AttachType::NETKIT_PEER
        );
    }

    #[test]
    fn non_program_sections_do_not_match() {
        for name in [
            ".text",
            "",
            "?",
            ".data",
            "license",
            ".maps",
            "socketx",
            "socket/foo",
            "syscall/x",
        ] {
            let r = resolve(name);
            assert_eq!(r.def, None, "{name:?}");
            assert_eq!(r.prog_type(), ProgType::UNSPEC);
        }
    }

    #[test]
    fn flags_of_selected_entries() {
        assert_eq!(def_of("usdt.s").flags, SecFlags::USDT | SecFlags::SLEEPABLE);
        assert_eq!(def_of("usdt.s").flags.bits(), 40);
        assert!(def_of("usdt.s").is_sleepable());
        assert!(!def_of("usdt").is_sleepable());
        assert_eq!(def_of("fentry.s/f").flags.bits(), 12);
        assert_eq!(def_of("lsm/f").flags, SecFlags::ATTACH_BTF);
        assert_eq!(def_of("xdp").flags, SecFlags::ATTACHABLE_OPT);
        assert!(SecFlags::ATTACHABLE_OPT.contains(SecFlags::ATTACHABLE));
        assert!(SecFlags::ATTACHABLE_OPT.contains(SecFlags::EXP_ATTACH_OPT));
        assert!(SecFlags::NONE.contains(SecFlags::NONE));
        assert!(!SecFlags::NONE.contains(SecFlags::SLEEPABLE));
        assert!(def_of("syscall").is_sleepable());
        assert_eq!(def_of("syscall").prog_type, ProgType::SYSCALL);
        assert_eq!(def_of("freplace/f").prog_type, ProgType::EXT);
        assert_eq!(
            def_of("fsession.s/f").expected_attach_type,
            AttachType::TRACE_FSESSION
        );
    }

    #[test]
    fn post_1_7_sections_are_absent() {
        for name in [
            "tp.s/a/b",
            "tracepoint.s/a/b",
            "raw_tp.s/x",
            "raw_tracepoint.s/x",
            "tp_btf.s/x",
            "fentry.multi/x",
            "fexit.multi/x",
            "fsession.multi/x",
        ] {
            assert_eq!(resolve(name).def, None, "{name}");
        }
    }

    #[test]
    fn fallback_ctx_structs() {
        let expected = [
            (ProgType::CGROUP_DEVICE, "bpf_cgroup_dev_ctx"),
            (ProgType::CGROUP_SKB, "__sk_buff"),
            (ProgType::CGROUP_SOCK, "bpf_sock"),
            (ProgType::CGROUP_SOCK_ADDR, "bpf_sock_addr"),
            (ProgType::CGROUP_SOCKOPT, "bpf_sockopt"),
            (ProgType::CGROUP_SYSCTL, "bpf_sysctl"),
            (ProgType::FLOW_DISSECTOR, "__sk_buff"),
            (ProgType::KPROBE, "bpf_user_pt_regs_t"),
            (ProgType::LWT_IN, "__sk_buff"),
            (ProgType::LWT_OUT, "__sk_buff"),
            (ProgType::LWT_SEG6LOCAL, "__sk_buff"),
            (ProgType::LWT_XMIT, "__sk_buff"),
            (ProgType::NETFILTER, "bpf_nf_ctx"),
            (ProgType::PERF_EVENT, "bpf_perf_event_data"),
            (ProgType::RAW_TRACEPOINT, "bpf_raw_tracepoint_args"),
            (ProgType::RAW_TRACEPOINT_WRITABLE, "bpf_raw_tracepoint_args"),
            (ProgType::SCHED_ACT, "__sk_buff"),
            (ProgType::SCHED_CLS, "__sk_buff"),
            (ProgType::SK_LOOKUP, "bpf_sk_lookup"),
            (ProgType::SK_MSG, "sk_msg_md"),
            (ProgType::SK_REUSEPORT, "sk_reuseport_md"),
            (ProgType::SK_SKB, "__sk_buff"),
            (ProgType::SOCK_OPS, "bpf_sock_ops"),
            (ProgType::SOCKET_FILTER, "__sk_buff"),
            (ProgType::XDP, "xdp_md"),
        ];
        for (ty, name) in expected {
            assert_eq!(ty.fallback_ctx_struct(), Some(name), "{ty}");
        }
        for ty in [
            ProgType::UNSPEC,
            ProgType::TRACEPOINT,
            ProgType::LIRC_MODE2,
            ProgType::TRACING,
            ProgType::STRUCT_OPS,
            ProgType::EXT,
            ProgType::LSM,
            ProgType::SYSCALL,
            ProgType(33),
            ProgType(u32::MAX),
        ] {
            assert_eq!(ty.fallback_ctx_struct(), None, "{ty}");
        }
        let with_fallback = (0..=40)
            .filter(|&v| ProgType(v).fallback_ctx_struct().is_some())
            .count();
        assert_eq!(with_fallback, 25);
    }

    #[test]
    fn fallback_via_section() {
        assert_eq!(
            resolve("?xdp").prog_type().fallback_ctx_struct(),
            Some("xdp_md")
        );
        assert_eq!(
            resolve("uprobe.multi/x").prog_type().fallback_ctx_struct(),
            Some("bpf_user_pt_regs_t")
        );
        assert_eq!(resolve("fentry/x").prog_type().fallback_ctx_struct(), None);
        assert_eq!(resolve(".text").prog_type().fallback_ctx_struct(), None);
    }

    #[test]
    fn prog_type_names() {
        assert_eq!(ProgType::UNSPEC.name(), Some("unspec"));
        assert_eq!(ProgType::SOCKET_FILTER.name(), Some("socket_filter"));
        assert_eq!(ProgType::KPROBE.name(), Some("kprobe"));
        assert_eq!(ProgType::SCHED_CLS.name(), Some("sched_cls"));
        assert_eq!(ProgType::XDP.name(), Some("xdp"));
        assert_eq!(ProgType::CGROUP_SOCK_ADDR.name(), Some("cgroup_sock_addr"));
        assert_eq!(
            ProgType::RAW_TRACEPOINT_WRITABLE.name(),
            Some("raw_tracepoint_writable")
        );
        assert_eq!(ProgType::EXT.name(), Some("ext"));
        assert_eq!(ProgType::NETFILTER.name(), Some("netfilter"));
        assert_eq!(ProgType(33).name(), None);
        assert_eq!(ProgType(u32::MAX).name(), None);
        assert_eq!(ProgType::TRACING.to_string(), "tracing");
        assert_eq!(ProgType(99).to_string(), "prog_type(99)");
    }

    #[test]
    fn attach_type_names() {
        assert_eq!(AttachType(0).name(), Some("cgroup_inet_ingress"));
        assert_eq!(
            AttachType::CGROUP_INET_SOCK_RELEASE.name(),
            Some("cgroup_inet_sock_release")
        );
        assert_eq!(AttachType::SK_SKB_VERDICT.name(), Some("sk_skb_verdict"));
        assert_eq!(AttachType::MODIFY_RETURN.name(), Some("modify_return"));
        assert_eq!(AttachType::TCX_INGRESS.name(), Some("tcx_ingress"));
        assert_eq!(
            AttachType::TRACE_UPROBE_SESSION.name(),
            Some("trace_uprobe_session")
        );
        assert_eq!(AttachType::TRACE_FSESSION.name(), Some("trace_fsession"));
        assert_eq!(AttachType(59).name(), None);
        assert_eq!(AttachType(u32::MAX).name(), None);
        assert_eq!(AttachType::XDP.to_string(), "xdp");
        assert_eq!(AttachType(77).to_string(), "attach_type(77)");
    }
}
