//! Structural checks of the FHIR bundle, the ones that need no network or terminology server.
//!
//! Checked: the Bundle's type and entries; every `fullUrl` unique and equal to `urn:uuid:` + the
//! resource id; every `reference` anywhere in the bundle resolving to an entry; Observations with
//! a valid `status`, a `category`, a `meta.profile`, a `code` with system and code, and components
//! each with a coded `code` and exactly one `value[x]`; every LOINC code one the Genomics Reporting
//! IG uses for that purpose ([`IG_LOINC`]), every other code from the IG's TBD code system; the
//! DiagnosticReport with status, code and a `result` listing every Observation.
//!
//! Not checked (needs the IG's StructureDefinitions and a terminology server): slicing and
//! cardinalities of each profile beyond the above, value-set bindings of text-only values (gene
//! symbols are given as text, not HGNC codes), HGVS syntax, FHIR invariants (FHIRPath).

use std::collections::HashSet;

use serde_json::Value;

use super::fhir::{IG_LOINC, LOINC, TBD};

const OBS_STATUS: &[&str] = &[
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
];
const TBD_CODES: &[&str] = &[
    "diagnostic-implication",
    "therapeutic-implication",
    "conclusion-string",
    "evidence-level",
    "predicted-therapeutic-implication",
    "biomarker-category",
];
const KNOWN_SYSTEMS: &[&str] = &[
    "http://terminology.hl7.org/CodeSystem/observation-category",
    "http://terminology.hl7.org/CodeSystem/v2-0074",
    "http://varnomen.hgvs.org",
];

/// The problems found in `bundle`; empty when it passes.
pub fn check(bundle: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if bundle["resourceType"] != "Bundle" {
        p.push("not a Bundle".to_string());
    }
    if !matches!(bundle["type"].as_str(), Some("collection" | "document")) {
        p.push("Bundle.type must be collection or document".to_string());
    }
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    if entries.is_empty() {
        p.push("Bundle has no entries".to_string());
    }
    let mut urls = HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        let url = e["fullUrl"].as_str().unwrap_or("");
        if !urls.insert(url.to_string()) {
            p.push(format!("entry {i}: fullUrl {url:?} repeated"));
        }
        let id = e["resource"]["id"].as_str().unwrap_or("");
        if url != format!("urn:uuid:{id}") || id.len() != 36 {
            p.push(format!(
                "entry {i}: fullUrl {url:?} is not urn:uuid:<resource id>"
            ));
        }
    }
    let mut refs = Vec::new();
    collect_refs(bundle, &mut refs);
    for r in refs.iter().filter(|r| !urls.contains(**r)) {
        p.push(format!(
            "reference {r:?} does not resolve inside the bundle"
        ));
    }
    let mut observations = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let res = &e["resource"];
        match res["resourceType"].as_str() {
            Some("Observation") => {
                observations.push(e["fullUrl"].as_str().unwrap_or("").to_string());
                observation(res, i, &mut p);
            }
            Some("DiagnosticReport") => report(res, i, &mut p),
            Some("Specimen") => {}
            other => p.push(format!("entry {i}: unexpected resourceType {other:?}")),
        }
    }
    let reports: Vec<&Value> = entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "DiagnosticReport")
        .collect();
    if reports.len() != 1 {
        p.push(format!(
            "expected one DiagnosticReport, found {}",
            reports.len()
        ));
    } else {
        let results: HashSet<&str> = reports[0]["resource"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["reference"].as_str())
            .collect();
        for o in observations
            .iter()
            .filter(|o| !results.contains(o.as_str()))
        {
            p.push(format!("Observation {o} is not in DiagnosticReport.result"));
        }
    }
    p
}

fn collect_refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("reference", Value::String(s)) => out.push(s),
                    _ => collect_refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

fn coding_ok(cc: &Value, at: &str, p: &mut Vec<String>) {
    let codings = cc["coding"].as_array().cloned().unwrap_or_default();
    if codings.is_empty() {
        p.push(format!("{at}: no coding"));
    }
    for c in &codings {
        let (Some(system), Some(code)) = (c["system"].as_str(), c["code"].as_str()) else {
            p.push(format!("{at}: coding without system and code"));
            continue;
        };
        let known = match system {
            LOINC => IG_LOINC.iter().any(|(k, _)| *k == code),
            TBD => TBD_CODES.contains(&code),
            s => KNOWN_SYSTEMS.contains(&s),
        };
        if !known {
            p.push(format!(
                "{at}: code {system}|{code} is not one the IG uses here"
            ));
        }
    }
}

fn value_count(v: &Value) -> usize {
    v.as_object()
        .map_or(0, |o| o.keys().filter(|k| k.starts_with("value")).count())
}

