//! QC metrics, gathered per chunk on worker threads and merged in input order.
//!
//! Everything is kept as integer counts so merging is exact and the JSON is identical whatever the
//! thread count; rates are computed once at the end. Duplication is estimated as fastp does, from
//! exact matches of the whole read (pair), on a deterministic 1-in-4 subsample chosen by the hash
//! itself, so duplicates always land in the sample together and memory stays bounded.

use serde::Serialize;

use crate::fastq::Record;

/// Base-level counts of a set of reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseCounts {
    pub reads: u64,
    pub bases: u64,
    pub q20: u64,
    pub q30: u64,
    pub gc: u64,
}

impl BaseCounts {
    pub fn add(&mut self, seq: &[u8], qual: &[u8]) {
        self.reads += 1;
        self.bases += seq.len() as u64;
        for (&b, &q) in seq.iter().zip(qual) {
            self.q20 += u64::from(q >= 33 + 20);
            self.q30 += u64::from(q >= 33 + 30);
            self.gc += u64::from(b == b'G' || b == b'C');
        }
    }

    fn merge(&mut self, o: &Self) {
        self.reads += o.reads;
        self.bases += o.bases;
        self.q20 += o.q20;
        self.q30 += o.q30;
        self.gc += o.gc;
    }

    fn summary(&self) -> Summary {
        let rate = |x: u64| {
            if self.bases == 0 {
                0.0
            } else {
                round(x as f64 / self.bases as f64)
            }
        };
        Summary {
            reads: self.reads,
            bases: self.bases,
            mean_length: if self.reads == 0 {
                0.0
            } else {
                round(self.bases as f64 / self.reads as f64)
            },
            q20_rate: rate(self.q20),
            q30_rate: rate(self.q30),
            gc_content: rate(self.gc),
        }
    }
}

/// Everything counted over a run (or a chunk of it).
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    pub before: BaseCounts,
    pub after: BaseCounts,
    /// Sum of qualities and number of bases at each position, per mate, before trimming.
    pub position_quality: [Vec<(u64, u64)>; 2],
    /// Number of kept reads of each length.
    pub length_histogram: Vec<u64>,
    /// Reads (single-end) or pairs read and written.
    pub units_in: u64,
    pub units_out: u64,
    pub dropped_too_short: u64,
    pub dropped_too_many_n: u64,
    pub adapter_by_overlap: u64,
    pub adapter_by_sequence: u64,
    /// Bases removed as adapter, and by quality and N trimming after the adapter cut.
    pub adapter_bases: u64,
    pub quality_trimmed_bases: u64,
    pub poly_g_trimmed_reads: u64,
    /// Sampled hashes of whole reads (pairs), for the duplication estimate.
    pub dup_keys: Vec<u64>,
}

impl Metrics {
    /// Count one input read's raw bases and qualities (`mate` 0 or 1).
    pub fn add_input(&mut self, rec: &Record, mate: usize) {
        self.before.add(&rec.seq, &rec.qual);
        let pos = &mut self.position_quality[mate];
        if pos.len() < rec.qual.len() {
            pos.resize(rec.qual.len(), (0, 0));
        }
        for (slot, &q) in pos.iter_mut().zip(&rec.qual) {
            slot.0 += u64::from(q - 33);
            slot.1 += 1;
        }
    }

    /// Count one kept read's trimmed bases.
    pub fn add_output(&mut self, seq: &[u8], qual: &[u8]) {
        self.after.add(seq, qual);
        if self.length_histogram.len() <= seq.len() {
            self.length_histogram.resize(seq.len() + 1, 0);
        }
        self.length_histogram[seq.len()] += 1;
    }

    /// Offer the hash of a read (pair) to the duplication sample.
    pub fn add_dup_key(&mut self, key: u64) {
        if key % 4 == 0 {
            self.dup_keys.push(key);
        }
    }

