//! The `call-somatic` step kind: `cairn step call-somatic` is `cairn step call --somatic`, planned
//! per patient from a tumour and a normal BAM.

use std::path::PathBuf;

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use serde::Deserialize;

/// The planner's view of `params:` for a `call-somatic` step.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub min_mapq: Option<u8>,
    pub min_base_quality: Option<u8>,
    pub skip_identity_check: Option<bool>,
}

/// The `call-somatic` step kind.
#[derive(Debug, Default)]
pub struct SomaticCallKind;

const INPUTS: &[PortSpec] = &[
    PortSpec {
        name: "tumor",
        required: true,
        many: false,
        doc: "tumour BAM, coordinate-sorted, its .bai beside it",
    },
    PortSpec {
        name: "normal",
        required: true,
        many: false,
        doc: "matched normal BAM, coordinate-sorted, its .bai beside it",
    },
    PortSpec {
        name: "reference",
        required: true,
        many: false,
        doc: "reference FASTA both were aligned to",
    },
    PortSpec {
        name: "regions",
        required: false,
        many: false,
        doc: "BED of intervals to call in (also bounds the TMB territory)",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "vcf",
        file: "{sample}.somatic.vcf.gz",
        doc: "bgzipped two-sample somatic VCF (normal, tumour)",
    },
    OutputSpec {
        name: "tbi",
        file: "{sample}.somatic.vcf.gz.tbi",
        doc: "tabix index of the VCF",
    },
    OutputSpec {
        name: "metrics",
        file: "{sample}.somatic-metrics.json",
        doc: "TMB, VAF histogram and tumour/normal identity",
    },
];

fn parse(params: &serde_json::Map<String, serde_json::Value>) -> Result<Params, String> {
    serde_json::from_value(serde_json::Value::Object(params.clone())).map_err(|e| {
        format!(
            "invalid params for `call-somatic`: {e}; known params: min_mapq, min_base_quality, skip_identity_check"
        )
    })
}

impl StepKind for SomaticCallKind {
    fn name(&self) -> &'static str {
        "call-somatic"
    }
    fn version(&self) -> u32 {
        // 2: the metrics carry the SBS96 spectrum of the PASS SNVs
        2
    }
    fn about(&self) -> &'static str {
        "somatic SNV and indel caller: tumour + matched normal BAMs -> two-sample VCF and tumour metrics"
    }
    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }
    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }
    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        parse(params).map(|_| ())
    }
    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let p = parse(call.params).unwrap_or_default();
        let path = |p: &PathBuf| p.display().to_string();
        let mut a = vec!["--somatic".to_string()];
        for port in ["tumor", "normal", "reference", "regions"] {
            if let Some(v) = call.input(port) {
                a.extend([format!("--{port}"), path(v)]);
            }
        }
        a.extend([
            "--out".into(),
            path(call.output("vcf")),
            "--metrics".into(),
            path(call.output("metrics")),
            "--threads".into(),
            call.cpus.max(1).to_string(),
        ]);
        crate::call::read_filter_args(&mut a, p.min_mapq, p.min_base_quality);
        if p.skip_identity_check == Some(true) {
            a.push("--skip-identity-check".into());
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    #[test]
    fn planner_builds_the_argument_list() {
        let mut inputs = IndexMap::new();
        inputs.insert("tumor".to_string(), vec![PathBuf::from("/d/t.bam")]);
        inputs.insert("normal".to_string(), vec![PathBuf::from("/d/n.bam")]);
        inputs.insert("reference".to_string(), vec![PathBuf::from("/d/r.fa")]);
        let mut outputs = IndexMap::new();
        for (k, v) in [("vcf", "/t/p.somatic.vcf.gz"), ("metrics", "/t/p.json")] {
            outputs.insert(k.to_string(), PathBuf::from(v));
        }
        let params: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"min_mapq": 30}"#).unwrap();
        let call = StepCall {
            sample: Some("p"),
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 2,
            memory_bytes: 0,
        };
        assert_eq!(
            SomaticCallKind.args(&call).join(" "),
            "--somatic --tumor /d/t.bam --normal /d/n.bam --reference /d/r.fa --out /t/p.somatic.vcf.gz \
             --metrics /t/p.json --threads 2 --min-mapq 30"
        );
        let bad: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"purity": 1}"#).unwrap();
        assert!(SomaticCallKind
            .check(&bad)
            .unwrap_err()
            .contains("unknown field"));
    }
}
