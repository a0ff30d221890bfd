/* Covers: __arg_ctx on arguments whose type does not fit the program type (libbpf warns and leaves them, 6.8+ kernels reject them), kept behind SEC("?...") so a default load only takes the tracepoint case the kernel tolerates. */
#include "common.h"

/* A struct named like the kprobe typedef: libbpf treats it as canonical, tag-aware kernels do not. */
struct bpf_user_pt_regs_t {
	unsigned long regs[21];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} tp_events SEC(".maps");

/* kprobe program, skb context type. */
__noinline int kp_wrong(struct __sk_buff *skb __arg_ctx)
{
	return (int)(bpf_get_func_ip(skb) & 1);
}

/* kprobe program, struct named after the typedef. */
__noinline int kp_fake_struct(struct bpf_user_pt_regs_t *regs __arg_ctx)
{
	return (int)(bpf_get_func_ip(regs) & 1);
}

/* xdp program, pointer to a scalar. */
__noinline int xdp_int_ptr(int *p __arg_ctx)
{
	return bpf_xdp_get_buff_len((void *)p) > 0;
}

/* xdp program, the tag sits on a scalar. */
__noinline int xdp_scalar(long v __arg_ctx)
{
	return v > 1;
}

/* tracepoint program: no libbpf fallback for the type, and the kernel accepts any named pointee. */
__noinline int tp_any_struct(struct __sk_buff *skb __arg_ctx)
{
	__u64 v = 1;

	return bpf_perf_event_output(skb, &tp_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat(void *ctx)
{
	tp_any_struct(ctx);
	return 0;
}

SEC("?kprobe/do_unlinkat")
int kprobe_skb_arg(struct pt_regs *ctx)
{
	return kp_wrong((void *)ctx);
}

SEC("?kprobe/do_unlinkat")
int kprobe_fake_struct(struct pt_regs *ctx)
{
	return kp_fake_struct((void *)ctx);
}

SEC("?xdp")
int xdp_int_ptr_arg(struct xdp_md *ctx)
{
	return xdp_int_ptr((void *)ctx) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_scalar_arg(struct xdp_md *ctx)
{
	return xdp_scalar(ctx->rx_queue_index) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
