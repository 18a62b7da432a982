//! `report`: one sample's precision-medicine report, for people (HTML), programs (JSON) and
//! health records (FHIR R4, Genomics Reporting IG).
//!
//! ```text
//! cairn step report --sample NAME --out-dir DIR [--qc qc.json] [--alignment metrics.json]
//!     [--vcf calls.vcf.gz] [--eval eval.json] [--pgx pgx.json] [--annotated annotated.json]
//!     [--bam S.bam --genes GENES.bed] [--provenance provenance.json] [--date YYYY-MM-DD]
//!     [--reference-build GRCh38]
//!     [--html F] [--json F] [--fhir F]
//! ```
//!
//! Every input is optional: the report shows what it was given and its limitations section lists
//! what it was not. Outputs default to `DIR/report.html`, `DIR/report.json` and
//! `DIR/report.fhir.json`; `--html/--json/--fhir` name them one by one (the planner does).
//!
//! The pipeline of the compute: [`inputs`] reads files (JSON defensively, the VCF with htslib;
//! [`coverage`] measures depth per reported gene from the BAM) ->
//! [`model`] builds `report.json` (schema `report/report.schema.json`; [`pgx`](mod@pgx), [`methods`] and
//! [`annotated`] shape their sections) -> [`render`] draws the HTML through a minijinja template
//! with [`charts`] inlined as SVG -> [`fhir`] builds the bundle, which [`fhir_check`] verifies
//! before anything is written. The HTML is self-contained (inline CSS and SVG, no scripts, no
//! URLs it would fetch), so it opens offline and can be archived as one file.
//!
//! Reproducibility: no clock is read. The date appears only when `--date` gives it; identical
//! inputs give byte-identical outputs.

pub mod annotated;
pub mod charts;
pub mod coverage;
pub mod fhir;
pub mod fhir_check;
pub mod inputs;
pub mod methods;
pub mod model;
pub mod pgx;
pub mod planner;
pub mod render;
pub mod somatic;
pub mod tumour;

use std::path::{Path, PathBuf};

use crate::{Result, StepError};
pub use planner::ReportKind;

/// Arguments of `cairn step report`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Sample name shown in the report.
    #[arg(long)]
    pub sample: String,
    /// Folder for report.html, report.json and report.fhir.json (created if absent).
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
    /// Read QC metrics (`fastq-qc` JSON).
    #[arg(long)]
    pub qc: Option<PathBuf>,
    /// Alignment metrics (`align` metrics JSON).
    #[arg(long)]
    pub alignment: Option<PathBuf>,
    /// Called variants (VCF/BCF, first sample).
    #[arg(long)]
    pub vcf: Option<PathBuf>,
    /// Caller accuracy against a truth set (`eval` JSON).
    #[arg(long)]
    pub eval: Option<PathBuf>,
    /// Pharmacogenomic calls (`pgx` JSON, schema cairn.pgx/1).
    #[arg(long)]
    pub pgx: Option<PathBuf>,
    /// Annotated variants JSON (see `report::annotated` for the fields read).
    #[arg(long)]
    pub annotated: Option<PathBuf>,
    /// Aligned reads (indexed BAM): depth over the `--genes` regions.
    #[arg(long, requires = "genes")]
    pub bam: Option<PathBuf>,
    /// BED of the reported genes' regions (4th column: gene name); with `--bam`, the report shows
    /// coverage per gene and the regions below the depth threshold (not assessed).
    #[arg(long, requires = "bam")]
    pub genes: Option<PathBuf>,
    /// Reference FASTA the reads were aligned to: needed to read a CRAM given as `--bam` (a BAM
    /// does not need it). Not part of the report's input list.
    #[arg(long, requires = "bam")]
    pub reference: Option<PathBuf>,
    /// Run provenance (`provenance.json` of a finished run).
    #[arg(long)]
    pub provenance: Option<PathBuf>,
    /// Report date to print (left out when not given, for reproducible outputs).
    #[arg(long)]
    pub date: Option<String>,
    /// Reference build name (default: the VCF's `##reference` header line, if any).
    #[arg(long)]
    pub reference_build: Option<String>,
    /// HTML output path (default OUT_DIR/report.html).
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// JSON output path (default OUT_DIR/report.json).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// FHIR bundle output path (default OUT_DIR/report.fhir.json).
    #[arg(long)]
    pub fhir: Option<PathBuf>,
    #[command(flatten)]
    pub somatic: somatic::SomaticInputs,
}

