//! Cairn's built-in step kinds.
//!
//! Each kind is a module folder with two halves kept apart: a **planner** (a [`StepKind`] that
//! validates `params:` and builds the argument list; no I/O) and its **compute** (what
//! `cairn step <kind> ...` runs). [`registry`] hands the planners to the engine; [`StepCommand`] is
//! the `cairn step` subcommand that runs the compute.
//!
//! [`StepKind`]: cairn_engine::step::StepKind

pub mod align;
pub mod annotate;
pub mod batch_summary;
pub mod call;
pub mod error;
pub mod eval;
pub mod fastq;
pub mod fastq_qc;
pub mod merge;
pub mod pgx;
pub mod pool;
pub mod report;
pub mod seq;
pub mod simulate;
pub mod somatic_demo;
pub mod textio;

use std::sync::Arc;

use cairn_engine::step::Registry;
pub use error::{Result, StepError};

/// All built-in step kinds, for the engine.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(Arc::new(eval::EvalKind));
    registry.register(Arc::new(align::AlignKind));
    registry.register(Arc::new(align::AlignIndexKind));
    registry.register(Arc::new(call::CallKind));
    registry.register(Arc::new(call::somatic::planner::SomaticCallKind));
    registry.register(Arc::new(merge::MergeKind));
    registry.register(Arc::new(simulate::SimulateKind));
    registry.register(Arc::new(simulate::SimulateSomaticKind));
    registry.register(Arc::new(fastq_qc::FastqQcKind));
    registry.register(Arc::new(pgx::PgxKind));
    registry.register(Arc::new(pgx::PgxSitesKind));
    registry.register(Arc::new(annotate::AnnotateKind));
    registry.register(Arc::new(annotate::AnnotateIndexKind));
    registry.register(Arc::new(report::ReportKind));
    registry.register(Arc::new(batch_summary::BatchReportKind));
    registry
}

/// `cairn step <kind> ...`: run one built-in step's compute.
#[derive(Debug, clap::Subcommand)]
pub enum StepCommand {
    /// Compare a VCF with a truth set: SNV/indel TP, FP, FN, precision, recall (hap.py/som.py style).
    Eval(eval::EvalArgs),
    /// Align FASTQ reads with minimap2 into a sorted, duplicate-marked, indexed BAM plus metrics.
    Align(align::AlignArgs),
    /// Build the minimap2 index of a reference for `align`.
    AlignIndex(align::AlignIndexArgs),
    /// Call germline SNVs and short indels from an indexed BAM into a bgzipped, indexed VCF.
    Call(call::Args),
    /// Call somatic SNVs and indels from a tumour and a matched normal BAM (`call --somatic`).
    CallSomatic(call::Args),
    /// Merge per-sample VCFs into one multi-sample VCF.
    Merge(merge::Args),
    /// Simulate a reference, a truth VCF and Illumina-like paired reads from a seed.
    Simulate(Box<simulate::Args>),
    /// Simulate a tumour/normal pair: germline and somatic truth, normal and tumour reads.
    SimulateSomatic(Box<simulate::Args>),
    /// Generate a synthetic tumour/normal patient (genes, actionable mutations) for workflows/somatic.yaml.
    SomaticDemoData(somatic_demo::Args),
    /// Trim adapters, low-quality and N tails from FASTQ reads and write QC metrics.
    FastqQc(fastq_qc::Args),
    /// Pharmacogenomics: star-allele diplotypes, phenotypes and CPIC recommendations from a VCF.
    Pgx(pgx::PgxArgs),
    /// Every PGx definition position as a sites VCF, for forced-site genotyping by `call --sites`.
    PgxSites(pgx::SitesArgs),
    /// Annotate calls: SO consequences, HGVS, database lookups, actionability tiers (VEP/snpEff style).
    Annotate(annotate::Args),
    /// Build the transcript model of a GFF3/GTF once, for `annotate`.
    AnnotateIndex(annotate::IndexArgs),
    /// Per-sample report: QC, variants, pharmacogenomics and provenance as HTML, JSON and FHIR.
    Report(Box<report::ReportArgs>),
    /// Run summary page: per-sample QC table and charts with links to each sample's report.
    BatchReport(batch_summary::BatchArgs),
}

impl StepCommand {
    pub fn run(self) -> Result<()> {
        match self {
            Self::Eval(args) => eval::run(args),
            StepCommand::Align(args) => align::run(args),
            StepCommand::AlignIndex(args) => align::run_index(args),
            StepCommand::Call(args) => call::run(args),
            StepCommand::CallSomatic(mut args) => {
                args.somatic.somatic = true;
                call::run(args)
            }
            StepCommand::Merge(args) => merge::run(args),
            StepCommand::Simulate(args) => simulate::run(*args),
            StepCommand::SimulateSomatic(mut args) => {
                args.tumour = true;
                simulate::run(*args)
            }
            StepCommand::SomaticDemoData(args) => somatic_demo::run(args),
            StepCommand::FastqQc(args) => fastq_qc::run(args),
            Self::Pgx(args) => pgx::run(args),
            Self::PgxSites(args) => pgx::run_sites(args),
            Self::Annotate(args) => annotate::run(args),
            Self::AnnotateIndex(args) => annotate::run_index(args),
            Self::Report(args) => report::run(*args),
            Self::BatchReport(args) => batch_summary::run(args),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(subcommand)]
        step: super::StepCommand,
    }

    /// The engine runs a built-in as `cairn step <kind name>`: every registered kind needs that
    /// subcommand.
    #[test]
    fn every_registered_kind_has_a_step_subcommand() {
        for name in super::registry().names() {
            let err = Cli::try_parse_from(["step", name, "--help"]).unwrap_err();
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::DisplayHelp,
                "no `cairn step {name}`: {err}"
            );
        }
    }
}
