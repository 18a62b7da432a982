//! Consequences of one allele on one transcript (Sequence Ontology terms), with HGVS and the
//! VEP-style position fields.
//!
//! Regions, as VEP and snpEff define them: upstream/downstream = within 5 kb of the transcript's
//! 5'/3' end; splice donor/acceptor = the first/last two intron bases; splice region = intron
//! bases 3-8 and the three exon bases at each exon-intron junction. An insertion lies *in* a
//! region when both of its flanking bases do; one between an exon and an intron base is a splice
//! region variant. Consequences use the allele as the VCF spells it; HGVS uses it 3'-shifted.

use super::coding::{self, CodingEffect};
use super::hgvs::{self, Allele};
use super::model::{Strand, Transcript};
use super::terms::Term;
use crate::seq::reverse_complement;

/// Distance for upstream/downstream consequences.
pub const FLANK: u64 = 5000;

#[derive(Debug, Clone)]
pub struct TxEffect<'a> {
    pub transcript: &'a Transcript,
    /// Most severe first.
    pub terms: Vec<Term>,
    /// (1-based number, count)
    pub exon: Option<(usize, usize)>,
    pub intron: Option<(usize, usize)>,
    pub hgvsc: Option<String>,
    pub coding: Option<CodingEffect>,
    pub cdna_pos: Option<(usize, usize)>,
    pub distance: Option<u64>,
}

impl TxEffect<'_> {
    pub fn most_severe(&self) -> Term {
        self.terms[0]
    }
}

/// Whether the allele touches `[x, y)` (an insertion must have both flanks inside).
fn hits(a: &Allele, x: u64, y: u64) -> bool {
    if a.is_insertion() {
        x < a.start && a.start < y
    } else {
        a.start < y && x < a.end
    }
}

/// The effect of `a` on `t`; `contig` is the reference sequence of the transcript's contig.
pub fn effect<'a>(t: &'a Transcript, a: &Allele, contig: &[u8]) -> TxEffect<'a> {
    let mut fx = TxEffect {
        transcript: t,
        terms: Vec::new(),
        exon: None,
        intron: None,
        hgvsc: None,
        coding: None,
        cdna_pos: None,
        distance: None,
    };
    let (ts, te) = (t.start(), t.end());
    let outside_left = if a.is_insertion() {
        a.start <= ts
    } else {
        a.end <= ts
    };
    let outside_right = a.start >= te;
    if outside_left || outside_right {
        let dist = if outside_left {
            ts - a.end.min(ts)
        } else {
            a.start - te
        };
        let five_prime = outside_left == (t.strand == Strand::Plus);
        fx.terms.push(if five_prime {
            Term::Upstream
        } else {
            Term::Downstream
        });
        fx.distance = Some(dist + u64::from(!a.is_insertion() || outside_right));
        return fx;
    }
    if !a.is_insertion() && a.start <= ts && a.end >= te {
        fx.terms.push(Term::TranscriptAblation);
        return fx;
    }
    intronic_terms(t, a, &mut fx);
    exonic_terms(t, a, &mut fx);
    fx.terms.sort_unstable();
    fx.terms.dedup();
    if fx.terms.is_empty() {
        fx.terms.push(Term::Intron);
    }
    if !t.seq.is_empty() {
        fx.hgvsc = Some(hgvs_c(t, a, contig));
    }
    fx
}

fn intronic_terms(t: &Transcript, a: &Allele, fx: &mut TxEffect<'_>) {
    let n = t.exons.len();
    for i in 0..n.saturating_sub(1) {
        let (is, ie) = (t.exons[i].1, t.exons[i + 1].0);
        if is >= ie {
            continue;
        }
        let (donor, acceptor) = match t.strand {
            Strand::Plus => ((is, is + 2), (ie.saturating_sub(2), ie)),
            Strand::Minus => ((ie.saturating_sub(2), ie), (is, is + 2)),
        };
        let tx_intron = match t.strand {
            Strand::Plus => i,
            Strand::Minus => n - 2 - i,
        };
        let mut any = false;
        if hits(a, donor.0, donor.1) {
            fx.terms.push(Term::SpliceDonor);
            any = true;
        }
        if hits(a, acceptor.0, acceptor.1) {
            fx.terms.push(Term::SpliceAcceptor);
            any = true;
        }
        let region = [
            (is + 2, is + 8),
            (ie.saturating_sub(8), ie.saturating_sub(2)),
        ];
        let exon_side = [(is.saturating_sub(3), is), (ie, ie + 3)];
        // An insertion is in the splice region when both flanks lie in the region or the splice
        // site and exon bases next to it (between exon and intron, or site and region, counts).
        let insertion_in_region = a.is_insertion()
            && [
                (is.saturating_sub(3), is + 8),
                (ie.saturating_sub(8), ie + 3),
            ]
            .iter()
            .any(|&(x, y)| hits(a, x, y));
        if region
            .iter()
            .chain(&exon_side)
            .any(|&(x, y)| x < y && hits(a, x, y))
            || insertion_in_region
        {
            fx.terms.push(Term::SpliceRegion);
        }
        if hits(a, is, ie) {
            fx.terms.push(Term::Intron);
            any = true;
        }
        if any {
            fx.intron = Some((tx_intron + 1, n - 1));
        }
    }
}

