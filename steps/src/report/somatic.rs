//! The somatic section of a tumour/normal report: tiered biomarkers with their drugs and evidence,
//! tumour mutational burden and the allele-fraction distribution.
//!
//! Inputs, all from the somatic workflow: the somatic VCF (`call --somatic`; only PASS records are
//! reported, with the tumour allele fraction from its FORMAT/AF), the same calls annotated
//! (`annotate --json`: genes, HGVS, consequences and knowledge matches), the tumour metrics
//! (`call --somatic --metrics`) and the tumour type.
//!
//! # Tiers (AMP/ASCO/CAP 2017, Li et al., J Mol Diagn 19:4)
//! The tier of a somatic variant depends on the tumour it is found in, so it is decided here, where
//! the tumour type is known, from the knowledge matches `annotate` lists:
//! - **Tier I**: a level A or B assertion (FDA-approved therapy or guideline; well-powered studies)
//!   for *this* tumour type;
//! - **Tier II**: a level A or B assertion for another tumour type (which AMP/ASCO/CAP counts as
//!   level C), or a level C or D assertion;
//! - otherwise `annotate`'s own tier: III (protein-altering, unknown significance) or IV (common in
//!   the population, or benign).
//!
//! Whether an assertion is for the patient's tumour type is decided on a tree of tumour types
//! ([`super::tumour`]): evidence for a type applies to it and to its descendants (non-small cell
//! lung cancer evidence to a lung adenocarcinoma, not to a small cell lung cancer). A tumour type
//! outside the tree matches only evidence naming it exactly, and the report says so. Without a
//! tumour type every level A/B match is shown as Tier I with a note that the tier was not
//! adjusted.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use super::inputs;
use super::tumour::Vocabulary;
use crate::{Result, StepError};

/// Somatic inputs of `cairn step report`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SomaticInputs {
    /// Somatic calls (`call --somatic` VCF): PASS records are reported, with their tumour AF.
    #[arg(long)]
    pub somatic_vcf: Option<PathBuf>,
    /// The somatic calls annotated (`annotate --json`).
    #[arg(long)]
    pub somatic_annotated: Option<PathBuf>,
    /// Tumour metrics (`call --somatic --metrics` JSON): TMB and the VAF histogram.
    #[arg(long)]
    pub somatic_metrics: Option<PathBuf>,
    /// Tumour type (e.g. `Melanoma`), for the tumour-type-dependent AMP/ASCO/CAP tiers.
    #[arg(long)]
    pub tumor_type: Option<String>,
}

/// One reported somatic variant.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Biomarker {
    pub gene: Option<String>,
    pub chrom: String,
    pub pos: u64,
    #[serde(rename = "ref")]
    pub reference: String,
    pub alt: String,
    pub hgvs_c: Option<String>,
    pub hgvs_p: Option<String>,
    pub consequence: Option<String>,
    pub tumor_af: Option<f64>,
    pub tier: Option<String>,
    /// Therapies with their evidence, for Tier I and II.
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    pub condition: String,
    pub drugs: Vec<String>,
    /// AMP/ASCO/CAP level as asserted by the source (A-D).
    pub level: String,
    /// Whether the assertion is for this tumour type.
    pub same_tumor_type: Option<bool>,
    pub source: String,
    /// `sensitivity` (the drugs are indicated) or `resistance` (they are predicted not to work).
    pub response: String,
}

/// A record's (chrom, pos, ref, alt).
pub type Key = (String, u64, String, String);

/// PASS records of the somatic VCF: key -> tumour AF (last sample's FORMAT/AF).
pub fn pass_records(path: &Path) -> Result<HashMap<Key, Option<f64>>> {
    let reader = crate::textio::open(path, "somatic VCF")?;
    let mut out = HashMap::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| StepError::io("read", path, e))?;
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 8 {
            return Err(StepError::input(format!(
                "{} line {}: a VCF record needs at least 8 columns",
                path.display(),
                i + 1
            )));
        }
        if f[6] != "PASS" && f[6] != "." {
            continue;
        }
        let pos = f[1].parse().map_err(|_| {
            StepError::input(format!(
                "{} line {}: bad POS `{}`",
                path.display(),
                i + 1,
                f[1]
            ))
        })?;
        let af = format_value(&f, "AF");
        for alt in f[4].split(',') {
            out.insert((f[0].into(), pos, f[3].into(), alt.into()), af);
        }
    }
    Ok(out)
}

/// FORMAT `key` of the last sample (the tumour in a somatic VCF).
fn format_value(f: &[&str], key: &str) -> Option<f64> {
    let keys = f.get(8)?;
    let idx = keys.split(':').position(|k| k == key)?;
    f.last()?.split(':').nth(idx)?.parse().ok()
}

