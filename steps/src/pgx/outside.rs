//! Outside calls: diplotypes (or phenotypes) for genes called by another tool, e.g. CYP2D6 from a
//! CNV-aware caller or HLA-B from an HLA typer. One gene per line, tab-separated:
//! `GENE  DIPLOTYPE  [PHENOTYPE  [ACTIVITY_SCORE]]`; `#` starts a comment line.

use std::path::Path;

use crate::error::{Result, StepError};

/// One outside call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideCall {
    pub gene: String,
    /// `*1/*3`, or a single allele for haploid genes (`m.1555A>G`); may be empty if a phenotype is given.
    pub diplotype: String,
    pub phenotype: Option<String>,
    pub activity_score: Option<String>,
}

/// Parses the outside-calls TSV text; `path` names the file in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<OutsideCall>> {
    let mut calls: Vec<OutsideCall> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |m: String| StepError::input(format!("{}: line {}: {m}", path.display(), i + 1));
        let f: Vec<&str> = line.split('\t').map(str::trim).collect();
        if f.len() > 4 {
            return Err(err(format!(
                "expected at most 4 tab-separated columns, found {}",
                f.len()
            )));
        }
        let opt = |k: usize| f.get(k).filter(|s| !s.is_empty()).map(|s| s.to_string());
        let call = OutsideCall {
            gene: f[0].to_string(),
            diplotype: f.get(1).copied().unwrap_or("").to_string(),
            phenotype: opt(2),
            activity_score: opt(3),
        };
        if call.gene.is_empty() {
            return Err(err("the gene column is empty".into()));
        }
        if call.diplotype.is_empty() && call.phenotype.is_none() && call.activity_score.is_none() {
            return Err(err(format!(
                "gene {} has neither a diplotype nor a phenotype",
                call.gene
            )));
        }
        if calls.iter().any(|c| c.gene == call.gene) {
            return Err(err(format!(
                "gene {} is listed twice; give one call per gene",
                call.gene
            )));
        }
        calls.push(call);
    }
    Ok(calls)
}

/// Reads and parses an outside-calls TSV file.
pub fn read(path: &Path) -> Result<Vec<OutsideCall>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| StepError::io("read outside calls", path, e))?;
    parse(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_rejects_duplicates() {
        let p = Path::new("calls.tsv");
        let calls = parse(
            p,
            "# comment\nCYP2D6\t*1/*3\nHLA-B\t*15:02/*57:01\nX\t\tPoor Metabolizer\t0.0\n",
        )
        .expect("ok");
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[2].phenotype.as_deref(), Some("Poor Metabolizer"));
        assert_eq!(calls[2].activity_score.as_deref(), Some("0.0"));
        let err = parse(p, "CYP2D6\t*1/*3\nCYP2D6\t*1/*4\n").expect_err("duplicate");
        assert!(err.message.contains("line 2"), "{}", err.message);
        assert!(parse(p, "CYP2D6\n").is_err());
    }
}
