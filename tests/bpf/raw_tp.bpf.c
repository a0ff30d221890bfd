/* Covers: raw_tp programs with `u64 *`, `long *`, `void *` and canonical `struct bpf_raw_tracepoint_args *` tagged args (libbpf rewrites the 8-byte integer and void pointers). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} rt_events SEC(".maps");

__noinline int emit_u64(__u64 *ctx __arg_ctx)
{
	__u64 id = ctx[1];

	return bpf_perf_event_output(ctx, &rt_events, BPF_F_CURRENT_CPU, &id, sizeof(id));
}

__noinline int emit_long(long *args __arg_ctx, int tag)
{
	long v = args[0] + tag;

	return bpf_perf_event_output(args, &rt_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int emit_void(void *ctx __arg_ctx)
{
	__u32 v = 7;

	return bpf_perf_event_output(ctx, &rt_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int second_arg(struct bpf_raw_tracepoint_args *ctx __arg_ctx)
{
	return (int)(ctx->args[1] & 0xff);
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return emit_u64((void *)ctx) + emit_long((void *)ctx, 1) + second_arg(ctx) > 0;
}

SEC("raw_tp/sched_switch")
int raw_sched_switch(struct bpf_raw_tracepoint_args *ctx)
{
	return emit_void(ctx) + second_arg(ctx) > 0;
}

char LICENSE[] SEC("license") = "GPL";
