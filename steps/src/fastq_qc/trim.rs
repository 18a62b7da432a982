//! What to keep of each read: adapter, then quality, then `N` trimming, then the filters.
//!
//! A read is reduced to one span `start..end`. The adapter cut comes first because bases after it
//! are not genomic whatever their quality. Quality trimming uses the BWA / cutadapt rule: from the
//! 3' end, cut where the running sum of (cutoff - quality) peaks, which removes a low-quality tail
//! even when it holds a few good bases. Remaining `N`s at either end go too. A pair is kept only if
//! both mates pass, so the two output files stay in step.

use super::adapter::{find_adapter, mate_overlap, Overlap, OverlapRule, KNOWN_ADAPTERS};
use crate::fastq::Record;

/// Trimming and filtering settings.
#[derive(Debug, Clone, Copy)]
pub struct TrimConfig {
    /// Trim 3' bases below this Phred quality (0 disables).
    pub quality_cutoff: u8,
    /// Drop reads (and their mates) shorter than this after trimming.
    pub min_length: usize,
    /// Drop reads with more `N`s than this after trimming.
    pub max_n: usize,
    /// Trim adapters at all.
    pub adapters: bool,
    pub overlap: OverlapRule,
    /// Shortest adapter prefix accepted at the very end of a read.
    pub min_adapter_tail: usize,
    /// Trim 3' poly-G runs (the "no signal" call of two-colour instruments).
    pub poly_g: bool,
}

impl Default for TrimConfig {
    fn default() -> Self {
        Self {
            quality_cutoff: 20,
            min_length: 30,
            max_n: 5,
            adapters: true,
            overlap: OverlapRule::default(),
            min_adapter_tail: 5,
            poly_g: false,
        }
    }
}

/// How an adapter was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdapterFound {
    Overlap,
    Sequence,
}

/// The verdict on one read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trimmed {
    pub start: usize,
    pub end: usize,
    pub adapter: Option<AdapterFound>,
    /// Read length after the adapter cut, before poly-G, quality and `N` trimming.
    pub adapter_cut: usize,
    /// A poly-G tail was cut.
    pub poly_g: bool,
    pub too_short: bool,
    pub too_many_n: bool,
}

impl Trimmed {
    pub fn passes(&self) -> bool {
        !self.too_short && !self.too_many_n
    }

    pub fn kept_len(&self) -> usize {
        self.end - self.start
    }
}

/// Where to cut a read's 3' end so that bases below `cutoff` are dropped (BWA's rule).
pub fn quality_end(qual: &[u8], cutoff: u8) -> usize {
    let (mut sum, mut best, mut cut) = (0i64, 0i64, qual.len());
    for i in (0..qual.len()).rev() {
        sum += i64::from(cutoff) - i64::from(qual[i].saturating_sub(33));
        if sum < 0 {
            break;
        }
        if sum > best {
            best = sum;
            cut = i;
        }
    }
    cut
}

/// Trim one read given where its adapter starts (if known).
pub fn trim_read(
    rec: &Record,
    adapter: Option<(usize, AdapterFound)>,
    cfg: &TrimConfig,
) -> Trimmed {
    let adapter_cut = adapter.map_or(rec.seq.len(), |(at, _)| at.min(rec.seq.len()));
    let poly_g = cfg
        .poly_g
        .then(|| poly_g_start(&rec.seq[..adapter_cut]))
        .flatten();
    let mut end = poly_g.unwrap_or(adapter_cut);
    if cfg.quality_cutoff > 0 {
        end = end.min(quality_end(&rec.qual[..end], cfg.quality_cutoff));
    }
    while end > 0 && rec.seq[end - 1] == b'N' {
        end -= 1;
    }
    let mut start = 0;
    while start < end && rec.seq[start] == b'N' {
        start += 1;
    }
    let n = rec.seq[start..end].iter().filter(|&&b| b == b'N').count();
    Trimmed {
        start,
        end,
        adapter: adapter.map(|(_, how)| how),
        adapter_cut,
        poly_g: poly_g.is_some(),
        too_short: end - start < cfg.min_length,
        too_many_n: n > cfg.max_n,
    }
}

/// Where a 3' poly-G run of at least 10 bases starts (fastp's rule: one mismatch per 8 bases, at
/// most 5); `None` when there is none.
pub fn poly_g_start(seq: &[u8]) -> Option<usize> {
    const MIN_LEN: usize = 10;
    let (mut mismatches, mut first_g, mut i) = (0, seq.len(), 0);
    while i < seq.len() {
        let at = seq.len() - 1 - i;
        if seq[at] == b'G' {
            first_g = at;
        } else {
            mismatches += 1;
        }
        if mismatches > 5 || (mismatches > (i + 1) / 8 && i + 1 >= MIN_LEN) {
            break;
        }
        i += 1;
    }
    (i >= MIN_LEN).then_some(first_g)
}

