//! Designed transcripts: a coding sequence cut into exons, joined by synthetic introns, written
//! into a contig on either strand, with the coordinate arithmetic that turns a `c.` position into
//! a contig position and the GFF3 lines that describe the model to the `annotate` kind.

use rand::{Rng, RngCore};

use crate::seq::reverse_complement as revcomp;

/// One designed transcript placed on a contig.
#[derive(Debug, Clone)]
pub struct Transcript {
    pub gene: String,
    pub id: String,
    pub contig: String,
    /// 0-based first base of the gene span on the contig.
    pub start: usize,
    /// Length of the gene span (exons and introns).
    pub len: usize,
    pub minus: bool,
    /// Exons in transcript order, as half-open offsets into the transcript-oriented gene span.
    pub exons: Vec<(usize, usize)>,
    /// Offset of c.1 in the spliced transcript, and the CDS length (stop codon included).
    pub cds_start: usize,
    pub cds_len: usize,
}

/// What a transcript is made of, in transcript order: 5' UTR, the CDS and 3' UTR lengths, and
/// the coding end (c.) of every exon that holds coding bases. A 5' UTR longer than
/// `first_exon_utr` gives an untranslated first exon of that length.
pub struct Layout<'a> {
    pub gene: &'a str,
    pub cds: &'a [u8],
    pub utr5: usize,
    pub first_exon_utr: Option<usize>,
    pub utr3: usize,
    pub exon_ends: &'a [usize],
}

/// A random intron: GT...AG with a pyrimidine-rich tail, 250-450 bp.
fn intron(rng: &mut impl RngCore) -> Vec<u8> {
    let len = rng.random_range(250..450);
    let mut s: Vec<u8> = (0..len).map(|_| b"ACGT"[rng.random_range(0..4)]).collect();
    s[..2].copy_from_slice(b"GT");
    for b in &mut s[len - 20..len - 3] {
        *b = b"CTTC"[rng.random_range(0..4)];
    }
    s[len - 2..].copy_from_slice(b"AG");
    s
}

fn random_bases(n: usize, rng: &mut impl RngCore) -> Vec<u8> {
    (0..n).map(|_| b"ACGT"[rng.random_range(0..4)]).collect()
}

/// Build the transcript-oriented gene sequence, write it into `contig` at `start` (reverse
/// complemented on the minus strand), and return the placed transcript.
pub fn place(
    layout: &Layout<'_>,
    contig: (&str, &mut Vec<u8>),
    start: usize,
    minus: bool,
    rng: &mut impl RngCore,
) -> Transcript {
    let mut exon_seqs: Vec<Vec<u8>> = Vec::new();
    let mut utr5 = random_bases(layout.utr5, rng);
    if let Some(first) = layout.first_exon_utr {
        let rest = utr5.split_off(first);
        exon_seqs.push(utr5);
        utr5 = rest;
    }
    let mut from = 0;
    for (i, &end) in layout.exon_ends.iter().enumerate() {
        let mut e = Vec::new();
        if i == 0 {
            e.extend_from_slice(&utr5);
        }
        e.extend_from_slice(&layout.cds[from..end]);
        if i + 1 == layout.exon_ends.len() {
            e.extend(random_bases(layout.utr3, rng));
        }
        exon_seqs.push(e);
        from = end;
    }
    let mut gene = Vec::new();
    let mut exons = Vec::new();
    for (i, e) in exon_seqs.iter().enumerate() {
        if i > 0 {
            gene.extend(intron(rng));
        }
        exons.push((gene.len(), gene.len() + e.len()));
        gene.extend_from_slice(e);
    }
    let placed = if minus { revcomp(&gene) } else { gene };
    let (name, seq) = contig;
    seq[start..start + placed.len()].copy_from_slice(&placed);
    Transcript {
        gene: layout.gene.to_string(),
        id: format!("{}-demo.1", layout.gene),
        contig: name.to_string(),
        start,
        len: placed.len(),
        minus,
        exons,
        cds_start: layout.utr5,
        cds_len: layout.cds.len(),
    }
}

impl Transcript {
    /// The 0-based contig position of a transcript-oriented offset in the gene span.
    fn genomic(&self, offset: usize) -> usize {
        if self.minus {
            self.start + self.len - 1 - offset
        } else {
            self.start + offset
        }
    }

    /// The 0-based contig position of coding base `c` (1-based, c.1 = A of ATG).
    pub fn c_to_contig(&self, c: usize) -> usize {
        let mut m = self.cds_start + c - 1;
        for &(s, e) in &self.exons {
            if m < e - s {
                return self.genomic(s + m);
            }
            m -= e - s;
        }
        panic!("c.{c} lies beyond the transcript of {}", self.gene)
    }

