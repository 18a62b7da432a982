mod call;
mod eval;
mod fastq_qc;
mod simulate;
