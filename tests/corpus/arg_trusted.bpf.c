/* Covers: `arg:trusted` (6.9+) given a trusted task pointer (bpf_get_current_task_btf) and
 * `arg:untrusted` (6.17+) given a pointer read from a task, in tp_btf programs, with an
 * `__arg_ctx` subprogram. Before the tags exist the verifier treats these arguments as plain
 * memory of a type it cannot size, and refuses the program: fails on purpose on 5.10, 6.1 and
 * 6.12 (and the untrusted one on kernels before 6.17). */
#include "corpus.h"

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

__noinline int task_pid(struct task_struct *t __arg_trusted)
{
	return t->pid & 1;
}

__noinline int parent_tgid(struct task_struct *t __arg_untrusted)
{
	return t->tgid & 1;
}

__noinline int tp_first_arg(__u64 *ctx __arg_ctx)
{
	return (int)(ctx[0] & 1);
}

SEC("tp_btf/sched_switch")
int tp_trusted_task(__u64 *ctx)
{
	return task_pid(bpf_get_current_task_btf()) + tp_first_arg(ctx);
}

SEC("tp_btf/sched_switch")
int tp_untrusted_task(__u64 *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();

	return parent_tgid(t->real_parent) + tp_first_arg(ctx);
}

char LICENSE[] SEC("license") = "GPL";
