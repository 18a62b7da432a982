//! Cairn's built-in step kinds.
//!
//! Each kind is a module folder with two halves kept apart: a **planner** (a [`StepKind`] that
//! validates `params:` and builds the argument list; no I/O) and its **compute** (what
//! `cairn step <kind> ...` runs). [`registry`] hands the planners to the engine; [`StepCommand`] is
//! the `cairn step` subcommand that runs the compute.
//!
//! [`StepKind`]: cairn_engine::step::StepKind

pub mod error;
pub mod pgx;

use cairn_engine::step::Registry;
pub use error::{Result, StepError};

/// All built-in step kinds, for the engine.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(std::sync::Arc::new(pgx::PgxKind));
    registry
}

/// `cairn step <kind> ...`: run one built-in step's compute.
#[derive(Debug, clap::Subcommand)]
pub enum StepCommand {
    /// Pharmacogenomics: star-allele diplotypes, phenotypes and CPIC recommendations from a VCF.
    Pgx(pgx::PgxArgs),
}

impl StepCommand {
    pub fn run(self) -> Result<()> {
        match self {
            Self::Pgx(args) => pgx::run(args),
        }
    }
}
