/* Covers: kprobe, kretprobe and uprobe programs (all BPF_PROG_TYPE_KPROBE) with `struct pt_regs *`, `bpf_user_pt_regs_t *` and `void *` tagged args. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} kp_events SEC(".maps");

__noinline int regs_ip(struct pt_regs *regs __arg_ctx)
{
	return (int)(bpf_get_func_ip(regs) & 0xff);
}

__noinline int regs_first_arg(struct pt_regs *regs __arg_ctx)
{
	return (int)(regs->di & 0xff);
}

__noinline int typedef_regs(bpf_user_pt_regs_t *regs __arg_ctx, __u32 tag)
{
	__u64 v = tag;

	return bpf_perf_event_output(regs, &kp_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int void_regs(void *ctx __arg_ctx)
{
	__u64 ip = bpf_get_func_ip(ctx);

	return bpf_perf_event_output(ctx, &kp_events, BPF_F_CURRENT_CPU, &ip, sizeof(ip));
}

SEC("kprobe/do_unlinkat")
int kprobe_unlink(struct pt_regs *ctx)
{
	return regs_ip(ctx) + regs_first_arg(ctx) + typedef_regs(ctx, 1) > 0;
}

SEC("kretprobe/do_unlinkat")
int kretprobe_unlink(struct pt_regs *ctx)
{
	return regs_ip(ctx) + void_regs(ctx) > 0;
}

SEC("uprobe")
int uprobe_any(struct pt_regs *ctx)
{
	return void_regs(ctx) + typedef_regs(ctx, 2) > 0;
}

char LICENSE[] SEC("license") = "GPL";
