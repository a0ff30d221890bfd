/* Covers: the classic `void *ctx __arg_ctx` global subprogram (rewritten by libbpf before 6.8) in xdp, tc and kprobe programs. */
#include "common.h"

__noinline int xdp_buff_len(void *ctx __arg_ctx)
{
	return bpf_xdp_get_buff_len(ctx) > 14 ? 1 : 0;
}

__noinline int skb_first_byte(void *ctx __arg_ctx)
{
	__u8 b = 0;

	if (bpf_skb_load_bytes(ctx, 0, &b, sizeof(b)))
		return -1;
	return b;
}

__noinline int kprobe_ip_low(void *ctx __arg_ctx)
{
	return (int)(bpf_get_func_ip(ctx) & 0xff);
}

SEC("xdp")
int xdp_void(struct xdp_md *ctx)
{
	return xdp_buff_len(ctx) ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int tc_void(struct __sk_buff *skb)
{
	skb->mark = skb_first_byte(skb) >= 0 ? 1 : 0;
	return TC_ACT_OK;
}

SEC("kprobe/do_unlinkat")
int kprobe_void(struct pt_regs *ctx)
{
	return kprobe_ip_low(ctx) == 0;
}

char LICENSE[] SEC("license") = "GPL";