/// The tier of one annotated variant for `tumor_type`, and its evidence.
pub fn tier(
    variant: &Value,
    tumor_type: Option<&str>,
    types: &Vocabulary,
) -> (Option<String>, Vec<Evidence>) {
    let mut evidence: Vec<Evidence> = variant["actionability"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["context"] == "somatic")
        .map(|e| {
            let condition = e["condition"].as_str().unwrap_or_default().to_string();
            Evidence {
                same_tumor_type: tumor_type.map(|t| types.applies(&condition, t)),
                condition,
                drugs: e["drugs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d.as_str().map(String::from))
                    .collect(),
                level: e["evidence"].as_str().unwrap_or_default().to_string(),
                source: e["source"].as_str().unwrap_or_default().to_string(),
                response: e["response"].as_str().unwrap_or("sensitivity").to_string(),
            }
        })
        .collect();
    let strong = |e: &Evidence| e.level == "A" || e.level == "B";
    let tier = if evidence
        .iter()
        .any(|e| strong(e) && e.same_tumor_type != Some(false))
    {
        Some("I".to_string())
    } else if !evidence.is_empty() {
        Some("II".to_string())
    } else {
        variant["amp_tier"].as_str().map(String::from)
    };
    // Evidence for this tumour type first, then by level.
    evidence.sort_by(|a, b| {
        (a.same_tumor_type == Some(false), &a.level)
            .cmp(&(b.same_tumor_type == Some(false), &b.level))
    });
    (tier, evidence)
}

fn biomarker(
    v: &Value,
    af: Option<f64>,
    tumor_type: Option<&str>,
    types: &Vocabulary,
) -> Biomarker {
    let ms = &v["most_severe"];
    let s = |x: &Value| x.as_str().map(String::from);
    let (tier, evidence) = tier(v, tumor_type, types);
    Biomarker {
        gene: s(&ms["gene"]),
        chrom: v["chrom"].as_str().unwrap_or_default().into(),
        pos: v["pos"].as_u64().unwrap_or(0),
        reference: v["ref"].as_str().unwrap_or_default().into(),
        alt: v["alt"].as_str().unwrap_or_default().into(),
        hgvs_c: s(&ms["hgvsc"]),
        hgvs_p: s(&ms["hgvsp"]),
        consequence: ms["consequences"]
            .as_array()
            .and_then(|c| c.first())
            .and_then(|c| c.as_str().map(String::from)),
        tumor_af: af,
        tier,
        evidence,
    }
}

/// The `somatic` section of report.json, or `None` when no somatic input was given.
pub fn section(inp: &SomaticInputs) -> Result<Option<Value>> {
    if inp.somatic_vcf.is_none() && inp.somatic_annotated.is_none() && inp.somatic_metrics.is_none()
    {
        return Ok(None);
    }
    let pass = inp.somatic_vcf.as_deref().map(pass_records).transpose()?;
    let annotated = inputs::read_json(inp.somatic_annotated.as_deref())?;
    let metrics = inputs::read_json(inp.somatic_metrics.as_deref())?.map(|m| m.value);
    let tumor_type = inp.tumor_type.as_deref().filter(|t| !t.trim().is_empty());
    let types = Vocabulary::bundled();
    let known = tumor_type.and_then(|t| types.resolve(t));
    let mut markers: Vec<Biomarker> = Vec::new();
    if let Some(a) = &annotated {
        for v in a.value["variants"].as_array().into_iter().flatten() {
            let key = (
                v["chrom"].as_str().unwrap_or_default().to_string(),
                v["pos"].as_u64().unwrap_or(0),
                v["ref"].as_str().unwrap_or_default().to_string(),
                v["alt"].as_str().unwrap_or_default().to_string(),
            );
            let af = match &pass {
                Some(p) => match p.get(&key) {
                    Some(af) => *af,
                    None => continue,
                },
                None => None,
            };
            markers.push(biomarker(v, af, tumor_type, &types));
        }
    }
    let count = |t: &str| {
        markers
            .iter()
            .filter(|m| m.tier.as_deref() == Some(t))
            .count()
    };
    let counts =
        json!({"I": count("I"), "II": count("II"), "III": count("III"), "IV": count("IV")});
    let tiered: Vec<&Biomarker> = markers
        .iter()
        .filter(|m| matches!(m.tier.as_deref(), Some("I" | "II")))
        .collect();
    let vus: Vec<&Biomarker> = markers
        .iter()
        .filter(|m| m.tier.as_deref() == Some("III"))
        .collect();
    Ok(Some(json!({
        "tumor_type": tumor_type,
        "tumor_type_code": known.map(|t| t.code.as_str()),
        "tumor_type_name": known.map(|t| t.name.as_str()),
        "tiers_adjusted_for_tumor_type": tumor_type.is_some(),
        "pass_calls": pass.as_ref().map(|p| p.len()),
        "annotated": annotated.is_some(),
        "biomarkers": tiered,
        "uncertain": vus,
        "tier_counts": counts,
        "metrics": metrics,
    })))
}

/// Rows for the report's summary of actionable findings: the Tier I and II biomarkers.
pub fn summary_rows(section: &Value) -> Vec<Value> {
    let tumor = section["tumor_type"]
        .as_str()
        .unwrap_or("tumour type not given");
    section["biomarkers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            let evidence: Vec<&Value> = b["evidence"].as_array().into_iter().flatten().collect();
            // Drugs for this tumour type when there are any, else every listed one; no repeats.
            let here: Vec<&Value> = evidence
                .iter()
                .copied()
                .filter(|e| e["same_tumor_type"] != false)
                .collect();
            let mut drugs: Vec<String> = Vec::new();
            for e in if here.is_empty() { &evidence } else { &here } {
                for d in inputs::drug_labels(e) {
                    if !drugs.contains(&d) {
                        drugs.push(d);
                    }
                }
            }
            let finding = b["hgvs_p"].as_str().or(b["hgvs_c"].as_str()).unwrap_or("variant");
            json!({
                "category": "somatic",
                "gene": b["gene"],
                "finding": format!("somatic {finding}"),
                "tier": format!("Tier {}", b["tier"].as_str().unwrap_or("?")),
                "detail": format!("tumour VAF {:.1} %; AMP/ASCO/CAP tier for {tumor}", b["tumor_af"].as_f64().unwrap_or(0.0) * 100.0),
                "drugs": drugs,
            })
        })
        .collect()
}

