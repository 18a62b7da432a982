//! `align`: FASTQ pairs to a coordinate-sorted, duplicate-marked, indexed BAM plus metrics, in
//! one process and one streaming pass.
//!
//! The classic chain (`bwa mem | samtools sort`, `samtools markdup`, `samtools index`) writes
//! and rereads the data several times and spends most of its time in the aligner. Here minimap2's
//! short-read preset maps in-process on N threads ([`pipeline`]); mate fields, flags and duplicate
//! keys are set while both mates are in hand ([`pairing`], [`dedup`]); records are sorted with
//! bounded memory ([`sort`]) and written once through htslib, with metrics gathered on the way
//! ([`bam_out`], [`metrics`]). There is no intermediate SAM or unsorted BAM. Outputs are written
//! under temporary names and renamed only when all three are complete, so a failed run publishes
//! nothing; the BAM bytes are the same for any thread count.
//!
//! `align-index` builds the minimap2 index of a reference once, so a workflow can cache it as its
//! own task; `align` accepts that `.mmi` or a FASTA ([`reference`]).

pub mod bam_out;
pub mod dedup;
pub mod fastq;
pub mod mapper;
pub mod metrics;
pub mod optical;
pub mod pairing;
pub mod pipeline;
pub mod planner;
pub mod record;
pub mod reference;
pub mod sort;
pub mod targets;

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Result, StepError};
use bam_out::ReadGroup;
use dedup::DupEntries;
use fastq::PairReader;
use mapper::Mapper;
use pairing::PairingOptions;
use reference::temp_name;
use targets::Territory;

pub use planner::{AlignIndexKind, AlignKind};

/// `cairn step align`.
#[derive(Debug, clap::Args)]
pub struct AlignArgs {
    /// Read 1 FASTQ (plain or gzip).
    #[arg(long)]
    pub r1: PathBuf,
    /// Read 2 FASTQ; leave out for single-end reads.
    #[arg(long)]
    pub r2: Option<PathBuf>,
    /// Reference FASTA (a .fai is created when missing) or a minimap2 index from `align-index`.
    #[arg(long)]
    pub reference: PathBuf,
    /// Sample name (the read group's SM).
    #[arg(long)]
    pub sample: String,
    /// Output BAM (NAME.bam); NAME.bam.bai and NAME.metrics.json are written beside it.
    #[arg(long)]
    pub out: PathBuf,
    /// Mapping and compression threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Read group ID (default: the sample name).
    #[arg(long)]
    pub read_group_id: Option<String>,
    /// Library (LB; duplicates are marked within it). Default: the sample name.
    #[arg(long)]
    pub library: Option<String>,
    /// Sequencing platform (PL).
    #[arg(long, default_value = "ILLUMINA")]
    pub platform: String,
    /// BED of target regions: coverage metrics over these instead of the whole reference.
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Folder caching minimap2 indexes of FASTA references, by content digest.
    #[arg(long)]
    pub index_cache: Option<PathBuf>,
    /// Seeds (minimizers) occurring more often than this in the reference are skipped.
    #[arg(long, default_value_t = 200)]
    pub max_seed_occurrence: u32,
    /// Also count duplicate pairs within this many pixels on one tile as optical duplicates
    /// (tagged dt:Z:SQ; 100 for classic, 2500 for patterned flow cells); 0 turns it off.
    #[arg(long, default_value_t = 0)]
    pub optical_distance: u32,
    /// Memory for sorting records, in MiB, before sorted runs spill to disk beside the output
    /// (duplicate-marking keys get a quarter of it more).
    #[arg(long, default_value_t = 768)]
    pub sort_memory_mib: usize,
}

/// `cairn step align-index`.
#[derive(Debug, clap::Args)]
pub struct AlignIndexArgs {
    /// Reference FASTA.
    #[arg(long)]
    pub reference: PathBuf,
    /// Output minimap2 index (.mmi).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

/// The three published files of one run.
#[derive(Debug, Clone)]
pub struct OutputPaths {
    pub bam: PathBuf,
    pub index: PathBuf,
    pub metrics: PathBuf,
}

impl OutputPaths {
    pub fn new(bam: &Path, csi: bool) -> Result<Self> {
        let name = bam
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(stem) = name.strip_suffix(".bam").filter(|s| !s.is_empty()) else {
            return Err(StepError::input(format!(
                "--out {} must name a .bam file",
                bam.display()
            )));
        };
        let index = bam.with_file_name(format!("{name}.{}", if csi { "csi" } else { "bai" }));
        Ok(OutputPaths {
            bam: bam.to_path_buf(),
            index,
            metrics: bam.with_file_name(format!("{stem}.metrics.json")),
        })
    }
}

/// Removes temporary outputs unless they were published.
struct TempFiles(Vec<PathBuf>);

impl Drop for TempFiles {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = fs::remove_file(p);
        }
    }
}

pub fn run_index(args: AlignIndexArgs) -> Result<()> {
    if reference::is_mmi(&args.reference)? {
        return Err(StepError::input(format!(
            "{} is already a minimap2 index; pass the FASTA",
            args.reference.display()
        )));
    }
    reference::build_index(&args.reference, &args.out, args.threads)?;
    Ok(())
}

