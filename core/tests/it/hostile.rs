//! Hostile input: every fixture truncated at every length and with thousands of random byte flips
//! goes through the whole pipeline (ELF, BTF, .BTF.ext, programs, linking, fallback, reports, dump,
//! validation). Each result must be `Ok` or a clean error; a panic fails the test.

use argctx::btf::{dump, validate::validate, Btf};
use argctx::fallback::{apply, Arch, Options};
use argctx::report;

use crate::common::{fixtures, Rng};

fn pipeline(data: &[u8]) {
    let opts = [
        Options::default(),
        Options {
            native: true,
            arch: Arch::S390,
            ..Options::default()
        },
    ];
    for o in &opts {
        if let Ok(out) = apply(data, o) {
            if let Some(btf) = out.btf.as_deref() {
                if let Ok(b) = Btf::parse(btf) {
                    let _ = validate(&b);
                    // Every type id a report names must exist in the BTF it describes.
                    // A report that names a type the BTF lacks must flag the program as failing.
                    for p in &out.programs {
                        if p.func_info.iter().any(|f| f.type_id >= b.type_cnt()) {
                            assert!(
                                p.error.is_some(),
                                "{}: func_info out of range without an error",
                                p.name
                            );
                        }
                        for a in &p.args {
                            assert!(a.func_id < b.type_cnt() && a.tag_id < b.type_cnt());
                        }
                    }
                }
            }
        }
    }
    if let Ok(r) = report::explain(data, &Options::default()) {
        let _ = report::render_explain(&r.report);
        let _ = serde_json::to_string(&r.report);
    }
    if let Ok(r) = report::programs(data) {
        let _ = report::render_programs(&r);
    }
    if let Ok(b) = argctx::btf_of(data) {
        let _ = dump::dump(&b);
        let _ = validate(&b);
    }
}

#[test]
fn truncated_at_every_length() {
    for (_, data) in fixtures() {
        // Every length for small objects; a dense sample plus all header-area lengths for large ones.
        let step = (data.len() / 1500).max(1);
        for len in (0..data.len()).filter(|l| *l < 512 || l % step == 0) {
            pipeline(&data[..len]);
        }
    }
}

#[test]
fn random_byte_flips() {
    let mut rng = Rng(0x5eed_a11c_7c7c_0001);
    let mut runs = 0;
    for (_, data) in fixtures() {
        for _ in 0..300 {
            let mut d = data.clone();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(d.len());
                d[i] = rng.next() as u8;
            }
            pipeline(&d);
            runs += 1;
        }
    }
    assert!(runs >= 3000);
}

#[test]
fn flips_inside_btf_sections() {
    // Target the .BTF and .BTF.ext bytes, where most of the decoding happens.
    let mut rng = Rng(0xb7f0_0000_0000_0002);
    for (_, data) in fixtures() {
        let elf = argctx::elf::ElfObject::parse(&data).expect("elf");
        let ranges: Vec<(usize, usize)> = [".BTF", ".BTF.ext"]
            .iter()
            .filter_map(|n| elf.section_by_name(n))
            .map(|s| (s.offset as usize, s.data.len()))
            .collect();
        for _ in 0..200 {
            let mut d = data.clone();
            let (start, len) = ranges[rng.below(ranges.len())];
            for _ in 0..1 + rng.below(4) {
                let i = start + rng.below(len);
                d[i] = rng.next() as u8;
            }
            pipeline(&d);
        }
    }
}

/// Every tag is judged for every loaded program; past `max_verdicts` pairs the run stops with a
/// limit error naming the quantity, before building any verdict.
#[test]
fn verdicts_past_the_limit_are_refused() {
    use argctx::fallback::{apply, Options, MAX_VERDICTS};
    let data =
        std::fs::read(crate::common::root().join("tests/fixtures/multi_prog.o")).expect("fixture");
    let all = apply(&data, &Options::default()).expect("within the default limit");
    let pairs: usize = all.programs.iter().map(|p| p.args.len()).sum();
    assert!(pairs > 1 && pairs < MAX_VERDICTS);
    let exact = Options {
        max_verdicts: pairs,
        ..Options::default()
    };
    assert!(apply(&data, &exact).is_ok(), "exactly at the limit");
    let below = Options {
        max_verdicts: pairs - 1,
        ..Options::default()
    };
    let err = apply(&data, &below)
        .expect_err("past the limit")
        .to_string();
    assert!(
        err.contains("arg:ctx verdicts (tags × loaded programs) exceeds the limit"),
        "{err}"
    );
}

/// ELF structure errors (read through the `object` crate, whose errors carry no position) name
/// the file offset of what was being read: the section header table, the relocation section.
#[test]
fn elf_errors_name_the_offset_of_what_was_read() {
    let data =
        std::fs::read(crate::common::root().join("tests/fixtures/multi_prog.o")).expect("fixture");
    let shoff = u64::from_le_bytes(data[0x28..0x30].try_into().expect("e_shoff"));
    let cut = &data[..shoff as usize + 10];
    let err = argctx::program::Object::open(cut)
        .map(|_| ())
        .expect_err("a cut section table fails")
        .to_string();
    assert!(
        err.contains(&format!("invalid ELF section headers at offset {shoff}:")),
        "{err}"
    );

    // A REL section whose entries run past the end of the file.
    let elf = argctx::elf::ElfObject::parse(&data).expect("elf");
    let rel = elf
        .sections
        .iter()
        .find(|s| s.sh_type == 9)
        .expect("a REL section");
    let (index, offset) = (rel.index, rel.offset);
    let mut bad = data.clone();
    // sh_size of section `index` (ELF64 section header: sh_size at +0x20).
    let at = shoff as usize + index * 64 + 0x20;
    bad[at..at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let err = argctx::program::Object::open(&bad)
        .map(|_| ())
        .expect_err("an oversized REL section fails")
        .to_string();
    assert!(
        err.contains(&format!("at offset {offset}")) && err.contains(&format!("section {index}")),
        "{err}"
    );
}
