//! The `loader` feature (Linux): loads BPF objects through `bpf()`, with libbpf 1.7's
//! `__arg_ctx` fallback applied when the running kernel needs it.
//!
//! ```no_run
//! use argctx::loader::{FallbackPolicy, Loader};
//!
//! let bytes = std::fs::read("prog.bpf.o")?;
//! let obj = Loader::new()
//!     .fallback(FallbackPolicy::Auto)
//!     .object_name("prog")
//!     .load(&bytes)?;
//! for p in obj.programs() {
//!     match &p.result {
//!         Ok(loaded) => println!("{}: fd {:?}", p.name, loaded.fd()),
//!         Err(e) => println!("{}: {e}\n{}", p.name, e.log_tail(20)),
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What `load` does, in libbpf's order
//!
//! 1. Opens the object ([`crate::program::Object::open`]) and decides whether the fallback is
//!    needed: [`FallbackPolicy::Auto`] runs libbpf's feature probe ([`kernel_supports_arg_ctx`],
//!    the exact BTF, program and func_info of `probe_kern_arg_ctx_tag`, cached per process)
//!    when the object has `.BTF.ext`; `Always` and `Never` force the answer.
//! 2. Prepares like libbpf ([`crate::fallback::apply_to`]): collects externs, links every
//!    autoloaded program, applies the fallback (or not), finalizes DATASECs, and sanitizes a copy
//!    of the BTF for the BTF features the running kernel lacks ([`kernel_btf_features`]: libbpf's
//!    probes, cached per process). That copy is the exact BTF libbpf sends; it is loaded with
//!    `BPF_BTF_LOAD`. When the kernel rejects it the programs load without BTF, as in libbpf,
//!    and [`LoadedObject::downgrades`] says so with the consequence; [`Loader::require_btf`]
//!    makes it an error instead.
//! 3. Resolves externs as libbpf does: `__kconfig` values from `/boot/config-$(uname -r)` or
//!    `/proc/config.gz` and the ones libbpf computes (`LINUX_KERNEL_VERSION`,
//!    `LINUX_HAS_SYSCALL_WRAPPER`, `LINUX_HAS_BPF_COOKIE`) into a frozen `.kconfig` map; typed
//!    `__ksym` variables and kfuncs by name in `/sys/kernel/btf/vmlinux` (type-checked like
//!    libbpf); untyped ksyms from `/proc/kallsyms`. A strong extern that cannot be resolved
//!    fails the object; a weak one stays zero, and its kfunc calls are poisoned as libbpf
//!    poisons them (the `bpf_ksym_exists` pattern).
//! 4. Creates the maps: BTF-defined maps of `.maps`, then one array per global data section
//!    with its initial contents, `.rodata` frozen, then `.kconfig` ([`MapDef`] says what was
//!    asked).
//! 5. Loads every autoloaded program on its own: data and extern relocations applied to the
//!    linked instructions (those of appended subprograms too), license, kern_version, expected
//!    attach type, `attach_btf_id` for tracing programs (looked up by name in
//!    `/sys/kernel/btf/vmlinux`), func_info from the fallback, line_info from linking. A failure
//!    is reported for that program with the verifier's log; the others still load.
//!
//! # Not supported (the program or object fails with a message naming it)
//!
//! `freplace` and `struct_ops` programs, kfuncs, variables and attach targets in kernel modules
//! (module BTF is not searched), map-in-map, pinned maps, prog-array slots initialised in
//! `.rel.maps`, arenas and jump tables, objects of the other byte order.

mod error;
mod externs;
mod kernel;
mod maps;
mod object;
mod probe;
mod prog;
mod reloc;
mod sys;

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

pub use error::{tail, BtfError, LoadError, ProgramError};
pub use maps::{map_type, MapDef, MapKind, F_MMAPABLE, F_RDONLY_PROG};
pub use object::{
    FallbackStatus, LoadedObject, LoadedProgram, Map, MapInfo, ProgramEntry, ProgramFallback,
    ProgramInfo,
};
pub use probe::{kernel_btf_features, kernel_supports_arg_ctx};

pub(crate) use error::Problem;

use crate::btf::sanitize::BtfFeatures;
use crate::btf::Btf;
use crate::fallback::{apply_to, Arch, Options};
use crate::program::Object;

/// When to apply libbpf's `__arg_ctx` fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FallbackPolicy {
    /// As libbpf: probe the kernel, rewrite only when it lacks native `arg:ctx` support.
    #[default]
    Auto,
    /// Always send the rewritten BTF.
    Always,
    /// Never rewrite (what loaders without the fallback do).
    Never,
}

