//! The `fastq-qc` planner: typed params, ports, and the `cairn step fastq-qc` argv.

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use serde::Deserialize;

/// `params:` of a fastq-qc step; absent fields take the command-line defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub quality_cutoff: Option<u8>,
    pub min_length: Option<usize>,
    pub max_n: Option<usize>,
    pub adapter_trimming: Option<bool>,
    /// `auto`, `on` or `off`.
    pub poly_g: Option<String>,
}

impl Params {
    fn parse(params: &serde_json::Map<String, serde_json::Value>) -> Result<Self, String> {
        let p: Self = serde_json::from_value(serde_json::Value::Object(params.clone()))
            .map_err(|e| format!("fastq-qc params: {e}"))?;
        if p.quality_cutoff.is_some_and(|q| q > 60) {
            return Err("fastq-qc params: quality_cutoff must be 0..=60".into());
        }
        if p.poly_g
            .as_deref()
            .is_some_and(|v| !matches!(v, "auto" | "on" | "off"))
        {
            return Err("fastq-qc params: poly_g must be auto, on or off".into());
        }
        if p.min_length == Some(0) {
            return Err("fastq-qc params: min_length must be at least 1".into());
        }
        Ok(p)
    }
}

/// The planner of `cairn step fastq-qc`.
#[derive(Debug, Default)]
pub struct FastqQcKind;

const INPUTS: &[PortSpec] = &[
    PortSpec {
        name: "r1",
        required: true,
        many: false,
        doc: "read 1 (or single-end) FASTQ, plain or gzipped",
    },
    PortSpec {
        name: "r2",
        required: false,
        many: false,
        doc: "read 2 FASTQ; omit for single-end data",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "r1",
        file: "trimmed_1.fq.gz",
        doc: "trimmed read 1",
    },
    OutputSpec {
        name: "r2",
        file: "trimmed_2.fq.gz",
        doc: "trimmed read 2 (an empty gzip file for single-end input)",
    },
    OutputSpec {
        name: "json",
        file: "qc.json",
        doc: "QC metrics before and after trimming",
    },
];

impl StepKind for FastqQcKind {
    fn name(&self) -> &'static str {
        "fastq-qc"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "trim adapters, low-quality and N tails from FASTQ reads; write QC metrics"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        Params::parse(params).map(|_| ())
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let p = Params::parse(call.params).unwrap_or_default();
        let out = call
            .output("json")
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let mut args = Vec::new();
        for port in ["r1", "r2"] {
            if let Some(path) = call.input(port) {
                args.extend([format!("--{port}"), path.display().to_string()]);
            }
        }
        args.extend(["--out-dir".into(), out]);
        let opts = [
            ("--quality-cutoff", p.quality_cutoff.map(usize::from)),
            ("--min-length", p.min_length),
            ("--max-n", p.max_n),
        ];
        for (flag, value) in opts {
            if let Some(v) = value {
                args.extend([flag.to_string(), v.to_string()]);
            }
        }
        if let Some(mode) = &p.poly_g {
            args.extend(["--poly-g".to_string(), mode.clone()]);
        }
        if p.adapter_trimming == Some(false) {
            args.push("--no-adapter-trim".into());
        }
        args.extend(["--threads".into(), call.cpus.max(1).to_string()]);
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;
    use std::path::PathBuf;

    fn map(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn check_rejects_unknown_and_bad_values() {
        assert!(FastqQcKind
            .check(&map(serde_json::json!({"min_length": 40})))
            .is_ok());
        assert!(FastqQcKind
            .check(&map(serde_json::json!({"min_len": 40})))
            .unwrap_err()
            .contains("unknown field"));
        assert!(FastqQcKind
            .check(&map(serde_json::json!({"quality_cutoff": 99})))
            .is_err());
    }

    #[test]
    fn args_for_single_and_paired_end() {
        let outputs: IndexMap<String, PathBuf> = OUTPUTS
            .iter()
            .map(|o| (o.name.to_string(), PathBuf::from("/t").join(o.file)))
            .collect();
        let mut inputs: IndexMap<String, Vec<PathBuf>> =
            [("r1".to_string(), vec![PathBuf::from("/a_1.fq.gz")])].into();
        let params = map(serde_json::json!({"min_length": 50, "adapter_trimming": false}));
        let args = |inputs: &IndexMap<String, Vec<PathBuf>>| {
            let call = StepCall {
                sample: Some("S"),
                inputs,
                outputs: &outputs,
                params: &params,
                cpus: 4,
                memory_bytes: 0,
            };
            FastqQcKind.args(&call).join(" ")
        };
        assert_eq!(
            args(&inputs),
            "--r1 /a_1.fq.gz --out-dir /t --min-length 50 --no-adapter-trim --threads 4"
        );
        inputs.insert("r2".into(), vec![PathBuf::from("/a_2.fq.gz")]);
        assert!(args(&inputs).starts_with("--r1 /a_1.fq.gz --r2 /a_2.fq.gz --out-dir /t"));
    }
}
