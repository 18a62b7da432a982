//! The transcript model: genes, transcripts, exons and the coding span, indexed by contig.
//!
//! Coordinates are 0-based half-open on the genome. A transcript keeps its exons in genomic order
//! and its coding span (`cds`, start and stop codons included, whatever the source format did with
//! the stop) as one genomic interval; the coding regions are the exons clipped to it. Once a
//! reference is attached each transcript also holds its spliced sequence in transcript orientation
//! (`seq`) and the coding range inside it, so consequences and HGVS work on one string.

use std::collections::HashMap;

use crate::seq::reverse_complement;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Strand {
    Plus,
    Minus,
}

impl Strand {
    pub fn sign(self) -> i8 {
        match self {
            Strand::Plus => 1,
            Strand::Minus => -1,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Transcript {
    pub id: String,
    pub gene_id: String,
    pub gene_name: String,
    pub biotype: String,
    pub contig: String,
    pub strand: Strand,
    /// Exons, genomic order, 0-based half-open, non-overlapping.
    pub exons: Vec<(u64, u64)>,
    /// Coding span on the genome (start and stop codons included).
    pub cds: Option<(u64, u64)>,
    /// Bases to skip at the 5' end of the CDS (phase of an incomplete first codon).
    pub start_phase: u8,
    pub canonical: bool,
    pub mane: bool,
    /// Spliced sequence, 5' to 3' (empty until [`Transcript::attach`]).
    #[serde(skip)]
    pub seq: Vec<u8>,
    /// Coding range in `seq`.
    #[serde(skip)]
    pub cds_range: Option<(usize, usize)>,
    /// The reference protein, up to and including its stop (`*`) when the CDS has one.
    #[serde(skip)]
    pub protein: Vec<u8>,
}

/// Where a genomic base lies on a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locus {
    /// 0-based index in the spliced sequence, and 0-based exon number in transcript order.
    Exon { cdna: usize, exon: usize },
    /// Intron (0-based, transcript order): the flanking exonic cDNA index and the signed offset
    /// (+ after the exon's 3' end, - before the next exon's 5' start).
    Intron {
        intron: usize,
        anchor: usize,
        offset: i64,
    },
}

impl Transcript {
    pub fn start(&self) -> u64 {
        self.exons.first().map_or(0, |e| e.0)
    }

    pub fn end(&self) -> u64 {
        self.exons.last().map_or(0, |e| e.1)
    }

    pub fn is_coding(&self) -> bool {
        self.cds_range.is_some()
    }

    pub fn exon_count(&self) -> usize {
        self.exons.len()
    }

    /// Exon `i` in transcript order (0-based), as a genomic interval.
    pub fn exon_tx(&self, i: usize) -> (u64, u64) {
        match self.strand {
            Strand::Plus => self.exons[i],
            Strand::Minus => self.exons[self.exons.len() - 1 - i],
        }
    }

    /// Fill `seq` and `cds_range` from the contig sequence.
    pub fn attach(&mut self, contig: &[u8]) {
        let mut seq = Vec::new();
        for &(s, e) in &self.exons {
            let (s, e) = (s as usize, (e as usize).min(contig.len()));
            if s < e {
                seq.extend_from_slice(&contig[s..e]);
            }
        }
        if self.strand == Strand::Minus {
            seq = reverse_complement(&seq);
        }
        self.cds_range = self.cds.and_then(|(s, e)| {
            let (a, b) = match self.strand {
                Strand::Plus => (self.cdna_of(s)?, self.cdna_of(e - 1)? + 1),
                Strand::Minus => (self.cdna_of(e - 1)?, self.cdna_of(s)? + 1),
            };
            Some(((a + self.start_phase as usize).min(b), b))
        });
        self.protein = match self.cds_range {
            Some((a, b)) => super::seq::translate_to_stop(&seq[a..b]),
            None => Vec::new(),
        };
        self.seq = seq;
    }

    /// cDNA index of an exonic genomic base.
    pub fn cdna_of(&self, pos: u64) -> Option<usize> {
        match self.locate(pos)? {
            Locus::Exon { cdna, .. } => Some(cdna),
            Locus::Intron { .. } => None,
        }
    }

    /// Where genomic base `pos` lies, or `None` outside the transcript.
    pub fn locate(&self, pos: u64) -> Option<Locus> {
        if pos < self.start() || pos >= self.end() {
            return None;
        }
        let n = self.exons.len();
        let mut before = 0usize; // exonic bases before exon i, genomic order
        for (i, &(s, e)) in self.exons.iter().enumerate() {
            if pos < s {
                // intron between exon i-1 and i (genomic order)
                let pe = self.exons[i - 1].1;
                let up = (pos - pe + 1) as i64; // distance from previous exon end
                let down = (s - pos) as i64; // distance to next exon start
                let total = self.seq_len_from_exons();
                return Some(match self.strand {
                    Strand::Plus => {
                        if up <= down {
                            Locus::Intron {
                                intron: i - 1,
                                anchor: before - 1,
                                offset: up,
                            }
                        } else {
                            Locus::Intron {
                                intron: i - 1,
                                anchor: before,
                                offset: -down,
                            }
                        }
                    }
                    Strand::Minus => {
                        // transcript order: exon i (genomic) comes before exon i-1.
                        let intron = n - 1 - i;
                        let next_start = total - before; // cDNA of genomic exon i-1's last base
                        let prev_end = total - before - 1;
                        if down <= up {
                            Locus::Intron {
                                intron,
                                anchor: prev_end,
                                offset: down,
                            }
                        } else {
                            Locus::Intron {
                                intron,
                                anchor: next_start,
                                offset: -up,
                            }
                        }
                    }
                });
            }
            if pos < e {
                let g = before + (pos - s) as usize;
                let total = self.seq_len_from_exons();
                return Some(match self.strand {
                    Strand::Plus => Locus::Exon { cdna: g, exon: i },
                    Strand::Minus => Locus::Exon {
                        cdna: total - 1 - g,
                        exon: n - 1 - i,
                    },
                });
            }
            before += (e - s) as usize;
        }
        None
    }

    fn seq_len_from_exons(&self) -> usize {
        self.exons.iter().map(|(s, e)| (e - s) as usize).sum()
    }
}

/// All transcripts of an annotation, indexed per contig by start.
#[derive(Debug, Default)]
pub struct Model {
    pub transcripts: Vec<Transcript>,
    by_contig: HashMap<String, ContigIndex>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Default)]
struct ContigIndex {
    /// (start, transcript index), sorted.
    starts: Vec<(u64, usize)>,
    max_len: u64,
}

impl Model {
    pub fn new(mut transcripts: Vec<Transcript>, warnings: Vec<String>) -> Self {
        transcripts.sort_by(|a, b| {
            (&a.contig, a.start(), a.end(), &a.id).cmp(&(&b.contig, b.start(), b.end(), &b.id))
        });
        let mut by_contig: HashMap<String, ContigIndex> = HashMap::new();
        for (i, t) in transcripts.iter().enumerate() {
            let idx = by_contig.entry(t.contig.clone()).or_default();
            idx.starts.push((t.start(), i));
            idx.max_len = idx.max_len.max(t.end() - t.start());
        }
        Self {
            transcripts,
            by_contig,
            warnings,
        }
    }

    pub fn has_contig(&self, contig: &str) -> bool {
        self.by_contig.contains_key(contig)
    }

    pub fn contigs(&self) -> impl Iterator<Item = &String> {
        self.by_contig.keys()
    }

    /// Transcripts within `pad` bases of `[start, end)`, in model order.
    pub fn near(&self, contig: &str, start: u64, end: u64, pad: u64) -> Vec<&Transcript> {
        let Some(idx) = self.by_contig.get(contig) else {
            return Vec::new();
        };
        let lo = start.saturating_sub(pad + idx.max_len);
        let first = idx.starts.partition_point(|&(s, _)| s < lo);
        idx.starts[first..]
            .iter()
            .take_while(|&&(s, _)| s < end + pad)
            .map(|&(_, i)| &self.transcripts[i])
            .filter(|t| t.end() + pad > start && t.start() < end + pad)
            .collect()
    }

    /// Attach the sequence of every transcript on `contig`.
    pub fn attach(&mut self, contig: &str, seq: &[u8]) {
        for t in self.transcripts.iter_mut().filter(|t| t.contig == contig) {
            t.attach(seq);
        }
    }
}
