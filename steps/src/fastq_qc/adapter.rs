//! Finding where the insert ends and the adapter begins.
//!
//! Two complementary ways, as fastp does. For pairs, the mates themselves say it: when the insert
//! is shorter than the read, read 1 and the reverse complement of read 2 overlap with read 2
//! *starting before* read 1, and the overlap length is the insert length, whatever adapter was
//! used. This fails for inserts shorter than the minimum overlap, and for single reads, so each
//! read is also searched for the common Illumina adapter starts (TruSeq, Nextera), allowing one
//! mismatch per 8 bases and accepting a short exact match cut off by the end of the read.
//! An `N` matches any base, so a low-quality tail does not hide an overlap.

/// TruSeq (both reads) adapter start.
pub const TRUSEQ: &[u8] = b"AGATCGGAAGAGC";
/// Nextera / Illumina DNA Prep transposase adapter start.
pub const NEXTERA: &[u8] = b"CTGTCTCTTATACACATCT";
pub const KNOWN_ADAPTERS: [&[u8]; 2] = [TRUSEQ, NEXTERA];

/// How strict the overlap detection is (fastp's defaults).
#[derive(Debug, Clone, Copy)]
pub struct OverlapRule {
    pub min_overlap: usize,
    pub max_diff: usize,
    pub max_diff_fraction: f64,
}

impl Default for OverlapRule {
    fn default() -> Self {
        Self {
            min_overlap: 30,
            max_diff: 5,
            max_diff_fraction: 0.2,
        }
    }
}

/// Mismatches between `a` and `b` over their common length (an `N` matches anything), or `None`
/// once above `limit`. Eight bytes are compared per step: this runs for ~240 offsets of every
/// pair, so it is the hot loop of the whole step.
fn diff_within(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    let n = a.len().min(b.len());
    let (mut diff, mut i) = (0, 0);
    while i + 8 <= n {
        let word = |s: &[u8]| u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
        let (x, y) = (word(a), word(b));
        let differ = nonzero_bytes(x ^ y) & nonzero_bytes(x ^ N_WORD) & nonzero_bytes(y ^ N_WORD);
        diff += differ.count_ones() as usize;
        if diff > limit {
            return None;
        }
        i += 8;
    }
    diff += a[i..n]
        .iter()
        .zip(&b[i..n])
        .filter(|&(&x, &y)| x != y && x != b'N' && y != b'N')
        .count();
    (diff <= limit).then_some(diff)
}

const N_WORD: u64 = u64::from_le_bytes([b'N'; 8]);
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of every non-zero byte of `x`.
fn nonzero_bytes(x: u64) -> u64 {
    (((x & LOW7) + LOW7) | x) & HIGH
}

/// What the overlap of two mates says about adapters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// Read 1 starts first: the insert is at least as long as read 1; no adapter.
    Long,
    /// Read 2 starts first: the insert is this long, and the rest of both reads is adapter.
    Short(usize),
    /// No overlap of the minimum length: a long insert, or one shorter than the minimum overlap.
    None,
}

/// Find how the mates overlap (fastp's rule: at most `max_diff` mismatches and
/// `max_diff_fraction` of the overlap). `rc2` is a scratch buffer.
pub fn mate_overlap(r1: &[u8], r2: &[u8], rule: OverlapRule, rc2: &mut Vec<u8>) -> Overlap {
    rc2.clear();
    rc2.extend(r2.iter().rev().map(|&b| complement(b)));
    let limit = |len: usize| {
        rule.max_diff
            .min((len as f64 * rule.max_diff_fraction) as usize)
    };
    // Read 1 starts first: the insert is at least as long as read 1; nothing to trim.
    for offset in 0..=r1.len().saturating_sub(rule.min_overlap) {
        let len = (r1.len() - offset).min(rc2.len());
        if len >= rule.min_overlap
            && diff_within(&r1[offset..offset + len], &rc2[..len], limit(len)).is_some()
        {
            return Overlap::Long;
        }
    }
    // Read 2 starts first: what precedes read 1 in it, and follows the overlap in read 1, is adapter.
    for offset in 1..=rc2.len().saturating_sub(rule.min_overlap) {
        let len = r1.len().min(rc2.len() - offset);
        if len >= rule.min_overlap
            && diff_within(&r1[..len], &rc2[offset..offset + len], limit(len)).is_some()
        {
            return Overlap::Short(len);
        }
    }
    Overlap::None
}

/// Where the first known adapter starts in `seq`; a match cut short by the read end needs at
/// least `min_tail` bases (all matching when fewer than 8).
pub fn find_adapter(seq: &[u8], adapters: &[&[u8]], min_tail: usize) -> Option<usize> {
    let last = seq.len().checked_sub(min_tail.max(1))?;
    (0..=last).find(|&p| {
        adapters.iter().any(|adapter| {
            let len = adapter.len().min(seq.len() - p);
            diff_within(&seq[p..p + len], &adapter[..len], len / 8).is_some()
        })
    })
}

