/* Covers: a BPF arena (BPF_MAP_TYPE_ARENA, 6.9+) with a global variable in it (`.addr_space.1`,
 * which libbpf maps into the arena) passed to an `arg:arena` argument, and an `__arg_ctx`
 * subprogram, in a syscall program. Fails on purpose before 6.9 (no arena map: libbpf cannot
 * create it); loads on sid and the host. */
#include "corpus.h"

#define BPF_MAP_TYPE_ARENA 33
#define BPF_F_MMAPABLE (1U << 10)
#define __arena __attribute__((address_space(1)))

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* pages */
} arena SEC(".maps");

int __arena hits;

__noinline int bump(int __arena *p __arg_arena)
{
	if (!p)
		return 0;
	return ++*p;
}

__noinline int ctx_word(void *ctx __arg_ctx)
{
	return ctx != 0;
}

SEC("syscall")
int syscall_arena(void *ctx)
{
	return bump(&hits) + ctx_word(ctx);
}

char LICENSE[] SEC("license") = "GPL";