fn observation(res: &Value, i: usize, p: &mut Vec<String>) {
    let at = format!("entry {i} (Observation)");
    if !res["status"]
        .as_str()
        .is_some_and(|s| OBS_STATUS.contains(&s))
    {
        p.push(format!("{at}: invalid status"));
    }
    if res["meta"]["profile"].as_array().is_none_or(Vec::is_empty) {
        p.push(format!("{at}: no meta.profile"));
    }
    match res["category"].as_array() {
        Some(cats) if !cats.is_empty() => cats.iter().for_each(|c| coding_ok(c, &at, p)),
        _ => p.push(format!("{at}: no category")),
    }
    coding_ok(&res["code"], &format!("{at} code"), p);
    if value_count(res) > 1 {
        p.push(format!("{at}: more than one value[x]"));
    }
    for (j, c) in res["component"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        coding_ok(&c["code"], &format!("{at} component {j}"), p);
        if value_count(c) != 1 {
            p.push(format!("{at} component {j}: needs exactly one value[x]"));
        }
        if let Some(cc) = c
            .get("valueCodeableConcept")
            .filter(|cc| cc.get("coding").is_some())
        {
            coding_ok(cc, &format!("{at} component {j} value"), p);
        }
    }
}

fn report(res: &Value, i: usize, p: &mut Vec<String>) {
    let at = format!("entry {i} (DiagnosticReport)");
    if !matches!(
        res["status"].as_str(),
        Some("final" | "preliminary" | "amended" | "corrected")
    ) {
        p.push(format!("{at}: invalid status"));
    }
    coding_ok(&res["code"], &format!("{at} code"), p);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report_doc() -> Value {
        json!({"sample": "S1", "reference_build": "GRCh38", "summary": {"actionable": []},
            "variants": {"significant": [{"gene": "BRCA1", "hgvs_c": "c.68_69del", "zygosity": "0/1",
                "clinical_significance": "Pathogenic", "chrom": "chr17", "pos": 100, "ref": "AAG", "alt": "A"}],
                "uncertain": [], "unannotated": []},
            "pgx": {"genes": [{"gene": "CYP2C19", "called": true, "diplotype": "*1/*17"}],
                "recommendations": [{"drugs": ["clopidogrel"], "genes": {"CYP2C19": "Rapid Metabolizer"},
                "recommendation": "use label dose"}]}})
    }

    #[test]
    fn a_generated_bundle_passes() {
        let b = super::super::fhir::bundle(&report_doc());
        assert_eq!(check(&b), Vec::<String>::new());
        // specimen, report, variant, implication, genotype, therapy
        assert_eq!(b["entry"].as_array().unwrap().len(), 6);
    }

    #[test]
    fn somatic_findings_become_somatic_variants_implications_and_tmb() {
        let mut doc = report_doc();
        doc["somatic"] = json!({"tumor_type": "Colorectal cancer", "biomarkers": [{"gene": "KRAS",
            "chrom": "chr12", "pos": 25245350, "ref": "C", "alt": "A", "hgvs_p": "p.Gly12Cys",
            "tumor_af": 0.31, "tier": "I", "evidence": [{"condition": "Colorectal cancer",
            "drugs": ["cetuximab", "panitumumab"], "level": "A", "same_tumor_type": true,
            "source": "FDA labels", "response": "resistance"}]}],
            "uncertain": [{"gene": "TP53", "chrom": "chr17", "pos": 7675088, "ref": "C", "alt": "T",
            "tumor_af": 0.2, "tier": "III", "evidence": []}],
            "metrics": {"tmb_per_mb": 7.5}});
        let b = super::super::fhir::bundle(&doc);
        assert_eq!(check(&b), Vec::<String>::new());
        let resources: Vec<&Value> = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .collect();
        // the germline six, two somatic variants, one therapeutic implication, the TMB
        assert_eq!(resources.len(), 10);
        let comp = |r: &Value, code: &str| {
            r["component"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["code"]["coding"][0]["code"] == code)
                .cloned()
        };
        let somatic: Vec<&&Value> = resources
            .iter()
            .filter(|r| {
                comp(r, "48002-0")
                    .is_some_and(|c| c["valueCodeableConcept"]["coding"][0]["code"] == "LA6684-0")
            })
            .collect();
        assert_eq!(somatic.len(), 2);
        assert_eq!(
            comp(somatic[0], "81258-6").unwrap()["valueQuantity"]["value"],
            0.31
        );
        let therapy = resources
            .iter()
            .find(|r| comp(r, "predicted-therapeutic-implication").is_some())
            .unwrap();
        assert_eq!(
            comp(therapy, "predicted-therapeutic-implication").unwrap()["valueCodeableConcept"]
                ["text"],
            "Resistance"
        );
        let drugs: Vec<&Value> = therapy["component"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["code"]["coding"][0]["code"] == "51963-7")
            .map(|c| &c["valueCodeableConcept"]["text"])
            .collect();
        assert_eq!(drugs, [&json!("cetuximab"), &json!("panitumumab")]);
        let tmb = resources
            .iter()
            .find(|r| r["code"]["coding"][0]["code"] == "94076-7")
            .unwrap();
        assert_eq!(tmb["valueQuantity"]["value"], 7.5);
        assert_eq!(tmb["valueQuantity"]["code"], "1/1000000{Base}");
    }

    #[test]
    fn dangling_reference_and_foreign_code_are_caught() {
        let mut b = super::super::fhir::bundle(&report_doc());
        b["entry"][2]["resource"]["derivedFrom"] = json!([{"reference": "urn:uuid:nowhere"}]);
        b["entry"][2]["resource"]["code"]["coding"][0]["code"] = json!("12345-6");
        let problems = check(&b);
        assert!(
            problems.iter().any(|m| m.contains("does not resolve")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|m| m.contains("12345-6")),
            "{problems:?}"
        );
    }
}
