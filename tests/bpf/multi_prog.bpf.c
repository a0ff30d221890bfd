/* Covers: several xdp programs sharing tagged subprogs, several tagged args on one function, nested global->global->static calls, a tagged subprog unreachable from some programs, and an autoload-off SEC("?xdp") program. */
#include "common.h"

static __noinline int leaf_static(int v)
{
	return v * 3 + 1;
}

__noinline int depth2(void *ctx __arg_ctx, int v)
{
	return leaf_static(v) + (int)(bpf_xdp_get_buff_len(ctx) & 1);
}

__noinline int depth1(void *ctx __arg_ctx, int v)
{
	return depth2(ctx, v + 1);
}

__noinline int two_ctx(void *a __arg_ctx, int n, void *b __arg_ctx)
{
	return (int)((bpf_xdp_get_buff_len(a) + bpf_xdp_get_buff_len(b) + n) & 0xff);
}

__noinline int plain_global(int v)
{
	return v ^ 0x5a;
}

SEC("xdp")
int xdp_first(struct xdp_md *ctx)
{
	int v = depth1(ctx, ctx->rx_queue_index) + two_ctx(ctx, 2, ctx);

	return v > 3 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_second(struct xdp_md *ctx)
{
	return two_ctx(ctx, 3, ctx) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_plain(struct xdp_md *ctx)
{
	return plain_global(ctx->ingress_ifindex) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_optional(struct xdp_md *ctx)
{
	return depth1(ctx, 7) > 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
