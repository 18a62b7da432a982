mod align;
mod fastq_qc;
mod simulate;
