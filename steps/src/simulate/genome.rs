//! A random reference genome that looks enough like a real one to make alignment and calling honest.
//!
//! Uniform random sequence is too easy: every read maps uniquely and no caller ever meets a
//! homopolymer. So the generator varies GC content in isochore-like domains, sprinkles
//! homopolymers, short tandem repeats (1-6 bp units) and minisatellites (10-40 bp units), and copies
//! a few interspersed segments (0.3-3 kb, 0.5-2% diverged) elsewhere, so some reads map ambiguously
//! and indels sit in repeats where their position must be left-aligned.

use rand::{Rng, RngCore};

/// One named sequence of the reference (upper case; `N` only in user-supplied references).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contig {
    pub name: String,
    pub seq: Vec<u8>,
}

const BASES: [u8; 4] = *b"ACGT";
/// Mean length of plain sequence between two repeat features.
const MEAN_GAP: f64 = 300.0;
/// Length of a GC domain.
const DOMAIN_LEN: usize = 20_000;
/// One interspersed duplicated segment per this many bases.
const DUP_SPACING: usize = 100_000;

/// `size` bases split over `contigs` contigs named `chr1`, `chr2`, ...
pub fn random_reference(size: u64, contigs: usize, rng: &mut impl RngCore) -> Vec<Contig> {
    let contigs = contigs.max(1) as u64;
    (0..contigs)
        .map(|i| {
            let len = size / contigs + u64::from(i < size % contigs);
            Contig {
                name: format!("chr{}", i + 1),
                seq: random_contig(len as usize, rng),
            }
        })
        .collect()
}

fn random_contig(len: usize, rng: &mut impl RngCore) -> Vec<u8> {
    let mut seq = Vec::with_capacity(len + 128);
    let mut gc = domain_gc(rng);
    let mut next_domain = DOMAIN_LEN;
    while seq.len() < len {
        if seq.len() >= next_domain {
            gc = domain_gc(rng);
            next_domain += DOMAIN_LEN;
        }
        let gap = (-rng.random::<f64>().ln() * MEAN_GAP) as usize + 1;
        background(rng, gc, gap, &mut seq);
        repeat_feature(rng, gc, &mut seq);
    }
    seq.truncate(len);
    duplicate_segments(rng, &mut seq);
    seq
}

/// GC fraction of one domain: most of a mammalian genome sits between 35% and 55%.
fn domain_gc(rng: &mut impl RngCore) -> f64 {
    0.35 + 0.2 * (rng.random::<f64>() + rng.random::<f64>()) / 2.0
}

fn random_base(rng: &mut impl RngCore, gc: f64) -> u8 {
    let u: f64 = rng.random();
    if u < gc {
        if u < gc / 2.0 {
            b'G'
        } else {
            b'C'
        }
    } else if u < gc + (1.0 - gc) / 2.0 {
        b'A'
    } else {
        b'T'
    }
}

fn background(rng: &mut impl RngCore, gc: f64, len: usize, seq: &mut Vec<u8>) {
    seq.extend((0..len).map(|_| random_base(rng, gc)));
}

/// Append one repeat: a homopolymer, a microsatellite or a minisatellite.
fn repeat_feature(rng: &mut impl RngCore, gc: f64, seq: &mut Vec<u8>) {
    let kind: f64 = rng.random();
    if kind < 0.3 {
        // A/T homopolymers are far more common than G/C ones.
        let base = if rng.random_bool(0.75) {
            *b"AT"
        } else {
            *b"GC"
        }[rng.random_range(0..2)];
        let len = 6 + geometric(rng, 0.25).min(14);
        seq.extend(std::iter::repeat_n(base, len));
    } else if kind < 0.85 {
        let unit_len = [2, 2, 2, 3, 3, 4, 4, 5, 6][rng.random_range(0..9)];
        let unit: Vec<u8> = (0..unit_len).map(|_| random_base(rng, gc)).collect();
        let total = rng.random_range(12..=50);
        seq.extend(unit.iter().cycle().take(total));
    } else {
        let unit_len = rng.random_range(10..=40);
        let unit: Vec<u8> = (0..unit_len).map(|_| random_base(rng, gc)).collect();
        for _ in 0..rng.random_range(3..=8) {
            seq.extend(unit.iter().map(|&b| mutate(rng, b, 0.03)));
        }
    }
}

/// Copy a few segments over other places, with a little divergence, as transposon-like repeats.
fn duplicate_segments(rng: &mut impl RngCore, seq: &mut [u8]) {
    let len = seq.len();
    if len < 20_000 {
        return;
    }
    for _ in 0..(len / DUP_SPACING).max(1) {
        let seg = rng.random_range(300..=3000).min(len / 8);
        let src = rng.random_range(0..len - seg);
        let dst = rng.random_range(0..len - seg);
        if src.abs_diff(dst) < seg {
            continue;
        }
        let divergence = rng.random_range(0.005..0.02);
        let copy: Vec<u8> = seq[src..src + seg]
            .iter()
            .map(|&b| mutate(rng, b, divergence))
            .collect();
        seq[dst..dst + seg].copy_from_slice(&copy);
    }
}

/// `base`, replaced by another base with probability `p`.
pub fn mutate(rng: &mut impl RngCore, base: u8, p: f64) -> u8 {
    if rng.random::<f64>() < p {
        other_base(rng, base)
    } else {
        base
    }
}

/// A base different from `base`.
pub fn other_base(rng: &mut impl RngCore, base: u8) -> u8 {
    let choices: Vec<u8> = BASES.iter().copied().filter(|&b| b != base).collect();
    choices[rng.random_range(0..choices.len())]
}

/// Number of failures before the first success of a Bernoulli(`p`) trial.
pub fn geometric(rng: &mut impl RngCore, p: f64) -> usize {
    let u: f64 = rng.random();
    ((1.0 - u).ln() / (1.0 - p).ln()).floor() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn sizes_names_and_alphabet() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let contigs = random_reference(100_001, 3, &mut rng);
        let names: Vec<_> = contigs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["chr1", "chr2", "chr3"]);
        assert_eq!(contigs.iter().map(|c| c.seq.len()).sum::<usize>(), 100_001);
        assert!(contigs
            .iter()
            .all(|c| c.seq.iter().all(|b| b"ACGT".contains(b))));
    }

    #[test]
    fn gc_is_realistic_and_homopolymers_exist() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let seq = &random_reference(200_000, 1, &mut rng)[0].seq;
        let gc = seq.iter().filter(|&&b| b == b'G' || b == b'C').count() as f64 / seq.len() as f64;
        assert!((0.36..0.56).contains(&gc), "gc {gc}");
        let has_run = seq.windows(8).any(|w| w.iter().all(|&b| b == w[0]));
        assert!(has_run, "no homopolymer of 8+");
    }

    #[test]
    fn same_seed_same_genome() {
        let a = random_reference(50_000, 2, &mut ChaCha8Rng::seed_from_u64(3));
        let b = random_reference(50_000, 2, &mut ChaCha8Rng::seed_from_u64(3));
        let c = random_reference(50_000, 2, &mut ChaCha8Rng::seed_from_u64(4));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
