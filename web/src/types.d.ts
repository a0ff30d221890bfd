/** What to emulate; every field is optional. */
export interface ExplainOptions {
  /** Programs to load, as if only they were autoloaded; empty or absent: libbpf's default autoload. */
  programs?: string[];
  /** Target architecture, as `argctx --arch` takes it (default "x86_64"); see `architectures()`. */
  arch?: string;
  /** "fallback": a kernel before 6.8 (default); "native": 6.8+ with arg:ctx support; or a release
   * such as "5.10", which also decides libbpf's BTF sanitization. */
  kernel?: string;
}

/** A func_info record: instruction index in the linked program and FUNC type id. */
export interface FuncInfo {
  insn_off: number;
  type_id: number;
}

export type Decision =
  | "rewritten"
  | "already_canonical"
  | "mismatched_type"
  | "static_function"
  | "not_a_function"
  | "not_reachable"
  | "no_named_context"
  | "no_func_info"
  | "native_support"
  | "whole_function"
  | "out_of_range";

/** The verdict for one arg:ctx tag in one program. */
export interface ArgReport {
  subprog: string;
  func_id: number;
  tag_id: number;
  arg_index: number;
  arg_name: string;
  decision: Decision;
  reason: string;
  before: string;
  after: string | null;
}

/** One autoloaded entry program (docs/json-contract.md). */
export interface ExplainedProgram {
  name: string;
  section: string;
  prog_type: string;
  prog_type_id: number;
  expected_attach_type: string;
  ctx_struct: string | null;
  insn_cnt: number;
  subprogs: string[];
  func_info_before: FuncInfo[];
  func_info: FuncInfo[];
  line_info_cnt: number;
  args: ArgReport[];
  added_types: number[];
  added_btf: string;
  warnings: string[];
  error: string | null;
}

/** `argctx explain --format json` (format_version 1, docs/json-contract.md). */
export interface ExplainReport {
  format_version: number;
  arch: string;
  kernel: "fallback" | "native";
  programs: ExplainedProgram[];
  warnings: string[];
  error: string | null;
  btf: { original_types: number; types: number; original_size: number; size: number } | null;
  /** What libbpf's sanitization rewrote in the BTF it sends (kernel `X.Y` lacking BTF features). */
  sanitized: { feature: string; change: string; count: number }[];
  /** The object's externs; libbpf resolves them against the running kernel, this view does not. */
  externs: { name: string; kind: "kconfig" | "ksym" | "kfunc"; weak: boolean }[];
}

/** `argctx programs --format json`. */
export interface ProgramsReport {
  format_version: number;
  programs: {
    name: string;
    section: string;
    prog_type: string;
    expected_attach_type: string;
    autoload: boolean;
    insn_cnt: number;
    subprogs: string[];
    func_info: FuncInfo[];
    line_info_cnt: number;
    error: string | null;
  }[];
  subprograms: string[];
  warnings: string[];
}

/** The records of one ELF section in one .BTF.ext subsection. */
export interface BtfExtBlock<R> {
  section: string;
  sec_name_off: number;
  /** Byte offset of the first record within .BTF.ext. */
  offset: number;
  records: R[];
}

export interface BtfExtSubsection<R> {
  rec_size: number;
  blocks: BtfExtBlock<R>[];
}

/** The .BTF.ext section; every insn_off is a byte offset, as in the file. */
export interface BtfExt {
  endian: "little" | "big";
  header: {
    magic: number;
    version: number;
    flags: number;
    hdr_len: number;
    func_info_off: number;
    func_info_len: number;
    line_info_off: number;
    line_info_len: number;
    core_relo_off: number;
    core_relo_len: number;
  };
  func_info: BtfExtSubsection<{ insn_off: number; type_id: number; name: string }>;
  line_info: BtfExtSubsection<{
    insn_off: number;
    file_name_off: number;
    line_off: number;
    line_col: number;
    file: string;
    source: string;
    line: number;
    col: number;
  }>;
  core_relo: BtfExtSubsection<{
    insn_off: number;
    type_id: number;
    access_str_off: number;
    /** enum bpf_core_relo_kind */
    kind: number;
    type_name: string;
    access_str: string;
  }>;
}

