//! Paired-end reads sampled from haplotypes, as FASTQ text, one chunk at a time.
//!
//! Each chunk of pairs has its own random stream (the seed plus the chunk number), so chunks can be
//! generated on any number of threads and still concatenate to the same bytes. A fragment is picked
//! from a haplotype (by weight) and a contig (by length), its length from a normal insert-size
//! distribution plus a small share of short fragments; read 1 starts at one end, read 2 at the other,
//! on either strand. A fragment shorter than the read runs into the TruSeq adapter.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::haplotype::Haplotype;
use super::quality::ErrorModel;
use super::sequencer::{complement, read_through, write_record, ADAPTER_1, ADAPTER_2};

/// Random stream offset of read chunks (streams below it belong to the genome and variants).
const READ_STREAM: u64 = 1 << 32;
/// Shortest fragment drawn.
const MIN_FRAGMENT: usize = 30;

/// Library and sequencing parameters.
#[derive(Debug, Clone)]
pub struct ReadConfig {
    pub read_len: usize,
    pub insert_mean: f64,
    pub insert_sd: f64,
    /// Fraction of fragments drawn uniformly from 30 bp up to the read length (adapter read-through).
    pub short_fraction: f64,
    pub errors: ErrorModel,
    /// Fraction of pairs that are PCR duplicates of an earlier pair of the same 4096-pair chunk
    /// (same fragment and strand, independent errors).
    pub duplicate_rate: f64,
    /// Write `sim:<n>` for both mates instead of `sim:<n>/1` and `sim:<n>/2`.
    pub identical_names: bool,
    /// Read names are `<prefix>:<n>`.
    pub name_prefix: &'static str,
    /// Contig names, to add ` origin=<contig>:<first>-<last>:<strand>` to each read's header
    /// (the fragment's span on the reference, and the strand read 1 is on); `None`: no comment.
    pub origins: Option<Vec<String>>,
}

/// FASTQ text of one chunk of pairs.
#[derive(Debug, Default)]
pub struct FastqChunk {
    pub r1: Vec<u8>,
    pub r2: Vec<u8>,
}

/// Draws read pairs from weighted haplotypes.
#[derive(Debug)]
pub struct Sampler<'a> {
    haplotypes: &'a [Haplotype],
    /// (haplotype, contig) of each sampling target, and the running sum of weight x length.
    targets: Vec<(usize, usize)>,
    cumulative: Vec<f64>,
    insert: Normal<f64>,
    config: ReadConfig,
}

impl<'a> Sampler<'a> {
    /// `weights[i]` is the share of fragments from `haplotypes[i]` per base of sequence.
    pub fn new(
        haplotypes: &'a [Haplotype],
        weights: &[f64],
        config: ReadConfig,
    ) -> Result<Self, String> {
        let insert = Normal::new(config.insert_mean, config.insert_sd)
            .map_err(|e| format!("insert size mean/sd: {e}"))?;
        let (mut targets, mut cumulative, mut sum) = (Vec::new(), Vec::new(), 0.0);
        for (h, (hap, &w)) in haplotypes.iter().zip(weights).enumerate() {
            for (c, seq) in hap.contigs.iter().enumerate() {
                if seq.len() >= MIN_FRAGMENT && w > 0.0 {
                    sum += w * seq.len() as f64;
                    targets.push((h, c));
                    cumulative.push(sum);
                }
            }
        }
        if targets.is_empty() {
            return Err(format!(
                "no contig is at least {MIN_FRAGMENT} bp long; nothing to sample reads from"
            ));
        }
        Ok(Self {
            haplotypes,
            targets,
            cumulative,
            insert,
            config,
        })
    }

    /// Pairs `first + 1 ..= first + n` (1-based names), from random stream `chunk` of `seed`.
    pub fn chunk(&self, seed: u64, chunk: u64, first: u64, n: usize) -> FastqChunk {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(READ_STREAM + chunk);
        let per_read = self.config.read_len * 2 + 40;
        let mut out = FastqChunk {
            r1: Vec::with_capacity(n * per_read),
            r2: Vec::with_capacity(n * per_read),
        };
        let mut scratch = Scratch::default();
        for i in 0..n as u64 {
            self.pair(&mut rng, first + i + 1, &mut scratch, &mut out);
        }
        out
    }

    /// A fragment: its haplotype, contig, start and length.
    /// Fragments over 10% `N` (assembly gaps of a real reference) are drawn again, as no library
    /// has them; after 100 tries the last one is kept.
    fn pick_fragment(&self, rng: &mut impl RngCore) -> Fragment {
        let mut f = self.draw_fragment(rng);
        for _ in 0..100 {
            let seq = &self.haplotypes[f.hap].contigs[f.contig][f.start..f.start + f.len];
            if seq.iter().filter(|&&b| b == b'N').count() * 10 <= seq.len() {
                break;
            }
            f = self.draw_fragment(rng);
        }
        f
    }

