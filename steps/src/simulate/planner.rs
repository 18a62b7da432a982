//! The `simulate` and `simulate-somatic` planners: typed params, the files they write, and the
//! `cairn step simulate` argv. Two kinds because the engine's outputs are fixed per kind: the
//! somatic one adds the tumour reads and the somatic truth (and passes `--tumour`).
//!
//! `check` builds the argument list and parses it with the compute's own clap definition and range
//! checks, so a workflow is rejected at load time for exactly the values the step would reject.

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use clap::Parser;
use serde::{Deserialize, Serialize};

use super::Args;

/// `params:` of a simulate step; every field is optional and defaults as on the command line.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub size: Option<u64>,
    pub contigs: Option<usize>,
    pub coverage: Option<f64>,
    pub seed: Option<u64>,
    pub read_length: Option<usize>,
    pub snv_rate: Option<f64>,
    pub indel_rate: Option<f64>,
    pub max_indel: Option<usize>,
    pub hom_fraction: Option<f64>,
    pub insert_mean: Option<f64>,
    pub insert_sd: Option<f64>,
    pub short_fraction: Option<f64>,
    pub error_scale: Option<f64>,
    pub error_rate: Option<f64>,
    pub tail_rate: Option<f64>,
    pub sample: Option<String>,
    pub identical_names: Option<bool>,
    pub origins: Option<bool>,
    pub duplicate_rate: Option<f64>,
    pub purity: Option<f64>,
    pub subclone_size: Option<f64>,
    pub subclonal_share: Option<f64>,
    pub somatic_snv_rate: Option<f64>,
    pub somatic_indel_rate: Option<f64>,
    pub tumour_coverage: Option<f64>,
}

impl Params {
    fn parse(params: &serde_json::Map<String, serde_json::Value>) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::Object(params.clone()))
            .map_err(|e| format!("simulate params: {e}"))
    }

    fn has_tumour_fields(&self) -> bool {
        self.purity.is_some()
            || self.subclone_size.is_some()
            || self.subclonal_share.is_some()
            || self.somatic_snv_rate.is_some()
            || self.somatic_indel_rate.is_some()
            || self.tumour_coverage.is_some()
    }

    /// `--name value` for every field given (`--identical-names` alone when true).
    fn to_args(&self) -> Vec<String> {
        let value = serde_json::to_value(self).expect("params serialize");
        let mut args = Vec::new();
        for (key, v) in value.as_object().into_iter().flatten() {
            let flag = format!("--{}", key.replace('_', "-"));
            match v {
                serde_json::Value::Null | serde_json::Value::Bool(false) => {}
                serde_json::Value::Bool(true) => args.push(flag),
                serde_json::Value::String(s) => args.extend([flag, s.clone()]),
                other => args.extend([flag, other.to_string()]),
            }
        }
        args
    }
}

#[derive(clap::Parser)]
struct Probe {
    #[command(flatten)]
    args: Args,
}

/// The planner of `cairn step simulate`: one germline sample.
#[derive(Debug, Default)]
pub struct SimulateKind;

/// The planner of `cairn step simulate --tumour`: a germline (normal) sample and a tumour sample.
#[derive(Debug, Default)]
pub struct SimulateSomaticKind;

const INPUTS: &[PortSpec] = &[
    PortSpec {
        name: "reference",
        required: false,
        many: false,
        doc: "FASTA to use instead of a random genome",
    },
    PortSpec {
        name: "variants",
        required: false,
        many: false,
        doc: "VCF of variants to plant instead of random ones",
    },
];

const SOMATIC_INPUTS: &[PortSpec] = &[
    INPUTS[0],
    INPUTS[1],
    PortSpec {
        name: "somatic",
        required: false,
        many: false,
        doc: "VCF of somatic variants (INFO/AF) to plant instead of random ones",
    },
];

const GERMLINE_OUTPUTS: [OutputSpec; 6] = [
    OutputSpec {
        name: "reference",
        file: "ref.fa",
        doc: "the reference genome",
    },
    OutputSpec {
        name: "reference_index",
        file: "ref.fa.fai",
        doc: "its samtools faidx index",
    },
    OutputSpec {
        name: "truth",
        file: "truth.vcf.gz",
        doc: "planted germline variants, phased, normalised",
    },
    OutputSpec {
        name: "truth_index",
        file: "truth.vcf.gz.tbi",
        doc: "its tabix index",
    },
    OutputSpec {
        name: "r1",
        file: "reads_1.fq.gz",
        doc: "read 1 of each (normal) pair",
    },
    OutputSpec {
        name: "r2",
        file: "reads_2.fq.gz",
        doc: "read 2 of each (normal) pair",
    },
];

const OUTPUTS: &[OutputSpec] = &GERMLINE_OUTPUTS;

