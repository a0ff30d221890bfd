/* Covers: CO-RE relocations that fail and are poisoned, as libbpf does it. Each missing field,
 * type or enumerator is read only behind a guard that asks whether it exists, so the poisoned
 * instruction (libbpf's `call 0xbad2310`, after a `ldimm64` the second half is poisoned too) is
 * dead code and the program still loads. The kernel removes that dead code and its line_info
 * records after verification, so the differential tests allow fewer kernel line_info records for
 * programs that carry a poisoned instruction. */
#include "common.h"

#define __core __attribute__((preserve_access_index))

#define FIELD_BYTE_OFFSET 0
#define FIELD_EXISTS 2
#define TYPE_EXISTS 0
#define ENUMVAL_EXISTS 0
#define ENUMVAL_VALUE 1

#define field_info(f, k) __builtin_preserve_field_info(f, k)
#define type_info(T, k) __builtin_preserve_type_info(*(T *)0, k)
#define enum_info(T, v, k) __builtin_preserve_enum_value(*(T *)v, k)

struct task_struct {
	int pid;
	int argctx_poison_field;
} __core;

/* a flavor whose extra member the kernel does not have */
struct task_struct___poison {
	int pid;
	long argctx_poison_member;
} __core;

/* a type the kernel does not have at all */
struct argctx_poison_struct {
	int a;
	int b;
} __core;

enum pid_type {
	PIDTYPE_PID,
	ARGCTX_PIDTYPE_POISON,
};

static __always_inline int read_int(const void *p)
{
	int v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), p);
	return v;
}

/* A missing field read behind its existence check: the offset relocation fails and is poisoned. */
SEC("kprobe/do_unlinkat")
int poison_field(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	int r = read_int(__builtin_preserve_access_index(&t->pid));

	if (field_info(t->argctx_poison_field, FIELD_EXISTS))
		r += read_int(__builtin_preserve_access_index(&t->argctx_poison_field));
	return r;
}

/* The same through a flavor, in a subprogram: the poisoned instruction is appended to the
 * program that calls it. */
static __noinline int flavored(struct task_struct___poison *t)
{
	if (field_info(t->argctx_poison_member, FIELD_EXISTS))
		return read_int(__builtin_preserve_access_index(&t->argctx_poison_member));
	return read_int(__builtin_preserve_access_index(&t->pid));
}

SEC("kprobe/do_unlinkat")
int poison_flavor(void *ctx)
{
	return flavored((void *)bpf_get_current_task());
}

/* A missing enumerator's value (a 64-bit immediate: both halves poisoned) and a missing type's
 * size, each behind an existence check. */
SEC("kprobe/do_unlinkat")
int poison_enum_type(void *ctx)
{
	long r = 0;

	if (enum_info(enum pid_type, ARGCTX_PIDTYPE_POISON, ENUMVAL_EXISTS))
		r += enum_info(enum pid_type, ARGCTX_PIDTYPE_POISON, ENUMVAL_VALUE);
	if (type_info(struct argctx_poison_struct, TYPE_EXISTS))
		r += field_info(((struct argctx_poison_struct *)0)->b, FIELD_BYTE_OFFSET);
	return r;
}

char LICENSE[] SEC("license") = "GPL";
