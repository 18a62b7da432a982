//! `{sample}.fhir.json`: the report as a FHIR R4 Bundle after HL7's Genomics Reporting IG.
//!
//! Built from `report.json`, so it says what the HTML says. Resources (Bundle type `collection`):
//! - a `Specimen` identifying the sample (`urn:cairn:sample`): the report has no patient data, so
//!   there is no `Patient` and no `subject`;
//! - a `DiagnosticReport` (profile genomic-report, LOINC 51969-4) whose `result` lists every
//!   observation;
//! - one variant `Observation` per reported variant (LOINC 69548-6, value LA9633-4 "Present"), with
//!   the IG's components where the value is known: 48018-6 gene studied, 48004-6 c.HGVS,
//!   48005-3 p.HGVS, 48019-4 DNA change type (consequence text), 53034-5 allelic state,
//!   62374-4 reference build, 81254-5 genomic start-end, 69547-8 / 69551-0 ref / alt allele;
//! - for annotated variants with a significance, a diagnostic-implication `Observation` (53037-8
//!   clinical significance) `derivedFrom` the variant;
//! - per called pharmacogene a genotype `Observation` (84413-4 genotype display name, component
//!   48018-6), and per CPIC recommendation a therapeutic-implication `Observation` (51963-7
//!   medication assessed, 53040-2 effect on drug metabolism, conclusion text) `derivedFrom` the
//!   genotypes it rests on;
//! - for tumour/normal reports, one variant `Observation` per somatic biomarker and per variant of
//!   uncertain significance, with 48002-0 genomic source class LA6684-0 "Somatic" and 81258-6
//!   sample variant allele fraction; per evidence item of a Tier I/II biomarker a
//!   therapeutic-implication `Observation` (51963-7 medication assessed, the IG's
//!   `predicted-therapeutic-implication` = sensitivity or resistance, 81259-4 associated
//!   phenotype = the evidence's tumour type, the IG's `evidence-level` with the AMP/ASCO/CAP tier
//!   and level, conclusion text with the source) `derivedFrom` the variant; and a
//!   molecular-biomarker `Observation` for the tumour mutational burden (LOINC 94076-7, mutations
//!   per Mb as UCUM `1/1000000{Base}`).
//!
//! Ids are name-based (blake3 of sample and role), so identical inputs give identical bundles.
//! [`check`](super::fhir_check::check) verifies the structure this module promises (see its docs); it runs before the file is
//! written.

use serde_json::{json, Value};

pub const LOINC: &str = "http://loinc.org";
pub const TBD: &str = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs";
const HGVS: &str = "http://varnomen.hgvs.org";
const PROFILE: &str = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/";
const UCUM: &str = "http://unitsofmeasure.org";

/// The LOINC codes this bundle may use, each as the IG uses it.
pub const IG_LOINC: &[(&str, &str)] = &[
    ("51969-4", "Genetic analysis report"),
    ("69548-6", "Genetic variant assessment"),
    ("LA9633-4", "Present"),
    ("48018-6", "Gene studied [ID]"),
    ("48004-6", "DNA change (c.HGVS)"),
    ("48005-3", "Amino acid change (pHGVS)"),
    ("48019-4", "DNA change type"),
    ("53034-5", "Allelic state"),
    ("LA6706-1", "Heterozygous"),
    ("LA6705-3", "Homozygous"),
    ("LA6707-9", "Hemizygous"),
    ("62374-4", "Human reference sequence assembly version"),
    ("LA14029-5", "GRCh37"),
    ("LA26806-2", "GRCh38"),
    ("81254-5", "Genomic allele start-end"),
    ("69547-8", "Genomic ref allele [ID]"),
    ("69551-0", "Genomic alt allele [ID]"),
    ("53037-8", "Genetic variation clinical significance [Imp]"),
    ("84413-4", "Genotype display name"),
    ("51963-7", "Medication assessed [ID]"),
    ("53040-2", "Genetic variation's effect on drug metabolism"),
    ("48002-0", "Genomic source class [Type]"),
    ("LA6684-0", "Somatic"),
    ("81258-6", "Sample variant allelic frequency [NFr]"),
    ("81259-4", "Associated phenotype"),
    ("94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
];

fn display(code: &str) -> &'static str {
    IG_LOINC
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, d)| d)
}

fn loinc(code: &str) -> Value {
    json!({"coding": [{"system": LOINC, "code": code, "display": display(code)}]})
}

