mod call;
mod eval;
mod fastq_qc;
mod merge;
mod simulate;
