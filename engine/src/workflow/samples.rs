//! Sample sheets: CSV or TSV with a header row, a `sample` column and any others.
//!
//! Sample ids become directory and file names and reach scripts, so they are restricted to
//! `[A-Za-z0-9._-]` with no leading dot; a bad id is rejected with its row, not escaped later.

use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

/// A validated sample id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SampleId(String);

impl SampleId {
    pub fn new(id: &str) -> Result<SampleId, String> {
        if id.is_empty() {
            return Err("the sample id is empty".into());
        }
        if id.starts_with('.') {
            return Err(format!(
                "sample id `{id}` starts with a dot; ids may not be hidden file names"
            ));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(format!(
                "sample id `{id}` contains `{}`; use only letters, digits, `.`, `_` and `-`",
                bad.escape_default()
            ));
        }
        Ok(SampleId(id.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SampleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One row of the sample sheet.
#[derive(Debug, Clone)]
pub struct Sample {
    pub id: SampleId,
    /// Column -> value, in sheet order (the `sample` column included).
    pub columns: IndexMap<String, String>,
    /// 1-based line in the sheet, for error messages.
    pub line: u64,
}

/// A loaded sample sheet.
#[derive(Debug, Clone)]
pub struct SampleSheet {
    pub path: PathBuf,
    pub columns: Vec<String>,
    pub samples: Vec<Sample>,
}

impl SampleSheet {
    /// Directory that relative paths in the sheet are resolved against.
    pub fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Read and check a sheet. Errors name the file and line.
    pub fn load(path: &Path) -> Result<SampleSheet, Vec<String>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![format!("{}: cannot read the sample sheet: {e}; check the path given by `samples:` or --samples", path.display())]
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<SampleSheet, Vec<String>> {
        let first = text.lines().next().unwrap_or("");
        let delimiter = if first.contains('\t') { b'\t' } else { b',' };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let file = path.display();
        let headers = reader
            .headers()
            .map_err(|e| vec![format!("{file}: cannot read the header row: {e}")])?
            .clone();
        let columns: Vec<String> = headers.iter().map(str::to_string).collect();
        if !columns.iter().any(|c| c == "sample") {
            return Err(vec![format!(
                "{file}:1: the header has no `sample` column (found: {}); name the id column `sample`",
                columns.join(", ")
            )]);
        }
        let mut errors = Vec::new();
        let mut samples: Vec<Sample> = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(format!("{file}: {e}"));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(str::is_empty) {
                continue;
            }
            let cols: IndexMap<String, String> = columns
                .iter()
                .cloned()
                .zip(record.iter().map(str::to_string))
                .collect();
            let raw = cols.get("sample").cloned().unwrap_or_default();
            match SampleId::new(&raw) {
                Err(e) => errors.push(format!("{file}:{line}: {e}")),
                Ok(id) => {
                    if let Some(prev) = seen.insert(id.clone(), line) {
                        errors.push(format!(
                            "{file}:{line}: sample `{id}` is listed twice (first on line {prev}); sample ids must be unique"
                        ));
                    } else {
                        samples.push(Sample {
                            id,
                            columns: cols,
                            line,
                        });
                    }
                }
            }
        }
        if samples.is_empty() && errors.is_empty() {
            errors.push(format!(
                "{file}: the sample sheet has a header but no samples"
            ));
        }
        if errors.is_empty() {
            Ok(SampleSheet {
                path: path.to_path_buf(),
                columns,
                samples,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_ids() {
        assert!(SampleId::new("NA12878_r1.2-a").is_ok());
        assert!(SampleId::new("x; rm -rf ~")
            .unwrap_err()
            .contains("contains `;`"));
        assert!(SampleId::new(".hidden").unwrap_err().contains("dot"));
        assert!(SampleId::new("a/b").is_err());
        assert!(SampleId::new("").is_err());
    }

    #[test]
    fn parses_csv_and_tsv() {
        let s = SampleSheet::parse(Path::new("s.csv"), "sample,fastq_1\nA,a.fq\nB,b.fq\n").unwrap();
        assert_eq!(s.samples.len(), 2);
        assert_eq!(s.samples[1].columns["fastq_1"], "b.fq");
        assert_eq!(s.samples[1].line, 3);
        let t = SampleSheet::parse(Path::new("s.tsv"), "sample\tx\nA\t1\n").unwrap();
        assert_eq!(t.columns, vec!["sample", "x"]);
    }

    #[test]
    fn reports_bad_rows_with_lines() {
        let errs =
            SampleSheet::parse(Path::new("s.csv"), "sample,x\nA,1\nA,2\nb c,3\n").unwrap_err();
        assert!(
            errs[0].starts_with("s.csv:3: sample `A` is listed twice"),
            "{errs:?}"
        );
        assert!(errs[1].starts_with("s.csv:4:"), "{errs:?}");
        let errs = SampleSheet::parse(Path::new("s.csv"), "id,x\nA,1\n").unwrap_err();
        assert!(errs[0].contains("no `sample` column"));
    }
}
