//! The `report` planner: ports, params and the argument list (no I/O).

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use serde::Deserialize;

/// `params:` of a report step.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Date printed in the report (omitted by default, for reproducible outputs).
    #[serde(default)]
    pub date: Option<String>,
    /// Reference build name, when the VCF header does not say it.
    #[serde(default)]
    pub reference_build: Option<String>,
    /// Tumour type, for the somatic section's tumour-type-dependent tiers.
    #[serde(default)]
    pub tumor_type: Option<String>,
}

/// Planner for `cairn step report`.
#[derive(Debug, Default)]
pub struct ReportKind;

const fn port(name: &'static str, doc: &'static str) -> PortSpec {
    PortSpec {
        name,
        required: false,
        many: false,
        doc,
    }
}

/// (port, command-line flag) pairs; every port is optional.
const FLAGS: &[(&str, &str)] = &[
    ("qc", "--qc"),
    ("alignment", "--alignment"),
    ("vcf", "--vcf"),
    ("eval", "--eval"),
    ("pgx", "--pgx"),
    ("annotated", "--annotated"),
    ("provenance", "--provenance"),
    ("bam", "--bam"),
    ("genes", "--genes"),
    ("reference", "--reference"),
    ("somatic_vcf", "--somatic-vcf"),
    ("somatic_annotated", "--somatic-annotated"),
    ("somatic_metrics", "--somatic-metrics"),
];

const INPUTS: &[PortSpec] = &[
    port("qc", "read QC metrics (fastq-qc json)"),
    port("alignment", "alignment metrics (align metrics)"),
    port("vcf", "called variants (call vcf)"),
    port("eval", "caller accuracy (eval json)"),
    port("pgx", "pharmacogenomic calls (pgx json)"),
    port("annotated", "annotated variants JSON"),
    port("provenance", "provenance.json of an earlier run"),
    port(
        "bam",
        "aligned reads (align bam, .bai beside it): coverage per reported gene",
    ),
    port(
        "genes",
        "BED of the reported genes' regions (name column = gene)",
    ),
    port(
        "reference",
        "reference FASTA of the reads: needed when `bam` is a CRAM",
    ),
    port("somatic_vcf", "somatic calls (call-somatic vcf)"),
    port(
        "somatic_annotated",
        "annotated somatic calls (annotate json)",
    ),
    port("somatic_metrics", "tumour metrics (call-somatic metrics)"),
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "html",
        file: "{sample}.report.html",
        doc: "self-contained HTML report",
    },
    OutputSpec {
        name: "json",
        file: "{sample}.report.json",
        doc: "report document (schema cairn.report/1)",
    },
    OutputSpec {
        name: "fhir",
        file: "{sample}.fhir.json",
        doc: "FHIR R4 Genomics Reporting bundle",
    },
];

impl StepKind for ReportKind {
    fn name(&self) -> &'static str {
        "report"
    }

    fn version(&self) -> u32 {
        // 2: coverage per reported gene; the annotate kind's own fields read
        // 3: somatic section; guidelines blocked by a phenotype-less gene say so
        // 4: somatic findings, their therapeutic implications and TMB in the FHIR bundle;
        //    resistance evidence shown as such
        4
    }

    fn about(&self) -> &'static str {
        "per-sample report: QC, variants, pharmacogenomics, provenance as HTML, JSON and FHIR"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        serde_json::from_value::<Params>(serde_json::Value::Object(params.clone()))
            .map(|_| ())
            .map_err(|e| format!("report params: {e}; allowed: date, reference_build, tumor_type"))
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let params: Params = serde_json::from_value(serde_json::Value::Object(call.params.clone()))
            .unwrap_or_default();
        let path = |p: &std::path::PathBuf| p.to_string_lossy().into_owned();
        let html = call.output("html");
        let dir = html
            .parent()
            .map_or_else(|| ".".to_string(), |d| d.to_string_lossy().into_owned());
        let sample = call.sample.unwrap_or("sample").to_string();
        let mut args = vec!["--sample".to_string(), sample, "--out-dir".to_string(), dir];
        for (port, flag) in FLAGS {
            if let Some(p) = call.input(port) {
                args.extend([flag.to_string(), path(p)]);
            }
        }
        if let Some(d) = params.date {
            args.extend(["--date".to_string(), d]);
        }
        if let Some(b) = params.reference_build {
            args.extend(["--reference-build".to_string(), b]);
        }
        if let Some(t) = params.tumor_type {
            args.extend(["--tumor-type".to_string(), t]);
        }
        for name in ["html", "json", "fhir"] {
            args.extend([format!("--{name}"), path(call.output(name))]);
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;
    use std::path::PathBuf;

    #[test]
    fn check_rejects_unknown_params() {
        let mut p = serde_json::Map::new();
        p.insert("date".into(), "2026-11-28".into());
        assert!(ReportKind.check(&p).is_ok());
        p.insert("bogus".into(), 1.into());
        assert!(ReportKind.check(&p).unwrap_err().contains("bogus"));
    }

    #[test]
    fn args_name_bound_ports_and_every_output() {
        let mut inputs = IndexMap::new();
        inputs.insert("qc".to_string(), vec![PathBuf::from("/d/qc.json")]);
        inputs.insert("vcf".to_string(), vec![PathBuf::from("/d/S1.vcf.gz")]);
        let mut outputs = IndexMap::new();
        for (n, f) in [
            ("html", "S1.report.html"),
            ("json", "S1.report.json"),
            ("fhir", "S1.fhir.json"),
        ] {
            outputs.insert(n.to_string(), PathBuf::from("/t").join(f));
        }
        let params = serde_json::Map::new();
        let call = StepCall {
            sample: Some("S1"),
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 1,
            memory_bytes: 0,
        };
        let args = ReportKind.args(&call).join(" ");
        assert!(
            args.starts_with("--sample S1 --out-dir /t --qc /d/qc.json --vcf /d/S1.vcf.gz"),
            "{args}"
        );
        assert!(args
            .ends_with("--html /t/S1.report.html --json /t/S1.report.json --fhir /t/S1.fhir.json"));
        assert!(!args.contains("--pgx"));
    }
}
