//! `pgx-sites`: every definition position of a definition set as a sites VCF, for the `call`
//! kind's forced-site mode (`call --sites`), so a workflow genotypes each PGx position from the
//! BAM and the `pgx` step can tell hom-ref from no coverage.
//!
//! ```text
//! cairn step pgx-sites --definitions DIR --out sites.vcf
//! ```

use std::path::PathBuf;

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};

use super::definition::Definitions;
use super::sites::sites_vcf;
use crate::{Result, StepError};

/// Arguments of `cairn step pgx-sites`.
#[derive(Debug, clap::Args)]
pub struct SitesArgs {
    /// Directory with CPIC/PharmCAT allele definitions.
    #[arg(long)]
    pub definitions: PathBuf,
    /// Output sites VCF (plain text).
    #[arg(long)]
    pub out: PathBuf,
}

/// `cairn step pgx-sites`: writes the VCF atomically.
pub fn run(args: SitesArgs) -> Result<()> {
    let defs = Definitions::load(&args.definitions)?;
    let name = args
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = args.out.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, sites_vcf(&defs)).map_err(|e| StepError::io("write", &tmp, e))?;
    std::fs::rename(&tmp, &args.out).map_err(|e| StepError::io("rename into", &args.out, e))
}

/// Planner for `cairn step pgx-sites` (no params).
#[derive(Debug, Default)]
pub struct PgxSitesKind;

const INPUTS: &[PortSpec] = &[PortSpec {
    name: "definitions",
    required: true,
    many: false,
    doc: "CPIC/PharmCAT definition directory",
}];

const OUTPUTS: &[OutputSpec] = &[OutputSpec {
    name: "vcf",
    file: "pgx-sites.vcf",
    doc: "every definition position, REF and defined ALTs",
}];

impl StepKind for PgxSitesKind {
    fn name(&self) -> &'static str {
        "pgx-sites"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "PGx definition positions as a sites VCF for forced-site genotyping (`call` sites port)"
    }

    fn inputs(&self) -> &'static [PortSpec] {
        INPUTS
    }

    fn outputs(&self) -> &'static [OutputSpec] {
        OUTPUTS
    }

    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
        cairn_engine::step::no_params(self.name(), params)
    }

    fn args(&self, call: &StepCall<'_>) -> Vec<String> {
        let path = |p: &PathBuf| p.to_string_lossy().into_owned();
        let mut args = Vec::new();
        if let Some(d) = call.input("definitions") {
            args.extend(["--definitions".to_string(), path(d)]);
        }
        args.extend(["--out".to_string(), path(call.output("vcf"))]);
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_position_of_the_bundled_set() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("s.vcf");
        let defs = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../test-data/pgx"));
        run(SitesArgs {
            definitions: defs,
            out: out.clone(),
        })
        .unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.contains("chr10\t94781859\trs4244285\tG\tA\t"),
            "{text}"
        );
        assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 19);
        assert!(PgxSitesKind.check(&serde_json::Map::new()).is_ok());
    }
}