/// Whether a read header comes from a two-colour Illumina instrument (NovaSeq, NextSeq, iSeq,
/// MiniSeq), where a dark cycle reads as G: the instrument id starts the read name.
pub fn two_colour_instrument(head: &[u8]) -> bool {
    [&b"A0"[..], b"LH", b"NB", b"NS", b"VH", b"FS", b"MN"]
        .iter()
        .any(|p| head.starts_with(p))
}

/// Where a known adapter starts in a read; a match cut off by the read end needs `min_tail` bases.
fn adapter_by_sequence(rec: &Record, min_tail: usize) -> Option<(usize, AdapterFound)> {
    find_adapter(&rec.seq, &KNOWN_ADAPTERS, min_tail).map(|at| (at, AdapterFound::Sequence))
}

/// Trim a single-end read.
pub fn trim_single(rec: &Record, cfg: &TrimConfig) -> Trimmed {
    let adapter = cfg
        .adapters
        .then(|| adapter_by_sequence(rec, cfg.min_adapter_tail))
        .flatten();
    trim_read(rec, adapter, cfg)
}

/// Trim a pair: the mate overlap decides the adapter cut of both mates. Only when the mates do not
/// overlap (a long insert, or one shorter than the minimum overlap) is each searched for a known
/// adapter, and then only whole-adapter matches count: an insert that short leaves the complete
/// adapter in the read, while a few adapter-like bases at the end of a long insert are chance.
/// The caller keeps the pair only if both mates pass.
pub fn trim_pair(
    r1: &Record,
    r2: &Record,
    cfg: &TrimConfig,
    scratch: &mut Vec<u8>,
) -> (Trimmed, Trimmed) {
    let overlap = if cfg.adapters {
        mate_overlap(&r1.seq, &r2.seq, cfg.overlap, scratch)
    } else {
        Overlap::Long
    };
    let whole = KNOWN_ADAPTERS.iter().map(|a| a.len()).min().unwrap_or(1);
    let (a1, a2) = match overlap {
        Overlap::Short(insert) => (
            Some((insert, AdapterFound::Overlap)),
            Some((insert, AdapterFound::Overlap)),
        ),
        Overlap::Long => (None, None),
        Overlap::None => (
            adapter_by_sequence(r1, whole),
            adapter_by_sequence(r2, whole),
        ),
    };
    (trim_read(r1, a1, cfg), trim_read(r2, a2, cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: &[u8], qual: &[u8]) -> Record {
        Record {
            head: b"r".to_vec(),
            seq: seq.to_vec(),
            qual: qual.to_vec(),
        }
    }

    #[test]
    fn quality_tail_is_cut_even_with_a_good_base_inside() {
        // Q40 x 8, then Q2 Q2 Q30 Q2 Q2: the isolated good base does not save the tail.
        assert_eq!(quality_end(b"IIIIIIII##?##", 20), 8);
        assert_eq!(quality_end(b"IIIIIIII", 20), 8);
        assert_eq!(quality_end(b"#####", 20), 0);
    }

    #[test]
    fn n_tails_and_filters() {
        let cfg = TrimConfig {
            min_length: 3,
            max_n: 1,
            ..TrimConfig::default()
        };
        let t = trim_single(&rec(b"NNACGTNN", b"IIIIIIII"), &cfg);
        assert_eq!((t.start, t.end, t.passes()), (2, 6, true));
        let t = trim_single(&rec(b"ANCNGT", b"IIIIII"), &cfg);
        assert!(t.too_many_n && !t.too_short);
        let t = trim_single(&rec(b"ACGTTT", b"II####"), &cfg);
        assert!(t.too_short);
    }

    #[test]
    fn single_read_adapter_by_sequence() {
        let cfg = TrimConfig {
            min_length: 3,
            ..TrimConfig::default()
        };
        let t = trim_single(&rec(b"CCGTAAGATCGGAAGAGCACAC", &[b'I'; 22]), &cfg);
        assert_eq!((t.end, t.adapter), (5, Some(AdapterFound::Sequence)));
        let off = TrimConfig {
            adapters: false,
            ..cfg
        };
        assert_eq!(
            trim_single(&rec(b"CCGTAAGATCGGAAGAGCACAC", &[b'I'; 22]), &off).end,
            22
        );
    }

    #[test]
    fn pair_trimmed_by_overlap_and_dropped_together() {
        let insert = b"TTGACCGATGCAAGTCCGTAGGCTTACGATCGAACGGTCTA";
        let rc: Vec<u8> = insert
            .iter()
            .rev()
            .map(|&b| super::super::adapter::complement(b))
            .collect();
        let r1: Vec<u8> = insert
            .iter()
            .chain(b"TTTTTTTTTTTTTTTTTTT")
            .copied()
            .collect();
        let r2: Vec<u8> = rc.iter().chain(b"CCCCCCCCCCCCCCCCCCC").copied().collect();
        let cfg = TrimConfig::default();
        let (t1, t2) = trim_pair(
            &rec(&r1, &[b'I'; 60]),
            &rec(&r2, &[b'I'; 60]),
            &cfg,
            &mut Vec::new(),
        );
        assert_eq!((t1.end, t2.end), (41, 41));
        assert_eq!(t1.adapter, Some(AdapterFound::Overlap));
        let strict = TrimConfig {
            min_length: 45,
            ..cfg
        };
        let (t1, t2) = trim_pair(
            &rec(&r1, &[b'I'; 60]),
            &rec(&r2, &[b'I'; 60]),
            &strict,
            &mut Vec::new(),
        );
        assert!(!t1.passes() && !t2.passes());
    }

    #[test]
    fn tiny_insert_found_by_sequence_but_chance_tails_are_not() {
        let insert = b"TTGACCGATGCAAGTCCGTA"; // 20 bp: below the minimum overlap
        let rc: Vec<u8> = insert
            .iter()
            .rev()
            .map(|&b| super::super::adapter::complement(b))
            .collect();
        let r1: Vec<u8> = [&insert[..], b"AGATCGGAAGAGCACACGTCTGAACTCCAGTCACAT"].concat();
        let r2: Vec<u8> = [&rc[..], b"AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGTAG"].concat();
        let cfg = TrimConfig {
            min_length: 10,
            ..TrimConfig::default()
        };
        let q = |r: &[u8]| vec![b'I'; r.len()];
        let (t1, t2) = trim_pair(
            &rec(&r1, &q(&r1)),
            &rec(&r2, &q(&r2)),
            &cfg,
            &mut Vec::new(),
        );
        assert_eq!(
            (t1.end, t2.end, t1.adapter),
            (20, 20, Some(AdapterFound::Sequence))
        );
        // Mates of a long insert that happen to end in adapter-like bases keep them.
        let a: Vec<u8> = [
            &b"CCATGGATTACAGGCTAGCTAGGATTTACCAGAGTCAGTTGCA"[..],
            b"AGATCG",
        ]
        .concat();
        let b = b"GGCATTCAGGTACCTTAGAGCCTAAGTCCGAAGTTTCAGGCTAGCA".to_vec();
        let (t1, _) = trim_pair(&rec(&a, &q(&a)), &rec(&b, &q(&b)), &cfg, &mut Vec::new());
        assert_eq!((t1.end, t1.adapter), (a.len(), None));
        assert_eq!(trim_single(&rec(&a, &q(&a)), &cfg).end, a.len() - 6);
    }

    #[test]
    fn poly_g_tails_are_cut_on_request() {
        assert_eq!(poly_g_start(b"ACGTACGTAAGGGGGGGGGGGGG"), Some(10));
        assert_eq!(
            poly_g_start(b"ACGTACGTAAGGGGGCGGGGGGG"),
            Some(10),
            "one mismatch in 13"
        );
        assert_eq!(
            poly_g_start(b"ACGTACGTAAGGGGGGG"),
            None,
            "7 Gs are not enough"
        );
        assert_eq!(poly_g_start(b"GGGGGGGGGGGG"), Some(0));
        let r = rec(b"ACGTACGTACGTACGTACGTGGGGGGGGGGGG", &[b'I'; 32]);
        let on = TrimConfig {
            min_length: 5,
            poly_g: true,
            ..TrimConfig::default()
        };
        let t = trim_single(&r, &on);
        // As in fastp, the run absorbs one mismatch: the T before it and the G before that go too.
        assert_eq!((t.end, t.poly_g), (18, true));
        assert_eq!(
            trim_single(
                &r,
                &TrimConfig {
                    poly_g: false,
                    ..on
                }
            )
            .end,
            32
        );
        assert!(two_colour_instrument(
            b"A00296:43:HCLHLDSXX:2:1166:4092:13088"
        ));
        assert!(!two_colour_instrument(b"sim:1/1") && !two_colour_instrument(b"HWI-ST1234:8:1101"));
    }
}
