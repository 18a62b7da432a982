//! `call`: the built-in germline SNV and short-indel caller (coordinate-sorted indexed BAM ->
//! bgzipped, tabix-indexed VCF 4.3).
//!
//! The data flow, one module per stage: [`input`] checks the BAM against the [reference](mod@reference) before
//! any work; [`regions`] cuts the genome (or a BED, or the [`sites`] of forced mode) into jobs;
//! per job ([`chunk`]), [`reads`] loads and filters the reads (overlapping mates counted once),
//! [`pileup`] proposes candidate alleles (indels left-aligned by [`candidate`]); isolated SNVs get
//! pileup likelihoods while indels and clusters are re-scored against candidate haplotypes with
//! the [`pairhmm`] ([`haplotype`]) over a window that spans any tandem repeat they sit in
//! ([`repeat`]); [`genotype`] turns per-read allele likelihoods into diploid
//! genotypes, QUAL, GQ and PL; [`forced`] does the same for given alleles and reports every site;
//! [`blocks`] optionally fills the gaps with gVCF-style reference blocks; [`vcf`] renders the
//! records and publishes the bgzip + tabix pair. Jobs run in parallel and are written back in
//! order, so the bytes do not depend on the thread count.
//!
//! Why two likelihood paths: an isolated SNV is fully described by the bases reads show at one
//! column, and scoring it that way is cheap; near an indel the aligner's placement of gaps is
//! itself uncertain, so reads are re-aligned to every candidate haplotype and the aligner's
//! choice no longer matters. Both paths produce the same per-read allele likelihoods, so one
//! genotyper, one prior and one set of filters serve every record.

pub mod blocks;
pub mod candidate;
pub mod chunk;
pub mod forced;
pub mod genotype;
pub mod haplotype;
pub mod input;
pub mod pairhmm;
pub mod pileup;
pub mod reads;
pub mod reference;
pub mod regions;
pub mod repeat;
pub mod sites;
pub mod somatic;
pub mod vcf;

#[cfg(test)]
mod e2e_tests;
#[cfg(test)]
pub(crate) mod testdata;

use std::path::PathBuf;

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use rayon::prelude::*;
use serde::Deserialize;

use crate::error::{Result, StepError};
use chunk::{Inputs, Settings};

/// `cairn step call`: call germline SNVs and short indels from an indexed BAM.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Coordinate-sorted BAM with its index (.bai or .csi) beside it.
    #[arg(long, required_unless_present = "somatic")]
    pub bam: Option<PathBuf>,
    /// Reference FASTA the BAM was aligned to (a .fai is created if missing).
    #[arg(long)]
    pub reference: PathBuf,
    /// Output VCF (bgzipped); OUT.tbi is written beside it.
    #[arg(long)]
    pub out: PathBuf,
    /// Only call inside these BED intervals.
    #[arg(long)]
    pub regions: Option<PathBuf>,
    /// Genotype exactly these VCF sites and alleles, reporting every one (0/0 and ./. included).
    #[arg(long, conflicts_with = "regions")]
    pub sites: Option<PathBuf>,
    /// Worker threads; the output bytes are the same for any count.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Sample name in the VCF (default: the BAM's @RG SM, else the BAM file name).
    #[arg(long)]
    pub sample: Option<String>,
    /// Reads below this mapping quality are ignored [default: 10 germline, 20 with --somatic].
    /// Above it a read still counts only as far as its MAPQ allows (its allele likelihoods are
    /// floored MAPQ/10 below its best), so a germline read at MAPQ 10-19 adds at most one or two
    /// log10 units to a site.
    #[arg(long)]
    pub min_mapq: Option<u8>,
    /// Bases below this quality are ignored in pileups.
    #[arg(long, default_value_t = 13)]
    pub min_base_quality: u8,
    /// Variant records below this QUAL are not written (records below 3, P(no variant) > 0.5, are
    /// marked LowQual).
    #[arg(long, default_value_t = 3.0)]
    pub min_qual: f64,
    /// Also write gVCF-style reference blocks (`<*>` records with END) where nothing was called,
    /// so absent positions read as assessed 0/0 (or ./. where uncovered) rather than unknown.
    #[arg(long)]
    pub ref_blocks: bool,
    /// Most bases per parallel job (a small genome is cut finer, see [`regions::auto_chunk`]);
    /// output is identical for any thread count at a given chunk size.
    #[arg(long, default_value_t = 1_000_000, hide = true)]
    pub chunk_size: i64,
    #[command(flatten)]
    pub somatic: somatic::SomaticArgs,
}

