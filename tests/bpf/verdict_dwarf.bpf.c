/* Covers: DWARF calling conventions: a static subprog whose tagged signature clang rewrote
 * (DW_CC_nocall: the tag is ignored by the kernel anyway, and BTF no longer describes the
 * registers), and a kprobe whose target function (here one of this object's own static
 * functions, found through DWARF) has DW_CC_nocall. Both programs load on every kernel. */
#include "common.h"

/* `unused` is removed by clang's dead argument elimination; BTF keeps both parameters. */
static __noinline int vd_dead_tagged(void *ctx __arg_ctx, int unused)
{
	return (int)(bpf_xdp_get_buff_len(ctx) & 0xff);
}

/* Only ever called with k == 3: clang folds the constant into the body. */
static __noinline int vd_const(struct pt_regs *regs, int k)
{
	return (int)((bpf_get_func_ip(regs) * k) & 0xff);
}

SEC("xdp")
int xdp_nocall_tagged(struct xdp_md *ctx)
{
	return vd_dead_tagged(ctx, ctx->rx_queue_index) ? XDP_PASS : XDP_DROP;
}

SEC("kprobe/vd_const")
int kprobe_nocall_target(struct pt_regs *ctx)
{
	return vd_const(ctx, 3);
}

char LICENSE[] SEC("license") = "GPL";
