/* Covers: a tp_btf program (BPF_PROG_TYPE_TRACING) with `void *` and `u64 *` tagged args; libbpf has no fallback for tracing programs, so it needs native arg:ctx (6.8+). */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} sw_events SEC(".maps");

__noinline int sw_emit(void *ctx __arg_ctx, __u64 v)
{
	return bpf_perf_event_output(ctx, &sw_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int sw_preempt(__u64 *ctx __arg_ctx)
{
	return (int)(ctx[0] & 1);
}

SEC("tp_btf/sched_switch")
int tp_sched_switch(__u64 *ctx)
{
	return sw_emit(ctx, sw_preempt(ctx)) == 0;
}

char LICENSE[] SEC("license") = "GPL";
