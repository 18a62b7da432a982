//! Per-read evidence for one candidate allele in one sample (tumour or normal).
//!
//! Every read covering the candidate is reduced to a pair of log10 likelihoods (reference, alternate)
//! plus what the artefact filters need: strand, mapping quality, base quality and the distance of
//! the allele from the nearer end of the aligned part of the read. SNVs are scored from the base the
//! read shows (the germline caller's pileup model); indels by re-aligning the read to the
//! reference and the alternate haplotype with the germline caller's pair-HMM, so a gap placed
//! differently or soft-clipped by the aligner still counts for the allele it carries.

use super::super::candidate::{Candidate, RefWindow};
use super::super::haplotype;
use super::super::pairhmm::PairHmm;
use super::super::reads::{AlignedRead, Op};

/// log10 likelihood margin a read needs to count for one allele in AD.
const CLEAR_MARGIN: f64 = 1.0;
/// Most log10 evidence one read gives for or against an indel: the pair-HMM's gap-open
/// probability (Q45). Without it a single read carrying a long insertion, or an error near one,
/// would outweigh several reads, as no base quality bounds it the way it bounds an SNV.
pub const MAX_READ_LOD: f64 = 4.5;

/// One read's view of a candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadObs {
    /// log10 P(read | reference allele).
    pub lref: f64,
    /// log10 P(read | alternate allele).
    pub lalt: f64,
    pub reverse: bool,
    pub mapq: u8,
    /// Base quality of the SNV base (0 for indels).
    pub bq: u8,
    /// Bases between the allele and the nearer end of the read's aligned part.
    pub read_pos: u32,
}

impl ReadObs {
    pub fn is_alt(&self) -> bool {
        self.lalt - self.lref >= CLEAR_MARGIN
    }
    pub fn is_ref(&self) -> bool {
        self.lref - self.lalt >= CLEAR_MARGIN
    }
}

/// What one sample's reads say about a candidate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleEvidence {
    /// Reads covering the site that passed the read filters (bases at or above the quality floor
    /// for SNVs; reads spanning the event for indels).
    pub depth: u32,
    /// Reads with a likelihood pair (for SNVs: those showing the reference or the alternate base).
    pub obs: Vec<ReadObs>,
}

impl SampleEvidence {
    pub fn alt_count(&self) -> u32 {
        self.obs.iter().filter(|o| o.is_alt()).count() as u32
    }
    pub fn ref_count(&self) -> u32 {
        self.obs.iter().filter(|o| o.is_ref()).count() as u32
    }
    /// Alternate fraction of the reads that clearly support one allele.
    pub fn af(&self) -> f64 {
        let (r, a) = (self.ref_count(), self.alt_count());
        if r + a == 0 {
            0.0
        } else {
            f64::from(a) / f64::from(r + a)
        }
    }
    /// Reads supporting the alternate allele: (forward, reverse) and the same for the reference.
    pub fn strands(&self) -> [u64; 4] {
        let mut t = [0u64; 4];
        for o in &self.obs {
            let row = if o.is_ref() {
                0
            } else if o.is_alt() {
                2
            } else {
                continue;
            };
            t[row + usize::from(o.reverse)] += 1;
        }
        t
    }
}

/// Evidence for an SNV at `pos` from the reads (sorted by start) whose bases there reach `min_bq`.
pub fn snv(reads: &[AlignedRead], max_span: i64, cand: &Candidate, min_bq: u8) -> SampleEvidence {
    let (pos, r, a) = (cand.pos, cand.reference[0], cand.alt[0]);
    let lo = reads.partition_point(|x| x.start < pos - max_span);
    let hi = reads.partition_point(|x| x.start <= pos);
    let mut ev = SampleEvidence::default();
    for read in &reads[lo..hi] {
        let Some(i) = read.query_index(pos) else {
            continue;
        };
        let (base, q) = (read.seq[i], read.qual[i]);
        if q < min_bq {
            continue;
        }
        ev.depth += 1;
        if base != r && base != a {
            continue;
        }
        let e = 10f64.powf(-f64::from(q.min(read.mapq.max(1))) / 10.0);
        let (hit, miss) = ((1.0 - e).log10(), (e / 3.0).log10());
        let (lref, lalt) = if base == a { (miss, hit) } else { (hit, miss) };
        ev.obs.push(ReadObs {
            lref,
            lalt,
            reverse: read.reverse,
            mapq: read.mapq,
            bq: q,
            read_pos: distance_from_end(read, i),
        });
    }
    ev
}