pub fn run(args: AlignArgs) -> Result<()> {
    let threads = args.threads.max(1);
    let out_dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    if !out_dir.is_dir() {
        return Err(StepError::input(format!(
            "output folder {} does not exist",
            out_dir.display()
        )));
    }
    OutputPaths::new(&args.out, false)?;
    let rg = ReadGroup {
        id: args
            .read_group_id
            .clone()
            .unwrap_or_else(|| args.sample.clone()),
        sample: args.sample.clone(),
        library: args.library.clone().unwrap_or_else(|| args.sample.clone()),
        platform: args.platform.clone(),
    };
    check_read_group(&rg)?;
    let reads = PairReader::open(&args.r1, args.r2.as_deref())?;
    let (mapper, contigs) = load_reference(&args, &out_dir, threads)?;
    let paths = OutputPaths::new(&args.out, bam_out::needs_csi(&contigs))?;
    let territory = match &args.targets {
        Some(bed) => Territory::from_bed(bed, &contigs)?,
        None => Territory::whole(&contigs),
    };
    let opts = PairingOptions {
        read_group: rg.id.clone(),
        max_insert: mapper.max_insert(),
        optical_distance: args.optical_distance,
    };
    let budget = args.sort_memory_mib.max(1) << 20;
    let prefix = temp_name(&paths.bam);
    let sorters = (
        sort::Sorter::new(&prefix, budget),
        DupEntries::new(&prefix, budget / 4),
    );
    let aligned = pipeline::align_all(reads, &mapper, &opts, threads, sorters)?;
    drop(mapper);
    publish(&paths, &contigs, &rg, aligned, territory, threads)
}

/// Read-group fields go into the header and every record: no tabs, line breaks or empties.
fn check_read_group(rg: &ReadGroup) -> Result<()> {
    let fields = [
        ("read group id", &rg.id),
        ("sample", &rg.sample),
        ("library", &rg.library),
        ("platform", &rg.platform),
    ];
    for (name, value) in fields {
        if value.is_empty() || value.contains(['\t', '\n', '\r']) {
            return Err(StepError::input(format!(
                "the {name} {value:?} must be non-empty and hold no tabs or line breaks"
            )));
        }
    }
    Ok(())
}

/// Load the aligner and the contig list, checked against the reference's `.fai`.
fn load_reference(
    args: &AlignArgs,
    out_dir: &Path,
    threads: usize,
) -> Result<(Mapper, Vec<(String, u64)>)> {
    let is_mmi = reference::is_mmi(&args.reference)?;
    let mut mapper = reference::load_mapper(&args.reference, args.index_cache.as_deref(), threads)?;
    mapper.set_max_seed_occurrence(args.max_seed_occurrence);
    let contigs = mapper.contigs();
    let fasta = if is_mmi {
        reference::fasta_beside_mmi(&args.reference)
    } else {
        Some(args.reference.clone())
    };
    if let Some(fasta) = fasta {
        let fallback = args.index_cache.as_deref().unwrap_or(out_dir);
        let fai = reference::ensure_fai(&fasta, fallback)?;
        reference::check_contigs(&contigs, &reference::read_fai(&fai)?, &fai)?;
    }
    Ok((mapper, contigs))
}

/// Sort, write, index and measure; then rename the three outputs into place.
fn publish(
    paths: &OutputPaths,
    contigs: &[(String, u64)],
    rg: &ReadGroup,
    aligned: pipeline::Aligned,
    territory: Territory,
    threads: usize,
) -> Result<()> {
    let tmp = OutputPaths {
        bam: temp_name(&paths.bam),
        index: temp_name(&paths.index),
        metrics: temp_name(&paths.metrics),
    };
    let _guard = TempFiles(vec![
        tmp.bam.clone(),
        tmp.index.clone(),
        tmp.metrics.clone(),
    ]);
    let mut merge = aligned.sorter.finish()?;
    let header = bam_out::header(contigs, rg);
    let mut metrics = metrics::Metrics::new(territory);
    bam_out::write_bam(
        &tmp.bam,
        &header,
        &mut merge,
        &aligned.dups,
        &mut metrics,
        threads,
    )?;
    merge.cleanup();
    bam_out::write_index(&tmp.bam, &tmp.index, contigs, threads)?;
    let report = metrics.finish(&rg.sample);
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| StepError::failed(format!("cannot encode metrics: {e}")))?;
    fs::write(&tmp.metrics, json + "\n").map_err(|e| StepError::io("write", &tmp.metrics, e))?;
    for (from, to) in [
        (&tmp.bam, &paths.bam),
        (&tmp.index, &paths.index),
        (&tmp.metrics, &paths.metrics),
    ] {
        fs::rename(from, to).map_err(|e| StepError::io("publish", to, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_follow_the_bam() {
        let p = OutputPaths::new(Path::new("/t/s1.bam"), false).unwrap();
        assert_eq!(p.index, Path::new("/t/s1.bam.bai"));
        assert_eq!(p.metrics, Path::new("/t/s1.metrics.json"));
        let p = OutputPaths::new(Path::new("s1.bam"), true).unwrap();
        assert_eq!(p.index, Path::new("s1.bam.csi"));
        assert!(OutputPaths::new(Path::new("/t/s1.sam"), false).is_err());
        assert!(OutputPaths::new(Path::new("/t/.bam"), false).is_err());
    }

    #[test]
    fn read_group_fields_must_fit_a_header() {
        let rg = |sample: &str| ReadGroup {
            id: "rg".into(),
            sample: sample.into(),
            library: "lb".into(),
            platform: "ILLUMINA".into(),
        };
        assert!(check_read_group(&rg("NA12878")).is_ok());
        assert!(check_read_group(&rg("a\tb")).is_err());
        assert!(check_read_group(&rg("")).is_err());
    }

    #[test]
    fn long_contigs_need_csi() {
        assert!(!bam_out::needs_csi(&[("chr1".to_string(), 248_956_422)]));
        assert!(bam_out::needs_csi(&[("big".to_string(), 1 << 29)]));
    }
}
