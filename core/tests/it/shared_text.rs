//! The verdict texts the fallback shares between programs (prototypes before and after the
//! rewrite, reasons) equal those computed for each program alone, with nothing cached yet.

use argctx::fallback::{apply, Options};

use crate::common::fixtures;

#[test]
fn shared_texts_equal_each_program_judged_alone() {
    let mut compared = 0;
    for (name, data) in fixtures() {
        let Ok(all) = apply(&data, &Options::default()) else {
            continue;
        };
        for p in &all.programs {
            let alone = apply(
                &data,
                &Options {
                    programs: vec![p.name.clone()],
                    ..Options::default()
                },
            )
            .expect("the program opens alone");
            let q = alone
                .programs
                .iter()
                .find(|q| q.name == p.name)
                .expect("the program is loaded alone");
            assert_eq!(p.args, q.args, "{name}: prog {}", p.name);
            compared += p.args.len();
        }
    }
    assert!(compared > 20, "only {compared} verdicts compared");
}
