//! One gene's result: matching (or DPYD's rules) plus phenotype translation.

use super::definition::{GeneDefinition, Locus};
use super::dpyd::{self, DpydCall};
use super::matcher::{ordered, Diplotype, MatchData, Options};
use super::output::{AlleleResult, CallSource, DiplotypeResult, GeneResult, Position};
use super::phenotype::GenePhenotypes;
use super::vcf::SampleGenotypes;

/// Genes whose undocumented ALT alleles are read as the reference (see [`super::vcf::SiteOfInterest`]).
pub const UNDOCUMENTED_AS_REFERENCE: [&str; 6] =
    ["CACNA1S", "DPYD", "G6PD", "NUDT15", "RYR1", "TPMT"];

fn position(locus: &Locus, geno: &SampleGenotypes) -> Position {
    Position {
        position: locus.key(),
        rsid: locus.rsid.clone(),
        genotype: geno.alleles.get(&locus.key()).map(|s| {
            let sep = if s.phased { "|" } else { "/" };
            match &s.allele2 {
                Some(a2) => format!("{}{sep}{a2}", s.allele1),
                None => s.allele1.clone(),
            }
        }),
    }
}

/// Why no position could be used: every one a no-call record (forced-site genotyping found no
/// reads there), or some absent from the VCF.
fn no_position_reason(def: &GeneDefinition, geno: &SampleGenotypes) -> String {
    let n = def.loci.len();
    let no_call = |l: &Locus| {
        geno.warnings
            .get(&l.key())
            .is_some_and(|w| w.iter().any(|m| m.starts_with("no call")))
    };
    if def.loci.iter().all(no_call) {
        format!(
            "all {n} definition positions are no-calls in the VCF (no read covers them, or their \
             contig is not in the reference the reads were aligned to)"
        )
    } else {
        format!(
            "none of the {n} definition positions has a usable genotype in the VCF (a variant-only \
             VCF must also list hom-ref PGx positions, or use --missing-to-ref)"
        )
    }
}

/// Diplotype candidates: two names (the second absent for a haploid call) and the matcher score.
type Pairs = Vec<(String, Option<String>, Option<usize>)>;

/// Calls one gene from VCF genotypes.
pub fn call_gene(
    def: &GeneDefinition,
    geno: &SampleGenotypes,
    table: Option<&GenePhenotypes>,
) -> GeneResult {
    let mut out = positions_report(def, geno);
    let (data, pairs) = if def.gene == "DPYD" {
        dpyd_pairs(def, geno, table, &mut out)
    } else {
        let opts = Options {
            assume_reference: true,
            ..Options::default()
        };
        let data = MatchData::new(def, geno, opts);
        let pairs = data
            .diplotypes(!def.all_hits)
            .into_iter()
            .map(|d: Diplotype| (d.hap1, (!d.haploid).then_some(d.hap2), Some(d.score)))
            .collect();
        (data, pairs)
    };
    out.positions_assessed = data.positions.len();
    out.positions_not_assessed = data.missing.iter().map(|l| position(l, geno)).collect();
    out.phased = (!data.positions.is_empty()).then_some(data.phased);
    if data.positions.is_empty() {
        out.not_called_reason = Some(no_position_reason(def, geno));
    } else if data.sequences.is_empty() {
        out.not_called_reason = Some(format!(
            "more than {} independently phased heterozygous positions; phase the VCF first",
            super::matcher::MAX_PHASE_BLOCKS
        ));
    } else if pairs.is_empty() {
        out.not_called_reason = Some(no_match_reason(&out));
        infer_from_key_variant(&mut out, def, geno, table);
    } else {
        out.called = true;
        out.ambiguous = pairs.len() > 1;
        for (a, b, score) in pairs {
            out.diplotypes
                .push(translate(&a, b.as_deref(), score, table));
        }
        summarize(&mut out);
    }
    out
}

/// A gene result with its position-level facts: VCF warnings, undocumented variants, assumed and
/// extra positions.
fn positions_report(def: &GeneDefinition, geno: &SampleGenotypes) -> GeneResult {
    let mut out = GeneResult::empty(&def.gene, CallSource::Matcher);
    out.definition_version = def.version.clone();
    for l in def.loci.iter().chain(&def.extra_positions) {
        if let Some(w) = geno.warnings.get(&l.key()) {
            out.warnings
                .extend(w.iter().map(|m| format!("{}: {m}", l.label())));
        }
    }
    let at = |keep: &dyn Fn(&Locus) -> bool| -> Vec<Position> {
        def.loci
            .iter()
            .filter(|l| keep(l))
            .map(|l| position(l, geno))
            .collect()
    };
    out.undocumented_variants = at(&|l| {
        geno.alleles
            .get(&l.key())
            .is_some_and(|s| !s.undocumented.is_empty())
    });
    out.positions_assumed_reference = at(&|l| geno.assumed_reference.contains(&l.key()));
    out.extra_positions = def
        .extra_positions
        .iter()
        .map(|l| position(l, geno))
        .collect();
    out
}

/// DPYD's call as diplotype candidates; an unphased allele list goes to `out.haplotypes` and its
/// two lowest-function alleles make the diplotype.
fn dpyd_pairs(
    def: &GeneDefinition,
    geno: &SampleGenotypes,
    table: Option<&GenePhenotypes>,
    out: &mut GeneResult,
) -> (MatchData, Pairs) {
    let (data, call) = dpyd::call(def, geno, &mut out.warnings);
    let pairs = match call {
        DpydCall::Diplotype(a, b) => vec![(a, Some(b), None)],
        DpydCall::Haplotypes(list) => {
            let (a, b) = lowest_function_pair(&list, table, &def.reference().name);
            out.haplotypes = list;
            vec![(a, Some(b), None)]
        }
        DpydCall::None => Vec::new(),
    };
    (data, pairs)
}

