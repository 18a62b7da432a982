//! `eval`: score a query VCF against a truth set, germline (hap.py-style) or somatic (som.py-style).
//!
//! A pipeline is only as good as its measured accuracy, and the measurement has to agree with the
//! tools the field trusts, or the numbers cannot be compared with anyone else's. So germline mode
//! counts the way hap.py does (SNV and indel TP/FP/FN, precision on query alleles, recall on truth
//! alleles, genotype concordance among TPs) after normalising both sides and matching by haplotype
//! where allele-exact matching fails, and somatic mode reproduces som.py's counting rule for rule.
//!
//! The reference is optional. Without it nothing can be left-aligned, so an indel written at the
//! other end of a repeat only matches when the haplotype matcher can piece the repeat together from
//! the REF alleles around it; a warning says so. Allele-exact matching and everything else work.
//!
//! ```text
//! cairn step eval --truth truth.vcf.gz --query calls.vcf.gz --reference ref.fa \
//!     --regions confident.bed --json sample.eval.json [--annotated sample.eval]
//! cairn step eval --somatic --truth truth.vcf.gz --query somatic.vcf.gz --fp-regions fp.bed \
//!     --json sample.eval.json
//! ```
//!
//! Layout: [`variant`] (normalised alleles), [`vcf`] (reading), [`regions`] (BED), [`reference`](mod@reference),
//! [`haplotype`] (cluster matching), [`germline`] and [`somatic`] (the two comparisons), [`report`]
//! (counts, JSON, table), [`annotate`] (TP/FP/FN VCFs), [`planner`] (the step kind).

pub mod annotate;
pub mod germline;
pub mod haplotype;
pub mod planner;
pub mod reference;
pub mod regions;
pub mod report;
pub mod somatic;
pub mod variant;
pub mod vcf;

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::{Result, StepError};
use reference::Reference;
use regions::Regions;
use vcf::VcfInput;

pub use planner::EvalKind;

/// Arguments of `cairn step eval`.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// Truth VCF (plain, bgzipped or BCF).
    #[arg(long)]
    pub truth: PathBuf,
    /// Query VCF to score (plain, bgzipped or BCF).
    #[arg(long)]
    pub query: PathBuf,
    /// Reference FASTA (indexed); needed to left-align indels, optional otherwise.
    #[arg(long)]
    pub reference: Option<PathBuf>,
    /// Count only variants in these regions (BED, plain or gzipped): germline, a variant whose
    /// position is inside; somatic, a record whose REF overlaps (as som.py's -R).
    #[arg(long)]
    pub regions: Option<PathBuf>,
    /// Somatic mode: unmatched query records outside these regions are "unknown", not FP (BED).
    #[arg(long)]
    pub fp_regions: Option<PathBuf>,
    /// Score as Illumina's som.py does (somatic calls, no genotypes).
    #[arg(long)]
    pub somatic: bool,
    /// Write the report as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Query sample to compare (default: the first).
    #[arg(long)]
    pub sample: Option<String>,
    /// Truth sample to compare (default: the first).
    #[arg(long)]
    pub truth_sample: Option<String>,
    /// Germline mode: also write `<PREFIX>.truth.vcf` and `<PREFIX>.query.vcf`, every normalised
    /// allele annotated TP/FP/FN.
    #[arg(long, value_name = "PREFIX")]
    pub annotated: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let regions = args
        .regions
        .as_deref()
        .map(Regions::from_path)
        .transpose()?;
    let (report, text) = if args.somatic {
        run_somatic(&args, regions.as_ref())?
    } else {
        if args.fp_regions.is_some() {
            return Err(StepError::input(
                "--fp-regions applies to --somatic only; drop it or add --somatic",
            ));
        }
        run_germline(&args, regions.as_ref())?
    };
    print!("{text}");
    if let Some(path) = &args.json {
        report::write_json(path, &report)?;
    }
    Ok(())
}

fn name(p: &Path) -> Value {
    let n = p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Value::from(n)
}

/// A warning when the two call sets name their contigs differently (`chr1` against `1`): nothing
/// could match, and the counts would say the caller found nothing.
pub fn disjoint_contigs<'a>(truth: &[&'a str], query: &[&'a str]) -> Option<String> {
    let shared = truth.iter().any(|t| query.contains(t));
    (!shared && !truth.is_empty() && !query.is_empty()).then(|| {
        format!(
            "truth and query share no contig name (truth: {}; query: {}); rename one side's contigs",
            truth.iter().take(3).copied().collect::<Vec<_>>().join(", "),
            query.iter().take(3).copied().collect::<Vec<_>>().join(", ")
        )
    })
}

/// The report's first keys. Inputs are named by file name only: a workflow task sees its inputs
/// under paths that change from run to run, and the report must not.
fn header(args: &EvalArgs, mode: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("mode".into(), mode.into());
    m.insert("truth".into(), name(&args.truth));
    m.insert("query".into(), name(&args.query));
    m.insert(
        "reference".into(),
        args.reference.as_deref().map_or(Value::Null, name),
    );
    m.insert(
        "regions".into(),
        args.regions.as_deref().map_or(Value::Null, name),
    );
    m
}

