//! libbpf 1.7's `bpf_object__resolve_externs` for the loader: `__kconfig` values (the kernel's
//! config and the values libbpf computes itself), typed `__ksym` variables and kfuncs found in
//! the running kernel's BTF, untyped `__ksym` addresses from `/proc/kallsyms`. A strong extern
//! that cannot be resolved fails the whole object, as in libbpf; a weak one stays unset (zero,
//! or a poisoned call for a kfunc).
//!
//! Module BTF (`/sys/kernel/btf/<module>`) is not searched: a kfunc or variable found only there
//! fails with a message saying so, where libbpf would find it.

use std::collections::HashMap;
use std::io::Read;

use super::kernel;
use super::maps::{map_type, MapDef, MapKind, F_MMAPABLE, F_RDONLY_PROG};
use super::LoadError;
use crate::btf::{Btf, Kind};
use crate::core_relo::compat;
use crate::fallback::externs::{kcfg_type, KcfgType};
use crate::fallback::ExternDecl;

/// What an extern resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value {
    /// A `.kconfig` variable at this offset of the `.kconfig` map.
    Kconfig(u32),
    /// A typed ksym variable or a kfunc: its id in vmlinux BTF.
    BtfId(u32),
    /// An untyped ksym: its address.
    Addr(u64),
    /// A weak extern the kernel does not have.
    Unset,
}

/// The resolved externs of an object.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    /// By name: the value, and the extern's index in libbpf's order (a poisoned call's number).
    pub(crate) values: HashMap<String, (Value, usize)>,
    /// The `.kconfig` map to create, with its contents.
    pub(crate) kconfig_map: Option<MapDef>,
    /// What libbpf would print about unset weak externs.
    pub(crate) warnings: Vec<String>,
}

fn prepare(msg: String) -> LoadError {
    LoadError::Prepare(msg)
}

/// The running kernel's config: `/boot/config-$(uname -r)`, else `/proc/config.gz`.
fn read_kconfig() -> Result<String, LoadError> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let boot = format!("/boot/config-{}", release.trim());
    if let Ok(text) = std::fs::read_to_string(&boot) {
        return Ok(text);
    }
    let gz = std::fs::read("/proc/config.gz")
        .map_err(|_| prepare("failed to open system Kconfig".into()))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_string(&mut text)
        .map_err(|e| prepare(format!("failed to read /proc/config.gz: {e}")))?;
    Ok(text)
}

/// Writes `value` (a config value as written after `=`) for one kconfig extern.
fn set_value(
    name: &str,
    ty: KcfgType,
    size: usize,
    value: &str,
    out: &mut [u8],
) -> Result<(), LoadError> {
    let bad = |why: &str| prepare(format!("extern (kcfg) '{name}': {why}"));
    let tri = match value {
        "y" => Some(b'y'),
        "n" => Some(b'n'),
        "m" => Some(b'm'),
        _ => None,
    };
    if let Some(c) = tri {
        let byte = match ty {
            KcfgType::Bool if c == b'm' => {
                return Err(bad(&format!(
                    "value '{}' implies tristate or char type",
                    c as char
                )))
            }
            KcfgType::Bool => u8::from(c == b'y'),
            KcfgType::Tristate => match c {
                b'y' => 1,
                b'm' => 2,
                _ => 0,
            },
            KcfgType::Char => c,
            _ => {
                return Err(bad(&format!(
                    "value '{}' implies bool, tristate, or char type",
                    c as char
                )))
            }
        };
        if ty == KcfgType::Tristate {
            let v = u32::from(byte).to_ne_bytes();
            out.iter_mut().zip(v).for_each(|(o, b)| *o = b);
        } else if let Some(o) = out.first_mut() {
            *o = byte;
        }
        return Ok(());
    }
    if let Some(s) = value.strip_prefix('"') {
        let s = s
            .strip_suffix('"')
            .ok_or_else(|| bad("invalid string config"))?;
        if ty != KcfgType::CharArray {
            return Err(bad("value is a string, the type is not a char array"));
        }
        let n = s.len().min(size.saturating_sub(1));
        out.iter_mut()
            .zip(s.bytes().take(n).chain(std::iter::repeat(0)))
            .for_each(|(o, b)| *o = b);
        return Ok(());
    }
    let v = parse_num(value).ok_or_else(|| bad(&format!("failed to parse '{value}'")))?;
    set_num(name, ty, size, v, out)
}