impl FallbackPolicy {
    /// `auto`, `always` or `never`.
    pub fn name(self) -> &'static str {
        match self {
            FallbackPolicy::Auto => "auto",
            FallbackPolicy::Always => "always",
            FallbackPolicy::Never => "never",
        }
    }
}

/// Loads BPF objects. See the [module documentation](self).
#[derive(Debug, Clone, Default)]
pub struct Loader {
    policy: FallbackPolicy,
    programs: Vec<String>,
    verifier_log: bool,
    object_name: String,
    require_btf: bool,
    no_sanitize: bool,
}

/// The machine's architecture, for the perf_event register-struct rule.
fn host_arch() -> Arch {
    if cfg!(target_arch = "x86_64") {
        Arch::X86_64
    } else if cfg!(target_arch = "x86") {
        Arch::X86
    } else if cfg!(target_arch = "aarch64") {
        Arch::Arm64
    } else if cfg!(target_arch = "arm") {
        Arch::Arm
    } else if cfg!(target_arch = "s390x") {
        Arch::S390
    } else if cfg!(target_arch = "riscv64") {
        Arch::Riscv64
    } else if cfg!(target_arch = "powerpc64") {
        Arch::Powerpc64
    } else if cfg!(target_arch = "loongarch64") {
        Arch::Loongarch64
    } else {
        Arch::Mips
    }
}

/// Map types whose BTF key/value ids libbpf drops before creating them.
fn map_drops_btf(t: u32) -> bool {
    // PERF_EVENT_ARRAY, STACK_TRACE, CGROUP_ARRAY, ARRAY_OF_MAPS, HASH_OF_MAPS, DEVMAP,
    // SOCKMAP, CPUMAP, XSKMAP, SOCKHASH, QUEUE, STACK, DEVMAP_HASH, ARENA.
    matches!(
        t,
        4 | 7 | 8 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 22 | 23 | 25 | 33
    )
}

impl Loader {
    /// A loader with the `Auto` policy, libbpf's default program selection and no log unless a
    /// program fails.
    pub fn new() -> Self {
        Loader::default()
    }

