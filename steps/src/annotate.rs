//! `annotate`: calls -> consequences (Sequence Ontology), HGVS, database lookups and clinical tiers.
//!
//! ```text
//! cairn step annotate --vcf IN.vcf.gz --annotation GENES.gff3|.gtf --reference REF.fa
//!                     --out OUT.vcf.gz [--source NAME=FILE.vcf.gz ...] [--knowledge DIR]
//!                     [--json OUT.json] [--threads N]
//! ```
//!
//! The anchors are Ensembl VEP (consequence terms, their ranking, the `CSQ` layout), snpEff (the
//! peer the bench compares with), vcfanno (lookups in tabixed VCFs) and PCGR/CPSR (tiers).
//!
//! - [`gff`] reads GFF3/GTF into the transcript [`model`] (exons, coding span, phases checked,
//!   canonical / MANE Select tags), indexed per contig; [`index`] stores it as a file
//!   (`cairn step annotate-index`) so a workflow builds it once and caches it as an artifact;
//! - [`consequence`] gives each allele x transcript its SO terms ([`terms`] holds the ranking),
//!   [`coding`] the protein change and HGVS p., [`hgvs`] the c./n. text with the 3' rule;
//! - [`sources`] looks each allele up in the `--source` VCFs by normalised allele;
//! - [`knowledge`] matches the actionability knowledge base and defines the tiers;
//! - [`run`] and [`output`] stream the VCF and write the annotated VCF (bgzip + tabix) and JSON.
//!
//! # JSON (schema `cairn.annotate/1`)
//! `{ schema, vcf, annotation, knowledge_version, sources: [{name, path, fields}], warnings,
//! variants: [ { chrom, pos, id, ref, alt, genotype, most_severe: Effect|null, effects: [Effect],
//! sources: {NAME: {ID, AF, CLNSIG, ...}}, actionability: [ {gene, variant, condition, drugs,
//! evidence, context, source} ], amp_tier: "I"|"II"|"III"|"IV"|null, germline: {clinvar,
//! review_stars, acmg_secondary_finding_gene, classification} } ] }`, where Effect is
//! `{transcript, gene, gene_id, biotype, consequences, impact, exon, intron, hgvsc, hgvsp,
//! canonical, mane_select}`. One entry per ALT allele; REF-mismatch records are left out of the
//! JSON (and counted in `warnings`).

pub mod coding;
pub mod consequence;
pub mod csq;
pub mod gff;
pub mod hgvs;
pub mod index;
pub mod knowledge;
pub mod model;
pub mod output;
pub mod record;
pub mod run;
pub mod seq;
pub mod sources;
pub mod terms;

mod planner;
pub use index::{run as run_index, IndexArgs};
pub use planner::{AnnotateIndexKind, AnnotateKind};

#[cfg(test)]
mod consequence_tests;
#[cfg(test)]
mod gff_tests;

use std::path::{Path, PathBuf};

use crate::eval::reference::Reference;
use crate::{Result, StepError};

/// Arguments of `cairn step annotate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input VCF (plain or bgzipped).
    #[arg(long)]
    pub vcf: PathBuf,
    /// Gene models: GFF3 (.gff3/.gff) or GTF (.gtf), optionally gzipped, or a model file from
    /// `cairn step annotate-index` (.json).
    #[arg(long)]
    pub annotation: PathBuf,
    /// Reference FASTA (indexed with samtools faidx), the one the calls were made on.
    #[arg(long)]
    pub reference: PathBuf,
    /// Output VCF (bgzipped, with a .tbi index).
    #[arg(long)]
    pub out: PathBuf,
    /// A lookup source, NAME=FILE.vcf.gz (bgzipped + tabixed); repeatable.
    #[arg(long = "source")]
    pub sources: Vec<String>,
    /// Knowledge-base directory of cairn-knowledge TSV files (default: the bundled set).
    #[arg(long)]
    pub knowledge: Option<PathBuf>,
    /// Also write the annotated variants as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Worker threads for consequence computation.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

pub fn run(args: Args) -> Result<()> {
    let knowledge = knowledge::Knowledge::load(args.knowledge.as_deref())?;
    let mut reference = Reference::open(&args.reference)?;
    let mut model = index::load(&args.annotation)?;
    let contigs: Vec<String> = model.contigs().cloned().collect();
    for c in contigs {
        match reference.contig(&c)? {
            Some(seq) => {
                let seq = seq.to_vec();
                model.attach(&c, &seq);
            }
            None => model.warnings.push(format!(
                "annotation contig {c} is not in the reference {}: its transcripts get no HGVS",
                args.reference.display()
            )),
        }
    }
    let sources = args
        .sources
        .iter()
        .map(|s| sources::Source::open(s))
        .collect::<Result<Vec<_>>>()?;
    let pool = crate::pool::thread_pool(args.threads.max(1))?;
    let mut ctx = run::Context {
        model: &model,
        reference,
        sources,
        knowledge: &knowledge,
        vcf: &args.vcf,
        want_json: args.json.is_some(),
        pool,
    };
    let outcome = run::run(&mut ctx)?;
    let extra = output::header_lines(&ctx);
    let mut warnings = model.warnings.clone();
    warnings.extend(outcome.warnings.iter().cloned());
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    write_vcf(&args.out, &outcome, extra)?;
    if let Some(json) = &args.json {
        write_json(json, &args, &ctx, &knowledge, &warnings, &outcome)?;
    }
    Ok(())
}

fn write_vcf(out: &Path, outcome: &run::Outcome, extra: Vec<String>) -> Result<()> {
    let mut header = String::new();
    let last = outcome.header.len().saturating_sub(1);
    for (i, h) in outcome.header.iter().enumerate() {
        if i == last {
            for e in &extra {
                header.push_str(e);
                header.push('\n');
            }
        }
        header.push_str(h);
        header.push('\n');
    }
    let parts = std::iter::once(Ok(header)).chain(outcome.body.iter().cloned().map(Ok));
    crate::call::vcf::write_bgzf_indexed(out, parts)
}

fn write_json(
    path: &Path,
    args: &Args,
    ctx: &run::Context<'_>,
    knowledge: &knowledge::Knowledge,
    warnings: &[String],
    outcome: &run::Outcome,
) -> Result<()> {
    // File names, not paths: a task's inputs live under its work folder, and the output must not
    // depend on where the store is.
    let name = |p: &Path| {
        p.file_name()
            .map_or_else(|| p.to_string_lossy(), |n| n.to_string_lossy())
            .into_owned()
    };
    let sources: Vec<serde_json::Value> = ctx
        .sources
        .iter()
        .map(|s| serde_json::json!({"name": s.name, "path": name(Path::new(&s.path)), "fields": s.fields}))
        .collect();
    let doc = serde_json::json!({
        "schema": "cairn.annotate/1",
        "vcf": name(&args.vcf),
        "annotation": name(&args.annotation),
        "knowledge_version": knowledge.version,
        "sources": sources,
        "warnings": warnings,
        "variants": outcome.reports,
    });
    let tmp = path.with_file_name(format!(
        ".{}.partial",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let text = serde_json::to_string_pretty(&doc)
        .map_err(|e| StepError::failed(format!("cannot encode JSON: {e}")))?;
    std::fs::write(&tmp, text + "\n").map_err(|e| StepError::io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| StepError::io("publish", path, e))
}
