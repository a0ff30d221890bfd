/* Covers: kconfig externs: the ones libbpf computes itself (LINUX_KERNEL_VERSION,
 * LINUX_HAS_SYSCALL_WRAPPER), a strong one read from the kernel's config (CONFIG_BPF_SYSCALL) and a
 * weak one that no config defines (defaults to 0), next to an `__arg_ctx` subprogram. Needs
 * /proc/config.gz or /boot/config-$(uname -r) (the VMs get the package's config). */
#include "corpus.h"

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern int CONFIG_ARGCTX_NOT_A_CONFIG __kconfig __weak;

__noinline int sock_first_byte(void *ctx __arg_ctx)
{
	__u8 b = 0;

	bpf_skb_load_bytes(ctx, 0, &b, 1);
	return b;
}

SEC("socket")
int socket_kconfig(struct __sk_buff *skb)
{
	int v = sock_first_byte(skb);

	if (LINUX_KERNEL_VERSION >= 0x050a00 && CONFIG_BPF_SYSCALL)
		v++;
	if (LINUX_HAS_SYSCALL_WRAPPER)
		v++;
	return v + CONFIG_ARGCTX_NOT_A_CONFIG;
}

char LICENSE[] SEC("license") = "GPL";
