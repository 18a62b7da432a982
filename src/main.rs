//! The `cairn` command line: parse arguments, validate them into options, hand them to the engine
//! and the step kinds. Kept small: the work lives in `cairn-engine` and `cairn-steps`.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cairn",
    version,
    about = "Run sequencing workflows as cached, explainable DAGs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one built-in step by hand (this is also what workflow tasks run).
    #[command(subcommand)]
    Step(cairn_steps::StepCommand),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Step(step) => match step.run() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_code()
            }
        },
    };
    std::process::exit(code);
}
