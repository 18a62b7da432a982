//! Candidate discovery: count what the reads show at every position and keep the alleles that
//! enough reads support.
//!
//! This pass only proposes; it decides nothing. Mismatches are counted from bases at or above the
//! base-quality floor; indels are read from the CIGARs, left-aligned against the reference, and
//! counted per normalised allele. A candidate needs `min_alt_count` supporting reads and a minimum
//! fraction of the depth; the genotyper (pileup likelihoods for isolated SNVs, haplotype scoring
//! for indels and clusters) then decides whether it is real.

use std::collections::BTreeMap;

use super::candidate::{Candidate, RefWindow};
use super::reads::{AlignedRead, Op};

/// Thresholds for proposing candidates.
#[derive(Debug, Clone, Copy)]
pub struct DiscoveryParams {
    pub min_bq: u8,
    pub min_alt_count: u32,
    pub min_snv_fraction: f64,
    pub min_indel_fraction: f64,
}

impl Default for DiscoveryParams {
    fn default() -> Self {
        Self {
            min_bq: 13,
            min_alt_count: 2,
            min_snv_fraction: 0.1,
            min_indel_fraction: 0.08,
        }
    }
}

/// Base counts over `[from, to)`.
struct Counts {
    from: i64,
    bases: Vec<[u32; 4]>,
    depth: Vec<u32>,
    /// Reads with an indel or a soft-clip boundary at each position: signs that the aligner
    /// struggled there.
    events: Vec<u32>,
}

/// How far from an indel other alignment events still count as corroborating it.
const EVENT_REACH: i64 = 10;

impl Counts {
    fn event(&mut self, pos: i64) {
        if let Some(i) = self.slot(pos) {
            self.events[i] += 1;
        }
    }

    fn slot(&self, pos: i64) -> Option<usize> {
        let i = pos - self.from;
        (i >= 0 && (i as usize) < self.depth.len()).then_some(i as usize)
    }
}

/// Index of a base in `ACGT`, or `None` for anything else.
pub fn base_index(b: u8) -> Option<usize> {
    match b {
        b'A' => Some(0),
        b'C' => Some(1),
        b'G' => Some(2),
        b'T' => Some(3),
        _ => None,
    }
}

const BASES: [u8; 4] = *b"ACGT";

type IndelKey = (i64, Vec<u8>, Vec<u8>);

/// What discovery saw over `[from, from + depth.len())`.
#[derive(Debug)]
pub struct Discovery {
    /// Candidates sorted by position then allele.
    pub candidates: Vec<Candidate>,
    pub from: i64,
    /// Bases at or above the quality floor, per position.
    pub depth: Vec<u32>,
    /// Of those, bases matching the reference.
    pub ref_depth: Vec<u32>,
}

/// Propose candidates with `pos` in `[from, to)`.
pub fn discover(
    reads: &[AlignedRead],
    refw: &RefWindow,
    from: i64,
    to: i64,
    p: &DiscoveryParams,
) -> Discovery {
    let len = (to - from).max(0) as usize;
    let mut counts = Counts {
        from,
        bases: vec![[0; 4]; len],
        depth: vec![0; len],
        events: vec![0; len],
    };
    let mut indels: BTreeMap<IndelKey, (u32, i64)> = BTreeMap::new();
    for read in reads {
        count_read(read, refw, &mut counts, &mut indels, p.min_bq);
    }
    let mut out = snv_candidates(&counts, refw, p);
    out.extend(indel_candidates(&counts, indels, to, p));
    out.sort();
    let ref_depth = (0..counts.depth.len())
        .map(|i| {
            refw.base(from + i as i64)
                .and_then(base_index)
                .map_or(0, |r| counts.bases[i][r])
        })
        .collect();
    Discovery {
        candidates: out,
        from,
        depth: counts.depth,
        ref_depth,
    }
}

fn snv_candidates(counts: &Counts, refw: &RefWindow, p: &DiscoveryParams) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (i, (counts_at, depth)) in counts.bases.iter().zip(&counts.depth).enumerate() {
        let pos = counts.from + i as i64;
        let Some(r) = refw.base(pos).and_then(base_index) else {
            continue;
        };
        for (b, &n) in counts_at.iter().enumerate() {
            if b != r
                && n >= p.min_alt_count
                && f64::from(n) >= p.min_snv_fraction * f64::from(*depth)
            {
                out.push(Candidate::snv(pos, BASES[r], BASES[b], n));
            }
        }
    }
    out
}

