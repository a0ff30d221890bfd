//! The `loader` feature: loads objects through bpf() (Linux only).
