//! Reads of one chunk, filtered and reduced to what the caller looks at.
//!
//! Every later stage (pileup counting, candidate discovery, haplotype scoring) works on
//! [`AlignedRead`]s, so the read-level rules live in one place: unmapped, secondary, QC-fail and
//! duplicate reads and reads under the mapping-quality floor are dropped; `N` bases get quality 0;
//! and where the two mates of a pair overlap, the fragment is counted once: the first mate's base
//! takes the combined evidence (qualities add when the mates agree; when they disagree the
//! better base is kept at the difference of the qualities, as bcftools does) and the second
//! mate's bases over the overlap get quality 0 ("masked").

use std::collections::HashMap;

use rust_htslib::bam::record::Cigar;
use rust_htslib::bam::{self, Read as _};

use crate::error::{Result, StepError};

/// One CIGAR operation, reduced to what the caller needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Aligned bases (M, =, X).
    Match(u32),
    Ins(u32),
    Del(u32),
    /// Reference skip (N): consumes reference, not an indel.
    Skip(u32),
    SoftClip(u32),
}

/// A read as the caller sees it. Positions are 0-based on the contig.
#[derive(Debug, Clone)]
pub struct AlignedRead {
    pub start: i64,
    pub ops: Vec<Op>,
    /// Uppercase bases.
    pub seq: Vec<u8>,
    /// Phred base qualities; 0 means "ignore this base" (N, or covered by the overlapping mate).
    pub qual: Vec<u8>,
    pub mapq: u8,
    pub reverse: bool,
}

impl AlignedRead {
    /// End (exclusive) of the aligned reference span.
    pub fn end(&self) -> i64 {
        self.start
            + self
                .ops
                .iter()
                .map(|op| match op {
                    Op::Match(n) | Op::Del(n) | Op::Skip(n) => i64::from(*n),
                    _ => 0,
                })
                .sum::<i64>()
    }

    /// For each query base, the reference position it sits on. Inserted bases take the position of
    /// the next reference base; soft-clipped bases are placed as if they were aligned, so that a
    /// clipped read still offers its bases to haplotype scoring.
    pub fn projection(&self) -> Vec<i64> {
        let mut out = Vec::with_capacity(self.seq.len());
        let lead = match self.ops.first() {
            Some(Op::SoftClip(n)) => i64::from(*n),
            _ => 0,
        };
        let mut r = self.start - lead;
        for op in &self.ops {
            match *op {
                Op::Match(n) | Op::SoftClip(n) => (0..n).for_each(|_| {
                    out.push(r);
                    r += 1;
                }),
                Op::Ins(n) => out.extend(std::iter::repeat_n(r, n as usize)),
                Op::Del(n) | Op::Skip(n) => r += i64::from(n),
            }
        }
        out
    }

    /// The base and quality aligned on reference position `pos`; `None` where the read does not
    /// cover `pos` or has a deletion there.
    pub fn base_at(&self, pos: i64) -> Option<(u8, u8)> {
        self.query_index(pos).map(|i| (self.seq[i], self.qual[i]))
    }

    /// The query index of the base aligned (M/=/X) on reference position `pos`.
    pub fn query_index(&self, pos: i64) -> Option<usize> {
        let (mut r, mut q) = (self.start, 0usize);
        for op in &self.ops {
            match *op {
                Op::Match(n) => {
                    if pos < r + i64::from(n) {
                        return (pos >= r).then(|| q + (pos - r) as usize);
                    }
                    r += i64::from(n);
                    q += n as usize;
                }
                Op::Ins(n) | Op::SoftClip(n) => q += n as usize,
                Op::Del(n) | Op::Skip(n) => {
                    if pos < r + i64::from(n) {
                        return None;
                    }
                    r += i64::from(n);
                }
            }
        }
        None
    }

    /// Fold the second mate's evidence over the overlap into this (first) mate's bases, then mask
    /// the second mate there.
    fn absorb_mate(&mut self, second: &mut AlignedRead) {
        let until = self.end();
        let (mut r, mut q) = (second.start, 0usize);
        for op in &second.ops {
            match *op {
                Op::Match(n) => {
                    for k in 0..n as usize {
                        if r + (k as i64) < until {
                            self.combine(r + k as i64, second.seq[q + k], second.qual[q + k]);
                        }
                    }
                    r += i64::from(n);
                    q += n as usize;
                }
                Op::Ins(n) | Op::SoftClip(n) => q += n as usize,
                Op::Del(n) | Op::Skip(n) => r += i64::from(n),
            }
        }
        second.mask_before(until);
    }

    /// Combine the base `b` at quality `bq` seen by the mate at reference position `pos`.
    fn combine(&mut self, pos: i64, b: u8, bq: u8) {
        let Some(i) = self.query_index_at(pos) else {
            return;
        };
        let (a, aq) = (self.seq[i], self.qual[i]);
        if bq == 0 {
            return;
        }
        (self.seq[i], self.qual[i]) = if aq == 0 {
            (b, bq)
        } else if a == b {
            (a, aq.saturating_add(bq).min(MAX_COMBINED_QUAL))
        } else if aq >= bq {
            (a, aq - bq)
        } else {
            (b, bq - aq)
        };
    }

    /// The query index aligned (M/=/X) on reference position `pos`.
    fn query_index_at(&self, pos: i64) -> Option<usize> {
        let (mut r, mut q) = (self.start, 0usize);
        for op in &self.ops {
            match *op {
                Op::Match(n) => {
                    if pos >= r && pos < r + i64::from(n) {
                        return Some(q + (pos - r) as usize);
                    }
                    r += i64::from(n);
                    q += n as usize;
                }
                Op::Ins(n) | Op::SoftClip(n) => q += n as usize,
                Op::Del(n) | Op::Skip(n) => r += i64::from(n),
            }
        }
        None
    }

