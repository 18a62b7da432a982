//! BED intervals: the benchmark's confident regions and som.py's false-positive regions.
//!
//! Intervals are kept per contig, sorted and merged, so a lookup is one binary search. BED is
//! 0-based half-open; plain or gzip/bgzip files are read.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use crate::{Result, StepError};

#[derive(Debug, Default, Clone)]
pub struct Regions {
    by_contig: HashMap<String, Vec<(u64, u64)>>,
}

impl Regions {
    pub fn from_path(path: &Path) -> Result<Self> {
        Self::parse(crate::textio::open(path, "BED")?, path)
    }

    fn parse(reader: impl BufRead, path: &Path) -> Result<Self> {
        let mut raw: HashMap<String, Vec<(u64, u64)>> = HashMap::new();
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| StepError::io("read BED", path, e))?;
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with("track")
                || line.starts_with("browser")
            {
                continue;
            }
            let (contig, start, end) = parse_line(&line).ok_or_else(|| {
                StepError::input(format!(
                    "{}: line {}: expected `contig<TAB>start<TAB>end` with 0 <= start <= end, got `{line}`; fix or remove the line",
                    path.display(),
                    i + 1
                ))
            })?;
            raw.entry(contig.to_string())
                .or_default()
                .push((start, end));
        }
        let by_contig = raw.into_iter().map(|(c, v)| (c, merge(v))).collect();
        Ok(Self { by_contig })
    }

    /// Whether the 0-based position `pos` lies inside an interval.
    pub fn contains(&self, contig: &str, pos: u64) -> bool {
        self.overlaps(contig, pos, pos + 1)
    }

    /// Whether any base of the 0-based half-open `[start, end)` lies inside an interval.
    pub fn overlaps(&self, contig: &str, start: u64, end: u64) -> bool {
        let Some(iv) = self.by_contig.get(contig) else {
            return false;
        };
        // The first interval ending after `start` is the only candidate (intervals are disjoint).
        let i = iv.partition_point(|&(_, e)| e <= start);
        iv.get(i).is_some_and(|&(s, _)| s < end.max(start + 1))
    }

    /// Total bases covered (after merging overlaps).
    pub fn size(&self) -> u64 {
        self.by_contig.values().flatten().map(|(s, e)| e - s).sum()
    }
}

fn parse_line(line: &str) -> Option<(&str, u64, u64)> {
    let mut f = line.split('\t');
    let contig = f.next()?;
    let start = f.next()?.trim().parse().ok()?;
    let end = f.next()?.trim().parse().ok()?;
    (start <= end && !contig.is_empty()).then_some((contig, start, end))
}

fn merge(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out.retain(|(s, e)| e > s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(text: &str) -> Regions {
        Regions::parse(text.as_bytes(), Path::new("t.bed")).unwrap()
    }

    #[test]
    fn looks_up_half_open_intervals() {
        let r = regions("chr1\t10\t20\nchr1\t15\t30\n# comment\nchr2\t0\t5\tname\n");
        assert!(!r.contains("chr1", 9));
        assert!(r.contains("chr1", 10));
        assert!(r.contains("chr1", 29));
        assert!(!r.contains("chr1", 30));
        assert!(r.contains("chr2", 4));
        assert!(!r.contains("chr3", 4));
        assert_eq!(r.size(), 25);
    }

    #[test]
    fn overlaps_spans() {
        let r = regions("chr1\t10\t20\n");
        assert!(r.overlaps("chr1", 5, 11));
        assert!(!r.overlaps("chr1", 5, 10));
        assert!(r.overlaps("chr1", 19, 40));
        assert!(!r.overlaps("chr1", 20, 40));
    }

    #[test]
    fn rejects_malformed_lines_with_the_line_number() {
        let err = Regions::parse("chr1\t10\t20\nchr1\tx\t5\n".as_bytes(), Path::new("t.bed"))
            .unwrap_err();
        assert!(err.message.contains("line 2"), "{}", err.message);
    }
}
