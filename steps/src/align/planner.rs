//! Planners of `align` and `align-index`: ports, parameter checks and argument lists (no I/O).

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use serde::Deserialize;

/// `params:` of an `align` step.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlignParams {
    pub read_group_id: Option<String>,
    pub library: Option<String>,
    pub platform: Option<String>,
    pub sort_memory_mib: Option<u64>,
    pub max_seed_occurrence: Option<u32>,
    pub optical_distance: Option<u32>,
}

fn parse<T: for<'de> Deserialize<'de>>(
    params: &serde_json::Map<String, serde_json::Value>,
) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::Object(params.clone()))
        .map_err(|e| format!("invalid params: {e}"))
}

/// The `align` step kind.
#[derive(Debug, Default)]
pub struct AlignKind;

impl StepKind for AlignKind {
    fn name(&self) -> &'static str {
        "align"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "minimap2 in-process -> coordinate-sorted, duplicate-marked, indexed BAM + metrics"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        &[
            PortSpec {
                name: "r1",
                required: true,
                many: false,
                doc: "read 1 FASTQ (or single-end reads)",
            },
            PortSpec {
                name: "r2",
                required: false,
                many: false,
                doc: "read 2 FASTQ",
            },
            PortSpec {
                name: "reference",
                required: true,
                many: false,
                doc: "reference FASTA or minimap2 .mmi",
            },
            PortSpec {
                name: "targets",
                required: false,
                many: false,
                doc: "BED of target regions for coverage",
            },
        ]
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        &[
            OutputSpec {
                name: "bam",
                file: "{sample}.bam",
                doc: "sorted, duplicate-marked BAM",
            },
            OutputSpec {
                name: "bai",
                file: "{sample}.bam.bai",
                doc: "BAM index",
            },
            OutputSpec {
                name: "metrics",
                file: "{sample}.metrics.json",
                doc: "alignment metrics",
            },
        ]
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        let p: AlignParams = parse(params)?;
        if p.sort_memory_mib == Some(0) || p.max_seed_occurrence == Some(0) {
            return Err("sort_memory_mib and max_seed_occurrence must be at least 1".to_string());
        }
        for (name, v) in [
            ("read_group_id", &p.read_group_id),
            ("library", &p.library),
            ("platform", &p.platform),
        ] {
            if v.as_deref()
                .is_some_and(|s| s.is_empty() || s.contains(char::is_whitespace))
            {
                return Err(format!(
                    "{name} must be a non-empty word without spaces or tabs"
                ));
            }
        }
        Ok(())
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let p: AlignParams = parse(call.params).unwrap_or_default();
        let mut args = Vec::new();
        let mut push = |flag: &str, v: String| {
            args.push(flag.to_string());
            args.push(v);
        };
        for port in ["r1", "r2", "reference", "targets"] {
            if let Some(path) = call.input(port) {
                push(&format!("--{port}"), path.display().to_string());
            }
        }
        push("--sample", call.sample.unwrap_or("sample").to_string());
        push("--out", call.output("bam").display().to_string());
        push("--threads", call.cpus.max(1).to_string());
        if let Some(v) = p.read_group_id {
            push("--read-group-id", v);
        }
        if let Some(v) = p.library {
            push("--library", v);
        }
        if let Some(v) = p.platform {
            push("--platform", v);
        }
        if let Some(v) = p.optical_distance {
            push("--optical-distance", v.to_string());
        }
        if let Some(v) = p.max_seed_occurrence {
            push("--max-seed-occurrence", v.to_string());
        }
        if let Some(v) = p.sort_memory_mib {
            push("--sort-memory-mib", v.to_string());
        }
        args
    }
}

/// The `align-index` step kind.
#[derive(Debug, Default)]
pub struct AlignIndexKind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

impl StepKind for AlignIndexKind {
    fn name(&self) -> &'static str {
        "align-index"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "build the minimap2 short-read index of a reference once, for align"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        &[PortSpec {
            name: "reference",
            required: true,
            many: false,
            doc: "reference FASTA",
        }]
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        &[OutputSpec {
            name: "index",
            file: "{sample}.mmi",
            doc: "minimap2 index (sr preset)",
        }]
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        parse::<NoParams>(params).map(|_| ())
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(r) = call.input("reference") {
            args.extend(["--reference".to_string(), r.display().to_string()]);
        }
        args.extend([
            "--out".to_string(),
            call.output("index").display().to_string(),
        ]);
        args.extend(["--threads".to_string(), call.cpus.max(1).to_string()]);
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
        v.as_object().unwrap().clone()
    }

    #[test]
    fn check_rejects_unknown_and_bad_params() {
        assert!(AlignKind
            .check(&map(json!({"library": "lib1", "platform": "ILLUMINA"})))
            .is_ok());
        let e = AlignKind.check(&map(json!({"libary": "x"}))).unwrap_err();
        assert!(e.contains("libary"), "{e}");
        assert!(AlignKind
            .check(&map(json!({"library": "two words"})))
            .is_err());
        assert!(AlignIndexKind.check(&map(json!({"k": 1}))).is_err());
    }

    #[test]
    fn args_cover_inputs_outputs_and_params() {
        let mut inputs = IndexMap::new();
        inputs.insert("r1".to_string(), vec![PathBuf::from("/d/a_1.fq.gz")]);
        inputs.insert("r2".to_string(), vec![PathBuf::from("/d/a_2.fq.gz")]);
        inputs.insert("reference".to_string(), vec![PathBuf::from("/ref/r.fa")]);
        let mut outputs = IndexMap::new();
        outputs.insert("bam".to_string(), PathBuf::from("/t/s1.bam"));
        let params = map(json!({"library": "L1"}));
        let call = StepCall {
            sample: Some("s1"),
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 2,
            memory_bytes: 0,
        };
        let args = AlignKind.args(&call).join(" ");
        assert_eq!(
            args,
            "--r1 /d/a_1.fq.gz --r2 /d/a_2.fq.gz --reference /ref/r.fa --sample s1 --out /t/s1.bam --threads 2 --library L1"
        );
    }
}
