//! The territory coverage is measured over: the whole reference, or the merged intervals of a
//! targets BED (exome or panel), checked against the reference's contigs.

use std::fs;
use std::path::Path;

use crate::error::{Result, StepError};

/// Per-contig half-open intervals, sorted and merged.
#[derive(Debug, Clone)]
pub struct Territory {
    pub name: String,
    intervals: Vec<Vec<(i64, i64)>>,
}

impl Territory {
    /// Every base of every contig.
    pub fn whole(contigs: &[(String, u64)]) -> Self {
        let intervals = contigs
            .iter()
            .map(|(_, len)| vec![(0, *len as i64)])
            .collect();
        Territory {
            name: "reference".to_string(),
            intervals,
        }
    }

    /// The intervals of a BED file (`chrom start end ...`; `#`, `track` and `browser` lines skipped).
    pub fn from_bed(path: &Path, contigs: &[(String, u64)]) -> Result<Self> {
        let text =
            fs::read_to_string(path).map_err(|e| StepError::io("read targets BED", path, e))?;
        let mut intervals = vec![Vec::new(); contigs.len()];
        for (i, line) in text.lines().enumerate() {
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with("track")
                || line.starts_with("browser")
            {
                continue;
            }
            let bad = |what: &str| {
                StepError::input(format!("{}: line {}: {what}", path.display(), i + 1))
            };
            let mut cols = line.split('\t');
            let chrom = cols.next().unwrap_or_default();
            let parse = |c: Option<&str>| c.and_then(|v| v.trim().parse::<i64>().ok());
            let (Some(start), Some(end)) = (parse(cols.next()), parse(cols.next())) else {
                return Err(bad(
                    "expected `chrom<TAB>start<TAB>end` with integer positions",
                ));
            };
            let Some(tid) = contigs.iter().position(|(n, _)| n == chrom) else {
                return Err(bad(&format!(
                    "contig {chrom:?} is not in the reference; use the reference's contig names"
                )));
            };
            let len = contigs[tid].1 as i64;
            if start < 0 || end < start || end > len {
                return Err(bad(&format!(
                    "interval {start}-{end} is outside {chrom} (0-{len})"
                )));
            }
            if end > start {
                intervals[tid].push((start, end));
            }
        }
        for list in &mut intervals {
            *list = merge(std::mem::take(list));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Territory { name, intervals })
    }

    pub fn total_bp(&self) -> u64 {
        self.intervals
            .iter()
            .flatten()
            .map(|(s, e)| (e - s) as u64)
            .sum()
    }

    /// Is `pos` on `tid` inside the territory? Calls must come in increasing `pos` per contig;
    /// `cursor` (0 at each new contig) remembers where the last call stopped.
    pub fn contains(&self, tid: i32, pos: i64, cursor: &mut usize) -> bool {
        let Some(list) = self.intervals.get(tid as usize) else {
            return false;
        };
        while *cursor < list.len() && list[*cursor].1 <= pos {
            *cursor += 1;
        }
        list.get(*cursor).is_some_and(|(s, _)| *s <= pos)
    }
}

fn merge(mut list: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    list.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(list.len());
    for (s, e) in list {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bed_intervals_merge_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let bed = dir.path().join("t.bed");
        let contigs = vec![("c1".to_string(), 100), ("c2".to_string(), 50)];
        fs::write(&bed, "track name=x\nc1\t10\t20\tx\nc1\t15\t30\nc2\t0\t5\n").unwrap();
        let t = Territory::from_bed(&bed, &contigs).unwrap();
        assert_eq!(t.total_bp(), 25);
        let mut cursor = 0;
        let inside: Vec<i64> = (0..40).filter(|p| t.contains(0, *p, &mut cursor)).collect();
        assert_eq!(inside, (10..30).collect::<Vec<_>>());

        fs::write(&bed, "chrX\t1\t2\n").unwrap();
        let e = Territory::from_bed(&bed, &contigs).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("chrX"), "{e}");
        fs::write(&bed, "c2\t1\t60\n").unwrap();
        assert!(Territory::from_bed(&bed, &contigs).is_err());
    }
}
