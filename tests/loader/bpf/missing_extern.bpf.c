/* A strong kfunc no kernel has: libbpf fails the whole object before loading anything
 * ("not found in kernel or module BTFs", ESRCH), and so does the loader. */
#include "common.h"

extern int argctx_no_such_kfunc(int x) __ksym;

SEC("tc")
int calls_missing(struct __sk_buff *skb)
{
	return argctx_no_such_kfunc(skb->len);
}

char LICENSE[] SEC("license") = "GPL";
