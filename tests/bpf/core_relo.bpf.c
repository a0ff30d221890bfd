/* Covers: CO-RE relocations of every kind against kernel types declared here (a subset of their
 * members, marked preserve_access_index): field offset/size/existence/signedness/shifts, type
 * id/existence/size/match, enum value existence/value, a `___v2` flavor, a missing field, type and
 * enumerator (asked about, not read), and relocations in a subprogram two programs call. */
#include "common.h"

#define __core __attribute__((preserve_access_index))

/* clang's CO-RE built-in kinds (bpf_core_read.h) */
#define FIELD_BYTE_OFFSET 0
#define FIELD_BYTE_SIZE 1
#define FIELD_EXISTS 2
#define FIELD_SIGNED 3
#define FIELD_LSHIFT_U64 4
#define FIELD_RSHIFT_U64 5
#define TYPE_ID_LOCAL 0
#define TYPE_ID_TARGET 1
#define TYPE_EXISTS 0
#define TYPE_SIZE 1
#define TYPE_MATCHES 2
#define ENUMVAL_EXISTS 0
#define ENUMVAL_VALUE 1

#define field_info(f, k) __builtin_preserve_field_info(f, k)
#define type_info(T, k) __builtin_preserve_type_info(*(T *)0, k)
#define enum_info(T, v, k) __builtin_preserve_enum_value(*(T *)v, k)

struct list_head {
	struct list_head *next;
	struct list_head *prev;
} __core;

struct task_struct {
	unsigned int flags;
	int pid;
	int tgid;
	unsigned int in_execve : 1;
	unsigned int in_iowait : 1;
	char comm[16];
	struct task_struct *real_parent;
	struct list_head children;
	int argctx_no_such_field;
} __core;

/* a flavor: the same kernel struct with a member the kernel does not have */
struct task_struct___v2 {
	int pid;
	long argctx_renamed_tgid;
} __core;

struct argctx_no_such_struct {
	int x;
} __core;

enum pid_type {
	PIDTYPE_PID,
	PIDTYPE_TGID,
	PIDTYPE_PGID,
	ARGCTX_PIDTYPE_NONE,
};

static __always_inline int read_int(const void *p)
{
	int v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), p);
	return v;
}

static __noinline int parent_pid(struct task_struct *t)
{
	struct task_struct *parent = 0;

	bpf_probe_read_kernel(&parent, sizeof(parent), __builtin_preserve_access_index(&t->real_parent));
	if (!parent)
		return 0;
	return read_int(__builtin_preserve_access_index(&parent->pid));
}

SEC("kprobe/do_unlinkat")
int core_fields(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	char c = 0;
	__u64 v = 0;
	int r;

	r = read_int(__builtin_preserve_access_index(&t->pid));
	r += read_int(__builtin_preserve_access_index(&t->tgid));
	bpf_probe_read_kernel(&c, 1, __builtin_preserve_access_index(&t->comm[3]));
	r += c;
	r += field_info(t->comm, FIELD_BYTE_SIZE);
	r += field_info(t->flags, FIELD_SIGNED) + field_info(t->pid, FIELD_SIGNED);
	bpf_probe_read_kernel(&v, field_info(t->in_iowait, FIELD_BYTE_SIZE),
			      (char *)t + field_info(t->in_iowait, FIELD_BYTE_OFFSET));
	v <<= field_info(t->in_iowait, FIELD_LSHIFT_U64);
	v >>= field_info(t->in_iowait, FIELD_RSHIFT_U64);
	r += v;
	r += read_int(__builtin_preserve_access_index(&t->children.next)) != 0;
	return r + parent_pid(t);
}

/* The kernel removes dead code (and its line_info records) after verification, which whole-fixture
 * differential tests compare, so this fixture has no guarded branches: missing things are only
 * asked about (existence is 0, a missing type's size is 0), never read, so nothing is poisoned. */
SEC("kprobe/do_unlinkat")
int core_exists(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct task_struct___v2 *t2 = (void *)t;
	int r = 0;

	r += field_info(t->argctx_no_such_field, FIELD_EXISTS);
	r += field_info(t2->argctx_renamed_tgid, FIELD_EXISTS);
	r += read_int(__builtin_preserve_access_index(&t2->pid));
	r += field_info(t->pid, FIELD_EXISTS);
	return r + parent_pid(t);
}

SEC("kprobe/do_unlinkat")
int core_types(void *ctx)
{
	int r = 0;

	r += type_info(struct task_struct, TYPE_EXISTS);
	r += type_info(struct task_struct___v2, TYPE_EXISTS);
	r += type_info(struct list_head, TYPE_SIZE);
	r += type_info(struct list_head, TYPE_MATCHES);
	r += type_info(struct task_struct, TYPE_MATCHES);
	r += type_info(struct argctx_no_such_struct, TYPE_EXISTS);
	r += type_info(struct argctx_no_such_struct, TYPE_SIZE);
	r += __builtin_btf_type_id(*(struct task_struct *)0, TYPE_ID_LOCAL);
	r += __builtin_btf_type_id(*(struct task_struct *)0, TYPE_ID_TARGET);
	r += enum_info(enum pid_type, PIDTYPE_TGID, ENUMVAL_EXISTS);
	r += enum_info(enum pid_type, PIDTYPE_PGID, ENUMVAL_VALUE);
	r += enum_info(enum pid_type, ARGCTX_PIDTYPE_NONE, ENUMVAL_EXISTS);
	return r;
}

char LICENSE[] SEC("license") = "GPL";
