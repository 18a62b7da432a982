//! The `annotate` planner: ports, params and the argument list (no I/O).
//!
//! Sources are bound to the `sources` port (many files); their names come from the `sources`
//! param, matched by order (`sources: [dbsnp, gnomad]`). Without the param each source is named
//! after its file (`dbsnp_146.hg38.vcf.gz` -> `dbsnp_146_hg38`).

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Names of the files bound to the `sources` port, in order.
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Debug, Default)]
pub struct AnnotateKind;

const INPUTS: &[PortSpec] = &[
    PortSpec {
        name: "vcf",
        required: true,
        many: false,
        doc: "calls to annotate",
    },
    PortSpec {
        name: "annotation",
        required: true,
        many: false,
        doc: "gene models, GFF3 or GTF",
    },
    PortSpec {
        name: "reference",
        required: true,
        many: false,
        doc: "reference FASTA (faidx-indexed)",
    },
    PortSpec {
        name: "sources",
        required: false,
        many: true,
        doc: "bgzipped + tabixed VCFs to look alleles up in (dbSNP, gnomAD, ClinVar)",
    },
    PortSpec {
        name: "knowledge",
        required: false,
        many: false,
        doc: "actionability knowledge directory (default: bundled)",
    },
];

const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "vcf",
        file: "{sample}.annotated.vcf.gz",
        doc: "VCF with CSQ and source fields",
    },
    OutputSpec {
        name: "tbi",
        file: "{sample}.annotated.vcf.gz.tbi",
        doc: "tabix index",
    },
    OutputSpec {
        name: "json",
        file: "{sample}.annotated.json",
        doc: "annotated variants for the report",
    },
];

/// A source name from its file name: letters and digits, the rest `_`.
pub fn name_from_file(path: &std::path::Path) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file
        .trim_end_matches(".gz")
        .trim_end_matches(".vcf")
        .trim_end_matches(".bcf");
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

impl StepKind for AnnotateKind {
    fn name(&self) -> &'static str {
        "annotate"
    }

    fn version(&self) -> u32 {
        // 2: the bundled knowledge base gained rows (its text is part of the binary, not the key);
        // the JSON names its inputs by file name, not by task path
        // 3: knowledge matches carry `response` (sensitivity or resistance) apart from the drugs
        3
    }

    fn about(&self) -> &'static str {
        "consequences, HGVS, database lookups and actionability tiers for called variants"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        let p: Params = serde_json::from_value(serde_json::Value::Object(params.clone()))
            .map_err(|e| format!("annotate params: {e}; allowed: sources"))?;
        if let Some(bad) = p
            .sources
            .iter()
            .find(|n| n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(format!(
                "annotate params: source name `{bad}` must be letters, digits or _"
            ));
        }
        Ok(())
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let params: Params = serde_json::from_value(serde_json::Value::Object(call.params.clone()))
            .unwrap_or_default();
        let path = |p: &std::path::PathBuf| p.to_string_lossy().into_owned();
        let mut args = Vec::new();
        for (port, flag) in [
            ("vcf", "--vcf"),
            ("annotation", "--annotation"),
            ("reference", "--reference"),
        ] {
            if let Some(v) = call.input(port) {
                args.extend([flag.to_string(), path(v)]);
            }
        }
        let files = call.inputs.get("sources").cloned().unwrap_or_default();
        for (i, f) in files.iter().enumerate() {
            let name = params
                .sources
                .get(i)
                .cloned()
                .unwrap_or_else(|| name_from_file(f));
            args.extend(["--source".to_string(), format!("{name}={}", path(f))]);
        }
        if let Some(k) = call.input("knowledge") {
            args.extend(["--knowledge".to_string(), path(k)]);
        }
        args.extend(["--out".to_string(), path(call.output("vcf"))]);
        args.extend(["--json".to_string(), path(call.output("json"))]);
        args.extend(["--threads".to_string(), call.cpus.max(1).to_string()]);
        args
    }
}

/// Planner for `cairn step annotate-index`: the transcript model, built once per annotation.
#[derive(Debug, Default)]
pub struct AnnotateIndexKind;

const INDEX_INPUTS: &[PortSpec] = &[PortSpec {
    name: "annotation",
    required: true,
    many: false,
    doc: "gene models, GFF3 or GTF",
}];

const INDEX_OUTPUTS: &[OutputSpec] = &[OutputSpec {
    name: "model",
    file: "{sample}.cairn-model.json",
    doc: "checked transcript model for annotate",
}];

impl StepKind for AnnotateIndexKind {
    fn name(&self) -> &'static str {
        "annotate-index"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "build the transcript model of a GFF3/GTF once, for annotate"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        INDEX_INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        INDEX_OUTPUTS
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        cairn_engine::step::no_params(self.name(), params)
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(a) = call.input("annotation") {
            args.extend(["--annotation".to_string(), a.to_string_lossy().into_owned()]);
        }
        args.extend([
            "--out".to_string(),
            call.output("model").to_string_lossy().into_owned(),
        ]);
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;
    use std::path::PathBuf;

    #[test]
    fn sources_are_named_by_param_then_file() {
        let mut inputs = IndexMap::new();
        inputs.insert("vcf".to_string(), vec![PathBuf::from("/d/s.vcf.gz")]);
        inputs.insert("annotation".to_string(), vec![PathBuf::from("/a/g.gff3")]);
        inputs.insert("reference".to_string(), vec![PathBuf::from("/r.fa")]);
        inputs.insert(
            "sources".to_string(),
            vec![
                PathBuf::from("/k/dbsnp.vcf.gz"),
                PathBuf::from("/k/gnomad.r2.vcf.gz"),
            ],
        );
        let mut outputs = IndexMap::new();
        outputs.insert("vcf".to_string(), PathBuf::from("/t/s.annotated.vcf.gz"));
        outputs.insert(
            "tbi".to_string(),
            PathBuf::from("/t/s.annotated.vcf.gz.tbi"),
        );
        outputs.insert("json".to_string(), PathBuf::from("/t/s.annotated.json"));
        let mut params = serde_json::Map::new();
        params.insert("sources".into(), serde_json::json!(["dbsnp"]));
        assert!(AnnotateKind.check(&params).is_ok());
        let call = StepCall {
            sample: Some("s"),
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 2,
            memory_bytes: 0,
        };
        assert_eq!(
            AnnotateKind.args(&call).join(" "),
            "--vcf /d/s.vcf.gz --annotation /a/g.gff3 --reference /r.fa --source dbsnp=/k/dbsnp.vcf.gz \
             --source gnomad_r2=/k/gnomad.r2.vcf.gz --out /t/s.annotated.vcf.gz --json /t/s.annotated.json --threads 2"
        );
        params.insert("bogus".into(), 1.into());
        assert!(AnnotateKind.check(&params).unwrap_err().contains("bogus"));
    }
}
