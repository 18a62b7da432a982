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
    /// Loads a data directory; pointed at its `definition/alleles` (PharmCAT's layout), the
    /// phenotype and guideline files are looked for in the directory above.
    pub fn load(dir: &std::path::Path) -> crate::Result<Self> {
        let root = match dir.parent().and_then(std::path::Path::parent) {
            Some(up) if dir.ends_with("definition/alleles") => up,
            _ => dir,
        };
        Ok(Self {
            definitions: Definitions::load(dir)?,
            phenotypes: Phenotypes::load(root)?,
            guidelines: Guidelines::load(root)?,
        })
    }
}

pub fn assemble(
    k: &Knowledge,
    geno: &SampleGenotypes,
    outside: &[OutsideCall],
    vcf_name: &str,
) -> PgxResult {
    let mut genes = vcf_calls(k, geno);
    merge_outside(k, outside, &mut genes);
    for g in k.guidelines.genes() {
        genes.entry(g.clone()).or_insert_with(|| {
            let reason = format!("no allele definitions for {g}; supply it as an outside call");
            uncalled(&g, reason)
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
    PgxResult {
        schema: SCHEMA,
        sample: geno.sample.clone(),
        vcf: vcf_name.to_string(),
        recommendations: k.guidelines.recommend(&keys),
        recommendations_unavailable: k.guidelines.unavailable(&keys),
        warnings: warnings(geno, &genes),
        genes: genes.into_values().collect(),
        not_called,
    }
}

fn uncalled(gene: &str, reason: String) -> GeneResult {
    let mut r = GeneResult::empty(gene, CallSource::None);
    r.not_called_reason = Some(reason);
    r
}

/// Every defined gene called from the VCF (CYP2D6 and its like left to outside calls).
fn vcf_calls(k: &Knowledge, geno: &SampleGenotypes) -> BTreeMap<String, GeneResult> {
    let mut genes = BTreeMap::new();
    for (name, def) in &k.definitions.genes {
        let result = if NOT_FROM_VCF.contains(&name.as_str()) {
            let reason = format!(
                "{name} is not called from VCF (structural and hybrid alleles need read data); \
                 supply it as an outside call"
            );
            uncalled(name, reason)
        } else {
            call_gene(def, geno, k.phenotypes.genes.get(name))
        };
        genes.insert(name.clone(), result);
    }
    genes
}

/// Outside calls replace VCF calls for their genes (with a warning when one existed).
fn merge_outside(k: &Knowledge, outside: &[OutsideCall], genes: &mut BTreeMap<String, GeneResult>) {
    for call in outside {
        let mut r = outside_result(call, k.phenotypes.genes.get(&call.gene), &k.guidelines);
        if let Some(prev) = genes.get(&call.gene) {
            if prev.called {
                let names: Vec<&str> = prev.diplotypes.iter().map(|d| d.name.as_str()).collect();
                r.warnings.push(format!(
                    "outside call replaces the VCF call ({})",
                    names.join(" or ")
                ));
            }
            r.definition_version = prev.definition_version.clone();
        }
        genes.insert(call.gene.clone(), r);
    }
}

/// Sample-level warnings: the VCF's own, and which genes are ambiguous.
fn warnings(geno: &SampleGenotypes, genes: &BTreeMap<String, GeneResult>) -> Vec<String> {
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
    warnings
}

fn outside_result(
    call: &OutsideCall,
    table: Option<&GenePhenotypes>,
    guidelines: &Guidelines,
) -> GeneResult {
    let mut r = GeneResult::empty(&call.gene, CallSource::Outside);
    r.called = true;
    if call.diplotype.is_empty() {
        r.phenotypes.extend(call.phenotype.clone());
        r.activity_scores.extend(call.activity_score.clone());
        r.lookup_keys
            .extend(call.activity_score.clone().or(call.phenotype.clone()));
        return r;
    }
    // `CYP2D6*1/CYP2D6*4` and `*1/*4` name the same diplotype
    let alleles: Vec<&str> = call
        .diplotype
        .splitn(2, '/')
        .map(|a| {
            a.strip_prefix(call.gene.as_str())
                .filter(|x| x.starts_with('*'))
                .unwrap_or(a)
        })
        .collect();
    let mut d = translate(alleles[0], alleles.get(1).copied(), None, table);
    if call.phenotype.is_some() || call.activity_score.is_some() {
        d.phenotype = call.phenotype.clone().or(d.phenotype);
        d.activity_score = call.activity_score.clone().or(d.activity_score);
        d.lookup_key = call.activity_score.clone().or(call.phenotype.clone());
    }
    let presence = guidelines.presence_alleles(&call.gene);
    if table.is_none() && call.phenotype.is_none() && !presence.is_empty() {
        let calls = presence_phenotypes(&presence, &alleles);
        d.phenotype = Some(calls.join(";"));
        d.lookup_key = None;
        r.phenotypes.clone_from(&calls);
        r.lookup_keys = calls;
    }
    r.diplotypes.push(d);
    if r.phenotypes.is_empty() {
        summarize(&mut r);
    } else {
        r.activity_scores
            .extend(r.diplotypes.iter().filter_map(|d| d.activity_score.clone()));
    }
    r
}

/// HLA-style phenotypes: `*57:01 positive` or `negative` for every allele a guideline tests.
fn presence_phenotypes(tested: &BTreeSet<String>, carried: &[&str]) -> Vec<String> {
    tested
        .iter()
        .map(|a| {
            let verdict = if carried.contains(&a.as_str()) {
                "positive"
            } else {
                "negative"
            };
            format!("{a} {verdict}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outside(diplotype: &str, phenotype: Option<&str>) -> OutsideCall {
        OutsideCall {
            gene: "CYP2D6".into(),
            diplotype: diplotype.into(),
            phenotype: phenotype.map(str::to_string),
            activity_score: None,
        }
    }

    #[test]
    fn outside_call_names_with_gene_prefix_are_plain_star_alleles() {
        let r = outside_result(
            &outside("CYP2D6*1/CYP2D6*4", None),
            None,
            &Guidelines::default(),
        );
        assert_eq!(r.diplotypes[0].name, "*1/*4");
        assert_eq!(r.call_source, CallSource::Outside);
        let r = outside_result(
            &outside("*1/*4", Some("Intermediate Metabolizer")),
            None,
            &Guidelines::default(),
        );
        assert_eq!(r.phenotypes, ["Intermediate Metabolizer"]);
        assert_eq!(r.lookup_keys, ["Intermediate Metabolizer"]);
    }

    #[test]
    fn presence_is_positive_only_for_carried_alleles() {
        let tested = BTreeSet::from(["*15:02".to_string(), "*57:01".to_string()]);
        assert_eq!(
            presence_phenotypes(&tested, &["*57:01", "*44:03"]),
            ["*15:02 negative", "*57:01 positive"]
        );
    }
}
