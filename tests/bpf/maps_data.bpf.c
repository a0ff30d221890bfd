/* Covers: BTF-defined maps and global data in .data, .rodata, .bss and a custom .data.foo section, used from tagged subprogs of socket and cgroup_skb programs (plus an __arg_nonnull memory arg). */
#include "common.h"

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scratch SEC(".maps");

__u64 packets_seen = 1;                       /* .data */
const volatile __u32 snap_len = 64;           /* .rodata */
__u64 bytes_seen;                             /* .bss */
__u32 foo_marker SEC(".data.foo") = 0xf00;    /* custom data section */

__noinline int count_into(__u64 *slot __arg_nonnull, __u64 add)
{
	if (!slot)
		return 0;
	__sync_fetch_and_add(slot, add);
	return 1;
}

__noinline int account(void *ctx __arg_ctx, __u32 idx)
{
	struct flow_stats init = {}, *st;
	__u32 key = idx & 3, zero = 0;
	__u64 *slot, *tmp;
	__u8 b = 0;

	if (bpf_skb_load_bytes(ctx, 0, &b, sizeof(b)))
		return 0;
	slot = bpf_map_lookup_elem(&counters, &key);
	if (!slot)
		return 0;
	count_into(slot, b < snap_len ? b : snap_len);

	st = bpf_map_lookup_elem(&flows, &key);
	if (!st) {
		bpf_map_update_elem(&flows, &key, &init, BPF_ANY);
		st = bpf_map_lookup_elem(&flows, &key);
		if (!st)
			return 0;
	}
	st->packets++;
	st->bytes += b;

	tmp = bpf_map_lookup_elem(&scratch, &zero);
	if (tmp)
		*tmp = foo_marker;

	packets_seen++;
	bytes_seen += b;
	return 1;
}

SEC("socket")
int socket_count(struct __sk_buff *skb)
{
	account(skb, 0);
	return skb->len;
}

SEC("cgroup_skb/ingress")
int cgskb_count(struct __sk_buff *skb)
{
	account(skb, 1);
	return CGROUP_SKB_ALLOW;
}

char LICENSE[] SEC("license") = "GPL";