    fn draw_fragment(&self, rng: &mut impl RngCore) -> Fragment {
        let x = rng.random::<f64>() * self.cumulative[self.cumulative.len() - 1];
        let t = self
            .cumulative
            .partition_point(|&c| c <= x)
            .min(self.targets.len() - 1);
        let (h, c) = self.targets[t];
        let seq = &self.haplotypes[h].contigs[c];
        let len = if rng.random::<f64>() < self.config.short_fraction {
            rng.random_range(MIN_FRAGMENT..self.config.read_len.max(MIN_FRAGMENT + 1))
        } else {
            (self.insert.sample(rng).round() as usize).max(MIN_FRAGMENT)
        };
        let len = len.min(seq.len());
        let start = rng.random_range(0..=seq.len() - len);
        Fragment {
            hap: h,
            contig: c,
            start,
            len,
        }
    }

    /// ` origin=<contig>:<first>-<last>:<strand of read 1>` in 1-based reference coordinates.
    fn origin(&self, f: &Fragment, forward: bool, out: &mut String) {
        out.clear();
        if let Some(names) = &self.config.origins {
            let hap = &self.haplotypes[f.hap];
            let first = hap.to_reference(f.contig, f.start) + 1;
            let last = hap.to_reference(f.contig, f.start + f.len - 1) + 1;
            let strand = if forward { '+' } else { '-' };
            *out = format!(" origin={}:{first}-{last}:{strand}", names[f.contig]);
        }
    }

    fn pair(&self, rng: &mut impl RngCore, n: u64, s: &mut Scratch, out: &mut FastqChunk) {
        let d = self.config.duplicate_rate;
        let (f, forward) = if d > 0.0 && !s.earlier.is_empty() && rng.random::<f64>() < d {
            // A PCR duplicate: an earlier fragment of this chunk, read again with fresh errors.
            s.earlier[rng.random_range(0..s.earlier.len())]
        } else {
            let f = self.pick_fragment(rng);
            let forward = rng.random_bool(0.5);
            if d > 0.0 {
                s.earlier.push((f, forward));
            }
            (f, forward)
        };
        let fragment = &self.haplotypes[f.hap].contigs[f.contig][f.start..f.start + f.len];
        s.top.clear();
        s.top.extend_from_slice(fragment);
        s.bottom.clear();
        s.bottom
            .extend(fragment.iter().rev().map(|&b| complement(b)));
        let (one, two) = if forward {
            (&s.top, &s.bottom)
        } else {
            (&s.bottom, &s.top)
        };
        self.origin(&f, forward, &mut s.origin);
        let len = self.config.read_len;
        read_through(one, ADAPTER_1, len, &mut s.seq1);
        read_through(two, ADAPTER_2, len, &mut s.seq2);
        for (mate, seq, text) in [
            (1u8, &mut s.seq1, &mut out.r1),
            (2, &mut s.seq2, &mut out.r2),
        ] {
            self.config.errors.qualities(rng, len, mate, &mut s.qual);
            self.config.errors.apply(rng, seq, &s.qual);
            write_record(
                text,
                (self.config.name_prefix, n),
                mate,
                (self.config.identical_names, &s.origin),
                (seq, &s.qual),
            );
        }
    }
}

/// Where a fragment lies on its haplotype.
#[derive(Debug, Clone, Copy)]
struct Fragment {
    hap: usize,
    contig: usize,
    start: usize,
    len: usize,
}

#[derive(Debug, Default)]
struct Scratch {
    origin: String,
    /// Fragments drawn so far in this chunk, with their strand, for PCR duplicates.
    earlier: Vec<(Fragment, bool)>,
    top: Vec<u8>,
    bottom: Vec<u8>,
    seq1: Vec<u8>,
    seq2: Vec<u8>,
    qual: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(short_fraction: f64) -> ReadConfig {
        ReadConfig {
            read_len: 50,
            insert_mean: 120.0,
            insert_sd: 10.0,
            short_fraction,
            errors: ErrorModel::new(0.0, 0.0),
            identical_names: false,
            name_prefix: "sim",
            origins: None,
            duplicate_rate: 0.0,
        }
    }

    fn hap(seq: Vec<u8>) -> Haplotype {
        let reference = [crate::simulate::genome::Contig {
            name: "c".into(),
            seq,
        }];
        crate::simulate::haplotype::apply(&reference, [])
    }

    fn records(text: &[u8]) -> Vec<Vec<&[u8]>> {
        let lines: Vec<&[u8]> = text
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        lines.chunks(4).map(|c| c.to_vec()).collect()
    }

