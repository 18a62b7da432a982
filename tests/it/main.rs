//! End-to-end tests of the `cairn` binary: one test binary, a module per area.

mod align;
mod call;
mod engine;
mod eval;
mod fastq_qc;
mod pgx;
mod report;
mod simulate;
mod support;
mod workflows;
