//! Tumour metrics from the somatic calls: mutational burden and the allele-fraction distribution.
//!
//! **TMB** counts PASS somatic SNVs and indels per megabase of *callable* territory: positions
//! (inside `--regions` when given) where the tumour has at least [`MIN_TUMOR_DEPTH`] and the normal
//! at least [`MIN_NORMAL_DEPTH`] bases passing the read and base-quality filters, the same depths
//! the `low_depth` filter asks for. Counting over callable rather than targeted territory keeps the
//! number comparable between runs of different depth. It is not restricted to coding sequence
//! (this step knows no annotation): on a whole genome or an exome it is the callable-territory TMB.
//!
//! The **VAF distribution** is a histogram of the tumour allele fractions of PASS calls in bins of
//! [`BIN_WIDTH`], the shape a report plots: a clonal peak near purity/2, subclones below it.
//!
//! The **SNV spectrum** counts PASS SNVs in the 96 single-base-substitution channels of COSMIC's
//! SBS signatures: the substitution written from its pyrimidine (C or T) base, with the bases 5'
//! and 3' of it on that strand (`A[C>T]G`), and their sums over the six classes. A spectrum is the
//! input of signature analysis and readable as it is: C>T at CpG with age, C>T at dipyrimidines
//! after UV light, C>A with tobacco smoke, C>T and C>G at TpC with APOBEC activity.
//!
//! [`MIN_TUMOR_DEPTH`]: super::model::MIN_TUMOR_DEPTH
//! [`MIN_NORMAL_DEPTH`]: super::model::MIN_NORMAL_DEPTH

use std::path::Path;

use serde::Serialize;

use super::identity::Identity;
use super::model::{MIN_NORMAL_DEPTH, MIN_TUMOR_DEPTH};
use crate::error::{Result, StepError};

/// Width of a VAF histogram bin.
pub const BIN_WIDTH: f64 = 0.05;
const BINS: usize = 20;

/// The metrics file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metrics {
    pub tumor_sample: String,
    pub normal_sample: String,
    pub pass_snvs: u64,
    pub pass_indels: u64,
    pub callable_bases: u64,
    /// PASS SNVs and indels per callable megabase.
    pub tmb_per_mb: f64,
    pub tmb_definition: String,
    pub vaf_median: Option<f64>,
    pub vaf_histogram: Vec<VafBin>,
    /// PASS SNVs per substitution class (C>A, C>G, C>T, T>A, T>C, T>G).
    pub snv_classes: Vec<Channel>,
    /// PASS SNVs per trinucleotide channel, in COSMIC's order (class, then 5' base, then 3').
    pub sbs96: Vec<Channel>,
    pub identity: IdentitySummary,
}

/// One spectrum channel and its count.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Channel {
    pub channel: String,
    pub count: u64,
}

const CLASSES: [(u8, u8); 6] = [
    (b'C', b'A'),
    (b'C', b'G'),
    (b'C', b'T'),
    (b'T', b'A'),
    (b'T', b'C'),
    (b'T', b'G'),
];
const BASES: [u8; 4] = [b'A', b'C', b'G', b'T'];

/// The SBS96 channel (0..96, COSMIC order) of an SNV `reference>alt` between `before` and `after`
/// (reference strand); `None` for a base other than A, C, G, T.
pub fn sbs96_channel(before: u8, reference: u8, alt: u8, after: u8) -> Option<usize> {
    let up = |b: u8| b.to_ascii_uppercase();
    let (mut five, mut r, mut a, mut three) = (up(before), up(reference), up(alt), up(after));
    if matches!(r, b'A' | b'G') {
        let comp = |b: u8| crate::seq::complement(b);
        (five, r, a, three) = (comp(three), comp(r), comp(a), comp(five));
    }
    let class = CLASSES.iter().position(|&c| c == (r, a))?;
    let idx = |b: u8| BASES.iter().position(|&x| x == b);
    Some(class * 16 + idx(five)? * 4 + idx(three)?)
}

/// The six classes and the 96 channels from per-channel counts (missing counts read as 0).
fn spectrum(sbs: &[u64]) -> (Vec<Channel>, Vec<Channel>) {
    let at = |i: usize| sbs.get(i).copied().unwrap_or(0);
    let name = |(r, a): (u8, u8)| format!("{}>{}", r as char, a as char);
    let classes = CLASSES
        .iter()
        .enumerate()
        .map(|(i, &c)| Channel {
            channel: name(c),
            count: (i * 16..(i + 1) * 16).map(at).sum(),
        })
        .collect();
    let channels = (0..96)
        .map(|i| {
            let (c, five, three) = (CLASSES[i / 16], BASES[i % 16 / 4], BASES[i % 4]);
            Channel {
                channel: format!("{}[{}]{}", five as char, name(c), three as char),
                count: at(i),
            }
        })
        .collect();
    (classes, channels)
}

