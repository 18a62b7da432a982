//! The `pgx` planner: ports, params and the argument list (no I/O).

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use serde::Deserialize;

/// `params:` of a pgx step.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// VCF sample column to use, when it differs from the workflow's sample id or the VCF has several.
    #[serde(default)]
    pub sample: Option<String>,
    /// Read PGx positions absent from the VCF as hom-ref (variant-only VCFs; see `--missing-to-ref`).
    #[serde(default)]
    pub missing_to_ref: bool,
}

/// Planner for `cairn step pgx`.
#[derive(Debug, Default)]
pub struct PgxKind;

const INPUTS: &[PortSpec] = &[
    PortSpec {
        name: "vcf",
        required: true,
        many: false,
        doc: "sample VCF (GRCh38), hom-ref records included ideally",
    },
    PortSpec {
        name: "definitions",
        required: true,
        many: false,
        doc: "CPIC/PharmCAT definition directory",
    },
    PortSpec {
        name: "outside_calls",
        required: false,
        many: false,
        doc: "TSV of calls made by other tools (CYP2D6, HLA)",
    },
];

const OUTPUTS: &[OutputSpec] = &[OutputSpec {
    name: "json",
    file: "{sample}.pgx.json",
    doc: "diplotypes, phenotypes, recommendations",
}];

impl StepKind for PgxKind {
    fn name(&self) -> &'static str {
        "pgx"
    }

    fn version(&self) -> u32 {
        // 2: contig names other than bare chromosome numbers are no longer given a `chr` prefix;
        // a gene whose positions are all no-calls says so
        2
    }

    fn about(&self) -> &'static str {
        "pharmacogenomics: genotypes -> star-allele diplotypes -> phenotypes -> CPIC recommendations"
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
            .map_err(|e| format!("pgx params: {e}; allowed: sample, missing_to_ref"))
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let params: Params = serde_json::from_value(serde_json::Value::Object(call.params.clone()))
            .unwrap_or_default();
        let path = |p: &std::path::PathBuf| p.to_string_lossy().into_owned();
        let mut args = Vec::new();
        if let Some(v) = call.input("vcf") {
            args.extend(["--vcf".to_string(), path(v)]);
        }
        if let Some(d) = call.input("definitions") {
            args.extend(["--definitions".to_string(), path(d)]);
        }
        if let Some(o) = call.input("outside_calls") {
            args.extend(["--outside-calls".to_string(), path(o)]);
        }
        if let Some(s) = params.sample {
            args.extend(["--sample".to_string(), s]);
        }
        if params.missing_to_ref {
            args.push("--missing-to-ref".to_string());
        }
        args.extend(["--out".to_string(), path(call.output("json"))]);
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
        p.insert("sample".into(), "NA12878".into());
        assert!(PgxKind.check(&p).is_ok());
        p.insert("bogus".into(), 1.into());
        assert!(PgxKind.check(&p).unwrap_err().contains("bogus"));
    }

    #[test]
    fn args_name_every_bound_port() {
        let mut inputs = IndexMap::new();
        inputs.insert("vcf".to_string(), vec![PathBuf::from("/d/s.vcf.gz")]);
        inputs.insert("definitions".to_string(), vec![PathBuf::from("/k")]);
        let mut outputs = IndexMap::new();
        outputs.insert("json".to_string(), PathBuf::from("/t/s.pgx.json"));
        let mut params = serde_json::Map::new();
        params.insert("sample".into(), "S1".into());
        let call = StepCall {
            sample: Some("s"),
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 1,
            memory_bytes: 0,
        };
        let args = PgxKind.args(&call).join(" ");
        assert_eq!(
            args,
            "--vcf /d/s.vcf.gz --definitions /k --sample S1 --out /t/s.pgx.json"
        );
    }
}
