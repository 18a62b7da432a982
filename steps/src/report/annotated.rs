//! The annotated-variants input, read through a small struct of the fields a report needs.
//!
//! The `annotate` kind's JSON is not frozen, so this reads what it can and nothing more. Accepted:
//! a top-level array of variant objects, or an object whose `variants` member is that array.
//! Per variant (first name found wins; everything optional):
//! - `gene` (or `gene_symbol`, `symbol`); `hgvs_c` (or `hgvsc`); `hgvs_p` (or `hgvsp`);
//! - `consequence` (a string or a list of strings);
//! - `zygosity` (or `genotype`);
//! - `clinical_significance` (or `clinvar_significance`, `significance`, `clinvar`: a string, or an
//!   object with `significance`);
//! - `tier` (string or number: `1`/`I`/`Tier I`... all read as `I`);
//! - `evidence` and `citations` (strings, or objects whose `citation`/`pmid`/`text`/`id`/`source`
//!   fields are taken);
//! - `drugs` (strings, or objects with `name`);
//! - `chrom`, `pos`, `ref`, `alt` (for the FHIR genomic coordinates).
//!
//! The `annotate` kind's own layout (`most_severe`, `amp_tier`, `actionability`, `germline`) fills
//! whatever the names above leave empty (module `annotate_kind`).
//!
//! A variant is *clinically significant* when its tier is I or II or its significance says
//! pathogenic/likely pathogenic/drug response; *of uncertain significance* when its tier is III or
//! its significance says uncertain; other annotated variants are counted, not listed.

use serde::Serialize;
use serde_json::Value;

mod annotate_kind;

/// One annotated variant, as the report uses it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AnnotatedVariant {
    pub gene: Option<String>,
    pub chrom: Option<String>,
    pub pos: Option<i64>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub alt: Option<String>,
    pub hgvs_c: Option<String>,
    pub hgvs_p: Option<String>,
    pub consequence: Option<String>,
    pub zygosity: Option<String>,
    pub clinical_significance: Option<String>,
    /// Roman numeral I-IV (AMP/ASCO/CAP), when given.
    pub tier: Option<String>,
    pub evidence: Vec<String>,
    pub drugs: Vec<String>,
}

/// Where a variant goes in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Significant,
    Uncertain,
    Other,
}

impl AnnotatedVariant {
    pub fn class(&self) -> Class {
        let sig = self
            .clinical_significance
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        let tier = self.tier.as_deref();
        if matches!(tier, Some("I" | "II"))
            || (sig.contains("pathogenic") && !sig.contains("conflicting"))
            || sig.contains("drug response")
        {
            Class::Significant
        } else if tier == Some("III") || sig.contains("uncertain") || sig.contains("conflicting") {
            Class::Uncertain
        } else {
            Class::Other
        }
    }
}

/// What the report says about an annotated document beyond its variants: the knowledge-base
/// version and the names of the lookup sources (ClinVar, gnomAD, ...) it used.
pub fn annotation_info(doc: &Value) -> Value {
    let sources: Vec<Value> = doc["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str().map(|n| Value::String(n.to_string())))
        .collect();
    serde_json::json!({"knowledge_version": doc["knowledge_version"], "sources": sources})
}

/// Read the variants of an annotated JSON document.
pub fn parse(doc: &Value) -> Result<Vec<AnnotatedVariant>, String> {
    let list = match doc {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("variants") {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(
                    "expected an array of variants or an object with `variants: [...]`".into(),
                )
            }
        },
        _ => {
            return Err("expected an array of variants or an object with `variants: [...]`".into())
        }
    };
    Ok(list.iter().filter(|v| v.is_object()).map(variant).collect())
}

fn variant(v: &Value) -> AnnotatedVariant {
    let mut out = generic(v);
    annotate_kind::fill(v, &mut out);
    out
}

fn generic(v: &Value) -> AnnotatedVariant {
    AnnotatedVariant {
        gene: text(v, &["gene", "gene_symbol", "symbol"]),
        chrom: text(v, &["chrom", "chromosome", "contig"]),
        pos: v
            .get("pos")
            .or_else(|| v.get("position"))
            .and_then(Value::as_i64),
        reference: text(v, &["ref"]),
        alt: text(v, &["alt"]),
        hgvs_c: text(v, &["hgvs_c", "hgvsc"]),
        hgvs_p: text(v, &["hgvs_p", "hgvsp"]),
        consequence: text(v, &["consequence", "consequences"]),
        zygosity: text(v, &["zygosity", "genotype"]),
        clinical_significance: significance(v),
        tier: first(v, &["tier", "actionability_tier"]).and_then(tier),
        evidence: texts(
            v,
            &["evidence", "citations"],
            &["citation", "pmid", "text", "id", "source"],
        ),
        drugs: texts(v, &["drugs"], &["name", "drug"]),
    }
}

