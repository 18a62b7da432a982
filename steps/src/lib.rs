//! Cairn's built-in step kinds.
//!
//! Each kind is a module folder with two halves kept apart: a **planner** (a [`StepKind`] that
//! validates `params:` and builds the argument list; no I/O) and its **compute** (what
//! `cairn step <kind> ...` runs). [`registry`] hands the planners to the engine; [`StepCommand`] is
//! the `cairn step` subcommand that runs the compute.
//!
//! [`StepKind`]: cairn_engine::step::StepKind

pub mod call;
pub mod error;
pub mod eval;
pub mod fastq_qc;
pub mod merge;
pub mod simulate;

use std::sync::Arc;

use cairn_engine::step::Registry;
pub use error::{Result, StepError};

/// All built-in step kinds, for the engine.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(Arc::new(call::CallKind));
    registry.register(Arc::new(merge::MergeKind));
    registry.register(Arc::new(simulate::SimulateKind));
    registry.register(Arc::new(fastq_qc::FastqQcKind));
    registry.register(Arc::new(eval::EvalKind));
    registry
}

/// `cairn step <kind> ...`: run one built-in step's compute.
#[derive(Debug, clap::Subcommand)]
pub enum StepCommand {
    /// Call germline SNVs and short indels from an indexed BAM into a bgzipped, indexed VCF.
    Call(call::Args),
    /// Merge per-sample VCFs into one multi-sample VCF.
    Merge(merge::Args),
    /// Simulate a reference, a truth VCF and Illumina-like paired reads from a seed.
    Simulate(simulate::Args),
    /// Trim adapters, low-quality and N tails from FASTQ reads and write QC metrics.
    FastqQc(fastq_qc::Args),
    /// Compare a VCF with a truth set: SNV/indel TP, FP, FN, precision, recall (hap.py/som.py style).
    Eval(eval::EvalArgs),
}

impl StepCommand {
    pub fn run(self) -> Result<()> {
        match self {
            StepCommand::Call(args) => call::run(args),
            StepCommand::Merge(args) => merge::run(args),
            StepCommand::Simulate(args) => simulate::run(args),
            StepCommand::FastqQc(args) => fastq_qc::run(args),
            Self::Eval(args) => eval::run(args),
        }
    }
}
