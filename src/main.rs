//! The `cairn` command line: parse arguments, validate them into options, hand them to the engine
//! and the step kinds. Kept small: the work lives in `cairn-engine` and `cairn-steps`.

mod cli;

use clap::Parser;

fn main() {
    let args = cli::args::Cli::parse();
    cli::logging(&args.global);
    let code = match cli::dispatch(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.message);
            e.kind.exit_code()
        }
    };
    std::process::exit(code);
}
