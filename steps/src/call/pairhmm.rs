//! The pair-HMM: the probability of a read segment given a candidate haplotype.
//!
//! The standard three-state (match, insertion, deletion) model used by haplotype-based callers.
//! Match emissions come from the base qualities (1 - e for a match, e/3 for a mismatch), so a
//! low-quality mismatch costs little and a confident one a lot; gaps cost a fixed open and extend
//! probability. The read is aligned end to end, the haplotype locally (the read may start anywhere
//! on it). The forward algorithm sums over all alignments, so an indel that can be placed in
//! several equivalent spots of a repeat is not penalised for the ambiguity. Values are kept in
//! linear space with a large initial scale (as GATK does) which keeps the sums far from underflow
//! for reads of a few hundred bases.

/// Gap parameters (probabilities).
#[derive(Debug, Clone, Copy)]
pub struct PairHmm {
    gap_open: f64,
    gap_extend: f64,
}

impl Default for PairHmm {
    /// Gap open Q45, gap extension 0.1.
    fn default() -> Self {
        Self {
            gap_open: 10f64.powf(-4.5),
            gap_extend: 0.1,
        }
    }
}

const SCALE_LOG10: f64 = 300.0;

impl PairHmm {
    /// log10 P(read | haplotype). Quality 0 marks a base to ignore (it emits with probability 1
    /// against any haplotype base, so it favours no haplotype).
    pub fn log10_likelihood(&self, read: &[u8], qual: &[u8], hap: &[u8]) -> f64 {
        let (n, m) = (read.len(), hap.len());
        if n == 0 || m == 0 {
            return 0.0;
        }
        let t_mm = 1.0 - 2.0 * self.gap_open;
        let t_gm = 1.0 - self.gap_extend;
        let (t_open, t_ext) = (self.gap_open, self.gap_extend);
        let mut pm = vec![0.0f64; m + 1];
        let mut pi = vec![0.0f64; m + 1];
        let mut pd = vec![10f64.powf(SCALE_LOG10) / m as f64; m + 1];
        pd[0] = 0.0;
        let (mut cm, mut ci, mut cd) = (
            vec![0.0f64; m + 1],
            vec![0.0f64; m + 1],
            vec![0.0f64; m + 1],
        );
        let emit = emission_table();
        for i in 0..n {
            let (rb, q) = (read[i], qual[i]);
            cm[0] = 0.0;
            ci[0] = 0.0;
            cd[0] = 0.0;
            for j in 1..=m {
                let e = emission(emit, rb, q, hap[j - 1]);
                cm[j] = e * (t_mm * pm[j - 1] + t_gm * (pi[j - 1] + pd[j - 1]));
                ci[j] = t_open * pm[j] + t_ext * pi[j];
                cd[j] = t_open * cm[j - 1] + t_ext * cd[j - 1];
            }
            std::mem::swap(&mut pm, &mut cm);
            std::mem::swap(&mut pi, &mut ci);
            std::mem::swap(&mut pd, &mut cd);
        }
        let total: f64 = pm.iter().chain(pi.iter()).sum();
        if total > 0.0 {
            total.log10() - SCALE_LOG10
        } else {
            -SCALE_LOG10 - 300.0
        }
    }
}

/// P(match) and P(mismatch) per quality 0..=93.
fn emission_table() -> &'static [(f64, f64); 94] {
    use std::sync::OnceLock;
    static TABLE: OnceLock<[(f64, f64); 94]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [(1.0, 1.0); 94];
        for (q, slot) in t.iter_mut().enumerate().skip(1) {
            let e = 10f64.powf(-(q as f64) / 10.0).min(0.75);
            *slot = (1.0 - e, e / 3.0);
        }
        t
    })
}

#[inline]
fn emission(table: &[(f64, f64); 94], read_base: u8, q: u8, hap_base: u8) -> f64 {
    let (hit, miss) = table[usize::from(q.min(93))];
    if q == 0 || hap_base == b'N' {
        1.0
    } else if read_base == hap_base {
        hit
    } else {
        miss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lik(read: &[u8], hap: &[u8]) -> f64 {
        PairHmm::default().log10_likelihood(read, &vec![30; read.len()], hap)
    }

    #[test]
    fn a_read_prefers_the_haplotype_it_came_from() {
        let ref_hap = b"TTGACCTGAAAAAAGCTTGCAT";
        let del_hap = b"TTGACCTGAAAAAGCTTGCAT";
        let read = b"ACCTGAAAAAGCTTG";
        assert!(lik(read, del_hap) > lik(read, ref_hap) + 3.0);
        let read_ref = b"ACCTGAAAAAAGCTTG";
        assert!(lik(read_ref, ref_hap) > lik(read_ref, del_hap) + 3.0);
    }

    #[test]
    fn one_mismatch_costs_about_its_quality() {
        let hap = b"GATTACAGATTACAGG";
        let exact = lik(b"TTACAGATT", hap);
        let miss = lik(b"TTACTGATT", hap);
        assert!((exact - miss - 3.5).abs() < 0.3, "{exact} {miss}");
    }

    #[test]
    fn masked_bases_do_not_take_sides() {
        let hmm = PairHmm::default();
        let a = hmm.log10_likelihood(b"ACGTA", &[30, 30, 0, 30, 30], b"TTACGTATT");
        let b = hmm.log10_likelihood(b"ACGTA", &[30, 30, 0, 30, 30], b"TTACCTATT");
        assert!((a - b).abs() < 0.01, "{a} {b}");
    }
}