fn no_match_reason(out: &GeneResult) -> String {
    let mut reason = "no combination of defined alleles explains the genotypes".to_string();
    if !out.undocumented_variants.is_empty() {
        let at: Vec<&str> = out
            .undocumented_variants
            .iter()
            .map(|p| p.position.as_str())
            .collect();
        reason.push_str(&format!(" (undocumented variant at {})", at.join(", ")));
    }
    reason
}

/// Genes whose phenotype, when the gene is not called, is still read from one decisive variant.
const KEY_VARIANTS: [(&str, &str); 1] = [("SLCO1B1", "rs4149056")];

/// The diplotype implied by one variant: each base maps to the named allele defined by that base
/// alone (the reference allele for the reference base); shown as `rs4149056T/rs4149056C`.
fn key_variant_call(
    def: &GeneDefinition,
    geno: &SampleGenotypes,
    rsid: &str,
) -> Option<(String, String, String)> {
    let i = def
        .loci
        .iter()
        .position(|l| l.rsid.as_deref() == Some(rsid))?;
    let locus = &def.loci[i];
    let sa = geno.alleles.get(&locus.key())?;
    let allele_for = |base: &str| -> Option<String> {
        if base == locus.r#ref {
            return Some(def.reference().name.clone());
        }
        def.alleles
            .iter()
            .find(|a| {
                !a.reference
                    && a.alleles[i].as_deref() == Some(base)
                    && a.alleles.iter().filter(|c| c.is_some()).count() == 1
            })
            .map(|a| a.name.clone())
    };
    let a2 = sa.allele2.as_deref()?;
    let shown = format!("{rsid}{}/{rsid}{a2}", sa.allele1);
    Some((shown, allele_for(&sa.allele1)?, allele_for(a2)?))
}

/// For an uncalled gene with a decisive variant, the diplotype and phenotype that variant implies.
fn infer_from_key_variant(
    out: &mut GeneResult,
    def: &GeneDefinition,
    geno: &SampleGenotypes,
    table: Option<&GenePhenotypes>,
) {
    let Some(rsid) = KEY_VARIANTS
        .iter()
        .find(|(g, _)| *g == def.gene)
        .map(|(_, r)| *r)
    else {
        return;
    };
    let Some((shown, a, b)) = key_variant_call(def, geno, rsid) else {
        return;
    };
    let mut d = translate(&a, Some(&b), None, table);
    d.name = shown;
    out.diplotypes.push(d);
    out.inferred_from = Some(rsid.to_string());
    if let Some(r) = out.not_called_reason.as_mut() {
        r.push_str(&format!("; phenotype inferred from {rsid} alone"));
    }
    out.warnings.push(format!(
        "{} not called; phenotype inferred from {rsid} alone (PharmCAT's rule)",
        def.gene
    ));
    summarize(out);
}

/// Fills the gene-level phenotype, activity-score and lookup-key lists from its diplotypes.
pub fn summarize(out: &mut GeneResult) {
    for d in &out.diplotypes {
        let push = |v: &mut Vec<String>, x: &Option<String>| {
            if let Some(x) = x {
                if !v.contains(x) {
                    v.push(x.clone());
                }
            }
        };
        push(&mut out.phenotypes, &d.phenotype);
        push(&mut out.activity_scores, &d.activity_score);
        push(&mut out.lookup_keys, &d.lookup_key);
    }
}

/// A diplotype with its alleles' functions and the table's phenotype.
pub fn translate(
    a: &str,
    b: Option<&str>,
    score: Option<usize>,
    table: Option<&GenePhenotypes>,
) -> DiplotypeResult {
    let allele = |n: &str| AlleleResult {
        name: n.to_string(),
        function: table.and_then(|t| t.function(n)).map(str::to_string),
        activity_value: table.and_then(|t| t.activity_value(n)).map(str::to_string),
    };
    let t = table
        .map(|t| t.translate(&lookup_name(a, t), b.map(|b| lookup_name(b, t)).as_deref()))
        .unwrap_or_default();
    DiplotypeResult {
        name: match b {
            Some(b) => format!("{a}/{b}"),
            None => a.to_string(),
        },
        allele1: allele(a),
        allele2: b.map(allele),
        score,
        phenotype: t.phenotype,
        lookup_key: t.lookup_key.or(t.activity_score.clone()),
        activity_score: t.activity_score,
    }
}

/// The allele a `[A + B]` combination is looked up as: its lowest-activity component (DPYD's
/// least-function rule); a plain name is itself.
fn lookup_name(name: &str, table: &GenePhenotypes) -> String {
    let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) else {
        return name.to_string();
    };
    let value = |n: &str| {
        table
            .activity_value(n)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::MAX)
    };
    inner
        .split(" + ")
        .min_by(|a, b| value(a).total_cmp(&value(b)))
        .unwrap_or(name)
        .to_string()
}

/// The two lowest-activity alleles of a DPYD-style list (the reference fills in a single allele).
fn lowest_function_pair(
    list: &[String],
    table: Option<&GenePhenotypes>,
    reference: &str,
) -> (String, String) {
    let value = |n: &String| {
        table
            .and_then(|t| t.activity_value(n))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::MAX)
    };
    let mut sorted: Vec<&String> = list.iter().collect();
    sorted.sort_by(|a, b| value(a).total_cmp(&value(b)));
    let a = sorted[0].clone();
    let b = sorted
        .get(1)
        .map(|s| (*s).clone())
        .unwrap_or_else(|| reference.to_string());
    ordered(a, b)
}