/// Run the caller.
pub fn run(args: Args) -> Result<()> {
    if args.somatic.somatic {
        return somatic::run(&args);
    }
    let Some(bam) = args.bam.clone() else {
        return Err(StepError::input(
            "--bam is required (or --somatic with --tumor and --normal)",
        ));
    };
    if args.threads == 0 || args.chunk_size < 1000 {
        return Err(StepError::input(
            "--threads must be at least 1 and --chunk-size at least 1000",
        ));
    }
    let checked = input::check(&bam, &args.reference)?;
    let sample = args
        .sample
        .clone()
        .unwrap_or_else(|| checked.sample.clone());
    let mut contigs: Vec<(String, Option<u64>)> = checked
        .contigs
        .iter()
        .map(|c| (c.name.clone(), Some(c.len)))
        .collect();
    let jobs = plan_jobs(&args, &checked.bam_contigs, &mut contigs)?;
    let reference_name = args
        .reference
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let header = vcf::header(&contigs, &reference_name, &sample, args.ref_blocks);
    let inputs = Inputs {
        bam,
        reference: args.reference.clone(),
        contigs,
    };
    let settings = Settings {
        filter: reads::ReadFilter {
            min_mapq: args.min_mapq.unwrap_or(GERMLINE_MIN_MAPQ),
        },
        discovery: pileup::DiscoveryParams {
            min_bq: args.min_base_quality,
            ..Default::default()
        },
        priors: genotype::Priors::default(),
        min_qual: args.min_qual,
        hmm: pairhmm::PairHmm::default(),
        ref_blocks: args.ref_blocks,
    };
    let pool = crate::pool::thread_pool(args.threads)?;
    // Batches of jobs run in parallel and come back in job order, so memory stays bounded and
    // the output is written in genome order.
    let batch = args.threads * 4;
    let body = jobs.chunks(batch).flat_map(|b| {
        pool.install(|| {
            b.par_iter()
                .map(|j| chunk::run_job(&inputs, &settings, j))
                .collect::<Vec<_>>()
        })
    });
    vcf::write_bgzf_indexed(&args.out, std::iter::once(Ok(header)).chain(body))
}

/// The jobs for the chosen mode. Forced sites on contigs the reference lacks are appended to
/// `contigs` (without a length) so they can still be reported as not assessed.
fn plan_jobs(
    args: &Args,
    bam_contigs: &[String],
    contigs: &mut Vec<(String, Option<u64>)>,
) -> Result<Vec<regions::Job>> {
    Ok(match (&args.sites, &args.regions) {
        (Some(sites), _) => {
            let mut keyed = Vec::new();
            for site in sites::read(sites)? {
                let idx = contigs
                    .iter()
                    .position(|(n, _)| *n == site.contig)
                    .unwrap_or_else(|| {
                        contigs.push((site.contig.clone(), None));
                        contigs.len() - 1
                    });
                keyed.push((idx, site));
            }
            regions::site_jobs(keyed, args.chunk_size)
        }
        (None, Some(bed)) => {
            let intervals = regions::read_bed(bed, contigs)?;
            let chunk = regions::auto_chunk(args.chunk_size, &intervals);
            regions::chunk_intervals(&intervals, chunk)
        }
        (None, None) => {
            let whole: Vec<_> = contigs
                .iter()
                .enumerate()
                .filter(|(_, (n, _))| bam_contigs.contains(n))
                .map(|(i, (_, l))| (i, 0, l.unwrap_or(0) as i64))
                .collect();
            regions::chunk_intervals(&whole, regions::auto_chunk(args.chunk_size, &whole))
        }
    })
}

/// The germline mapping-quality floor. minimap2 gives reads in recent segmental duplications MAPQ
/// 0-18 where bwa gives 0 or 27 and more; at 20 the germline caller lost true SNVs in such copies
/// from its own aligner's BAMs (2 of 2,347 at 30x), at 10 none, with the same calls on bwa BAMs and
/// on the real chr22 reads at 20, 10 and 1.
pub const GERMLINE_MIN_MAPQ: u8 = 10;

/// The read-filter flags both the germline and the somatic planner pass when `params:` sets them.
pub(crate) fn read_filter_args(
    a: &mut Vec<String>,
    min_mapq: Option<u8>,
    min_base_quality: Option<u8>,
) {
    if let Some(v) = min_mapq {
        a.extend(["--min-mapq".into(), v.to_string()]);
    }
    if let Some(v) = min_base_quality {
        a.extend(["--min-base-quality".into(), v.to_string()]);
    }
}