    pub fn merge(&mut self, o: Metrics) {
        self.before.merge(&o.before);
        self.after.merge(&o.after);
        for (mine, theirs) in self.position_quality.iter_mut().zip(&o.position_quality) {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), (0, 0));
            }
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.0 += b.0;
                a.1 += b.1;
            }
        }
        if self.length_histogram.len() < o.length_histogram.len() {
            self.length_histogram.resize(o.length_histogram.len(), 0);
        }
        for (a, b) in self.length_histogram.iter_mut().zip(&o.length_histogram) {
            *a += b;
        }
        self.units_in += o.units_in;
        self.units_out += o.units_out;
        self.dropped_too_short += o.dropped_too_short;
        self.dropped_too_many_n += o.dropped_too_many_n;
        self.adapter_by_overlap += o.adapter_by_overlap;
        self.adapter_by_sequence += o.adapter_by_sequence;
        self.adapter_bases += o.adapter_bases;
        self.quality_trimmed_bases += o.quality_trimmed_bases;
        self.poly_g_trimmed_reads += o.poly_g_trimmed_reads;
        self.dup_keys.extend(o.dup_keys);
    }

    /// Fraction of sampled reads (pairs) that repeat an earlier one.
    pub fn duplication_rate(&self) -> f64 {
        let mut keys = self.dup_keys.clone();
        keys.sort_unstable();
        keys.dedup();
        if self.dup_keys.is_empty() {
            0.0
        } else {
            round(1.0 - keys.len() as f64 / self.dup_keys.len() as f64)
        }
    }

    pub fn report(&self, paired: bool) -> Report {
        let mean_q = |m: usize| -> Vec<f64> {
            self.position_quality[m]
                .iter()
                .map(|&(s, n)| {
                    if n == 0 {
                        0.0
                    } else {
                        round(s as f64 / n as f64)
                    }
                })
                .collect()
        };
        let adapter_reads = self.adapter_by_overlap + self.adapter_by_sequence;
        Report {
            paired,
            before: self.before.summary(),
            after: self.after.summary(),
            filtering: Filtering {
                unit: if paired { "pair" } else { "read" },
                input: self.units_in,
                kept: self.units_out,
                dropped_too_short: self.dropped_too_short,
                dropped_too_many_n: self.dropped_too_many_n,
            },
            adapters: Adapters {
                trimmed_reads: adapter_reads,
                trimmed_read_rate: ratio(adapter_reads, self.before.reads),
                found_by_overlap: self.adapter_by_overlap,
                found_by_sequence: self.adapter_by_sequence,
                trimmed_bases: self.adapter_bases,
            },
            quality_trimmed_bases: self.quality_trimmed_bases,
            poly_g_trimmed_reads: self.poly_g_trimmed_reads,
            duplication_rate: self.duplication_rate(),
            length_histogram: self
                .length_histogram
                .iter()
                .enumerate()
                .filter(|(_, &n)| n > 0)
                .map(|(len, &n)| [len as u64, n])
                .collect(),
            read1_mean_quality_by_position: mean_q(0),
            read2_mean_quality_by_position: if paired { Some(mean_q(1)) } else { None },
        }
    }
}

fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        round(a as f64 / b as f64)
    }
}

/// FNV-1a over the bases of one or two reads: stable across platforms and releases.
pub fn sequence_key(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(b"\n") {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The `qc.json` document.
#[derive(Debug, Serialize)]
pub struct Report {
    pub paired: bool,
    pub before: Summary,
    pub after: Summary,
    pub filtering: Filtering,
    pub adapters: Adapters,
    /// Bases cut after the adapter: poly-G, quality and `N` trimming.
    pub quality_trimmed_bases: u64,
    pub poly_g_trimmed_reads: u64,
    pub duplication_rate: f64,
    /// `[length, reads]` for every length present after trimming.
    pub length_histogram: Vec<[u64; 2]>,
    pub read1_mean_quality_by_position: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read2_mean_quality_by_position: Option<Vec<f64>>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub reads: u64,
    pub bases: u64,
    pub mean_length: f64,
    pub q20_rate: f64,
    pub q30_rate: f64,
    pub gc_content: f64,
}

#[derive(Debug, Serialize)]
pub struct Filtering {
    pub unit: &'static str,
    pub input: u64,
    pub kept: u64,
    pub dropped_too_short: u64,
    pub dropped_too_many_n: u64,
}

#[derive(Debug, Serialize)]
pub struct Adapters {
    pub trimmed_reads: u64,
    pub trimmed_read_rate: f64,
    pub found_by_overlap: u64,
    pub found_by_sequence: u64,
    pub trimmed_bases: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_merge_exactly() {
        let rec = Record {
            head: b"r".to_vec(),
            seq: b"ACGT".to_vec(),
            qual: b"I5+#".to_vec(),
        };
        let mut a = Metrics::default();
        a.add_input(&rec, 0);
        a.add_output(b"ACG", b"I5+");
        let mut b = Metrics::default();
        b.add_input(&rec, 0);
        b.add_output(b"AC", b"I5");
        a.merge(b);
        assert_eq!(
            a.before,
            BaseCounts {
                reads: 2,
                bases: 8,
                q20: 4,
                q30: 2,
                gc: 4
            }
        );
        let r = a.report(false);
        assert_eq!(r.before.q20_rate, 0.5);
        assert_eq!(r.length_histogram, vec![[2, 1], [3, 1]]);
        assert_eq!(
            r.read1_mean_quality_by_position,
            vec![40.0, 20.0, 10.0, 2.0]
        );
    }

    #[test]
    fn duplication_from_sampled_keys() {
        let mut m = Metrics::default();
        let keys: Vec<u64> = (0..1000u64)
            .map(|i| sequence_key(&[format!("read{}", i % 500).as_bytes()]))
            .collect();
        keys.iter().for_each(|&k| m.add_dup_key(k));
        let rate = m.duplication_rate();
        assert!((0.4..0.6).contains(&rate), "rate {rate}");
        assert_ne!(sequence_key(&[b"AC", b"G"]), sequence_key(&[b"A", b"CG"]));
    }
}
