//! Are the tumour and the normal from one person? Germline genotypes must agree.
//!
//! A swapped or mislabelled pair turns every germline variant of either person into a "somatic"
//! call, so the caller compares the samples before it publishes anything. The informative sites are
//! the normal's confident germline SNVs (well covered in both samples):
//! - a het in the normal (allele fraction 0.25-0.85) must show in the tumour (fraction at least
//!   0.05: loss of heterozygosity and low purity can shift it, not erase it);
//! - a hom-alt in the normal (at least 0.85) must stay mostly alternate in the tumour (0.6);
//!
//! and, the other way, a hom-alt in the tumour must not be absent from the normal. Somatic
//! variants never make a site discordant under these rules (they are absent from the normal and
//! rarely near-homozygous in the tumour), so one person's pair scores near 1; two people agree
//! only where they happen to share common variants.

use serde::Serialize;

use super::super::pileup::Discovery;
use super::job::snv_fractions;

/// Both samples need this depth at a site for it to count.
pub const MIN_DEPTH: u32 = 15;
/// Fewer informative sites than this and the check cannot decide (it then passes with a warning).
pub const MIN_SITES: u64 = 20;
/// The pair is rejected below this concordance.
pub const MIN_CONCORDANCE: f64 = 0.8;

const HET_MIN: f64 = 0.25;
const HOM_MIN: f64 = 0.85;
const HET_IN_TUMOR_MIN: f64 = 0.05;
const HOM_IN_TUMOR_MIN: f64 = 0.6;
const ABSENT_IN_NORMAL_MAX: f64 = 0.1;

/// Informative germline sites and how many agree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Identity {
    pub sites: u64,
    pub concordant: u64,
}

impl Identity {
    pub fn add(&mut self, other: Identity) {
        self.sites += other.sites;
        self.concordant += other.concordant;
    }
    pub fn concordance(&self) -> Option<f64> {
        (self.sites > 0).then(|| self.concordant as f64 / self.sites as f64)
    }
}

/// Compare the samples' SNV candidates with position in `[start, end)`.
pub fn compare(tumor: &Discovery, normal: &Discovery, start: i64, end: i64) -> Identity {
    let depth = |d: &Discovery, pos: i64| {
        usize::try_from(pos - d.from)
            .ok()
            .and_then(|i| d.depth.get(i).copied())
            .unwrap_or(0)
    };
    let (t_af, n_af) = (snv_fractions(tumor), snv_fractions(normal));
    let mut id = Identity::default();
    let covered = |pos: i64| {
        (start..end).contains(&pos)
            && depth(tumor, pos) >= MIN_DEPTH
            && depth(normal, pos) >= MIN_DEPTH
    };
    for (&key, &af) in &n_af {
        if !covered(key.0) || af < HET_MIN {
            continue;
        }
        let in_tumor = t_af.get(&key).copied().unwrap_or(0.0);
        let ok = if af >= HOM_MIN {
            in_tumor >= HOM_IN_TUMOR_MIN
        } else {
            in_tumor >= HET_IN_TUMOR_MIN
        };
        id.sites += 1;
        id.concordant += u64::from(ok);
    }
    for (&key, &af) in &t_af {
        if covered(key.0) && af >= HOM_MIN {
            let in_normal = n_af.get(&key).copied().unwrap_or(0.0);
            if in_normal < ABSENT_IN_NORMAL_MAX {
                id.sites += 1;
            }
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::super::super::candidate::Candidate;
    use super::*;

    fn found(sites: &[(i64, u32)]) -> Discovery {
        Discovery {
            candidates: sites
                .iter()
                .map(|&(pos, n)| Candidate::snv(pos, b'A', b'G', n))
                .collect(),
            from: 0,
            depth: vec![20; 100],
            ref_depth: vec![0; 100],
        }
    }

    #[test]
    fn shared_germline_sites_agree_and_private_ones_do_not() {
        // Normal: het at 10, hom at 20; tumour: het at 10 (LOH-shifted), hom at 20.
        let same = compare(
            &found(&[(10, 4), (20, 20)]),
            &found(&[(10, 10), (20, 20)]),
            0,
            100,
        );
        assert_eq!(
            same,
            Identity {
                sites: 2,
                concordant: 2
            }
        );
        // Another person: none of the normal's variants, a private hom at 30.
        let other = compare(&found(&[(30, 20)]), &found(&[(10, 10), (20, 20)]), 0, 100);
        assert_eq!(
            other,
            Identity {
                sites: 3,
                concordant: 0
            }
        );
        assert_eq!(other.concordance(), Some(0.0));
    }
}
