//! `merge`: per-sample VCFs -> one multi-sample VCF (a gather over samples), bgzipped + tabix.
//!
//! [`read`] parses each input (variants and reference blocks), [`combine`] aligns records by
//! position into shared-allele records and fills samples without a record as `./.` (or 0/0 where
//! the sample's reference blocks cover the site); the output is written with the caller's
//! deterministic bgzip + tabix writer.

pub mod combine;
pub mod read;

use std::path::PathBuf;

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};

use crate::error::Result;

/// `cairn step merge`: merge per-sample VCFs into one multi-sample VCF.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input VCFs (plain, gzip or bgzip), one or more samples each; sample names must differ.
    #[arg(long = "vcf", required = true, num_args = 1..)]
    pub vcfs: Vec<PathBuf>,
    /// Output VCF (bgzipped); OUT.tbi is written beside it.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let mut inputs = Vec::with_capacity(args.vcfs.len());
    for path in &args.vcfs {
        inputs.push(combine::Input {
            name: path.display().to_string(),
            vcf: read::read(path)?,
        });
    }
    let (header, lines) = combine::merge(&inputs)?;
    crate::call::vcf::write_bgzf_indexed(
        &args.out,
        std::iter::once(Ok(header)).chain(lines.into_iter().map(Ok)),
    )
}

/// The `merge` step kind.
#[derive(Debug, Default)]
pub struct MergeKind;

const INPUTS: &[PortSpec] = &[PortSpec {
    name: "vcfs",
    required: true,
    many: true,
    doc: "per-sample VCFs to merge (a gather over samples)",
}];
const OUTPUTS: &[OutputSpec] = &[
    OutputSpec {
        name: "vcf",
        file: "{sample}.vcf.gz",
        doc: "multi-sample bgzipped VCF",
    },
    OutputSpec {
        name: "tbi",
        file: "{sample}.vcf.gz.tbi",
        doc: "tabix index of the VCF",
    },
];

impl StepKind for MergeKind {
    fn name(&self) -> &'static str {
        "merge"
    }
    fn version(&self) -> u32 {
        1
    }
    fn about(&self) -> &'static str {
        "merge per-sample VCFs into one multi-sample VCF (missing genotypes as ./.)"
    }
    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }
    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }
    fn check(
        &self,
        params: &serde_json::Map<String, serde_json::Value>,
    ) -> std::result::Result<(), String> {
        cairn_engine::step::no_params(self.name(), params)
    }
    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let mut a = vec!["--vcf".to_string()];
        a.extend(
            call.inputs
                .get("vcfs")
                .into_iter()
                .flatten()
                .map(|p| p.display().to_string()),
        );
        a.extend([
            "--out".to_string(),
            call.output("vcf").display().to_string(),
        ]);
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    #[test]
    fn planner_passes_every_gathered_vcf() {
        let mut inputs = IndexMap::new();
        inputs.insert(
            "vcfs".to_string(),
            vec![PathBuf::from("/a.vcf.gz"), PathBuf::from("/b.vcf.gz")],
        );
        let mut outputs = IndexMap::new();
        outputs.insert("vcf".to_string(), PathBuf::from("/t/cohort.vcf.gz"));
        let params = serde_json::Map::new();
        let call = StepCall {
            sample: None,
            inputs: &inputs,
            outputs: &outputs,
            params: &params,
            cpus: 1,
            memory_bytes: 0,
        };
        assert_eq!(
            MergeKind.args(&call).join(" "),
            "--vcf /a.vcf.gz /b.vcf.gz --out /t/cohort.vcf.gz"
        );
        let mut bad = serde_json::Map::new();
        bad.insert("x".into(), serde_json::Value::Null);
        assert!(MergeKind.check(&bad).is_err());
    }
}