fn exonic_terms(t: &Transcript, a: &Allele, fx: &mut TxEffect<'_>) {
    let n = t.exons.len();
    for (i, &(xs, xe)) in t.exons.iter().enumerate() {
        if !hits(a, xs, xe) {
            continue;
        }
        let tx_exon = match t.strand {
            Strand::Plus => i,
            Strand::Minus => n - 1 - i,
        };
        fx.exon = Some((tx_exon + 1, n));
        let inside = xs <= a.start && a.end <= xe;
        if t.seq.is_empty() {
            fx.terms.push(Term::NonCodingExon);
            continue;
        }
        let (ci, cj) = cdna_range(t, a);
        fx.cdna_pos = Some((ci + 1, cj.max(ci + 1)));
        let Some((cs, ce)) = t.cds_range else {
            fx.terms.push(Term::NonCodingExon);
            continue;
        };
        if !inside {
            // An allele running from this exon into an intron: its exonic part.
            let lo = t.cdna_of(a.start.max(xs)).unwrap_or(0);
            let hi = t.cdna_of(a.end.min(xe) - 1).unwrap_or(0);
            let (lo, hi) = (lo.min(hi), lo.max(hi) + 1);
            fx.terms.push(region_term(lo, hi, cs, ce));
            continue;
        }
        if cj <= cs {
            fx.terms.push(Term::FivePrimeUtr);
        } else if ci >= ce {
            fx.terms.push(Term::ThreePrimeUtr);
        } else if ci >= cs && cj <= ce {
            let alt = match t.strand {
                Strand::Plus => a.alt.clone(),
                Strand::Minus => reverse_complement(&a.alt),
            };
            let c = coding::effect(t, ci - cs, cj - cs, &alt);
            fx.terms.extend(c.terms.iter().copied());
            fx.coding = Some(c);
        } else {
            fx.terms.push(Term::CodingSequence);
            if ci < cs + 3 && cj > cs {
                fx.terms.push(Term::StartLost);
            }
            if cj > ce.saturating_sub(3) && ci < ce {
                fx.terms.push(Term::StopLost);
            }
            fx.terms.push(if ci < cs {
                Term::FivePrimeUtr
            } else {
                Term::ThreePrimeUtr
            });
        }
    }
}

fn region_term(lo: usize, hi: usize, cs: usize, ce: usize) -> Term {
    if hi <= cs {
        Term::FivePrimeUtr
    } else if lo >= ce {
        Term::ThreePrimeUtr
    } else {
        Term::CodingSequence
    }
}

/// cDNA range `[ci, cj)` of an exonic allele; an insertion gives `ci == cj` at the base after it
/// in transcript order.
fn cdna_range(t: &Transcript, a: &Allele) -> (usize, usize) {
    if a.is_insertion() {
        let after = match t.strand {
            Strand::Plus => t.cdna_of(a.start),
            Strand::Minus => t.cdna_of(a.start - 1),
        };
        let c = after.unwrap_or(0);
        return (c, c);
    }
    let x = t.cdna_of(a.start).unwrap_or(0);
    let y = t.cdna_of(a.end - 1).unwrap_or(0);
    (x.min(y), x.max(y) + 1)
}

fn hgvs_c(t: &Transcript, a: &Allele, contig: &[u8]) -> String {
    let (lo, hi) = t
        .exons
        .iter()
        .find(|&&(xs, xe)| xs <= a.start && a.end <= xe && (!a.is_insertion() || a.start > xs))
        .copied()
        .or_else(|| {
            let introns = t.exons.windows(2).map(|w| (w[0].1, w[1].0));
            introns.clone().find(|&(s, e)| s <= a.start && a.end <= e)
        })
        .unwrap_or((t.start(), t.end()));
    let shifted = hgvs::shift_3prime(a, contig, t.strand, lo, hi);
    hgvs::describe(t, &shifted, contig)
}
