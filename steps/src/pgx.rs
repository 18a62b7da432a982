//! `pgx`: pharmacogenomics — a sample's genotypes at pharmacogene positions -> named-allele
//! diplotypes -> phenotypes (and activity scores) -> CPIC drug recommendations.
//!
//! ```text
//! cairn step pgx --vcf IN.vcf[.gz] --definitions DIR [--sample NAME] [--outside-calls TSV]
//!                [--missing-to-ref] --out OUT.json
//! ```
//!
//! # Knowledge: `--definitions DIR`
//! The anchor is PharmCAT, and the data formats are CPIC's/PharmGKB's, so a full PharmCAT data
//! directory and the small set the project ships in `test-data/pgx/` are read by the same loader:
//! - `definition/alleles/<GENE>_translation.json` (or `alleles/`, or `DIR` itself): named-allele
//!   definitions, plus an optional `exemptions.json` ([`definition`]);
//! - `phenotype/cpic/<GENE>.json`: allele function, activity values, diplotype -> phenotype
//!   ([`phenotype`]); optional;
//! - `guidelines_cpic/*.json`: CPIC guideline annotations ([`guideline`]); optional.
//!
//! # Calling
//! Only VCF records at definition positions are read ([`vcf`]). A position absent from the VCF (or
//! a no-call) is *not assessed*: matching goes on without it and it is listed in the result, so a
//! VCF that omits hom-ref sites still gets a call but the gaps are visible. gVCF reference blocks
//! (`INFO/END` with a `<NON_REF>`-only hom-ref record) count as hom-ref at the definition positions
//! they span ([`gvcf`]). `--missing-to-ref` (param `missing_to_ref`) reads every absent position as
//! hom-ref, for variant-only VCFs from a caller known to cover the PGx positions; those positions
//! are then listed as assumed, not hidden. [`sites::sites_vcf`] writes every PGx position as a VCF
//! (PharmCAT's `pharmcat_positions.vcf`, from any definition set): the site list for forced-site
//! genotyping by the `call` kind.
//!
//! Matching follows PharmCAT's NamedAlleleMatcher ([`matcher`]): phase permutations (FORMAT/PS
//! phase sets flip independently), IUPAC wobbles, blank cells as reference, score = defined cells
//! matched (a wobble filled by the reference base does not score), top-scoring ties all reported
//! (`ambiguous: true`), names ordered as PharmCAT does ([`names`]). DPYD follows PharmCAT's
//! least-function rules ([`dpyd`]): strands named by every allele they carry when phased
//! (`Reference/[c.62G>A + c.3067C>A]`), the allele list (`haplotypes`) and its two lowest-function
//! alleles when not, HapB3 from its intronic variant. An SLCO1B1 that no allele pair explains
//! still gets PharmCAT's rs4149056-only diplotype (`rs4149056T/rs4149056C`, looked up as `*1/*5`;
//! `inferred_from` says so). CYP2D6 is never called from a VCF: give it (and HLA, MT-RNR1, ...) as
//! an outside call.
//!
//! # Outside calls: `--outside-calls TSV`
//! One gene per line, tab-separated, `#` comments: `GENE  DIPLOTYPE  [PHENOTYPE  [ACTIVITY_SCORE]]`,
//! e.g. `CYP2D6<TAB>*1/*4` or `CYP2D6<TAB><TAB>Poor Metabolizer<TAB>0.0`. A gene listed twice is an
//! error. An outside call replaces a VCF call for the same gene (with a warning). Without a
//! phenotype column the phenotype is looked up from the diplotype; for genes whose guidelines test
//! allele presence (HLA-A/B) it becomes `*57:01 positive`/`negative` for every allele tested.
//!
//! # Recommendations
//! A guideline row applies when each of its genes has the row's lookup value (phenotype, activity
//! score or allele presence); CPIC's `No Result` rows stand for a gene that was not called (e.g.
//! carbamazepine with HLA-B called and HLA-A not). A gene called without a phenotype (no table
//! for it, such as G6PD and RYR1 in a data set that lacks them) matches no row: its guidelines
//! are listed in `recommendations_unavailable` with the gene under `genes_without_phenotype`.
//!
//! # Output JSON (schema `cairn.pgx/1`)
//! ```text
//! { "schema": "cairn.pgx/1", "sample": "NA12878", "vcf": "NA12878.vcf.gz",
//!   "genes": [ {                                   // every defined, outside-called or guideline gene, sorted
//!       "gene": "CYP2C19", "call_source": "matcher" | "outside" | "none", "called": true,
//!       "definition_version": "v1.38.0", "phased": false,
//!       "diplotypes": [ { "name": "*1/*17", "score": 36,          // score: matcher only; a haploid
//!                                                               // call (male chrX) is one name
//!           "allele1": { "name": "*1", "function": "Normal function", "activity_value": null },
//!           "allele2": { ... } | null,                            // null for a haploid call
//!           "phenotype": "Rapid Metabolizer", "activity_score": null, "lookup_key": "Rapid Metabolizer" } ],
//!       "ambiguous": false,                        // true: several diplotypes tie, all listed
//!       "haplotypes": [],                          // DPYD unphased: alleles found on any strand
//!       "phenotypes": [...], "activity_scores": [...], "lookup_keys": [...],
//!       "not_called_reason": null | "why no call",
//!       "inferred_from": null | "rs4149056",       // uncalled gene, phenotype from one variant
//!       "positions_assessed": 33,
//!       "positions_not_assessed": [ { "position": "chr10:94761900", "rsid": "rs12248560", "genotype": null } ],
//!       "positions_assumed_reference": [ ... ],   // absent, read as hom-ref (--missing-to-ref)
//!       "undocumented_variants": [ { "position": ..., "rsid": ..., "genotype": "C/G" } ],
//!       "extra_positions": [ ... ],                // reported only (e.g. CYP2C9 rs12777823)
//!       "warnings": [ "chr10:... (rs...): discarded: REF in VCF (A) does not match ..." ] } ],
//!   "not_called": [ { "gene": "CYP2D6", "reason": "..." } ],
//!   "recommendations": [ { "drugs": ["clopidogrel"], "genes": { "CYP2C19": "Rapid Metabolizer" },
//!       "source": "CPIC", "guideline": "...", "url": "...", "classification": "Strong",
//!       "population": "...", "recommendation": "plain text", "implications": [...], "citations": [...] } ],
//!   "recommendations_unavailable": [ { "drugs": ["azathioprine"], "guideline": "...",
//!       "genes_not_called": ["NUDT15"],              // guidelines none of whose rows applies:
//!       "genes_without_phenotype": [] } ],           // a gene uncalled, or called w/o phenotype
//!   "warnings": [ ... ] }
//! ```
//!
//! # Bad input
//! A VCF whose header declares GRCh37/hg19 (by name or contig length), or whose REF disagrees with
//! the definitions at most definition positions, is rejected (lift it over first); isolated REF
//! mismatches discard that position with a warning. In a multi-sample VCF `--sample` picks the
//! column (an unknown name is an error listing the samples); without it the first is used, with a
//! warning. A malformed GT (non-numeric, allele index beyond ALT) is an error naming the line; a
//! heterozygous GT whose AD shows one allele, or a structural/`*` allele, discards the position
//! with a warning; an undocumented ALT makes the gene uncallable, except for CACNA1S, DPYD, G6PD,
//! NUDT15, RYR1 and TPMT where it is read as reference (PharmCAT's rule), with a warning.