fn first<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| v.get(*k).filter(|x| !x.is_null()))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text(v: &Value, keys: &[&str]) -> Option<String> {
    match first(v, keys)? {
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(scalar).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        other => scalar(other),
    }
}

fn significance(v: &Value) -> Option<String> {
    match first(
        v,
        &[
            "clinical_significance",
            "clinvar_significance",
            "significance",
            "clinvar",
        ],
    )? {
        Value::Object(o) => o
            .get("significance")
            .or_else(|| o.get("clinical_significance"))
            .and_then(scalar),
        other => scalar(other),
    }
}

fn tier(v: &Value) -> Option<String> {
    let raw = scalar(v)?.to_ascii_uppercase();
    let raw = raw.trim_start_matches("TIER").trim();
    let roman = match raw {
        "1" | "I" => "I",
        "2" | "II" => "II",
        "3" | "III" => "III",
        "4" | "IV" => "IV",
        _ => return None,
    };
    Some(roman.to_string())
}

fn texts(v: &Value, keys: &[&str], fields: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for key in keys {
        let items: Vec<&Value> = match v.get(*key) {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(x) if !x.is_null() => vec![x],
            _ => continue,
        };
        for item in items {
            let s = match item {
                Value::Object(_) => fields.iter().find_map(|f| item.get(*f).and_then(scalar)),
                other => scalar(other),
            };
            if let Some(s) = s.filter(|s| !out.contains(s)) {
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_documented_fields_under_their_aliases() {
        let doc = json!({"variants": [{
            "gene": "BRCA1", "hgvsc": "c.68_69del", "hgvs_p": "p.Glu23fs",
            "consequence": ["frameshift_variant"], "genotype": "0/1",
            "clinvar": {"significance": "Pathogenic"}, "tier": 1,
            "citations": [{"pmid": "12345"}, "PMID:12345", {"text": "ClinVar VCV000017661"}],
            "drugs": [{"name": "olaparib"}], "chrom": "chr17", "pos": 43124027
        }, "not an object"]});
        let v = parse(&doc).unwrap();
        assert_eq!(v.len(), 1);
        let v = &v[0];
        assert_eq!(v.gene.as_deref(), Some("BRCA1"));
        assert_eq!(v.hgvs_c.as_deref(), Some("c.68_69del"));
        assert_eq!(v.consequence.as_deref(), Some("frameshift_variant"));
        assert_eq!(v.zygosity.as_deref(), Some("heterozygous"));
        assert_eq!(v.clinical_significance.as_deref(), Some("Pathogenic"));
        assert_eq!(v.tier.as_deref(), Some("I"));
        assert_eq!(
            v.evidence,
            vec!["12345", "PMID:12345", "ClinVar VCV000017661"]
        );
        assert_eq!(v.drugs, vec!["olaparib"]);
        assert_eq!(v.pos, Some(43124027));
        assert_eq!(v.class(), Class::Significant);
    }

    #[test]
    fn classes_by_tier_and_significance() {
        let vus = AnnotatedVariant {
            clinical_significance: Some("Uncertain significance".into()),
            ..Default::default()
        };
        assert_eq!(vus.class(), Class::Uncertain);
        let conflicting = AnnotatedVariant {
            clinical_significance: Some("Conflicting classifications of pathogenicity".into()),
            ..Default::default()
        };
        assert_eq!(conflicting.class(), Class::Uncertain);
        let benign = AnnotatedVariant {
            clinical_significance: Some("Benign".into()),
            ..Default::default()
        };
        assert_eq!(benign.class(), Class::Other);
        assert_eq!(tier(&json!("Tier III")), Some("III".into()));
    }

    #[test]
    fn rejects_a_document_without_variants() {
        assert!(parse(&json!({"genes": []}))
            .unwrap_err()
            .contains("variants"));
        assert!(parse(&json!([])).unwrap().is_empty());
    }
}
