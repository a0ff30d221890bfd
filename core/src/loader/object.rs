//! What [`Loader::load`](super::Loader::load) returns: the loaded programs, maps and BTF (all
//! closed on drop), and what the fallback did.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::{sys, BtfError, FallbackPolicy, MapDef, ProgramError};
use crate::fallback::{ArgReport, Decision, ProgramReport};
use crate::program::sec_def::{AttachType, ProgType};

/// Object-level outcome of the fallback decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackStatus {
    /// The policy used.
    pub policy: FallbackPolicy,
    /// The probe's answer; `None` when it was not run (forced policy, or no `.BTF.ext`).
    pub native_support: Option<bool>,
    /// Whether libbpf's fallback ran (the BTF sent can contain its rewrites).
    pub applied: bool,
    /// Why, in one sentence.
    pub reason: String,
}

/// What the fallback did for one program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFallback {
    /// Every `arg:ctx` tag of the object as judged for this program.
    pub args: Vec<ArgReport>,
    /// libbpf's warnings for this program (mismatched argument types).
    pub warnings: Vec<String>,
    /// The context struct the fallback uses for this program type (None: no fallback exists).
    pub ctx_struct: Option<&'static str>,
    summary: String,
}

impl ProgramFallback {
    pub(super) fn new(report: &ProgramReport, status: &FallbackStatus) -> Self {
        let rewritten: Vec<String> = report
            .args
            .iter()
            .filter(|a| a.decision == Decision::Rewritten)
            .map(|a| {
                format!(
                    "{} arg#{}{}",
                    a.subprog,
                    a.arg_index,
                    if a.arg_name.is_empty() {
                        String::new()
                    } else {
                        format!(" '{}'", a.arg_name)
                    }
                )
            })
            .collect();
        let summary = if !rewritten.is_empty() {
            format!(
                "applied: {} rewritten to `struct {} *`",
                rewritten.join(", "),
                report.ctx_struct.unwrap_or("?")
            )
        } else if !status.applied {
            format!("not applied: {}", status.reason)
        } else if report.args.is_empty() {
            "not needed: the object has no arg:ctx tag".to_string()
        } else if let Some(a) = report
            .args
            .iter()
            .find(|a| a.decision != Decision::NotReachable)
        {
            format!("nothing rewritten: {}", a.reason)
        } else {
            "not needed: no arg:ctx-tagged subprogram is reachable from this program".to_string()
        };
        ProgramFallback {
            args: report.args.clone(),
            warnings: report.warnings.clone(),
            ctx_struct: report.ctx_struct,
            summary,
        }
    }

    /// Whether the fallback rewrote at least one argument of this program.
    pub fn applied(&self) -> bool {
        self.args.iter().any(|a| a.decision == Decision::Rewritten)
    }

    /// One line: what was rewritten, or why nothing was.
    pub fn summary(&self) -> &str {
        &self.summary
    }
}

/// A program the kernel accepted.
#[derive(Debug)]
pub struct LoadedProgram {
    fd: OwnedFd,
    insn_cnt: usize,
    attach_btf_id: u32,
    verifier_log: Option<String>,
}

impl LoadedProgram {
    pub(super) fn new(
        fd: OwnedFd,
        insn_cnt: usize,
        attach_btf_id: u32,
        verifier_log: Option<String>,
    ) -> Self {
        LoadedProgram {
            fd,
            insn_cnt,
            attach_btf_id,
            verifier_log,
        }
    }

    /// The program's file descriptor (closed when the object is dropped).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Instructions sent (after linking).
    pub fn insn_cnt(&self) -> usize {
        self.insn_cnt
    }

    /// The kernel BTF type it attaches to (tracing programs; 0 otherwise).
    pub fn attach_btf_id(&self) -> u32 {
        self.attach_btf_id
    }

    /// The verifier's log, when [`Loader::verifier_log`](super::Loader::verifier_log) asked for it.
    pub fn verifier_log(&self) -> Option<&str> {
        self.verifier_log.as_deref()
    }

    /// Runs the program once on `packet` (`BPF_PROG_TEST_RUN`, for program types the kernel can
    /// test-run with packet data: socket filters, tc, xdp, cgroup_skb, …) and returns its return
    /// value.
    pub fn test_run(&self, packet: &[u8]) -> io::Result<u32> {
        sys::prog_test_run(self.fd.as_fd(), packet, 1)
    }

    /// What the kernel reports about the program.
    pub fn info(&self) -> io::Result<ProgramInfo> {
        let i = sys::prog_info(self.fd.as_fd())?;
        Ok(ProgramInfo {
            id: i.id,
            prog_type: i.prog_type,
            name: i.name,
            xlated_insn_cnt: i.xlated_insn_cnt,
            btf_id: i.btf_id,
            func_info: i.func_info,
            nr_line_info: i.nr_line_info,
            attach_btf_id: i.attach_btf_id,
            attach_btf_obj_id: i.attach_btf_obj_id,
        })
    }
}

