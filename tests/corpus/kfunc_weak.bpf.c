/* Covers: `__weak` kfunc declarations guarded by `bpf_ksym_exists`, the pattern for code that must
 * load on kernels without the kfunc: `bpf_cast_to_kern_ctx` (6.2+) and a kfunc no kernel has. libbpf
 * leaves unresolved weak kfuncs poisoned in dead code. Also an `__arg_ctx` subprogram, so the
 * fallback and the extern fixups meet in one object. Expected to load on every kernel. */
#include "corpus.h"

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;
extern int argctx_no_such_kfunc(int x) __ksym __weak;

struct sk_buff {
	unsigned int len;
} __attribute__((preserve_access_index));

__noinline int first_byte(void *ctx __arg_ctx)
{
	__u8 b = 0;

	bpf_skb_load_bytes(ctx, 0, &b, 1);
	return b;
}

SEC("tc")
int tc_weak_kfuncs(struct __sk_buff *ctx)
{
	int r = first_byte(ctx);

	if (bpf_ksym_exists(bpf_cast_to_kern_ctx)) {
		struct sk_buff *kskb = bpf_cast_to_kern_ctx(ctx);

		r += kskb->len;
	}
	if (bpf_ksym_exists(argctx_no_such_kfunc))
		r += argctx_no_such_kfunc(r);
	return r & 1;
}

char LICENSE[] SEC("license") = "GPL";
