//! Diploid genotyping from per-read allele likelihoods.
//!
//! Whatever produced the evidence (a pileup for an isolated SNV, the pair-HMM against candidate
//! haplotypes for indels and clusters), a site arrives here as, for every read, log10 P(read |
//! allele) for each allele. A read's likelihoods are floored at `max - MAPQ/10`, so a read that may
//! be misplaced cannot outvote the others by more than its mapping quality says. For a genotype
//! (a, b), P(read | a/b) = (P(read | a) + P(read | b)) / 2, and the reads multiply. The prior is
//! the usual heterozygosity one (theta for 0/i, theta/2 for i/i, theta/100 for i/j), with theta
//! 1e-3 for SNVs and 1.25e-4 for indels. QUAL is the phred posterior of 0/0; GQ the phred
//! posterior that the called genotype is wrong, capped at 99; PL the normalised likelihoods.

/// What one read says about one site's alleles.
#[derive(Debug, Clone)]
pub struct ReadLik {
    /// log10 P(read | allele), one per allele (allele 0 = reference).
    pub lik: Vec<f64>,
    pub reverse: bool,
    pub mapq: u8,
}

/// The evidence for one site.
#[derive(Debug, Clone)]
pub struct SiteEvidence {
    pub pos: i64,
    /// Allele 0 is the reference allele; all alleles start at `pos`.
    pub alleles: Vec<Vec<u8>>,
    pub reads: Vec<ReadLik>,
    /// Reads covering the site with usable data, informative or not.
    pub depth: u32,
}

impl SiteEvidence {
    pub fn is_indel(&self) -> bool {
        self.alleles
            .iter()
            .any(|a| a.len() != self.alleles[0].len())
    }
}

/// Heterozygosity priors.
#[derive(Debug, Clone, Copy)]
pub struct Priors {
    pub snv: f64,
    pub indel: f64,
}

impl Default for Priors {
    fn default() -> Self {
        Self {
            snv: 1e-3,
            indel: 1.25e-4,
        }
    }
}

/// The genotype call for one site.
#[derive(Debug, Clone, PartialEq)]
pub struct Genotyped {
    /// Called genotype (allele indices, a <= b); `None` when no read covers the site.
    pub gt: Option<(usize, usize)>,
    pub gq: u32,
    /// PL in VCF order.
    pub pl: Vec<u32>,
    pub qual: f64,
    /// Reads whose best allele is clear, per allele.
    pub ad: Vec<u32>,
    /// Phred-scaled Fisher strand-bias p-value (reference vs alternate reads).
    pub fs: f64,
    /// Symmetric odds ratio of strand bias (GATK's SOR), steadier than FS at high depth.
    pub sor: f64,
    /// RMS mapping quality of the reads.
    pub mq: f64,
}

/// Genotypes in VCF order: (0,0), (0,1), (1,1), (0,2), (1,2), (2,2), ...
pub fn genotypes(n_alleles: usize) -> Vec<(usize, usize)> {
    (0..n_alleles)
        .flat_map(|b| (0..=b).map(move |a| (a, b)))
        .collect()
}

/// A read must prefer an allele by this much (log10) to count towards AD.
const INFORMATIVE: f64 = 0.3;

