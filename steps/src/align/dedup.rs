//! Duplicate marking by unclipped 5' ends, decided before the sorted output is written.
//!
//! Because the aligner sees both mates together, the information that `samtools fixmate` +
//! `samtools markdup` (or Picard) rebuild from a sorted BAM is at hand when a pair is mapped: each
//! mapped read's unclipped 5' position and strand, and a quality score (the sum of base
//! qualities of at least 15, as Picard). The aligner records one small [`PairEntry`] per pair
//! with both ends mapped and one [`FragEntry`] per mapped primary read; [`DupEntries::resolve`] sorts
//! them by key and picks the duplicates, and the writer flags a record 0x400 when its read is in
//! the set.
//!
//! The rules follow Picard MarkDuplicates and samtools markdup:
//! - pairs with the same two (reference, unclipped 5' position, strand) ends are duplicates of the
//!   one with the highest score (ties: the smallest read name, as samtools; then input order);
//! - a read whose mate is unmapped (or a single-end read) is a duplicate when a pair has an end at
//!   the same position and strand, or else when another such read there scores higher;
//! - an unmapped mate is never marked; supplementary records follow their read;
//! - optionally, duplicate pairs whose clusters lie close on the flow cell are also counted as
//!   optical duplicates (see [`super::optical`]).
//!
//! One run holds one read group, so the library is the same for every key. The entries go through
//! the same bounded-memory external sort as the records ([`DupEntries`]); what stays in memory is
//! one bit per read.

mod entries;

pub use entries::DupEntries;

use super::optical;

/// One end of a read for duplicate keys: reference, unclipped 5' position, reverse strand.
pub type EndKey = (i32, i64, bool);

/// A pair with both ends mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairEntry {
    /// Both ends, the lower one first.
    pub ends: [EndKey; 2],
    pub score: u32,
    /// Read name: among equal scores the smallest name stays, as in samtools markdup.
    pub name: Box<[u8]>,
    pub pair: u64,
}

/// A mapped primary read (paired or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragEntry {
    pub end: EndKey,
    /// The read's mate is mapped too (then the pair rule decides for it).
    pub paired: bool,
    pub score: u32,
    pub read: u64,
}

impl PairEntry {
    /// Key order, best first within a key: higher score, then smaller name, then input order.
    pub fn order(&self, other: &Self) -> std::cmp::Ordering {
        self.ends
            .cmp(&other.ends)
            .then(other.score.cmp(&self.score))
            .then(self.name.cmp(&other.name))
            .then(self.pair.cmp(&other.pair))
    }

    pub fn new(a: EndKey, b: EndKey, score: u32, name: &[u8], pair: u64) -> Self {
        let ends = if a <= b { [a, b] } else { [b, a] };
        PairEntry {
            ends,
            score,
            name: name.into(),
            pair,
        }
    }
}

impl FragEntry {
    /// Key order, best first within a key: higher score, then input order.
    pub fn order(&self, other: &Self) -> std::cmp::Ordering {
        self.end
            .cmp(&other.end)
            .then(other.score.cmp(&self.score))
            .then(self.read.cmp(&other.read))
    }
}

/// Duplicate score of a read: the sum of its base qualities that are at least 15.
pub fn quality_score(qual: &[u8]) -> u32 {
    qual.iter().filter(|q| **q >= 15).map(|q| *q as u32).sum()
}

/// A set of reads (by `pair * 2 + end`), one bit each.
#[derive(Debug, Default)]
pub struct ReadBits {
    bits: Vec<u64>,
    count: u64,
}

