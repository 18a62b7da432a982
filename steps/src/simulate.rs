//! `simulate`: a reference, a truth VCF and paired reads, all from one seed.
//!
//! Testing a pipeline needs data whose answer is known. This step makes a genome (random with
//! realistic repeats, or a given FASTA), plants germline variants (random, or given as a VCF),
//! builds the two haplotypes and samples Illumina-like read pairs from them. The pieces are kept
//! apart so other modes reuse them: [`genome`] makes sequence, [`variants`] and [`vcf`] decide what
//! differs, [`haplotype`] turns a reference plus variants into sequences, and [`reads`] samples
//! weighted haplotypes without knowing where they came from. A tumour is just more haplotypes:
//! with `--tumour`, [`tumour`] adds somatic variants carried by a known fraction of cells (clonal
//! and subclonal), writes them with their expected allele fractions to `somatic.vcf.gz`, and
//! samples `tumour_{1,2}.fq.gz`; the germline reads are then the matched normal.
//!
//! Determinism: the genome and the variants draw from their own random streams of the seed, and
//! each chunk of 4096 read pairs from its own, so the same seed gives the same bytes on any number
//! of threads, and changing the variant rate leaves the reference unchanged.

pub mod fasta;
pub mod genome;
pub mod given;
pub mod haplotype;
pub mod output;
pub mod quality;
pub mod reads;
pub mod tumour;
pub mod variants;
pub mod vcf;

mod planner;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub use planner::{SimulateKind, SimulateSomaticKind};

use crate::{Result, StepError};
use output::{gzip, thread_pool, Staged};
use reads::{ReadConfig, Sampler};
use variants::VariantRates;

