/* Covers: ksym externs. A typed per-CPU variable (`bpf_prog_active`, BPF_PSEUDO_BTF_ID, read through
 * bpf_this_cpu_ptr) and an untyped ksym (`bpf_prog_fops`, its address from /proc/kallsyms), each in
 * its own program, plus an `__arg_ctx` subprogram. Fails on purpose where the kernel has no data
 * symbols in kallsyms (the host machine: ENOENT); loads on Debian's kernels. */
#include "corpus.h"

extern const int bpf_prog_active __ksym;
extern const void bpf_prog_fops __ksym;

__noinline int regs_ip_low(void *ctx __arg_ctx)
{
	return (int)(bpf_get_func_ip(ctx) & 0xff);
}

SEC("kprobe/do_unlinkat")
int kprobe_typed_ksym(struct pt_regs *ctx)
{
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	return *active + regs_ip_low(ctx);
}

SEC("kprobe/do_unlinkat")
int kprobe_untyped_ksym(struct pt_regs *ctx)
{
	return ((unsigned long)&bpf_prog_fops & 1) + regs_ip_low(ctx);
}

char LICENSE[] SEC("license") = "GPL";