/// `[[bin start, count], ...]` of the VAF histogram, for [`super::charts::histogram`].
pub fn vaf_pairs(section: &Value) -> Value {
    let bins = section["metrics"]["vaf_histogram"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Value::Array(
        bins.iter()
            .map(|b| {
                let n = b["snvs"].as_u64().unwrap_or(0) + b["indels"].as_u64().unwrap_or(0);
                json!([b["from"], n])
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant() -> Value {
        json!({"chrom": "chr7", "pos": 140753336, "ref": "A", "alt": "T", "amp_tier": "I",
               "most_severe": {"gene": "BRAF", "hgvsp": "p.Val600Glu", "consequences": ["missense_variant"]},
               "actionability": [
                 {"condition": "Melanoma", "drugs": ["vemurafenib"], "evidence": "A", "context": "somatic", "source": "FDA"},
                 {"condition": "Colorectal cancer", "drugs": ["encorafenib+cetuximab"], "evidence": "A", "context": "somatic", "source": "FDA"}]})
    }

    #[test]
    fn tier_depends_on_the_tumour_type() {
        let (t, ev) = tier(&variant(), Some("melanoma"), &Vocabulary::bundled());
        assert_eq!(t.as_deref(), Some("I"));
        assert_eq!(ev[0].condition, "Melanoma");
        let (t, ev) = tier(&variant(), Some("Thyroid cancer"), &Vocabulary::bundled());
        assert_eq!(t.as_deref(), Some("II"));
        assert!(ev.iter().all(|e| e.same_tumor_type == Some(false)));
        assert_eq!(
            tier(&variant(), None, &Vocabulary::bundled()).0.as_deref(),
            Some("I")
        );
        // Evidence for NSCLC applies to a lung adenocarcinoma, not to a small cell lung cancer.
        let kras = json!({"actionability": [{"condition": "Non-small cell lung cancer",
            "drugs": ["sotorasib"], "evidence": "A", "context": "somatic", "source": "FDA"}]});
        let types = Vocabulary::bundled();
        assert_eq!(
            tier(&kras, Some("Lung adenocarcinoma"), &types)
                .0
                .as_deref(),
            Some("I")
        );
        assert_eq!(tier(&kras, Some("LUAD"), &types).0.as_deref(), Some("I"));
        assert_eq!(
            tier(&kras, Some("Small cell lung cancer"), &types)
                .0
                .as_deref(),
            Some("II")
        );
        let vus = json!({"amp_tier": "III", "actionability": []});
        assert_eq!(
            tier(&vus, Some("Melanoma"), &Vocabulary::bundled())
                .0
                .as_deref(),
            Some("III")
        );
    }

    #[test]
    fn reads_the_tumour_af_of_pass_records() {
        let f: Vec<&str> =
            "c\t5\t.\tA\tT\t30\tPASS\tSOMATIC\tGT:AD:AF:DP\t0/0:9,0:0:9\t0/1:7,3:0.3:10"
                .split('\t')
                .collect();
        assert_eq!(format_value(&f, "AF"), Some(0.3));
        let pairs = vaf_pairs(
            &json!({"metrics": {"vaf_histogram": [{"from": 0.0, "snvs": 2, "indels": 1}]}}),
        );
        assert_eq!(pairs, json!([[0.0, 3]]));
    }
}