const SOMATIC_OUTPUTS: &[OutputSpec] = &[
    GERMLINE_OUTPUTS[0],
    GERMLINE_OUTPUTS[1],
    GERMLINE_OUTPUTS[2],
    GERMLINE_OUTPUTS[3],
    GERMLINE_OUTPUTS[4],
    GERMLINE_OUTPUTS[5],
    OutputSpec {
        name: "somatic",
        file: "somatic.vcf.gz",
        doc: "somatic variants with expected allele fractions",
    },
    OutputSpec {
        name: "somatic_index",
        file: "somatic.vcf.gz.tbi",
        doc: "its tabix index",
    },
    OutputSpec {
        name: "tumour_r1",
        file: "tumour_1.fq.gz",
        doc: "read 1 of each tumour pair",
    },
    OutputSpec {
        name: "tumour_r2",
        file: "tumour_2.fq.gz",
        doc: "read 2 of each tumour pair",
    },
];

fn check(params: &serde_json::Map<String, serde_json::Value>, somatic: bool) -> Result<(), String> {
    let params = Params::parse(params)?;
    if !somatic && params.has_tumour_fields() {
        return Err(
            "simulate params: purity, subclone_size, subclonal_share, somatic_*_rate and \
                    tumour_coverage belong to kind `simulate-somatic`"
                .into(),
        );
    }
    let mut argv = vec!["simulate".to_string(), "--out".into(), "out".into()];
    argv.extend(params.to_args());
    if somatic {
        argv.push("--tumour".into());
    }
    let probe =
        Probe::try_parse_from(argv).map_err(|e| format!("simulate params: {}", e.kind()))?;
    probe
        .args
        .validate()
        .map_err(|e| format!("simulate params: {e}"))
}

fn args(call: &StepCall<'_>, somatic: bool) -> Vec<String> {
    let mut params = Params::parse(call.params).unwrap_or_default();
    if params.sample.is_none() {
        params.sample = call.sample.map(str::to_string);
    }
    let out = call
        .output("reference")
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let mut args = vec!["--out".to_string(), out.display().to_string()];
    for port in ["reference", "variants", "somatic"] {
        if let Some(path) = call.input(port) {
            args.extend([format!("--{port}"), path.display().to_string()]);
        }
    }
    args.extend(params.to_args());
    if somatic {
        args.push("--tumour".into());
    }
    args.extend(["--threads".into(), call.cpus.max(1).to_string()]);
    args
}

impl StepKind for SimulateKind {
    fn name(&self) -> &'static str {
        "simulate"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "simulate a reference, a truth VCF and Illumina-like paired reads from a seed"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        check(params, false)
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        args(call, false)
    }
}

impl StepKind for SimulateSomaticKind {
    fn name(&self) -> &'static str {
        "simulate-somatic"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "simulate a reference, germline and somatic truth, and normal + tumour paired reads"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        SOMATIC_INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        SOMATIC_OUTPUTS
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        check(params, true)
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        args(call, true)
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
    fn check_accepts_known_and_rejects_unknown_or_out_of_range() {
        let kind = SimulateKind;
        assert!(kind
            .check(&map(
                serde_json::json!({"size": 5000, "coverage": 10, "identical_names": true})
            ))
            .is_ok());
        let e = kind
            .check(&map(serde_json::json!({"sise": 5000})))
            .unwrap_err();
        assert!(e.contains("unknown field `sise`"), "{e}");
        let e = kind
            .check(&map(serde_json::json!({"snv_rate": 2.0})))
            .unwrap_err();
        assert!(e.contains("snv-rate must be between 0 and 1"), "{e}");
        let e = kind
            .check(&map(serde_json::json!({"purity": 0.5})))
            .unwrap_err();
        assert!(e.contains("simulate-somatic"), "{e}");
        assert!(SimulateSomaticKind
            .check(&map(
                serde_json::json!({"purity": 0.5, "tumour_coverage": 80})
            ))
            .is_ok());
        assert!(SimulateSomaticKind
            .check(&map(serde_json::json!({"purity": 1.5})))
            .is_err());
    }

    #[test]
    fn args_name_the_task_directory_inputs_and_params() {
        let outputs: IndexMap<String, PathBuf> = OUTPUTS
            .iter()
            .map(|o| (o.name.to_string(), PathBuf::from("/t").join(o.file)))
            .collect();
        let inputs: IndexMap<String, Vec<PathBuf>> =
            [("variants".to_string(), vec![PathBuf::from("/v.vcf")])].into();
        let params = map(serde_json::json!({"size": 5000, "seed": 7}));
        let call = StepCall {
            sample: Some("NA1"),
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 2,
            memory_bytes: 0,
        };
        let args = SimulateKind.args(&call).join(" ");
        assert_eq!(
            args,
            "--out /t --variants /v.vcf --size 5000 --seed 7 --sample NA1 --threads 2"
        );
    }
}
