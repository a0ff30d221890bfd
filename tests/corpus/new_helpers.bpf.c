/* Covers: helpers that older kernels do not have for the program type: bpf_ktime_get_tai_ns (6.1)
 * and bpf_get_current_task_btf-free bpf_loop (5.17) in a socket filter, with an `__arg_ctx`
 * subprogram. Fails on purpose on 5.10 ("invalid func unknown#181"); loads from 6.1. */
#include "corpus.h"

static int loop_body(__u32 i, void *data)
{
	*(__u64 *)data += i;
	return 0;
}

__noinline int skb_byte(void *ctx __arg_ctx)
{
	__u8 b = 0;

	bpf_skb_load_bytes(ctx, 0, &b, 1);
	return b;
}

SEC("socket")
int socket_new_helpers(struct __sk_buff *skb)
{
	__u64 acc = bpf_ktime_get_tai_ns();

	bpf_loop(4, loop_body, &acc, 0);
	return (acc + skb_byte(skb)) & 1;
}

char LICENSE[] SEC("license") = "GPL";