fn tbd(code: &str) -> Value {
    json!({"coding": [{"system": TBD, "code": code}]})
}

fn text(s: &str) -> Value {
    json!({"text": s})
}

fn component(code: &str, value: (&str, Value)) -> Value {
    let mut c = json!({"code": loinc(code)});
    c[value.0] = value.1;
    c
}

/// A stable urn:uuid from the sample and a role (UUID version 8, name-based).
fn urn(sample: &str, role: &str) -> String {
    let h = blake3::hash(format!("cairn-report\0{sample}\0{role}").as_bytes());
    let b = h.as_bytes();
    let hex =
        |r: std::ops::Range<usize>| b[r].iter().map(|x| format!("{x:02x}")).collect::<String>();
    let v = format!("8{}", &hex(6..8)[1..]);
    let var = format!("{:x}{}", 0x8 | (b[8] & 0x3), &hex(8..10)[1..]);
    format!(
        "urn:uuid:{}-{}-{v}-{var}-{}",
        hex(0..4),
        hex(4..6),
        hex(10..16)
    )
}

struct Builder<'a> {
    sample: &'a str,
    specimen: String,
    entries: Vec<Value>,
}

impl Builder<'_> {
    fn observation(&mut self, role: &str, profile: &str, code: Value, body: Value) -> String {
        let url = urn(self.sample, role);
        let mut obs = json!({
            "resourceType": "Observation",
            "id": url.trim_start_matches("urn:uuid:"),
            "meta": {"profile": [format!("{PROFILE}{profile}")]},
            "status": "final",
            "category": [
                {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]},
                {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE"}]}
            ],
            "code": code,
            "specimen": {"reference": self.specimen},
        });
        if let (Value::Object(o), Value::Object(b)) = (&mut obs, body) {
            o.extend(b);
        }
        self.entries.push(json!({"fullUrl": url, "resource": obs}));
        url
    }
}

fn variant_components(v: &Value, build: Option<&str>) -> Vec<Value> {
    let mut c = Vec::new();
    let s = |k: &str| v[k].as_str().filter(|x| !x.is_empty());
    if let Some(g) = s("gene") {
        c.push(component("48018-6", ("valueCodeableConcept", text(g))));
    }
    if let Some(h) = s("hgvs_c") {
        let cc = json!({"coding": [{"system": HGVS, "code": h}]});
        c.push(component("48004-6", ("valueCodeableConcept", cc)));
    }
    if let Some(h) = s("hgvs_p") {
        let cc = json!({"coding": [{"system": HGVS, "code": h}]});
        c.push(component("48005-3", ("valueCodeableConcept", cc)));
    }
    if let Some(t) = s("consequence") {
        c.push(component("48019-4", ("valueCodeableConcept", text(t))));
    }
    // Either a VCF genotype ("0/1") or a word ("Heterozygous").
    let state = s("zygosity").map(|z| {
        if z.chars().any(|c| c.is_ascii_digit() || c == '.') {
            super::inputs::zygosity(z).to_string()
        } else {
            z.to_ascii_lowercase()
        }
    });
    let state_code = match state.as_deref() {
        Some("heterozygous") => Some("LA6706-1"),
        Some("homozygous") => Some("LA6705-3"),
        Some("hemizygous") => Some("LA6707-9"),
        _ => None,
    };
    if let Some(code) = state_code {
        c.push(component("53034-5", ("valueCodeableConcept", loinc(code))));
    }
    let build_code = build.and_then(|b| {
        let b = b.to_ascii_lowercase();
        (b.contains("grch38") || b.contains("hg38"))
            .then_some("LA26806-2")
            .or((b.contains("grch37") || b.contains("hg19")).then_some("LA14029-5"))
    });
    if let Some(code) = build_code {
        c.push(component("62374-4", ("valueCodeableConcept", loinc(code))));
    }
    if let (Some(pos), Some(r)) = (v["pos"].as_i64(), s("ref")) {
        let end = pos + r.len() as i64 - 1;
        let range = json!({"low": {"value": pos}, "high": {"value": end}});
        c.push(component("81254-5", ("valueRange", range)));
        c.push(component("69547-8", ("valueString", json!(r))));
    }
    if let Some(a) = s("alt") {
        c.push(component("69551-0", ("valueString", json!(a))));
    }
    c
}

