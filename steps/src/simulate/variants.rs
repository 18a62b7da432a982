//! Germline variants planted into a genome: random SNVs and short indels, left-aligned.
//!
//! A variant is one biallelic change on one contig plus which of the two haplotypes carry it
//! (`0|1`, `1|0` or `1|1`), so the truth VCF is phased by construction. Positions are drawn as a
//! Poisson process; a candidate that would overlap or crowd the previous variant after
//! normalisation is dropped, so every variant is one unambiguous VCF record.

use rand::{Rng, RngCore};

use super::genome::{geometric, other_base, Contig};

/// One biallelic variant. `pos` is 0-based; `reference` and `alt` are the VCF alleles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub contig: usize,
    pub pos: usize,
    pub reference: Vec<u8>,
    pub alt: Vec<u8>,
    /// Which haplotypes (0, 1) carry the alternate allele.
    pub on: [bool; 2],
}

impl Variant {
    /// One past the last reference base the variant replaces.
    pub fn end(&self) -> usize {
        self.pos + self.reference.len()
    }

    /// The VCF genotype, phased: `0|1`, `1|0` or `1|1`.
    pub fn genotype(&self) -> &'static str {
        match self.on {
            [true, true] => "1|1",
            [true, false] => "1|0",
            [false, true] => "0|1",
            [false, false] => "0|0",
        }
    }
}

/// How many variants of which kinds to plant.
#[derive(Debug, Clone, Copy)]
pub struct VariantRates {
    /// SNVs per reference base.
    pub snv: f64,
    /// Indels per reference base.
    pub indel: f64,
    /// Fraction of variants that are homozygous.
    pub hom_fraction: f64,
    /// Longest inserted or deleted sequence.
    pub max_indel: usize,
}

/// Bases kept free around each variant so no two variants interact.
const MIN_SPACING: usize = 10;
/// No variant this close to a contig end (reads there are thin and anchoring is awkward).
const EDGE: usize = 50;

/// Random variants over all contigs, sorted by contig and position.
pub fn plant(contigs: &[Contig], rates: VariantRates, rng: &mut impl RngCore) -> Vec<Variant> {
    let total = rates.snv + rates.indel;
    let mut out = Vec::new();
    if total <= 0.0 {
        return out;
    }
    for (ci, contig) in contigs.iter().enumerate() {
        let seq = &contig.seq;
        let mut pos = EDGE as f64;
        let mut last_end = 0usize;
        loop {
            pos += -rng.random::<f64>().ln() / total;
            let p = pos as usize;
            if p + EDGE + rates.max_indel + 1 >= seq.len() {
                break;
            }
            let candidate = if rng.random::<f64>() < rates.snv / total {
                snv(rng, seq, p)
            } else {
                indel(rng, seq, p, rates.max_indel)
            };
            let Some((vpos, reference, alt)) = candidate else {
                continue;
            };
            if vpos < last_end + MIN_SPACING || vpos < EDGE {
                continue;
            }
            last_end = vpos + reference.len();
            let on = zygosity(rng, rates.hom_fraction);
            out.push(Variant {
                contig: ci,
                pos: vpos,
                reference,
                alt,
                on,
            });
        }
    }
    out
}

type Alleles = (usize, Vec<u8>, Vec<u8>);

fn is_base(b: u8) -> bool {
    matches!(b, b'A' | b'C' | b'G' | b'T')
}

fn snv(rng: &mut impl RngCore, seq: &[u8], p: usize) -> Option<Alleles> {
    let r = seq[p];
    if !is_base(r) {
        return None;
    }
    // Transitions are about twice as common as transversions.
    let alt = if rng.random_bool(2.0 / 3.0) {
        match r {
            b'A' => b'G',
            b'G' => b'A',
            b'C' => b'T',
            _ => b'C',
        }
    } else {
        let tv: &[u8; 2] = if matches!(r, b'A' | b'G') {
            b"CT"
        } else {
            b"AG"
        };
        tv[rng.random_range(0..2)]
    };
    Some((p, vec![r], vec![alt]))
}

fn indel(rng: &mut impl RngCore, seq: &[u8], p: usize, max: usize) -> Option<Alleles> {
    let len = (1 + geometric(rng, 0.35)).min(max.max(1));
    if !seq[p..=p + len].iter().all(|&b| is_base(b)) {
        return None;
    }
    let (reference, alt) = if rng.random_bool(0.5) {
        (seq[p..=p + len].to_vec(), vec![seq[p]])
    } else {
        let mut alt = vec![seq[p]];
        if rng.random_bool(0.5) {
            // A tandem duplication of the following bases, as in repeat expansions.
            alt.extend_from_slice(&seq[p + 1..=p + len]);
        } else {
            alt.extend((0..len).map(|_| other_base(rng, b'N')));
        }
        (vec![seq[p]], alt)
    };
    Some(normalize(seq, p, reference, alt))
}

fn zygosity(rng: &mut impl RngCore, hom_fraction: f64) -> [bool; 2] {
    if rng.random::<f64>() < hom_fraction {
        [true, true]
    } else if rng.random_bool(0.5) {
        [true, false]
    } else {
        [false, true]
    }
}

