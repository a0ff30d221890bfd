/* Covers: perf_event programs with `struct pt_regs *`, `bpf_user_pt_regs_t *`, `void *` and canonical `struct bpf_perf_event_data *` tagged args (libbpf rewrites all but the canonical one on x86_64). */
#include "common.h"

__noinline int read_regs(struct pt_regs *regs __arg_ctx)
{
	struct bpf_perf_event_value v = {};

	if (bpf_perf_prog_read_value((void *)regs, &v, sizeof(v)))
		return 0;
	return (int)(v.counter & 0xff);
}

__noinline int read_typedef(bpf_user_pt_regs_t *regs __arg_ctx)
{
	struct bpf_perf_event_value v = {};

	if (bpf_perf_prog_read_value((void *)regs, &v, sizeof(v)))
		return 0;
	return (int)(v.enabled & 0xff);
}

__noinline int read_void(void *ctx __arg_ctx)
{
	struct bpf_perf_event_value v = {};

	if (bpf_perf_prog_read_value(ctx, &v, sizeof(v)))
		return 0;
	return (int)(v.running & 0xff);
}

__noinline int sample_period_low(struct bpf_perf_event_data *ctx __arg_ctx)
{
	return (int)(ctx->sample_period & 0xff);
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	return read_regs((void *)ctx) + read_typedef((void *)ctx) + sample_period_low(ctx) > 0;
}

SEC("perf_event")
int on_sample_void(void *ctx)
{
	return read_void(ctx) > 0;
}

char LICENSE[] SEC("license") = "GPL";
