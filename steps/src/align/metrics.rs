//! Alignment metrics, gathered from the sorted stream as it is written (no second pass).
//!
//! Read counts follow `samtools flagstat` (primary records only); the insert-size distribution is
//! taken over proper pairs, once per pair; depth follows `samtools depth` defaults (aligned bases of
//! M/=/X operations, duplicates and unmapped reads left out, overlapping mates both counted) and is
//! computed with a difference window that only ever spans one read's reach, so memory does not grow
//! with the genome. Breadth is the share of the territory (the reference, or the targets BED)
//! covered at least 1x, 10x and 20x.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::record::*;
use super::targets::Territory;

/// Counters and coverage accumulators for one BAM.
#[derive(Debug)]
pub struct Metrics {
    total: u64,
    mapped: u64,
    paired: u64,
    proper: u64,
    duplicates: u64,
    optical: u64,
    supplementary: u64,
    inserts: BTreeMap<i64, u64>,
    coverage: Coverage,
}

impl Metrics {
    pub fn new(territory: Territory) -> Self {
        Metrics {
            total: 0,
            mapped: 0,
            paired: 0,
            proper: 0,
            duplicates: 0,
            optical: 0,
            supplementary: 0,
            inserts: BTreeMap::new(),
            coverage: Coverage::new(territory),
        }
    }

    /// Count one record (`optical`: an optical duplicate); records must come in coordinate order.
    pub fn add(&mut self, rec: &AlnRecord, optical: bool) {
        let flag = rec.flag;
        if flag & FLAG_SUPPLEMENTARY != 0 {
            self.supplementary += 1;
        } else {
            self.total += 1;
            self.paired += u64::from(flag & FLAG_PAIRED != 0);
            if flag & FLAG_UNMAPPED == 0 {
                self.mapped += 1;
                self.proper += u64::from(flag & FLAG_PROPER != 0);
                self.duplicates += u64::from(flag & FLAG_DUPLICATE != 0);
                self.optical += u64::from(optical);
                if flag & FLAG_PROPER != 0 && rec.tlen > 0 {
                    *self.inserts.entry(rec.tlen).or_default() += 1;
                }
            }
        }
        if flag & (FLAG_UNMAPPED | FLAG_SECONDARY | FLAG_DUPLICATE) == 0 {
            self.coverage.add(rec);
        }
    }

