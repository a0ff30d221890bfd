/* Covers: callbacks registered through helpers older kernels lack: a bpf_timer callback (5.15+)
 * and a bpf_for_each_map_elem callback (5.13+), both `BPF_PSEUDO_FUNC` ld_imm64s, in a tc program
 * with an `__arg_ctx` subprogram. Fails on purpose on 5.10 (unknown helpers); loads from 6.1. */
#include "corpus.h"

struct elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} timers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

static int timer_fired(void *map, int *key, struct elem *val)
{
	return 0;
}

static __u64 sum_one(void *map, __u32 *key, __u64 *val, __u64 *sum)
{
	*sum += *val;
	return 0;
}

__noinline int tc_mark(void *ctx __arg_ctx)
{
	__u8 b = 0;

	bpf_skb_load_bytes(ctx, 0, &b, 1);
	return b;
}

SEC("tc")
int tc_timer(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 sum = 0;
	struct elem *e = bpf_map_lookup_elem(&timers, &key);

	if (e) {
		bpf_timer_init(&e->t, &timers, 1 /* CLOCK_MONOTONIC */);
		bpf_timer_set_callback(&e->t, timer_fired);
	}
	bpf_for_each_map_elem(&values, sum_one, &sum, 0);
	return (sum + tc_mark(skb)) & 1;
}

char LICENSE[] SEC("license") = "GPL";
