//! The `eval` step kind as the engine sees it: ports, params and the argument list.

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use serde::Deserialize;

/// `params:` of an `eval` step.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Score as som.py does (somatic calls, no genotypes).
    #[serde(default)]
    pub somatic: bool,
    /// Query sample column (default: the first).
    pub sample: Option<String>,
    /// Truth sample column (default: the first).
    pub truth_sample: Option<String>,
}

impl Params {
    fn from_map(params: &serde_json::Map<String, serde_json::Value>) -> Result<Self, String> {
        let p: Self =
            serde_json::from_value(serde_json::Value::Object(params.clone())).map_err(|e| {
                format!("eval params: {e}; known params: somatic (bool), sample, truth_sample")
            })?;
        if p.somatic && (p.sample.is_some() || p.truth_sample.is_some()) {
            return Err("eval params: sample/truth_sample apply to germline mode only; remove them or set somatic: false".into());
        }
        Ok(p)
    }
}

pub struct EvalKind;

const INPUTS: &[PortSpec] = &[
    PortSpec {
        name: "truth",
        required: true,
        many: false,
        doc: "truth VCF",
    },
    PortSpec {
        name: "query",
        required: true,
        many: false,
        doc: "VCF to score",
    },
    PortSpec {
        name: "reference",
        required: false,
        many: false,
        doc: "indexed reference FASTA (left-aligns indels)",
    },
    PortSpec {
        name: "regions",
        required: false,
        many: false,
        doc: "BED: count only variants inside",
    },
    PortSpec {
        name: "fp_regions",
        required: false,
        many: false,
        doc: "BED (somatic): FPs only counted inside",
    },
];

const OUTPUTS: &[OutputSpec] = &[OutputSpec {
    name: "json",
    file: "{sample}.eval.json",
    doc: "SNV/indel TP, FP, FN, precision, recall, F1",
}];

impl StepKind for EvalKind {
    fn name(&self) -> &'static str {
        "eval"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "Compare a VCF with a truth set (germline like hap.py, somatic like som.py)"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        Params::from_map(params).map(|_| ())
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let params = Params::from_map(call.params).unwrap_or_default();
        let mut args = Vec::new();
        for port in ["truth", "query", "reference", "regions", "fp_regions"] {
            if let Some(path) = call.input(port) {
                args.push(format!("--{}", port.replace('_', "-")));
                args.push(path.display().to_string());
            }
        }
        args.push("--json".into());
        args.push(call.output("json").display().to_string());
        if params.somatic {
            args.push("--somatic".into());
        }
        for (flag, value) in [
            ("--sample", &params.sample),
            ("--truth-sample", &params.truth_sample),
        ] {
            if let Some(v) = value {
                args.push(flag.into());
                args.push(v.clone());
            }
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use indexmap::IndexMap;
    use serde_json::json;

    use super::*;

    fn map(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn checks_params() {
        assert!(EvalKind.check(&map(json!({}))).is_ok());
        assert!(EvalKind.check(&map(json!({"somatic": true}))).is_ok());
        let err = EvalKind.check(&map(json!({"somatic": "yes"}))).unwrap_err();
        assert!(err.contains("eval params"), "{err}");
        assert!(EvalKind
            .check(&map(json!({"bogus": 1})))
            .unwrap_err()
            .contains("unknown field"));
        assert!(EvalKind
            .check(&map(json!({"somatic": true, "sample": "T"})))
            .is_err());
    }

    #[test]
    fn builds_arguments_from_bound_ports() {
        let mut inputs = IndexMap::new();
        inputs.insert("truth".to_string(), vec![PathBuf::from("/d/t.vcf.gz")]);
        inputs.insert("query".to_string(), vec![PathBuf::from("/d/q.vcf.gz")]);
        inputs.insert("fp_regions".to_string(), vec![PathBuf::from("/d/fp.bed")]);
        let mut outputs = IndexMap::new();
        outputs.insert("json".to_string(), PathBuf::from("/w/s1.eval.json"));
        let params = map(json!({"somatic": true}));
        let call = StepCall {
            sample: Some("s1"),
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 1,
            memory_bytes: 0,
        };
        assert_eq!(
            EvalKind.args(&call),
            [
                "--truth",
                "/d/t.vcf.gz",
                "--query",
                "/d/q.vcf.gz",
                "--fp-regions",
                "/d/fp.bed",
                "--json",
                "/w/s1.eval.json",
                "--somatic"
            ]
        );
    }
}
