/* Covers: bpf_loop callbacks (ld_imm64 BPF_PSEUDO_FUNC), tagged global subprogs reached only through a callback, and global->static->global calls. */
#include "common.h"

struct loop_ctx {
	void *pkt;
	__u32 sum;
};

__noinline int cb_probe(void *ctx __arg_ctx, __u32 idx)
{
	__u8 b = 0;

	if (bpf_skb_load_bytes(ctx, idx, &b, sizeof(b)))
		return 0;
	return b;
}

__noinline int cb_xdp_len(void *ctx __arg_ctx)
{
	return (int)(bpf_xdp_get_buff_len(ctx) & 0xff);
}

static int skb_loop_body(__u32 idx, void *data)
{
	struct loop_ctx *lc = data;

	lc->sum += cb_probe(lc->pkt, idx);
	return 0;
}

static int xdp_loop_body(__u32 idx, void *data)
{
	struct loop_ctx *lc = data;

	lc->sum += cb_xdp_len(lc->pkt) + idx;
	return lc->sum > 1000;
}

__noinline int global_leaf(void *ctx __arg_ctx)
{
	__u8 b = 0;

	bpf_skb_load_bytes(ctx, 1, &b, sizeof(b));
	return b;
}

static __noinline int static_mid(void *ctx, int k)
{
	return global_leaf(ctx) + k;
}

__noinline int global_top(void *ctx __arg_ctx, int k)
{
	return static_mid(ctx, k + 1);
}

SEC("tc")
int tc_loop(struct __sk_buff *skb)
{
	struct loop_ctx lc = { .pkt = skb, .sum = 0 };

	bpf_loop(8, skb_loop_body, &lc, 0);
	skb->mark = lc.sum + global_top(skb, skb->len & 3);
	return TC_ACT_OK;
}

SEC("xdp")
int xdp_loop(struct xdp_md *ctx)
{
	struct loop_ctx lc = { .pkt = ctx, .sum = 0 };

	bpf_loop(4, xdp_loop_body, &lc, 0);
	return lc.sum ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
