//! `argctx::btf::dump` against bpftool's raw format (`bpftool btf dump file FILE`).
//!
//! * Golden files: `tests/expected/dump/<name>.txt` holds bpftool's output for every
//!   `tests/fixtures/*.o` and for the hand-built blobs below. `UPDATE_EXPECT=1` regenerates them
//!   from bpftool (when it is installed).
//! * Live comparison: with bpftool installed (on `PATH`, in `/usr/sbin`, or named by `BPFTOOL`), the
//!   same inputs plus `/sys/kernel/btf/vmlinux` are dumped by bpftool and compared byte for byte.
//!   Without it (or with `BPFTOOL=` set empty) these print a note and only the golden files are
//!   checked.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use argctx::btf::{dump, Btf};

fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn expected_dir() -> PathBuf {
    repo_root().join("tests/expected/dump")
}

/// One input: a name (the golden file's stem) and its bytes (an ELF object or a raw blob).
struct Case {
    name: String,
    data: Vec<u8>,
}

/// Every `tests/fixtures/*.o`, sorted by name.
fn fixtures() -> Vec<Case> {
    let dir = repo_root().join("tests/fixtures");
    let mut cases = Vec::new();
    let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("o") {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let data = fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        cases.push(Case {
            name: stem.to_owned(),
            data,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        !cases.is_empty(),
        "no fixtures in {} (build them with `cargo xtask fixtures`)",
        dir.display()
    );
    cases
}

// ---------------------------------------------------------------------------------------------
// Hand-built blobs.

const INT: u32 = 1;
const PTR: u32 = 2;
const ARRAY: u32 = 3;
const STRUCT: u32 = 4;
const UNION: u32 = 5;
const ENUM: u32 = 6;
const FWD: u32 = 7;
const TYPEDEF: u32 = 8;
const VOLATILE: u32 = 9;
const CONST: u32 = 10;
const RESTRICT: u32 = 11;
const FUNC: u32 = 12;
const FUNC_PROTO: u32 = 13;
const VAR: u32 = 14;
const DATASEC: u32 = 15;
const FLOAT: u32 = 16;
const DECL_TAG: u32 = 17;
const TYPE_TAG: u32 = 18;
const ENUM64: u32 = 19;

/// A raw BTF blob written word by word.
struct Blob {
    big_endian: bool,
    /// Extra zero bytes after the 24-byte header (hdr_len grows accordingly).
    header_pad: u32,
    types: Vec<u8>,
    strings: Vec<u8>,
}

impl Blob {
    fn new(strings: &[u8]) -> Self {
        Blob {
            big_endian: false,
            header_pad: 0,
            types: Vec::new(),
            strings: strings.to_vec(),
        }
    }

    fn big_endian(mut self) -> Self {
        self.big_endian = true;
        self
    }

    fn header_pad(mut self, pad: u32) -> Self {
        self.header_pad = pad;
        self
    }

    fn put(&self, out: &mut Vec<u8>, w: u32) {
        if self.big_endian {
            out.extend_from_slice(&w.to_be_bytes());
        } else {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }

    /// Appends a type: name offset, kind, vlen, kind_flag, the size/type word and trailing words.
    fn ty(mut self, name: u32, kind: u32, vlen: u32, kflag: bool, sot: u32, rest: &[u32]) -> Self {
        let info = (u32::from(kflag) << 31) | (kind << 24) | vlen;
        let mut types = std::mem::take(&mut self.types);
        for w in [name, info, sot].iter().chain(rest) {
            self.put(&mut types, *w);
        }
        self.types = types;
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.big_endian {
            out.extend_from_slice(&0xeb9f_u16.to_be_bytes());
        } else {
            out.extend_from_slice(&0xeb9f_u16.to_le_bytes());
        }
        out.extend_from_slice(&[1, 0]);
        let types_len = self.types.len() as u32;
        for w in [
            24 + self.header_pad,
            0,
            types_len,
            types_len,
            self.strings.len() as u32,
        ] {
            self.put(&mut out, w);
        }
        out.extend(std::iter::repeat_n(0u8, self.header_pad as usize));
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }
}

/// Blobs covering what clang does not emit; bpftool accepts each of them.
fn blobs() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |name: &str, blob: Blob| {
        cases.push(Case {
            name: format!("blob_{name}"),
            data: blob.bytes(),
        })
    };

    // Strings: "" int=1 x=5 sec=7 v=11 f=13, then a non-UTF-8 name at 15 and one with a newline at 22.
    let strings: &[u8] = b"\0int\0x\0sec\0v\0f\0\xff\xfe\x01bad\0new\nline\0";

    add(
        "int",
        Blob::new(strings)
            .ty(1, INT, 0, false, 4, &[0x0100_0020]) // SIGNED
            .ty(1, INT, 0, false, 1, &[0x0200_0008]) // CHAR
            .ty(1, INT, 0, false, 1, &[0x0400_0008]) // BOOL
            .ty(1, INT, 0, false, 4, &[0x0300_0020]) // SIGNED|CHAR: unknown
            .ty(1, INT, 0, false, 4, &[0x0500_0020]) // SIGNED|BOOL: unknown
            .ty(1, INT, 0, false, 4, &[0x0810_0010]) // encoding 8, bits_offset 16
            .ty(1, INT, 0, false, 4, &[0x1100_0020]) // bits above the encoding nibble
            .ty(1, INT, 0, false, 4, &[0x0000_ff20]) // bits between offset and nr_bits
            .ty(1, INT, 0, false, 4, &[0xffff_ffff])
            .ty(1, INT, 0xffff, true, u32::MAX, &[0x0100_0020]) // vlen and kind_flag ignored
            .ty(0, INT, 0, false, 16, &[0x0100_0080]), // anonymous __int128
    );

    add(
        "names",
        Blob::new(strings)
            .ty(1, INT, 0, false, 4, &[0x0100_0020]) // 1 'int'
            .ty(9999, INT, 0, false, 4, &[0x0100_0020]) // 2 out of range
            .ty(15, INT, 0, false, 4, &[0x0100_0020]) // 3 not UTF-8
            .ty(22, INT, 0, false, 4, &[0x0100_0020]) // 4 embedded newline
            .ty(4, INT, 0, false, 4, &[0x0100_0020]) // 5 the NUL after "int": ''
            .ty(2, INT, 0, false, 4, &[0x0100_0020]) // 6 mid-string: 'nt'
            .ty(strings.len() as u32, TYPEDEF, 0, false, 1, &[]) // 7 one past the end
            .ty(strings.len() as u32 - 1, TYPEDEF, 0, false, 1, &[]) // 8 the final NUL
            .ty(5, STRUCT, 3, false, 4, &[999, 1, 0, 0, 1, 0, 15, 1, 0]) // 9 member names
            .ty(5, FUNC_PROTO, 3, false, 0, &[999, 1, 0, 1, 22, 1]) // 10 param names
            .ty(5, ENUM, 3, false, 4, &[999, 1, 0, 2, 1, 3]) // 11 value names
            .ty(5, ENUM64, 2, false, 8, &[999, 1, 0, 0, 2, 0]) // 12 value names
            .ty(0, VAR, 0, false, 1, &[1]) // 13 anonymous VAR
            .ty(9999, VAR, 0, false, 1, &[1]) // 14 VAR with a bad name
            .ty(7, DATASEC, 2, false, 8, &[13, 0, 4, 14, 4, 4]), // 15
    );

    add(
        "kinds",
        Blob::new(strings)
            .ty(1, INT, 0, false, 4, &[0x0100_0020]) // 1
            .ty(0, FWD, 0, true, 0, &[]) // 2 anonymous FWD union
            .ty(5, FWD, 0, true, 0, &[]) // 3 FWD union
            .ty(5, FWD, 0, false, 0, &[]) // 4 FWD struct
            .ty(5, DECL_TAG, 0, true, 1, &[u32::MAX]) // 5 kind_flag DECL_TAG, whole entity
            .ty(5, DECL_TAG, 0, true, 1, &[3]) // 6 kind_flag DECL_TAG, component 3
            .ty(5, DECL_TAG, 0, false, 1, &[0x8000_0000]) // 7 most negative component
            .ty(5, TYPE_TAG, 0, true, 1, &[]) // 8 kind_flag TYPE_TAG
            .ty(13, FUNC, 3, false, 8, &[]) // 9 linkage 3
            .ty(13, FUNC, 0, true, 8, &[]) // 10 kind_flag FUNC
            .ty(13, FUNC, 0xffff, false, 8, &[]) // 11
            .ty(11, VAR, 0, false, 1, &[3]) // 12 linkage 3
            .ty(11, VAR, 0, false, 1, &[2]) // 13 extern
            .ty(11, VAR, 0, false, 1, &[u32::MAX]) // 14
            .ty(11, VAR, 0, false, 1, &[0]) // 15 static
            // 16 entries pointing at a VAR, an INT, a FUNC, void, itself and past the end.
            .ty(
                7,
                DATASEC,
                6,
                false,
                24,
                &[13, 0, 4, 1, 4, 4, 9, 8, 4, 0, 12, 4, 16, 16, 0, 500, 20, 4],
            )
            // 17 kind_flag members: bitfield_size 0 prints nothing.
            .ty(5, STRUCT, 2, true, 8, &[1, 1, 0, 0, 1, (7 << 24) | 32])
            // 18 without kind_flag the whole offset word is the bit offset.
            .ty(5, STRUCT, 1, false, 8, &[1, 1, (7 << 24) | 32])
            .ty(5, UNION, 2, true, 4, &[1, 1, 1 << 24, 1, 1, 31 << 24]) // 19
            .ty(5, ENUM, 0, true, 4, &[]) // 20 signed, no values
            .ty(5, ENUM, 2, false, 1, &[1, 0x8000_0000, 1, u32::MAX]) // 21 unsigned
            .ty(5, ENUM, 2, true, 2, &[1, 0x8000_0000, 1, u32::MAX]) // 22 signed
            .ty(
                5,
                ENUM64,
                3,
                true,
                8,
                &[1, 0, 0x8000_0000, 1, u32::MAX, u32::MAX, 1, 7, 0],
            ) // 23
            .ty(5, ENUM64, 2, false, 4, &[1, 5, 0, 1, u32::MAX, u32::MAX]) // 24 unsigned
            .ty(5, FUNC_PROTO, 2, false, 0, &[0, 0, 5, 0]) // 25 '(anon)' type_id=0 and a named void
            .ty(0, FUNC_PROTO, 0, false, 1, &[]) // 26 no params
            .ty(5, FLOAT, 0, false, 16, &[]) // 27
            .ty(5, ARRAY, 0, false, 0, &[1, 1, u32::MAX]) // 28
            .ty(0, STRUCT, 0, false, 0, &[]) // 29 empty
            .ty(0, UNION, 0, true, 0, &[]) // 30 empty
            .ty(5, PTR, 0, false, 0xfffff, &[]) // 31 past the end
            .ty(5, TYPEDEF, 0, false, 1, &[]) // 32
            .ty(5, VOLATILE, 0, false, 1, &[]) // 33
            .ty(5, CONST, 0, false, 1, &[]) // 34
            .ty(5, RESTRICT, 0, false, 1, &[]) // 35
            .ty(5, TYPE_TAG, 0, false, 0, &[]), // 36
    );

    add(
        "big_endian",
        Blob::new(strings)
            .big_endian()
            .ty(1, INT, 0, false, 4, &[0x0100_0020])
            .ty(5, STRUCT, 1, true, 4, &[1, 1, (3 << 24) | 5])
            .ty(5, ENUM64, 2, true, 8, &[1, 1, 0x8000_0000, 1, 2, 0])
            .ty(5, ENUM, 1, true, 4, &[1, u32::MAX])
            .ty(5, FUNC_PROTO, 1, false, 1, &[5, 1])
            .ty(11, VAR, 0, false, 1, &[1])
            .ty(7, DATASEC, 1, false, 4, &[6, 0, 4])
            .ty(5, DECL_TAG, 0, false, 2, &[0]),
    );

    add("empty", Blob::new(b"\0"));

    add(
        "long_header",
        Blob::new(b"\0int\0")
            .header_pad(8)
            .ty(1, INT, 0, false, 4, &[0x0100_0020]),
    );

    cases
}

// ---------------------------------------------------------------------------------------------
// bpftool.

fn bpftool() -> Option<PathBuf> {
    // `BPFTOOL=path` picks a binary; `BPFTOOL=` (empty) runs as if bpftool were not installed.
    if let Some(p) = std::env::var_os("BPFTOOL") {
        return (!p.is_empty()).then(|| PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|d| d.join("bpftool"))
        .find(|p| p.is_file())
}

/// Runs `bpftool btf dump file FILE` and returns its standard output.
fn bpftool_dump(bpftool: &Path, file: &Path) -> Vec<u8> {
    let out = Command::new(bpftool)
        .args(["btf", "dump", "file"])
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bpftool.display()));
    assert!(
        out.status.success(),
        "bpftool btf dump file {} failed ({}): {}",
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A per-process, per-test scratch directory (removed by [`remove_scratch`]).
fn scratch_dir(test: &str) -> PathBuf {
    std::env::temp_dir().join(format!("argctx-dump-{}-{test}", std::process::id()))
}

fn remove_scratch(test: &str) {
    // Best effort: the directory does not exist when bpftool was not run.
    let _ = fs::remove_dir_all(scratch_dir(test));
}

/// Writes `case` to a scratch file for bpftool.
fn scratch_file(test: &str, case: &Case) -> PathBuf {
    let dir = scratch_dir(test);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let path = dir.join(format!("{}.bin", case.name));
    fs::write(&path, &case.data).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

// ---------------------------------------------------------------------------------------------
// Comparison.

fn ours(data: &[u8]) -> Vec<u8> {
    let btf = argctx::btf_of(data).expect("parse BTF");
    dump::dump_bytes(&btf)
}

/// `None` when equal; otherwise a report of the first differing line with a little context.
fn first_difference(expected: &[u8], actual: &[u8]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let exp: Vec<&[u8]> = expected.split(|&b| b == b'\n').collect();
    let act: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    let i = exp
        .iter()
        .zip(&act)
        .position(|(a, b)| a != b)
        .unwrap_or(exp.len().min(act.len()));
    let show = |l: &[u8]| String::from_utf8_lossy(l).into_owned();
    let mut s = format!(
        "first difference at line {} (expected {} lines, got {}):\n",
        i + 1,
        exp.len(),
        act.len()
    );
    for l in &exp[i.saturating_sub(3)..i] {
        s += &format!(" {}\n", show(l));
    }
    match exp.get(i) {
        Some(l) => s += &format!("-{}\n", show(l)),
        None => s += "-<end of expected>\n",
    }
    match act.get(i) {
        Some(l) => s += &format!("+{}\n", show(l)),
        None => s += "+<end of output>\n",
    }
    Some(s)
}

/// Checks our dump of every case against its golden file (regenerating it first when asked).
fn check_golden(cases: &[Case], test: &str) {
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let tool = bpftool();
    if update {
        match &tool {
            Some(_) => fs::create_dir_all(expected_dir()).expect("create tests/expected/dump"),
            None => eprintln!("note: UPDATE_EXPECT=1 but bpftool is not installed; checking only"),
        }
    }
    let mut failures = Vec::new();
    for case in cases {
        let file = expected_dir().join(format!("{}.txt", case.name));
        if update {
            if let Some(tool) = &tool {
                let text = bpftool_dump(tool, &scratch_file(test, case));
                fs::write(&file, text)
                    .unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
            }
        }
        let expected = match fs::read(&file) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!(
                    "{}: {e} (generate it with UPDATE_EXPECT=1 and bpftool installed)",
                    file.display()
                ));
                continue;
            }
        };
        if let Some(diff) = first_difference(&expected, &ours(&case.data)) {
            failures.push(format!("{} vs {}: {diff}", case.name, file.display()));
        }
    }
    remove_scratch(test);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Checks our dump of every case against a live bpftool run.
fn check_live(cases: &[Case], test: &str) {
    let Some(tool) = bpftool() else {
        eprintln!("note: bpftool is not installed; skipping the live comparison");
        return;
    };
    let mut failures = Vec::new();
    for case in cases {
        let expected = bpftool_dump(&tool, &scratch_file(test, case));
        if let Some(diff) = first_difference(&expected, &ours(&case.data)) {
            failures.push(format!("{} vs bpftool: {diff}", case.name));
        }
    }
    remove_scratch(test);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn golden_fixtures() {
    let cases = fixtures();
    check_golden(&cases, "golden_fixtures");
    // Golden files of fixtures that no longer exist are removed when blessing, reported otherwise.
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for entry in fs::read_dir(expected_dir()).expect("read tests/expected/dump") {
        let path = entry.expect("directory entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if stem.starts_with("blob_") || cases.iter().any(|c| c.name == stem) {
            continue;
        }
        if update {
            fs::remove_file(&path).unwrap_or_else(|e| panic!("removing {}: {e}", path.display()));
        } else {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "golden files without a fixture (remove them or run with UPDATE_EXPECT=1): {}",
        stale.join(", ")
    );
}

#[test]
fn golden_blobs() {
    check_golden(&blobs(), "golden_blobs");
}

#[test]
fn live_fixtures() {
    check_live(&fixtures(), "live_fixtures");
}

#[test]
fn live_blobs() {
    check_live(&blobs(), "live_blobs");
}

#[test]
fn live_vmlinux() {
    let vmlinux = Path::new("/sys/kernel/btf/vmlinux");
    let Some(tool) = bpftool() else {
        eprintln!("note: bpftool is not installed; skipping the vmlinux comparison");
        return;
    };
    let Ok(data) = fs::read(vmlinux) else {
        eprintln!("note: {} is not readable; skipping", vmlinux.display());
        return;
    };
    let expected = bpftool_dump(&tool, vmlinux);
    let btf = argctx::btf_of(&data).expect("parse vmlinux BTF");
    let start = std::time::Instant::now();
    let actual = dump::dump(&btf);
    eprintln!(
        "dumped {} types ({} bytes) in {:?}",
        btf.type_cnt() - 1,
        actual.len(),
        start.elapsed()
    );
    if let Some(diff) = first_difference(&expected, actual.as_bytes()) {
        panic!("vmlinux vs bpftool: {diff}");
    }
}

/// `dump` is `dump_bytes` with names converted lossily; `dump_type` pieces add up to `dump`.
#[test]
fn string_and_per_type_forms() {
    for case in blobs().iter().chain(&fixtures()) {
        let btf = argctx::btf_of(&case.data).expect("parse BTF");
        let bytes = dump::dump_bytes(&btf);
        let text = dump::dump(&btf);
        assert_eq!(text, String::from_utf8_lossy(&bytes), "{}", case.name);

        let mut joined = String::new();
        let mut joined_bytes = Vec::new();
        for id in 1..btf.type_cnt() {
            dump::dump_type(&btf, id, &mut joined);
            dump::dump_type_bytes(&btf, id, &mut joined_bytes);
        }
        assert_eq!(joined, text, "{}", case.name);
        assert_eq!(joined_bytes, bytes, "{}", case.name);

        let mut past_end = String::new();
        dump::dump_type(&btf, btf.type_cnt(), &mut past_end);
        dump::dump_type(&btf, u32::MAX, &mut past_end);
        assert_eq!(past_end, "", "{}", case.name);
    }
}

#[test]
fn void_and_non_utf8_names() {
    let blob = blobs()
        .into_iter()
        .find(|c| c.name == "blob_names")
        .expect("names blob");
    let btf = argctx::btf_of(&blob.data).expect("parse BTF");
    let mut s = String::new();
    dump::dump_type(&btf, 0, &mut s);
    assert_eq!(s, "[0] UNKNOWN '(anon)'\n");

    let mut bytes = Vec::new();
    dump::dump_type_bytes(&btf, 3, &mut bytes);
    assert_eq!(
        bytes,
        b"[3] INT '\xff\xfe\x01bad' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n"
    );
    let mut s = String::new();
    dump::dump_type(&btf, 3, &mut s);
    assert_eq!(
        s,
        "[3] INT '\u{fffd}\u{fffd}\u{1}bad' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n"
    );
}

/// Blobs bpftool refuses to load (it needs a NUL-terminated string section starting with NUL):
/// we still print something sensible.
#[test]
fn blobs_bpftool_rejects() {
    let unterminated = Blob::new(b"\0int").ty(1, INT, 0, false, 4, &[0x0100_0020]);
    let data = unterminated.bytes();
    let btf = Btf::parse(&data).expect("parse");
    assert_eq!(
        dump::dump(&btf),
        "[1] INT '(invalid)' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n"
    );

    let no_leading_nul = Blob::new(b"xint\0").ty(0, INT, 0, false, 4, &[0x0100_0020]);
    let data = no_leading_nul.bytes();
    let btf = Btf::parse(&data).expect("parse");
    assert_eq!(
        dump::dump(&btf),
        "[1] INT '(anon)' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n"
    );

    let no_strings = Blob::new(b"").ty(1, PTR, 0, false, 0, &[]);
    let data = no_strings.bytes();
    let btf = Btf::parse(&data).expect("parse");
    assert_eq!(dump::dump(&btf), "[1] PTR '(invalid)' type_id=0\n");
}

/// Corrupted inputs either fail to parse or dump without panicking.
#[test]
fn mutated_inputs_do_not_panic() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut inputs: Vec<Vec<u8>> = blobs().into_iter().map(|c| c.data).collect();
    for case in fixtures() {
        if let Ok(btf) = argctx::btf_of(&case.data) {
            inputs.push(btf.raw().to_vec());
        }
    }
    for input in &inputs {
        if input.len() <= 24 {
            continue;
        }
        for _ in 0..300 {
            let mut data = input.clone();
            for _ in 0..1 + next() % 4 {
                // Past the header, so most mutations still parse.
                let at = 24 + (next() % (data.len() as u64 - 24)) as usize;
                data[at] = next() as u8;
            }
            if let Ok(btf) = Btf::parse(&data) {
                let text = dump::dump(&btf);
                assert_eq!(text, String::from_utf8_lossy(&dump::dump_bytes(&btf)));
            }
        }
    }
}
