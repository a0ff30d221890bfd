//! Verdicts libbpf cannot give: the kernel's own rules for tagged arguments, per kernel version.
