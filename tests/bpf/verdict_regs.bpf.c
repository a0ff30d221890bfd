/* Covers: context arguments of kprobe, perf_event and raw_tp programs matched by struct name
 * (untagged, every kernel since 5.6; kprobe's bpf_user_pt_regs_t typedef resolved to struct
 * pt_regs since 6.3 and stable) and arg:ctx types those program types refuse. Programs that load
 * on every kernel are autoloaded; the others are SEC("?..."). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} vr_events SEC(".maps");

/* The arm64/powerpc/loongarch register struct: not the x86-64 context. */
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};

struct vr_any {
	__u64 x;
};

/* kprobe, untagged. */
__noinline int kp_regs(struct pt_regs *r)
{
	return bpf_get_func_ip(r) & 1;
}

__noinline int kp_typedef(bpf_user_pt_regs_t *r)
{
	return bpf_get_func_ip(r) & 1;
}

__noinline int kp_user_regs(struct user_pt_regs *r)
{
	return bpf_get_func_ip(r) & 1;
}

/* kprobe, tagged with a type kprobes do not accept. */
__noinline int kp_user_regs_tagged(struct user_pt_regs *r __arg_ctx)
{
	return bpf_get_func_ip(r) & 1;
}

SEC("kprobe/do_unlinkat")
int kprobe_regs_untagged(struct pt_regs *ctx)
{
	return kp_regs(ctx);
}

SEC("kprobe/do_unlinkat")
int kprobe_typedef_untagged(struct pt_regs *ctx)
{
	return kp_typedef(ctx);
}

SEC("?kprobe/do_unlinkat")
int kprobe_user_regs_untagged(struct pt_regs *ctx)
{
	return kp_user_regs((void *)ctx);
}

SEC("?kprobe/do_unlinkat")
int kprobe_user_regs_tagged(struct pt_regs *ctx)
{
	return kp_user_regs_tagged((void *)ctx);
}

/* perf_event: the canonical struct by name; struct pt_regs is not the perf_event context. */
__noinline int pe_canonical(struct bpf_perf_event_data *d)
{
	struct bpf_perf_event_value v = {};

	return bpf_perf_prog_read_value(d, &v, sizeof(v));
}

__noinline int pe_regs_untagged(struct pt_regs *r)
{
	struct bpf_perf_event_value v = {};

	return bpf_perf_prog_read_value(r, &v, sizeof(v));
}

__noinline int pe_user_regs_tagged(struct user_pt_regs *r __arg_ctx)
{
	struct bpf_perf_event_value v = {};

	return bpf_perf_prog_read_value(r, &v, sizeof(v));
}

SEC("perf_event")
int perf_canonical_untagged(void *ctx)
{
	return pe_canonical(ctx);
}

SEC("?perf_event")
int perf_regs_untagged(void *ctx)
{
	return pe_regs_untagged(ctx);
}

SEC("?perf_event")
int perf_user_regs_tagged(void *ctx)
{
	return pe_user_regs_tagged(ctx);
}

/* raw_tp: the canonical struct by name; tagged 4-byte integers and foreign structs refused. */
__noinline int rt_canonical(struct bpf_raw_tracepoint_args *ctx)
{
	return ctx->args[0] != 0;
}

__noinline int rt_u32_tagged(__u32 *ctx __arg_ctx)
{
	return ctx[0] & 1;
}

__noinline int rt_struct_tagged(struct vr_any *ctx __arg_ctx)
{
	return ctx->x & 1;
}

SEC("raw_tp/sys_enter")
int raw_tp_canonical_untagged(void *ctx)
{
	return rt_canonical(ctx);
}

SEC("raw_tp.w/bpf_test_finish")
int raw_tp_w_canonical_untagged(void *ctx)
{
	return rt_canonical(ctx);
}

SEC("?raw_tp/sys_enter")
int raw_tp_u32_tagged(void *ctx)
{
	return rt_u32_tagged(ctx);
}

SEC("?raw_tp/sys_enter")
int raw_tp_struct_tagged(void *ctx)
{
	return rt_struct_tagged(ctx);
}

char LICENSE[] SEC("license") = "GPL";
