//! The bodies of the fuzz targets, one function per target. Each takes the raw input, drives one
//! public entry point of `argctx`, and panics when an invariant breaks:
//!
//! * no input panics, recurses without bound or loops forever (the fuzzer's timeout catches hangs);
//! * an `Ok` parse serializes back to its input (raw BTF always; `.BTF.ext` whenever its
//!   subsections are laid out back to back, and otherwise to a fixpoint with the same records);
//! * the BTF a rewrite produces parses, and validates whenever the object's finalized BTF (the
//!   blob sent when the kernel supports `arg:ctx` natively) validated;
//! * a report never names a type id outside the BTF it describes, unless the program carries an
//!   `error` saying the kernel will reject it.
//!
//! This file is shared: the fuzz targets in `fuzz/fuzz_targets/` call it, and
//! `core/tests/it/fuzz_regressions.rs` includes it with `#[path]` to replay every input committed
//! under `tests/fuzz-regressions/`. It must therefore use nothing but `argctx`, `serde_json` and std.

use argctx::btf::ext::{BtfExt, InfoSection};
use argctx::btf::{cdecl, dump, validate::validate, Btf, BtfBuilder, Kind};
use argctx::fallback::{apply, Arch, Options, Outcome};
use argctx::report;

/// The fuzz targets, by name (also the prefix of the files in `tests/fuzz-regressions/`).
pub const TARGETS: &[&str] = &[
    "parse_elf",
    "parse_btf",
    "parse_btf_ext",
    "rewrite_roundtrip",
];

/// Runs the body of `target` on `data`; panics on an unknown target name.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "parse_elf" => parse_elf(data),
        "parse_btf" => parse_btf(data),
        "parse_btf_ext" => parse_btf_ext(data),
        "rewrite_roundtrip" => rewrite_roundtrip(data),
        _ => panic!("unknown fuzz target {target:?}"),
    }
}

/// The two ways the CLI and the page run an object: libbpf's fallback on x86-64, and a kernel with
/// native `arg:ctx` support on s390 (another context struct for perf_event, big-endian targets).
fn options() -> [Options; 2] {
    [
        Options::default(),
        Options {
            native: true,
            arch: Arch::S390,
            ..Options::default()
        },
    ]
}

/// ELF object analysis: `report::programs` and `report::explain` (which runs the whole pipeline:
/// ELF, BTF, `.BTF.ext`, programs, linking, the fallback, the sent BTF's dump), rendered as text
/// and JSON, plus the object's BTF dumped and validated.
pub fn parse_elf(data: &[u8]) {
    if let Ok(r) = report::programs(data) {
        let _ = report::render_programs(&r);
        let _ = serde_json::to_string(&r);
    }
    for opts in options() {
        let Ok(e) = report::explain(data, &opts) else {
            continue;
        };
        let _ = report::render_explain(&e.report);
        let _ = serde_json::to_string(&e.report);
        let Some(sent) = e.btf.as_deref() else {
            continue;
        };
        let type_cnt = match Btf::parse(sent) {
            Ok(b) => b.type_cnt(),
            Err(err) => panic!("explain sent a BTF that does not parse: {err}"),
        };
        for p in &e.report.programs {
            check_report_ids(&p.report, type_cnt);
        }
    }
    if let Ok(b) = argctx::btf_of(data) {
        let _ = dump::dump(&b);
        let _ = validate(&b);
    }
}

/// A program report names only types of the BTF it describes, or says the kernel rejects it.
fn check_report_ids(p: &argctx::fallback::ProgramReport, type_cnt: u32) {
    let outside = |id: u32| id >= type_cnt;
    if p.func_info.iter().any(|f| outside(f.type_id)) {
        assert!(
            p.error.is_some(),
            "program {}: func_info names a type outside the BTF ({type_cnt} ids) without an error",
            p.name
        );
    }
    for a in &p.args {
        assert!(
            !outside(a.func_id) && !outside(a.tag_id),
            "program {}: arg report names type {} / tag {} outside the BTF ({type_cnt} ids)",
            p.name,
            a.func_id,
            a.tag_id
        );
    }
    for &id in &p.added_types {
        assert!(
            !outside(id),
            "program {}: added type {id} is outside the BTF ({type_cnt} ids)",
            p.name
        );
    }
}

/// Raw BTF: parse, exact round trip through the builder, validation, bpftool's dump, and the
/// bounded walks reports use (C declarations and prototypes of every type, modifier chains).
pub fn parse_btf(data: &[u8]) {
    let Ok(btf) = Btf::parse(data) else {
        return;
    };
    let again = BtfBuilder::new(&btf).to_bytes();
    assert!(
        again == data,
        "BtfBuilder::new(&btf).to_bytes() differs from the input ({} bytes in, {} out)",
        data.len(),
        again.len()
    );
    let _ = validate(&btf);
    let _ = dump::dump(&btf);
    let _ = dump::dump_bytes(&btf);
    for t in btf.types() {
        let _ = btf.skip_mods_and_typedefs(t.id);
        let _ = cdecl::declaration(&btf, t.id, "x");
        if t.kind == Kind::Func {
            let _ = cdecl::prototype(&btf, t.id);
        }
    }
}

