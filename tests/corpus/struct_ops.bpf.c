/* Covers: a struct_ops map (a TCP congestion control, `struct tcp_congestion_ops`) whose programs
 * call an `__arg_ctx` global subprogram. libbpf finds the kernel's type, creates the map and loads
 * each program with the member's attach BTF id; nothing is registered until attach. Struct_ops
 * programs have no libbpf fallback (their context is the u64 argument array), so before 6.8 the
 * tagged `void *` argument is refused. */
#include "corpus.h"

struct sock;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
};

__noinline int first_arg_set(void *ctx __arg_ctx)
{
	return ((__u64 *)ctx)[0] != 0;
}

SEC("struct_ops/argctx_ssthresh")
__u32 argctx_ssthresh(__u64 *ctx)
{
	return 2 + first_arg_set(ctx);
}

SEC("struct_ops/argctx_cong_avoid")
void argctx_cong_avoid(__u64 *ctx)
{
}

SEC("struct_ops/argctx_undo_cwnd")
__u32 argctx_undo_cwnd(__u64 *ctx)
{
	return 10;
}

SEC(".struct_ops")
struct tcp_congestion_ops argctx_cc = {
	.ssthresh = (void *)argctx_ssthresh,
	.cong_avoid = (void *)argctx_cong_avoid,
	.undo_cwnd = (void *)argctx_undo_cwnd,
	.name = "argctx_cc",
};

char LICENSE[] SEC("license") = "GPL";
