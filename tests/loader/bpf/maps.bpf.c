/* Map kinds beyond the fixtures (ring buffer, LRU and per-CPU hashes, a perf event array without
 * max_entries, a prog array, a bloom filter with map_extra) and static variables, reached through
 * section-symbol relocations, at non-zero offsets of .bss and .data. */
#include "common.h"

#define BPF_MAP_TYPE_PROG_ARRAY 3
#define BPF_MAP_TYPE_PERCPU_HASH 5
#define BPF_MAP_TYPE_LRU_HASH 9
#define BPF_MAP_TYPE_LRU_PERCPU_HASH 10
#define BPF_MAP_TYPE_RINGBUF 27
#define BPF_MAP_TYPE_BLOOM_FILTER 30
#define BPF_F_NO_PREALLOC 1

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__type(key, __u64);
	__type(value, __u32);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} lru_pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(void *));
} jumps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__type(value, __u32);
	__uint(map_extra, 3);
} bloom SEC(".maps");

static __u64 first_static;
static __u64 second_static;
static __u32 data_a = 5;
static __u32 data_b = 9;

__noinline int record(void *ctx __arg_ctx, __u32 v)
{
	__u64 k = v;
	__u32 one = 1;

	bpf_map_update_elem(&lru, &k, &one, BPF_ANY);
	bpf_map_update_elem(&lru_pcpu, &one, &k, BPF_ANY);
	bpf_map_update_elem(&pcpu_hash, &one, &k, BPF_ANY);
	bpf_map_push_elem(&bloom, &v, 0);
	bpf_ringbuf_output(&rb, &k, sizeof(k), 0);
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &k, sizeof(k));
	second_static += v;
	data_b += 1;
	return 0;
}

SEC("tc")
int use_maps(struct __sk_buff *skb)
{
	first_static += 0x1111;
	data_a += 2;
	record(skb, skb->len);
	bpf_tail_call(skb, &jumps, 0);
	return first_static == data_a;
}

char LICENSE[] SEC("license") = "GPL";
