//! HGVS c./n. positions and descriptions, with the 3' rule.
//!
//! VCF left-aligns indels; HGVS places them at their most 3' position *in transcript orientation*,
//! so a deletion in a repeat moves right on a plus-strand transcript and left on a minus-strand
//! one. Shifting stays inside the exon (or intron) the allele sits in, as VEP does, so an allele is
//! never moved across a splice junction.

use super::model::{Locus, Strand, Transcript};
use crate::seq::reverse_complement;

/// A trimmed allele on the genome: reference bases `start..end` (0-based; equal for an
/// insertion) replaced by `alt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allele {
    pub start: u64,
    pub end: u64,
    pub alt: Vec<u8>,
}

impl Allele {
    /// Trim shared trailing, then leading bases of a VCF REF/ALT at 0-based `pos`.
    pub fn from_vcf(pos: u64, r: &[u8], a: &[u8]) -> Allele {
        let mut r = r;
        let mut a = a;
        while r.len() > 1 && a.len() > 1 && r.last() == a.last() {
            r = &r[..r.len() - 1];
            a = &a[..a.len() - 1];
        }
        let mut start = pos;
        while !r.is_empty() && !a.is_empty() && r[0] == a[0] {
            r = &r[1..];
            a = &a[1..];
            start += 1;
        }
        Allele {
            start,
            end: start + r.len() as u64,
            alt: a.to_vec(),
        }
    }

    pub fn is_insertion(&self) -> bool {
        self.start == self.end
    }

    pub fn is_indel(&self) -> bool {
        (self.end - self.start) as usize != self.alt.len()
    }
}

/// Shift an indel 3' in transcript orientation within `[lo, hi)` of `contig`.
pub fn shift_3prime(a: &Allele, contig: &[u8], strand: Strand, lo: u64, hi: u64) -> Allele {
    let del = a.alt.is_empty() && a.end > a.start;
    let ins = a.is_insertion();
    if !(del || ins) {
        return a.clone();
    }
    let hi = hi.min(contig.len() as u64);
    let mut s = a.start;
    let mut e = a.end;
    let mut alt = a.alt.clone();
    match (strand, ins) {
        (Strand::Plus, false) => {
            while e < hi && contig[e as usize] == contig[s as usize] {
                s += 1;
                e += 1;
            }
        }
        (Strand::Minus, false) => {
            while s > lo && contig[s as usize - 1] == contig[e as usize - 1] {
                s -= 1;
                e -= 1;
            }
        }
        (Strand::Plus, true) => {
            while s < hi && contig[s as usize] == alt[0] {
                alt.rotate_left(1);
                s += 1;
            }
            e = s;
        }
        (Strand::Minus, true) => {
            while s > lo && contig[s as usize - 1] == alt[alt.len() - 1] {
                alt.rotate_right(1);
                s -= 1;
            }
            e = s;
        }
    }
    Allele {
        start: s,
        end: e,
        alt,
    }
}

/// The c. (coding) or n. (non-coding) position of genomic base `g`; bases beyond the transcript
/// ends count on from its first or last base (`c.-120`, `c.*50`).
pub fn position(t: &Transcript, g: u64) -> String {
    let len = t.seq.len() as i64;
    let (cdna, offset): (i64, i64) = match t.locate(g) {
        Some(Locus::Exon { cdna, .. }) => (cdna as i64, 0),
        Some(Locus::Intron { anchor, offset, .. }) => (anchor as i64, offset),
        None => {
            let before_5p = match t.strand {
                Strand::Plus => g < t.start(),
                Strand::Minus => g >= t.end(),
            };
            let dist = if g < t.start() {
                t.start() - g
            } else {
                g + 1 - t.end()
            } as i64;
            if before_5p {
                (-dist, 0)
            } else {
                (len - 1 + dist, 0)
            }
        }
    };
    let base = match t.cds_range {
        Some((cs, ce)) => {
            let (cs, ce) = (cs as i64, ce as i64);
            if cdna < cs {
                format!("-{}", cs - cdna)
            } else if cdna >= ce {
                format!("*{}", cdna - ce + 1)
            } else {
                format!("{}", cdna - cs + 1)
            }
        }
        None => format!("{}", cdna + 1),
    };
    match offset {
        0 => base,
        o if o > 0 => format!("{base}+{o}"),
        o => format!("{base}{o}"),
    }
}

/// The HGVS c./n. description of a (3'-shifted) allele on `t`.
pub fn describe(t: &Transcript, a: &Allele, contig: &[u8]) -> String {
    let prefix = if t.is_coding() { "c." } else { "n." };
    let tx = |s: &[u8]| match t.strand {
        Strand::Plus => s.to_vec(),
        Strand::Minus => reverse_complement(s),
    };
    let text = |s: &[u8]| String::from_utf8_lossy(&tx(s)).into_owned();
    // First and last genomic base in transcript order.
    let span = |s: u64, e: u64| -> String {
        let (first, last) = match t.strand {
            Strand::Plus => (s, e - 1),
            Strand::Minus => (e - 1, s),
        };
        if first == last {
            position(t, first)
        } else {
            format!("{}_{}", position(t, first), position(t, last))
        }
    };
    let reference = &contig[a.start as usize..(a.end as usize).min(contig.len())];
    let body = if a.is_insertion() {
        let n = a.alt.len() as u64;
        let p = a.start;
        let dup = match t.strand {
            Strand::Plus => p >= n && contig[(p - n) as usize..p as usize] == a.alt[..],
            Strand::Minus => {
                (p + n) as usize <= contig.len()
                    && contig[p as usize..(p + n) as usize] == a.alt[..]
            }
        };
        if dup {
            match t.strand {
                Strand::Plus => format!("{}dup", span(p - n, p)),
                Strand::Minus => format!("{}dup", span(p, p + n)),
            }
        } else {
            let flank = match t.strand {
                Strand::Plus => span(p.saturating_sub(1), p + 1),
                Strand::Minus => span(p.saturating_sub(1), p + 1),
            };
            format!("{flank}ins{}", text(&a.alt))
        }
    } else if a.alt.is_empty() {
        format!("{}del", span(a.start, a.end))
    } else if reference.len() == 1 && a.alt.len() == 1 {
        format!(
            "{}{}>{}",
            span(a.start, a.end),
            text(reference),
            text(&a.alt)
        )
    } else {
        format!("{}delins{}", span(a.start, a.end), text(&a.alt))
    };
    format!("{prefix}{body}")
}
