//! Portable objects (`argctx rewrite -o`): for every fixture, the rewritten ELF parses, its BTF
//! validates, rewriting it again changes nothing, libbpf's fallback finds nothing left to do on it,
//! every other section is byte-identical, and every record libbpf would have pointed at a clone now
//! names a function with the same prototype. Programs that need different context types from one
//! subprogram are refused.

use argctx::btf::cdecl::prototype;
use argctx::btf::ext::BtfExt;
use argctx::btf::validate::validate;
use argctx::btf::Btf;
use argctx::elf::ElfObject;
use argctx::fallback::{apply, Decision, Options};
use argctx::portable::{rewrite, rewrite_object};

use crate::common::{fixtures, root, Rng};

/// Little-endian fixtures, then the big-endian twins, as (name, bytes).
fn all_objects() -> Vec<(String, Vec<u8>)> {
    let mut v = fixtures();
    if let Ok(dir) = std::fs::read_dir(root().join("tests/fixtures-be")) {
        let mut be: Vec<_> = dir
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "o"))
            .collect();
        be.sort();
        for p in be {
            let stem = p.file_stem().expect("stem").to_string_lossy().into_owned();
            v.push((format!("be/{stem}"), std::fs::read(&p).expect("read")));
        }
    }
    v
}

fn opts(programs: &[&str]) -> Options {
    Options {
        programs: programs.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    }
}

/// The selections each fixture is rewritten with (shared_subprog needs one).
fn selections(name: &str) -> Vec<Vec<&'static str>> {
    if name.ends_with("shared_subprog") {
        vec![
            vec!["xdp_shared"],
            vec!["tc_shared", "socket_shared", "cgskb_shared"],
        ]
    } else {
        vec![vec![]]
    }
}

/// The prototype of each func_info record's FUNC, per program, as the kernel would verify it.
fn sent_prototypes(data: &[u8], o: &Options) -> Vec<(String, Vec<String>)> {
    let out = apply(data, o).expect("apply");
    let btf = Btf::parse(out.btf.as_deref().expect("btf")).expect("sent btf");
    out.programs
        .iter()
        .map(|p| {
            let protos = p
                .func_info
                .iter()
                .map(|f| {
                    // The portable object says `bpf_user_pt_regs_t *` where libbpf says
                    // `struct bpf_user_pt_regs_t *` (the typedef native kernels also accept).
                    prototype(&btf, f.type_id)
                        .replace("struct bpf_user_pt_regs_t *", "bpf_user_pt_regs_t *")
                })
                .collect();
            (p.name.clone(), protos)
        })
        .collect()
}