    /// The final report.
    pub fn finish(mut self, sample: &str) -> MetricsReport {
        let (mean_depth, breadth) = self.coverage.finish();
        let pct = |n: u64, d: u64| {
            if d == 0 {
                0.0
            } else {
                round(100.0 * n as f64 / d as f64, 3)
            }
        };
        MetricsReport {
            sample: sample.to_string(),
            total_reads: self.total,
            paired_reads: self.paired,
            mapped_reads: self.mapped,
            mapped_pct: pct(self.mapped, self.total),
            properly_paired_reads: self.proper,
            properly_paired_pct: pct(self.proper, self.paired),
            duplicate_reads: self.duplicates,
            duplicate_pct_of_mapped: pct(self.duplicates, self.mapped),
            optical_duplicate_reads: self.optical,
            supplementary_records: self.supplementary,
            insert_size: InsertSize::from_counts(&self.inserts),
            coverage: CoverageReport {
                territory: self.coverage.territory.name.clone(),
                territory_bp: self.coverage.territory.total_bp(),
                mean_depth: round(mean_depth, 3),
                breadth_ge_1x_pct: round(breadth[0], 3),
                breadth_ge_10x_pct: round(breadth[1], 3),
                breadth_ge_20x_pct: round(breadth[2], 3),
            },
        }
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// What `OUT.metrics.json` holds.
#[derive(Debug, Serialize)]
pub struct MetricsReport {
    pub sample: String,
    pub total_reads: u64,
    pub paired_reads: u64,
    pub mapped_reads: u64,
    pub mapped_pct: f64,
    pub properly_paired_reads: u64,
    pub properly_paired_pct: f64,
    pub duplicate_reads: u64,
    pub duplicate_pct_of_mapped: f64,
    /// Duplicates that are optical (0 unless `--optical-distance` is set).
    pub optical_duplicate_reads: u64,
    pub supplementary_records: u64,
    pub insert_size: InsertSize,
    pub coverage: CoverageReport,
}

#[derive(Debug, Serialize)]
pub struct CoverageReport {
    /// `reference` or the targets BED's file name.
    pub territory: String,
    pub territory_bp: u64,
    pub mean_depth: f64,
    pub breadth_ge_1x_pct: f64,
    pub breadth_ge_10x_pct: f64,
    pub breadth_ge_20x_pct: f64,
}

/// Insert sizes of proper pairs.
#[derive(Debug, Serialize, PartialEq)]
pub struct InsertSize {
    pub pairs: u64,
    pub median: i64,
    pub mean: f64,
    pub sd: f64,
    /// `[bin start, count]` in bins of [`InsertSize::BIN`] bp.
    pub histogram: Vec<[u64; 2]>,
}

impl InsertSize {
    pub const BIN: i64 = 10;

    pub fn from_counts(counts: &BTreeMap<i64, u64>) -> Self {
        let n: u64 = counts.values().sum();
        if n == 0 {
            return InsertSize {
                pairs: 0,
                median: 0,
                mean: 0.0,
                sd: 0.0,
                histogram: Vec::new(),
            };
        }
        let sum: f64 = counts.iter().map(|(k, c)| *k as f64 * *c as f64).sum();
        let mean = sum / n as f64;
        let var: f64 = counts
            .iter()
            .map(|(k, c)| (*k as f64 - mean).powi(2) * *c as f64)
            .sum::<f64>()
            / n as f64;
        let mut seen = 0;
        let mut median = 0;
        for (k, c) in counts {
            seen += c;
            if seen * 2 >= n {
                median = *k;
                break;
            }
        }
        let mut bins: BTreeMap<i64, u64> = BTreeMap::new();
        for (k, c) in counts {
            *bins.entry(k / Self::BIN * Self::BIN).or_default() += c;
        }
        let histogram = bins.into_iter().map(|(b, c)| [b as u64, c]).collect();
        InsertSize {
            pairs: n,
            median,
            mean: round(mean, 3),
            sd: round(var.sqrt(), 3),
            histogram,
        }
    }
}

/// Streaming depth over sorted records.
#[derive(Debug)]
struct Coverage {
    territory: Territory,
    tid: i32,
    /// Positions before this one are final and counted.
    flushed: i64,
    /// Depth changes at `flushed + i`.
    diff: VecDeque<i32>,
    depth: i64,
    cursor: usize,
    sum_depth: u64,
    at_least: [u64; 3],
}

const THRESHOLDS: [i64; 3] = [1, 10, 20];

impl Coverage {
    fn new(territory: Territory) -> Self {
        Coverage {
            territory,
            tid: -1,
            flushed: 0,
            diff: VecDeque::new(),
            depth: 0,
            cursor: 0,
            sum_depth: 0,
            at_least: [0; 3],
        }
    }

    fn add(&mut self, rec: &AlnRecord) {
        if rec.tid != self.tid {
            self.flush(i64::MAX);
            (self.tid, self.flushed, self.depth, self.cursor) = (rec.tid, 0, 0, 0);
        }
        self.flush(rec.pos);
        let mut at = rec.pos;
        for op in rec.cigar() {
            let len = (op >> 4) as i64;
            match op & 0xf {
                CIGAR_M | CIGAR_EQ | CIGAR_X => {
                    self.bump(at, 1);
                    self.bump(at + len, -1);
                    at += len;
                }
                CIGAR_D | CIGAR_N => at += len,
                _ => {}
            }
        }
    }

    fn bump(&mut self, pos: i64, delta: i32) {
        let i = (pos - self.flushed) as usize;
        if self.diff.len() <= i {
            self.diff.resize(i + 1, 0);
        }
        self.diff[i] += delta;
    }

    /// Count all positions before `upto` (as far as any read reaches).
    fn flush(&mut self, upto: i64) {
        while self.flushed < upto {
            let Some(d) = self.diff.pop_front() else {
                self.flushed = upto;
                return;
            };
            self.depth += d as i64;
            if self.depth > 0
                && self
                    .territory
                    .contains(self.tid, self.flushed, &mut self.cursor)
            {
                self.sum_depth += self.depth as u64;
                for (n, t) in self.at_least.iter_mut().zip(THRESHOLDS) {
                    *n += u64::from(self.depth >= t);
                }
            }
            self.flushed += 1;
        }
    }

    /// Mean depth and breadth percentages over the territory.
    fn finish(&mut self) -> (f64, [f64; 3]) {
        self.flush(i64::MAX);
        let bp = self.territory.total_bp();
        if bp == 0 {
            return (0.0, [0.0; 3]);
        }
        let pct = |n: u64| 100.0 * n as f64 / bp as f64;
        (self.sum_depth as f64 / bp as f64, self.at_least.map(pct))
    }
}

#[cfg(test)]
mod tests {
    use super::super::targets::Territory;
    use super::*;

    fn rec(pos: i64, cigar: &[u32], flag: u16, tlen: i64) -> AlnRecord {
        let len: u32 = cigar
            .iter()
            .filter(|c| matches!(*c & 0xf, CIGAR_M | CIGAR_S))
            .map(|c| c >> 4)
            .sum();
        let seq = vec![b'A'; len as usize];
        let parts = RecordParts {
            qname: b"r",
            cigar,
            seq: &seq,
            qual: &seq,
            aux: &[],
        };
        let mut r = AlnRecord::encode(&parts, 0);
        (r.tid, r.pos, r.flag, r.tlen) = (0, pos, flag, tlen);
        r
    }

    #[test]
    fn depth_and_breadth_over_a_small_contig() {
        let mut m = Metrics::new(Territory::whole(&[("c".into(), 100)]));
        let proper = FLAG_PAIRED | FLAG_PROPER;
        m.add(&rec(10, &[10 << 4 | CIGAR_M], proper, 30), false); // 10..20
        m.add(
            &rec(
                15,
                &[5 << 4 | CIGAR_M, 5 << 4 | CIGAR_D, 5 << 4 | CIGAR_M],
                proper,
                -30,
            ),
            false,
        ); // 15..20, 25..30
        m.add(
            &rec(15, &[10 << 4 | CIGAR_M], proper | FLAG_DUPLICATE, 0),
            true,
        ); // an optical duplicate: not counted for depth
        m.add(
            &rec(
                90,
                &[2 << 4 | CIGAR_S, 10 << 4 | CIGAR_M],
                FLAG_PAIRED | FLAG_MATE_UNMAPPED,
                0,
            ),
            false,
        ); // 90..100
        let mut unmapped = rec(90, &[], FLAG_PAIRED | FLAG_UNMAPPED, 0);
        unmapped.tid = 0;
        m.add(&unmapped, false);
        let r = m.finish("s");
        assert_eq!(r.optical_duplicate_reads, 1);
        assert_eq!(
            (
                r.total_reads,
                r.mapped_reads,
                r.properly_paired_reads,
                r.duplicate_reads
            ),
            (5, 4, 3, 1)
        );
        assert_eq!(r.insert_size.pairs, 1);
        // depth: 10..15 x1, 15..20 x2, 25..30 x1, 90..100 x1 => 5 + 10 + 5 + 10 = 30 over 100 bp
        assert_eq!(r.coverage.mean_depth, 0.3);
        assert_eq!(r.coverage.breadth_ge_1x_pct, 25.0);
        assert_eq!(r.coverage.breadth_ge_10x_pct, 0.0);
    }

    #[test]
    fn insert_size_summary() {
        let counts = BTreeMap::from([(100, 1), (200, 2), (305, 1)]);
        let s = InsertSize::from_counts(&counts);
        assert_eq!((s.pairs, s.median, s.mean), (4, 200, 201.25));
        assert_eq!(s.histogram, vec![[100, 1], [200, 2], [300, 1]]);
    }
}
