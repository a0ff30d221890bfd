//! `cargo xtask …`: the project's automation (fixtures, tests, playground, benchmarks).

mod agreement;
mod bench;
mod fixtures;
mod fuzz;
mod helpers;
mod kernels;
mod loader;
mod portable;
mod serve;
mod test;
mod vm;
mod wasm;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    let result = match cmd {
        "agreement" => agreement::run(rest),
        "bench" => bench::run(rest),
        "fixtures" => fixtures::run(rest),
        "fuzz" => fuzz::run(rest),
        "kernels" => kernels::run(rest),
        "helpers" => helpers::run(rest),
        "loader" => loader::run(rest),
        "vm" => vm::run(rest),
        "portable" => portable::run(rest),
        "serve" => serve::run(rest),
        "wasm" => wasm::run(rest),
        "e2e" => serve::e2e(),
        "test" => test::run_all(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <test|serve|fixtures|kernels|helpers|agreement|vm|portable|loader|wasm|e2e|fuzz|bench>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}