    #[test]
    fn error_free_reads_come_from_the_genome_on_both_strands() {
        let hap = hap(b"ACGTTGCAAGGCTTACCGATCGATCGGGATTACAGCATGCAAATTTGGCCAGT".repeat(8));
        let genome = String::from_utf8(hap.contigs[0].clone()).unwrap();
        let revcomp: String = genome
            .bytes()
            .rev()
            .map(|b| complement(b) as char)
            .collect();
        let haps = [hap];
        let sampler = Sampler::new(&haps, &[1.0], config(0.0)).unwrap();
        let chunk = sampler.chunk(1, 0, 10, 40);
        let (r1, r2) = (records(&chunk.r1), records(&chunk.r2));
        assert_eq!(r1.len(), 40);
        assert_eq!(r1[0][0], b"@sim:11/1");
        assert_eq!(r2[39][0], b"@sim:50/2");
        let mut forward = 0;
        for (a, b) in r1.iter().zip(&r2) {
            let (s1, s2) = (
                std::str::from_utf8(a[1]).unwrap(),
                std::str::from_utf8(b[1]).unwrap(),
            );
            assert_eq!(s1.len(), 50);
            assert_eq!(a[3].len(), 50);
            assert_eq!(
                genome.contains(s1),
                revcomp.contains(s2),
                "mates on opposite strands"
            );
            forward += usize::from(genome.contains(s1));
        }
        assert!((10..30).contains(&forward), "{forward} of 40 forward");
    }

    #[test]
    fn short_fragments_run_into_the_adapter() {
        let haps = [hap(b"ACGGTCAT".repeat(50))];
        let sampler = Sampler::new(&haps, &[1.0], config(1.0)).unwrap();
        let chunk = sampler.chunk(3, 0, 0, 20);
        for (a, b) in records(&chunk.r1).iter().zip(&records(&chunk.r2)) {
            let (s1, s2) = (a[1], b[1]);
            let through = (30..50).any(|i| {
                let rc = crate::seq::reverse_complement(&s2[..i]);
                s1[..i] == rc[..]
                    && s1[i..] == ADAPTER_1[..50 - i]
                    && s2[i..] == ADAPTER_2[..50 - i]
            });
            assert!(
                through,
                "{} / {}",
                String::from_utf8_lossy(s1),
                String::from_utf8_lossy(s2)
            );
        }
    }

    #[test]
    fn chunks_are_reproducible_and_distinct() {
        let haps = [hap(b"ACGGTCATTTGACCA".repeat(100))];
        let sampler = Sampler::new(&haps, &[1.0], config(0.1)).unwrap();
        assert_eq!(sampler.chunk(1, 0, 0, 5).r1, sampler.chunk(1, 0, 0, 5).r1);
        assert_ne!(sampler.chunk(1, 0, 0, 5).r1, sampler.chunk(1, 1, 0, 5).r1);
    }

    #[test]
    fn origins_point_at_the_reference() {
        let genome = b"ACGTTGCAAGGCTTACCGATCGATCGGGATTACAGCATGCAAATTTGGCCAGTTTACGATCC".repeat(6);
        let haps = [hap(genome.clone())];
        let cfg = ReadConfig {
            origins: Some(vec!["c".into()]),
            ..config(0.0)
        };
        let chunk = Sampler::new(&haps, &[1.0], cfg).unwrap().chunk(2, 0, 0, 30);
        for r in records(&chunk.r1) {
            let head = std::str::from_utf8(r[0]).unwrap();
            let origin = head.split(" origin=c:").nth(1).expect("origin comment");
            let (span, strand) = origin.split_once(':').unwrap();
            let (first, last) = span.split_once('-').unwrap();
            let (first, last): (usize, usize) = (first.parse().unwrap(), last.parse().unwrap());
            let read: Vec<u8> = if strand == "+" {
                r[1].to_vec()
            } else {
                crate::seq::reverse_complement(r[1])
            };
            let expected = if strand == "+" {
                &genome[first - 1..first + 49]
            } else {
                &genome[last - 50..last]
            };
            assert_eq!(read, expected, "{head}");
        }
    }

    #[test]
    fn duplicates_repeat_an_earlier_fragment() {
        let haps = [hap(
            b"ACGTTGCAAGGCTTACCGATCGATCGGGATTACAGCATGCAAATTTGGCCAGTTTACGATCC".repeat(20),
        )];
        let cfg = ReadConfig {
            duplicate_rate: 0.5,
            origins: Some(vec!["c".into()]),
            ..config(0.0)
        };
        let chunk = Sampler::new(&haps, &[1.0], cfg)
            .unwrap()
            .chunk(5, 0, 0, 400);
        let origins: Vec<String> = records(&chunk.r1)
            .iter()
            .map(|r| {
                String::from_utf8_lossy(r[0])
                    .split_once(' ')
                    .unwrap()
                    .1
                    .to_string()
            })
            .collect();
        let distinct: std::collections::HashSet<&String> = origins.iter().collect();
        let dup = 1.0 - distinct.len() as f64 / origins.len() as f64;
        assert!((0.4..0.6).contains(&dup), "duplicate fraction {dup}");
    }

    #[test]
    fn assembly_gaps_give_no_reads() {
        let genome = [
            b"N".repeat(2000),
            b"ACGTTGCAAGGCTTACCGATCGATCGGGATTACAGCATGCAAATTTGGCCAG".repeat(10),
        ]
        .concat();
        let haps = [hap(genome)];
        let chunk = Sampler::new(&haps, &[1.0], config(0.0))
            .unwrap()
            .chunk(1, 0, 0, 50);
        let mostly_n = records(&chunk.r1)
            .iter()
            .filter(|r| r[1].iter().filter(|&&b| b == b'N').count() > 12)
            .count();
        assert_eq!(mostly_n, 0);
    }
}
