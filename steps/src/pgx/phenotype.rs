//! Diplotype -> phenotype (and activity score), from CPIC gene phenotype files (`phenotype/cpic/<GENE>.json`).
//!
//! A gene file maps each named allele to its function (`haplotypes`) and activity value
//! (`activityValues`), and lists every diplotype (`diplotypes`, keyed by allele counts in
//! `diplotypekey`) with its phenotype, activity score and the `lookupkey` that guideline
//! recommendations are indexed by. A diplotype absent from a present table gets phenotype `n/a`
//! (PharmCAT's convention); a gene with no table gets none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Result, StepError};

#[derive(Debug, Clone, Deserialize)]
pub struct DiplotypeRow {
    #[serde(default)]
    pub diplotype: Option<String>,
    #[serde(default)]
    pub generesult: Option<String>,
    #[serde(default)]
    pub lookupkey: Option<String>,
    #[serde(default, rename = "activityScore")]
    pub activity_score: Option<String>,
    #[serde(default)]
    pub diplotypekey: BTreeMap<String, u32>,
}

/// An allele's function and activity value, as the gene file lists them.
#[derive(Debug, Clone, Deserialize)]
pub struct AlleleFunction {
    pub name: String,
    #[serde(default, rename = "functionValue")]
    pub function_value: Option<String>,
    #[serde(default, rename = "activityValue")]
    pub activity_value: Option<String>,
}

/// One gene's phenotype table.
#[derive(Debug, Clone, Deserialize)]
pub struct GenePhenotypes {
    pub gene: String,
    #[serde(default)]
    pub haplotypes: BTreeMap<String, String>,
    #[serde(default, rename = "activityValues")]
    pub activity_values: BTreeMap<String, String>,
    #[serde(default)]
    pub diplotypes: Vec<DiplotypeRow>,
    #[serde(default, rename = "namedAlleles")]
    pub named_alleles: Vec<AlleleFunction>,
    #[serde(default)]
    pub version: Option<String>,
}

/// What a diplotype translates to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Translation {
    pub phenotype: Option<String>,
    pub activity_score: Option<String>,
    pub lookup_key: Option<String>,
}

impl GenePhenotypes {
    fn named(&self, allele: &str) -> Option<&AlleleFunction> {
        self.named_alleles.iter().find(|a| a.name == allele)
    }

    /// `Normal function`, `No function`, ... (for activity-score genes `haplotypes` holds the
    /// activity value, so the named-allele entry is preferred).
    pub fn function(&self, allele: &str) -> Option<&str> {
        self.named(allele)
            .and_then(|a| a.function_value.as_deref())
            .or_else(|| self.haplotypes.get(allele).map(String::as_str))
    }

    pub fn activity_value(&self, allele: &str) -> Option<&str> {
        self.activity_values
            .get(allele)
            .map(String::as_str)
            .or_else(|| self.named(allele).and_then(|a| a.activity_value.as_deref()))
    }

    /// The table row for a pair of alleles (a haploid call passes `None` as the second).
    pub fn translate(&self, a1: &str, a2: Option<&str>) -> Translation {
        let mut key: BTreeMap<String, u32> = BTreeMap::new();
        *key.entry(a1.to_string()).or_default() += 1;
        if let Some(a2) = a2 {
            *key.entry(a2.to_string()).or_default() += 1;
        }
        match self.diplotypes.iter().find(|r| r.diplotypekey == key) {
            Some(r) => Translation {
                phenotype: r.generesult.clone(),
                activity_score: r.activity_score.clone(),
                lookup_key: r.lookupkey.clone().or_else(|| r.generesult.clone()),
            },
            None => Translation {
                phenotype: Some("n/a".into()),
                activity_score: None,
                lookup_key: None,
            },
        }
    }
}

/// All phenotype tables found, by gene symbol (`MT-RNR1` for `MT_RNR1.json`).
#[derive(Debug, Clone, Default)]
pub struct Phenotypes {
    pub genes: BTreeMap<String, GenePhenotypes>,
}

fn phenotype_dir(root: &Path) -> Option<PathBuf> {
    ["phenotype/cpic", "phenotype", "phenotypes"]
        .iter()
        .map(|s| root.join(s))
        .find(|p| p.is_dir())
}

impl Phenotypes {
    /// Loads every gene file under `<root>/phenotype/cpic` (or `phenotype/`); none is fine.
    pub fn load(root: &Path) -> Result<Self> {
        let Some(dir) = phenotype_dir(root) else {
            return Ok(Self::default());
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| StepError::io("read phenotype directory", &dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut genes = BTreeMap::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| StepError::io("read", &f, e))?;
            let table: GenePhenotypes = serde_json::from_str(&text).map_err(|e| {
                StepError::input(format!(
                    "{}: not a CPIC gene phenotype file: {e}",
                    f.display()
                ))
            })?;
            genes.insert(table.gene.clone(), table);
        }
        Ok(Self { genes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> GenePhenotypes {
        serde_json::from_str(
            r#"{"gene":"G","haplotypes":{"*1":"1.0","*2":"0.0"},
                "namedAlleles":[{"name":"*1","functionValue":"Normal function","activityValue":"1.0"},
                  {"name":"*2","functionValue":"No function","activityValue":"0.0"}],
                "activityValues":{"*1":"1.0","*2":"0.0"},
                "diplotypes":[{"generesult":"Intermediate Metabolizer","lookupkey":"1.0",
                  "activityScore":"1.0","diplotypekey":{"*1":1,"*2":1}}]}"#,
        )
        .expect("valid")
    }

    #[test]
    fn translates_either_order_and_marks_unknown_pairs() {
        let t = table();
        let hit = t.translate("*2", Some("*1"));
        assert_eq!(hit.phenotype.as_deref(), Some("Intermediate Metabolizer"));
        assert_eq!(
            (hit.activity_score.as_deref(), hit.lookup_key.as_deref()),
            (Some("1.0"), Some("1.0"))
        );
        assert_eq!(
            t.translate("*2", Some("*2")).phenotype.as_deref(),
            Some("n/a")
        );
        assert_eq!(t.function("*2"), Some("No function"));
    }
}