#[track_caller]
fn check_portable(name: &str, input: &[u8], o: &Options) {
    let p = rewrite(input, o).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = &p.object;
    assert_eq!(p.changed, out.as_slice() != input, "{name}: changed flag");
    assert_eq!(
        rewrite_object(input, o).expect("again"),
        *out,
        "{name}: deterministic"
    );

    // It parses: ELF, .BTF, .BTF.ext, programs.
    let elf = ElfObject::parse(out).unwrap_or_else(|e| panic!("{name}: ELF: {e}"));
    let orig = ElfObject::parse(input).expect("input ELF");
    let btf_sec = elf.section_by_name(".BTF").expect(".BTF");
    let btf = Btf::parse_at(btf_sec.data, btf_sec.offset).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ext_sec = elf.section_by_name(".BTF.ext").expect(".BTF.ext");
    BtfExt::parse_at(ext_sec.data, ext_sec.offset).unwrap_or_else(|e| panic!("{name}: {e}"));
    argctx::program::Object::open(out).unwrap_or_else(|e| panic!("{name}: open: {e}"));

    // The original BTF is a prefix of the new one (types and strings only appended).
    let obtf = argctx::btf_of(input).expect("input btf");
    let raw_types = |b: &Btf<'_>, n: usize| b.raw()[b.types_start()..b.types_start() + n].to_vec();
    let old_len = obtf.header().type_len as usize;
    assert_eq!(
        raw_types(&obtf, old_len),
        raw_types(&btf, old_len),
        "{name}: types kept"
    );
    assert!(
        btf.strings().starts_with(obtf.strings()),
        "{name}: strings kept"
    );

    // Every other section is byte-identical, at the same index, with the same header.
    assert_eq!(
        elf.sections.len(),
        orig.sections.len(),
        "{name}: section count"
    );
    for (a, b) in orig.sections.iter().zip(&elf.sections) {
        assert_eq!(a.name, b.name, "{name}: section order");
        assert_eq!(
            (a.sh_type, a.flags, a.link, a.info),
            (b.sh_type, b.flags, b.link, b.info)
        );
        if a.name == ".BTF" {
            continue;
        }
        assert_eq!(a.size, b.size, "{name}: {} size", a.name);
        assert_eq!(a.offset, b.offset, "{name}: {} offset", a.name);
        if a.name != ".BTF.ext" {
            assert_eq!(a.data, b.data, "{name}: {} contents", a.name);
        }
    }
    assert_eq!(orig.symbols.len(), elf.symbols.len());
    assert_eq!(orig.relocations, elf.relocations, "{name}: relocations");

    // The BTF a loader finalizes from it (DATASEC sizes, offsets) passes the kernel's checks.
    let fin = apply(out, &Options::default()).expect("apply portable");
    let sent = fin.btf.as_deref().expect("sent btf");
    let errors = validate(&Btf::parse(sent).expect("parse sent"));
    assert!(errors.is_empty(), "{name}: {errors:?}");

    // libbpf 1.7 on an old kernel finds nothing left to rewrite for the selected programs.
    let again = apply(out, o).expect("apply portable");
    assert!(again.error.is_none(), "{name}: {:?}", again.error);
    for prog in &again.programs {
        assert!(
            prog.added_types.is_empty(),
            "{name}: {} added types",
            prog.name
        );
        assert_eq!(
            prog.func_info, prog.func_info_before,
            "{name}: {}",
            prog.name
        );
        assert!(
            prog.args.iter().all(|a| a.decision != Decision::Rewritten),
            "{name}: {} still has rewrites",
            prog.name
        );
        assert!(prog.warnings.is_empty(), "{name}: {:?}", prog.warnings);
    }

    // What the kernel verifies from the portable object (sent unchanged, as loaders without the
    // fallback do) is what libbpf's fallback made it verify for the original.
    let native = Options {
        native: true,
        ..o.clone()
    };
    assert_eq!(
        sent_prototypes(out, &native),
        sent_prototypes(input, o),
        "{name}: verified prototypes"
    );

    // Idempotent: rewriting the portable object changes nothing.
    let twice = rewrite_object(out, o).unwrap_or_else(|e| panic!("{name}: second rewrite: {e}"));
    assert!(twice == *out, "{name}: not idempotent");
}

#[test]
fn every_fixture_becomes_portable() {
    for (name, data) in all_objects() {
        for sel in selections(&name) {
            let label = format!("{name} {sel:?}");
            check_portable(&label, &data, &opts(&sel));
        }
    }
}

#[test]
fn objects_without_rewrites_are_returned_unchanged() {
    for (name, data) in fixtures() {
        if ["canonical", "tp_btf", "fentry", "mismatch"].contains(&name.as_str()) {
            let p = rewrite(&data, &Options::default()).expect(&name);
            assert!(!p.changed && p.object == data, "{name}");
            assert!(p.retargeted.is_empty(), "{name}");
        }
    }
}

#[test]
fn programs_needing_different_contexts_are_refused() {
    let data = std::fs::read(root().join("tests/fixtures/shared_subprog.o")).expect("read");
    let err = rewrite_object(&data, &Options::default())
        .expect_err("xdp and tc share emit_event")
        .to_string();
    for needle in [
        "emit_event",
        "xdp_shared",
        "tc_shared",
        "struct xdp_md *",
        "struct __sk_buff *",
        "--program",
    ] {
        assert!(err.contains(needle), "{needle:?} missing from: {err}");
    }
    // skb_peek is shared by three programs of one context: no conflict there.
    assert!(!err.contains("skb_peek"), "{err}");

    // A consistent selection succeeds; the others are named in the notes.
    let p = rewrite(&data, &opts(&["xdp_shared"])).expect("xdp_shared alone");
    assert_eq!(p.programs, ["xdp_shared"]);
    let fns: Vec<_> = p.retargeted.iter().map(|r| r.function.as_str()).collect();
    assert_eq!(fns, ["emit_event"]);
    assert_eq!(p.retargeted[0].ctx_struct, "xdp_md");
    assert_eq!(p.retargeted[0].section, ".text");
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("tc_shared") && n.contains("will not load")),
        "{:?}",
        p.notes
    );

    let skb = rewrite(
        &data,
        &opts(&["tc_shared", "socket_shared", "cgskb_shared"]),
    )
    .expect("the __sk_buff programs agree");
    let mut fns: Vec<_> = skb.retargeted.iter().map(|r| r.function.as_str()).collect();
    fns.sort_unstable();
    assert_eq!(fns, ["emit_event", "skb_peek"]);
    let peek = skb
        .retargeted
        .iter()
        .find(|r| r.function == "skb_peek")
        .expect("skb_peek");
    assert_eq!(
        peek.programs,
        ["tc_shared", "socket_shared", "cgskb_shared"]
    );
    assert!(
        skb.notes.iter().any(|n| n.contains("xdp_shared")),
        "{:?}",
        skb.notes
    );
}

