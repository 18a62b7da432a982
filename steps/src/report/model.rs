//! `report.json`: one document holding everything the HTML and FHIR outputs show.
//!
//! The HTML template and the FHIR bundle are both rendered from this document, so what a reader
//! sees and what a machine reads cannot drift apart. Its schema is `report.schema.json` beside this
//! file (`cairn.report/1`). Numbers are copied from the producing step's JSON, never recomputed,
//! and a missing input leaves its section `null` (and says so in `limitations`).

use serde_json::{json, Value};

use super::annotated::{self, AnnotatedVariant, Class};
use super::inputs::{CalledSet, JsonInput};
use super::pgx;

/// The inputs of one report, already read.
#[derive(Debug, Default)]
pub struct Inputs {
    pub sample: String,
    pub date: Option<String>,
    pub reference_build: Option<String>,
    pub qc: Option<JsonInput>,
    pub alignment: Option<JsonInput>,
    pub called: Option<CalledSet>,
    pub eval: Option<JsonInput>,
    pub pgx: Option<JsonInput>,
    pub annotated: Option<Vec<AnnotatedVariant>>,
    pub provenance: Option<JsonInput>,
    /// Coverage per reported gene (see [`super::coverage`]), when a BAM and regions were given.
    pub coverage: Option<Value>,
    /// The annotated document's knowledge version and source names
    /// ([`annotated::annotation_info`]).
    pub annotation_info: Option<Value>,
    /// (role, file name, blake3) of every input given.
    pub digests: Vec<(String, String, String)>,
}

/// Build `report.json`.
pub fn build(inp: &Inputs) -> Value {
    let pgx = inp.pgx.as_ref().map(|p| pgx::section(&p.value));
    let variants = variants(inp);
    json!({
        "schema": "cairn.report/1",
        "sample": inp.sample,
        "date": inp.date,
        "reference_build": reference_build(inp),
        "pipeline": pipeline(inp),
        "knowledge_bases": knowledge_bases(inp),
        "summary": summary(&variants, pgx.as_ref()),
        "qc": inp.qc.as_ref().map(|q| qc(&q.value)),
        "alignment": inp.alignment.as_ref().map(|a| alignment(&a.value)),
        "coverage": inp.coverage,
        "variants": variants,
        "pgx": pgx,
        "methods": super::methods::section(inp),
        "limitations": limitations(inp),
    })
}

/// The value at a JSON pointer, `null` when absent.
pub(super) fn at(v: &Value, pointer: &str) -> Value {
    v.pointer(pointer).cloned().unwrap_or(Value::Null)
}

fn reference_build(inp: &Inputs) -> Value {
    if let Some(b) = &inp.reference_build {
        return json!(b);
    }
    inp.called
        .as_ref()
        .and_then(|c| c.reference_header.clone())
        .map_or(Value::Null, Value::String)
}

fn pipeline(inp: &Inputs) -> Value {
    let prov = inp.provenance.as_ref().map(|p| &p.value);
    json!({
        "name": "cairn",
        "version": env!("CARGO_PKG_VERSION"),
        "run_version": prov.map(|p| at(p, "/cairn_version")),
        "workflow": prov.map(|p| at(p, "/workflow/name")),
        "workflow_digest": prov.map(|p| at(p, "/workflow/digest")),
        "run_id": prov.map(|p| at(p, "/run_id")),
    })
}

