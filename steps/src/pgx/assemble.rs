//! Builds the per-sample result: every defined gene called (or not, with the reason), outside calls
//! merged in, guideline genes without any data listed as not called, recommendations attached.

use std::collections::{BTreeMap, BTreeSet};

use super::call::{call_gene, summarize, translate};
use super::definition::Definitions;
use super::guideline::Guidelines;
use super::output::{CallSource, GeneResult, NotCalled, PgxResult, SCHEMA};
use super::outside::OutsideCall;
use super::phenotype::{GenePhenotypes, Phenotypes};
use super::vcf::SampleGenotypes;

/// Genes whose definitions exist but are not called from a VCF (structural and hybrid alleles
/// need read-level data): they come from outside calls.
pub const NOT_FROM_VCF: [&str; 1] = ["CYP2D6"];

/// Everything the result is built from, loaded once from a definitions directory.
pub struct Knowledge {
    pub definitions: Definitions,
    pub phenotypes: Phenotypes,
    pub guidelines: Guidelines,
}

impl Knowledge {
    pub fn load(dir: &std::path::Path) -> crate::Result<Self> {
        Ok(Self {
            definitions: Definitions::load(dir)?,
            phenotypes: Phenotypes::load(dir)?,
            guidelines: Guidelines::load(dir)?,
        })
    }
}

pub fn assemble(
    k: &Knowledge,
    geno: &SampleGenotypes,
    outside: &[OutsideCall],
    vcf_name: &str,
) -> PgxResult {
    let mut genes: BTreeMap<String, GeneResult> = BTreeMap::new();
    for (name, def) in &k.definitions.genes {
        let table = k.phenotypes.genes.get(name);
        let result = if NOT_FROM_VCF.contains(&name.as_str()) {
            let mut r = GeneResult::empty(name, CallSource::None);
            r.not_called_reason = Some(format!(
                "{name} is not called from VCF (structural and hybrid alleles need read data); \
                 supply it as an outside call"
            ));
            r
        } else {
            call_gene(def, geno, table)
        };
        genes.insert(name.clone(), result);
    }
    for call in outside {
        let mut r = outside_result(call, k.phenotypes.genes.get(&call.gene), &k.guidelines);
        if let Some(prev) = genes.get(&call.gene) {
            if prev.called {
                r.warnings.push(format!(
                    "outside call replaces the VCF call ({})",
                    prev.diplotypes
                        .iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ));
            }
            r.definition_version = prev.definition_version.clone();
        }
        genes.insert(call.gene.clone(), r);
    }
    for g in k.guidelines.genes() {
        genes.entry(g.clone()).or_insert_with(|| {
            let mut r = GeneResult::empty(&g, CallSource::None);
            r.not_called_reason = Some(format!(
                "no allele definitions for {g}; supply it as an outside call"
            ));
            r
        });
    }
    let not_called = genes
        .values()
        .filter(|g| !g.called)
        .map(|g| NotCalled {
            gene: g.gene.clone(),
            reason: g.not_called_reason.clone().unwrap_or_default(),
        })
        .collect();
    let keys: BTreeMap<String, BTreeSet<String>> = genes
        .values()
        .filter(|g| g.called || g.inferred_from.is_some())
        .map(|g| (g.gene.clone(), g.lookup_keys.iter().cloned().collect()))
        .collect();
    let mut warnings: Vec<String> = geno.warnings.get("VCF").cloned().unwrap_or_default();
    let ambiguous: Vec<&str> = genes
        .values()
        .filter(|g| g.ambiguous)
        .map(|g| g.gene.as_str())
        .collect();
    if !ambiguous.is_empty() {
        warnings.push(format!(
            "ambiguous calls (several diplotypes fit equally well, all listed): {}",
            ambiguous.join(", ")
        ));
    }
    PgxResult {
        schema: SCHEMA,
        sample: geno.sample.clone(),
        vcf: vcf_name.to_string(),
        recommendations: k.guidelines.recommend(&keys),
        recommendations_unavailable: k.guidelines.unavailable(&keys),
        genes: genes.into_values().collect(),
        not_called,
        warnings,
    }
}

fn outside_result(
    call: &OutsideCall,
    table: Option<&GenePhenotypes>,
    guidelines: &Guidelines,
) -> GeneResult {
    let mut r = GeneResult::empty(&call.gene, CallSource::Outside);
    r.called = true;
    if !call.diplotype.is_empty() {
        let mut parts = call.diplotype.splitn(2, '/');
        let a = parts.next().unwrap_or_default();
        let mut d = translate(a, parts.next(), None, table);
        if call.phenotype.is_some() {
            d.phenotype = call.phenotype.clone();
        }
        if call.activity_score.is_some() {
            d.activity_score = call.activity_score.clone();
        }
        if call.phenotype.is_some() || call.activity_score.is_some() {
            d.lookup_key = call.activity_score.clone().or(call.phenotype.clone());
        }
        let presence = guidelines.presence_alleles(&call.gene);
        if table.is_none() && !presence.is_empty() {
            let carried: Vec<&str> = call.diplotype.split('/').collect();
            let calls: Vec<String> = presence
                .iter()
                .map(|a| {
                    format!(
                        "{a} {}",
                        if carried.contains(&a.as_str()) {
                            "positive"
                        } else {
                            "negative"
                        }
                    )
                })
                .collect();
            d.phenotype = Some(calls.join(";"));
            d.lookup_key = None;
            r.phenotypes = calls.clone();
            r.lookup_keys = calls;
        }
        r.diplotypes.push(d);
    } else {
        r.phenotypes.extend(call.phenotype.clone());
        r.activity_scores.extend(call.activity_score.clone());
        r.lookup_keys
            .extend(call.activity_score.clone().or(call.phenotype.clone()));
    }
    if r.phenotypes.is_empty() {
        summarize(&mut r);
    } else {
        let scores: Vec<String> = r
            .diplotypes
            .iter()
            .filter_map(|d| d.activity_score.clone())
            .collect();
        r.activity_scores.extend(scores);
    }
    r
}
