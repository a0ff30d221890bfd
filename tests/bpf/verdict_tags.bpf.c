/* Covers: the arg: tags besides ctx and their combinations: arg:nonnull (6.8), several tags per
 * argument, unknown tags and tags on scalars (refused since 6.9), arg:nullable (only with
 * arg:trusted), arg:trusted (6.9), arg:arena (6.9), arg:untrusted (6.17), and what kernels that
 * predate a tag make of the argument (memory, maybe NULL). Programs that load on every kernel are
 * autoloaded; the others are SEC("?..."). */
#include "common.h"

/* Resolved against the kernel's BTF by name (arg:trusted / arg:untrusted). */
struct task_struct {
	int pid;
};

/* No kernel type has this name. */
struct vt_not_in_kernel {
	__u64 x;
};

__noinline int ctx_and_nonnull(void *ctx __arg_ctx __arg_nonnull)
{
	return bpf_xdp_get_buff_len(ctx) & 1;
}

__noinline int nonnull_scalar(int v __arg_nonnull)
{
	return v > 1;
}

__noinline int nullable_alone(int *p __arg_nullable)
{
	return p ? *p : 0;
}

/* Dereferenced without a check: fine where arg:nonnull is read (6.8+). */
__noinline int nonnull_deref(int *p __arg_nonnull)
{
	return *p;
}

__noinline int nonnull_checked(int *p __arg_nonnull)
{
	return p ? *p : 0;
}

__noinline int unknown_tag(int *p __attribute__((btf_decl_tag("arg:frobnicate"))))
{
	return p ? *p : 0;
}

__noinline int arena_scalar(int v __arg_arena)
{
	return v > 1;
}

__noinline int untrusted_void(void *p __arg_untrusted)
{
	return p != 0;
}

__noinline int untrusted_nullable(void *p __arg_untrusted __arg_nullable)
{
	return p != 0;
}

__noinline int untrusted_task(struct task_struct *t __arg_untrusted)
{
	return t != 0;
}

__noinline int trusted_task(struct task_struct *t __arg_trusted)
{
	return t->pid;
}

__noinline int trusted_nonnull(struct task_struct *t __arg_trusted __arg_nonnull)
{
	return t->pid;
}

__noinline int trusted_nullable(struct task_struct *t __arg_trusted __arg_nullable)
{
	return t ? t->pid : 0;
}

__noinline int trusted_unknown_type(struct vt_not_in_kernel *t __arg_trusted)
{
	return t->x;
}

SEC("xdp")
int xdp_nonnull_checked(struct xdp_md *ctx)
{
	int v = ctx->rx_queue_index;

	return nonnull_checked(&v) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_ctx_and_nonnull(struct xdp_md *ctx)
{
	return ctx_and_nonnull(ctx) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_nonnull_scalar(struct xdp_md *ctx)
{
	return nonnull_scalar(ctx->rx_queue_index) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_nullable_alone(struct xdp_md *ctx)
{
	int v = ctx->rx_queue_index;

	return nullable_alone(&v) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_nonnull_deref(struct xdp_md *ctx)
{
	int v = ctx->rx_queue_index;

	return nonnull_deref(&v) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_unknown_tag(struct xdp_md *ctx)
{
	int v = ctx->rx_queue_index;

	return unknown_tag(&v) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_arena_scalar(struct xdp_md *ctx)
{
	return arena_scalar(ctx->rx_queue_index) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_untrusted_void(struct xdp_md *ctx)
{
	int v = 1;

	return untrusted_void(&v) ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int xdp_untrusted_nullable(struct xdp_md *ctx)
{
	int v = 1;

	return untrusted_nullable(&v) ? XDP_PASS : XDP_DROP;
}

SEC("?tp_btf/sched_switch")
int tp_btf_untrusted_task(__u64 *ctx)
{
	return untrusted_task(bpf_get_current_task_btf());
}

SEC("?tp_btf/sched_switch")
int tp_btf_trusted_task(__u64 *ctx)
{
	return trusted_task(bpf_get_current_task_btf());
}

SEC("?tp_btf/sched_switch")
int tp_btf_trusted_nonnull(__u64 *ctx)
{
	return trusted_nonnull(bpf_get_current_task_btf());
}

SEC("?tp_btf/sched_switch")
int tp_btf_trusted_nullable(__u64 *ctx)
{
	return trusted_nullable(bpf_get_current_task_btf());
}

SEC("?tp_btf/sched_switch")
int tp_btf_trusted_unknown_type(__u64 *ctx)
{
	return trusted_unknown_type((void *)bpf_get_current_task_btf());
}

char LICENSE[] SEC("license") = "GPL";
