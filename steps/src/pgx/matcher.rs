//! Named-allele matching, after PharmCAT's NamedAlleleMatcher.
//!
//! For one gene: keep the definition positions the sample has (the rest are *missing*); restrict
//! every named allele to those positions, dropping alleles left with nothing to match; optionally
//! fill blank definition cells with the reference allele ("assume reference"). The sample's
//! genotypes become *sequences* (one allele per position, in position order): two for phased or
//! all-homozygous data, every phase permutation otherwise. A named allele matches a sequence when
//! every defined cell agrees (IUPAC wobble codes match any of their bases). Pairs of matched
//! alleles whose sequences complement each other at every position (same allele where the sample is
//! homozygous, different where heterozygous) are candidate diplotypes, scored by the number of
//! defined cells of both alleles; the top score wins and ties are all reported (ambiguity listed,
//! never guessed).

use std::cmp::Ordering;

use super::definition::{GeneDefinition, Locus, NamedAlleleDef};
pub use super::names::{combination_name, hap_order, name_order, natural_cmp, ordered};
use super::vcf::{SampleAllele, SampleGenotypes};

/// A named allele restricted to the sample's available positions.
#[derive(Debug, Clone)]
pub struct Hap {
    pub name: String,
    pub reference: bool,
    /// Aligned with [`MatchData::positions`]; `None` matches anything.
    pub alleles: Vec<Option<String>>,
    /// Number of defined cells at available positions (before reference defaulting).
    pub score: usize,
    /// Cells defined by an IUPAC wobble code; they score only where the sample is not reference.
    pub wobble: Vec<bool>,
}

/// One sample's data for one gene, ready to match.
#[derive(Debug, Clone)]
pub struct MatchData {
    /// Available positions, sorted by coordinate.
    pub positions: Vec<Locus>,
    pub sample: Vec<SampleAllele>,
    /// Definition positions with no usable genotype.
    pub missing: Vec<Locus>,
    pub haps: Vec<Hap>,
    /// Distinct sample sequences (one allele per position).
    pub sequences: Vec<Vec<String>>,
    pub phased: bool,
}

/// Options for building [`MatchData`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Fill blank definition cells of non-reference alleles with the reference allele.
    pub assume_reference: bool,
    /// Named alleles left out of matching.
    pub skip_alleles: &'a [&'a str],
    /// Positions left out of matching (neither used nor reported missing).
    pub skip_rsids: &'a [&'a str],
}

impl MatchData {
    pub fn new(def: &GeneDefinition, geno: &SampleGenotypes, opts: Options<'_>) -> Self {
        let mut present = Vec::new();
        let mut missing = Vec::new();
        for (i, locus) in def.loci.iter().enumerate() {
            let skip = locus
                .rsid
                .as_deref()
                .is_some_and(|r| opts.skip_rsids.contains(&r));
            match geno.alleles.get(&locus.key()) {
                _ if skip => {}
                Some(sa) => present.push((i, locus.clone(), sa.clone())),
                None => missing.push(locus.clone()),
            }
        }
        present.sort_by_key(|(_, l, _)| l.position);
        let columns: Vec<(usize, &Locus)> = present.iter().map(|(i, l, _)| (*i, l)).collect();
        let mut haps: Vec<Hap> = def
            .alleles
            .iter()
            .filter(|a| !opts.skip_alleles.contains(&a.name.as_str()))
            .filter_map(|a| restrict(a, def.reference(), &columns, opts.assume_reference))
            .collect();
        haps.sort_by(|x, y| hap_order(x.reference, &x.name, y.reference, &y.name));
        let sample: Vec<SampleAllele> = present.iter().map(|(_, _, s)| s.clone()).collect();
        let sequences = permutations(&sample);
        let phased = sample.iter().all(|s| s.phased);
        let positions = present.into_iter().map(|(_, l, _)| l).collect();
        Self {
            positions,
            sample,
            missing,
            haps,
            sequences,
            phased,
        }
    }

    /// At most two sequences: phased, or unphased but heterozygous at one position at most.
    pub fn effectively_phased(&self) -> bool {
        self.sequences.len() <= 2
    }

    /// Every available genotype is a single allele (male chrX, chrM).
    pub fn haploid(&self) -> bool {
        !self.sample.is_empty() && self.sample.iter().all(|s| s.allele2.is_none())
    }

