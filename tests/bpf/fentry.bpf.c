/* Covers: an fentry program (BPF_PROG_TYPE_TRACING, needs a trampoline) with `void *` and `u64 *` tagged args; no libbpf fallback exists for it. */
#include "common.h"

__noinline int fe_arg_count(void *ctx __arg_ctx)
{
	return (int)bpf_get_func_arg_cnt(ctx);
}

__noinline int fe_first_arg(__u64 *ctx __arg_ctx)
{
	__u64 v = 0;

	if (bpf_get_func_arg(ctx, 0, &v))
		return -1;
	return (int)(v & 0xff);
}

SEC("fentry/do_unlinkat")
int fentry_unlink(__u64 *ctx)
{
	return fe_arg_count(ctx) + fe_first_arg(ctx) > 0;
}

char LICENSE[] SEC("license") = "GPL";