fn read_inputs(args: &ReportArgs) -> Result<model::Inputs> {
    let mut digests = Vec::new();
    let given = [
        ("qc", &args.qc),
        ("alignment", &args.alignment),
        ("vcf", &args.vcf),
        ("eval", &args.eval),
        ("pgx", &args.pgx),
        ("annotated", &args.annotated),
        ("provenance", &args.provenance),
        ("bam", &args.bam),
        ("genes", &args.genes),
    ];
    for (role, path) in given {
        if let Some(p) = path {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            digests.push((
                role.to_string(),
                name.unwrap_or_default(),
                inputs::digest_file(p)?,
            ));
        }
    }
    let annotated = inputs::read_json(args.annotated.as_deref())?;
    let coverage = match (&args.bam, &args.genes) {
        (Some(bam), Some(bed)) => Some(coverage::section(bam, bed, args.reference.as_deref())?),
        _ => None,
    };
    Ok(model::Inputs {
        coverage,
        annotation_info: annotated
            .as_ref()
            .map(|a| annotated::annotation_info(&a.value)),
        sample: args.sample.clone(),
        date: args.date.clone(),
        reference_build: args.reference_build.clone(),
        qc: inputs::read_json(args.qc.as_deref())?,
        alignment: inputs::read_json(args.alignment.as_deref())?,
        called: args.vcf.as_deref().map(inputs::read_vcf).transpose()?,
        eval: inputs::read_json(args.eval.as_deref())?,
        pgx: inputs::read_json(args.pgx.as_deref())?,
        annotated: annotated.as_ref().map(model::read_annotated).transpose()?,
        provenance: inputs::read_json(args.provenance.as_deref())?,
        digests,
    })
}

fn charts(inp: &model::Inputs) -> render::Charts {
    let qc = inp.qc.as_ref().map(|q| &q.value);
    render::Charts {
        quality: qc.and_then(charts::quality_by_position),
        insert_size: inp.alignment.as_ref().and_then(|a| {
            charts::histogram(
                &a.value["insert_size"]["histogram"],
                "Insert size",
                "insert size (bp)",
            )
        }),
        read_length: qc.and_then(|q| {
            charts::histogram(
                &q["length_histogram"],
                "Read length after trimming",
                "length (bp)",
            )
        }),
        somatic_vaf: None,
        somatic_spectrum: None,
    }
}

/// Write `text` to `path` through a temporary name in the same folder, so no partial file is seen.
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| StepError::io("create", dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.partial"));
    std::fs::write(&tmp, text).map_err(|e| StepError::io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| StepError::io("write", path, e))
}

/// `cairn step report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let inp = read_inputs(&args)?;
    let mut report = model::build(&inp);
    let mut charts = charts(&inp);
    if let Some(section) = somatic::section(&args.somatic)? {
        let pairs = somatic::vaf_pairs(&section);
        charts.somatic_vaf =
            charts::histogram(&pairs, "Somatic variant allele fractions", "tumour VAF");
        charts.somatic_spectrum = charts::spectrum(
            &section["metrics"]["sbs96"],
            "Somatic SNV spectrum (96 trinucleotide channels)",
        );
        if let Some(rows) = report["summary"]["actionable"].as_array_mut() {
            rows.extend(somatic::summary_rows(&section));
        }
        report["somatic"] = section;
    }
    let html = render::html(&report, &charts)?;
    let bundle = fhir::bundle(&report);
    let problems = fhir_check::check(&bundle);
    if !problems.is_empty() {
        return Err(StepError::failed(format!(
            "the FHIR bundle fails its structural checks: {}",
            problems.join("; ")
        )));
    }
    let pretty = |v: &serde_json::Value| {
        serde_json::to_string_pretty(v)
            .map(|s| s + "\n")
            .map_err(|e| StepError::failed(e.to_string()))
    };
    let out =
        |given: &Option<PathBuf>, name: &str| given.clone().unwrap_or(args.out_dir.join(name));
    let json_path = out(&args.json, "report.json");
    let fhir_path = out(&args.fhir, "report.fhir.json");
    let html_path = out(&args.html, "report.html");
    write_atomic(&json_path, &pretty(&report)?)?;
    write_atomic(&fhir_path, &pretty(&bundle)?)?;
    write_atomic(&html_path, &html)?;
    Ok(())
}
