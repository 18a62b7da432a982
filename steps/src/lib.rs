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
pub mod merge;

use std::sync::Arc;

use cairn_engine::step::Registry;
pub use error::{Result, StepError};

/// All built-in step kinds, for the engine.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(Arc::new(call::CallKind));
    registry.register(Arc::new(merge::MergeKind));
    registry
}

/// `cairn step <kind> ...`: run one built-in step's compute.
#[derive(Debug, clap::Subcommand)]
pub enum StepCommand {
    /// Call germline SNVs and short indels from an indexed BAM into a bgzipped, indexed VCF.
    Call(call::Args),
    /// Merge per-sample VCFs into one multi-sample VCF.
    Merge(merge::Args),
}

impl StepCommand {
    pub fn run(self) -> Result<()> {
        match self {
            StepCommand::Call(args) => call::run(args),
            StepCommand::Merge(args) => merge::run(args),
        }
    }
}
