//! Consequences and HGVS on a literal three-exon transcript, checked on both strands: every case
//! runs on the plus-strand transcript and on its mirror image (reverse-complemented contig,
//! minus-strand transcript), and must give the same terms, c. and p. text.

use super::consequence::effect;
use super::hgvs::Allele;
use super::model::{Strand, Transcript};
use super::terms::Term;
use crate::seq::reverse_complement;

const FLANK5: &str = "GGGGGGGGGG"; // 0..10
const EXON1: &str = "CCCACATGAAAGCT"; // 10..24: 5' UTR CCCAC, then ATG AAA GCT
const INTRON1: &str = "GTAAGTTTTTTTTTTTTTTTTCAG"; // 24..48
const EXON2: &str = "GGACTGTGGCAG"; // 48..60: GGA CTG TGG CAG
const INTRON2: &str = "GTGAGTCCCCCCCCCCCCCCCTAG"; // 60..84
const EXON3: &str = "AAATAAGCGTGATTTA"; // 84..100: AAA TAA, then 3' UTR
const FLANK3: &str = "TTTTTTTTTT"; // 100..110

fn contig() -> Vec<u8> {
    [FLANK5, EXON1, INTRON1, EXON2, INTRON2, EXON3, FLANK3]
        .concat()
        .into_bytes()
}

fn transcript(strand: Strand, len: u64) -> Transcript {
    let exons = vec![(10, 24), (48, 60), (84, 100)];
    let mut t = Transcript {
        id: "T1".into(),
        gene_id: "G1".into(),
        gene_name: "GENE".into(),
        biotype: "protein_coding".into(),
        contig: "c".into(),
        strand: Strand::Plus,
        exons,
        cds: Some((15, 90)),
        start_phase: 0,
        canonical: true,
        mane: false,
        seq: Vec::new(),
        cds_range: None,
        protein: Vec::new(),
    };
    if strand == Strand::Minus {
        t.strand = Strand::Minus;
        t.exons = t
            .exons
            .iter()
            .rev()
            .map(|&(s, e)| (len - e, len - s))
            .collect();
        t.cds = Some((len - 90, len - 15));
    }
    t
}

/// (terms, hgvsc, hgvsp) on the plus transcript, asserting the mirror gives the same.
fn check(pos: u64, r: &str, a: &str) -> (Vec<&'static str>, String, String) {
    let plus_contig = contig();
    let len = plus_contig.len() as u64;
    let mut plus = transcript(Strand::Plus, len);
    plus.attach(&plus_contig);
    assert_eq!(plus.protein, b"MKAGLWQK*");
    let minus_contig = reverse_complement(&plus_contig);
    let mut minus = transcript(Strand::Minus, len);
    minus.attach(&minus_contig);
    assert_eq!(minus.seq, plus.seq);
    let allele = Allele::from_vcf(pos, r.as_bytes(), a.as_bytes());
    let mirror = Allele {
        start: len - allele.end,
        end: len - allele.start,
        alt: reverse_complement(&allele.alt),
    };
    let show = |t: &Transcript, a: &Allele, c: &[u8]| {
        let fx = effect(t, a, c);
        let terms: Vec<&str> = fx.terms.iter().map(|t| t.so()).collect();
        let p = fx.coding.and_then(|c| c.hgvsp).unwrap_or_default();
        (terms, fx.hgvsc.unwrap_or_default(), p)
    };
    let p = show(&plus, &allele, &plus_contig);
    let m = show(&minus, &mirror, &minus_contig);
    assert_eq!(p, m, "plus vs minus strand for {pos} {r}>{a}");
    p
}

fn terms(v: &[Term]) -> Vec<&'static str> {
    v.iter().map(|t| t.so()).collect()
}

#[test]
fn coding_substitutions() {
    assert_eq!(
        check(19, "A", "T"),
        (
            terms(&[Term::Missense]),
            "c.5A>T".into(),
            "p.Lys2Ile".into()
        )
    );
    assert_eq!(
        check(23, "T", "C"),
        (
            terms(&[Term::SpliceRegion, Term::Synonymous]),
            "c.9T>C".into(),
            "p.Ala3=".into()
        )
    );
    assert_eq!(
        check(55, "G", "A"),
        (
            terms(&[Term::StopGained]),
            "c.17G>A".into(),
            "p.Trp6Ter".into()
        )
    );
    assert_eq!(
        check(15, "A", "G"),
        (terms(&[Term::StartLost]), "c.1A>G".into(), "p.Met1?".into())
    );
    assert_eq!(
        check(87, "T", "C"),
        (
            terms(&[Term::StopLost]),
            "c.25T>C".into(),
            "p.Ter9GlnextTer2".into()
        )
    );
    assert_eq!(
        check(89, "A", "G"),
        (
            terms(&[Term::StopRetained]),
            "c.27A>G".into(),
            "p.Ter9=".into()
        )
    );
}

#[test]
fn multi_base_substitutions() {
    assert_eq!(
        check(18, "AA", "TT"),
        (
            terms(&[Term::Missense]),
            "c.4_5delinsTT".into(),
            "p.Lys2Leu".into()
        )
    );
    // Two codons changed across an exon's coding bases.
    assert_eq!(
        check(22, "CT", "AC"),
        (
            terms(&[Term::Missense, Term::SpliceRegion]),
            "c.8_9delinsAC".into(),
            "p.Ala3Asp".into()
        )
    );
}

