//! The somatic model: is the allele in the tumour at all, is it absent from the normal, and do its
//! reads look like an artefact.
//!
//! Two likelihood ratios, as in Mutect2's model, computed from the per-read likelihood pairs:
//! - **TLOD**, tumour log-odds: the tumour reads under a mixture with the best alternate fraction
//!   `f` against the same reads with `f = 0` (every alternate base a sequencing error). With no
//!   copy-number or purity model, `f` is free in (0, 1], so subclonal variants at 5% score as
//!   readily as clonal ones when enough reads carry them.
//! - **NLOD**, normal log-odds: the normal reads with `f = 0` against `f = 0.5` (a germline het). It
//!   grows with normal depth, so a well-covered clean normal clears the threshold and a normal with
//!   alternate reads, or too few reads to tell, does not.
//!
//! The somatic score (QUAL, INFO/SQ) is the phred-scaled posterior that the site is not somatic,
//! with the tumour ratio weighed against a prior of [`SOMATIC_PRIOR`] per base and the normal ratio
//! against the ratio of somatic to germline priors ([`GERMLINE_PRIOR`]). The filters then look at
//! the reads behind the call; each is declared in the VCF header by [`filter_header`].

use super::evidence::{ReadObs, SampleEvidence};
use crate::call::genotype::fisher_strand;

/// Records below this TLOD are not written.
pub const EMIT_TLOD: f64 = 3.0;
/// PASS needs TLOD at least this (Mutect2's default).
pub const MIN_TLOD: f64 = 6.3;
/// PASS needs NLOD at least this (Mutect2's default away from known germline sites).
pub const MIN_NLOD: f64 = 2.2;
/// Prior probability of a somatic mutation at a base.
pub const SOMATIC_PRIOR: f64 = 1e-6;
/// Prior probability of a germline het at a base.
pub const GERMLINE_PRIOR: f64 = 1e-3;
pub const MIN_TUMOR_DEPTH: u32 = 10;
pub const MIN_NORMAL_DEPTH: u32 = 8;
/// Normal reads with the allele beyond which a site is an artefact of the locus, not somatic.
pub const MAX_NORMAL_ALT: u32 = 2;
pub const MAX_NORMAL_AF: f64 = 0.03;
pub const MIN_MEDIAN_BQ: u8 = 20;
pub const MIN_MEDIAN_MQ: u8 = 30;
pub const MIN_MEDIAN_READ_POS: u32 = 3;
/// Phred Fisher strand-bias score above which the alternate reads' strands are implausible.
pub const MAX_STRAND_FS: f64 = 30.0;
/// An SNV this close to an indel candidate (in either sample) is flagged.
pub const INDEL_REACH: i64 = 10;

/// The statistics of one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub tlod: f64,
    pub nlod: f64,
    /// Phred-scaled posterior that the site is not somatic, capped at 99.
    pub sq: f64,
    pub filters: Vec<&'static str>,
}

/// Things the model needs beyond the two samples' reads.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub is_snv: bool,
    /// An indel candidate lies within [`INDEL_REACH`] of this SNV.
    pub near_indel: bool,
    /// Alternate reads with mapping quality below the read filter's floor, in the tumour.
    pub tumor_poor_mq_alt: u32,
}

/// Score a candidate.
pub fn score(tumor: &SampleEvidence, normal: &SampleEvidence, ctx: Context) -> Scored {
    let tlod = tumor_lod(&tumor.obs).0;
    let nlod = normal_lod(&normal.obs);
    let not_error = tlod + SOMATIC_PRIOR.log10();
    let not_germline = nlod + (SOMATIC_PRIOR / GERMLINE_PRIOR).log10();
    let odds_against = 10f64.powf(-not_error) + 10f64.powf(-not_germline);
    let p_somatic = 1.0 / (1.0 + odds_against);
    // `+ 0.0` turns -0.0 (a certain non-somatic site) into 0.0 for printing.
    let sq = (-10.0 * (1.0 - p_somatic).max(1e-10).log10()).min(99.0) + 0.0;
    Scored {
        tlod,
        nlod,
        sq,
        filters: filters(tumor, normal, ctx, tlod, nlod),
    }
}

/// Which documented filters the candidate fails (empty: PASS).
fn filters(
    tumor: &SampleEvidence,
    normal: &SampleEvidence,
    ctx: Context,
    tlod: f64,
    nlod: f64,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let alts: Vec<&ReadObs> = tumor.obs.iter().filter(|o| o.is_alt()).collect();
    let (n_alt, n_af) = (normal.alt_count(), normal.af());
    if tlod < MIN_TLOD {
        out.push("weak_evidence");
    }
    if tumor.depth < MIN_TUMOR_DEPTH || normal.depth < MIN_NORMAL_DEPTH {
        out.push("low_depth");
    }
    if nlod < MIN_NLOD && n_alt > 0 {
        out.push("germline_risk");
    } else if n_alt >= MAX_NORMAL_ALT && n_af > MAX_NORMAL_AF {
        out.push("normal_artifact");
    }
    if fisher_strand(tumor.strands()) > MAX_STRAND_FS {
        out.push("strand_bias");
    }
    if ctx.is_snv && median(alts.iter().map(|o| u32::from(o.bq))) < u32::from(MIN_MEDIAN_BQ) {
        out.push("base_qual");
    }
    let mq = median(alts.iter().map(|o| u32::from(o.mapq)));
    if mq < u32::from(MIN_MEDIAN_MQ) || ctx.tumor_poor_mq_alt > alts.len() as u32 {
        out.push("map_qual");
    }
    if median(alts.iter().map(|o| o.read_pos)) < MIN_MEDIAN_READ_POS {
        out.push("position");
    }
    if ctx.is_snv && ctx.near_indel {
        out.push("near_indel");
    }
    out
}

