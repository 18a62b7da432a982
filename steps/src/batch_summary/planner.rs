//! The `batch-report` planner: a gather of per-sample report documents (no I/O).

use cairn_engine::step::{OutputSpec, PortSpec, StepCall, StepKind};

/// Planner for `cairn step batch-report`.
#[derive(Debug, Default)]
pub struct BatchReportKind;

const INPUTS: &[PortSpec] = &[PortSpec {
    name: "reports",
    required: true,
    many: true,
    doc: "per-sample report documents (report json, a gather over samples)",
}];

const OUTPUTS: &[OutputSpec] = &[OutputSpec {
    name: "html",
    file: "batch-summary.html",
    doc: "one page for the run: per-sample QC table, charts, links to reports",
}];

impl StepKind for BatchReportKind {
    fn name(&self) -> &'static str {
        "batch-report"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "run summary page: per-sample QC table and charts, links to each sample's report"
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
        let mut a = vec!["--reports".to_string()];
        a.extend(
            call.inputs
                .get("reports")
                .into_iter()
                .flatten()
                .map(|p| p.display().to_string()),
        );
        a.extend([
            "--html".to_string(),
            call.output("html").display().to_string(),
        ]);
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_no_params() {
        let mut p = serde_json::Map::new();
        assert!(BatchReportKind.check(&p).is_ok());
        p.insert("x".into(), 1.into());
        assert!(BatchReportKind.check(&p).unwrap_err().contains("`x`"));
    }
}
