//! What the loader reads from the running system (files only; no system calls): the kernel
//! version for `kern_version`, the number of possible CPUs, the kernel's own BTF.

use std::io;

use crate::program::Object;

/// libbpf's `KERNEL_VERSION(a, b, c)` (the patch level saturates at 255).
pub(crate) fn version_code(major: u32, minor: u32, patch: u32) -> u32 {
    (major.min(255) << 16) | (minor.min(255) << 8) | patch.min(255)
}

/// The first `a.b.c` triple at the start of `s`.
pub(crate) fn parse_version(s: &str) -> Option<(u32, u32, u32)> {
    let mut parts = s.splitn(3, '.');
    let num = |p: Option<&str>| -> Option<u32> {
        let p = p?;
        let end = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
        p.get(..end)?.parse().ok()
    };
    Some((num(parts.next())?, num(parts.next())?, num(parts.next())?))
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// The running kernel's version as libbpf's `get_kernel_version` computes it: Ubuntu's
/// `/proc/version_signature`, then Debian's version in `uname -v`, then `uname -r`.
pub(crate) fn running_version() -> u32 {
    if let Some(sig) = read_trimmed("/proc/version_signature") {
        if let Some((a, b, c)) = sig.split_whitespace().last().and_then(parse_version) {
            return version_code(a, b, c);
        }
    }
    if let Some(v) = read_trimmed("/proc/sys/kernel/version") {
        if let Some(at) = v.find("Debian ") {
            if let Some((a, b, c)) = v.get(at + 7..).and_then(parse_version) {
                return version_code(a, b, c);
            }
        }
    }
    read_trimmed("/proc/sys/kernel/osrelease")
        .as_deref()
        .and_then(parse_version)
        .map_or(0, |(a, b, c)| version_code(a, b, c))
}

/// `kern_version` for program loads: the object's `version` section when it has a valid one,
/// else the running kernel's.
pub(crate) fn kern_version(obj: &Object<'_>) -> u32 {
    match obj.elf.section_by_name("version").map(|s| s.data) {
        Some(&[a, b, c, d]) => obj.endian().u32([a, b, c, d]),
        _ => running_version(),
    }
}

/// Counts the CPUs in a list such as `0-3,5,7-8`.
pub(crate) fn count_cpu_list(s: &str) -> Option<u32> {
    let mut n: u32 = 0;
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?),
            None => {
                let v = part.trim().parse::<u32>().ok()?;
                (v, v)
            }
        };
        n = n.checked_add(hi.checked_sub(lo)?.checked_add(1)?)?;
    }
    (n > 0).then_some(n)
}

/// The number of possible CPUs (`/sys/devices/system/cpu/possible`), as libbpf counts them
/// for perf event arrays without `max_entries`.
pub(crate) fn possible_cpus() -> io::Result<u32> {
    let s = std::fs::read_to_string("/sys/devices/system/cpu/possible")?;
    count_cpu_list(&s).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("cannot parse /sys/devices/system/cpu/possible: {s:?}"),
        )
    })
}

/// The kernel's BTF.
pub(crate) fn vmlinux_btf() -> io::Result<Vec<u8>> {
    std::fs::read("/sys/kernel/btf/vmlinux")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_sscanf() {
        assert_eq!(parse_version("6.1.158-1 (2025-10-01)"), Some((6, 1, 158)));
        assert_eq!(parse_version("6.18.44-fc-v669"), Some((6, 18, 44)));
        assert_eq!(parse_version("6.8"), None);
        assert_eq!(version_code(6, 1, 300), 0x0006_01ff);
        assert_eq!(version_code(5, 15, 39), 0x0005_0f27);
    }

    #[test]
    fn cpu_lists_count() {
        assert_eq!(count_cpu_list("0-1\n"), Some(2));
        assert_eq!(count_cpu_list("0"), Some(1));
        assert_eq!(count_cpu_list("0-3,5,7-8"), Some(7));
        assert_eq!(count_cpu_list(""), None);
        assert_eq!(count_cpu_list("3-1"), None);
    }
}