fn run_germline(
    args: &EvalArgs,
    regions: Option<&Regions>,
) -> Result<(Map<String, Value>, String)> {
    let mut reference = args.reference.as_deref().map(Reference::open).transpose()?;
    let truth_in = VcfInput {
        path: &args.truth,
        sample: args.truth_sample.as_deref(),
    };
    let query_in = VcfInput {
        path: &args.query,
        sample: args.sample.as_deref(),
    };
    let (truth, truth_stats) = vcf::read_calls(&truth_in, reference.as_mut())?;
    let (query, query_stats) = vcf::read_calls(&query_in, reference.as_mut())?;
    let mut warnings = input_warnings(reference.is_some(), [&truth_stats, &query_stats]);
    warnings.extend(disjoint_contigs(
        &contig_names(&truth),
        &contig_names(&query),
    ));
    let (counts, statuses) = germline::compare(&truth, &query, reference.as_mut(), regions)?;
    if let Some(prefix) = &args.annotated {
        annotate::write(prefix, &truth, &query, &statuses, regions)?;
    }
    if counts.clusters_skipped > 0 {
        warnings.push(format!(
            "{} clusters had more than {} unmatched alleles on a side and were not haplotype-matched",
            counts.clusters_skipped,
            haplotype::MAX_CLUSTER_SIDE
        ));
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let mut report = header(args, "germline");
    report.insert("snv".into(), counts.snv.to_json());
    report.insert("indel".into(), counts.indel.to_json());
    report.insert("truth_input".into(), json!(truth_stats));
    report.insert("query_input".into(), json!(query_stats));
    report.insert("clusters_skipped".into(), json!(counts.clusters_skipped));
    report.insert("warnings".into(), json!(warnings));
    let columns = [
        "tp",
        "fp",
        "fn",
        "query_tp",
        "precision",
        "recall",
        "f1",
        "genotype_concordance",
    ];
    let text = report::table(
        &[("SNV", &report["snv"]), ("INDEL", &report["indel"])],
        &columns,
    );
    Ok((report, text))
}

fn contig_names(calls: &vcf::Calls) -> Vec<&str> {
    calls.keys().map(String::as_str).collect()
}

fn input_warnings(have_reference: bool, stats: [&vcf::ReadStats; 2]) -> Vec<String> {
    let mut warnings = Vec::new();
    if !have_reference {
        warnings.push(
            "no --reference: indels are not left-aligned, so an indel placed differently in a repeat may count as FP + FN"
                .to_string(),
        );
    }
    for (side, s) in ["truth", "query"].iter().zip(stats) {
        if s.ref_mismatch > 0 {
            warnings.push(format!(
                "{side}: {} records whose REF disagrees with the reference (wrong build?)",
                s.ref_mismatch
            ));
        }
    }
    warnings
}

fn run_somatic(args: &EvalArgs, regions: Option<&Regions>) -> Result<(Map<String, Value>, String)> {
    if args.sample.is_some() || args.truth_sample.is_some() {
        return Err(StepError::input(
            "--sample/--truth-sample apply to germline mode only; somatic mode reads no genotypes",
        ));
    }
    if args.annotated.is_some() {
        return Err(StepError::input(
            "--annotated applies to germline mode only; drop it or --somatic",
        ));
    }
    let fp_regions = args
        .fp_regions
        .as_deref()
        .map(Regions::from_path)
        .transpose()?;
    let (counts, warning) =
        somatic::compare(&args.truth, &args.query, regions, fp_regions.as_ref())?;
    if let Some(w) = &warning {
        eprintln!("warning: {w}");
    }
    let fp_size = fp_regions.as_ref().map(Regions::size);
    let mut report = header(args, "somatic");
    report.insert(
        "fp_regions".into(),
        args.fp_regions.as_deref().map_or(Value::Null, name),
    );
    report.insert("fp_region_size".into(), json!(fp_size));
    report.insert("warnings".into(), json!(Vec::from_iter(warning)));
    report.extend(somatic::to_json(&counts, fp_size));
    let rows: Vec<(&str, &Value)> = somatic::TYPES
        .iter()
        .filter_map(|(name, key, _)| report.get(*key).map(|v| (*name, v)))
        .collect();
    let text = report::table(
        &rows,
        &[
            "total_truth",
            "total_query",
            "tp",
            "fp",
            "fn",
            "unk",
            "precision",
            "recall",
        ],
    );
    Ok((report, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_when_contig_names_never_meet() {
        let w = disjoint_contigs(&["chr1", "chr2"], &["1", "2"]).unwrap();
        assert!(w.contains("chr1, chr2") && w.contains("rename"), "{w}");
        assert!(disjoint_contigs(&["chr1", "chr2"], &["chr2"]).is_none());
        assert!(disjoint_contigs(&[], &["1"]).is_none());
    }

    #[test]
    fn reports_name_inputs_by_file_name() {
        assert_eq!(
            name(Path::new("/tmp/task-1/in/truth.vcf.gz")),
            "truth.vcf.gz"
        );
    }
}
