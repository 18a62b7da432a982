//! One ALT allele of one sample, in a canonical form.
//!
//! Two VCFs can spell the same change differently: `CAA>CA` and `CA>C`, a multi-allelic record or two
//! records, an MNP or its SNVs, a deletion at the left or the right end of a repeat. Comparing them
//! allele by allele only works once both sides are written the same way, so every allele is
//! normalised here the way hap.py's preprocessing does it (and `bcftools norm` for the indel part):
//! shared trailing and leading bases are trimmed, equal-length changes (MNPs) are decomposed into their
//! SNVs, and indels are left-aligned against the reference when one is given. Without a reference an
//! indel stays where the VCF put it; the haplotype matcher catches many of those shifts anyway.

/// How many copies of this ALT allele the sample's genotype carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zygosity {
    /// One copy: the other haplotype carries the reference, another ALT or nothing known (`0/1`,
    /// `1/2`, `./1`). What the other haplotype carries is that allele's own comparison, so `1/2`
    /// and its split form `1/0` + `0/1` agree allele by allele.
    Het,
    /// Every copy carries this allele, e.g. `1/1` (or `1` on a haploid contig).
    Hom,
    /// A sites-only VCF: the allele is present, the genotype is not known.
    Unknown,
}

/// The two classes hap.py reports: single-base substitutions, and everything else (insertions,
/// deletions and complex length-changing alleles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VariantClass {
    Snv,
    Indel,
}

/// A normalised allele. `pos` is 0-based; `ref_allele` is the reference over `pos..end()`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variant {
    pub pos: u64,
    pub ref_allele: Vec<u8>,
    pub alt: Vec<u8>,
    pub zygosity: Zygosity,
    /// 1-based number of the data line this allele came from, for error messages.
    pub record: u64,
}

impl Variant {
    pub fn end(&self) -> u64 {
        self.pos + self.ref_allele.len() as u64
    }

    pub fn class(&self) -> VariantClass {
        if self.ref_allele.len() == 1 && self.alt.len() == 1 {
            VariantClass::Snv
        } else {
            VariantClass::Indel
        }
    }

    /// The allele without its genotype: what allele-exact matching compares.
    pub fn key(&self) -> (u64, &[u8], &[u8]) {
        (self.pos, &self.ref_allele, &self.alt)
    }
}

/// Whether an ALT string is a sequence we can compare (not `<DEL>`, `*`, `.`, breakends).
pub fn is_sequence_allele(allele: &[u8]) -> bool {
    !allele.is_empty()
        && allele
            .iter()
            .all(|b| matches!(b.to_ascii_uppercase(), b'A' | b'C' | b'G' | b'T' | b'N'))
}

/// Normalise one REF/ALT pair at 0-based `pos` into one or more canonical alleles (several when an
/// MNP is decomposed). `contig` is the reference sequence, when known, for left-alignment; an allele
/// whose REF disagrees with it is left where it is. Returns nothing when REF equals ALT.
pub fn normalise(
    pos: u64,
    ref_allele: &[u8],
    alt: &[u8],
    contig: Option<&[u8]>,
) -> Vec<(u64, Vec<u8>, Vec<u8>)> {
    let mut r = ref_allele.to_ascii_uppercase();
    let mut a = alt.to_ascii_uppercase();
    if r == a {
        return Vec::new();
    }
    let mut p = pos;
    trim_suffix(&mut r, &mut a);
    trim_prefix(&mut p, &mut r, &mut a);
    if r.len() == a.len() {
        return decompose(p, &r, &a);
    }
    if let Some(seq) = contig {
        if matches_reference(seq, p, &r) {
            left_align(seq, &mut p, &mut r, &mut a);
        }
    }
    vec![(p, r, a)]
}

fn trim_suffix(r: &mut Vec<u8>, a: &mut Vec<u8>) {
    while r.len() > 1 && a.len() > 1 && r.last() == a.last() {
        r.pop();
        a.pop();
    }
}

