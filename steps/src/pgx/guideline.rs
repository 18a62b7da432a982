//! Drug recommendations from CPIC guideline annotations (`guidelines_cpic/CPIC_*.json`, PharmGKB's format).
//!
//! Each recommendation is indexed by a `lookupKey` (gene -> phenotype, activity score or, for HLA
//! genes, `*57:01 positive`). A recommendation applies when every gene in its key is called and one
//! of that gene's lookup values equals the key's value. Each applicable recommendation is reported
//! with its drugs, classification (strength), population, text, implications and citations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StepError};

#[derive(Debug, Clone, Deserialize)]
struct Named {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    symbol: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct GuidelineMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default, rename = "relatedGenes")]
    related_genes: Vec<Named>,
}

#[derive(Debug, Clone, Deserialize)]
struct Term {
    #[serde(default)]
    term: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Text {
    #[serde(default)]
    html: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RecommendationRaw {
    #[serde(default)]
    population: Option<String>,
    #[serde(default)]
    classification: Option<Term>,
    #[serde(default, rename = "relatedChemicals")]
    related_chemicals: Vec<Named>,
    #[serde(default)]
    text: Option<Text>,
    #[serde(default)]
    implications: Vec<String>,
    #[serde(default, rename = "lookupKey")]
    lookup_key: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Citation {
    #[serde(default)]
    pub pmid: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub journal: Option<String>,
    #[serde(default)]
    pub year: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct GuidelineFile {
    guideline: GuidelineMeta,
    #[serde(default)]
    recommendations: Vec<RecommendationRaw>,
    #[serde(default)]
    citations: Vec<Citation>,
}

/// One recommendation that applies to the sample.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recommendation {
    pub drugs: Vec<String>,
    /// Gene -> the lookup value that selected this recommendation.
    pub genes: BTreeMap<String, String>,
    pub source: String,
    pub guideline: String,
    pub url: Option<String>,
    pub classification: Option<String>,
    pub population: Option<String>,
    pub recommendation: String,
    pub implications: Vec<String>,
    pub citations: Vec<String>,
}

/// A guideline none of whose recommendations could be applied: a gene it needs was not called,
/// or was called without a phenotype (no phenotype table for it, or a diplotype the table lacks).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unavailable {
    pub drugs: Vec<String>,
    pub guideline: String,
    pub genes_not_called: Vec<String>,
    pub genes_without_phenotype: Vec<String>,
}

/// All guideline files found.
#[derive(Debug, Clone, Default)]
pub struct Guidelines {
    files: Vec<GuidelineFile>,
}

fn guideline_dir(root: &Path) -> Option<PathBuf> {
    ["guidelines_cpic", "guidelines"]
        .iter()
        .map(|s| root.join(s))
        .find(|p| p.is_dir())
}

impl Guidelines {
    /// Loads `<root>/guidelines_cpic/*.json` (or `guidelines/`); none is fine.
    pub fn load(root: &Path) -> Result<Self> {
        let Some(dir) = guideline_dir(root) else {
            return Ok(Self::default());
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| StepError::io("read guideline directory", &dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut files = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|e| StepError::io("read", &p, e))?;
            let file: GuidelineFile = serde_json::from_str(&text).map_err(|e| {
                StepError::input(format!(
                    "{}: not a guideline annotation file: {e}",
                    p.display()
                ))
            })?;
            files.push(file);
        }
        Ok(Self { files })
    }

    /// Every gene any guideline depends on.
    pub fn genes(&self) -> BTreeSet<String> {
        self.files
            .iter()
            .flat_map(|f| {
                f.guideline
                    .related_genes
                    .iter()
                    .filter_map(|g| g.symbol.clone())
            })
            .collect()
    }

    /// Lookup values (e.g. `*57:01`) a gene's recommendations test for `<allele> positive|negative`.
    pub fn presence_alleles(&self, gene: &str) -> BTreeSet<String> {
        self.files
            .iter()
            .flat_map(|f| &f.recommendations)
            .filter_map(|r| r.lookup_key.get(gene))
            .filter_map(|v| {
                v.strip_suffix(" positive")
                    .or_else(|| v.strip_suffix(" negative"))
            })
            .map(str::to_string)
            .collect()
    }

    /// Guidelines none of whose recommendations applies because a gene they need has no lookup
    /// value: absent from `keys` (not called) or present with none (called, but no phenotype).
    pub fn unavailable(&self, keys: &BTreeMap<String, BTreeSet<String>>) -> Vec<Unavailable> {
        let mut out = Vec::new();
        for f in self.files.iter().filter(|f| !f.recommendations.is_empty()) {
            if f.recommendations.iter().any(|r| applies(r, keys)) {
                continue;
            }
            let genes: Vec<String> = f
                .guideline
                .related_genes
                .iter()
                .filter_map(|g| g.symbol.clone())
                .collect();
            let not_called: Vec<String> = genes
                .iter()
                .filter(|g| !keys.contains_key(*g))
                .cloned()
                .collect();
            let without_phenotype: Vec<String> = genes
                .iter()
                .filter(|g| keys.get(*g).is_some_and(BTreeSet::is_empty))
                .cloned()
                .collect();
            if not_called.is_empty() && without_phenotype.is_empty() {
                continue;
            }
            let mut drugs: Vec<String> = f
                .recommendations
                .iter()
                .flat_map(|r| r.related_chemicals.iter().filter_map(|c| c.name.clone()))
                .collect();
            drugs.sort();
            drugs.dedup();
            out.push(Unavailable {
                drugs,
                guideline: f.guideline.name.clone().unwrap_or_default(),
                genes_not_called: not_called,
                genes_without_phenotype: without_phenotype,
            });
        }
        out
    }

    /// Recommendations whose lookup key is satisfied by `keys` (gene -> the sample's lookup values).
    pub fn recommend(&self, keys: &BTreeMap<String, BTreeSet<String>>) -> Vec<Recommendation> {
        let mut out = Vec::new();
        for f in &self.files {
            for r in &f.recommendations {
                if !applies(r, keys) {
                    continue;
                }
                out.push(Recommendation {
                    drugs: r
                        .related_chemicals
                        .iter()
                        .filter_map(|c| c.name.clone())
                        .collect(),
                    genes: r.lookup_key.clone(),
                    source: f.guideline.source.clone().unwrap_or_else(|| "CPIC".into()),
                    guideline: f.guideline.name.clone().unwrap_or_default(),
                    url: f.guideline.url.clone(),
                    classification: r.classification.as_ref().and_then(|c| c.term.clone()),
                    population: r.population.clone(),
                    recommendation: strip_html(
                        r.text
                            .as_ref()
                            .and_then(|t| t.html.as_deref())
                            .unwrap_or(""),
                    ),
                    implications: r.implications.clone(),
                    citations: f.citations.iter().map(cite).collect(),
                });
            }
        }
        out
    }
}

/// CPIC's lookup value for a gene without a result (not called, or no phenotype).
pub const NO_RESULT: &str = "No Result";

/// A recommendation applies when, for every gene of its key, the sample has that lookup value, or
/// the key says `No Result` and the gene was not called (CPIC's multi-gene guidelines, e.g.
/// carbamazepine with HLA-B called and HLA-A not); at least one gene must have a real value. A
/// gene called without a phenotype matches nothing: its result exists but cannot be looked up.
fn applies(r: &RecommendationRaw, keys: &BTreeMap<String, BTreeSet<String>>) -> bool {
    !r.lookup_key.is_empty()
        && r.lookup_key
            .iter()
            .any(|(g, v)| keys.get(g).is_some_and(|s| s.contains(v)))
        && r.lookup_key.iter().all(|(g, v)| match keys.get(g) {
            Some(s) => s.contains(v),
            None => v == NO_RESULT,
        })
}

fn cite(c: &Citation) -> String {
    let year = match &c.year {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let mut s = format!(
        "{} {} ({year})",
        c.title.as_deref().unwrap_or("").trim(),
        c.journal.as_deref().unwrap_or("").trim()
    );
    if let Some(p) = &c.pmid {
        s.push_str(&format!(" PMID:{p}"));
    }
    s
}

/// Recommendation text without markup: tags dropped, block ends become line breaks.
pub fn strip_html(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let t = tag
                    .trim_start_matches('/')
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                if matches!(t, "p" | "br" | "li" | "h4" | "h3" | "tr") && !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_markup() {
        assert_eq!(
            strip_html("<p>Use <b>standard</b> dose</p><h4>Other</h4><p>x &amp; y</p>"),
            "Use standard dose\nOther\nx & y"
        );
    }

    #[test]
    fn matches_every_gene_of_the_key() {
        let file: GuidelineFile = serde_json::from_str(
            r#"{"guideline":{"name":"G","source":"CPIC","relatedGenes":[{"symbol":"A"},{"symbol":"B"}]},
                "recommendations":[{"lookupKey":{"A":"1.0","B":"Poor Metabolizer"},
                  "relatedChemicals":[{"name":"drug"}],"classification":{"term":"Strong"},
                  "text":{"html":"<p>avoid</p>"}}],
                "citations":[{"pmid":"1","title":"T","journal":"J","year":2020}]}"#,
        )
        .expect("valid");
        let g = Guidelines { files: vec![file] };
        let mut keys = BTreeMap::new();
        keys.insert("A".to_string(), BTreeSet::from(["1.0".to_string()]));
        assert!(g.recommend(&keys).is_empty());
        keys.insert(
            "B".to_string(),
            BTreeSet::from(["Poor Metabolizer".to_string()]),
        );
        let recs = g.recommend(&keys);
        assert_eq!(recs.len(), 1);
        assert!(g.unavailable(&keys).is_empty());
        assert_eq!(
            (
                recs[0].recommendation.as_str(),
                recs[0].citations[0].as_str()
            ),
            ("avoid", "T J (2020) PMID:1")
        );
    }

    #[test]
    fn no_result_stands_for_a_gene_without_a_value() {
        let file: GuidelineFile = serde_json::from_str(
            r#"{"guideline":{"name":"G","relatedGenes":[{"symbol":"HLA-A"},{"symbol":"HLA-B"}]},
                "recommendations":[
                  {"lookupKey":{"HLA-A":"No Result","HLA-B":"*15:02 positive"},"text":{"html":"avoid"}},
                  {"lookupKey":{"HLA-A":"No Result","HLA-B":"No Result"},"text":{"html":"none"}}]}"#,
        )
        .expect("valid");
        let g = Guidelines { files: vec![file] };
        let mut keys = BTreeMap::new();
        let unavailable = g.unavailable(&keys);
        assert_eq!(unavailable[0].genes_not_called, ["HLA-A", "HLA-B"]);
        keys.insert("HLA-B".to_string(), BTreeSet::new());
        assert!(g.recommend(&keys).is_empty());
        assert_eq!(g.unavailable(&keys)[0].genes_without_phenotype, ["HLA-B"]);
        keys.insert(
            "HLA-B".to_string(),
            BTreeSet::from(["*15:02 positive".to_string()]),
        );
        let recs = g.recommend(&keys);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].recommendation, "avoid");
        assert!(g.unavailable(&keys).is_empty());
    }
}
