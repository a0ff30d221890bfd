/* Covers: tagged global subprogs called from different program types (xdp + tc share one, tc + socket + cgroup_skb share another), so each caller needs its own context type. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct event {
	__u32 source;
	__u32 value;
};

__noinline int emit_event(void *ctx __arg_ctx, __u32 source)
{
	struct event ev = { .source = source, .value = 0 };

	return bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
}

__noinline int skb_peek(void *ctx __arg_ctx, __u32 off)
{
	__u8 b = 0;

	if (bpf_skb_load_bytes(ctx, off, &b, sizeof(b)))
		return -1;
	return b;
}

SEC("xdp")
int xdp_shared(struct xdp_md *ctx)
{
	emit_event(ctx, 1);
	return XDP_PASS;
}

SEC("tc")
int tc_shared(struct __sk_buff *skb)
{
	emit_event(skb, 2);
	skb->mark = skb_peek(skb, 0) > 0;
	return TC_ACT_OK;
}

SEC("socket")
int socket_shared(struct __sk_buff *skb)
{
	return skb_peek(skb, 12) >= 0 ? skb->len : 0;
}

SEC("cgroup_skb/egress")
int cgskb_shared(struct __sk_buff *skb)
{
	return skb_peek(skb, 0) >= 0 ? CGROUP_SKB_ALLOW : 0;
}

char LICENSE[] SEC("license") = "GPL";