    /// Homozygous at every available position.
    pub fn homozygous(&self) -> bool {
        self.sample.iter().all(SampleAllele::is_homozygous)
    }

    /// For each haplotype, the indices of the sequences it matches (haplotypes matching none omitted).
    pub fn haplotype_matches(&self) -> Vec<(usize, Vec<usize>)> {
        self.haps
            .iter()
            .enumerate()
            .filter_map(|(h, hap)| {
                let seqs: Vec<usize> = (0..self.sequences.len())
                    .filter(|&s| matches(&hap.alleles, &self.sequences[s]))
                    .collect();
                (!seqs.is_empty()).then_some((h, seqs))
            })
            .collect()
    }

    /// Diplotypes best explaining the sample, best first; all of them unless `top_only`.
    pub fn diplotypes(&self, top_only: bool) -> Vec<Diplotype> {
        let found = self.haplotype_matches();
        if found.is_empty() || self.sequences.is_empty() {
            return Vec::new();
        }
        let mut pairs = Vec::new();
        for (x, (h1, s1)) in found.iter().enumerate() {
            if self.haploid() {
                let score = s1
                    .iter()
                    .map(|&s| self.hap_score(*h1, s))
                    .max()
                    .unwrap_or(0);
                let name = self.haps[*h1].name.clone();
                pairs.push(Diplotype {
                    hap1: name.clone(),
                    hap2: name,
                    score,
                    haploid: true,
                });
                continue;
            }
            for (h2, s2) in &found[x..] {
                if h1 == h2 && s1.len() == 1 && self.sequences.len() > 1 {
                    continue;
                }
                let best = s1
                    .iter()
                    .flat_map(|&a| s2.iter().map(move |&b| (a, b)))
                    .filter(|&(a, b)| self.sequences.len() == 1 || self.complement(a, b))
                    .map(|(a, b)| self.hap_score(*h1, a) + self.hap_score(*h2, b))
                    .max();
                if let Some(score) = best {
                    pairs.push(self.diplotype(*h1, *h2, score));
                }
            }
        }
        pairs.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.cmp_names(b)));
        if top_only {
            if let Some(top) = pairs.first().map(|d| d.score) {
                pairs.retain(|d| d.score == top);
            }
        }
        pairs
    }

    /// A haplotype's score on one sequence: its defined cells, less wobble cells the sequence
    /// fills with the reference allele (PharmCAT's wobble scoring).
    fn hap_score(&self, h: usize, seq: usize) -> usize {
        let hap = &self.haps[h];
        let seq = &self.sequences[seq];
        let ref_wobbles = (0..seq.len())
            .filter(|&i| hap.wobble[i] && seq[i] == self.positions[i].r#ref)
            .count();
        hap.score.saturating_sub(ref_wobbles)
    }

    fn diplotype(&self, h1: usize, h2: usize, score: usize) -> Diplotype {
        let (a, b) = (&self.haps[h1], &self.haps[h2]);
        let (a, b) = if name_order(&a.name, &b.name) == Ordering::Greater {
            (b, a)
        } else {
            (a, b)
        };
        Diplotype {
            haploid: false,
            hap1: a.name.clone(),
            hap2: b.name.clone(),
            score,
        }
    }

    /// Two sequences can be the sample's two strands.
    fn complement(&self, s1: usize, s2: usize) -> bool {
        let (a, b) = (&self.sequences[s1], &self.sequences[s2]);
        self.sample.iter().enumerate().all(|(i, sa)| {
            let hom = sa.allele2.as_deref() == Some(sa.allele1.as_str());
            (a[i] == b[i]) == hom
        })
    }
}

/// A named allele restricted to the available positions (`columns`: definition index and locus);
/// `None` when none of its defined cells is available. With `assume_reference`, blank cells of a
/// non-reference allele take the reference allele (a reference wobble takes the locus REF).
fn restrict(
    a: &NamedAlleleDef,
    reference: &NamedAlleleDef,
    columns: &[(usize, &Locus)],
    assume_reference: bool,
) -> Option<Hap> {
    let mut alleles: Vec<Option<String>> =
        columns.iter().map(|(i, _)| a.alleles[*i].clone()).collect();
    let score = alleles.iter().filter(|x| x.is_some()).count();
    if score == 0 {
        return None;
    }
    let wobble: Vec<bool> = alleles
        .iter()
        .map(|c| c.as_deref().is_some_and(is_wobble))
        .collect();
    if assume_reference && !a.reference {
        for (cell, (i, locus)) in alleles.iter_mut().zip(columns) {
            if cell.is_none() {
                *cell = reference.alleles[*i].as_ref().map(|r| {
                    if is_wobble(r) {
                        locus.r#ref.clone()
                    } else {
                        r.clone()
                    }
                });
            }
        }
    }
    Some(Hap {
        name: a.name.clone(),
        reference: a.reference,
        alleles,
        score,
        wobble,
    })
}