#[test]
fn one_clone_serves_programs_of_one_context() {
    // multi_prog: xdp_first and xdp_second both reach two_ctx; libbpf clones it twice, the
    // portable object once.
    let data = std::fs::read(root().join("tests/fixtures/multi_prog.o")).expect("read");
    let p = rewrite(&data, &Options::default()).expect("rewrite");
    let two = p
        .retargeted
        .iter()
        .filter(|r| r.function == "two_ctx")
        .collect::<Vec<_>>();
    assert_eq!(two.len(), 1);
    assert_eq!(two[0].args, [0, 2]);
    assert!(two[0].programs.contains(&"xdp_first".to_string()));
    assert!(two[0].programs.contains(&"xdp_second".to_string()));
    assert!(
        two[0].prototype.contains("struct xdp_md *"),
        "{}",
        two[0].prototype
    );
    // The autoload-off program reaches depth1 too and agrees with the clone: no note.
    assert!(p.notes.is_empty(), "{:?}", p.notes);
}

#[test]
fn kprobe_context_is_the_typedef_native_kernels_accept() {
    let data = std::fs::read(root().join("tests/fixtures/kprobe.o")).expect("read");
    let p = rewrite(&data, &Options::default()).expect("rewrite");
    assert!(!p.retargeted.is_empty());
    for r in &p.retargeted {
        assert_eq!(r.ctx_struct, "bpf_user_pt_regs_t");
        assert!(
            r.prototype.contains("(bpf_user_pt_regs_t *"),
            "{}",
            r.prototype
        );
    }
}

#[test]
fn hostile_input_never_panics_and_ok_output_parses() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (name, data) in fixtures() {
        let step = (data.len() / 200).max(1);
        for len in (0..data.len()).step_by(step) {
            let _ = rewrite(&data[..len], &Options::default());
        }
        for _ in 0..300 {
            let mut d = data.clone();
            for _ in 0..1 + rng.next() % 4 {
                let at = (rng.next() % d.len() as u64) as usize;
                d[at] = rng.next() as u8;
            }
            if let Ok(p) = rewrite(&d, &opts(&[])) {
                if p.changed {
                    ElfObject::parse(&p.object)
                        .unwrap_or_else(|e| panic!("{name}: rewritten object does not parse: {e}"));
                }
            }
        }
    }
}

/// `rewrite -o --kernel 5.10`: the object carries BTF that kernel accepts as it is (no DECL_TAG,
/// which 5.10 rejects), with the clones still in place and a note that says so; without a named
/// old kernel the tags stay.
#[test]
fn named_old_kernel_gets_sanitized_btf() {
    use argctx::btf::Kind;
    let data = std::fs::read(root().join("tests/fixtures/void_ctx.o")).expect("fixture");
    let mut o = opts(&["xdp_void"]);
    o.set_kernel("5.10").expect("5.10");
    let p = rewrite(&data, &o).expect("rewrite");
    assert!(p.changed);
    assert!(!p.retargeted.is_empty());
    assert!(
        p.notes.iter().any(|n| n.contains("FEAT_BTF_DECL_TAG")),
        "{:?}",
        p.notes
    );
    let elf = ElfObject::parse(&p.object).expect("elf");
    let sec = elf.section_by_name(".BTF").expect(".BTF");
    let raw = &p.object[sec.offset as usize..(sec.offset + sec.size) as usize];
    let btf = Btf::parse(raw).expect("btf");
    // (DATASEC sizes stay for the loader to finalize, as in every portable object.)
    assert!(btf.types().all(|t| t.kind != Kind::DeclTag));

    let plain = rewrite(&data, &opts(&["xdp_void"])).expect("rewrite");
    let elf = ElfObject::parse(&plain.object).expect("elf");
    let sec = elf.section_by_name(".BTF").expect(".BTF");
    let raw = &plain.object[sec.offset as usize..(sec.offset + sec.size) as usize];
    let btf = Btf::parse(raw).expect("btf");
    assert!(btf.types().any(|t| t.kind == Kind::DeclTag));
}
