/* Covers: what a global subprogram argument is when it is not the context: struct names the
 * kernel accepts for the context without a tag (canonical names, and struct sk_buff / struct
 * xdp_buff since 6.4), `void *` and declared-only structs (no size), memory used without a NULL
 * check, a packet pointer passed for memory, a context passed for a scalar, and a function
 * returning void. Programs that load on every kernel are autoloaded; the others are
 * SEC("?..."). */
#include "common.h"

/* The kernel's own names for the skb and xdp buffers (only their names matter). */
struct sk_buff {
	__u32 len;
};

struct xdp_buff {
	void *data;
};

/* An Ethernet header, read from the packet. */
struct vm_eth {
	__u8 dst[6];
	__u8 src[6];
	__u16 proto;
};

/* Declared, never defined: BTF has a FWD. */
struct vm_opaque;

__noinline int xdp_canonical_untagged(struct xdp_md *ctx)
{
	return bpf_xdp_get_buff_len(ctx) & 1;
}

__noinline int xdp_buff_untagged(struct xdp_buff *x)
{
	return bpf_xdp_get_buff_len((struct xdp_md *)x) & 1;
}

__noinline int skb_untagged(struct sk_buff *skb)
{
	__u8 b = 0;

	bpf_skb_load_bytes(skb, 0, &b, 1);
	return b;
}

__noinline int skb_tagged(struct sk_buff *skb __arg_ctx)
{
	__u8 b = 0;

	bpf_skb_load_bytes(skb, 0, &b, 1);
	return b;
}

__noinline int void_untagged(void *ctx)
{
	return bpf_xdp_get_buff_len(ctx) & 1;
}

__noinline int opaque_untagged(struct vm_opaque *ctx)
{
	return bpf_xdp_get_buff_len((struct xdp_md *)ctx) & 1;
}

__noinline int opaque_tagged(struct vm_opaque *ctx __arg_ctx)
{
	return bpf_xdp_get_buff_len((struct xdp_md *)ctx) & 1;
}

__noinline int scalar_arg(long v)
{
	return v > 2;
}

/* Memory without a NULL check: refused by every kernel. */
__noinline int deref_unchecked(int *p)
{
	return *p;
}

/* Memory with a NULL check: accepted by every kernel since 5.12. */
__noinline int deref_checked(int *p)
{
	return p ? *p : 0;
}

/* Memory the caller points into the packet (after its bounds check). */
__noinline int eth_proto(struct vm_eth *eth)
{
	return eth ? eth->proto : 0;
}

__noinline void returns_void(int *p)
{
	if (p)
		*p = 1;
}

SEC("xdp")
int xdp_canonical(struct xdp_md *ctx)
{
	return xdp_canonical_untagged(ctx) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_memory_checked(struct xdp_md *ctx)
{
	int v = ctx->rx_queue_index;

	return deref_checked(&v) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_packet_pointer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + sizeof(struct vm_eth) > end)
		return XDP_DROP;
	return eth_proto(data) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_buff_name(struct xdp_md *ctx)
{
	return xdp_buff_untagged((void *)ctx) ? XDP_PASS : XDP_DROP;
}

SEC("?tc")
int tc_sk_buff_name(struct __sk_buff *ctx)
{
	return skb_untagged((void *)ctx);
}

SEC("?tc")
int tc_sk_buff_tagged(struct __sk_buff *ctx)
{
	return skb_tagged((void *)ctx);
}

SEC("?xdp")
int xdp_void_untagged(struct xdp_md *ctx)
{
	return void_untagged(ctx) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_opaque_untagged(struct xdp_md *ctx)
{
	return opaque_untagged((void *)ctx) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_opaque_tagged(struct xdp_md *ctx)
{
	return opaque_tagged((void *)ctx) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_ctx_as_scalar(struct xdp_md *ctx)
{
	return scalar_arg((long)ctx) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_memory_unchecked(struct xdp_md *ctx)
{
	int v = ctx->rx_queue_index;

	return deref_unchecked(&v) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_void_return(struct xdp_md *ctx)
{
	int v = 0;

	returns_void(&v);
	return v ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