/// One histogram bin: `[from, to)` (the last bin includes 1.0).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VafBin {
    pub from: f64,
    pub to: f64,
    pub snvs: u64,
    pub indels: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdentitySummary {
    pub informative_sites: u64,
    pub concordant_sites: u64,
    pub concordance: Option<f64>,
}

/// Build the metrics from the PASS calls `(is SNV, tumour AF)`, their SBS96 counts and the
/// callable base count.
pub fn build(
    samples: (&str, &str),
    pass: &[(bool, f64)],
    sbs: &[u64],
    callable: u64,
    identity: Identity,
) -> Metrics {
    let (snv_classes, sbs96) = spectrum(sbs);
    let snvs = pass.iter().filter(|p| p.0).count() as u64;
    let indels = pass.len() as u64 - snvs;
    let mut vafs: Vec<f64> = pass.iter().map(|p| p.1).collect();
    vafs.sort_by(f64::total_cmp);
    let mut hist: Vec<VafBin> = (0..BINS)
        .map(|i| VafBin {
            from: round3(i as f64 * BIN_WIDTH),
            to: round3((i + 1) as f64 * BIN_WIDTH),
            snvs: 0,
            indels: 0,
        })
        .collect();
    for &(snv, af) in pass {
        // The nudge keeps fractions on a bin edge (0.3 = 6 x 0.05) in the bin they start.
        let b = ((af / BIN_WIDTH + 1e-9) as usize).min(BINS - 1);
        if snv {
            hist[b].snvs += 1;
        } else {
            hist[b].indels += 1;
        }
    }
    let tmb = if callable == 0 {
        0.0
    } else {
        (snvs + indels) as f64 / (callable as f64 / 1e6)
    };
    Metrics {
        tumor_sample: samples.0.to_string(),
        normal_sample: samples.1.to_string(),
        pass_snvs: snvs,
        pass_indels: indels,
        callable_bases: callable,
        tmb_per_mb: round3(tmb),
        tmb_definition: format!(
            "PASS somatic SNVs and indels per Mb of callable territory: positions with tumour depth >= {MIN_TUMOR_DEPTH} and normal depth >= {MIN_NORMAL_DEPTH} (bases passing the read and base-quality filters), inside --regions when given"
        ),
        vaf_median: (!vafs.is_empty()).then(|| round3(vafs[(vafs.len() - 1) / 2])),
        vaf_histogram: hist,
        snv_classes,
        sbs96,
        identity: IdentitySummary {
            informative_sites: identity.sites,
            concordant_sites: identity.concordant,
            concordance: identity.concordance().map(round3),
        },
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Write the metrics as pretty JSON, publishing by rename.
pub fn write(path: &Path, m: &Metrics) -> Result<()> {
    let text = serde_json::to_string_pretty(m)
        .map_err(|e| StepError::failed(format!("cannot encode metrics: {e}")))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&tmp, text + "\n").map_err(|e| StepError::io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| StepError::io("publish", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_tmb_over_callable_megabases_and_bins_fractions() {
        let pass = [(true, 0.05), (true, 0.3), (false, 0.32), (true, 1.0)];
        let m = build(("T", "N"), &pass, &[0; 96], 2_000_000, Identity::default());
        assert_eq!((m.pass_snvs, m.pass_indels), (3, 1));
        assert_eq!(m.tmb_per_mb, 2.0);
        assert_eq!(m.vaf_histogram[1].snvs, 1);
        assert_eq!((m.vaf_histogram[6].snvs, m.vaf_histogram[6].indels), (1, 1));
        assert_eq!(m.vaf_histogram[19].snvs, 1);
        assert_eq!(m.vaf_median, Some(0.3));
        assert_eq!(m.identity.concordance, None);
    }

    #[test]
    fn snvs_fall_in_their_pyrimidine_centred_channels() {
        // C>T in ACG is channel A[C>T]G; G>A in CGT is the same change on the other strand.
        let act = sbs96_channel(b'A', b'C', b'T', b'G').unwrap();
        assert_eq!(sbs96_channel(b'C', b'G', b'A', b'T'), Some(act));
        let mut sbs = [0u64; 96];
        sbs[act] += 2;
        sbs[sbs96_channel(b't', b't', b'g', b't').unwrap()] += 1;
        let (classes, channels) = spectrum(&sbs);
        assert_eq!(channels[act].channel, "A[C>T]G");
        assert_eq!(channels[act].count, 2);
        assert_eq!(channels[0].channel, "A[C>A]A");
        assert_eq!(channels[95].channel, "T[T>G]T");
        let counts: Vec<u64> = classes.iter().map(|c| c.count).collect();
        assert_eq!(counts, [0, 0, 2, 0, 0, 1]);
        assert_eq!(sbs96_channel(b'N', b'C', b'T', b'G'), None);
    }
}
