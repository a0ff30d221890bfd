/* Programs the loader refuses with a precise message (one feature each), next to one it loads:
 * a kfunc call, a CO-RE field read, a __ksym variable, an freplace program. */
#include "common.h"

struct task_struct;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern const int bpf_prog_active __ksym;

struct core_pair {
	int first;
	int second;
} __attribute__((preserve_access_index));

SEC("tc")
int calls_kfunc(struct __sk_buff *skb)
{
	return bpf_task_acquire((struct task_struct *)0) != 0;
}

SEC("tc")
int reads_with_core(struct __sk_buff *skb)
{
	struct core_pair *p = (struct core_pair *)(long)skb->len;

	return __builtin_preserve_access_index(p->second);
}

SEC("tc")
int uses_ksym(struct __sk_buff *skb)
{
	const void *p = &bpf_prog_active;

	asm volatile("" : "+r"(p));
	return p != 0;
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
