/** What to emulate; every field is optional. */
export interface ExplainOptions {
  /** Programs to load, as if only they were autoloaded; empty or absent: libbpf's default autoload. */
  programs?: string[];
  /** Target architecture, as `argctx --arch` takes it (default "x86_64"); see `architectures()`. */
  arch?: string;
  /** "fallback": a kernel before 6.8 (default); "native": 6.8+ with arg:ctx support. */
  kernel?: "fallback" | "native";
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