/// The kernel's view of a loaded program (`struct bpf_prog_info`, in part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramInfo {
    /// Program id.
    pub id: u32,
    /// Program type.
    pub prog_type: u32,
    /// Name (at most 15 bytes).
    pub name: String,
    /// Instructions after the verifier's rewrites.
    pub xlated_insn_cnt: u32,
    /// Id of the program's BTF (0: none).
    pub btf_id: u32,
    /// func_info as the kernel holds it: (instruction, FUNC type id).
    pub func_info: Vec<(u32, u32)>,
    /// line_info records.
    pub nr_line_info: u32,
    /// Attach BTF type id.
    pub attach_btf_id: u32,
    /// Id of the BTF object that type lives in.
    pub attach_btf_obj_id: u32,
}

/// A created map.
#[derive(Debug)]
pub struct Map {
    pub(super) def: MapDef,
    pub(super) fd: OwnedFd,
}

/// The kernel's view of a map (`struct bpf_map_info`, in part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapInfo {
    /// Map id.
    pub id: u32,
    /// `BPF_MAP_TYPE_*`.
    pub map_type: u32,
    /// Key size.
    pub key_size: u32,
    /// Value size.
    pub value_size: u32,
    /// Maximum entries.
    pub max_entries: u32,
    /// Flags.
    pub map_flags: u32,
    /// Kernel name.
    pub name: String,
    /// Id of the BTF the map refers to (0: none).
    pub btf_id: u32,
    /// Key type id.
    pub btf_key_type_id: u32,
    /// Value type id.
    pub btf_value_type_id: u32,
}

impl Map {
    /// libbpf's name for the map (variable name, or section name for global data).
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The definition the map was created from.
    pub fn def(&self) -> &MapDef {
        &self.def
    }

    /// The map's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// What the kernel reports about the map.
    pub fn info(&self) -> io::Result<MapInfo> {
        let i = sys::map_info(self.fd.as_fd())?;
        Ok(MapInfo {
            id: i.id,
            map_type: i.map_type,
            key_size: i.key_size,
            value_size: i.value_size,
            max_entries: i.max_entries,
            map_flags: i.map_flags,
            name: i.name,
            btf_id: i.btf_id,
            btf_key_type_id: i.btf_key_type_id,
            btf_value_type_id: i.btf_value_type_id,
        })
    }

    /// Looks `key` up (not for per-CPU maps): the value, or `None` when absent.
    pub fn lookup(&self, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
        sys::map_lookup_elem(self.fd.as_fd(), key)
    }

    /// Sets `key` to `value` (not for per-CPU maps; `flags` as `BPF_ANY` = 0).
    pub fn update(&self, key: &[u8], value: &[u8], flags: u64) -> io::Result<()> {
        sys::map_update_elem(self.fd.as_fd(), key, value, flags)
    }
}

/// One autoloaded program and what happened to it.
#[derive(Debug)]
pub struct ProgramEntry {
    /// Program (function) name.
    pub name: String,
    /// ELF section (without `?`).
    pub section: String,
    /// Program type.
    pub prog_type: ProgType,
    /// Expected attach type.
    pub expected_attach_type: AttachType,
    /// What the fallback did for it.
    pub fallback: ProgramFallback,
    /// The loaded program, or why it did not load.
    pub result: Result<LoadedProgram, ProgramError>,
}

/// The result of [`Loader::load`](super::Loader::load): programs, maps and the object's BTF, all closed on drop.
#[derive(Debug)]
pub struct LoadedObject {
    pub(super) programs: Vec<ProgramEntry>,
    pub(super) maps: Vec<Map>,
    pub(super) btf: Option<OwnedFd>,
    pub(super) btf_error: Option<BtfError>,
    pub(super) fallback: FallbackStatus,
    pub(super) warnings: Vec<String>,
    pub(super) downgrades: Vec<String>,
}

impl LoadedObject {
    /// Autoloaded programs in libbpf's order.
    pub fn programs(&self) -> &[ProgramEntry] {
        &self.programs
    }

    /// The program named `name`.
    pub fn program(&self, name: &str) -> Option<&ProgramEntry> {
        self.programs.iter().find(|p| p.name == name)
    }

    /// Maps in creation order.
    pub fn maps(&self) -> &[Map] {
        &self.maps
    }

    /// The map libbpf knows as `name` (`.rodata`, `.data.foo`, or a `.maps` variable).
    pub fn map(&self, name: &str) -> Option<&Map> {
        self.maps.iter().find(|m| m.def.name == name)
    }

    /// The object's BTF in the kernel, when it loaded.
    pub fn btf_fd(&self) -> Option<BorrowedFd<'_>> {
        self.btf.as_ref().map(AsFd::as_fd)
    }

    /// The kernel's id and bytes of the object's BTF.
    pub fn btf_info(&self) -> Option<io::Result<(u32, Vec<u8>)>> {
        self.btf.as_ref().map(|fd| sys::btf_info(fd.as_fd()))
    }

    /// Why the BTF did not load, when it did not.
    pub fn btf_error(&self) -> Option<&BtfError> {
        self.btf_error.as_ref()
    }

    /// The fallback decision.
    pub fn fallback(&self) -> &FallbackStatus {
        &self.fallback
    }

    /// What libbpf would have warned about (verbatim where libbpf prints it).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// What this load did short of a full one, each with its consequence (today: the kernel
    /// rejected the BTF and the programs were loaded without it). Empty for a full load.
    pub fn downgrades(&self) -> &[String] {
        &self.downgrades
    }

    /// Whether every program loaded.
    pub fn all_loaded(&self) -> bool {
        self.programs.iter().all(|p| p.result.is_ok())
    }
}