/// Indels with enough support: `min_alt_count` reads, or fewer where other reads' clips and gaps
/// nearby corroborate them; and always a minimum fraction of the depth.
fn indel_candidates(
    counts: &Counts,
    indels: BTreeMap<IndelKey, (u32, i64)>,
    to: i64,
    p: &DiscoveryParams,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for ((pos, reference, alt), own, n, shift_end) in pool_insertions(indels) {
        let depth = counts.slot(pos).map_or(0, |i| counts.depth[i]).max(n);
        let corroborated = || {
            let (a, b) = (pos - EVENT_REACH, shift_end + EVENT_REACH);
            (a..b)
                .filter_map(|x| counts.slot(x))
                .map(|i| counts.events[i])
                .sum::<u32>()
                >= p.min_alt_count
        };
        if pos >= counts.from
            && pos < to
            && (n >= p.min_alt_count || corroborated())
            && f64::from(n) >= p.min_indel_fraction * f64::from(depth)
        {
            out.push(Candidate {
                pos,
                reference,
                alt,
                support: own,
                shift_end,
            });
        }
    }
    out
}

/// Insertions at one position with one length pool their support: a sequencing error inside an
/// inserted stretch should not split it below the threshold. The most supported sequences of the
/// pool (up to [`MAX_POOLED`]) all become candidates, and haplotype scoring picks between them.
/// Returns (allele, own support, pooled support, shift end).
fn pool_insertions(indels: BTreeMap<IndelKey, (u32, i64)>) -> Vec<(IndelKey, u32, u32, i64)> {
    type Pool = Vec<(IndelKey, u32, i64)>;
    let mut pools: BTreeMap<(i64, usize, usize), Pool> = BTreeMap::new();
    for (key, (n, shift_end)) in indels {
        let is_insertion = key.1.len() == 1 && key.2.len() > 1;
        // Deletions are fixed by the reference: each is its own pool.
        let group = if is_insertion {
            (key.0, 0, key.2.len())
        } else {
            (key.0, key.1.len(), key.2.len())
        };
        pools.entry(group).or_default().push((key, n, shift_end));
    }
    let mut out = Vec::new();
    for (_, mut members) in pools {
        let total = members.iter().map(|m| m.1).sum();
        members.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.extend(
            members
                .into_iter()
                .take(MAX_POOLED)
                .map(|(k, n, e)| (k, n, total, e)),
        );
    }
    out
}

/// Most sequences kept from one insertion pool.
const MAX_POOLED: usize = 3;

fn count_read(
    read: &AlignedRead,
    refw: &RefWindow,
    counts: &mut Counts,
    indels: &mut BTreeMap<IndelKey, (u32, i64)>,
    min_bq: u8,
) {
    let (mut r, mut q) = (read.start, 0usize);
    for op in &read.ops {
        match *op {
            Op::Match(n) => {
                for k in 0..n as usize {
                    let (b, qual) = (read.seq[q + k], read.qual[q + k]);
                    if qual < min_bq {
                        continue;
                    }
                    if let (Some(i), Some(bi)) = (counts.slot(r + k as i64), base_index(b)) {
                        counts.bases[i][bi] += 1;
                        counts.depth[i] += 1;
                    }
                }
                r += i64::from(n);
                q += n as usize;
            }
            Op::Ins(n) => {
                let ins = &read.seq[q..q + n as usize];
                if indel_evidence_ok(read, q, n as usize, min_bq) {
                    counts.event(r);
                    if let Some(c) = Candidate::insertion(refw, r, ins, 1) {
                        add_indel(indels, c);
                    }
                }
                q += n as usize;
            }
            Op::Del(n) => {
                if indel_evidence_ok(read, q, 0, min_bq) {
                    counts.event(r);
                    if let Some(c) = Candidate::deletion(refw, r, i64::from(n), 1) {
                        add_indel(indels, c);
                    }
                }
                r += i64::from(n);
            }
            Op::Skip(n) => r += i64::from(n),
            Op::SoftClip(n) => {
                // The aligned base next to the clip must be unmasked (the mate did not see it).
                let flank = if q == 0 { n as usize } else { q - 1 };
                if read.qual.get(flank).is_some_and(|&b| b >= min_bq) {
                    counts.event(r);
                }
                q += n as usize;
            }
        }
    }
}

/// An indel at query offset `q` (spanning `n` inserted bases) counts when its flanking bases are
/// unmasked and of usable quality: a masked flank means the mate already reported it.
fn indel_evidence_ok(read: &AlignedRead, q: usize, n: usize, min_bq: u8) -> bool {
    let before = q.checked_sub(1).map(|i| read.qual[i]);
    let after = read.qual.get(q + n).copied();
    let flank_ok = |x: Option<u8>| x.is_some_and(|v| v >= min_bq);
    flank_ok(before) && flank_ok(after) || (flank_ok(before) && after.is_none())
}

