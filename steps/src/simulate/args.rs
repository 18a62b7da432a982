//! The command line of `cairn step simulate` and its range checks (shared with the planners, which
//! parse a workflow's params through the same definition).

use std::path::PathBuf;

/// Simulate a reference, a truth VCF and paired-end reads.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Directory for ref.fa(.fai), truth.vcf.gz(.tbi), reads_1.fq.gz and reads_2.fq.gz.
    #[arg(long)]
    pub out: PathBuf,
    /// Reference size in bases (ignored with --reference).
    #[arg(long, default_value_t = 1_000_000)]
    pub size: u64,
    /// Number of contigs the reference is split into (ignored with --reference).
    #[arg(long, default_value_t = 1)]
    pub contigs: usize,
    /// Use this FASTA (plain or gzipped) instead of a random reference.
    #[arg(long)]
    pub reference: Option<PathBuf>,
    /// Plant the variants of this VCF instead of random ones. GT of the first sample picks the
    /// haplotypes (unphased: in the order written; no GT: 0|1); each carried ALT of a
    /// multi-allelic site is planted.
    #[arg(long)]
    pub variants: Option<PathBuf>,
    /// Mean read depth over the reference.
    #[arg(long, default_value_t = 30.0)]
    pub coverage: f64,
    /// Random seed: the same seed and options give the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Length of each read.
    #[arg(long, default_value_t = 150)]
    pub read_length: usize,
    /// SNVs per base.
    #[arg(long, default_value_t = 0.001)]
    pub snv_rate: f64,
    /// Insertions and deletions per base.
    #[arg(long, default_value_t = 0.000125)]
    pub indel_rate: f64,
    /// Longest planted insertion or deletion.
    #[arg(long, default_value_t = 20)]
    pub max_indel: usize,
    /// Fraction of planted variants that are homozygous.
    #[arg(long, default_value_t = 1.0 / 3.0)]
    pub hom_fraction: f64,
    /// Mean fragment (insert) length.
    #[arg(long, default_value_t = 350.0)]
    pub insert_mean: f64,
    /// Standard deviation of the fragment length.
    #[arg(long, default_value_t = 50.0)]
    pub insert_sd: f64,
    /// Fraction of fragments shorter than the read (these reads run into the adapter).
    #[arg(long, default_value_t = 0.02)]
    pub short_fraction: f64,
    /// Fraction of read pairs that are PCR duplicates (same fragment as an earlier pair).
    #[arg(long, default_value_t = 0.0)]
    pub duplicate_rate: f64,
    /// Multiplier of the error probability each base quality implies (0: error-free reads).
    #[arg(long, default_value_t = 1.0)]
    pub error_scale: f64,
    /// Mean substitution rate per base instead of --error-scale. The default model gives 0.6% at
    /// 150 bp, 0.06% outside the low-quality tails; qualities stay as modelled.
    #[arg(long, conflicts_with = "error_scale")]
    pub error_rate: Option<f64>,
    /// Fraction of reads ending in a low-quality tail.
    #[arg(long, default_value_t = 0.05)]
    pub tail_rate: f64,
    /// Sample name in the truth VCF.
    #[arg(long, default_value = "SIM")]
    pub sample: String,
    /// Add ` origin=<contig>:<first>-<last>:<strand>` to each read header: the fragment's span on
    /// the reference (1-based) and the strand of read 1, for scoring an aligner.
    #[arg(long)]
    pub origins: bool,
    /// Name both mates `sim:<n>` instead of `sim:<n>/1` and `sim:<n>/2`.
    #[arg(long)]
    pub identical_names: bool,
    /// Also simulate a tumour sample: somatic.vcf.gz(.tbi), tumour_1.fq.gz and tumour_2.fq.gz
    /// (the germline reads are then the matched normal).
    #[arg(long, alias = "tumor")]
    pub tumour: bool,
    /// Plant these somatic variants (INFO/AF: expected allele fraction; GT: haplotypes, default
    /// 0|1) instead of random ones.
    #[arg(long, requires = "tumour")]
    pub somatic: Option<PathBuf>,
    /// Fraction of tumour cells in the tumour sample.
    #[arg(long, default_value_t = 0.7)]
    pub purity: f64,
    /// Fraction of tumour cells that belong to the subclone.
    #[arg(long, default_value_t = 0.3)]
    pub subclone_size: f64,
    /// Fraction of somatic variants private to the subclone.
    #[arg(long, default_value_t = 0.3)]
    pub subclonal_share: f64,
    /// Somatic SNVs per base.
    #[arg(long, default_value_t = 9e-5)]
    pub somatic_snv_rate: f64,
    /// Somatic insertions and deletions per base.
    #[arg(long, default_value_t = 1e-5)]
    pub somatic_indel_rate: f64,
    /// Tumour read depth (default: twice --coverage, or --coverage when --normal-coverage is given).
    #[arg(long)]
    pub tumour_coverage: Option<f64>,
    /// Normal read depth in tumour mode; --coverage is then the tumour's depth.
    #[arg(long, requires = "tumour")]
    pub normal_coverage: Option<f64>,
    /// Plant exactly this many somatic SNVs (instead of --somatic-snv-rate).
    #[arg(long, requires = "tumour")]
    pub somatic_snvs: Option<usize>,
    /// Plant exactly this many somatic indels (instead of --somatic-indel-rate).
    #[arg(long, requires = "tumour")]
    pub somatic_indels: Option<usize>,
    /// Worker threads (0: one per core); the output does not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

