/* Covers: a sleepable section (`uprobe.s`, BPF_F_SLEEPABLE) calling a sleepable helper
 * (bpf_copy_from_user), with an `__arg_ctx` subprogram. Sleepable uprobes exist from 6.0: fails on
 * purpose on 5.10 ("Only fentry/fexit/fmod_ret and lsm programs can be sleepable"). */
#include "corpus.h"

__noinline int first_arg_low(void *ctx __arg_ctx)
{
	return (int)(bpf_get_func_ip(ctx) & 1);
}

SEC("uprobe.s")
int uprobe_sleepable(struct pt_regs *ctx)
{
	char buf[8] = {};

	bpf_copy_from_user(buf, sizeof(buf), (void *)ctx->di);
	return buf[0] + first_arg_low(ctx);
}

char LICENSE[] SEC("license") = "GPL";
