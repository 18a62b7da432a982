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

/// Calls one gene from VCF genotypes.
pub fn call_gene(
    def: &GeneDefinition,
    geno: &SampleGenotypes,
    table: Option<&GenePhenotypes>,
) -> GeneResult {
    let mut out = GeneResult::empty(&def.gene, CallSource::Matcher);
    out.definition_version = def.version.clone();
    for l in def.loci.iter().chain(&def.extra_positions) {
        if let Some(w) = geno.warnings.get(&l.key()) {
            out.warnings
                .extend(w.iter().map(|m| format!("{}: {m}", l.label())));
        }
    }
    out.undocumented_variants = def
        .loci
        .iter()
        .filter(|l| {
            geno.alleles
                .get(&l.key())
                .is_some_and(|s| !s.undocumented.is_empty())
        })
        .map(|l| position(l, geno))
        .collect();
    out.positions_assumed_reference = def
        .loci
        .iter()
        .filter(|l| geno.assumed_reference.contains(&l.key()))
        .map(|l| position(l, geno))
        .collect();
    out.extra_positions = def
        .extra_positions
        .iter()
        .map(|l| position(l, geno))
        .collect();
    let (data, pairs, haplotypes) = if def.gene == "DPYD" {
        let (data, call) = dpyd::call(def, geno, &mut out.warnings);
        match call {
            DpydCall::Diplotype(a, b) => (data, vec![(a, Some(b), None)], Vec::new()),
            DpydCall::Haplotypes(list) => {
                let pair = lowest_function_pair(&list, table, &def.reference().name);
                (data, vec![(pair.0, Some(pair.1), None)], list)
            }
            DpydCall::None => (data, Vec::new(), Vec::new()),
        }
    } else {
        let data = MatchData::new(
            def,
            geno,
            Options {
                assume_reference: true,
                ..Options::default()
            },
        );
        let found = data.diplotypes(!def.all_hits);
        let pairs = found
            .into_iter()
            .map(|d: Diplotype| (d.hap1, (!d.haploid).then_some(d.hap2), Some(d.score)))
            .collect();
        (data, pairs, Vec::new())
    };
    out.positions_assessed = data.positions.len();
    out.positions_not_assessed = data.missing.iter().map(|l| position(l, geno)).collect();
    out.phased = (!data.positions.is_empty()).then_some(data.phased);
    out.haplotypes = haplotypes;
    if data.positions.is_empty() {
        out.not_called_reason = Some(format!(
            "none of the {} definition positions has a usable genotype in the VCF (a variant-only \
             VCF must also list hom-ref PGx positions, or use --missing-to-ref)",
            def.loci.len()
        ));
        return out;
    }
    if pairs.is_empty() {
        let mut reason = "no combination of defined alleles explains the genotypes".to_string();
        if !out.undocumented_variants.is_empty() {
            let at: Vec<&str> = out
                .undocumented_variants
                .iter()
                .map(|p| p.position.as_str())
                .collect();
            reason.push_str(&format!(" (undocumented variant at {})", at.join(", ")));
        }
        out.not_called_reason = Some(reason);
        infer_from_key_variant(&mut out, def, geno, table);
        return out;
    }
    out.called = true;
    out.ambiguous = pairs.len() > 1;
    for (a, b, score) in pairs {
        out.diplotypes
            .push(translate(&a, b.as_deref(), score, table));
    }
    summarize(&mut out);
    out
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