/// strtoull with base 0 (decimal, `0x` hex, leading-zero octal), as libbpf parses numbers.
fn parse_num(s: &str) -> Option<u64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()?
    } else {
        s.parse().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

fn set_num(name: &str, ty: KcfgType, size: usize, v: u64, out: &mut [u8]) -> Result<(), LoadError> {
    let bad = |why: String| prepare(format!("extern (kcfg) '{name}': {why}"));
    match ty {
        KcfgType::Bool if v > 1 => return Err(bad(format!("value {v} isn't boolean compatible"))),
        KcfgType::Int { .. } | KcfgType::Char | KcfgType::Bool => {}
        _ => return Err(bad("value is a number, the type is not".into())),
    }
    let fits = match (ty, size) {
        (KcfgType::Int { signed: true }, 1..=7) => {
            let bits = size * 8;
            let min = -(1i128 << (bits - 1));
            let max = (1i128 << (bits - 1)) - 1;
            (min..=max).contains(&i128::from(v as i64))
        }
        (_, 1..=7) => v >> (size * 8) == 0,
        _ => true,
    };
    if !fits {
        return Err(bad(format!("value {v} doesn't fit in {size} bytes")));
    }
    let bytes = v.to_ne_bytes();
    let bytes: &[u8] = if cfg!(target_endian = "big") {
        bytes.get(8usize.saturating_sub(size)..).unwrap_or(&bytes)
    } else {
        &bytes
    };
    out.iter_mut().zip(bytes).for_each(|(o, b)| *o = *b);
    Ok(())
}

/// Whether this kernel wraps system calls (`__x64_sys_bpf` and friends exist). libbpf asks with
/// a kprobe perf event on that function; its presence in `/proc/kallsyms` answers the same.
fn has_syscall_wrapper(kallsyms: &HashMap<String, u64>) -> bool {
    let prefix = if cfg!(target_arch = "x86_64") {
        "__x64"
    } else if cfg!(target_arch = "aarch64") {
        "__arm64"
    } else if cfg!(target_arch = "s390x") {
        "__s390x"
    } else if cfg!(target_arch = "riscv64") {
        "__riscv"
    } else {
        return false;
    };
    kallsyms.contains_key(&format!("{prefix}_sys_bpf"))
}

fn read_kallsyms() -> HashMap<String, u64> {
    let text = std::fs::read_to_string("/proc/kallsyms").unwrap_or_default();
    let mut out = HashMap::new();
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let (Some(addr), Some(_kind), Some(name)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        if let Ok(a) = u64::from_str_radix(addr, 16) {
            out.entry(name.to_string()).or_insert(a);
        }
    }
    out
}

/// Resolves `decls` (libbpf's order) for the running kernel. `orig` is the object's BTF as
/// compiled (the externs' declared types), `prepared` as libbpf prepared it (the `.kconfig`
/// DATASEC laid out), `vmlinux` reads the kernel's own BTF.
pub(crate) fn resolve(
    decls: &[ExternDecl],
    orig: Option<&Btf<'_>>,
    prepared: Option<&Btf<'_>>,
    obj_name: &str,
    vmlinux: &dyn Fn() -> Result<Vec<u8>, String>,
) -> Result<Resolved, LoadError> {
    let mut r = Resolved::default();
    if decls.is_empty() {
        return Ok(r);
    }
    let (Some(orig), Some(btf)) = (orig, prepared) else {
        return Err(prepare("externs need the object's BTF".into()));
    };
    let kallsyms_cell: std::cell::OnceCell<HashMap<String, u64>> = std::cell::OnceCell::new();
    let kallsyms = || kallsyms_cell.get_or_init(read_kallsyms);

    // The .kconfig map: its DATASEC gives the layout.
    let kconfig_sec = btf
        .types()
        .find(|t| t.kind == Kind::Datasec && btf.str_at(t.name_off) == Some(&b".kconfig"[..]));
    let mut kconfig_data = kconfig_sec.map(|t| vec![0u8; t.size() as usize]);
    let mut config: Option<HashMap<String, String>> = None;
    let vm_raw = std::cell::OnceCell::new();

    for (idx, d) in decls.iter().enumerate() {
        let value = match d.kind {
            "kconfig" => {
                let sec = kconfig_sec.ok_or_else(|| {
                    prepare(format!("extern (kcfg) '{}': no .kconfig section", d.name))
                })?;
                let entry = sec
                    .datasec_vars()
                    .find(|v| v.type_id == d.btf_id)
                    .ok_or_else(|| {
                        prepare(format!("extern (kcfg) '{}': not in .kconfig", d.name))
                    })?;
                let var = btf
                    .get(d.btf_id)
                    .ok_or_else(|| prepare(format!("extern (kcfg) '{}': no BTF", d.name)))?;
                let ty = kcfg_type(btf, var.type_id()).ok_or_else(|| {
                    prepare(format!("extern (kcfg) '{}': type is unsupported", d.name))
                })?;
                let size = btf.resolve_size(var.type_id(), 8).unwrap_or(0) as usize;
                let off = entry.offset as usize;
                let data = kconfig_data
                    .as_mut()
                    .ok_or_else(|| prepare("no .kconfig data".into()))?;
                let slot = data.get_mut(off..off.saturating_add(size)).ok_or_else(|| {
                    prepare(format!("extern (kcfg) '{}': outside .kconfig", d.name))
                })?;
                let computed = match d.name.as_str() {
                    "LINUX_KERNEL_VERSION" => Some(u64::from(kernel::running_version())),
                    "LINUX_HAS_SYSCALL_WRAPPER" => Some(u64::from(has_syscall_wrapper(kallsyms()))),
                    "LINUX_HAS_BPF_COOKIE" => {
                        Some(u64::from(super::probe::kernel_has_bpf_cookie()))
                    }
                    n if n.starts_with("LINUX_") => {
                        return Err(prepare(format!("unrecognized extern '{n}'")))
                    }
                    _ => None,
                };
                let set = if let Some(v) = computed {
                    set_num(&d.name, ty, size, v, slot)?;
                    true
                } else if d.name.starts_with("CONFIG_") {
                    if config.is_none() {
                        let text = read_kconfig()?;
                        config = Some(
                            text.lines()
                                .filter_map(|l| l.split_once('='))
                                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                                .collect(),
                        );
                    }
                    match config.as_ref().and_then(|c| c.get(&d.name)) {
                        Some(v) => {
                            set_value(&d.name, ty, size, v, slot)?;
                            true
                        }
                        None => false,
                    }
                } else {
                    return Err(prepare(format!("unrecognized extern '{}'", d.name)));
                };
                if set {
                    Value::Kconfig(entry.offset)
                } else if d.weak {
                    r.warnings.push(format!(
                        "extern (kcfg) '{}': set to 0 (weak, not in the kernel config)",
                        d.name
                    ));
                    Value::Kconfig(entry.offset)
                } else {
                    return Err(prepare(format!(
                        "extern (kcfg) '{}': value not found in the kernel config",
                        d.name
                    )));
                }
            }
            "ksym" | "kfunc" => {
                let local = orig
                    .get(d.btf_id)
                    .ok_or_else(|| prepare(format!("extern '{}': no BTF", d.name)))?;
                let typed = d.kind == "kfunc"
                    || orig
                        .skip_mods_and_typedefs(local.type_id())
                        .is_some_and(|t| t.id != 0);
                if !typed {
                    match kallsyms().get(&d.name) {
                        Some(&a) => Value::Addr(a),
                        None if d.weak => Value::Unset,
                        None => {
                            return Err(prepare(format!(
                                "extern (ksym) '{}': failed to find kallsyms address (ESRCH)",
                                d.name
                            )))
                        }
                    }
                } else {
                    let raw = vm_raw.get_or_init(vmlinux);
                    let raw = raw.as_ref().map_err(|e| prepare(e.clone()))?;
                    let kbtf = Btf::parse(raw).map_err(|e| prepare(format!("vmlinux BTF: {e}")))?;
                    let want = if d.kind == "kfunc" {
                        Kind::Func
                    } else {
                        Kind::Var
                    };
                    let essential = &d.name.as_bytes()[..compat::essential_len(d.name.as_bytes())];
                    let found = kbtf
                        .types()
                        .find(|t| t.kind == want && kbtf.str_at(t.name_off) == Some(essential));
                    let what = if d.kind == "kfunc" {
                        "func ksym"
                    } else {
                        "var ksym"
                    };
                    match found {
                        None if d.weak => Value::Unset,
                        None => {
                            let modules = std::fs::read_dir("/sys/kernel/btf")
                                .map(|d| d.flatten().any(|e| e.file_name() != "vmlinux"))
                                .unwrap_or(false);
                            return Err(if modules {
                                LoadError::Unsupported(format!(
                                    "extern ({what}) '{}': not found in vmlinux BTF, and module BTF is not searched by this loader",
                                    d.name
                                ))
                            } else {
                                prepare(format!(
                                    "extern ({what}) '{}': not found in kernel BTF (ESRCH)",
                                    d.name
                                ))
                            });
                        }
                        Some(k) => {
                            // libbpf compares a variable's types after modifiers and typedefs
                            // (`const int` declared, `int` in the kernel), a kfunc's prototypes
                            // as they are.
                            let (l, t) = if d.kind == "kfunc" {
                                (local.type_id(), k.type_id())
                            } else {
                                (
                                    orig.skip_mods_and_typedefs(local.type_id())
                                        .map_or(0, |x| x.id),
                                    kbtf.skip_mods_and_typedefs(k.type_id()).map_or(0, |x| x.id),
                                )
                            };
                            let compatible =
                                compat::types_compat(orig, l, &kbtf, t, 32).unwrap_or(false);
                            match (compatible, d.weak) {
                                (true, _) => Value::BtfId(k.id),
                                (false, true) if d.kind == "kfunc" => Value::Unset,
                                _ => {
                                    return Err(prepare(format!(
                                        "extern ({what}) '{}': incompatible with the kernel's type [{}] (EINVAL)",
                                        d.name, k.id
                                    )))
                                }
                            }
                        }
                    }
                }
            }
            _ => Value::Unset,
        };
        if value == Value::Unset {
            r.warnings.push(format!(
                "extern {} (weak): not resolved, defaulting to zero",
                d.name
            ));
        }
        r.values.insert(d.name.clone(), (value, idx));
    }
    if let (Some(sec), Some(data)) = (kconfig_sec, kconfig_data) {
        r.kconfig_map = Some(MapDef {
            name: ".kconfig".into(),
            kernel_name: super::maps::internal_map_name(obj_name, ".kconfig"),
            kind: MapKind::Kconfig,
            sec_idx: usize::MAX,
            sec_offset: 0,
            map_type: map_type::ARRAY,
            key_size: 4,
            value_size: u32::try_from(data.len()).unwrap_or(u32::MAX),
            max_entries: 1,
            map_flags: F_RDONLY_PROG | F_MMAPABLE,
            numa_node: 0,
            map_extra: 0,
            btf_key_type_id: 0,
            btf_value_type_id: sec.id,
            initial: Some(data),
        });
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_like_strtoull() {
        assert_eq!(parse_num("100"), Some(100));
        assert_eq!(parse_num("0x10"), Some(16));
        assert_eq!(parse_num("010"), Some(8));
        assert_eq!(parse_num("0"), Some(0));
        assert_eq!(parse_num("-1"), Some(u64::MAX));
        assert_eq!(parse_num("y"), None);
    }

    #[test]
    fn values_fill_their_slot() {
        let mut b = [0u8; 1];
        set_value("CONFIG_A", KcfgType::Bool, 1, "y", &mut b).unwrap();
        assert_eq!(b, [1]);
        assert!(set_value("CONFIG_A", KcfgType::Bool, 1, "m", &mut b).is_err());
        let mut t = [0u8; 4];
        set_value("CONFIG_T", KcfgType::Tristate, 4, "m", &mut t).unwrap();
        assert_eq!(u32::from_ne_bytes(t), 2);
        let mut i = [0u8; 4];
        set_value(
            "CONFIG_HZ",
            KcfgType::Int { signed: true },
            4,
            "250",
            &mut i,
        )
        .unwrap();
        assert_eq!(i32::from_ne_bytes(i), 250);
        assert!(set_value(
            "CONFIG_X",
            KcfgType::Int { signed: false },
            1,
            "300",
            &mut b
        )
        .is_err());
        let mut s = [0xffu8; 6];
        set_value("CONFIG_S", KcfgType::CharArray, 6, "\"abcdefg\"", &mut s).unwrap();
        assert_eq!(&s, b"abcde\0");
    }
}
