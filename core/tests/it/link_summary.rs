//! `link_summary` (what the reports use) decides exactly as `link` (what the loader sends): the
//! same subprograms at the same offsets, func_info, instruction and line_info counts, log and
//! errors, on every fixture and on randomly corrupted copies of them.

use argctx::program::{link, link_summary, Object};

use crate::common::{fixtures, Rng};

/// Compares both for every entry program of `data`; returns how many were compared.
fn agree(label: &str, data: &[u8]) -> usize {
    let Ok(obj) = Object::open(data) else {
        return 0;
    };
    let mut n = 0;
    for (i, _) in obj.entry_programs() {
        match (link(&obj, i), link_summary(&obj, i)) {
            (Ok(full), Ok(sum)) => {
                assert_eq!(full.subprogs, sum.subprogs, "{label}: prog {i} subprogs");
                assert_eq!(full.func_info, sum.func_info, "{label}: prog {i} func_info");
                assert_eq!(full.insns.len(), sum.insn_cnt, "{label}: prog {i} insns");
                assert_eq!(
                    full.line_info.as_ref().map(|l| l.len()),
                    sum.line_info,
                    "{label}: prog {i} line_info"
                );
                assert_eq!(full.log.0, sum.log.0, "{label}: prog {i} log");
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.message, b.message, "{label}: prog {i} error");
                assert_eq!(a.log.0, b.log.0, "{label}: prog {i} error log");
            }
            (a, b) => panic!(
                "{label}: prog {i}: link {:?} but link_summary {:?}",
                a.map(|_| ()).map_err(|e| e.message),
                b.map(|_| ()).map_err(|e| e.message)
            ),
        }
        n += 1;
    }
    n
}

#[test]
fn summary_equals_full_link_on_fixtures_and_corrupted_copies() {
    let mut rng = Rng(0x5eed_114b);
    let mut compared = 0;
    for (name, data) in fixtures() {
        compared += agree(&name, &data);
        for round in 0..150 {
            let mut bad = data.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bad.len());
                if let Some(b) = bad.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            compared += agree(&format!("{name} corrupted #{round}"), &bad);
        }
    }
    assert!(compared > 1000, "only {compared} programs compared");
}
