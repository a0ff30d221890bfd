/* Covers: __arg_ctx on static and __hidden subprogs, an arg:ctx tag on a whole function (component_idx -1, ignored) (libbpf's fallback only rewrites BTF-global FUNCs) and static subprogs whose signature clang changed (DW_CC_nocall). */
#include "common.h"

static __noinline int static_tagged(void *ctx __arg_ctx)
{
	return (int)(bpf_xdp_get_buff_len(ctx) & 0xff);
}

__hidden __noinline int hidden_tagged(void *ctx __arg_ctx)
{
	return (int)(bpf_xdp_get_buff_len(ctx) >> 8);
}

/* `unused` is removed by clang's dead argument elimination; BTF keeps three parameters. */
static __noinline int static_dead_arg(void *ctx, int unused, int k)
{
	return (int)((bpf_xdp_get_buff_len(ctx) + k) & 0xff);
}

/* Only ever called with k == 3: clang propagates the constant into the body and drops the parameter. */
static __noinline int static_const(void *ctx, int k)
{
	return (int)((bpf_xdp_get_buff_len(ctx) * k) & 0xff);
}

/* The tag sits on the function itself, not on an argument: libbpf and the kernel ignore it. */
__attribute__((btf_decl_tag("arg:ctx"))) __noinline int whole_func_tagged(struct xdp_md *ctx)
{
	return (int)(bpf_xdp_get_buff_len(ctx) & 0x7f);
}

SEC("xdp")
int xdp_static_a(struct xdp_md *ctx)
{
	int v = static_tagged(ctx) + hidden_tagged(ctx) + static_dead_arg(ctx, 5, ctx->rx_queue_index);

	return v + static_const(ctx, 3) > 0 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_static_b(struct xdp_md *ctx)
{
	return hidden_tagged(ctx) + static_const(ctx, 3) + whole_func_tagged(ctx) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