/// Lower median; `u32::MAX` when empty (an empty set fails no threshold).
fn median(values: impl Iterator<Item = u32>) -> u32 {
    let mut v: Vec<u32> = values.collect();
    if v.is_empty() {
        return u32::MAX;
    }
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

/// log10 likelihood of the reads at alternate fraction `f`.
fn mixture(obs: &[ReadObs], f: f64) -> f64 {
    obs.iter()
        .map(|o| {
            let m = o.lref.max(o.lalt);
            m + (f * 10f64.powf(o.lalt - m) + (1.0 - f) * 10f64.powf(o.lref - m)).log10()
        })
        .sum()
}

/// TLOD and the alternate fraction that maximises the tumour likelihood. The log-likelihood is
/// concave in `f`, so a golden-section search finds its maximum.
pub fn tumor_lod(obs: &[ReadObs]) -> (f64, f64) {
    if obs.is_empty() {
        return (0.0, 0.0);
    }
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (0.0f64, 1.0f64);
    for _ in 0..48 {
        let c = b - ratio * (b - a);
        let d = a + ratio * (b - a);
        if mixture(obs, c) < mixture(obs, d) {
            a = c;
        } else {
            b = d;
        }
    }
    let f = (a + b) / 2.0;
    ((mixture(obs, f) - mixture(obs, 0.0)).max(0.0), f)
}

/// NLOD: the normal reads as reference-only against a germline het.
pub fn normal_lod(obs: &[ReadObs]) -> f64 {
    mixture(obs, 0.0) - mixture(obs, 0.5)
}

/// `##FILTER` lines for every filter [`score`] can set.
pub fn filter_header() -> String {
    let lines = [
        ("weak_evidence".to_string(), format!("Tumour log-odds TLOD below {MIN_TLOD}")),
        ("low_depth".into(), format!("Tumour depth below {MIN_TUMOR_DEPTH} or normal depth below {MIN_NORMAL_DEPTH}")),
        ("germline_risk".into(), format!("The normal carries the allele: normal log-odds NLOD (reference vs germline het) below {MIN_NLOD} with alternate reads in the normal")),
        ("normal_artifact".into(), format!("At least {MAX_NORMAL_ALT} normal reads and over {} of the normal carry the allele: an artefact of the locus", MAX_NORMAL_AF)),
        ("strand_bias".into(), format!("Tumour alternate reads on one strand: phred Fisher strand score above {MAX_STRAND_FS}")),
        ("base_qual".into(), format!("Median base quality of the tumour alternate bases below {MIN_MEDIAN_BQ} (SNVs)")),
        ("map_qual".into(), format!("Median mapping quality of the tumour alternate reads below {MIN_MEDIAN_MQ}, or more alternate reads below the mapping-quality floor than above it")),
        ("position".into(), format!("Median distance of the allele from the nearer read end below {MIN_MEDIAN_READ_POS} in the tumour alternate reads")),
        ("near_indel".into(), format!("SNV within {INDEL_REACH} bp of an indel seen in the tumour or the normal: likely misalignment")),
    ];
    lines
        .iter()
        .map(|(id, d)| format!("##FILTER=<ID={id},Description=\"{d}\">\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(alt: bool, reverse: bool) -> ReadObs {
        let (hit, miss) = ((0.999f64).log10(), (0.001f64 / 3.0).log10());
        ReadObs {
            lref: if alt { miss } else { hit },
            lalt: if alt { hit } else { miss },
            reverse,
            mapq: 60,
            bq: 30,
            read_pos: 40,
        }
    }

    fn sample(n_ref: usize, n_alt: usize) -> SampleEvidence {
        let mut obs_: Vec<ReadObs> = (0..n_ref).map(|i| obs(false, i % 2 == 0)).collect();
        obs_.extend((0..n_alt).map(|i| obs(true, i % 2 == 1)));
        SampleEvidence {
            depth: (n_ref + n_alt) as u32,
            obs: obs_,
        }
    }

    const SNV: Context = Context {
        is_snv: true,
        near_indel: false,
        tumor_poor_mq_alt: 0,
    };

    #[test]
    fn a_clean_somatic_site_passes() {
        let s = score(&sample(54, 6), &sample(30, 0), SNV);
        assert!(s.tlod > MIN_TLOD && s.nlod > MIN_NLOD, "{s:?}");
        assert!(s.filters.is_empty(), "{s:?}");
        assert!(s.sq > 20.0);
        let (_, f) = tumor_lod(&sample(54, 6).obs);
        assert!((f - 0.1).abs() < 0.01, "{f}");
    }

    #[test]
    fn a_germline_het_is_flagged() {
        let s = score(&sample(30, 30), &sample(15, 15), SNV);
        assert!(s.filters.contains(&"germline_risk"), "{s:?}");
        assert!(s.sq < 1.0);
    }

    #[test]
    fn alt_reads_in_the_normal_and_one_strand_are_artefacts() {
        let s = score(&sample(54, 6), &sample(60, 3), SNV);
        assert!(s.filters.contains(&"normal_artifact"), "{s:?}");
        let mut t = sample(50, 0);
        t.obs.extend((0..12).map(|_| obs(true, false)));
        let s = score(&t, &sample(30, 0), SNV);
        assert_eq!(s.filters, vec!["strand_bias"]);
    }

    #[test]
    fn sequencing_noise_is_weak_evidence() {
        let s = score(&sample(59, 1), &sample(30, 0), SNV);
        assert!(s.filters.contains(&"weak_evidence"), "{s:?}");
        assert!(s.tlod < EMIT_TLOD);
    }
}