pub mod assemble;
pub mod call;
pub mod definition;
pub mod dpyd;
pub mod guideline;
pub mod gvcf;
pub mod matcher;
pub mod names;
pub mod output;
pub mod outside;
pub mod phenotype;
pub mod sites;
pub mod sites_kind;
pub mod vcf;

mod planner;
pub use planner::PgxKind;
pub use sites_kind::{run as run_sites, PgxSitesKind, SitesArgs};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Result, StepError};
pub use assemble::Knowledge;
use definition::Definitions;
use vcf::SiteOfInterest;

/// Arguments of `cairn step pgx`.
#[derive(Debug, clap::Args)]
pub struct PgxArgs {
    /// Sample VCF (plain or gzip/bgzip), GRCh38.
    #[arg(long)]
    pub vcf: PathBuf,
    /// Directory with CPIC/PharmCAT allele definitions (and optionally phenotype and guideline files).
    #[arg(long)]
    pub definitions: PathBuf,
    /// Sample column to use (required when the VCF has several samples).
    #[arg(long)]
    pub sample: Option<String>,
    /// Outside calls TSV: GENE, DIPLOTYPE[, PHENOTYPE[, ACTIVITY_SCORE]].
    #[arg(long)]
    pub outside_calls: Option<PathBuf>,
    /// Read definition positions absent from the VCF as hom-ref. Only for variant-only VCFs from a
    /// caller known to cover every PGx position; such positions are listed in the output.
    #[arg(long)]
    pub missing_to_ref: bool,
    /// Output JSON file.
    #[arg(long)]
    pub out: PathBuf,
}

/// Every definition position (and extra reported position), keyed `chr:pos`.
pub fn sites(defs: &Definitions) -> HashMap<String, SiteOfInterest> {
    let mut sites: HashMap<String, SiteOfInterest> = HashMap::new();
    for def in defs.genes.values() {
        let as_ref = call::UNDOCUMENTED_AS_REFERENCE.contains(&def.gene.as_str());
        for l in def.loci.iter().chain(&def.extra_positions) {
            let site = sites.entry(l.key()).or_insert_with(|| SiteOfInterest {
                reference: l.r#ref.clone(),
                alts: Vec::new(),
                undocumented_as_reference: as_ref,
            });
            for a in &l.alts {
                if !site.alts.contains(a) {
                    site.alts.push(a.clone());
                }
            }
        }
    }
    sites
}

/// Computes the result for one VCF; the JSON value the step writes.
pub fn compute(args: &PgxArgs) -> Result<output::PgxResult> {
    compute_with(&Knowledge::load(&args.definitions)?, args)
}

/// [`compute`] with the knowledge already loaded (`args.definitions` is not read again).
pub fn compute_with(k: &Knowledge, args: &PgxArgs) -> Result<output::PgxResult> {
    let sites = sites(&k.definitions);
    let geno = vcf::read_with(
        &args.vcf,
        args.sample.as_deref(),
        &sites,
        args.missing_to_ref,
    )?;
    let outside = match &args.outside_calls {
        Some(p) => outside::read(p)?,
        None => Vec::new(),
    };
    let vcf_name = args
        .vcf
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(assemble::assemble(k, &geno, &outside, &vcf_name))
}

/// `cairn step pgx`: writes the JSON result atomically (temp file, then rename).
pub fn run(args: PgxArgs) -> Result<()> {
    let result = compute(&args)?;
    let mut text = serde_json::to_string_pretty(&result)
        .map_err(|e| StepError::failed(format!("cannot serialize the pgx result: {e}")))?;
    text.push('\n');
    write_atomic(&args.out, text.as_bytes())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| StepError::io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| StepError::io("rename into", path, e))
}
