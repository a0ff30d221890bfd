/* Covers: __arg_ctx on arguments that already have the canonical context type (plain, typedef'd, const), next to an untagged canonical argument; libbpf leaves all of them alone. */
#include "common.h"

typedef struct xdp_md xdp_ctx_t;

__noinline int xdp_canon(struct xdp_md *ctx __arg_ctx)
{
	return bpf_xdp_get_buff_len(ctx) > 14;
}

__noinline int xdp_canon_typedef(xdp_ctx_t *ctx __arg_ctx)
{
	return ctx->ingress_ifindex != 0;
}

__noinline int xdp_untagged(struct xdp_md *ctx)
{
	return (int)(bpf_xdp_get_buff_len(ctx) & 0x7f);
}

__noinline int skb_canon(struct __sk_buff *skb __arg_ctx)
{
	__u8 b = 0;

	if (bpf_skb_load_bytes(skb, 0, &b, sizeof(b)))
		return 0;
	return skb->len + b;
}

__noinline int skb_canon_const(const struct __sk_buff *skb __arg_ctx)
{
	__u16 proto = 0;

	if (bpf_skb_load_bytes(skb, 12, &proto, sizeof(proto)))
		return 0;
	return proto;
}

SEC("xdp")
int xdp_canonical(struct xdp_md *ctx)
{
	int v = xdp_canon(ctx) + xdp_canon_typedef(ctx) + xdp_untagged(ctx);

	return v > 1 ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int tc_canonical(struct __sk_buff *skb)
{
	skb->mark = skb_canon(skb) ^ skb_canon_const(skb);
	return TC_ACT_OK;
}

SEC("cgroup_skb/ingress")
int cgskb_canonical(struct __sk_buff *skb)
{
	return skb_canon(skb) >= 0 ? CGROUP_SKB_ALLOW : 0;
}

char LICENSE[] SEC("license") = "GPL";
