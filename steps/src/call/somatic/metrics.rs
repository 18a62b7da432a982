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
    pub identity: IdentitySummary,
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

/// Build the metrics from the PASS calls `(is SNV, tumour AF)` and the callable base count.
pub fn build(
    samples: (&str, &str),
    pass: &[(bool, f64)],
    callable: u64,
    identity: Identity,
) -> Metrics {
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
        let m = build(("T", "N"), &pass, 2_000_000, Identity::default());
        assert_eq!((m.pass_snvs, m.pass_indels), (3, 1));
        assert_eq!(m.tmb_per_mb, 2.0);
        assert_eq!(m.vaf_histogram[1].snvs, 1);
        assert_eq!((m.vaf_histogram[6].snvs, m.vaf_histogram[6].indels), (1, 1));
        assert_eq!(m.vaf_histogram[19].snvs, 1);
        assert_eq!(m.vaf_median, Some(0.3));
        assert_eq!(m.identity.concordance, None);
    }
}