#[test]
fn indels_in_repeats_shift_3prime() {
    // Deleting one A of AAA: VCF left-aligns to c.4, HGVS shifts to c.6.
    let (t, c, p) = check(17, "GA", "G");
    assert_eq!(t, terms(&[Term::Frameshift]));
    assert_eq!(c, "c.6del");
    assert!(p.starts_with("p.Ala3"), "{p}");
    assert_eq!(
        check(17, "GAAA", "G"),
        (
            terms(&[Term::InframeDeletion]),
            "c.4_6del".into(),
            "p.Lys2del".into()
        )
    );
    assert_eq!(
        check(17, "G", "GAAA"),
        (
            terms(&[Term::InframeInsertion]),
            "c.4_6dup".into(),
            "p.Lys2dup".into()
        )
    );
    assert_eq!(
        check(20, "A", "AGGC"),
        (
            terms(&[Term::InframeInsertion]),
            "c.7_8insGCG".into(),
            "p.Lys2_Ala3insGly".into()
        )
    );
    let (t, c, _) = check(17, "G", "GA");
    assert_eq!((t, c), (terms(&[Term::Frameshift]), "c.6dup".into()));
}

#[test]
fn splice_sites_and_introns() {
    assert_eq!(
        check(25, "T", "A").0,
        terms(&[Term::SpliceDonor, Term::Intron])
    );
    assert_eq!(check(25, "T", "A").1, "c.9+2T>A");
    assert_eq!(
        check(47, "G", "A").0,
        terms(&[Term::SpliceAcceptor, Term::Intron])
    );
    assert_eq!(check(47, "G", "A").1, "c.10-1G>A");
    assert_eq!(
        check(28, "G", "A").0,
        terms(&[Term::SpliceRegion, Term::Intron])
    );
    assert_eq!(check(28, "G", "A").1, "c.9+5G>A");
    assert_eq!(check(36, "T", "A").0, terms(&[Term::Intron]));
    assert_eq!(check(36, "T", "A").1, "c.10-12T>A");
    // An insertion between the donor site and the splice region, or between exon and intron.
    assert_eq!(
        check(25, "T", "TC").0,
        terms(&[Term::SpliceRegion, Term::Intron])
    );
    assert_eq!(check(23, "T", "TC").0, terms(&[Term::SpliceRegion]));
    // Last exon base before the intron: coding and splice region.
    assert_eq!(
        check(23, "T", "A").0,
        terms(&[Term::SpliceRegion, Term::Synonymous])
    );
}

#[test]
fn utrs_and_flanks() {
    assert_eq!(
        check(12, "C", "T"),
        (
            terms(&[Term::FivePrimeUtr]),
            "c.-3C>T".into(),
            String::new()
        )
    );
    assert_eq!(
        check(92, "G", "A"),
        (
            terms(&[Term::ThreePrimeUtr]),
            "c.*3G>A".into(),
            String::new()
        )
    );
    assert_eq!(check(5, "G", "A").0, terms(&[Term::Upstream]));
    assert_eq!(check(105, "T", "A").0, terms(&[Term::Downstream]));
}

#[test]
fn non_coding_transcripts_use_n_dot() {
    let c = contig();
    let mut t = transcript(Strand::Plus, c.len() as u64);
    t.cds = None;
    t.attach(&c);
    let fx = effect(&t, &Allele::from_vcf(53, b"G", b"A"), &c);
    assert_eq!(fx.terms, vec![Term::NonCodingExon]);
    assert_eq!(fx.hgvsc.as_deref(), Some("n.20G>A"));
    assert_eq!(fx.exon, Some((2, 3)));
}

#[test]
fn alleles_across_region_edges() {
    // Deleting the last two UTR bases and the A of ATG: start lost across the UTR/CDS edge.
    let (t, _, _) = check(12, "CACA", "C");
    assert_eq!(
        t,
        terms(&[Term::StartLost, Term::CodingSequence, Term::FivePrimeUtr])
    );
    // Deleting the last exon's coding end into the UTR: stop lost.
    let (t, c, _) = check(86, "ATAAG", "A");
    assert_eq!(
        t,
        terms(&[Term::StopLost, Term::CodingSequence, Term::ThreePrimeUtr])
    );
    assert_eq!(c, "c.25_*1del");
    // A deletion of the whole transcript.
    let contig = contig();
    let mut t = transcript(Strand::Plus, contig.len() as u64);
    t.attach(&contig);
    let whole = Allele {
        start: 5,
        end: 105,
        alt: Vec::new(),
    };
    assert_eq!(
        effect(&t, &whole, &contig).terms,
        vec![Term::TranscriptAblation]
    );
}

#[test]
fn intergenic_when_no_transcript_is_near() {
    use super::csq::{annotate, intergenic, most_severe};
    use super::model::Model;
    let contig = contig();
    let mut model = Model::new(
        vec![transcript(Strand::Plus, contig.len() as u64)],
        Vec::new(),
    );
    model.attach("c", &contig);
    let far = Allele {
        start: 50_000,
        end: 50_001,
        alt: b"A".to_vec(),
    };
    assert!(annotate(&model, "c", &contig, &far).is_empty());
    assert!(intergenic("A").starts_with("A|intergenic_variant|MODIFIER|"));
    let near = Allele::from_vcf(19, b"A", b"T");
    let fx = annotate(&model, "c", &contig, &near);
    assert_eq!(most_severe(&fx), Some(0));
    assert_eq!(fx[0].most_severe(), Term::Missense);
}