impl Args {
    /// Range checks, worded as fixes.
    pub fn validate(&self) -> Result<(), String> {
        let unit = |name: &str, x: f64| {
            if (0.0..=1.0).contains(&x) {
                Ok(())
            } else {
                Err(format!("{name} must be between 0 and 1, got {x}"))
            }
        };
        unit("snv-rate", self.snv_rate)?;
        unit("indel-rate", self.indel_rate)?;
        unit("hom-fraction", self.hom_fraction)?;
        unit("short-fraction", self.short_fraction)?;
        unit("tail-rate", self.tail_rate)?;
        unit("error-rate", self.error_rate.unwrap_or(0.0))?;
        unit("duplicate-rate", self.duplicate_rate)?;
        unit("purity", self.purity)?;
        unit("subclone-size", self.subclone_size)?;
        unit("subclonal-share", self.subclonal_share)?;
        unit("somatic-snv-rate", self.somatic_snv_rate)?;
        unit("somatic-indel-rate", self.somatic_indel_rate)?;
        if !(0.0..=10_000.0).contains(&self.tumour_coverage.unwrap_or(0.0))
            || !(0.0..=10_000.0).contains(&self.normal_coverage.unwrap_or(0.0))
        {
            return Err("tumour-coverage and normal-coverage must be 0..=10000".into());
        }
        if self.snv_rate + self.indel_rate > 0.1 {
            return Err(
                "snv-rate + indel-rate above 0.1 leaves no room between variants; lower them"
                    .into(),
            );
        }
        if self.reference.is_none() && self.size < 1000 {
            return Err(format!(
                "size must be at least 1000 bases, got {}",
                self.size
            ));
        }
        if !(20..=1000).contains(&self.read_length) {
            return Err(format!(
                "read-length must be 20..=1000, got {}",
                self.read_length
            ));
        }
        if !(self.coverage >= 0.0 && self.coverage <= 10_000.0) || self.error_scale < 0.0 {
            return Err("coverage must be 0..=10000 and error-scale at least 0".into());
        }
        if !(self.insert_mean > 0.0
            && self.insert_sd >= 0.0
            && (1..=1000).contains(&self.max_indel))
        {
            return Err("insert-mean must be > 0, insert-sd >= 0, max-indel 1..=1000".into());
        }
        if self.contigs == 0 || self.sample.is_empty() || self.sample.contains(char::is_whitespace)
        {
            return Err("contigs must be at least 1 and sample a name without spaces".into());
        }
        Ok(())
    }
}