/// One block of records: `(sec_name_off, num_info, records)`, without its file offset.
type Block<'a> = (u32, u32, &'a [u8]);

/// `(rec_size, blocks)`: a subsection without its file offsets.
fn records<'a>(s: &InfoSection<'a>) -> (u32, Vec<Block<'a>>) {
    let blocks = s
        .blocks
        .iter()
        .map(|b| (b.sec_name_off, b.num_info, b.records))
        .collect();
    (s.rec_size, blocks)
}

/// Whether the non-empty subsections follow each other from the end of the header to the end of
/// the data, which is the layout `BtfExt::to_bytes` writes.
fn ext_is_canonical(ext: &BtfExt<'_>, len: usize) -> bool {
    let h = ext.header;
    let mut secs = vec![
        (h.func_info_off, h.func_info_len),
        (h.line_info_off, h.line_info_len),
    ];
    if h.hdr_len >= 32 {
        secs.push((h.core_relo_off, h.core_relo_len));
    }
    secs.retain(|s| s.1 != 0);
    secs.sort_unstable();
    let mut end = 0u64;
    for (off, l) in secs {
        if u64::from(off) != end {
            return false;
        }
        end += u64::from(l);
    }
    u64::from(h.hdr_len) + end == len as u64
}

/// `.BTF.ext`: parse and serialize. Canonical inputs come back byte for byte; any other input
/// (gaps, overlapping or trailing bytes, which libbpf accepts too) serializes to a canonical blob
/// that parses to the same records and serializes to itself (or, when no subsection has records,
/// to the bare header, which is refused as a section without data).
pub fn parse_btf_ext(data: &[u8]) {
    let Ok(ext) = BtfExt::parse_at(data, 0) else {
        return;
    };
    let out = ext.to_bytes();
    if ext_is_canonical(&ext, data.len()) {
        assert!(
            out == data,
            "BtfExt::to_bytes differs from a canonical input ({} bytes in, {} out)",
            data.len(),
            out.len()
        );
        return;
    }
    let no_records = [&ext.func_info, &ext.line_info, &ext.core_relo]
        .iter()
        .all(|s| s.blocks.is_empty());
    let re = match BtfExt::parse_at(&out, 0) {
        Ok(re) => re,
        // Only unused bytes followed the header: the canonical form is the bare header, which
        // libbpf (and so the parser) refuses as a section without data.
        Err(_) if no_records && out.len() == ext.header.hdr_len as usize => return,
        Err(e) => panic!("BtfExt::to_bytes wrote a blob that does not parse: {e}"),
    };
    assert!(re.to_bytes() == out, "BtfExt::to_bytes is not a fixpoint");
    for (a, b) in [
        (&ext.func_info, &re.func_info),
        (&ext.line_info, &re.line_info),
        (&ext.core_relo, &re.core_relo),
    ] {
        assert!(
            records(a) == records(b),
            "BtfExt::to_bytes changed the records"
        );
    }
}

/// The sent BTF of `outcome`, parsed: it must parse. Returns the validator's problems.
fn sent_problems(outcome: &Outcome, what: &str) -> Option<Vec<String>> {
    let sent = outcome.btf.as_deref()?;
    match Btf::parse(sent) {
        Ok(b) => {
            for p in &outcome.programs {
                check_report_ids(p, b.type_cnt());
            }
            Some(validate(&b).iter().map(ToString::to_string).collect())
        }
        Err(e) => panic!("{what}: the rewritten BTF does not parse: {e}"),
    }
}

/// Explain + rewrite + serialize + reparse: `fallback::apply` with and without native `arg:ctx`
/// support. Without it, the fallback appends clones; with it, the blob is the finalized BTF (DATASEC
/// sizes and offsets fixed, hidden functions static). The rewrite must not break a blob that was
/// valid before it.
pub fn rewrite_roundtrip(data: &[u8]) {
    let native = Options {
        native: true,
        ..Options::default()
    };
    let finalized = apply(data, &native)
        .ok()
        .and_then(|o| sent_problems(&o, "native"));
    let Ok(fallback) = apply(data, &Options::default()) else {
        return;
    };
    let rewritten = sent_problems(&fallback, "fallback");
    if finalized.is_some_and(|p| p.is_empty()) {
        if let Some(problems) = rewritten.filter(|p| !p.is_empty()) {
            panic!("the finalized BTF validates but the fallback's rewrite does not: {problems:?}");
        }
    }
}
