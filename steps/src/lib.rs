//! Cairn's built-in step kinds.
//!
//! Each kind is a module folder with two halves kept apart: a **planner** (a [`StepKind`] that
//! validates `params:` and builds the argument list; no I/O) and its **compute** (what
//! `cairn step <kind> ...` runs). [`registry`] hands the planners to the engine; [`StepCommand`] is
//! the `cairn step` subcommand that runs the compute.
//!
//! [`StepKind`]: cairn_engine::step::StepKind

pub mod align;
pub mod error;
pub mod fastq_qc;
pub mod simulate;

use std::sync::Arc;

use cairn_engine::step::Registry;
pub use error::{Result, StepError};

/// All built-in step kinds, for the engine.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(Arc::new(align::AlignKind));
    registry.register(Arc::new(align::AlignIndexKind));
    registry.register(Arc::new(simulate::SimulateKind));
    registry.register(Arc::new(simulate::SimulateSomaticKind));
    registry.register(Arc::new(fastq_qc::FastqQcKind));
    registry
}

/// `cairn step <kind> ...`: run one built-in step's compute.
#[derive(Debug, clap::Subcommand)]
pub enum StepCommand {
    /// Align FASTQ reads with minimap2 into a sorted, duplicate-marked, indexed BAM plus metrics.
    Align(align::AlignArgs),
    /// Build the minimap2 index of a reference for `align`.
    AlignIndex(align::AlignIndexArgs),
    /// Simulate a reference, a truth VCF and Illumina-like paired reads from a seed.
    Simulate(Box<simulate::Args>),
    /// Trim adapters, low-quality and N tails from FASTQ reads and write QC metrics.
    FastqQc(fastq_qc::Args),
}

impl StepCommand {
    pub fn run(self) -> Result<()> {
        match self {
            StepCommand::Align(args) => align::run(args),
            StepCommand::AlignIndex(args) => align::run_index(args),
            StepCommand::Simulate(args) => simulate::run(*args),
            StepCommand::FastqQc(args) => fastq_qc::run(args),
        }
    }
}