fn add_variants(b: &mut Builder<'_>, report: &Value, results: &mut Vec<String>) {
    let build = report["reference_build"].as_str();
    let v = &report["variants"];
    let lists = ["significant", "uncertain", "unannotated"];
    for (list, i, var) in lists.iter().flat_map(|l| {
        v[*l]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(i, x)| (*l, i, x))
    }) {
        let comps = variant_components(var, build);
        let body = json!({"valueCodeableConcept": loinc("LA9633-4"), "component": comps});
        let url = b.observation(
            &format!("variant/{list}/{i}"),
            "variant",
            loinc("69548-6"),
            body,
        );
        results.push(url.clone());
        if let Some(sig) = var["clinical_significance"].as_str() {
            let code = json!({"coding": [{"system": TBD, "code": "diagnostic-implication"}]});
            let body = json!({
                "derivedFrom": [{"reference": url}],
                "component": [component("53037-8", ("valueCodeableConcept", text(sig)))],
            });
            let role = format!("implication/{list}/{i}");
            results.push(b.observation(&role, "diagnostic-implication", code, body));
        }
    }
}

fn add_pgx(b: &mut Builder<'_>, report: &Value, results: &mut Vec<String>) {
    let mut genotypes: Vec<(String, String)> = Vec::new();
    for g in report["pgx"]["genes"].as_array().into_iter().flatten() {
        let (Some(gene), Some(dip)) = (g["gene"].as_str(), g["diplotype"].as_str()) else {
            continue;
        };
        if !g["called"].as_bool().unwrap_or(false) || dip.is_empty() {
            continue;
        }
        let body = json!({
            "valueCodeableConcept": text(&format!("{gene} {dip}")),
            "component": [component("48018-6", ("valueCodeableConcept", text(gene)))],
        });
        let url = b.observation(
            &format!("genotype/{gene}"),
            "genotype",
            loinc("84413-4"),
            body,
        );
        results.push(url.clone());
        genotypes.push((gene.to_string(), url));
    }
    for (i, r) in report["pgx"]["recommendations"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let genes = r["genes"].as_object().cloned().unwrap_or_default();
        let derived: Vec<Value> = genotypes
            .iter()
            .filter(|(g, _)| genes.contains_key(g))
            .map(|(_, u)| json!({"reference": u}))
            .collect();
        let mut comps: Vec<Value> = r["drugs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|d| component("51963-7", ("valueCodeableConcept", text(d))))
            .collect();
        for ph in genes.values().filter_map(Value::as_str) {
            comps.push(component("53040-2", ("valueCodeableConcept", text(ph))));
        }
        if let Some(rec) = r["recommendation"].as_str() {
            let code = json!({"coding": [{"system": TBD, "code": "conclusion-string"}]});
            comps.push(json!({"code": code, "valueString": rec}));
        }
        let code = json!({"coding": [{"system": TBD, "code": "therapeutic-implication"}]});
        let body = json!({"derivedFrom": derived, "component": comps});
        results.push(b.observation(
            &format!("therapy/{i}"),
            "therapeutic-implication",
            code,
            body,
        ));
    }
}

fn add_somatic(b: &mut Builder<'_>, report: &Value, results: &mut Vec<String>) {
    let somatic = &report["somatic"];
    if !somatic.is_object() {
        return;
    }
    let build = report["reference_build"].as_str();
    for list in ["biomarkers", "uncertain"] {
        for (i, v) in somatic[list].as_array().into_iter().flatten().enumerate() {
            let mut comps = variant_components(v, build);
            comps.push(component(
                "48002-0",
                ("valueCodeableConcept", loinc("LA6684-0")),
            ));
            if let Some(af) = v["tumor_af"].as_f64() {
                let q = json!({"value": af, "system": UCUM, "code": "1"});
                comps.push(component("81258-6", ("valueQuantity", q)));
            }
            let body = json!({"valueCodeableConcept": loinc("LA9633-4"), "component": comps});
            let url = b.observation(
                &format!("somatic/{list}/{i}"),
                "variant",
                loinc("69548-6"),
                body,
            );
            results.push(url.clone());
            for (j, e) in v["evidence"].as_array().into_iter().flatten().enumerate() {
                let role = format!("somatic-therapy/{list}/{i}/{j}");
                results.push(b.observation(
                    &role,
                    "therapeutic-implication",
                    tbd("therapeutic-implication"),
                    somatic_implication(v, e, &url),
                ));
            }
        }
    }
    if let Some(tmb) = somatic["metrics"]["tmb_per_mb"].as_f64() {
        let q = json!({"value": tmb, "unit": "mutations/Mb", "system": UCUM, "code": "1/1000000{Base}"});
        let url = b.observation(
            "somatic/tmb",
            "molecular-biomarker",
            loinc("94076-7"),
            json!({"valueQuantity": q}),
        );
        if let Some(cats) = b
            .entries
            .last_mut()
            .and_then(|e| e["resource"]["category"].as_array_mut())
        {
            cats.push(tbd("biomarker-category"));
        }
        results.push(url);
    }
}

/// The body of a therapeutic implication for one evidence item `e` of somatic variant `v`.
fn somatic_implication(v: &Value, e: &Value, variant_url: &str) -> Value {
    let s = |x: &Value, k: &str| x[k].as_str().unwrap_or("").to_string();
    let drugs: Vec<String> = e["drugs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let mut comps: Vec<Value> = drugs
        .iter()
        .map(|d| component("51963-7", ("valueCodeableConcept", text(d))))
        .collect();
    let resistance = e["response"] == "resistance";
    let effect = if resistance {
        "Resistance"
    } else {
        "Sensitivity"
    };
    comps.push(json!({"code": tbd("predicted-therapeutic-implication"), "valueCodeableConcept": text(effect)}));
    let condition = s(e, "condition");
    if !condition.is_empty() {
        comps.push(component(
            "81259-4",
            ("valueCodeableConcept", text(&condition)),
        ));
    }
    let scope = match e["same_tumor_type"].as_bool() {
        Some(true) => ", for this tumour type",
        Some(false) => ", for another tumour type",
        None => "",
    };
    let level = format!(
        "AMP/ASCO/CAP tier {}, evidence level {}{scope}",
        v["tier"].as_str().unwrap_or("n/a"),
        s(e, "level")
    );
    comps.push(json!({"code": tbd("evidence-level"), "valueCodeableConcept": text(&level)}));
    let change = [s(v, "hgvs_p"), s(v, "hgvs_c")]
        .into_iter()
        .find(|x| !x.is_empty())
        .unwrap_or_else(|| {
            format!(
                "{}:{} {}>{}",
                s(v, "chrom"),
                v["pos"],
                s(v, "ref"),
                s(v, "alt")
            )
        });
    let conclusion = format!(
        "{} {change}: {}{} in {condition} ({level}). Source: {}",
        s(v, "gene"),
        if resistance { "resistance to " } else { "" },
        drugs.join(", "),
        s(e, "source")
    );
    comps.push(json!({"code": tbd("conclusion-string"), "valueString": conclusion.trim()}));
    json!({"derivedFrom": [{"reference": variant_url}], "component": comps})
}

/// The FHIR bundle for a report document.
pub fn bundle(report: &Value) -> Value {
    let sample = report["sample"].as_str().unwrap_or("");
    let specimen = urn(sample, "specimen");
    let mut b = Builder {
        sample,
        specimen: specimen.clone(),
        entries: Vec::new(),
    };
    b.entries.push(json!({"fullUrl": specimen, "resource": {
        "resourceType": "Specimen", "id": specimen.trim_start_matches("urn:uuid:"),
        "identifier": [{"system": "urn:cairn:sample", "value": sample}],
    }}));
    let mut results = Vec::new();
    add_variants(&mut b, report, &mut results);
    add_pgx(&mut b, report, &mut results);
    add_somatic(&mut b, report, &mut results);
    let report_url = urn(sample, "report");
    let n = report["summary"]["actionable"]
        .as_array()
        .map_or(0, Vec::len);
    let mut dr = json!({
        "resourceType": "DiagnosticReport",
        "id": report_url.trim_start_matches("urn:uuid:"),
        "meta": {"profile": [format!("{PROFILE}genomic-report")]},
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE"}]}],
        "code": loinc("51969-4"),
        "specimen": [{"reference": specimen}],
        "result": results.iter().map(|u| json!({"reference": u})).collect::<Vec<_>>(),
        "conclusion": format!("{n} actionable finding(s) for sample {sample}."),
    });
    if let Some(d) = report["date"].as_str() {
        dr["issued"] = json!(d);
    }
    let mut entries = vec![json!({"fullUrl": report_url, "resource": dr})];
    entries.extend(b.entries);
    json!({
        "resourceType": "Bundle",
        "id": urn(sample, "bundle").trim_start_matches("urn:uuid:"),
        "type": "collection",
        "entry": entries,
    })
}