    /// When to apply the fallback.
    pub fn fallback(mut self, policy: FallbackPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Load only these programs (as if only they were autoloaded, which also selects `SEC("?…")`
    /// programs); empty: every autoloaded program.
    pub fn programs<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.programs = names.into_iter().map(Into::into).collect();
        self
    }

    /// Fail the load when the kernel rejects the object's BTF, instead of loading the programs
    /// without it (libbpf's behaviour, which [`LoadedObject::downgrades`] then reports).
    pub fn require_btf(mut self, on: bool) -> Self {
        self.require_btf = on;
        self
    }

    /// Send the BTF as prepared, without libbpf's sanitization for the kernel's missing BTF
    /// features (what loaders without sanitization do; an old kernel then rejects it).
    pub fn no_sanitize(mut self, on: bool) -> Self {
        self.no_sanitize = on;
        self
    }

    /// Ask for the verifier's log (level 1) of every program, not only of failed ones.
    pub fn verifier_log(mut self, on: bool) -> Self {
        self.verifier_log = on;
        self
    }

    /// The object's name (libbpf uses the file name up to its first `.`); it prefixes the
    /// kernel names of `.data`, `.rodata` and `.bss` maps.
    pub fn object_name(mut self, name: impl Into<String>) -> Self {
        self.object_name = name.into();
        self
    }

    /// Loads `data`, an ELF BPF object. Per-program failures are in [`LoadedObject::programs`];
    /// an `Err` means nothing stayed loaded.
    pub fn load(&self, data: &[u8]) -> Result<LoadedObject, LoadError> {
        let mut obj = Object::open(data).map_err(LoadError::Parse)?;
        if obj.endian() != crate::bytes::native() {
            return Err(LoadError::Unsupported(
                "the object's byte order is not the machine's".into(),
            ));
        }
        for name in &self.programs {
            if !obj.entry_programs().any(|(_, p)| &p.name == name) {
                return Err(LoadError::NoSuchProgram(name.clone()));
            }
        }
        let fallback = self.decide(&obj);
        let opts = Options {
            programs: self.programs.clone(),
            arch: host_arch(),
            native: !fallback.applied,
            btf_features: if self.no_sanitize {
                BtfFeatures::ALL
            } else {
                probe::kernel_btf_features()
            },
            ..Options::default()
        };
        let outcome = apply_to(&mut obj, &opts).map_err(|e| LoadError::Prepare(e.to_string()))?;
        if let Some(e) = &outcome.error {
            return Err(LoadError::Prepare(e.clone()));
        }
        crate::core_relo::apply_for_load(&mut obj, || {
            kernel::vmlinux_btf().map_err(|e| format!("cannot read /sys/kernel/btf/vmlinux: {e}"))
        })
        .map_err(LoadError::Prepare)?;
        let mut warnings: Vec<String> = outcome.log.visible().map(|l| l.text.clone()).collect();

        // The kernel gets the copy sanitized for the features it lacks, as libbpf sends it.
        let mut downgrades = Vec::new();
        let (btf, btf_error) = match outcome.sent_btf() {
            Some(blob) => match prog::load_btf(blob) {
                Ok(fd) => (Some(fd), None),
                Err(e) => {
                    let reason = format!(
                        "{}{}",
                        io::Error::from_raw_os_error(e.errno),
                        tail(&e.log, 1)
                            .lines()
                            .next()
                            .filter(|l| !l.is_empty())
                            .map(|l| format!(": {l}"))
                            .unwrap_or_default()
                    );
                    if self.require_btf {
                        return Err(LoadError::BtfRejected(reason));
                    }
                    warnings.push(format!(
                        "Error loading .BTF into kernel: {}. BTF is optional, ignoring.",
                        io::Error::from_raw_os_error(e.errno)
                    ));
                    downgrades.push(format!(
                        "the kernel rejected the object's BTF ({reason}): programs are loaded without it, so no func_info or line_info is sent and global subprograms' arg: tags are not applied (libbpf does the same; require_btf / --require-btf makes this an error)"
                    ));
                    (None, Some(e))
                }
            },
            None => (None, None),
        };
        let sent = outcome.btf.as_deref().and_then(|b| Btf::parse(b).ok());
        // libbpf resolves every extern before it creates maps; a strong one it cannot resolve
        // fails the whole object.
        let resolved = externs::resolve(
            &outcome.externs,
            obj.btf.as_ref(),
            sent.as_ref(),
            &self.object_name,
            &|| {
                kernel::vmlinux_btf()
                    .map_err(|e| format!("cannot read /sys/kernel/btf/vmlinux: {e}"))
            },
        )?;
        warnings.extend(resolved.warnings.iter().cloned());
        let page = u32::try_from(sys::page_size()).unwrap_or(4096);
        let mut defs = maps::collect(&obj.elf, sent.as_ref(), &self.object_name, page)?;
        defs.extend(resolved.kconfig_map.clone());
        let maps = create_maps(defs, btf.as_ref().map(AsFd::as_fd), &mut warnings)?;

        let prep = prog::Prepared::new(
            &obj,
            btf.as_ref().map(AsFd::as_fd),
            &maps,
            &resolved,
            self.verifier_log,
        );
        let mut programs = Vec::new();
        for report in &outcome.programs {
            let Some((idx, prog)) = obj.entry_programs().find(|(_, p)| p.name == report.name)
            else {
                continue;
            };
            let result = prep.load_program(idx, report);
            programs.push(ProgramEntry {
                name: prog.name.clone(),
                section: prog.sec_name.clone(),
                prog_type: prog.prog_type,
                expected_attach_type: prog.expected_attach_type,
                fallback: ProgramFallback::new(report, &fallback),
                result,
            });
        }
        Ok(LoadedObject {
            programs,
            maps,
            btf,
            btf_error,
            fallback,
            warnings,
            downgrades,
        })
    }

    fn decide(&self, obj: &Object<'_>) -> FallbackStatus {
        let (native_support, applied, reason) = match self.policy {
            FallbackPolicy::Always => (
                None,
                true,
                "forced: the BTF is rewritten whatever the kernel supports".to_string(),
            ),
            FallbackPolicy::Never => (
                None,
                false,
                "disabled: the BTF is sent as compiled, as loaders without the fallback do"
                    .to_string(),
            ),
            FallbackPolicy::Auto if obj.btf_ext.is_none() => (
                None,
                false,
                "the object has no .BTF.ext func_info, so libbpf has nothing to rewrite (and does not probe)"
                    .to_string(),
            ),
            FallbackPolicy::Auto => {
                if kernel_supports_arg_ctx() {
                    (
                        Some(true),
                        false,
                        "the kernel supports arg:ctx natively: libbpf's probe program loaded"
                            .to_string(),
                    )
                } else {
                    (
                        Some(false),
                        true,
                        "the kernel lacks native arg:ctx support: libbpf's probe program was rejected"
                            .to_string(),
                    )
                }
            }
        };
        FallbackStatus {
            policy: self.policy,
            native_support,
            applied,
            reason,
        }
    }
}

/// Creates the maps in order, sets global data contents, freezes `.rodata`.
fn create_maps(
    defs: Vec<MapDef>,
    btf: Option<BorrowedFd<'_>>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Map>, LoadError> {
    let mut out = Vec::with_capacity(defs.len());
    for mut def in defs {
        let fail = |name: &str, step, e: io::Error| LoadError::Map {
            name: name.to_string(),
            step,
            errno: prog::errno_of(&e),
        };
        if def.map_type == map_type::PERF_EVENT_ARRAY && def.max_entries == 0 {
            def.max_entries =
                kernel::possible_cpus().map_err(|e| fail(&def.name, "count possible CPUs", e))?;
        }
        if map_drops_btf(def.map_type) {
            def.btf_key_type_id = 0;
            def.btf_value_type_id = 0;
        }
        let mut attr = sys::MapCreate {
            map_type: def.map_type,
            key_size: def.key_size,
            value_size: def.value_size,
            max_entries: def.max_entries,
            map_flags: def.map_flags,
            numa_node: def.numa_node,
            name: &def.kernel_name,
            btf_fd: btf,
            btf_key_type_id: def.btf_key_type_id,
            btf_value_type_id: def.btf_value_type_id,
            map_extra: def.map_extra,
        };
        let mut created = sys::map_create(&attr);
        if let (Err(e), true) = (
            &created,
            attr.btf_key_type_id != 0 || attr.btf_value_type_id != 0,
        ) {
            warnings.push(format!(
                "Error in bpf_create_map_xattr({}): {e}. Retrying without BTF.",
                def.name
            ));
            attr.btf_fd = None;
            attr.btf_key_type_id = 0;
            attr.btf_value_type_id = 0;
            created = sys::map_create(&attr);
            def.btf_key_type_id = 0;
            def.btf_value_type_id = 0;
        }
        let fd = created.map_err(|e| fail(&def.name, "create it", e))?;
        if let Some(init) = &def.initial {
            sys::map_update_elem(fd.as_fd(), &0u32.to_ne_bytes(), init, 0)
                .map_err(|e| fail(&def.name, "set initial contents", e))?;
            if matches!(def.kind, MapKind::Rodata | MapKind::Kconfig) {
                sys::map_freeze(fd.as_fd())
                    .map_err(|e| fail(&def.name, "freeze as read-only", e))?;
            }
        }
        out.push(Map { def, fd });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::Kind;

    #[test]
    fn maps_of_maps_data_follow_libbpf() {
        let data = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/maps_data.o"
        ))
        .expect("fixture");
        let mut obj = Object::open(&data).expect("open");
        let out = apply_to(&mut obj, &Options::default()).expect("prepare");
        let blob = out.btf.expect("btf");
        let btf = Btf::parse(&blob).expect("parse");
        let defs = maps::collect(&obj.elf, Some(&btf), "maps_data", 4096).expect("maps");
        let names: Vec<(&str, &str, u32, u32, u32, u32)> = defs
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.kernel_name.as_str(),
                    d.map_type,
                    d.key_size,
                    d.value_size,
                    d.max_entries,
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("counters", "counters", 2, 4, 8, 4),
                ("flows", "flows", 1, 4, 16, 64),
                ("scratch", "scratch", 6, 4, 8, 1),
                (".data", "maps_dat.data", 2, 4, 8, 1),
                (".rodata", "maps_dat.rodata", 2, 4, 4, 1),
                (".data.foo", ".data.foo", 2, 4, 4, 1),
                (".bss", "maps_dat.bss", 2, 4, 8, 1),
            ]
        );
        let rodata = &defs[4];
        assert_eq!(rodata.map_flags, F_RDONLY_PROG | F_MMAPABLE);
        assert_eq!(rodata.initial.as_deref(), Some(&64u32.to_le_bytes()[..]));
        assert_eq!(
            btf.get(rodata.btf_value_type_id).map(|t| t.kind),
            Some(Kind::Datasec)
        );
        let counters = &defs[0];
        assert_eq!(
            btf.get(counters.btf_value_type_id)
                .map(|t| btf.name(t.name_off).into_owned()),
            Some("__u64".to_string())
        );
    }
}
