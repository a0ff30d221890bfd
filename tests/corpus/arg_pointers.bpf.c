/* Covers: what callers pass to tagged pointer arguments. `arg:nonnull` given a pointer to global
 * data (`&counter`, an ld_imm64 relocated to .bss) and a pointer to the stack; `arg:nullable` given
 * NULL and a map value; an untagged memory argument given a map value. Every kernel from 6.8 loads
 * all of them (a pointer to global data or the stack is never NULL); before 6.8 the tags are
 * ignored, and `arg:nullable`'s NULL is what every global-function memory argument accepts. */
#include "corpus.h"

__u64 counter;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

__noinline int add_to(__u64 *slot __arg_nonnull, __u64 v)
{
	*slot += v;
	return 0;
}

__noinline int maybe_add(__u64 *slot __arg_nullable, __u64 v)
{
	if (!slot)
		return 1;
	*slot += v;
	return 0;
}

SEC("socket")
int socket_global_ptr(struct __sk_buff *skb)
{
	return add_to(&counter, skb->len);
}

SEC("socket")
int socket_stack_ptr(struct __sk_buff *skb)
{
	__u64 local = 0;

	add_to(&local, skb->len);
	return local & 1;
}

SEC("socket")
int socket_nullable(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *slot = bpf_map_lookup_elem(&slots, &key);

	return maybe_add(0, skb->len) + maybe_add(slot, 1);
}

char LICENSE[] SEC("license") = "GPL";
