//! The `annotate` kind's own layout (`cairn.annotate/1`), read into the report's fields where the
//! generic names are absent: gene and HGVS from `most_severe`, the tier from `amp_tier`, evidence,
//! drugs and citations from `actionability`, and a significance stated from what is known.
//!
//! Significance, in order: the ClinVar classification (with review stars) when a ClinVar source
//! was used; else a germline knowledge-base match: *pathogenic* when the row names this exact
//! change, *likely pathogenic (predicted loss of function)* when it names a class such as
//! `class:truncating`; else a somatic match: *actionable* with the AMP/ASCO/CAP tier; else tier III
//! is *uncertain significance*. The rule used is part of the text, so the reader sees its basis.

use serde_json::Value;

use super::AnnotatedVariant;
use crate::report::inputs::{drug_labels, zygosity};

fn entries(v: &Value) -> Vec<&Value> {
    v["actionability"]
        .as_array()
        .into_iter()
        .flatten()
        .collect()
}

fn conditions(list: &[&Value]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for e in list {
        if let Some(c) = e["condition"].as_str().filter(|c| !out.contains(c)) {
            out.push(c);
        }
    }
    out.join("; ")
}

fn significance(v: &Value) -> Option<String> {
    let g = &v["germline"];
    if let Some(c) = g["classification"]
        .as_str()
        .filter(|c| *c != "not_in_clinvar")
    {
        let stars = g["review_stars"]
            .as_u64()
            .map_or(String::new(), |s| format!(", {s} review star(s)"));
        return Some(format!("{} (ClinVar{stars})", c.replace('_', " ")));
    }
    let all = entries(v);
    let germline: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|e| e["context"] == "germline")
        .collect();
    let exact = germline.iter().any(|e| {
        e["variant"]
            .as_str()
            .is_some_and(|s| !s.starts_with("class:"))
    });
    if !germline.is_empty() {
        let what = if exact {
            "Pathogenic"
        } else {
            "Likely pathogenic (predicted loss of function)"
        };
        return Some(format!("{what}: {}", conditions(&germline)));
    }
    let tier = v["amp_tier"].as_str();
    if !all.is_empty() {
        let tier = tier.map_or(String::new(), |t| format!(" (AMP/ASCO/CAP tier {t})"));
        return Some(format!("Actionable{tier}: {}", conditions(&all)));
    }
    (tier == Some("III")).then(|| "Uncertain significance (AMP/ASCO/CAP tier III)".to_string())
}

/// Fill what `out` lacks from the `cairn.annotate/1` fields of `v`.
pub fn fill(v: &Value, out: &mut AnnotatedVariant) {
    let most = &v["most_severe"];
    let text = |x: &Value| x.as_str().map(str::to_string);
    out.gene = out.gene.take().or_else(|| text(&most["gene"]));
    out.hgvs_c = out.hgvs_c.take().or_else(|| text(&most["hgvsc"]));
    out.hgvs_p = out.hgvs_p.take().or_else(|| text(&most["hgvsp"]));
    if out.consequence.is_none() {
        let terms: Vec<&str> = most["consequences"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        out.consequence = (!terms.is_empty()).then(|| terms.join(", "));
    }
    if let Some(z) = out.zygosity.as_deref().filter(|z| z.contains(['/', '|'])) {
        out.zygosity = Some(zygosity(z).to_string());
    }
    out.tier = out.tier.take().or_else(|| {
        v["amp_tier"]
            .as_str()
            .filter(|t| matches!(*t, "I" | "II" | "III" | "IV"))
            .map(str::to_string)
    });
    out.clinical_significance = out.clinical_significance.take().or_else(|| significance(v));
    for e in entries(v) {
        let cite = format!(
            "{} (level {}, {}): {}",
            e["condition"].as_str().unwrap_or("?"),
            e["evidence"].as_str().unwrap_or("?"),
            e["context"].as_str().unwrap_or("?"),
            e["source"].as_str().unwrap_or("no citation")
        );
        if !out.evidence.contains(&cite) {
            out.evidence.push(cite);
        }
        for d in drug_labels(e) {
            if !out.drugs.contains(&d) {
                out.drugs.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn annotated(actionability: Value, tier: Value) -> Value {
        json!({"chrom": "c7", "pos": 10, "ref": "A", "alt": "T", "genotype": "0/1",
            "most_severe": {"gene": "BRAF", "hgvsc": "c.1799T>A", "hgvsp": "p.Val600Glu",
                "consequences": ["missense_variant"]},
            "actionability": actionability, "amp_tier": tier,
            "germline": {"clinvar": null, "review_stars": null, "classification": "not_in_clinvar"}})
    }

    #[test]
    fn somatic_match_is_actionable_with_its_citation() {
        let v = annotated(
            json!([{"gene": "BRAF", "variant": "p.Val600Glu", "condition": "Melanoma",
                "drugs": ["vemurafenib"], "evidence": "A", "context": "somatic", "source": "FDA label"}]),
            json!("I"),
        );
        let mut out = AnnotatedVariant::default();
        fill(&v, &mut out);
        assert_eq!(out.gene.as_deref(), Some("BRAF"));
        assert_eq!(out.zygosity, None);
        assert_eq!(out.tier.as_deref(), Some("I"));
        assert_eq!(
            out.clinical_significance.as_deref(),
            Some("Actionable (AMP/ASCO/CAP tier I): Melanoma")
        );
        assert_eq!(out.evidence, ["Melanoma (level A, somatic): FDA label"]);
        assert_eq!(out.drugs, ["vemurafenib"]);
    }

    #[test]
    fn germline_rows_state_pathogenicity_and_tier_iii_is_uncertain() {
        let row = |variant: &str| {
            json!([{"variant": variant, "condition": "HBOC", "drugs": [], "evidence": "A",
                "context": "germline", "source": "ACMG SF"}])
        };
        let mut out = AnnotatedVariant::default();
        fill(&annotated(row("class:truncating"), json!("I")), &mut out);
        assert!(out
            .clinical_significance
            .unwrap()
            .starts_with("Likely pathogenic"));
        let mut out = AnnotatedVariant::default();
        fill(&annotated(row("p.Glu23ValfsTer17"), json!("I")), &mut out);
        assert_eq!(
            out.clinical_significance.as_deref(),
            Some("Pathogenic: HBOC")
        );
        let mut out = AnnotatedVariant::default();
        fill(&annotated(json!([]), json!("III")), &mut out);
        assert!(out.clinical_significance.unwrap().starts_with("Uncertain"));
    }
}
