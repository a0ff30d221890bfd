//! Inputs the fuzz targets in `fuzz/` found, replayed through the very bodies the targets run
//! (`fuzz/src/bodies.rs`, included below), so each crash stays fixed without a fuzzer. Each input
//! is committed, minimized, as `tests/fuzz-regressions/<target>-<short hash>`; add one with
//! `cargo xtask fuzz regress <target> <artifact>` and a case here saying what it found.
//!
//! The fuzz targets also bound memory per input with a counting global allocator; that check lives
//! in the fuzz crate (`fuzz/tests/alloc_bound.rs`), since a global allocator here would apply to
//! every test of this binary.

#[path = "../../../fuzz/src/bodies.rs"]
mod bodies;

use crate::common::root;

macro_rules! cases {
    ($($(#[doc = $doc:literal])* $test:ident: $target:ident $file:literal;)*) => {
        $(
            $(#[doc = $doc])*
            #[test]
            fn $test() {
                assert!($file.starts_with(concat!(stringify!($target), "-")));
                bodies::$target(include_bytes!(concat!("../../../tests/fuzz-regressions/", $file)));
            }
        )*
        /// Every input with a case above.
        const CASES: &[&str] = &[$($file),*];
    };
}

cases! {
    /// A 24-byte BTF header with no types or strings and one byte after the (empty) string
    /// section. The parser accepts trailing bytes (as libbpf does), but `BtfBuilder` dropped them,
    /// so an unchanged blob did not serialize back to its input. Fixed in `btf/builder.rs`: the
    /// builder keeps the trailing bytes until its first append (libbpf's raw data likewise keeps
    /// them until `btf_ensure_modifiable` rebuilds the blob).
    parse_btf_b6a403b8: parse_btf "parse_btf-b6a403b8";
    /// A FUNC_PROTO whose only parameter has the prototype itself as its type (the fuzzer's input
    /// was a 64-type blob with such a prototype among others; this is it minimized by hand).
    /// `cdecl::declaration` recursed through the parameter list without bound and overflowed the
    /// stack. Fixed in `btf/cdecl.rs`: one step budget for the whole declaration, shared by nested
    /// parameter lists and qualifier recursion.
    parse_btf_bd875ddd: parse_btf "parse_btf-bd875ddd";
    /// Written by hand next to the one above: a CONST whose type is itself. `declaration`
    /// recursed for qualifiers of a base type with a fresh depth bound each time, so this cycle
    /// overflowed the stack too; the shared step budget ends it.
    parse_btf_c439b91d: parse_btf "parse_btf-c439b91d";
    /// A `.BTF.ext` header whose subsections are all empty, followed by one unused byte. The
    /// canonical serialization is the bare header, which the parser (like libbpf) refuses as a
    /// section without data; the fuzz body's round-trip invariant now allows exactly that case.
    parse_btf_ext_a7e0d7d8: parse_btf_ext "parse_btf_ext-a7e0d7d8";
}

/// Every committed input has a case above, and every input replays cleanly through its target.
#[test]
fn every_committed_input_has_a_case() {
    let dir = root().join("tests/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-regressions")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|f| !f.starts_with('.') && !f.ends_with(".md"))
        .collect();
    files.sort();
    for f in &files {
        let target = bodies::TARGETS
            .iter()
            .find(|t| f.strip_prefix(**t).is_some_and(|r| r.starts_with('-')))
            .unwrap_or_else(|| panic!("{f}: the name does not start with a fuzz target"));
        assert!(
            CASES.contains(&f.as_str()),
            "{f}: no case in core/tests/it/fuzz_regressions.rs"
        );
        bodies::run(target, &std::fs::read(dir.join(f)).expect("read input"));
    }
}
