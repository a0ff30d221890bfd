//! Memory per input: every fuzz body, run under the counting allocator, on the seed inputs (the
//! fixtures, their sections, the BTF argctx writes), every committed regression input, and inputs
//! built to make the walks expensive (a prototype with 65,535 parameters naming long type names, a
//! 100,000-long modifier chain, cycles). Peak memory must stay within `alloc::limit` of the input
//! size, the same bound each fuzz target asserts on every input it runs.
//!
//! Run with `cargo test --manifest-path fuzz/Cargo.toml --release` (`cargo xtask fuzz` runs it).

use std::path::{Path, PathBuf};

use argctx_fuzz::{alloc, bodies};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// A little-endian BTF blob from type records and a string table.
fn btf(types: &[Vec<u8>], strings: &[u8]) -> Vec<u8> {
    let t: Vec<u8> = types.concat();
    let mut out = Vec::new();
    for w in [
        0x0001_eb9f_u32,
        24,
        0,
        t.len() as u32,
        t.len() as u32,
        strings.len() as u32,
    ] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(&t);
    out.extend_from_slice(strings);
    out
}

fn rec(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn info(kind: u32, vlen: u32) -> u32 {
    (kind << 24) | vlen
}

/// Inputs built to make declarations, dumps and chain walks as expensive as possible.
fn hostile_btf() -> Vec<(String, Vec<u8>)> {
    const PTR: u32 = 2;
    const STRUCT: u32 = 4;
    const CONST: u32 = 10;
    const FUNC: u32 = 12;
    const PROTO: u32 = 13;
    let mut strings = vec![0u8];
    strings.extend(std::iter::repeat_n(b'n', 500));
    strings.push(0);
    strings.extend_from_slice(b"f\0");
    let mut out = Vec::new();

    // [1] struct nnn…n (500 characters), [2] PTR -> [1], [3] FUNC_PROTO with 65,535 parameters
    // of type [2] named nnn…n, [4] FUNC f -> [3].
    let mut proto = rec(&[0, info(PROTO, 0xffff), 0]);
    for _ in 0..0xffff {
        proto.extend(rec(&[1, 2]));
    }
    let wide = vec![
        rec(&[1, info(STRUCT, 0), 8]),
        rec(&[0, info(PTR, 0), 1]),
        proto,
        rec(&[502, info(FUNC, 1), 3]),
    ];
    out.push(("wide prototype".to_string(), btf(&wide, &strings)));

    // 100,000 CONSTs, each pointing at the next; the last points back at the first.
    let n = 100_000u32;
    let chain: Vec<Vec<u8>> = (1..=n)
        .map(|i| rec(&[0, info(CONST, 0), if i == n { 1 } else { i + 1 }]))
        .collect();
    out.push(("modifier cycle".to_string(), btf(&chain, &[0])));

    // Prototypes whose two parameters point back at the prototype: declarations fan out.
    let mut fan = vec![rec(&[0, info(PTR, 0), 2])];
    let mut p = rec(&[0, info(PROTO, 2), 1]);
    p.extend(rec(&[0, 1, 0, 1]));
    fan.push(p);
    fan.push(rec(&[502, info(FUNC, 1), 2]));
    out.push(("fan-out".to_string(), btf(&fan, &strings)));
    out
}

struct Worst {
    ratio: f64,
    what: String,
}

fn run(target: &str, name: &str, data: &[u8], worst: &mut Worst, failures: &mut Vec<String>) {
    let ((), peak) = alloc::measure(|| bodies::run(target, data));
    let ratio = peak as f64 / data.len().max(1) as f64;
    if peak > alloc::limit(data.len()) {
        failures.push(format!(
            "{target} on {name}: {peak} bytes for {} input bytes (limit {})",
            data.len(),
            alloc::limit(data.len())
        ));
    }
    // Ratios of tiny inputs measure the fixed allowance, not growth.
    if data.len() >= 4096 && ratio > worst.ratio {
        *worst = Worst {
            ratio,
            what: format!("{target} on {name} ({} bytes, peak {peak})", data.len()),
        };
    }
}

#[test]
fn memory_stays_within_a_multiple_of_the_input() {
    let mut worst = Worst {
        ratio: 0.0,
        what: String::new(),
    };
    let mut failures = Vec::new();
    let mut n = 0;
    for dir in ["tests/fixtures", "tests/fixtures-be"] {
        for path in files(dir) {
            if path.extension().is_none_or(|x| x != "o") {
                continue;
            }
            let data = std::fs::read(&path).expect("fixture");
            let name = path.display().to_string();
            for target in ["parse_elf", "rewrite_roundtrip"] {
                run(target, &name, &data, &mut worst, &mut failures);
                n += 1;
            }
            let elf = argctx::elf::ElfObject::parse(&data).expect("fixture parses");
            for (sec, target) in [(".BTF", "parse_btf"), (".BTF.ext", "parse_btf_ext")] {
                if let Some(s) = elf.section_by_name(sec) {
                    run(
                        target,
                        &format!("{name} {sec}"),
                        s.data,
                        &mut worst,
                        &mut failures,
                    );
                    n += 1;
                }
            }
            if let Ok(Some(sent)) =
                argctx::fallback::apply(&data, &Default::default()).map(|o| o.btf)
            {
                run(
                    "parse_btf",
                    &format!("{name} sent"),
                    &sent,
                    &mut worst,
                    &mut failures,
                );
                n += 1;
            }
        }
    }
    for path in files("tests/fuzz-regressions") {
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if let Some(target) = bodies::TARGETS
            .iter()
            .find(|t| file.strip_prefix(**t).is_some_and(|r| r.starts_with('-')))
        {
            let data = std::fs::read(&path).expect("regression input");
            run(target, &file, &data, &mut worst, &mut failures);
            n += 1;
        }
    }
    for (name, data) in hostile_btf() {
        run("parse_btf", &name, &data, &mut worst, &mut failures);
        n += 1;
    }
    eprintln!(
        "{n} runs; largest peak per input byte (inputs of 4 KiB or more): {:.1} ({}); limit {} bytes + {} per byte",
        worst.ratio,
        worst.what,
        alloc::BASE,
        alloc::FACTOR
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