/// Genotype one site.
pub fn genotype(site: &SiteEvidence, priors: &Priors) -> Genotyped {
    let n = site.alleles.len();
    let gts = genotypes(n);
    let reads: Vec<Vec<f64>> = site.reads.iter().map(capped).collect();
    let gl: Vec<f64> = gts
        .iter()
        .map(|&(a, b)| reads.iter().map(|l| mix(l[a], l[b])).sum())
        .collect();
    let theta = if site.is_indel() {
        priors.indel
    } else {
        priors.snv
    };
    let post: Vec<f64> = gts
        .iter()
        .zip(&gl)
        .map(|(&g, l)| l + log10_prior(g, n, theta))
        .collect();
    let total = log10_sum(&post);
    let best = (0..post.len()).fold(0, |b, i| if post[i] > post[b] { i } else { b });
    let others: Vec<f64> = post
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, v)| *v)
        .collect();
    let gq = if others.is_empty() {
        99.0
    } else {
        -10.0 * (log10_sum(&others) - total)
    };
    let max_gl = gl.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (ad, strands) = allele_depths(&reads, &site.reads, n);
    let mq_sq: f64 = site.reads.iter().map(|r| f64::from(r.mapq).powi(2)).sum();
    Genotyped {
        gt: (!site.reads.is_empty() || site.depth > 0).then_some(gts[best]),
        gq: gq.clamp(0.0, 99.0).round() as u32,
        pl: gl
            .iter()
            .map(|l| (-10.0 * (l - max_gl)).round().min(1e6) as u32)
            .collect(),
        qual: (-10.0 * (post[0] - total)).max(0.0),
        ad,
        fs: fisher_strand(strands),
        sor: strand_odds_ratio(strands),
        mq: if site.reads.is_empty() {
            0.0
        } else {
            (mq_sq / site.reads.len() as f64).sqrt()
        },
    }
}

fn capped(r: &ReadLik) -> Vec<f64> {
    let max = r.lik.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let floor = max - f64::from(r.mapq.min(60)) / 10.0;
    r.lik.iter().map(|l| l.max(floor)).collect()
}

/// log10((10^a + 10^b) / 2).
fn mix(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (1.0 + 10f64.powf(lo - hi)).log10() - std::f64::consts::LOG10_2
}

pub fn log10_sum(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + v.iter().map(|x| 10f64.powf(x - max)).sum::<f64>().log10()
}

fn log10_prior((a, b): (usize, usize), n: usize, theta: f64) -> f64 {
    let alts = (n - 1) as f64;
    match (a, b) {
        (0, 0) => (1.0 - alts * 1.5 * theta - alts * (alts - 1.0) / 2.0 * theta / 100.0).log10(),
        (0, _) => theta.log10(),
        _ if a == b => (theta / 2.0).log10(),
        _ => (theta / 100.0).log10(),
    }
}

/// AD per allele, and the [ref fwd, ref rev, alt fwd, alt rev] table for the strand test.
fn allele_depths(capped: &[Vec<f64>], reads: &[ReadLik], n: usize) -> (Vec<u32>, [u64; 4]) {
    let mut ad = vec![0u32; n];
    let mut strands = [0u64; 4];
    for (lik, read) in capped.iter().zip(reads) {
        let best = (0..n).fold(0, |b, i| if lik[i] > lik[b] { i } else { b });
        let runner_up = (0..n)
            .filter(|&i| i != best)
            .map(|i| lik[i])
            .fold(f64::NEG_INFINITY, f64::max);
        if lik[best] - runner_up < INFORMATIVE {
            continue;
        }
        ad[best] += 1;
        strands[usize::from(best > 0) * 2 + usize::from(read.reverse)] += 1;
    }
    (ad, strands)
}

/// Phred-scaled two-sided Fisher exact test on a 2x2 table [a, b; c, d].
pub fn fisher_strand([a, b, c, d]: [u64; 4]) -> f64 {
    let n = a + b + c + d;
    if n == 0 {
        return 0.0;
    }
    let lf = |k: u64| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
    let (r1, c1) = (a + b, a + c);
    let (r2, c2) = (c + d, b + d);
    let fixed = lf(r1) + lf(r2) + lf(c1) + lf(c2) - lf(n);
    let prob = |x: u64| fixed - lf(x) - lf(r1 - x) - lf(c1 - x) - lf(r2 + x - c1);
    let observed = prob(a);
    let lo = c1.saturating_sub(r2);
    let hi = r1.min(c1);
    let p: f64 = (lo..=hi)
        .map(prob)
        .filter(|p| *p <= observed + 1e-7)
        .map(f64::exp)
        .sum();
    (-10.0 * p.min(1.0).log10()).max(0.0) + 0.0
}

