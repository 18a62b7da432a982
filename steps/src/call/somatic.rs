//! `call --somatic`: tumour/normal somatic SNV and indel calling.
//!
//! The germline caller asks "which genotype explains these reads"; a tumour has no genotype, only
//! alleles at whatever fraction purity and clonality give them, and the question becomes "is this
//! allele in the tumour, and is it absent from the matched normal". The stages reuse the germline
//! caller's parts: [`input`](super::input) checks each BAM against the reference,
//! [`reads`](super::reads) loads and filters reads (overlapping mates counted once),
//! [`pileup`](super::pileup) proposes candidates from the tumour at low fractions (indels from the
//! CIGARs, left-aligned), and indels are scored against both haplotypes with the
//! [`pairhmm`](super::pairhmm). Then, per candidate, [`evidence`] reduces each sample's reads to
//! likelihood pairs, [`model`] computes the tumour and normal log-odds, the somatic score and the
//! artefact filters, and [`record`] writes the two-sample VCF (normal, then tumour).
//!
//! Before anything is published, [`identity`] compares the samples' germline genotypes and stops
//! when they look like two people (the records stream into a temporary file meanwhile, so memory
//! does not grow with the genome); [`metrics`] writes the tumour mutational burden over the
//! callable territory and the allele-fraction histogram. Jobs run in parallel and come back in
//! order, so the bytes do not depend on the thread count.

pub mod evidence;
pub mod identity;
pub mod job;
pub mod metrics;
pub mod model;
pub mod planner;
pub mod record;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{input, pairhmm, regions, vcf};
use crate::error::{Result, StepError};
use job::{Inputs, JobOut, Settings};

/// Somatic mode's flags, flattened into `cairn step call`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SomaticArgs {
    /// Tumour/normal somatic calling (needs --tumor and --normal instead of --bam).
    #[arg(long, requires_all = ["tumor", "normal"])]
    pub somatic: bool,
    /// Tumour BAM (somatic mode), indexed, aligned to --reference.
    #[arg(long, alias = "tumour", requires = "somatic")]
    pub tumor: Option<PathBuf>,
    /// Matched normal BAM (somatic mode), indexed, aligned to --reference.
    #[arg(long, requires = "somatic")]
    pub normal: Option<PathBuf>,
    /// Write tumour metrics (TMB over the callable territory, VAF histogram, identity) as JSON.
    #[arg(long, requires = "somatic")]
    pub metrics: Option<PathBuf>,
    /// Call even when the tumour and normal genotypes disagree (they look like two people).
    #[arg(long, requires = "somatic")]
    pub skip_identity_check: bool,
}

/// The largest chunk a somatic job takes, so a small genome still spreads over the threads.
const MAX_CHUNK: i64 = 200_000;

/// The somatic mapping-quality floor: reads under it are kept aside as evidence of mismapping (the
/// `MappingQuality` filter) rather than counted.
const SOMATIC_MIN_MAPQ: u8 = 20;

/// Run somatic mode with the shared `call` flags.
pub fn run(args: &super::Args) -> Result<()> {
    let som = &args.somatic;
    let (Some(tumor), Some(normal)) = (&som.tumor, &som.normal) else {
        return Err(StepError::input(
            "somatic mode needs --tumor T.bam and a matched --normal N.bam; tumour-only calling is not supported",
        ));
    };
    if args.bam.is_some() || args.sites.is_some() || args.ref_blocks {
        return Err(StepError::input(
            "--bam, --sites and --ref-blocks are germline options; somatic mode takes --tumor and --normal",
        ));
    }
    let t = input::check(tumor, &args.reference)?;
    let n = input::check(normal, &args.reference)?;
    let contigs: Vec<(String, u64)> = t.contigs.iter().map(|c| (c.name.clone(), c.len)).collect();
    let (normal_name, tumor_name) = sample_names(&n.sample, &t.sample);
    let jobs = plan_jobs(args, &t.bam_contigs, &n.bam_contigs, &contigs)?;
    let inputs = Inputs {
        tumor: tumor.clone(),
        normal: normal.clone(),
        reference: args.reference.clone(),
        contigs: contigs.clone(),
    };
    let settings = Settings {
        min_mapq: args.min_mapq.unwrap_or(SOMATIC_MIN_MAPQ),
        min_bq: args.min_base_quality,
        hmm: pairhmm::PairHmm::default(),
    };
    let pool = crate::pool::thread_pool(args.threads)?;
    // Batches of jobs run in parallel and come back in job order, streamed into the (temporary)
    // VCF; totals for the identity check and the metrics accumulate on the way. The check runs
    // after the last batch, before the file is renamed into place, so a refused pair publishes
    // nothing; a pair that is plainly two people stops as soon as that is clear.
    let totals = RefCell::new(Totals::default());
    let check = |early: bool| {
        let id = totals.borrow().identity;
        if early && (id.sites < EARLY_SITES || id.concordance().unwrap_or(1.0) >= EARLY_CONCORDANCE)
        {
            return Ok(());
        }
        check_identity(id, tumor, normal, som.skip_identity_check)
    };
    let body = jobs
        .chunks(args.threads * 4)
        .flat_map(|b| {
            pool.install(|| {
                b.par_iter()
                    .map(|j| job::run_job(&inputs, &settings, j))
                    .collect::<Vec<_>>()
            })
        })
        .map(|out: Result<JobOut>| {
            let o = out?;
            totals.borrow_mut().add(&o);
            check(true)?;
            Ok(o.lines)
        })
        .chain(std::iter::once_with(|| {
            check(false).map(|()| String::new())
        }));
    let header = record::header(
        &contigs,
        &file_name(&args.reference),
        &normal_name,
        &tumor_name,
    );
    vcf::write_bgzf_indexed(&args.out, std::iter::once(Ok(header)).chain(body))?;
    if let Some(path) = &som.metrics {
        let t = totals.into_inner();
        let m = metrics::build(
            (&tumor_name, &normal_name),
            &t.pass,
            &t.sbs,
            t.callable,
            t.identity,
        );
        metrics::write(path, &m)?;
    }
    Ok(())
}

