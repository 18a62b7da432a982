//! Haplotype scoring around indels and clustered candidates.
//!
//! Near an indel, aligners disagree about where a read's gap goes, soft-clip reads that carry it
//! near their ends, and leave mismatches that look like SNVs. Counting pileup columns there
//! misleads, so a window of nearby candidates is genotyped by re-scoring reads instead: every
//! combination of candidate alleles (one per locus) makes a haplotype, each read's bases over the
//! window (soft clips included) are scored against every haplotype with the pair-HMM, and a read's
//! likelihood for an allele is its best haplotype carrying that allele. The result is the same
//! per-read allele likelihoods the pileup path produces, so one genotyper serves both.
//!
//! The window spans every base where the haplotypes can differ: each candidate's own sliding range
//! and the whole tandem repeat around it ([`window_extent`](super::repeat::window_extent)), because
//! two differently written events of one repeat read the same inside it.

use super::candidate::{Candidate, RefWindow};
use super::genotype::{ReadLik, SiteEvidence};
use super::pairhmm::PairHmm;
use super::reads::AlignedRead;

/// Read bases this far outside the window's variable stretch anchor the alignment.
const FLANK: i64 = 20;
/// Extra reference on each side of the haplotype so the read can align anywhere on it.
const HAP_PAD: i64 = 15;
/// Most haplotypes scored per window; lower-support alleles are dropped past it.
pub const MAX_HAPLOTYPES: usize = 32;
/// Most reads scored per window (evenly thinned beyond it).
const MAX_READS: usize = 300;

/// Overlapping alleles at one position: allele 0 is the reference over `[pos, end)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Locus {
    pub pos: i64,
    pub end: i64,
    pub alleles: Vec<Vec<u8>>,
}

/// Group candidates (sorted) into loci of overlapping reference spans, padding each allele to the
/// locus span. Keeps at most [`MAX_HAPLOTYPES`] combinations, dropping the least supported.
pub fn loci(cands: &[Candidate], refw: &RefWindow) -> Vec<Locus> {
    let mut kept: Vec<&Candidate> = cands.iter().collect();
    kept.sort_by(|a, b| b.support.cmp(&a.support).then(a.cmp(b)));
    while kept.len() > 1 && combinations(&group(&kept)) > MAX_HAPLOTYPES {
        kept.pop();
    }
    kept.sort();
    group(&kept)
        .into_iter()
        .map(|g| {
            let (pos, end) = (
                g[0].pos,
                g.iter().map(|c| c.end()).max().unwrap_or(g[0].end()),
            );
            let mut alleles = vec![refw.slice(pos, end).to_vec()];
            for c in g {
                let mut a = refw.slice(pos, c.pos).to_vec();
                a.extend_from_slice(&c.alt);
                a.extend_from_slice(refw.slice(c.end(), end));
                if !alleles.contains(&a) {
                    alleles.push(a);
                }
            }
            Locus { pos, end, alleles }
        })
        .collect()
}

fn group<'a>(sorted_or_not: &[&'a Candidate]) -> Vec<Vec<&'a Candidate>> {
    let mut v = sorted_or_not.to_vec();
    v.sort();
    let mut out: Vec<Vec<&Candidate>> = Vec::new();
    let mut end = i64::MIN;
    for c in v {
        match out.last_mut() {
            Some(g) if c.pos < end => {
                g.push(c);
                end = end.max(c.end());
            }
            _ => {
                out.push(vec![c]);
                end = c.end();
            }
        }
    }
    out
}

fn combinations(groups: &[Vec<&Candidate>]) -> usize {
    groups
        .iter()
        .fold(1usize, |acc, g| acc.saturating_mul(g.len() + 1))
}