/// Read pairs per independently seeded chunk.
const CHUNK_PAIRS: usize = 4096;
/// Output file names inside `--out`.
pub const REFERENCE: &str = "ref.fa";
pub const TRUTH: &str = "truth.vcf.gz";
pub const READS_1: &str = "reads_1.fq.gz";
pub const READS_2: &str = "reads_2.fq.gz";
pub const SOMATIC: &str = "somatic.vcf.gz";
pub const TUMOUR_1: &str = "tumour_1.fq.gz";
pub const TUMOUR_2: &str = "tumour_2.fq.gz";

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
    /// Plant the variants of this VCF instead of random ones (biallelic; GT of the first sample,
    /// unphased hets go on haplotype 2, no GT means 0|1).
    #[arg(long)]
    pub variants: Option<PathBuf>,
    /// Mean read depth over the reference.
    #[arg(long, default_value_t = 30.0)]
    pub coverage: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
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
    #[arg(long, default_value_t = 350.0)]
    pub insert_mean: f64,
    #[arg(long, default_value_t = 50.0)]
    pub insert_sd: f64,
    /// Fraction of fragments shorter than the read (these reads run into the adapter).
    #[arg(long, default_value_t = 0.02)]
    pub short_fraction: f64,
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
    /// Name both mates `sim:<n>` instead of `sim:<n>/1` and `sim:<n>/2`.
    #[arg(long)]
    pub identical_names: bool,
    /// Also simulate a tumour sample: somatic.vcf.gz(.tbi), tumour_1.fq.gz and tumour_2.fq.gz
    /// (the germline reads are then the matched normal).
    #[arg(long)]
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
    /// Tumour read depth (default: twice --coverage).
    #[arg(long)]
    pub tumour_coverage: Option<f64>,
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
        unit("purity", self.purity)?;
        unit("subclone-size", self.subclone_size)?;
        unit("subclonal-share", self.subclonal_share)?;
        unit("somatic-snv-rate", self.somatic_snv_rate)?;
        unit("somatic-indel-rate", self.somatic_indel_rate)?;
        if !(0.0..=10_000.0).contains(&self.tumour_coverage.unwrap_or(0.0)) {
            return Err("tumour-coverage must be 0..=10000".into());
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

pub fn run(args: Args) -> Result<()> {
    args.validate().map_err(StepError::input)?;
    std::fs::create_dir_all(&args.out).map_err(|e| StepError::io("create", &args.out, e))?;
    let (mut contigs, germline) = germline_genome(&args)?;
    let somatic = match args.tumour {
        true => Some(somatic_variants(&args, &mut contigs, &germline)?),
        false => None,
    };
    let mut staged = Staged::new();
    let out = |name: &str| args.out.join(name);
    let (fa, fai) = (
        staged.file(&out(REFERENCE)),
        staged.file(&out("ref.fa.fai")),
    );
    fasta::write(&fa, &fai, &contigs)?;
    let (truth, tbi) = (
        staged.file(&out(TRUTH)),
        staged.file(&out("truth.vcf.gz.tbi")),
    );
    vcf::write_truth(&truth, &tbi, &contigs, &germline, &args.sample)?;
    let haplotypes = haplotype::diploid(&contigs, &germline);
    let (r1, r2) = (staged.file(&out(READS_1)), staged.file(&out(READS_2)));
    let reads = ReadSet {
        seed: args.seed,
        coverage: args.coverage,
        prefix: "sim",
    };
    write_reads(&args, &contigs, &haplotypes, &[1.0, 1.0], reads, (&r1, &r2))?;
    if let Some(somatic) = somatic {
        let (vcf, tbi) = (
            staged.file(&out(SOMATIC)),
            staged.file(&out("somatic.vcf.gz.tbi")),
        );
        vcf::write_somatic(
            &vcf,
            &tbi,
            &contigs,
            &somatic,
            &format!("{}_tumour", args.sample),
        )?;
        let (haps, weights) = tumour::haplotypes(&contigs, &germline, &somatic);
        let (t1, t2) = (staged.file(&out(TUMOUR_1)), staged.file(&out(TUMOUR_2)));
        let coverage = args.tumour_coverage.unwrap_or(2.0 * args.coverage);
        // Another key, so tumour fragments are not the normal's fragments again.
        let reads = ReadSet {
            seed: args.seed.wrapping_add(0x9e37_79b9_7f4a_7c15),
            coverage,
            prefix: "tumour",
        };
        write_reads(&args, &contigs, &haps, &weights, reads, (&t1, &t2))?;
    }
    staged.publish()
}

/// The reference (given or random) and the germline variants (given or random).
fn germline_genome(args: &Args) -> Result<(Vec<genome::Contig>, Vec<variants::Variant>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let mut contigs = match &args.reference {
        Some(path) => fasta::read(path)?,
        None => genome::random_reference(args.size, args.contigs, &mut rng),
    };
    let planted = match &args.variants {
        Some(path) => given::read_variants(path, &mut contigs, args.reference.is_none())?,
        None => {
            let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
            rng.set_stream(1);
            let rates = VariantRates {
                snv: args.snv_rate,
                indel: args.indel_rate,
                hom_fraction: args.hom_fraction,
                max_indel: args.max_indel,
            };
            variants::plant(&contigs, rates, &mut rng)
        }
    };
    Ok((contigs, planted))
}

fn somatic_variants(
    args: &Args,
    contigs: &mut [genome::Contig],
    germline: &[variants::Variant],
) -> Result<Vec<tumour::Somatic>> {
    if let Some(path) = &args.somatic {
        return tumour::read_somatic(path, contigs, germline, args.reference.is_none());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    rng.set_stream(2);
    let rates = VariantRates {
        snv: args.somatic_snv_rate,
        indel: args.somatic_indel_rate,
        hom_fraction: 0.0,
        max_indel: args.max_indel,
    };
    let model = tumour::TumourModel {
        purity: args.purity,
        subclone_size: args.subclone_size,
        subclonal_share: args.subclonal_share,
    };
    Ok(tumour::plant_somatic(
        contigs, germline, rates, model, &mut rng,
    ))
}

/// Which reads to write: their random key, depth and name prefix.
#[derive(Debug, Clone, Copy)]
struct ReadSet {
    seed: u64,
    coverage: f64,
    prefix: &'static str,
}

/// The quality and error model, scaled to `--error-rate` when given.
fn error_model(args: &Args) -> quality::ErrorModel {
    match args.error_rate {
        Some(rate) => quality::ErrorModel::with_error_rate(rate, args.tail_rate, args.read_length),
        None => quality::ErrorModel::new(args.error_scale, args.tail_rate),
    }
}

fn write_reads(
    args: &Args,
    contigs: &[genome::Contig],
    haplotypes: &[haplotype::Haplotype],
    weights: &[f64],
    set: ReadSet,
    (r1, r2): (&Path, &Path),
) -> Result<()> {
    let total: usize = contigs.iter().map(|c| c.seq.len()).sum();
    let pairs = (set.coverage * total as f64 / (2 * args.read_length) as f64).round() as u64;
    let config = ReadConfig {
        read_len: args.read_length,
        insert_mean: args.insert_mean,
        insert_sd: args.insert_sd,
        short_fraction: args.short_fraction,
        errors: error_model(args),
        identical_names: args.identical_names,
        name_prefix: set.prefix,
    };
    let sampler = Sampler::new(haplotypes, weights, config).map_err(StepError::input)?;
    let pool = thread_pool(args.threads)?;
    let open = |p: &Path| {
        File::create(p)
            .map(BufWriter::new)
            .map_err(|e| StepError::io("write", p, e))
    };
    let (mut w1, mut w2) = (open(r1)?, open(r2)?);
    let chunks = pairs.div_ceil(CHUNK_PAIRS as u64);
    let batch = (pool.current_num_threads() * 4) as u64;
    let mut start = 0;
    while start < chunks {
        let end = (start + batch).min(chunks);
        let compressed: Vec<(Vec<u8>, Vec<u8>)> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|k| {
                    let first = k * CHUNK_PAIRS as u64;
                    let n = (pairs - first).min(CHUNK_PAIRS as u64) as usize;
                    let chunk = sampler.chunk(set.seed, k, first, n);
                    (gzip(&chunk.r1), gzip(&chunk.r2))
                })
                .collect()
        });
        for (a, b) in compressed {
            w1.write_all(&a)
                .map_err(|e| StepError::io("write", r1, e))?;
            w2.write_all(&b)
                .map_err(|e| StepError::io("write", r2, e))?;
        }
        start = end;
    }
    if pairs == 0 {
        // An empty gzip member keeps the files valid gzip.
        w1.write_all(&gzip(b""))
            .map_err(|e| StepError::io("write", r1, e))?;
        w2.write_all(&gzip(b""))
            .map_err(|e| StepError::io("write", r2, e))?;
    }
    w1.flush().map_err(|e| StepError::io("write", r1, e))?;
    w2.flush().map_err(|e| StepError::io("write", r2, e))
}