/// Left-align and trim a biallelic variant against `seq` (Tan, Abecasis & Kang 2015): trim equal
/// trailing bases, extending both alleles to the left whenever one becomes empty, then trim equal
/// leading bases while both alleles keep at least one.
pub fn normalize(seq: &[u8], mut pos: usize, mut r: Vec<u8>, mut a: Vec<u8>) -> Alleles {
    while let (Some(x), Some(y)) = (r.last(), a.last()) {
        let empties = r.len() == 1 || a.len() == 1;
        if x != y || (empties && pos == 0) {
            break;
        }
        r.pop();
        a.pop();
        if empties {
            pos -= 1;
            r.insert(0, seq[pos]);
            a.insert(0, seq[pos]);
        }
    }
    while r.len() >= 2 && a.len() >= 2 && r[0] == a[0] {
        r.remove(0);
        a.remove(0);
        pos += 1;
    }
    (pos, r, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::genome::random_reference;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn deletion_in_homopolymer_moves_left() {
        //            0123456789
        let seq = b"GCATTTTTGC";
        // Delete the last T of the run, anchored on the T before it.
        let (pos, r, a) = normalize(seq, 6, b"TT".to_vec(), b"T".to_vec());
        assert_eq!(
            (pos, r.as_slice(), a.as_slice()),
            (2, &b"AT"[..], &b"A"[..])
        );
    }

    #[test]
    fn insertion_in_dinucleotide_repeat_moves_left() {
        let seq = b"GGCACACAGG";
        let (pos, r, a) = normalize(seq, 7, b"A".to_vec(), b"ACA".to_vec());
        assert_eq!(
            (pos, r.as_slice(), a.as_slice()),
            (1, &b"G"[..], &b"GCA"[..])
        );
    }

    #[test]
    fn snv_and_padded_snv_are_trimmed() {
        let seq = b"ACGTACGT";
        assert_eq!(
            normalize(seq, 2, b"G".to_vec(), b"T".to_vec()),
            (2, b"G".to_vec(), b"T".to_vec())
        );
        assert_eq!(
            normalize(seq, 1, b"CGT".to_vec(), b"CAT".to_vec()),
            (2, b"G".to_vec(), b"A".to_vec())
        );
    }

    #[test]
    fn planted_variants_are_spaced_normalised_and_at_rate() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let contigs = random_reference(400_000, 2, &mut rng);
        let rates = VariantRates {
            snv: 1e-3,
            indel: 1.0 / 8000.0,
            hom_fraction: 1.0 / 3.0,
            max_indel: 20,
        };
        let vars = plant(&contigs, rates, &mut rng);
        let snvs = vars
            .iter()
            .filter(|v| v.reference.len() == 1 && v.alt.len() == 1)
            .count();
        let indels = vars.len() - snvs;
        assert!((320..480).contains(&snvs), "snvs {snvs}");
        assert!((25..80).contains(&indels), "indels {indels}");
        let hom = vars.iter().filter(|v| v.on == [true, true]).count() as f64 / vars.len() as f64;
        assert!((0.25..0.42).contains(&hom), "hom fraction {hom}");
        for w in vars.windows(2) {
            if w[0].contig == w[1].contig {
                assert!(w[1].pos >= w[0].end() + MIN_SPACING);
            }
        }
        for v in &vars {
            let seq = &contigs[v.contig].seq;
            assert_eq!(&seq[v.pos..v.end()], v.reference.as_slice());
            assert_eq!(
                normalize(seq, v.pos, v.reference.clone(), v.alt.clone()).0,
                v.pos
            );
            assert_eq!(v.reference[0] == v.alt[0], v.reference.len() != v.alt.len());
        }
    }

    fn splice(seq: &[u8], pos: usize, r: &[u8], a: &[u8]) -> Vec<u8> {
        [&seq[..pos], a, &seq[pos + r.len()..]].concat()
    }

    proptest::proptest! {
        /// Normalising never changes the haplotype, keeps REF true to the reference, is
        /// idempotent, and leaves nothing to trim.
        #[test]
        fn normalising_keeps_the_haplotype(
            seq in proptest::collection::vec(proptest::sample::select(b"AC".to_vec()), 8..40),
            at in 0usize..1000,
            len in 1usize..6,
            insertion in proptest::bool::ANY,
            inserted in proptest::collection::vec(proptest::sample::select(b"ACG".to_vec()), 6),
        ) {
            let pos = at % (seq.len() - len);
            let (r, a) = if insertion {
                (vec![seq[pos]], [&[seq[pos]][..], &inserted[..len]].concat())
            } else {
                (seq[pos..=pos + len].to_vec(), vec![seq[pos]])
            };
            let (p2, r2, a2) = normalize(&seq, pos, r.clone(), a.clone());
            proptest::prop_assert_eq!(&seq[p2..p2 + r2.len()], &r2[..]);
            proptest::prop_assert_eq!(splice(&seq, pos, &r, &a), splice(&seq, p2, &r2, &a2));
            proptest::prop_assert_eq!(normalize(&seq, p2, r2.clone(), a2.clone()), (p2, r2.clone(), a2.clone()));
            proptest::prop_assert!(p2 <= pos);
            proptest::prop_assert!(r2.last() != a2.last() || p2 == 0);
        }
    }
}
