//! Candidate alleles and their normal form.
//!
//! A candidate is a VCF-style allele pair: `pos` is the 0-based position of `reference[0]`; indels
//! carry one anchor base before the event. Indels are left-aligned against the reference, so the
//! same event written differently by the aligner in different reads is counted as one candidate,
//! and `shift_end` records how far right the event could slide (the end of its repeat), which the
//! haplotype window must cover for reads to tell the alleles apart.

/// A slice of the reference loaded for one chunk.
#[derive(Debug, Clone)]
pub struct RefWindow {
    /// 0-based contig position of `seq[0]`.
    pub start: i64,
    pub seq: Vec<u8>,
}

impl RefWindow {
    pub fn end(&self) -> i64 {
        self.start + self.seq.len() as i64
    }

    pub fn base(&self, pos: i64) -> Option<u8> {
        (pos >= self.start)
            .then(|| self.seq.get((pos - self.start) as usize).copied())
            .flatten()
    }

    /// Bases over `[from, to)`, clipped to the window.
    pub fn slice(&self, from: i64, to: i64) -> &[u8] {
        let a = (from.max(self.start) - self.start) as usize;
        let b = ((to.min(self.end()) - self.start).max(0) as usize).max(a);
        &self.seq[a..b]
    }
}

/// A candidate allele.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub pos: i64,
    pub reference: Vec<u8>,
    pub alt: Vec<u8>,
    /// Reads supporting it.
    pub support: u32,
    /// Exclusive end of the reference stretch the event can slide over.
    pub shift_end: i64,
}

impl Candidate {
    pub fn is_snv(&self) -> bool {
        self.reference.len() == 1 && self.alt.len() == 1
    }

    /// Exclusive end of the reference bases the allele replaces.
    pub fn end(&self) -> i64 {
        self.pos + self.reference.len() as i64
    }

    pub fn snv(pos: i64, reference: u8, alt: u8, support: u32) -> Self {
        Self {
            pos,
            reference: vec![reference],
            alt: vec![alt],
            support,
            shift_end: pos + 1,
        }
    }

    /// The deletion of `len` reference bases starting at `start`, left-aligned. `None` when the
    /// anchor or the repeat runs off the loaded window.
    pub fn deletion(refw: &RefWindow, start: i64, len: i64, support: u32) -> Option<Self> {
        let mut s = start;
        while refw.base(s - 1)? == refw.base(s + len - 1)? {
            s -= 1;
        }
        let mut e = s;
        while refw.base(e).is_some() && refw.base(e) == refw.base(e + len) {
            e += 1;
        }
        let anchor = s - 1;
        let reference = refw.slice(anchor, s + len).to_vec();
        let alt = vec![refw.base(anchor)?];
        Some(Self {
            pos: anchor,
            reference,
            alt,
            support,
            shift_end: e + len,
        })
    }

    /// The insertion of `ins` before reference position `start`, left-aligned.
    pub fn insertion(refw: &RefWindow, start: i64, ins: &[u8], support: u32) -> Option<Self> {
        let mut seq = ins.to_vec();
        let mut s = start;
        while refw.base(s - 1)? == *seq.last()? {
            seq.rotate_right(1);
            s -= 1;
        }
        let mut right = seq.clone();
        let mut e = s;
        while refw.base(e).is_some() && refw.base(e) == right.first().copied() {
            right.rotate_left(1);
            e += 1;
        }
        let anchor_base = refw.base(s - 1)?;
        let mut alt = vec![anchor_base];
        alt.extend_from_slice(&seq);
        Some(Self {
            pos: s - 1,
            reference: vec![anchor_base],
            alt,
            support,
            shift_end: e + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(s: &[u8]) -> RefWindow {
        RefWindow {
            start: 100,
            seq: s.to_vec(),
        }
    }

    #[test]
    fn deletion_in_a_homopolymer_moves_left() {
        // positions: 100 G, 101 C, 102 A, 103 A, 104 A, 105 T
        let w = win(b"GCAAAT");
        let d = Candidate::deletion(&w, 104, 1, 3).unwrap();
        assert_eq!(
            (d.pos, d.reference.as_slice(), d.alt.as_slice()),
            (101, &b"CA"[..], &b"C"[..])
        );
        assert_eq!(d.shift_end, 105);
    }

    #[test]
    fn insertion_of_a_repeat_unit_moves_left() {
        // CACACA then G; inserting "CA" after the last A left-aligns to before the first C.
        let w = win(b"TCACACAG");
        let i = Candidate::insertion(&w, 107, b"CA", 2).unwrap();
        assert_eq!(
            (i.pos, i.reference.as_slice(), i.alt.as_slice()),
            (100, &b"T"[..], &b"TCA"[..])
        );
        assert_eq!(i.shift_end, 108);
    }

    #[test]
    fn slices_clip_to_the_window() {
        let w = win(b"ACGT");
        assert_eq!(w.slice(98, 102), b"AC");
        assert_eq!(w.slice(103, 110), b"T");
        assert_eq!(w.base(99), None);
    }
}