/// A called diplotype: two named alleles and their combined score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diplotype {
    pub hap1: String,
    pub hap2: String,
    pub score: usize,
    /// A single-copy call (male chrX, chrM): `hap2` repeats `hap1` and the name is `hap1` alone.
    pub haploid: bool,
}

impl Diplotype {
    pub fn name(&self) -> String {
        if self.haploid {
            self.hap1.clone()
        } else {
            format!("{}/{}", self.hap1, self.hap2)
        }
    }

    fn cmp_names(&self, o: &Self) -> Ordering {
        name_order(&self.hap1, &o.hap1).then_with(|| name_order(&self.hap2, &o.hap2))
    }
}

/// Does a (possibly partly blank) allele definition match a sample sequence?
pub fn matches(def: &[Option<String>], seq: &[String]) -> bool {
    def.iter().zip(seq).all(|(d, s)| match d {
        None => true,
        Some(d) => d == s || (d.len() == 1 && s.len() == 1 && iupac_bases(d).contains(s.as_str())),
    })
}

/// The bases an IUPAC code stands for (a plain base stands for itself).
pub fn iupac_bases(code: &str) -> &'static str {
    match code {
        "A" => "A",
        "C" => "C",
        "G" => "G",
        "T" => "T",
        "R" => "AG",
        "Y" => "CT",
        "S" => "CG",
        "W" => "AT",
        "K" => "GT",
        "M" => "AC",
        "B" => "CGT",
        "D" => "AGT",
        "H" => "ACT",
        "V" => "ACG",
        "N" => "ACGT",
        _ => "",
    }
}

pub fn is_wobble(allele: &str) -> bool {
    allele.len() == 1 && iupac_bases(allele).len() > 1
}

/// Most independent phase blocks expanded: 2^16 candidate strands. Beyond that the gene is not
/// called (the reason says to phase the VCF) rather than exhausting memory.
pub const MAX_PHASE_BLOCKS: usize = 16;

/// Every sequence the sample's genotypes allow, following PharmCAT: homozygous positions are the
/// same on both strands; phased heterozygous positions of one phase set (FORMAT/PS, or all phased
/// positions without one) flip together; each unphased heterozygous position flips on its own.
/// Empty when there are more than [`MAX_PHASE_BLOCKS`] independent blocks.
pub fn permutations(sample: &[SampleAllele]) -> Vec<Vec<String>> {
    if sample.is_empty() {
        return Vec::new();
    }
    let haploid = sample.iter().all(|s| s.allele2.is_none());
    let mut blocks: Vec<String> = Vec::new();
    let block_of: Vec<Option<usize>> = sample
        .iter()
        .map(|sa| {
            if haploid || sa.is_homozygous() {
                return None;
            }
            let key = match (sa.phased, &sa.phase_set) {
                (true, ps) => format!("ps:{}", ps.as_deref().unwrap_or("")),
                (false, _) => format!("pos:{}", sa.position),
            };
            let i = blocks.iter().position(|b| *b == key).unwrap_or_else(|| {
                blocks.push(key);
                blocks.len() - 1
            });
            Some(i)
        })
        .collect();
    if blocks.len() > MAX_PHASE_BLOCKS {
        return Vec::new();
    }
    let mut out: Vec<Vec<String>> = (0..1u32 << blocks.len())
        .map(|mask| {
            sample
                .iter()
                .zip(&block_of)
                .map(|(sa, block)| match block {
                    Some(i) if mask >> i & 1 == 1 => {
                        sa.allele2.clone().unwrap_or_else(|| ".".into())
                    }
                    _ => sa.allele1.clone(),
                })
                .collect()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
#[path = "matcher_tests.rs"]
mod tests;
