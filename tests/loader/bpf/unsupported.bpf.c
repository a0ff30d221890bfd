/* Programs that fail with a precise message (one feature each), next to one that loads: a
 * CO-RE field read of a type the kernel lacks (poisoned, refused by the verifier), an freplace
 * program (not supported by the loader). Externs are resolved now: see missing_extern.bpf.c. */
#include "common.h"

struct core_pair {
	int first;
	int second;
} __attribute__((preserve_access_index));

SEC("tc")
int reads_with_core(struct __sk_buff *skb)
{
	struct core_pair *p = (struct core_pair *)(long)skb->len;

	return __builtin_preserve_access_index(p->second);
}

SEC("freplace/handler")
int replaces_func(struct __sk_buff *skb)
{
	return 0;
}

SEC("tc")
int plain(struct __sk_buff *skb)
{
	return skb->len > 0;
}

char LICENSE[] SEC("license") = "GPL";
