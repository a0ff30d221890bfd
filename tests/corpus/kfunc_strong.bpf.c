/* Covers: a strong kfunc declaration (`bpf_cast_to_kern_ctx`, 6.2+) next to an `__arg_ctx` global
 * subprogram. libbpf rewrites the extern FUNC's BTF (global linkage, named parameters) and resolves
 * the call against the kernel's BTF. Fails on purpose before 6.2: the strong extern cannot be
 * resolved (libbpf: ESRCH before anything is loaded); loads on 6.12, sid and the host. */
#include "corpus.h"

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

struct sk_buff {
	unsigned int len;
} __attribute__((preserve_access_index));

__noinline int skb_len_via_ctx(void *ctx __arg_ctx)
{
	__u8 b = 0;

	bpf_skb_load_bytes(ctx, 0, &b, 1);
	return b;
}

SEC("tc")
int tc_kern_ctx(struct __sk_buff *ctx)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(ctx);

	return (kskb->len + skb_len_via_ctx(ctx)) & 1;
}

char LICENSE[] SEC("license") = "GPL";
