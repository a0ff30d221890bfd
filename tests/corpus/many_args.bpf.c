/* Covers: a static subprogram whose source prototype has six arguments while clang passes fewer
 * (it drops the dead ones and marks the function DW_CC_nocall in DWARF; BTF keeps all six). A
 * verifier that checks calls against BTF prototypes counts six (more than the five registers).
 * Also an `__arg_ctx` global subprogram in the same program. */
#include "corpus.h"

static __noinline int six_args(int a, int b, int c, int d, int e, int unused)
{
	return a + b * c - d + e;
}

__noinline int xdp_len_low(void *ctx __arg_ctx)
{
	return (int)(bpf_xdp_get_buff_len(ctx) & 0xff);
}

SEC("xdp")
int xdp_six_args(struct xdp_md *ctx)
{
	return (six_args(ctx->rx_queue_index, 2, 3, 4, ctx->ingress_ifindex, 6) + xdp_len_low(ctx)) & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