/// Score the reads against every haplotype of `loci` and return one evidence per locus.
/// `extent` is the reference stretch whose content differs between haplotypes (repeats included).
pub fn score(
    reads: &[AlignedRead],
    refw: &RefWindow,
    loci: &[Locus],
    extent: (i64, i64),
    hmm: &PairHmm,
) -> Vec<SiteEvidence> {
    let (seg_from, seg_to) = (extent.0 - FLANK, extent.1 + FLANK);
    let choices = haplotype_choices(loci);
    let haps: Vec<Vec<u8>> = choices
        .iter()
        .map(|c| build_haplotype(refw, loci, c, seg_from - HAP_PAD, seg_to + HAP_PAD))
        .collect();
    let overlapping: Vec<&AlignedRead> = reads
        .iter()
        .filter(|r| r.start < seg_to && r.end() > seg_from)
        .collect();
    let step = overlapping.len().div_ceil(MAX_READS).max(1);
    let mut evidence: Vec<SiteEvidence> = loci
        .iter()
        .map(|l| SiteEvidence {
            pos: l.pos,
            alleles: l.alleles.clone(),
            reads: Vec::new(),
            depth: 0,
        })
        .collect();
    for read in overlapping.into_iter().step_by(step) {
        let proj = read.projection();
        let (first, last) = (
            proj.first().copied().unwrap_or(i64::MAX),
            proj.last().copied().unwrap_or(i64::MIN),
        );
        let a = proj.partition_point(|&p| p < seg_from);
        let b = proj.partition_point(|&p| p < seg_to);
        if a >= b || read.qual[a..b].iter().all(|&q| q == 0) {
            continue;
        }
        let liks: Vec<f64> = haps
            .iter()
            .map(|h| hmm.log10_likelihood(&read.seq[a..b], &read.qual[a..b], h))
            .collect();
        for (li, (locus, ev)) in loci.iter().zip(evidence.iter_mut()).enumerate() {
            if first > locus.pos || last < locus.end {
                continue;
            }
            ev.depth += 1;
            let lik = allele_likelihoods(&choices, &liks, li, locus.alleles.len());
            ev.reads.push(ReadLik {
                lik,
                reverse: read.reverse,
                mapq: read.mapq,
            });
        }
    }
    evidence
}

