//! End-to-end tests of the `cairn` binary: one test binary, a module per area.

mod align;
mod annotate;
mod call;
mod containers;
mod engine;
mod eval;
mod fastq_qc;
mod merge;
mod pgx;
mod report;
mod simulate;
mod slurm;
mod somatic;
mod support;
mod workflows;