/// Evidence for a cluster of nearby indels (`cands`, sorted): each read spanning the cluster is
/// scored against every combination of their alleles with the pair-HMM (the germline caller's
/// haplotype scorer), so a read's likelihood for an allele is its best haplotype carrying it. A
/// read counts for an allele against the reference only when no other alternate at the same locus
/// explains it better, so two insertions at one position, or one insertion written two ways a few
/// bases apart, do not share reads. A read's log-likelihood ratio is capped at [`MAX_READ_LOD`].
pub fn indels(
    reads: &[AlignedRead],
    max_span: i64,
    refw: &RefWindow,
    cands: &[Candidate],
    hmm: &PairHmm,
) -> Vec<SampleEvidence> {
    let mut out = vec![SampleEvidence::default(); cands.len()];
    let loci = haplotype::loci(cands, refw);
    // (locus, allele) of each candidate; `None` when the locus cap dropped it.
    let index: Vec<Option<(usize, usize)>> = cands
        .iter()
        .map(|c| {
            loci.iter().enumerate().find_map(|(li, l)| {
                if c.pos < l.pos || c.end() > l.end {
                    return None;
                }
                let mut a = refw.slice(l.pos, c.pos).to_vec();
                a.extend_from_slice(&c.alt);
                a.extend_from_slice(refw.slice(c.end(), l.end));
                l.alleles.iter().position(|x| *x == a).map(|k| (li, k))
            })
        })
        .collect();
    let (Some(first), Some(last)) = (cands.first(), cands.last()) else {
        return out;
    };
    let far = cands.iter().map(|c| c.end().max(c.shift_end)).max();
    let extent = (first.pos, far.unwrap_or(last.end()));
    let lo = reads.partition_point(|x| x.start < extent.0 - max_span - 50);
    let hi = reads.partition_point(|x| x.start <= extent.1 + 50);
    for read in &reads[lo..hi] {
        let scored = haplotype::score(std::slice::from_ref(read), refw, &loci, extent, hmm);
        let proj = read.projection();
        for ((ev, idx), cand) in out.iter_mut().zip(&index).zip(cands) {
            let Some((li, k)) = *idx else { continue };
            let Some(lik) = scored.get(li).and_then(|s| s.reads.first()) else {
                continue;
            };
            ev.depth += 1;
            let other = (1..lik.lik.len())
                .filter(|&j| j != k)
                .map(|j| lik.lik[j])
                .fold(f64::NEG_INFINITY, f64::max);
            if other > lik.lik[k] && other > lik.lik[0] {
                continue;
            }
            let i = proj
                .partition_point(|&p| p <= cand.pos)
                .min(read.seq.len().saturating_sub(1));
            let lod = (lik.lik[k] - lik.lik[0]).clamp(-MAX_READ_LOD, MAX_READ_LOD);
            ev.obs.push(ReadObs {
                lref: lik.lik[0],
                lalt: lik.lik[0] + lod,
                reverse: read.reverse,
                mapq: read.mapq,
                bq: 0,
                read_pos: distance_from_end(read, i),
            });
        }
    }
    out
}

/// Distance of query index `i` from the nearer end of the read's aligned (unclipped) bases.
fn distance_from_end(read: &AlignedRead, i: usize) -> u32 {
    let lead = match read.ops.first() {
        Some(Op::SoftClip(n)) => *n as usize,
        _ => 0,
    };
    let trail = match read.ops.last() {
        Some(Op::SoftClip(n)) if read.ops.len() > 1 => *n as usize,
        _ => 0,
    };
    let aligned_end = read.seq.len().saturating_sub(trail);
    let from_start = i.saturating_sub(lead);
    let from_end = aligned_end.saturating_sub(i + 1);
    from_start.min(from_end) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(start: i64, ops: Vec<Op>, seq: &[u8], reverse: bool) -> AlignedRead {
        AlignedRead {
            start,
            ops,
            seq: seq.to_vec(),
            qual: vec![30; seq.len()],
            mapq: 60,
            reverse,
        }
    }

    #[test]
    fn snv_reads_split_into_ref_and_alt_with_positions() {
        let reads = vec![
            read(0, vec![Op::Match(8)], b"ACGTACGT", false),
            read(1, vec![Op::SoftClip(2), Op::Match(6)], b"TTCGAACG", true),
            read(2, vec![Op::Match(4)], b"GCCC", false),
        ];
        let cand = Candidate::snv(3, b'T', b'A', 1);
        let ev = snv(&reads, 8, &cand, 13);
        assert_eq!(ev.depth, 3);
        // The third read shows C, neither allele.
        assert_eq!((ev.ref_count(), ev.alt_count()), (1, 1));
        assert_eq!(ev.obs[0].read_pos, 3);
        // Second read: clipped 2, aligned from 1; pos 3 is query 4, aligned index 2 of 6.
        assert_eq!(ev.obs[1].read_pos, 2);
        assert_eq!(ev.strands(), [1, 0, 0, 1]);
        assert!((ev.af() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn indel_reads_are_scored_against_both_haplotypes() {
        let reference = b"GATCCTAGGCTTACGATCGGATCAGTCAGGTTGCCGTAGCTAGCATCGGATCCGATTACGGCAT";
        let refw = RefWindow {
            start: 0,
            seq: reference.to_vec(),
        };
        let cand = Candidate::deletion(&refw, 31, 2, 3).unwrap();
        let mut alt = reference.to_vec();
        alt.drain(31..33);
        let n = reference.len() as u32;
        let reads = vec![
            read(0, vec![Op::Match(n)], reference, false),
            read(
                0,
                vec![Op::Match(31), Op::Del(2), Op::Match(n - 33)],
                &alt,
                true,
            ),
        ];
        let ev = &indels(&reads, i64::from(n), &refw, &[cand], &PairHmm::default())[0];
        assert_eq!(ev.depth, 2);
        assert!(ev.obs[0].is_ref() && ev.obs[1].is_alt());
    }
}