fn knowledge_bases(inp: &Inputs) -> Value {
    let mut kbs: Vec<Value> = Vec::new();
    if let Some(p) = &inp.pgx {
        let mut versions: Vec<String> = p.value["genes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g["definition_version"].as_str().map(str::to_string))
            .collect();
        versions.sort();
        versions.dedup();
        kbs.push(
            json!({"name": "CPIC/PharmCAT allele definitions", "version": versions.join(", ")}),
        );
    }
    if inp.annotated.is_some() {
        let info = inp.annotation_info.as_ref();
        let version = info.map_or(Value::Null, |i| i["knowledge_version"].clone());
        kbs.push(
            json!({"name": "actionability knowledge base (annotate step)", "version": version}),
        );
        for s in info
            .and_then(|i| i["sources"].as_array())
            .into_iter()
            .flatten()
        {
            kbs.push(json!({"name": s, "version": null}));
        }
    }
    Value::Array(kbs)
}

fn qc(v: &Value) -> Value {
    json!({
        "reads_before": at(v, "/before/reads"),
        "reads_after": at(v, "/after/reads"),
        "bases_after": at(v, "/after/bases"),
        "q20_rate": at(v, "/after/q20_rate"),
        "q30_rate_before": at(v, "/before/q30_rate"),
        "q30_rate": at(v, "/after/q30_rate"),
        "gc_content": at(v, "/after/gc_content"),
        "mean_length": at(v, "/after/mean_length"),
        "adapter_trimmed_read_rate": at(v, "/adapters/trimmed_read_rate"),
        "duplication_rate": at(v, "/duplication_rate"),
        "pairs_kept": at(v, "/filtering/kept"),
        "pairs_input": at(v, "/filtering/input"),
    })
}

fn alignment(v: &Value) -> Value {
    json!({
        "total_reads": at(v, "/total_reads"),
        "mapped_pct": at(v, "/mapped_pct"),
        "properly_paired_pct": at(v, "/properly_paired_pct"),
        "duplicate_pct": at(v, "/duplicate_pct_of_mapped"),
        "insert_size_median": at(v, "/insert_size/median"),
        "insert_size_mean": at(v, "/insert_size/mean"),
        "insert_size_sd": at(v, "/insert_size/sd"),
        "territory": at(v, "/coverage/territory"),
        "territory_bp": at(v, "/coverage/territory_bp"),
        "mean_depth": at(v, "/coverage/mean_depth"),
        "breadth_ge_1x_pct": at(v, "/coverage/breadth_ge_1x_pct"),
        "breadth_ge_10x_pct": at(v, "/coverage/breadth_ge_10x_pct"),
        "breadth_ge_20x_pct": at(v, "/coverage/breadth_ge_20x_pct"),
    })
}

fn variants(inp: &Inputs) -> Value {
    let called = inp.called.as_ref().map(|c| {
        json!({
            "total": c.total, "snv": c.snv, "indel": c.indel, "other": c.other,
            "passing": c.passing, "listed": c.listed.len(),
            "truncated": (c.listed.len() as u64) < c.total,
        })
    });
    let Some(annotated) = &inp.annotated else {
        let listed = inp
            .called
            .as_ref()
            .map(|c| c.listed.clone())
            .unwrap_or_default();
        return json!({
            "annotated": false, "called": called, "unannotated": listed,
            "significant": [], "uncertain": [], "other_annotated": 0,
        });
    };
    let pick = |class| -> Vec<&AnnotatedVariant> {
        annotated.iter().filter(|v| v.class() == class).collect()
    };
    let mut significant = pick(Class::Significant);
    significant.sort_by_key(|v| (v.tier.clone().unwrap_or_else(|| "V".into()), v.gene.clone()));
    json!({
        "annotated": true, "called": called, "unannotated": [],
        "significant": significant, "uncertain": pick(Class::Uncertain),
        "other_annotated": pick(Class::Other).len(),
    })
}

fn summary(variants: &Value, pgx: Option<&Value>) -> Value {
    let mut actionable: Vec<Value> = Vec::new();
    for v in variants["significant"].as_array().into_iter().flatten() {
        let finding = [&v["hgvs_c"], &v["hgvs_p"]]
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        actionable.push(json!({
            "category": "variant", "gene": v["gene"], "finding": finding,
            "detail": v["clinical_significance"], "tier": v["tier"], "drugs": v["drugs"],
            "citations": v["evidence"],
        }));
    }
    for r in pgx
        .and_then(|p| p["recommendations"].as_array())
        .into_iter()
        .flatten()
    {
        let genes: Vec<String> = r["genes"]
            .as_object()
            .map(|g| {
                g.iter()
                    .map(|(k, v)| pgx_lookup(pgx, k, v.as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        actionable.push(json!({
            "category": "pharmacogenomics", "gene": genes.join("; "),
            "finding": r["drugs"].as_array().map(|d| d.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")),
            "detail": r["recommendation"], "tier": r["classification"], "drugs": r["drugs"],
            "citations": r["citations"],
        }));
    }
    json!({ "actionable": actionable })
}

/// How a guideline row's gene key reads in the summary: CPIC keys some genes by activity score
/// (`CYP2C9: 2.0`), which means little alone, so the gene's phenotype (from the report's PGx
/// section) is put beside it.
fn pgx_lookup(pgx: Option<&Value>, gene: &str, key: &str) -> String {
    let phenotype = pgx
        .and_then(|p| p["genes"].as_array())
        .into_iter()
        .flatten()
        .find(|g| g["gene"] == gene)
        .and_then(|g| g["phenotype"].as_str())
        .filter(|p| !p.is_empty() && *p != key);
    match phenotype {
        Some(p) if key.parse::<f64>().is_ok() => format!("{gene}: {p} (activity score {key})"),
        _ => format!("{gene}: {key}"),
    }
}

fn limitations(inp: &Inputs) -> Value {
    let mut out: Vec<String> = Vec::new();
    let mut missing = |absent: bool, text: &str| {
        if absent {
            out.push(text.to_string());
        }
    };
    missing(
        inp.qc.is_none(),
        "No read QC metrics were given: read quality is not reported.",
    );
    missing(
        inp.alignment.is_none(),
        "No alignment metrics were given: coverage is not reported.",
    );
    missing(
        inp.called.is_none(),
        "No variant calls were given: no variants are reported.",
    );
    missing(
        inp.annotated.is_none(),
        "Variants are not annotated: no clinical significance, consequence or tier is assigned, and none of the listed variants should be read as a clinical finding.",
    );
    missing(
        inp.pgx.is_none(),
        "No pharmacogenomic calls were given: no drug guidance is reported.",
    );
    missing(
        inp.eval.is_none(),
        "The caller's accuracy against a truth set was not measured for this run.",
    );
    if let Some(c) = inp
        .called
        .as_ref()
        .filter(|c| (c.listed.len() as u64) < c.total)
    {
        out.push(format!(
            "Only the first {} of {} called variants are listed; counts cover all of them.",
            c.listed.len(),
            c.total
        ));
    }
    annotation_limitations(inp, &mut out);
    out.push("Only SNVs and short indels are called; structural variants, copy-number changes and repeat expansions are not assessed.".into());
    out.push("Regions below the reported coverage breadth thresholds may hide variants.".into());
    Value::Array(out.into_iter().map(Value::String).collect())
}

fn annotation_limitations(inp: &Inputs, out: &mut Vec<String>) {
    out.extend(super::coverage::limitations(inp.coverage.as_ref()));
    let no_sources = inp
        .annotation_info
        .as_ref()
        .is_some_and(|i| i["sources"].as_array().is_none_or(Vec::is_empty));
    if no_sources {
        out.push("No ClinVar or population-frequency source was used for annotation: significance comes from the bundled knowledge base and predicted consequences only, and variants it does not name are of uncertain significance.".into());
    }
}

/// Parse an annotated document, naming the file on error.
pub fn read_annotated(input: &JsonInput) -> crate::Result<Vec<AnnotatedVariant>> {
    annotated::parse(&input.value)
        .map_err(|e| crate::StepError::input(format!("{}: {e}", input.path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::inputs::CalledVariant;

    fn input(value: Value) -> Option<JsonInput> {
        Some(JsonInput {
            path: "x.json".into(),
            value,
        })
    }

    fn full() -> Inputs {
        Inputs {
            sample: "S1".into(),
            qc: input(
                json!({"before": {"reads": 10, "q30_rate": 0.8}, "after": {"reads": 9, "q30_rate": 0.9}}),
            ),
            alignment: input(
                json!({"total_reads": 9, "mapped_pct": 99.0, "coverage": {"mean_depth": 30.5}}),
            ),
            called: Some(CalledSet {
                total: 2,
                snv: 1,
                indel: 1,
                listed: vec![CalledVariant {
                    chrom: "chr1".into(),
                    pos: 5,
                    reference: "A".into(),
                    alt: "G".into(),
                    genotype: "0/1".into(),
                    zygosity: "heterozygous".into(),
                    qual: Some(50.0),
                    filter: "PASS".into(),
                    kind: "snv".into(),
                }],
                ..CalledSet::default()
            }),
            eval: input(json!({"mode": "germline", "snv": {"tp": 1, "precision": 1.0}})),
            digests: vec![("qc".into(), "qc.json".into(), "0".repeat(64))],
            ..Inputs::default()
        }
    }

    fn schema_errors(report: &Value) -> Vec<String> {
        let schema: Value = serde_json::from_str(include_str!("report.schema.json")).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        validator
            .iter_errors(report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect()
    }

    #[test]
    fn unannotated_report_matches_its_schema_and_says_so() {
        let r = build(&full());
        assert_eq!(schema_errors(&r), Vec::<String>::new());
        assert_eq!(r["qc"]["q30_rate"], 0.9);
        assert_eq!(r["variants"]["unannotated"][0]["pos"], 5);
        assert_eq!(r["variants"]["called"]["truncated"], true);
        let lim = r["limitations"].to_string();
        assert!(
            lim.contains("not annotated") && lim.contains("first 1 of 2"),
            "{lim}"
        );
    }

    #[test]
    fn annotated_and_empty_reports_match_the_schema() {
        let mut inp = full();
        inp.annotated = Some(vec![AnnotatedVariant {
            gene: Some("BRCA1".into()),
            tier: Some("II".into()),
            ..Default::default()
        }]);
        let r = build(&inp);
        assert_eq!(schema_errors(&r), Vec::<String>::new());
        assert_eq!(r["summary"]["actionable"][0]["gene"], "BRCA1");
        let empty = build(&Inputs {
            sample: "S".into(),
            ..Inputs::default()
        });
        assert_eq!(schema_errors(&empty), Vec::<String>::new());
        assert!(empty["qc"].is_null() && empty["pgx"].is_null());
    }

    #[test]
    fn schema_rejects_a_malformed_report() {
        let mut r = build(&full());
        r["qc"]["q30_rate"] = json!(87.0);
        r["variants"]["unannotated"][0]["zygosity"] = json!("het");
        assert_eq!(schema_errors(&r).len(), 2);
    }

    #[test]
    fn activity_score_keys_read_with_the_phenotype() {
        let pgx = json!({"genes": [
            {"gene": "CYP2C9", "phenotype": "Normal Metabolizer"},
            {"gene": "SLCO1B1", "phenotype": "Normal Function"}]});
        assert_eq!(
            pgx_lookup(Some(&pgx), "CYP2C9", "2.0"),
            "CYP2C9: Normal Metabolizer (activity score 2.0)"
        );
        assert_eq!(
            pgx_lookup(Some(&pgx), "SLCO1B1", "Normal Function"),
            "SLCO1B1: Normal Function"
        );
        assert_eq!(pgx_lookup(None, "DPYD", "2.0"), "DPYD: 2.0");
    }
}
