//! An Illumina-like base-quality and substitution-error model.
//!
//! Qualities start high and fall along the read (faster for read 2), vary a little per read and
//! per base, and a few reads end in a low-quality tail (the Q2 "B-tail" of older chemistries)
//! where the base may be `N`. Errors are then drawn *from* the qualities: a base of quality q is
//! wrong with probability 10^(-q/10), times a user scale, so the qualities are calibrated and a
//! quality trimmer removes the bases that really are bad.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::genome::other_base;

/// Highest quality written.
const MAX_Q: f64 = 41.0;
/// Lowest quality written (Illumina's floor for "do not trust").
const MIN_Q: u8 = 2;

/// Parameters of the quality and error model.
#[derive(Debug, Clone)]
pub struct ErrorModel {
    /// Error probability of each quality, already multiplied by the user's scale.
    error_prob: [f32; 64],
    /// Fraction of reads that end in a low-quality tail.
    tail_rate: f64,
    per_read: Normal<f64>,
    per_base: Normal<f64>,
}

impl ErrorModel {
    /// `scale` multiplies every error probability (0 gives error-free reads with the same
    /// qualities); `tail_rate` is the fraction of reads with a low-quality tail.
    pub fn new(scale: f64, tail_rate: f64) -> Self {
        let mut error_prob = [0f32; 64];
        for (q, p) in error_prob.iter_mut().enumerate() {
            *p = (10f64.powf(-(q as f64) / 10.0) * scale).min(0.75) as f32;
        }
        let per_read = Normal::new(0.0, 1.5).expect("constant sd is valid");
        let per_base = Normal::new(0.0, 2.0).expect("constant sd is valid");
        Self {
            error_prob,
            tail_rate,
            per_read,
            per_base,
        }
    }

    /// Phred qualities (not ASCII) for a read of `len` bases; `mate` is 1 or 2.
    pub fn qualities(&self, rng: &mut impl RngCore, len: usize, mate: u8, out: &mut Vec<u8>) {
        out.clear();
        let (start, drop) = if mate == 1 { (38.0, 8.0) } else { (37.0, 11.0) };
        let shift = self.per_read.sample(rng);
        let tail_from = if rng.random::<f64>() < self.tail_rate {
            rng.random_range(len / 2..len.max(1))
        } else {
            usize::MAX
        };
        for i in 0..len {
            if i >= tail_from {
                let q = if rng.random_bool(0.6) {
                    MIN_Q
                } else {
                    rng.random_range(MIN_Q..=12)
                };
                out.push(q);
                continue;
            }
            let x = i as f64 / len as f64;
            let q = start - drop * x * x + shift + self.per_base.sample(rng);
            out.push(q.round().clamp(f64::from(MIN_Q), MAX_Q) as u8);
        }
    }