    /// Mask (quality 0) every base aligned before reference position `until`.
    fn mask_before(&mut self, until: i64) {
        let proj = self.projection();
        for (q, p) in self.qual.iter_mut().zip(proj) {
            if p < until {
                *q = 0;
            }
        }
    }
}

/// Read filters.
#[derive(Debug, Clone, Copy)]
pub struct ReadFilter {
    pub min_mapq: u8,
}

const SKIP_FLAGS: u16 = 0x4 | 0x100 | 0x200 | 0x400;

/// Ceiling of a base quality after two agreeing mates are combined.
const MAX_COMBINED_QUAL: u8 = 60;

/// Load the reads of `tid` overlapping `[start, end)` from an indexed BAM.
pub fn load(
    bam: &mut bam::IndexedReader,
    bam_name: &str,
    tid: u32,
    start: i64,
    end: i64,
    filter: ReadFilter,
) -> Result<Vec<AlignedRead>> {
    bam.fetch((tid as i32, start, end))
        .map_err(|e| StepError::input(format!("cannot read region of {bam_name}: {e}")))?;
    let mut out: Vec<AlignedRead> = Vec::new();
    // Query name -> index in `out` of the first mate, for pairs whose mates overlap.
    let mut open_pairs: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut record = bam::Record::new();
    let mut last_pos = i64::MIN;
    while let Some(r) = bam.read(&mut record) {
        r.map_err(|e| StepError::input(format!("corrupt record in {bam_name}: {e}")))?;
        if record.pos() < last_pos {
            return Err(StepError::input(format!(
                "{bam_name} is not coordinate-sorted: read {} at position {} follows position {}; \
                 sort it with `samtools sort` and index it with `samtools index`",
                String::from_utf8_lossy(record.qname()),
                record.pos() + 1,
                last_pos + 1
            )));
        }
        last_pos = record.pos();
        if record.flags() & SKIP_FLAGS != 0 || record.mapq() < filter.min_mapq {
            continue;
        }
        let mut read = convert(&record);
        if let Some(first) = open_pairs.remove(record.qname()) {
            out[first].absorb_mate(&mut read);
        } else if record.is_paired()
            && !record.is_mate_unmapped()
            && record.mtid() == record.tid()
            && record.mpos() >= record.pos()
            && record.mpos() < read.end()
        {
            open_pairs.insert(record.qname().to_vec(), out.len());
        }
        out.push(read);
    }
    Ok(out)
}

fn convert(record: &bam::Record) -> AlignedRead {
    let ops = record
        .cigar()
        .iter()
        .filter_map(|c| match *c {
            Cigar::Match(n) | Cigar::Equal(n) | Cigar::Diff(n) => Some(Op::Match(n)),
            Cigar::Ins(n) => Some(Op::Ins(n)),
            Cigar::Del(n) => Some(Op::Del(n)),
            Cigar::RefSkip(n) => Some(Op::Skip(n)),
            Cigar::SoftClip(n) => Some(Op::SoftClip(n)),
            Cigar::HardClip(_) | Cigar::Pad(_) => None,
        })
        .collect();
    let seq: Vec<u8> = record
        .seq()
        .as_bytes()
        .iter()
        .map(u8::to_ascii_uppercase)
        .collect();
    let qual = seq
        .iter()
        .zip(record.qual())
        .map(|(b, q)| {
            if matches!(b, b'A' | b'C' | b'G' | b'T') {
                *q
            } else {
                0
            }
        })
        .collect();
    AlignedRead {
        start: record.pos(),
        ops,
        seq,
        qual,
        mapq: record.mapq(),
        reverse: record.is_reverse(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn read(start: i64, ops: Vec<Op>, seq: &[u8]) -> AlignedRead {
        AlignedRead {
            start,
            ops,
            seq: seq.to_vec(),
            qual: vec![30; seq.len()],
            mapq: 60,
            reverse: false,
        }
    }

    #[test]
    fn projection_places_clips_insertions_and_deletions() {
        let r = read(
            10,
            vec![
                Op::SoftClip(2),
                Op::Match(2),
                Op::Ins(1),
                Op::Match(1),
                Op::Del(2),
                Op::Match(1),
                Op::SoftClip(1),
            ],
            b"AACCGTTA",
        );
        assert_eq!(r.projection(), vec![8, 9, 10, 11, 12, 12, 15, 16]);
        assert_eq!(r.end(), 16);
        assert_eq!(r.base_at(11), Some((b'C', 30)));
        assert_eq!(r.base_at(12), Some((b'T', 30)));
        assert_eq!(r.base_at(13), None);
        assert_eq!(r.base_at(15), Some((b'T', 30)));
        assert_eq!(r.base_at(9), None);
    }

    #[test]
    fn overlapping_mates_count_once_with_combined_quality() {
        let mut first = read(10, vec![Op::Match(6)], b"ACGTAC");
        let mut second = read(13, vec![Op::Match(6)], b"TAGGGG");
        second.qual[1] = 20;
        second.qual[2] = 35;
        first.absorb_mate(&mut second);
        // 13: both T (30 + 30); 14: A vs A at 20 (50); 15: C at 30 vs G at 35 -> G at 5.
        assert_eq!(first.qual, vec![30, 30, 30, 60, 50, 5]);
        assert_eq!(first.seq, b"ACGTAG".to_vec());
        assert_eq!(second.qual, vec![0, 0, 0, 30, 30, 30]);
    }

    #[test]
    fn masking_zeroes_bases_before_the_mate_end() {
        let mut r = read(10, vec![Op::Match(4)], b"ACGT");
        r.mask_before(12);
        assert_eq!(r.qual, vec![0, 0, 30, 30]);
    }
}