fn trim_prefix(p: &mut u64, r: &mut Vec<u8>, a: &mut Vec<u8>) {
    let mut n = 0;
    while r.len() - n > 1 && a.len() - n > 1 && r[n] == a[n] {
        n += 1;
    }
    r.drain(..n);
    a.drain(..n);
    *p += n as u64;
}

/// An equal-length change becomes one SNV per differing base.
fn decompose(p: u64, r: &[u8], a: &[u8]) -> Vec<(u64, Vec<u8>, Vec<u8>)> {
    r.iter()
        .zip(a)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| (p + i as u64, vec![*x], vec![*y]))
        .collect()
}

fn matches_reference(seq: &[u8], p: u64, r: &[u8]) -> bool {
    let start = p as usize;
    seq.get(start..start + r.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(r))
}

/// Shift a length-changing allele left while its last bases agree (the `vt normalize` algorithm),
/// pulling reference bases in on the left when an allele runs empty, then trim the shared prefix.
fn left_align(seq: &[u8], p: &mut u64, r: &mut Vec<u8>, a: &mut Vec<u8>) {
    loop {
        if !r.is_empty() && !a.is_empty() && r.last() == a.last() {
            r.pop();
            a.pop();
        } else if (r.is_empty() || a.is_empty()) && *p > 0 {
            *p -= 1;
            let base = seq[*p as usize].to_ascii_uppercase();
            r.insert(0, base);
            a.insert(0, base);
        } else {
            break;
        }
    }
    trim_prefix(p, r, a);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(pos: u64, r: &str, a: &str, seq: Option<&[u8]>) -> (u64, String, String) {
        let v = normalise(pos, r.as_bytes(), a.as_bytes(), seq);
        assert_eq!(v.len(), 1, "{v:?}");
        let (p, r, a) = &v[0];
        (
            *p,
            String::from_utf8(r.clone()).unwrap(),
            String::from_utf8(a.clone()).unwrap(),
        )
    }

    #[test]
    fn trims_shared_context() {
        assert_eq!(one(10, "CAA", "CA", None), (10, "CA".into(), "C".into()));
        assert_eq!(one(10, "GATC", "GATT", None), (13, "C".into(), "T".into()));
        assert_eq!(one(10, "ac", "acgt", None), (11, "C".into(), "CGT".into()));
    }

    #[test]
    fn decomposes_mnps_into_snvs() {
        let v = normalise(5, b"ACGT", b"TCGA", None);
        assert_eq!(
            v,
            vec![
                (5, b"A".to_vec(), b"T".to_vec()),
                (8, b"T".to_vec(), b"A".to_vec())
            ]
        );
        assert!(normalise(5, b"A", b"a", None).is_empty());
    }

    #[test]
    fn left_aligns_deletions_and_insertions_in_repeats() {
        //         0123456789
        let seq = b"GCAAAAATGC";
        // Deleting the last A of the run (anchored at 5) becomes deleting the first (anchored at 1).
        assert_eq!(one(5, "AA", "A", Some(seq)), (1, "CA".into(), "C".into()));
        // An inserted A after the run moves before it.
        assert_eq!(one(6, "A", "AA", Some(seq)), (1, "C".into(), "CA".into()));
        // A dinucleotide repeat: CACACA, deleting the last CA.
        let seq = b"TTCACACAGG";
        assert_eq!(one(5, "ACA", "A", Some(seq)), (1, "TCA".into(), "T".into()));
    }

    #[test]
    fn leaves_alleles_that_disagree_with_the_reference() {
        let seq = b"GCAAAAATGC";
        assert_eq!(one(5, "TA", "T", Some(seq)), (5, "TA".into(), "T".into()));
    }

    #[test]
    fn classifies_and_rejects_symbolic_alleles() {
        let v = Variant {
            pos: 1,
            ref_allele: b"A".to_vec(),
            alt: b"G".to_vec(),
            zygosity: Zygosity::Het,
            record: 1,
        };
        assert_eq!(v.class(), VariantClass::Snv);
        assert!(is_sequence_allele(b"ACGTn"));
        assert!(!is_sequence_allele(b"<DEL>"));
        assert!(!is_sequence_allele(b"*"));
    }
}