fn add_indel(indels: &mut BTreeMap<IndelKey, (u32, i64)>, c: Candidate) {
    let e = indels
        .entry((c.pos, c.reference, c.alt))
        .or_insert((0, c.shift_end));
    e.0 += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(start: i64, ops: Vec<Op>, seq: &[u8], qual: u8) -> AlignedRead {
        AlignedRead {
            start,
            ops,
            seq: seq.to_vec(),
            qual: vec![qual; seq.len()],
            mapq: 60,
            reverse: false,
        }
    }

    const REF: &[u8] = b"ACGTACGTAAAACGTACGTA";

    fn refw() -> RefWindow {
        RefWindow {
            start: 0,
            seq: REF.to_vec(),
        }
    }

    #[test]
    fn proposes_a_supported_snv_and_ignores_low_quality_bases() {
        let mut reads: Vec<_> = (0..3)
            .map(|_| read(0, vec![Op::Match(8)], b"ACGTTCGT", 30))
            .collect();
        reads.extend((0..3).map(|_| read(0, vec![Op::Match(8)], b"ACGTACGT", 30)));
        // Two more alt reads at quality 5: below the floor, they must not count.
        reads.extend((0..2).map(|_| read(0, vec![Op::Match(8)], b"ACGTACGG", 5)));
        let c = discover(&reads, &refw(), 0, 20, &DiscoveryParams::default()).candidates;
        assert_eq!(c, vec![Candidate::snv(4, b'A', b'T', 3)]);
    }

    #[test]
    fn proposes_left_aligned_deletions_from_differently_placed_cigars() {
        // Deleting one A of AAAA (positions 8..12): reads place it at 10 and at 11.
        let a = read(
            4,
            vec![Op::Match(6), Op::Del(1), Op::Match(5)],
            b"ACGTAAACGTA",
            30,
        );
        let b = read(
            4,
            vec![Op::Match(7), Op::Del(1), Op::Match(4)],
            b"ACGTAAACGTA",
            30,
        );
        let c = discover(&[a, b], &refw(), 0, 20, &DiscoveryParams::default()).candidates;
        assert_eq!(c.len(), 1);
        assert_eq!(
            (
                c[0].pos,
                c[0].reference.as_slice(),
                c[0].alt.as_slice(),
                c[0].support
            ),
            (7, &b"TA"[..], &b"T"[..], 2)
        );
    }

    #[test]
    fn insertions_differing_by_an_error_pool_their_support() {
        // Three reads insert GGT after position 5, one inserts GAT (an error in the insert).
        let mut reads: Vec<_> = (0..3)
            .map(|_| {
                read(
                    2,
                    vec![Op::Match(4), Op::Ins(3), Op::Match(4)],
                    b"GTACGGTGTAA",
                    30,
                )
            })
            .collect();
        reads.push(read(
            2,
            vec![Op::Match(4), Op::Ins(3), Op::Match(4)],
            b"GTACGATGTAA",
            30,
        ));
        let c = discover(&reads, &refw(), 0, 20, &DiscoveryParams::default()).candidates;
        let alleles: Vec<_> = c.iter().map(|c| (c.alt.as_slice(), c.support)).collect();
        assert_eq!(alleles, vec![(&b"CGAT"[..], 1), (&b"CGGT"[..], 3)]);
    }

    #[test]
    fn a_single_read_indel_is_proposed_only_where_other_reads_struggle_too() {
        let del = read(
            4,
            vec![Op::Match(4), Op::Del(1), Op::Match(6)],
            b"ACGTCGTAAA",
            30,
        );
        let plain: Vec<_> = (0..4)
            .map(|_| read(0, vec![Op::Match(16)], &REF[..16], 30))
            .collect();
        let mut reads = plain.clone();
        reads.push(del.clone());
        assert!(
            discover(&reads, &refw(), 0, 20, &DiscoveryParams::default())
                .candidates
                .is_empty()
        );
        // Another read soft-clipped right there corroborates it.
        reads.push(read(
            0,
            vec![Op::Match(8), Op::SoftClip(4)],
            b"ACGTACGTCCCC",
            30,
        ));
        let c = discover(&reads, &refw(), 0, 20, &DiscoveryParams::default()).candidates;
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].pos, c[0].support), (7, 1));
    }

    #[test]
    fn masked_overlap_bases_are_not_counted_twice() {
        let mut reads: Vec<_> = (0..2)
            .map(|_| read(0, vec![Op::Match(8)], b"ACGTTCGT", 30))
            .collect();
        reads[1].qual[4] = 0;
        let p = DiscoveryParams::default();
        assert!(discover(&reads, &refw(), 0, 20, &p).candidates.is_empty());
    }
}
