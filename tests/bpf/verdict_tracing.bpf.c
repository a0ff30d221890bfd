/* Covers: the kernel's arg:ctx type check for program types libbpf has no fallback for (tp_btf,
 * iter, LSM, tracepoint, syscall): what each accepts from 6.8 and how kernels before 6.8 treat the
 * same arguments as memory. Every program here fails on some kernel, so all are SEC("?...") and
 * are loaded one at a time. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} vt_events SEC(".maps");

/* A named struct that is nobody's context. */
struct vt_any {
	__u64 x;
};

/* An anonymous struct: tracepoints refuse it with arg:ctx (no name); kernels before 6.9 (and 6.1
 * stable) even take it for the context of a tracing program without a tag. */
typedef struct {
	__u64 a;
} vt_anon_t;

struct task_struct;

/* Context of iter/task programs (leading members). */
struct bpf_iter_meta {
	void *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

int vt_res;

/* tp_btf: the raw tracepoint argument struct, any 8-byte integer, void. */
__noinline int tb_raw_args(struct bpf_raw_tracepoint_args *ctx __arg_ctx)
{
	__u64 v = 1;

	return bpf_perf_event_output(ctx, &vt_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int tb_long(long *ctx __arg_ctx)
{
	return ctx[0] & 1;
}

__noinline int tb_u32(__u32 *ctx __arg_ctx)
{
	return ctx[0] & 1;
}

__noinline int tb_named(struct vt_any *ctx __arg_ctx)
{
	__u64 v = 1;

	return bpf_perf_event_output(ctx, &vt_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int tb_anon_untagged(vt_anon_t *p)
{
	return p->a & 1;
}

SEC("?tp_btf/sched_switch")
int tp_btf_raw_args(__u64 *ctx)
{
	return tb_raw_args((void *)ctx);
}

SEC("?tp_btf/sched_switch")
int tp_btf_long(__u64 *ctx)
{
	return tb_long((void *)ctx);
}

SEC("?tp_btf/sched_switch")
int tp_btf_u32(__u64 *ctx)
{
	return tb_u32((void *)ctx);
}

SEC("?tp_btf/sched_switch")
int tp_btf_named(__u64 *ctx)
{
	return tb_named((void *)ctx);
}

SEC("?tp_btf/sched_switch")
int tp_btf_anon(__u64 *ctx)
{
	return tb_anon_untagged((void *)ctx);
}

/* iter: bpf_iter__<target> structs and void. */
__noinline int it_typed(struct bpf_iter__task *ctx __arg_ctx)
{
	return ctx->task != 0;
}

__noinline int it_void(void *ctx __arg_ctx)
{
	return *(__u64 *)(ctx + 8) != 0;
}

__noinline int it_named(struct vt_any *ctx __arg_ctx)
{
	return ctx->x != 0;
}

SEC("?iter/task")
int iter_typed(struct bpf_iter__task *ctx)
{
	vt_res = it_typed(ctx);
	return 0;
}

SEC("?iter/task")
int iter_void(struct bpf_iter__task *ctx)
{
	vt_res = it_void(ctx);
	return 0;
}

SEC("?iter/task")
int iter_named(struct bpf_iter__task *ctx)
{
	vt_res = it_named((void *)ctx);
	return 0;
}

/* LSM: 8-byte integers and void only. */
__noinline int lsm_u64(__u64 *ctx __arg_ctx)
{
	return ctx[0] == 0;
}

__noinline int lsm_named(struct vt_any *ctx __arg_ctx)
{
	return ctx->x == 0;
}

SEC("?lsm/bpf")
int lsm_u64_ok(__u64 *ctx)
{
	vt_res = lsm_u64(ctx);
	return 0;
}

SEC("?lsm/bpf")
int lsm_named_bad(__u64 *ctx)
{
	vt_res = lsm_named((void *)ctx);
	return 0;
}

/* tracepoint: any named pointee with arg:ctx; an untagged struct is plain memory. */
__noinline int tp_anon(vt_anon_t *p __arg_ctx)
{
	__u64 v = 1;

	return bpf_perf_event_output(p, &vt_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int tp_u64(__u64 *p __arg_ctx)
{
	__u64 v = 1;

	return bpf_perf_event_output(p, &vt_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int tp_void(void *p __arg_ctx)
{
	__u64 v = 1;

	return bpf_perf_event_output(p, &vt_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

__noinline int tp_untagged(struct vt_any *p)
{
	__u64 v = 1;

	return bpf_perf_event_output(p, &vt_events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int tp_anon_tagged(void *ctx)
{
	return tp_anon(ctx);
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int tp_u64_tagged(void *ctx)
{
	return tp_u64(ctx);
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int tp_void_tagged(void *ctx)
{
	return tp_void(ctx);
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int tp_struct_untagged(void *ctx)
{
	return tp_untagged(ctx);
}

/* syscall: any named pointee with arg:ctx. */
__noinline int sc_named(struct vt_any *ctx __arg_ctx)
{
	return ctx->x & 1;
}

__noinline int sc_void(void *ctx __arg_ctx)
{
	return *(__u64 *)ctx & 1;
}

SEC("?syscall")
int syscall_named(void *ctx)
{
	return sc_named(ctx);
}

SEC("?syscall")
int syscall_void(void *ctx)
{
	return sc_void(ctx);
}

char LICENSE[] SEC("license") = "GPL";
