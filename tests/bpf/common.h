/* Shared declarations for the BPF fixtures: fixed-width types, the __arg_* tags, uapi constants and the
 * few context structs the fixtures use (x86_64 layouts), declared here so objects do not depend on the
 * host kernel or on the multiarch uapi headers. */
#ifndef ARGCTX_FIXTURES_COMMON_H
#define ARGCTX_FIXTURES_COMMON_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

#include <bpf/bpf_helpers.h>

/* Argument tags understood by the kernel's global subprogram verifier (BTF decl tags on parameters).
 * Older bpf_helpers.h (libbpf < 1.4) lacks them; newer ones define the same attributes. */
#ifndef __arg_ctx
#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))
#endif
#ifndef __arg_nonnull
#define __arg_nonnull __attribute__((btf_decl_tag("arg:nonnull")))
#endif
#ifndef __arg_nullable
#define __arg_nullable __attribute__((btf_decl_tag("arg:nullable")))
#endif
#ifndef __arg_trusted
#define __arg_trusted __attribute__((btf_decl_tag("arg:trusted")))
#endif
#ifndef __arg_untrusted
#define __arg_untrusted __attribute__((btf_decl_tag("arg:untrusted")))
#endif
#ifndef __arg_arena
#define __arg_arena __attribute__((btf_decl_tag("arg:arena")))
#endif

/* uapi values (include/uapi/linux/bpf.h, linux/pkt_cls.h). */
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_ARRAY 2
#define BPF_MAP_TYPE_PERF_EVENT_ARRAY 4
#define BPF_MAP_TYPE_PERCPU_ARRAY 6
#define BPF_ANY 0
#define BPF_F_CURRENT_CPU 0xffffffffULL
#define XDP_DROP 1
#define XDP_PASS 2
#define TC_ACT_OK 0
#define CGROUP_SKB_ALLOW 1

/* struct pt_regs as the x86_64 kernel lays it out (21 eight-byte registers, 168 bytes). */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

/* The kprobe/perf_event register view: a typedef of struct pt_regs on x86_64. */
typedef struct pt_regs bpf_user_pt_regs_t;

/* Context of BPF_PROG_TYPE_PERF_EVENT. */
struct bpf_perf_event_data {
	bpf_user_pt_regs_t regs;
	__u64 sample_period;
	__u64 addr;
};

/* Output buffer of bpf_perf_prog_read_value(). */
struct bpf_perf_event_value {
	__u64 counter;
	__u64 enabled;
	__u64 running;
};

/* Context of BPF_PROG_TYPE_RAW_TRACEPOINT. */
struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

/* Context of BPF_PROG_TYPE_XDP. */
struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

/* Context of the skb program types. Leading members only: the verifier checks access offsets against
 * the real layout and compares context structs by name, never by size. */
struct __sk_buff {
	__u32 len;
	__u32 pkt_type;
	__u32 mark;
	__u32 queue_mapping;
	__u32 protocol;
	__u32 vlan_present;
	__u32 vlan_tci;
	__u32 vlan_proto;
	__u32 priority;
	__u32 ingress_ifindex;
	__u32 ifindex;
};

#endif /* ARGCTX_FIXTURES_COMMON_H */