impl ReadBits {
    fn insert(&mut self, read: u64) {
        let (word, bit) = ((read / 64) as usize, read % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        if self.bits[word] & (1 << bit) == 0 {
            self.count += 1;
        }
        self.bits[word] |= 1 << bit;
    }

    pub fn contains(&self, read: u64) -> bool {
        let (word, bit) = ((read / 64) as usize, read % 64);
        self.bits.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }

    /// Reads in the set.
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The reads to flag as duplicates, and among them the optical ones.
#[derive(Debug, Default)]
pub struct DupSet {
    pub duplicates: ReadBits,
    /// Duplicate pairs whose clusters sit within the optical distance of another pair of their
    /// group on the same lane and tile (empty when optical detection is off).
    pub optical: ReadBits,
}

impl DupSet {
    /// Decide the duplicates among entries held in memory (see [`DupEntries`] for the streaming
    /// form); `optical_distance` 0 turns optical detection off.
    pub fn resolve(
        mut pairs: Vec<PairEntry>,
        mut frags: Vec<FragEntry>,
        optical_distance: u32,
    ) -> Self {
        let mut set = DupSet::default();
        pairs.sort_unstable_by(PairEntry::order);
        for group in pairs.chunk_by(|a, b| a.ends == b.ends) {
            set.mark_pairs(group, optical_distance);
        }
        frags.sort_unstable_by(FragEntry::order);
        for group in frags.chunk_by(|a, b| a.end == b.end) {
            set.mark_frags(group);
        }
        set
    }

    /// One group of pairs with the same ends, best first: all but the first are duplicates.
    fn mark_pairs(&mut self, group: &[PairEntry], optical_distance: u32) {
        for (i, dup) in group.iter().enumerate().skip(1) {
            self.duplicates.insert(dup.pair * 2);
            self.duplicates.insert(dup.pair * 2 + 1);
            if optical_distance > 0 && optical::is_optical(group, i, optical_distance) {
                self.optical.insert(dup.pair * 2);
                self.optical.insert(dup.pair * 2 + 1);
            }
        }
    }

    /// One group of reads with the same 5' end, best first: reads whose mate is not mapped are
    /// duplicates when a pair ends here, else all but the best of them are.
    fn mark_frags(&mut self, group: &[FragEntry]) {
        let has_pair = group.iter().any(|f| f.paired);
        let mut singles = group.iter().filter(|f| !f.paired);
        if !has_pair {
            singles.next(); // the best single read stays
        }
        for dup in singles {
            self.duplicates.insert(dup.read);
        }
    }

    pub fn contains(&self, read: u64) -> bool {
        self.duplicates.contains(read)
    }

    /// Reads flagged.
    pub fn len(&self) -> u64 {
        self.duplicates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.duplicates.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(end: EndKey, paired: bool, score: u32, read: u64) -> FragEntry {
        FragEntry {
            end,
            paired,
            score,
            read,
        }
    }

    #[test]
    fn same_ends_keep_the_best_pair() {
        let a = PairEntry::new((0, 100, false), (0, 400, true), 500, b"p", 0);
        let b = PairEntry::new((0, 400, true), (0, 100, false), 900, b"p", 1); // same ends, given the other way round
        let c = PairEntry::new((0, 100, false), (0, 401, true), 100, b"p", 2); // other 3' mate end
        let d = PairEntry::new((0, 100, true), (0, 400, true), 100, b"p", 3); // other strand
        let set = DupSet::resolve(vec![a, b, c, d], vec![], 0);
        assert!(
            set.contains(0) && set.contains(1),
            "pair 0 scores lower than pair 1"
        );
        assert!(!set.contains(2) && !set.contains(3) && !set.contains(4) && !set.contains(6));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn equal_scores_keep_the_smallest_name_then_the_first_pair() {
        let a = PairEntry::new((0, 100, false), (0, 400, true), 500, b"p", 5);
        let b = PairEntry::new((0, 100, false), (0, 400, true), 500, b"p", 2);
        let set = DupSet::resolve(vec![a, b], vec![], 0);
        assert!(set.contains(10) && set.contains(11) && !set.contains(4));
        let a = PairEntry::new((0, 100, false), (0, 400, true), 500, b"a:2", 1);
        let b = PairEntry::new((0, 100, false), (0, 400, true), 500, b"a:10", 2);
        let set = DupSet::resolve(vec![a, b], vec![], 0);
        assert!(
            set.contains(2) && !set.contains(4),
            "\"a:10\" sorts before \"a:2\""
        );
    }

    #[test]
    fn single_reads_lose_to_pairs_and_to_better_singles() {
        let frags = vec![
            frag((0, 100, false), true, 10, 0),  // end of a mapped pair
            frag((0, 100, false), false, 99, 7), // mate unmapped, same 5' end as a pair: duplicate
            frag((1, 50, true), false, 20, 9),
            frag((1, 50, true), false, 30, 11), // best single here
            frag((1, 50, false), false, 5, 13), // other strand: alone
        ];
        let set = DupSet::resolve(vec![], frags, 0);
        assert!(set.contains(7) && set.contains(9));
        assert!(!set.contains(0) && !set.contains(11) && !set.contains(13));
    }

    #[test]
    fn quality_score_ignores_low_qualities() {
        assert_eq!(quality_score(&[14, 15, 30, 2]), 45);
    }
}
