//! Parse → serialize reproduces the input byte for byte; the BTF libbpf would send validates.

use argctx::btf::ext::BtfExt;
use argctx::btf::{validate::validate, Btf, BtfBuilder};
use argctx::elf::ElfObject;
use argctx::fallback::{apply, Options};

use crate::common::fixtures;

#[test]
fn btf_and_ext_round_trip() {
    for (name, data) in fixtures() {
        let elf = ElfObject::parse(&data).expect("elf");
        let sec = elf.section_by_name(".BTF").expect(".BTF");
        let btf = Btf::parse_at(sec.data, sec.offset).expect("btf");
        assert_eq!(
            BtfBuilder::new(&btf).to_bytes(),
            sec.data,
            "{name}: .BTF round trip"
        );
        assert_eq!(
            BtfBuilder::new(&btf).into_bytes(),
            sec.data,
            "{name}: .BTF round trip (into_bytes)"
        );
        // After appends (which also drop any trailing bytes), both serializations agree.
        let mut b = BtfBuilder::new(&btf);
        let name_off = b.add_str(b"argctx_into_bytes").expect("string");
        let s = b.add_struct(name_off, 0);
        b.add_ptr(s);
        assert_eq!(b.clone().into_bytes(), b.to_bytes(), "{name}: into_bytes");
        let ext = elf.section_by_name(".BTF.ext").expect(".BTF.ext");
        let parsed = BtfExt::parse_at(ext.data, ext.offset).expect("btf.ext");
        assert_eq!(parsed.to_bytes(), ext.data, "{name}: .BTF.ext round trip");
        assert!(!parsed.func_info.blocks.is_empty(), "{name}: func_info");
    }
}

#[test]
fn vmlinux_round_trip_and_validates() {
    let Ok(data) = std::fs::read("/sys/kernel/btf/vmlinux") else {
        println!("no /sys/kernel/btf/vmlinux on this machine");
        return;
    };
    let btf = Btf::parse(&data).expect("vmlinux parses");
    assert!(btf.type_cnt() > 1000);
    assert_eq!(BtfBuilder::new(&btf).to_bytes(), data);
    let problems = validate(&btf);
    assert!(
        problems.is_empty(),
        "vmlinux: {:?}",
        &problems[..problems.len().min(5)]
    );
}

#[test]
fn sent_btf_validates_and_raw_object_btf_does_not() {
    for (name, data) in fixtures() {
        let out = apply(&data, &Options::default()).expect("apply");
        let sent = out.btf.expect("btf");
        let problems = validate(&Btf::parse(&sent).expect("sent btf parses"));
        assert!(problems.is_empty(), "{name}: {problems:?}");
        // As compiled, clang leaves DATASEC sizes at 0, which the kernel refuses: the validator
        // must say so (libbpf's finalization is what makes the blob loadable).
        let raw = argctx::btf_of(&data).expect("btf");
        let raw_problems = validate(&raw);
        assert!(
            raw_problems
                .iter()
                .any(|e| e.to_string().contains("DATASEC size")),
            "{name}: expected a DATASEC size problem, got {raw_problems:?}"
        );
    }
}

#[test]
fn validator_names_field_and_offset() {
    let (_, data) = fixtures().into_iter().next().expect("a fixture");
    let out = apply(&data, &Options::default()).expect("apply");
    let mut blob = out.btf.expect("btf");
    // Point the first type's name past the string section.
    blob[24..28].copy_from_slice(&0x00ff_fff0u32.to_le_bytes());
    let problems = validate(&Btf::parse(&blob).expect("parses"));
    let msg = problems
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        msg.contains("type name_off") && msg.contains("at offset 24"),
        "{msg}"
    );
}