/** What `check` judges; every field is optional (the flags of `argctx check`). */
export interface CheckOptions {
  /** Kernels as `argctx check --kernel` takes them ("6.1", "5.10.173", "6.1.0-56-amd64", "latest"); empty or absent: 5.10, 5.15, 6.1, 6.6, 6.8, latest. */
  kernels?: string[];
  /** Target architecture, as `argctx --arch` takes it (default "x86_64"); see `architectures()`. */
  arch?: string;
  /** "libbpf": libbpf 1.4+ with the __arg_ctx fallback (default); "plain": a loader without it (libbpf < 1.4, aya, cilium/ebpf). */
  loader?: "libbpf" | "plain";
  /** Whether the kernels have their own BTF (CONFIG_DEBUG_INFO_BTF; default true). */
  kernel_btf?: boolean;
  /** Programs to judge; empty or absent: every entry program, autoload on or off. */
  programs?: string[];
}

/** Whether a program loads: "unknown" when it depends on something argctx cannot see. */
export type Load = "yes" | "no" | "unknown";

export type Feature =
  | "global_funcs"
  | "ptr_to_mem_args"
  | "decl_tag_btf"
  | "ctx_typedef_resolution"
  | "ctx_projections"
  | "arg_tags"
  | "multi_tags"
  | "no_anon_ctx_inference"
  | "untrusted"
  | "btf_ptr_as_mem";

/** One reason a kernel refuses (or warns about) a program. */
export interface Problem {
  /** The subprogram concerned; null: the program itself. */
  subprog: string | null;
  arg: number | null;
  /** Stable code: "size_unknown", "ctx_type_mismatch", "caller_passes_ctx_to_mem", … */
  code: string;
  message: string;
  /** Lines the verifier prints for it (each appears verbatim in the log). */
  kernel_log: string[];
  /** false: a warning, the load goes on. */
  fatal: boolean;
}

/** One argument of a global subprogram as one kernel types it. */
export interface ArgVerdict {
  index: number;
  /** The parameter's C declaration. */
  decl: string;
  /** arg: tags on it, without the prefix, as the kernel reads them. */
  tags: string[];
  class: "ctx" | "mem" | "scalar" | "trusted" | "untrusted" | "arena" | "dynptr";
  nullable: boolean;
  /** For memory: the size the caller must provide. */
  size: number | null;
  how: string;
}

/** One program on one kernel. */
export interface KernelVerdict {
  /** The kernel as named ("6.1", "latest"). */
  kernel: string;
  /** The release whose rules apply. */
  version: string;
  path: "native" | "fallback" | "no_fallback" | "inline";
  load: Load;
  /** Fatal problems in the order the verifier meets them, then warnings. */
  problems: Problem[];
  /** The lines of the first fatal problem: what the load's verifier log will contain. */
  expected_log: string[];
  subprogs: {
    subprog: string;
    /** The kernel's func# number. */
    func: number;
    type_id: number;
    prototype: string;
    /** Empty when the kernel refuses the prototype. */
    args: ArgVerdict[];
  }[];
  notes: string[];
}

/** A subprogram a program calls, independent of the kernel. */
export interface SubprogInfo {
  name: string;
  func: number;
  linkage: "global" | "static" | "hidden";
  prototype: string;
  /** arg: tags by argument index, without the prefix: [index, tags]. */
  tags: [number, string[]][];
  /** From DWARF: whether the compiler changed its calling convention; null: no DWARF for it. */
  nocall: boolean | null;
  notes: string[];
}

/** One entry program and its verdict per kernel. */
export interface ProgramVerdict {
  name: string;
  section: string;
  prog_type: string;
  expected_attach_type: string;
  autoload: boolean;
  /** The kernel's context type ("struct xdp_md", "void *"); null when unknown. */
  context: string | null;
  /** What arg:ctx accepts on 6.8+. */
  arg_ctx_accepts: string;
  subprogs: SubprogInfo[];
  /** In the order of the report's kernels. */
  kernels: KernelVerdict[];
  notes: string[];
}

/** `argctx check --format json`: a file's `report` (its own format_version 1, docs/json-contract.md). */
export interface VerdictReport {
  format_version: number;
  arch: string;
  loader: "libbpf" | "plain";
  kernel_btf: boolean;
  kernels: {
    kernel: string;
    version: string;
    native_arg_ctx: boolean;
    features: Feature[];
    /** What the loader changes in the BTF for this kernel. */
    sanitized: string[];
  }[];
  programs: ProgramVerdict[];
  /** The object's subprograms from DWARF. */
  dwarf: { name: string; external: boolean; nocall: boolean; params: string[] }[];
  /** Things that limit the verdicts (no DWARF, unreadable inputs). */
  warnings: string[];
  /** The release history the verdicts use. */
  features: {
    feature: Feature;
    /** First mainline release, "X.Y". */
    since: string;
    /** Stable releases that received it, "X.Y.Z". */
    backports: string[];
    approximate: boolean;
    summary: string;
  }[];
}