/// A read's likelihood for each allele of locus `li`: its best haplotype carrying that allele.
fn allele_likelihoods(
    choices: &[Vec<usize>],
    liks: &[f64],
    li: usize,
    n_alleles: usize,
) -> Vec<f64> {
    (0..n_alleles)
        .map(|al| {
            choices
                .iter()
                .zip(liks)
                .filter(|(c, _)| c[li] == al)
                .map(|(_, l)| *l)
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect()
}

/// Every combination of one allele per locus.
fn haplotype_choices(loci: &[Locus]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for l in loci {
        out = out
            .into_iter()
            .flat_map(|c: Vec<usize>| {
                (0..l.alleles.len()).map(move |a| {
                    let mut c = c.clone();
                    c.push(a);
                    c
                })
            })
            .collect();
    }
    out
}

fn build_haplotype(
    refw: &RefWindow,
    loci: &[Locus],
    choice: &[usize],
    from: i64,
    to: i64,
) -> Vec<u8> {
    let mut hap = Vec::with_capacity((to - from) as usize + 64);
    let mut at = from;
    for (l, &a) in loci.iter().zip(choice) {
        hap.extend_from_slice(refw.slice(at, l.pos));
        hap.extend_from_slice(&l.alleles[a]);
        at = l.end;
    }
    hap.extend_from_slice(refw.slice(at, to));
    hap
}

#[cfg(test)]
mod tests {
    use super::super::genotype::{genotype, Priors};
    use super::super::reads::Op;
    use super::super::repeat::window_extent;
    use super::*;

    // C at 22, then seven A (23..=29), then T at 30.
    const REF: &[u8] = b"GATCCTAGGCTTACGATCGGATCAAAAAAATGCCGTAGCTAGCATCGGATCCGATTACGGCAT";

    fn refw() -> RefWindow {
        RefWindow {
            start: 0,
            seq: REF.to_vec(),
        }
    }

    fn read_from(hap: &[u8], start: i64, ops: Vec<Op>, reverse: bool) -> AlignedRead {
        AlignedRead {
            start,
            ops,
            seq: hap.to_vec(),
            qual: vec![30; hap.len()],
            mapq: 60,
            reverse,
        }
    }

    #[test]
    fn a_het_deletion_is_called_from_reads_placed_either_way() {
        let w = refw();
        // Delete the last A of the run; left-aligned, the anchor is the C at 22.
        let del = Candidate::deletion(&w, 29, 1, 4).unwrap();
        assert_eq!(del.pos, 22);
        let mut alt_hap = REF.to_vec();
        alt_hap.remove(29);
        let mut reads = Vec::new();
        for i in 0..6 {
            reads.push(read_from(
                REF,
                0,
                vec![Op::Match(REF.len() as u32)],
                i % 2 == 0,
            ));
            // Half the alt reads carry the gap in the CIGAR, half soft-clip after the run.
            let ops = if i % 2 == 0 {
                vec![Op::Match(29), Op::Del(1), Op::Match(REF.len() as u32 - 30)]
            } else {
                vec![Op::Match(29), Op::SoftClip(REF.len() as u32 - 30)]
            };
            reads.push(read_from(&alt_hap, 0, ops, i % 2 == 1));
        }
        let loci = loci(std::slice::from_ref(&del), &w);
        let ev = score(
            &reads,
            &w,
            &loci,
            (del.pos, del.shift_end),
            &PairHmm::default(),
        );
        let g = genotype(&ev[0], &Priors::default());
        assert_eq!(g.gt, Some((0, 1)));
        assert_eq!(g.ad, vec![6, 6]);
        assert_eq!(ev[0].alleles, vec![b"CA".to_vec(), b"C".to_vec()]);
    }

    #[test]
    fn an_insertion_and_a_deletion_of_one_repeat_are_told_apart() {
        // ...C, (AT)x12, G...; the sample carries an extra T after the first AT (ATTATAT...).
        let mut seq = b"GATCCTAGGCTTACGATCGGATCC".to_vec();
        seq.extend(b"AT".repeat(12));
        seq.extend(b"GCCGTAGCTAGCATCGGATCCGATTACGGCATGACTGA");
        let w = RefWindow {
            start: 0,
            seq: seq.clone(),
        };
        let mut alt = seq.clone();
        alt.insert(26, b'T');
        // Reads cover the whole repeat; aligners would also report this as a deletion elsewhere.
        let ins = Candidate::insertion(&w, 26, b"T", 6).unwrap();
        let del = Candidate::deletion(&w, 28, 1, 5).unwrap();
        let mut reads = Vec::new();
        for i in 0..6 {
            reads.push(read_from(
                &seq,
                0,
                vec![Op::Match(seq.len() as u32)],
                i % 2 == 0,
            ));
            let ops = vec![Op::Match(26), Op::Ins(1), Op::Match(alt.len() as u32 - 27)];
            reads.push(read_from(&alt, 0, ops, i % 2 == 1));
        }
        let group = [ins.clone(), del.clone()];
        let (start, end) = window_extent(&group, &w);
        assert!(
            start <= 24 && end >= 48,
            "the window must span the repeat: {start}..{end}"
        );
        let ev = score(
            &reads,
            &w,
            &loci(&group, &w),
            (start, end),
            &PairHmm::default(),
        );
        let by_pos = |p: i64| ev.iter().find(|e| e.pos == p).unwrap();
        assert_eq!(
            genotype(by_pos(ins.pos), &Priors::default()).gt,
            Some((0, 1))
        );
        assert_eq!(
            genotype(by_pos(del.pos), &Priors::default()).gt,
            Some((0, 0))
        );
    }

    #[test]
    fn an_insertion_deep_in_a_repeat_beats_the_snv_it_resembles() {
        // (GA)x20 from 24; the sample inserts GC after the G at 52, 28 bases into the repeat:
        // ...GAG GC AGA... which, slid by one unit inside the repeat, reads like a G>C SNV at 52.
        let mut seq = b"GATCCTAGGCTTACGATCGGATCC".to_vec();
        seq.extend(b"GA".repeat(20));
        seq.extend(b"TTCGTAGCTAGCATCGGATCCGATTACGGCATGACTGA");
        let w = RefWindow {
            start: 0,
            seq: seq.clone(),
        };
        let mut alt = seq.clone();
        alt.splice(53..53, *b"GC");
        let ins = Candidate::insertion(&w, 53, b"GC", 10).unwrap();
        let snv = Candidate::snv(52, b'G', b'C', 5);
        assert_eq!(ins.pos, 52);
        let mut reads = Vec::new();
        for i in 0..6 {
            reads.push(read_from(
                &seq,
                0,
                vec![Op::Match(seq.len() as u32)],
                i % 2 == 0,
            ));
            let ops = vec![Op::Match(53), Op::Ins(2), Op::Match(alt.len() as u32 - 55)];
            reads.push(read_from(&alt, 0, ops, i % 2 == 1));
        }
        let group = [snv, ins];
        let (start, end) = window_extent(&group, &w);
        assert!(
            start <= 24 && end >= 64,
            "the window must span the repeat: {start}..{end}"
        );
        let ev = score(
            &reads,
            &w,
            &loci(&group, &w),
            (start, end),
            &PairHmm::default(),
        );
        assert_eq!(
            ev[0].alleles,
            vec![b"G".to_vec(), b"C".to_vec(), b"GGC".to_vec()]
        );
        assert_eq!(genotype(&ev[0], &Priors::default()).gt, Some((0, 2)));
    }

    #[test]
    fn overlapping_candidates_share_a_locus() {
        let w = refw();
        let snv = Candidate::snv(23, b'A', b'G', 3);
        let del = Candidate::deletion(&w, 28, 2, 5).unwrap();
        let l = loci(&[snv, del], &w);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].alleles[0], b"CAA".to_vec());
        assert!(l[0].alleles.contains(&b"CGA".to_vec()) && l[0].alleles.contains(&b"C".to_vec()));
    }
}
