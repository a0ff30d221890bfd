//! Golden files for the CLI's views (`programs`, `explain` text and JSON) on every fixture.
//! Regenerate with `UPDATE_EXPECT=1 cargo test -p argctx --test it golden`.

use argctx::fallback::{Arch, Options};
use argctx::report;

use crate::common::{check_golden, fixtures};

#[test]
fn golden_programs_and_explain() {
    for (name, data) in fixtures() {
        let programs = report::programs(&data).expect("programs");
        check_golden(
            &format!("programs/{name}.txt"),
            &report::render_programs(&programs),
        );
        let explained = report::explain(&data, &Options::default()).expect("explain");
        check_golden(
            &format!("explain/{name}.txt"),
            &report::render_explain(&explained.report),
        );
        let json = serde_json::to_string_pretty(&explained.report).expect("json") + "\n";
        check_golden(&format!("explain/{name}.json"), &json);
    }
}

#[test]
fn perf_event_struct_depends_on_arch() {
    let data = fixtures()
        .into_iter()
        .find(|(n, _)| n == "perf_event")
        .expect("perf_event fixture")
        .1;
    let warnings = |arch| {
        let opts = Options {
            arch,
            ..Options::default()
        };
        report::explain(&data, &opts)
            .expect("explain")
            .report
            .warnings
    };
    let x86 = warnings(Arch::X86_64);
    let arm = warnings(Arch::Arm64);
    let s390 = warnings(Arch::S390);
    // `struct pt_regs *` is accepted for perf_event on x86 only; s390 accepts no register struct.
    assert!(!x86.iter().any(|w| w.contains("'read_regs'")), "{x86:?}");
    assert!(arm.iter().any(|w| w.contains("'read_regs'")), "{arm:?}");
    assert!(s390.len() > x86.len(), "{s390:?} vs {x86:?}");
}

/// `--kernel 5.10`: libbpf's sanitization turns every DECL_TAG (the object's and the fallback's
/// clones) into a 1-byte INT in the blob it sends, and the report says so; the sent blob still
/// passes the kernel's checks.
#[test]
fn sanitized_for_an_old_kernel() {
    use argctx::btf::{validate::validate, Btf, Kind};
    let data =
        std::fs::read(crate::common::root().join("tests/fixtures/void_ctx.o")).expect("fixture");
    let mut opts = argctx::fallback::Options::default();
    opts.set_kernel("5.10").expect("5.10");
    let e = argctx::report::explain(&data, &opts).expect("explain");
    let sent = e.btf.expect("btf");
    let btf = Btf::parse(&sent).expect("parse");
    assert!(btf.types().all(|t| t.kind != Kind::DeclTag));
    assert_eq!(validate(&btf), Vec::new());
    assert_eq!(e.report.sanitized.len(), 1, "{:?}", e.report.sanitized);
    assert_eq!(e.report.sanitized[0].feature, "FEAT_BTF_DECL_TAG");
    let prepared = argctx::fallback::apply(&data, &opts).expect("apply");
    let decl_tags = Btf::parse(prepared.btf.as_deref().expect("btf"))
        .expect("parse")
        .types()
        .filter(|t| t.kind == Kind::DeclTag)
        .count();
    assert_eq!(e.report.sanitized[0].count as usize, decl_tags);
    // On 6.1 nothing of that kind is missing.
    opts.set_kernel("6.1").expect("6.1");
    let e = argctx::report::explain(&data, &opts).expect("explain");
    assert!(e.report.sanitized.is_empty());
}
