//! Command dispatch: validated options in, an exit code out.

pub mod args;
mod cache;
mod containers;
mod demo;
mod plan;
mod run;

use cairn_engine::ErrorKind;

use args::{Cli, Command, Global, LogFormat};

/// An error for the user, with the kind that picks the exit code.
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CliError {
    pub fn user(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::User,
            message: message.into(),
        }
    }
    pub fn env(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::Environment,
            message: message.into(),
        }
    }
}

pub type CliResult = Result<i32, CliError>;

pub fn logging(g: &Global) {
    let level = match g.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAIRN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match g.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

pub fn dispatch(cli: Cli) -> CliResult {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Validate(a) => plan::validate(a),
        Command::Plan(a) => plan::plan(a),
        Command::Dag(a) => plan::dag(a),
        Command::Step(step) => step_result(step.run()),
        Command::Eval(a) => step_result(cairn_steps::eval::run(a)),
        Command::Demo(a) => demo::demo(a),
        Command::Simulate(a) => step_result(cairn_steps::simulate::run(a)),
        Command::Cache(c) => cache::cache(c),
    }
}

fn step_result(r: cairn_steps::Result<()>) -> CliResult {
    r.map(|()| 0).map_err(|e| CliError {
        kind: e.kind,
        message: e.message,
    })
}