    /// The model whose mean substitution rate on reads of `len` bases is `rate` (the scale is
    /// found by bisection, as capping each base at 75% makes the rate non-linear in it).
    pub fn with_error_rate(rate: f64, tail_rate: f64, len: usize) -> Self {
        if rate <= 0.0 {
            return Self::new(0.0, tail_rate);
        }
        let hist = Self::new(1.0, tail_rate).quality_histogram(len);
        let (mut lo, mut hi) = (0.0f64, 1e5f64);
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if Self::new(mid, tail_rate).mean_error_of(&hist) < rate {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Self::new((lo + hi) / 2.0, tail_rate)
    }

    /// The mean substitution rate per base this model gives reads of `len` bases.
    pub fn mean_error(&self, len: usize) -> f64 {
        self.mean_error_of(&self.quality_histogram(len))
    }

    fn mean_error_of(&self, hist: &[u64; 64]) -> f64 {
        let total: u64 = hist.iter().sum();
        let sum: f64 = hist
            .iter()
            .zip(&self.error_prob)
            .map(|(&n, &p)| n as f64 * f64::from(p))
            .sum();
        sum / total.max(1) as f64
    }

    /// How often each quality occurs in a fixed sample of 2000 reads (the same on every run).
    fn quality_histogram(&self, len: usize) -> [u64; 64] {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (mut q, mut hist) = (Vec::new(), [0u64; 64]);
        for mate in [1u8, 2].into_iter().cycle().take(2000) {
            self.qualities(&mut rng, len, mate, &mut q);
            q.iter().for_each(|&x| hist[usize::from(x).min(63)] += 1);
        }
        hist
    }

    /// Substitute bases of `seq` with the probability their quality implies; Q2 bases become `N`
    /// half of the time, as a base caller does when it gives up.
    pub fn apply(&self, rng: &mut impl RngCore, seq: &mut [u8], quals: &[u8]) {
        for (base, &q) in seq.iter_mut().zip(quals) {
            let p = self.error_prob[usize::from(q).min(63)];
            if rng.random::<f32>() < p {
                *base = if q <= MIN_Q && rng.random_bool(0.5) {
                    b'N'
                } else {
                    other_base(rng, *base)
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_falls_along_the_read_and_mate_two_is_worse() {
        let model = ErrorModel::new(1.0, 0.0);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut q = Vec::new();
        let (mut first, mut last) = ([0f64; 2], [0f64; 2]);
        for mate in [1u8, 2] {
            for _ in 0..2000 {
                model.qualities(&mut rng, 150, mate, &mut q);
                first[mate as usize - 1] +=
                    q[..10].iter().map(|&x| f64::from(x)).sum::<f64>() / 10.0;
                last[mate as usize - 1] +=
                    q[140..].iter().map(|&x| f64::from(x)).sum::<f64>() / 10.0;
            }
        }
        assert!(
            first[0] / 2000.0 > 36.0 && last[0] / 2000.0 < 32.0,
            "{first:?} {last:?}"
        );
        assert!(last[1] < last[0]);
    }

    #[test]
    fn error_rate_follows_quality() {
        let model = ErrorModel::new(1.0, 0.0);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut seq = vec![b'A'; 100_000];
        model.apply(&mut rng, &mut seq, &vec![20; 100_000]);
        let errors = seq.iter().filter(|&&b| b != b'A').count();
        assert!((800..1200).contains(&errors), "{errors} errors at Q20");
        let mut seq = vec![b'A'; 1000];
        ErrorModel::new(0.0, 0.0).apply(&mut rng, &mut seq, &[2; 1000]);
        assert!(seq.iter().all(|&b| b == b'A'));
    }

    #[test]
    fn mean_error_scales_and_matches_applied_errors() {
        let model = ErrorModel::new(1.0, 0.05);
        let m = model.mean_error(150);
        assert!((0.0005..0.02).contains(&m), "mean error {m}");
        let target = ErrorModel::with_error_rate(0.01, 0.05, 150).mean_error(150);
        assert!((target - 0.01).abs() < 1e-6, "{target}");
        assert_eq!(
            ErrorModel::with_error_rate(0.0, 0.05, 150).mean_error(150),
            0.0
        );
        let (mut rng, mut q, mut errors) = (ChaCha8Rng::seed_from_u64(4), Vec::new(), 0);
        for i in 0..4000u32 {
            let mut seq = vec![b'A'; 150];
            model.qualities(&mut rng, 150, 1 + (i % 2) as u8, &mut q);
            model.apply(&mut rng, &mut seq, &q);
            errors += seq.iter().filter(|&&b| b != b'A').count();
        }
        let observed = errors as f64 / 600_000.0;
        assert!(
            (observed / m - 1.0).abs() < 0.15,
            "observed {observed} vs model {m}"
        );
    }

    #[test]
    fn tails_are_low_quality() {
        let model = ErrorModel::new(1.0, 1.0);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut q = Vec::new();
        model.qualities(&mut rng, 100, 1, &mut q);
        assert!(q[99] <= 12);
    }
}