/// GATK's symmetric odds ratio on [ref fwd, ref rev, alt fwd, alt rev] (pseudocount 1).
pub fn strand_odds_ratio(t: [u64; 4]) -> f64 {
    let [rf, rr, af, ar] = t.map(|v| v as f64 + 1.0);
    let r = (rf * ar) / (rr * af);
    let symmetric = r + 1.0 / r;
    let ref_ratio = rf.min(rr) / rf.max(rr);
    let alt_ratio = af.min(ar) / af.max(ar);
    symmetric.ln() + ref_ratio.ln() - alt_ratio.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n_ref` reads showing the reference and `n_alt` the alternate, pileup-style at Q30.
    fn snv_site(n_ref: usize, n_alt: usize) -> SiteEvidence {
        let (hit, miss) = ((1.0f64 - 1e-3).log10(), (1e-3f64 / 3.0).log10());
        let mut reads: Vec<ReadLik> = (0..n_ref)
            .map(|i| ReadLik {
                lik: vec![hit, miss],
                reverse: i % 2 == 0,
                mapq: 60,
            })
            .collect();
        reads.extend((0..n_alt).map(|i| ReadLik {
            lik: vec![miss, hit],
            reverse: i % 2 == 0,
            mapq: 60,
        }));
        SiteEvidence {
            pos: 10,
            alleles: vec![b"A".to_vec(), b"G".to_vec()],
            depth: reads.len() as u32,
            reads,
        }
    }

    #[test]
    fn calls_het_and_hom_snvs() {
        let het = genotype(&snv_site(10, 9), &Priors::default());
        assert_eq!(het.gt, Some((0, 1)));
        assert!(het.qual > 100.0 && het.gq == 99);
        assert_eq!(het.ad, vec![10, 9]);
        assert_eq!(het.pl[1], 0);
        let hom = genotype(&snv_site(0, 12), &Priors::default());
        assert_eq!(hom.gt, Some((1, 1)));
        let reference = genotype(&snv_site(15, 0), &Priors::default());
        assert_eq!(reference.gt, Some((0, 0)));
        assert!(reference.qual < 1.0);
    }

    #[test]
    fn a_single_alt_read_is_not_enough() {
        let g = genotype(&snv_site(20, 1), &Priors::default());
        assert_eq!(g.gt, Some((0, 0)));
    }

    #[test]
    fn calls_a_multiallelic_het() {
        let (hit, miss) = ((1.0f64 - 1e-3).log10(), (1e-3f64 / 3.0).log10());
        let mut reads: Vec<ReadLik> = (0..8)
            .map(|_| ReadLik {
                lik: vec![miss, hit, miss],
                reverse: false,
                mapq: 60,
            })
            .collect();
        reads.extend((0..8).map(|_| ReadLik {
            lik: vec![miss, miss, hit],
            reverse: true,
            mapq: 60,
        }));
        let site = SiteEvidence {
            pos: 1,
            alleles: vec![b"A".to_vec(), b"C".to_vec(), b"T".to_vec()],
            depth: 16,
            reads,
        };
        let g = genotype(&site, &Priors::default());
        assert_eq!(g.gt, Some((1, 2)));
        assert_eq!(g.pl.len(), 6);
        assert_eq!(g.ad, vec![0, 8, 8]);
    }

    #[test]
    fn no_reads_means_no_call() {
        let site = SiteEvidence {
            pos: 1,
            alleles: vec![b"A".to_vec()],
            reads: vec![],
            depth: 0,
        };
        assert_eq!(genotype(&site, &Priors::default()).gt, None);
    }

    #[test]
    fn fisher_flags_one_sided_strands() {
        assert!(fisher_strand([10, 10, 10, 10]) < 1.0);
        assert!(fisher_strand([10, 10, 20, 0]) > 20.0);
        assert!(strand_odds_ratio([10, 10, 10, 10]) < 1.0);
        assert!(strand_odds_ratio([10, 10, 12, 0]) > 3.0);
    }
}
