//! Big-endian objects (`clang -target bpfeb`): every view equals the little-endian build's, and the
//! BTF written back is big-endian and parses.

use argctx::fallback::{apply, Options};
use argctx::object_endian;
use argctx::report;

use crate::common::root;

#[test]
fn big_endian_objects_match_little_endian() {
    let dir = root().join("tests/fixtures-be");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures-be")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for be_path in names {
        let name = be_path.file_name().expect("name").to_owned();
        let be = std::fs::read(&be_path).expect("read");
        let le =
            std::fs::read(root().join("tests/fixtures").join(&name)).expect("little-endian twin");
        assert_eq!(object_endian(&be), Some(argctx::Endian::Big), "{name:?}");
        for opts in [
            Options::default(),
            Options {
                native: true,
                ..Options::default()
            },
        ] {
            let a = report::explain(&le, &opts).expect("le");
            let b = report::explain(&be, &opts).expect("be");
            assert_eq!(
                serde_json::to_value(&a.report).expect("json"),
                serde_json::to_value(&b.report).expect("json"),
                "{name:?}: reports differ"
            );
        }
        let le_btf = argctx::btf_of(&le).expect("btf");
        let be_btf = argctx::btf_of(&be).expect("btf");
        assert_eq!(
            argctx::btf::dump::dump(&le_btf),
            argctx::btf::dump::dump(&be_btf),
            "{name:?}"
        );
        let out = apply(&be, &Options::default())
            .expect("apply")
            .btf
            .expect("btf");
        assert_eq!(
            &out[..2],
            &[0xeb, 0x9f],
            "{name:?}: written BTF keeps big-endian magic"
        );
        let reparsed = argctx::btf::Btf::parse(&out).expect("reparse");
        assert!(
            argctx::btf::validate::validate(&reparsed).is_empty(),
            "{name:?}"
        );
    }
}
