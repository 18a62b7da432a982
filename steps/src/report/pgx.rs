//! The pharmacogenomics section, from a `cairn.pgx/1` document (see the `pgx` kind's module docs).
//!
//! Per gene: the diplotype(s) (all of them when the call is ambiguous), phenotype, activity score,
//! the source of the call and, for uncalled genes or unassessed positions, why. Recommendations are
//! copied as written by the `pgx` step (CPIC text, classification, citations).

use serde_json::{json, Value};

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| match x {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

fn gene(g: &Value) -> Value {
    let diplotypes: Vec<String> = g["diplotypes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["name"].as_str().map(str::to_string))
        .collect();
    let not_assessed = g["positions_not_assessed"].as_array().map_or(0, Vec::len);
    json!({
        "gene": g["gene"],
        "called": g["called"].as_bool().unwrap_or(false),
        "source": g["call_source"],
        "diplotype": diplotypes.join(" or "),
        "ambiguous": g["ambiguous"].as_bool().unwrap_or(false),
        "phenotype": strings(&g["phenotypes"]).join(" or "),
        "activity_score": strings(&g["activity_scores"]).join(" or "),
        "not_called_reason": g["not_called_reason"],
        "positions_assessed": g["positions_assessed"],
        "positions_not_assessed": not_assessed,
    })
}

fn recommendation(r: &Value) -> Value {
    json!({
        "drugs": strings(&r["drugs"]),
        "genes": r["genes"],
        "source": r["source"],
        "guideline": r["guideline"],
        "url": r["url"],
        "classification": r["classification"],
        "recommendation": r["recommendation"],
        "implications": strings(&r["implications"]),
        "citations": strings(&r["citations"]),
    })
}

/// The report's `pgx` section.
pub fn section(doc: &Value) -> Value {
    let list = |key: &str| doc[key].as_array().cloned().unwrap_or_default();
    let not_called: Vec<Value> = list("not_called")
        .iter()
        .map(|n| json!({"gene": n["gene"], "reason": n["reason"]}))
        .collect();
    let unavailable: Vec<Value> = list("recommendations_unavailable")
        .iter()
        .map(|u| {
            json!({"drugs": strings(&u["drugs"]), "guideline": u["guideline"],
                   "genes_not_called": strings(&u["genes_not_called"]),
                   "genes_without_phenotype": strings(&u["genes_without_phenotype"])})
        })
        .collect();
    json!({
        "genes": list("genes").iter().map(gene).collect::<Vec<_>>(),
        "recommendations": list("recommendations").iter().map(recommendation).collect::<Vec<_>>(),
        "not_called": not_called,
        "recommendations_unavailable": unavailable,
        "warnings": strings(&doc["warnings"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gene_with_ambiguous_diplotypes_lists_both() {
        let doc = json!({"genes": [{"gene": "CYP2C19", "called": true, "call_source": "matcher",
            "diplotypes": [{"name": "*1/*17"}, {"name": "*1/*4"}], "ambiguous": true,
            "phenotypes": ["Rapid Metabolizer", "Normal Metabolizer"], "activity_scores": [],
            "positions_not_assessed": [{"position": "chr10:1"}]}],
            "recommendations": [{"drugs": ["clopidogrel"], "classification": "Strong",
            "citations": ["PMID:1"]}], "not_called": [{"gene": "CYP2D6", "reason": "outside"}]});
        let s = section(&doc);
        assert_eq!(s["genes"][0]["diplotype"], "*1/*17 or *1/*4");
        assert_eq!(
            s["genes"][0]["phenotype"],
            "Rapid Metabolizer or Normal Metabolizer"
        );
        assert_eq!(s["genes"][0]["positions_not_assessed"], 1);
        assert_eq!(s["recommendations"][0]["drugs"], json!(["clopidogrel"]));
        assert_eq!(s["not_called"][0]["gene"], "CYP2D6");
    }

    #[test]
    fn a_guideline_blocked_by_a_missing_phenotype_says_so() {
        let doc = json!({"recommendations_unavailable": [{"drugs": ["primaquine"],
            "guideline": "G6PD", "genes_not_called": [], "genes_without_phenotype": ["G6PD"]}]});
        let u = &section(&doc)["recommendations_unavailable"][0];
        assert_eq!(u["genes_without_phenotype"], json!(["G6PD"]));
        assert_eq!(u["genes_not_called"], json!([]));
    }
}
