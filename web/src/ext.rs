//! A display DTO for `.BTF.ext`: the core's parsed subsections with each record split into its
//! uapi fields (`bpf_func_info`, `bpf_line_info`, `bpf_core_relo`) and string offsets resolved.

use argctx::btf::ext::{BtfExt, ExtHeader, InfoSection};
use argctx::btf::Btf;
use argctx::Endian;
use serde::Serialize;

/// The whole section.
#[derive(Serialize)]
pub(crate) struct BtfExtDto {
    endian: Endian,
    header: ExtHeader,
    func_info: Subsection<FuncInfoRec>,
    line_info: Subsection<LineInfoRec>,
    core_relo: Subsection<CoreReloRec>,
}

/// One subsection: its record size and per-ELF-section blocks in file order.
#[derive(Serialize)]
struct Subsection<R> {
    rec_size: u32,
    blocks: Vec<Block<R>>,
}

/// The records of one ELF section.
#[derive(Serialize)]
struct Block<R> {
    /// The ELF section's name (from `.BTF` strings).
    section: String,
    sec_name_off: u32,
    /// Byte offset of the first record within `.BTF.ext`.
    offset: usize,
    records: Vec<R>,
}

/// `struct bpf_func_info`; `insn_off` is in bytes, as in the file.
#[derive(Serialize)]
struct FuncInfoRec {
    insn_off: u32,
    type_id: u32,
    /// The FUNC's name.
    name: String,
}

/// `struct bpf_line_info`; `line` and `col` are `BPF_LINE_INFO_LINE_NUM/LINE_COL(line_col)`.
#[derive(Serialize)]
struct LineInfoRec {
    insn_off: u32,
    file_name_off: u32,
    line_off: u32,
    line_col: u32,
    file: String,
    source: String,
    line: u32,
    col: u32,
}

/// `struct bpf_core_relo`.
#[derive(Serialize)]
struct CoreReloRec {
    insn_off: u32,
    type_id: u32,
    access_str_off: u32,
    /// `enum bpf_core_relo_kind` value.
    kind: u32,
    /// The root type's name.
    type_name: String,
    access_str: String,
}

impl BtfExtDto {
    pub(crate) fn new(btf: &Btf<'_>, x: &BtfExt<'_>) -> Self {
        let e = x.endian();
        let type_name = |id: u32| {
            btf.get(id)
                .map(|t| btf.name(t.name_off).into_owned())
                .unwrap_or_default()
        };
        let s = |off: u32| btf.name(off).into_owned();
        BtfExtDto {
            endian: e,
            header: x.header,
            func_info: subsection(btf, e, &x.func_info, |w| FuncInfoRec {
                insn_off: w(0),
                type_id: w(1),
                name: type_name(w(1)),
            }),
            line_info: subsection(btf, e, &x.line_info, |w| LineInfoRec {
                insn_off: w(0),
                file_name_off: w(1),
                line_off: w(2),
                line_col: w(3),
                file: s(w(1)),
                source: s(w(2)),
                line: w(3) >> 10,
                col: w(3) & 0x3ff,
            }),
            core_relo: subsection(btf, e, &x.core_relo, |w| CoreReloRec {
                insn_off: w(0),
                type_id: w(1),
                access_str_off: w(2),
                kind: w(3),
                type_name: type_name(w(1)),
                access_str: s(w(2)),
            }),
        }
    }
}

/// Splits every record of `info` into words (in the section's byte order) and builds `R` from them.
fn subsection<R>(
    btf: &Btf<'_>,
    endian: Endian,
    info: &InfoSection<'_>,
    make: impl Fn(&dyn Fn(usize) -> u32) -> R,
) -> Subsection<R> {
    let blocks = info
        .blocks
        .iter()
        .map(|b| Block {
            section: btf.name(b.sec_name_off).into_owned(),
            sec_name_off: b.sec_name_off,
            offset: b.offset,
            records: (0..b.num_info as usize)
                .map_while(|i| b.record(i, info.rec_size))
                .map(|rec| make(&|w| word(rec, w, endian)))
                .collect(),
        })
        .collect();
    Subsection {
        rec_size: info.rec_size,
        blocks,
    }
}

/// The `i`th u32 of a record (0 past its end; the core checked the record size).
fn word(rec: &[u8], i: usize, endian: Endian) -> u32 {
    let b = i
        .checked_mul(4)
        .and_then(|s| rec.get(s..s.checked_add(4)?))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .unwrap_or_default();
    match endian {
        Endian::Little => u32::from_le_bytes(b),
        Endian::Big => u32::from_be_bytes(b),
    }
}
