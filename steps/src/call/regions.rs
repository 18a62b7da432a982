//! The work plan: which stretches of which contigs each parallel job covers.
//!
//! Jobs depend on the inputs and the chunk size only, never on the thread count, and results are
//! written back in job order, so the output is the same bytes however many threads run. Without
//! `--regions` every reference contig present in the BAM is cut into chunks; with a BED its merged
//! intervals are; in forced-sites mode, runs of nearby sites form the jobs.

use std::collections::BTreeMap;
use std::path::Path;

use super::sites::ForcedSite;
use crate::error::{Result, StepError};

/// One unit of parallel work over `[start, end)` of contig `contig` (an index into the output's
/// contig list). `sites` is `Some` in forced-sites mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub contig: usize,
    pub start: i64,
    pub end: i64,
    pub sites: Option<Vec<ForcedSite>>,
}

/// Smallest automatic job size: below it, opening the BAM and the reference per job dominates.
const MIN_AUTO_CHUNK: i64 = 50_000;
/// Jobs an automatic chunk size aims at, so a small genome still keeps a few threads busy.
const AUTO_JOBS: i64 = 16;

/// The job size: at most `max`, and for a small genome less: the intervals' total length split
/// into about [`AUTO_JOBS`] jobs, but not below 50 kb. It depends on the input only, never on the
/// thread count, so the output bytes do not either.
pub fn auto_chunk(max: i64, intervals: &[(usize, i64, i64)]) -> i64 {
    let total: i64 = intervals.iter().map(|(_, s, e)| (e - s).max(0)).sum();
    max.min((total / AUTO_JOBS).max(MIN_AUTO_CHUNK))
}

/// Cut `[start, end)` intervals per contig into jobs of at most `chunk` bases.
pub fn chunk_intervals(intervals: &[(usize, i64, i64)], chunk: i64) -> Vec<Job> {
    let mut jobs = Vec::new();
    for &(contig, start, end) in intervals {
        let mut s = start;
        while s < end {
            let e = (s + chunk).min(end);
            jobs.push(Job {
                contig,
                start: s,
                end: e,
                sites: None,
            });
            s = e;
        }
    }
    jobs
}

/// Read a BED file into merged, sorted intervals, with contigs as indices into `contigs`.
pub fn read_bed(path: &Path, contigs: &[(String, Option<u64>)]) -> Result<Vec<(usize, i64, i64)>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| StepError::io("read regions BED", path, e))?;
    let mut by_contig: BTreeMap<usize, Vec<(i64, i64)>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty()
            || line.starts_with('#')
            || line.starts_with("track")
            || line.starts_with("browser")
        {
            continue;
        }
        let err = |m: String| StepError::input(format!("{} line {}: {m}", path.display(), i + 1));
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            return Err(err("expected chrom<TAB>start<TAB>end".into()));
        }
        let idx = contigs
            .iter()
            .position(|(n, _)| n == cols[0])
            .ok_or_else(|| {
                err(format!(
                    "contig {:?} is not in the reference; use the reference's contig names",
                    cols[0]
                ))
            })?;
        let (s, e) = match (cols[1].trim().parse::<i64>(), cols[2].trim().parse::<i64>()) {
            (Ok(s), Ok(e)) if s >= 0 && e >= s => (s, e),
            _ => {
                return Err(err(format!(
                    "start {:?} and end {:?} must be integers with 0 <= start <= end",
                    cols[1], cols[2]
                )))
            }
        };
        let len = contigs[idx].1.unwrap_or(u64::MAX) as i64;
        by_contig
            .entry(idx)
            .or_default()
            .push((s.min(len), e.min(len)));
    }
    let mut out = Vec::new();
    for (idx, mut v) in by_contig {
        v.sort();
        for (s, e) in v {
            match out.last_mut() {
                Some((c, _, le)) if *c == idx && s <= *le => *le = (*le).max(e),
                _ => out.push((idx, s, e)),
            }
        }
    }
    Ok(out.into_iter().filter(|(_, s, e)| e > s).collect())
}

/// Group forced sites (already keyed to contig indices) into jobs spanning at most `chunk` bases.
pub fn site_jobs(mut sites: Vec<(usize, ForcedSite)>, chunk: i64) -> Vec<Job> {
    sites.sort_by_key(|(c, s)| (*c, s.pos, s.line));
    let mut jobs: Vec<Job> = Vec::new();
    for (contig, site) in sites {
        match jobs.last_mut() {
            Some(j) if j.contig == contig && site.pos < j.start + chunk => {
                j.end = j.end.max(site.end());
                j.sites.get_or_insert_with(Vec::new).push(site);
            }
            _ => jobs.push(Job {
                contig,
                start: site.pos,
                end: site.end(),
                sites: Some(vec![site]),
            }),
        }
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_chunks_keep_small_genomes_parallel() {
        let mb = 1_000_000;
        assert_eq!(auto_chunk(mb, &[(0, 0, 1_000_000)]), 62_500);
        assert_eq!(auto_chunk(mb, &[(0, 0, 40_000)]), 50_000);
        assert_eq!(auto_chunk(mb, &[(0, 0, 3_000_000_000)]), mb);
        assert_eq!(auto_chunk(2500, &[(0, 0, 40_000)]), 2500);
    }

    #[test]
    fn chunks_cover_intervals_exactly() {
        let jobs = chunk_intervals(&[(0, 0, 25), (1, 5, 10)], 10);
        let spans: Vec<_> = jobs.iter().map(|j| (j.contig, j.start, j.end)).collect();
        assert_eq!(
            spans,
            vec![(0, 0, 10), (0, 10, 20), (0, 20, 25), (1, 5, 10)]
        );
    }

    #[test]
    fn bed_intervals_are_merged_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let bed = dir.path().join("r.bed");
        std::fs::write(
            &bed,
            "track x\nc2\t5\t9\nc1\t10\t20\nc1\t15\t30\nc1\t0\t5\n",
        )
        .unwrap();
        let contigs = vec![("c1".to_string(), Some(25)), ("c2".to_string(), Some(100))];
        assert_eq!(
            read_bed(&bed, &contigs).unwrap(),
            vec![(0, 0, 5), (0, 10, 25), (1, 5, 9)]
        );
        std::fs::write(&bed, "chrZ\t1\t2\n").unwrap();
        let e = read_bed(&bed, &contigs).unwrap_err().message;
        assert!(e.contains("line 1") && e.contains("chrZ"), "{e}");
    }

    #[test]
    fn nearby_sites_share_a_job() {
        let site = |pos| ForcedSite {
            contig: "c".into(),
            pos,
            id: String::new(),
            alleles: vec![b"A".to_vec()],
            line: 1,
        };
        let jobs = site_jobs(
            vec![(0, site(500)), (0, site(10)), (0, site(20)), (1, site(5))],
            100,
        );
        let spans: Vec<_> = jobs
            .iter()
            .map(|j| (j.contig, j.start, j.end, j.sites.as_ref().unwrap().len()))
            .collect();
        assert_eq!(spans, vec![(0, 10, 21, 2), (0, 500, 501, 1), (1, 5, 6, 1)]);
    }
}
