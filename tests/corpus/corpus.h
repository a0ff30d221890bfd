/* Shared by the corpus objects: the fixtures' own declarations plus what modern BPF code takes from
 * newer bpf_helpers.h (Debian's libbpf-dev 1.1 predates some of it). */
#ifndef ARGCTX_CORPUS_H
#define ARGCTX_CORPUS_H

#include "../bpf/common.h"

#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) ({ _Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); !!sym; })
#endif

#define BPF_MAP_TYPE_RINGBUF 27

/* uapi's opaque timer (include/uapi/linux/bpf.h). */
struct bpf_timer {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

#endif