/// The planner's view of `params:` for a `call` step.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub min_mapq: Option<u8>,
    pub min_base_quality: Option<u8>,
    pub min_qual: Option<f64>,
    pub ref_blocks: Option<bool>,
}

/// The `call` step kind.
#[derive(Debug, Default)]
pub struct CallKind;

const INPUTS: &[PortSpec] = &[
    PortSpec {
        name: "bam",
        required: true,
        many: false,
        doc: "coordinate-sorted BAM; its .bai beside it",
    },
    PortSpec {
        name: "reference",
        required: true,
        many: false,
        doc: "reference FASTA the reads were aligned to",
    },
    PortSpec {
        name: "regions",
        required: false,
        many: false,
        doc: "BED of intervals to call in",
    },
    PortSpec {
        name: "sites",
        required: false,
        many: false,
        doc: "VCF of sites to genotype (forced mode)",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "vcf",
        file: "{sample}.vcf.gz",
        doc: "bgzipped VCF 4.3",
    },
    OutputSpec {
        name: "tbi",
        file: "{sample}.vcf.gz.tbi",
        doc: "tabix index of the VCF",
    },
];

fn parse_params(
    params: &serde_json::Map<String, serde_json::Value>,
) -> std::result::Result<Params, String> {
    serde_json::from_value(serde_json::Value::Object(params.clone())).map_err(|e| {
        format!(
            "invalid params for `call`: {e}; known params: min_mapq, min_base_quality, min_qual, ref_blocks"
        )
    })
}

impl StepKind for CallKind {
    fn name(&self) -> &'static str {
        "call"
    }
    fn version(&self) -> u32 {
        // 2: PASS from QUAL 3, strand bias from FS 40 with SOR, reads from MAPQ 10 (the calls of
        //    a BAM change, so cached results of version 1 are not reused)
        2
    }
    fn about(&self) -> &'static str {
        "germline SNV and short-indel caller: indexed BAM -> bgzipped, tabix-indexed VCF"
    }
    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }
    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }
    fn check(
        &self,
        params: &serde_json::Map<String, serde_json::Value>,
    ) -> std::result::Result<(), String> {
        let p = parse_params(params)?;
        if p.min_qual.is_some_and(|q| !(0.0..=1000.0).contains(&q)) {
            return Err("params.min_qual must be between 0 and 1000".into());
        }
        Ok(())
    }
    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let p = parse_params(call.params).unwrap_or_default();
        let path = |p: &PathBuf| p.display().to_string();
        let mut a = Vec::new();
        for port in ["bam", "reference", "regions", "sites"] {
            // Forced sites decide where to look; regions would contradict them.
            if port == "regions" && call.input("sites").is_some() {
                continue;
            }
            if let Some(v) = call.input(port) {
                a.extend([format!("--{port}"), path(v)]);
            }
        }
        a.extend([
            "--out".into(),
            path(call.output("vcf")),
            "--threads".into(),
            call.cpus.max(1).to_string(),
        ]);
        if let Some(s) = call.sample {
            a.extend(["--sample".into(), s.to_string()]);
        }
        read_filter_args(&mut a, p.min_mapq, p.min_base_quality);
        if let Some(v) = p.min_qual {
            a.extend(["--min-qual".into(), v.to_string()]);
        }
        if p.ref_blocks == Some(true) {
            a.push("--ref-blocks".into());
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    #[test]
    fn planner_builds_the_argument_list() {
        let mut inputs = IndexMap::new();
        inputs.insert("bam".to_string(), vec![PathBuf::from("/d/s.bam")]);
        inputs.insert("reference".to_string(), vec![PathBuf::from("/d/r.fa")]);
        let mut outputs = IndexMap::new();
        outputs.insert("vcf".to_string(), PathBuf::from("/t/s1.vcf.gz"));
        outputs.insert("tbi".to_string(), PathBuf::from("/t/s1.vcf.gz.tbi"));
        let params: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"min_mapq": 30}"#).unwrap();
        let call = StepCall {
            sample: Some("s1"),
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 2,
            memory_bytes: 0,
        };
        assert_eq!(
            CallKind.args(&call).join(" "),
            "--bam /d/s.bam --reference /d/r.fa --out /t/s1.vcf.gz --threads 2 --sample s1 --min-mapq 30"
        );
        assert!(CallKind.check(&params).is_ok());
        let bad: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"mapq": 30}"#).unwrap();
        assert!(CallKind.check(&bad).unwrap_err().contains("unknown field"));
    }
}
