/* Covers: untagged global subprogram arguments that the kernel must recognize as the kprobe
 * context by type: `struct pt_regs *` and the `bpf_user_pt_regs_t *` typedef, each passed to
 * bpf_perf_event_output (a helper that needs the context and that 5.10 has, unlike
 * bpf_get_func_ip). Whether the struct behind the typedef matches is the "context typedef
 * resolution" change of 6.3, backported to the stable series (5.10.173, 6.1.16): these programs
 * settle it on Debian's 5.10 and 6.1. */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} regs_events SEC(".maps");

__noinline int emit_struct(struct pt_regs *regs)
{
	__u64 v = 1;

	return bpf_perf_event_output(regs, &regs_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int emit_typedef(bpf_user_pt_regs_t *regs)
{
	__u64 v = 2;

	return bpf_perf_event_output(regs, &regs_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

SEC("kprobe/do_unlinkat")
int kprobe_struct_regs(struct pt_regs *ctx)
{
	return emit_struct(ctx) & 1;
}

SEC("kprobe/do_unlinkat")
int kprobe_typedef_regs(struct pt_regs *ctx)
{
	return emit_typedef(ctx) & 1;
}

char LICENSE[] SEC("license") = "GPL";
