mod call;
mod fastq_qc;
mod simulate;
