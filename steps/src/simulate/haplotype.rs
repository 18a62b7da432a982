//! The sequenced individual: haplotype sequences built by applying variants to the reference.
//!
//! The read sampler sees only a list of haplotypes and the share of fragments each contributes, so
//! it knows nothing of how they were made. A germline diploid sample is two haplotypes at 1/2 each;
//! a tumour sample is the same two plus somatic-variant haplotypes whose weights follow from purity
//! and allele fraction, built the same way from a different variant list.

use super::genome::Contig;
use super::variants::Variant;

/// One copy of the genome: a sequence per reference contig, in reference order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Haplotype {
    pub contigs: Vec<Vec<u8>>,
}

/// The reference with every variant in `variants` (sorted, non-overlapping) applied.
pub fn apply<'a>(
    reference: &[Contig],
    variants: impl IntoIterator<Item = &'a Variant>,
) -> Haplotype {
    let mut contigs: Vec<Vec<u8>> = Vec::with_capacity(reference.len());
    let mut cursor = 0usize;
    let mut current = 0usize;
    let mut out = Vec::new();
    let finish = |contigs: &mut Vec<Vec<u8>>, out: &mut Vec<u8>, cursor: usize, upto: usize| {
        // Close every contig before `upto`, copying the unchanged tail of each.
        let mut cursor = cursor;
        while contigs.len() < upto {
            let seq = &reference[contigs.len()].seq;
            out.extend_from_slice(&seq[cursor..]);
            contigs.push(std::mem::take(out));
            cursor = 0;
        }
    };
    for v in variants {
        if v.contig != current {
            finish(&mut contigs, &mut out, cursor, v.contig);
            current = v.contig;
            cursor = 0;
        }
        let seq = &reference[current].seq;
        out.extend_from_slice(&seq[cursor..v.pos]);
        out.extend_from_slice(&v.alt);
        cursor = v.end();
    }
    finish(&mut contigs, &mut out, cursor, reference.len());
    Haplotype { contigs }
}

/// The two haplotypes of a diploid individual carrying `variants`.
pub fn diploid(reference: &[Contig], variants: &[Variant]) -> [Haplotype; 2] {
    [0, 1].map(|h| apply(reference, variants.iter().filter(|v| v.on[h])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contig(name: &str, seq: &[u8]) -> Contig {
        Contig {
            name: name.into(),
            seq: seq.to_vec(),
        }
    }

    fn var(contig: usize, pos: usize, r: &[u8], a: &[u8], on: [bool; 2]) -> Variant {
        Variant {
            contig,
            pos,
            reference: r.to_vec(),
            alt: a.to_vec(),
            on,
        }
    }

    #[test]
    fn applies_snv_insertion_and_deletion_per_haplotype() {
        let reference = [
            contig("a", b"ACGTACGTAC"),
            contig("b", b"TTTTGGGG"),
            contig("c", b"CCCC"),
        ];
        let vars = [
            var(0, 1, b"C", b"T", [true, true]),
            var(0, 4, b"ACG", b"A", [true, false]),
            var(2, 0, b"C", b"CAAA", [false, true]),
        ];
        let [h0, h1] = diploid(&reference, &vars);
        assert_eq!(
            h0.contigs,
            [b"ATGTATAC".to_vec(), b"TTTTGGGG".to_vec(), b"CCCC".to_vec()]
        );
        assert_eq!(
            h1.contigs,
            [
                b"ATGTACGTAC".to_vec(),
                b"TTTTGGGG".to_vec(),
                b"CAAACCC".to_vec()
            ]
        );
    }

    #[test]
    fn no_variants_is_the_reference() {
        let reference = [contig("a", b"ACGT"), contig("b", b"GG")];
        let h = apply(&reference, []);
        assert_eq!(h.contigs, [b"ACGT".to_vec(), b"GG".to_vec()]);
    }
}
