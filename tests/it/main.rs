mod fastq_qc;
mod simulate;
