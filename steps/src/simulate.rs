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

mod args;
pub mod cohort;
pub mod fasta;
pub mod genome;
pub mod given;
pub mod haplotype;
pub mod output;
pub mod quality;
pub mod reads;
pub mod sequencer;
pub mod tumour;
pub mod variants;
pub mod vcf;

mod planner;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub use args::Args;
pub use planner::{SimulateKind, SimulateSomaticKind};

use crate::pool::thread_pool;
use crate::{Result, StepError};
use output::{gzip, Staged};
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
        coverage: args.normal_coverage.unwrap_or(args.coverage),
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
        let coverage = args.tumour_coverage.unwrap_or(match args.normal_coverage {
            Some(_) => args.coverage,
            None => 2.0 * args.coverage,
        });
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
    // Exact counts: plant at a rate that gives about twice as many, then keep an even draw.
    let bases: usize = contigs.iter().map(|c| c.seq.len()).sum::<usize>().max(1);
    let rate = |count: Option<usize>, default: f64| {
        count.map_or(default, |n| (2.0 * n as f64 / bases as f64).min(0.05))
    };
    let rates = VariantRates {
        snv: rate(args.somatic_snvs, args.somatic_snv_rate),
        indel: rate(args.somatic_indels, args.somatic_indel_rate),
        hom_fraction: 0.0,
        max_indel: args.max_indel,
    };
    let model = tumour::TumourModel {
        purity: args.purity,
        subclone_size: args.subclone_size,
        subclonal_share: args.subclonal_share,
    };
    let planted = tumour::plant_somatic(contigs, germline, rates, model, &mut rng);
    Ok(tumour::keep_counts(
        planted,
        args.somatic_snvs,
        args.somatic_indels,
        &mut rng,
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
        duplicate_rate: args.duplicate_rate,
        origins: args
            .origins
            .then(|| contigs.iter().map(|c| c.name.clone()).collect()),
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