pub use crate::seq::complement;

#[cfg(test)]
mod tests {
    use super::*;

    const INSERT: &[u8] = b"TTGACCGATGCAAGTCCGTAGGCTTACGATCGAACGGTCTA"; // 41 bp
    const A1: &[u8] = b"AGATCGGAAGAGCACACGTCTGAACTCCAGTCAC";
    const A2: &[u8] = b"AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGT";

    fn reads(insert: &[u8], len: usize) -> (Vec<u8>, Vec<u8>) {
        let r1: Vec<u8> = insert.iter().chain(A1).copied().take(len).collect();
        let r2: Vec<u8> = crate::seq::reverse_complement(insert)
            .iter()
            .chain(A2)
            .copied()
            .take(len)
            .collect();
        (r1, r2)
    }

    #[test]
    fn overlap_gives_the_insert_length_even_with_an_unknown_adapter() {
        let (mut r1, r2) = reads(INSERT, 60);
        r1[10] = b'A'; // a sequencing error inside the overlap
        assert_eq!(
            mate_overlap(&r1, &r2, OverlapRule::default(), &mut Vec::new()),
            Overlap::Short(41)
        );
        let odd: Vec<u8> = INSERT
            .iter()
            .chain(b"GGGGCCCCAAAATTTTGGGG")
            .copied()
            .collect();
        let odd2: Vec<u8> = crate::seq::reverse_complement(INSERT)
            .iter()
            .chain(b"CCCCGGGGTTTTAAAACCCC")
            .copied()
            .collect();
        assert_eq!(
            mate_overlap(&odd, &odd2, OverlapRule::default(), &mut Vec::new()),
            Overlap::Short(41)
        );
    }

    #[test]
    fn word_wise_mismatch_count() {
        assert_eq!(nonzero_bytes(0), 0);
        assert_eq!(nonzero_bytes(0x8000_0000_0001_0100).count_ones(), 3);
        assert_eq!(diff_within(b"ACGTNCGTACGTA", b"ACGTACGTACGNA", 0), Some(0));
        assert_eq!(diff_within(b"ACGTACGTACGTA", b"ACGTACGTACGTA", 0), Some(0));
        assert_eq!(diff_within(b"ACGTACGTACGTA", b"TCGTACGTACGTT", 2), Some(2));
        assert_eq!(diff_within(b"ACGTACGTACGTA", b"TCGTACGTACGTT", 1), None);
        assert_eq!(diff_within(b"ACG", b"ACGTT", 0), Some(0));
    }

    #[test]
    fn long_inserts_are_left_alone() {
        let fragment: Vec<u8> = [
            INSERT,
            b"GCATTCAGGTACCTTAGAGCCTAAGTCCGAAGTTTCAGGCTAGCATCGGAACTT",
        ]
        .concat();
        let r1 = &fragment[..70];
        let r2 = crate::seq::reverse_complement(&fragment)[..70].to_vec();
        assert_eq!(
            mate_overlap(r1, &r2, OverlapRule::default(), &mut Vec::new()),
            Overlap::Long
        );
        let fragment: Vec<u8> = INSERT
            .iter()
            .chain(crate::seq::reverse_complement(b"CCATGGATTACAGGCTAGCTAGGATTTACCAGA").iter())
            .copied()
            .collect();
        let r2 = crate::seq::reverse_complement(&fragment)[..50].to_vec();
        assert_eq!(
            mate_overlap(
                &fragment[..50],
                &r2,
                OverlapRule::default(),
                &mut Vec::new()
            ),
            Overlap::None
        );
    }

    #[test]
    fn adapter_found_by_sequence_with_a_mismatch_and_at_the_read_end() {
        let (r1, _) = reads(INSERT, 70);
        assert_eq!(find_adapter(&r1, &KNOWN_ADAPTERS, 5), Some(41));
        let mut r1 = r1;
        r1[44] = b'G';
        assert_eq!(find_adapter(&r1, &KNOWN_ADAPTERS, 5), Some(41));
        let tail: Vec<u8> = INSERT.iter().chain(b"AGATCG").copied().collect();
        assert_eq!(find_adapter(&tail, &KNOWN_ADAPTERS, 5), Some(41));
        let nextera: Vec<u8> = INSERT
            .iter()
            .chain(b"CTGTCTCTTATACACATCTCCGAG")
            .copied()
            .collect();
        assert_eq!(find_adapter(&nextera, &KNOWN_ADAPTERS, 5), Some(41));
        assert_eq!(find_adapter(INSERT, &KNOWN_ADAPTERS, 5), None);
    }
}
