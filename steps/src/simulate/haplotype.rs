//! The sequenced individual: haplotype sequences built by applying variants to the reference.
//!
//! The read sampler sees only a list of haplotypes and the share of fragments each contributes, so
//! it knows nothing of how they were made. A germline diploid sample is two haplotypes at 1/2 each;
//! a tumour sample is more of them (see `tumour`), built the same way from other variant lists.
//! Each haplotype remembers how its coordinates map back to the reference, so a read can say where
//! on the reference it came from.

use super::genome::Contig;
use super::variants::Variant;

/// One copy of the genome: a sequence per reference contig, in reference order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Haplotype {
    pub contigs: Vec<Vec<u8>>,
    /// Per contig, the segments of the haplotype in order: (haplotype start, reference start,
    /// largest offset that still moves on the reference). Copied reference runs move one for one;
    /// an ALT allele maps every base to its variant's position (or the REF bases it replaces).
    lift: Vec<Vec<(usize, usize, usize)>>,
}

impl Haplotype {
    /// The 0-based reference position of haplotype position `pos` on `contig`.
    pub fn to_reference(&self, contig: usize, pos: usize) -> usize {
        let segments = &self.lift[contig];
        let i = segments.partition_point(|&(start, _, _)| start <= pos);
        match i.checked_sub(1).map(|i| segments[i]) {
            Some((start, reference, max)) => reference + (pos - start).min(max),
            None => pos,
        }
    }
}

/// Builds one contig of a haplotype, recording the lift-over segments.
#[derive(Default)]
struct ContigBuilder {
    seq: Vec<u8>,
    lift: Vec<(usize, usize, usize)>,
}

impl ContigBuilder {
    fn copy(&mut self, reference: &[u8], from: usize, to: usize) {
        if to > from {
            self.lift.push((self.seq.len(), from, usize::MAX));
            self.seq.extend_from_slice(&reference[from..to]);
        }
    }

    fn alt(&mut self, v: &Variant) {
        self.lift
            .push((self.seq.len(), v.pos, v.reference.len().saturating_sub(1)));
        self.seq.extend_from_slice(&v.alt);
    }
}

/// The reference with every variant in `variants` (sorted, non-overlapping) applied.
pub fn apply<'a>(
    reference: &[Contig],
    variants: impl IntoIterator<Item = &'a Variant>,
) -> Haplotype {
    let mut built: Vec<ContigBuilder> =
        reference.iter().map(|_| ContigBuilder::default()).collect();
    let mut cursors = vec![0usize; reference.len()];
    for v in variants {
        let (b, cursor) = (&mut built[v.contig], &mut cursors[v.contig]);
        b.copy(&reference[v.contig].seq, *cursor, v.pos);
        b.alt(v);
        *cursor = v.end();
    }
    for ((b, cursor), c) in built.iter_mut().zip(&cursors).zip(reference) {
        b.copy(&c.seq, *cursor, c.seq.len());
    }
    let (contigs, lift) = built.into_iter().map(|b| (b.seq, b.lift)).unzip();
    Haplotype { contigs, lift }
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
        assert_eq!(h.to_reference(1, 1), 1);
    }

    #[test]
    fn haplotype_positions_lift_back_to_the_reference() {
        // ref  A C G T A C G T A C ; h0 = A T G T A | T A C (C>T at 1, del CG at 5..7)
        let reference = [contig("a", b"ACGTACGTAC")];
        let vars = [
            var(0, 1, b"C", b"T", [true, true]),
            var(0, 4, b"ACG", b"A", [true, false]),
        ];
        let [h0, _] = diploid(&reference, &vars);
        let lifted: Vec<usize> = (0..h0.contigs[0].len())
            .map(|p| h0.to_reference(0, p))
            .collect();
        assert_eq!(lifted, [0, 1, 2, 3, 4, 7, 8, 9]);
        let ins = [var(0, 2, b"G", b"GTTT", [true, true])];
        let [h, _] = diploid(&reference, &ins);
        let lifted: Vec<usize> = (0..h.contigs[0].len())
            .map(|p| h.to_reference(0, p))
            .collect();
        assert_eq!(lifted, [0, 1, 2, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
}