    /// Contig intervals (0-based, half-open, ascending) of the coding part of each exon.
    pub fn coding_intervals(&self) -> Vec<(usize, usize)> {
        let (first, last) = (self.cds_start, self.cds_start + self.cds_len);
        let mut out = Vec::new();
        let mut m = 0;
        for &(s, e) in &self.exons {
            let (a, b) = (m.max(first), (m + e - s).min(last));
            if a < b {
                let (x, y) = (self.genomic(s + a - m), self.genomic(s + b - 1 - m));
                out.push((x.min(y), x.max(y) + 1));
            }
            m += e - s;
        }
        out.sort_unstable();
        out
    }

    /// Contig intervals of every exon, ascending.
    pub fn exon_intervals(&self) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = self
            .exons
            .iter()
            .map(|&(s, e)| {
                let (x, y) = (self.genomic(s), self.genomic(e - 1));
                (x.min(y), x.max(y) + 1)
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// GFF3 lines: gene, mRNA (MANE Select-style tags), exons and CDS pieces with phases.
    pub fn gff3(&self) -> String {
        let (c, strand) = (&self.contig, if self.minus { '-' } else { '+' });
        let (g, t) = (&self.gene, &self.id);
        let span = (self.start + 1, self.start + self.len);
        let mut out = format!(
            "{c}\tcairn\tgene\t{}\t{}\t.\t{strand}\t.\tID=gene:{g}-demo;Name={g};biotype=protein_coding\n\
             {c}\tcairn\tmRNA\t{}\t{}\t.\t{strand}\t.\tID=transcript:{t};Parent=gene:{g}-demo;Name={g}-201;biotype=protein_coding;tag=basic,Ensembl_canonical,MANE_Select\n",
            span.0, span.1, span.0, span.1
        );
        for (s, e) in self.exon_intervals() {
            out.push_str(&format!(
                "{c}\tcairn\texon\t{}\t{e}\t.\t{strand}\t.\tParent=transcript:{t}\n",
                s + 1
            ));
        }
        let mut pieces = self.coding_intervals();
        if self.minus {
            pieces.reverse();
        }
        let mut done = 0;
        let mut lines = Vec::new();
        for (s, e) in pieces {
            let phase = (3 - done % 3) % 3;
            lines.push(((s, e), format!(
                "{c}\tcairn\tCDS\t{}\t{e}\t.\t{strand}\t{phase}\tID=CDS:{t};Parent=transcript:{t}\n",
                s + 1
            )));
            done += e - s;
        }
        lines.sort();
        out.extend(lines.into_iter().map(|(_, l)| l));
        out
    }
}

/// A random coding sequence of `codons` sense codons plus a stop, with `fixed` (1-based codon,
/// codon) pairs written in place; sense codons are drawn so no stop appears inside.
pub fn random_cds(codons: usize, fixed: &[(usize, &[u8; 3])], rng: &mut impl RngCore) -> Vec<u8> {
    let mut cds = Vec::with_capacity(codons * 3 + 3);
    for i in 1..=codons {
        let codon = match fixed.iter().find(|(n, _)| *n == i) {
            Some((_, c)) => **c,
            None => loop {
                let c = [0, 1, 2].map(|_| b"ACGT"[rng.random_range(0..4)]);
                if !matches!(&c, b"TAA" | b"TAG" | b"TGA") {
                    break c;
                }
            },
        };
        cds.extend_from_slice(&codon);
    }
    cds.extend_from_slice(b"TGA");
    cds
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn placed(minus: bool) -> (Transcript, Vec<u8>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let cds = b"ATGGCCAAAGGGTTTTGA";
        let layout = Layout {
            gene: "G",
            cds,
            utr5: 5,
            first_exon_utr: None,
            utr3: 4,
            exon_ends: &[7, 18],
        };
        let mut seq = vec![b'N'; 2000];
        let t = place(&layout, ("c1", &mut seq), 100, minus, &mut rng);
        (t, seq)
    }

    #[test]
    fn coding_positions_read_back_the_cds_on_both_strands() {
        for minus in [false, true] {
            let (t, seq) = placed(minus);
            let read: Vec<u8> = (1..=18)
                .map(|c| {
                    let b = seq[t.c_to_contig(c)];
                    if minus {
                        revcomp(&[b])[0]
                    } else {
                        b
                    }
                })
                .collect();
            assert_eq!(read, b"ATGGCCAAAGGGTTTTGA", "minus={minus}");
            let coding: usize = t.coding_intervals().iter().map(|(s, e)| e - s).sum();
            assert_eq!(coding, 18);
            assert!(t.gff3().contains("\tCDS\t"), "{}", t.gff3());
        }
    }

    #[test]
    fn gff3_phases_and_strand_parse_back() {
        let (t, _) = placed(true);
        let text = format!("##gff-version 3\n{}", t.gff3());
        let model = crate::annotate::gff::parse(text.as_bytes(), false, "t.gff3").unwrap();
        assert_eq!(model.transcripts[0].gene_name, "G");
        assert!(model.transcripts[0].mane);
    }
}