/// Identity sites after which a pair this discordant is refused without calling the rest.
const EARLY_SITES: u64 = 200;
const EARLY_CONCORDANCE: f64 = 0.5;

/// What the jobs add up to.
#[derive(Debug, Default)]
struct Totals {
    identity: identity::Identity,
    pass: Vec<(bool, f64)>,
    sbs: Vec<u64>,
    callable: u64,
}

impl Totals {
    fn add(&mut self, o: &JobOut) {
        self.identity.add(o.identity);
        self.pass.extend_from_slice(&o.pass);
        self.sbs.resize(96, 0);
        for (t, n) in self.sbs.iter_mut().zip(&o.sbs) {
            *t += n;
        }
        self.callable += o.callable;
    }
}

/// Normal and tumour column names; equal names get `_normal` / `_tumor` so the columns differ.
fn sample_names(normal: &str, tumor: &str) -> (String, String) {
    if normal == tumor {
        (format!("{normal}_normal"), format!("{tumor}_tumor"))
    } else {
        (normal.to_string(), tumor.to_string())
    }
}

/// Stop when the samples' germline genotypes say they come from two people.
fn check_identity(id: identity::Identity, tumor: &Path, normal: &Path, skip: bool) -> Result<()> {
    let Some(c) = id.concordance() else {
        return Ok(());
    };
    if skip || id.sites < identity::MIN_SITES || c >= identity::MIN_CONCORDANCE {
        if id.sites < identity::MIN_SITES {
            eprintln!(
                "warning: only {} germline sites to compare tumour and normal; identity not checked",
                id.sites
            );
        }
        return Ok(());
    }
    Err(StepError::input(format!(
        "tumour {} and normal {} look like different individuals: only {} of {} confident germline \
         sites agree ({:.0}%, need {:.0}%); check the pairing in the sample sheet (or pass \
         --skip-identity-check if the normal is knowingly unmatched)",
        tumor.display(),
        normal.display(),
        id.concordant,
        id.sites,
        c * 100.0,
        identity::MIN_CONCORDANCE * 100.0
    )))
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The jobs: `--regions` or every contig both BAMs know, in chunks.
fn plan_jobs(
    args: &super::Args,
    tumor_contigs: &[String],
    normal_contigs: &[String],
    contigs: &[(String, u64)],
) -> Result<Vec<regions::Job>> {
    if args.threads == 0 || args.chunk_size < 1000 {
        return Err(StepError::input(
            "--threads must be at least 1 and --chunk-size at least 1000",
        ));
    }
    let chunk = args.chunk_size.min(MAX_CHUNK);
    let with_len: Vec<(String, Option<u64>)> =
        contigs.iter().map(|(n, l)| (n.clone(), Some(*l))).collect();
    let intervals = match &args.regions {
        Some(bed) => regions::read_bed(bed, &with_len)?,
        None => contigs
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| tumor_contigs.contains(n) && normal_contigs.contains(n))
            .map(|(i, (_, l))| (i, 0, *l as i64))
            .collect(),
    };
    Ok(regions::chunk_intervals(&intervals, chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sample_names_are_told_apart() {
        assert_eq!(
            sample_names("P1", "P1"),
            ("P1_normal".to_string(), "P1_tumor".to_string())
        );
        assert_eq!(sample_names("N", "T"), ("N".to_string(), "T".to_string()));
    }

    #[test]
    fn discordant_pairs_stop_and_thin_evidence_passes() {
        let bad = identity::Identity {
            sites: 100,
            concordant: 40,
        };
        let err = check_identity(bad, Path::new("t.bam"), Path::new("n.bam"), false).unwrap_err();
        assert!(err.to_string().contains("different individuals"), "{err}");
        assert!(check_identity(bad, Path::new("t"), Path::new("n"), true).is_ok());
        let thin = identity::Identity {
            sites: 5,
            concordant: 0,
        };
        assert!(check_identity(thin, Path::new("t"), Path::new("n"), false).is_ok());
    }
}
