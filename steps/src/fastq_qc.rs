//! `fastq-qc`: adapter and quality trimming of FASTQ reads, with metrics.
//!
//! The first step of every pipeline: reads come out of the sequencer with adapter read-through on
//! short inserts, falling quality at their 3' ends and the odd `N`. This step cuts adapters (found
//! from the mate overlap, or by the common Illumina adapter sequences), trims poly-G tails of
//! two-colour instruments, low-quality and `N` tails, drops reads that end up too short (a pair
//! goes as a whole, so the two files stay in step) and writes `qc.json` with the counts a report
//! needs. Bad input stops the run with the file and record number, and nothing is published.
//! Chunks of reads are trimmed and compressed on worker threads and written in input order, so
//! the output bytes do not depend on the thread count.
//!
//! Outputs, always three files: `trimmed_1.fq.gz`, `trimmed_2.fq.gz` and `qc.json`. For single-end
//! input `trimmed_2.fq.gz` is a valid, empty gzip file and `qc.json` says `"paired": false`, so a
//! workflow has the same ports for both layouts; downstream steps treat an empty read-2 file as
//! single-end.

pub mod adapter;

pub mod metrics;
mod pipeline;
mod planner;
pub mod trim;

use std::path::PathBuf;

use serde::Serialize;

pub use planner::FastqQcKind;

use crate::fastq::Reader;
use crate::pool::thread_pool;
use crate::simulate::output::Staged;
use crate::{Result, StepError};
use adapter::OverlapRule;
use trim::TrimConfig;

/// Output file names inside `--out-dir`.
pub const TRIMMED_1: &str = "trimmed_1.fq.gz";
pub const TRIMMED_2: &str = "trimmed_2.fq.gz";
pub const QC_JSON: &str = "qc.json";

/// Trim adapters, low-quality and N tails from FASTQ reads and write QC metrics.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Read 1 (or single-end) FASTQ, plain or gzipped.
    #[arg(long)]
    pub r1: PathBuf,
    /// Read 2 FASTQ; absent for single-end data.
    #[arg(long)]
    pub r2: Option<PathBuf>,
    /// Directory for trimmed_1.fq.gz, trimmed_2.fq.gz and qc.json.
    #[arg(long)]
    pub out_dir: PathBuf,
    /// Trim 3' bases below this Phred quality (BWA rule; 0 disables).
    #[arg(long, default_value_t = 20)]
    pub quality_cutoff: u8,
    /// Drop reads (with their mates) shorter than this after trimming.
    #[arg(long, default_value_t = 30)]
    pub min_length: usize,
    /// Drop reads (with their mates) with more Ns than this after trimming.
    #[arg(long, default_value_t = 5)]
    pub max_n: usize,
    /// Do not trim adapters.
    #[arg(long)]
    pub no_adapter_trim: bool,
    /// Trim 3' poly-G runs: `auto` does so for two-colour instruments (NovaSeq, NextSeq, iSeq,
    /// MiniSeq), recognised from the first read name.
    #[arg(long, value_enum, default_value_t = PolyG::Auto)]
    pub poly_g: PolyG,
    /// Worker threads (0: one per core); the output does not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// When to trim poly-G tails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolyG {
    Auto,
    On,
    Off,
}

impl Args {
    pub fn validate(&self) -> Result<(), String> {
        if self.quality_cutoff > 60 {
            return Err(format!(
                "quality-cutoff must be 0..=60, got {}",
                self.quality_cutoff
            ));
        }
        if self.min_length == 0 {
            return Err("min-length must be at least 1 (empty reads break aligners)".into());
        }
        Ok(())
    }

    /// The trimming settings; `auto` poly-G trimming is decided from the first read of `--r1`.
    fn trim_config(&self) -> Result<TrimConfig> {
        let poly_g = match self.poly_g {
            PolyG::On => true,
            PolyG::Off => false,
            PolyG::Auto => Reader::open(&self.r1)?
                .next_record()?
                .is_some_and(|r| trim::two_colour_instrument(&r.head)),
        };
        Ok(TrimConfig {
            quality_cutoff: self.quality_cutoff,
            min_length: self.min_length,
            max_n: self.max_n,
            adapters: !self.no_adapter_trim,
            overlap: OverlapRule::default(),
            min_adapter_tail: 5,
            poly_g,
        })
    }
}

/// The settings recorded in `qc.json` (no paths: the document depends only on content).
#[derive(Debug, Serialize)]
struct Settings {
    quality_cutoff: u8,
    min_length: usize,
    max_n: usize,
    adapter_trimming: bool,
    adapters: Vec<String>,
    poly_g_trimming: bool,
}

#[derive(Debug, Serialize)]
struct QcJson {
    settings: Settings,
    #[serde(flatten)]
    metrics: metrics::Report,
}

pub fn run(args: Args) -> Result<()> {
    args.validate().map_err(StepError::input)?;
    let r1 = Reader::open(&args.r1)?;
    let r2 = args.r2.as_deref().map(Reader::open).transpose()?;
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| StepError::io("create", &args.out_dir, e))?;
    let pool = thread_pool(args.threads)?;
    let mut staged = Staged::new();
    let out1 = staged.file(&args.out_dir.join(TRIMMED_1));
    let out2 = staged.file(&args.out_dir.join(TRIMMED_2));
    let json = staged.file(&args.out_dir.join(QC_JSON));
    let paired = r2.is_some();
    let cfg = args.trim_config()?;
    let metrics = pipeline::run(&pool, r1, r2, &cfg, (&out1, &out2))?;
    let doc = QcJson {
        settings: Settings {
            quality_cutoff: cfg.quality_cutoff,
            min_length: cfg.min_length,
            max_n: cfg.max_n,
            adapter_trimming: cfg.adapters,
            adapters: adapter::KNOWN_ADAPTERS
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect(),
            poly_g_trimming: cfg.poly_g,
        },
        metrics: metrics.report(paired),
    };
    let text =
        serde_json::to_string_pretty(&doc).map_err(|e| StepError::failed(e.to_string()))? + "\n";
    std::fs::write(&json, text).map_err(|e| StepError::io("write", &json, e))?;
    staged.publish()
}
