//! Germline comparison: which truth alleles the query found, and which query alleles are true.
//!
//! Per contig, in two passes. First allele-exact: after normalisation most true calls are spelled
//! exactly like their truth allele, and a merge-join of the two sorted lists finds them. Then the
//! leftovers of both sides are clustered by distance and handed to the haplotype matcher, which finds
//! the calls that are the same sequence written differently. Whatever is still unmatched is a false
//! negative (truth) or a false positive (query).
//!
//! Counting follows hap.py: recall counts truth alleles (TRUTH.TP / (TRUTH.TP + FN)), precision counts
//! query alleles (QUERY.TP / (QUERY.TP + FP)), so a complex allele matched by an SNV plus an indel
//! is one truth TP and two query TPs. A TP is an allele match; whether the genotype matched too is
//! genotype concordance (the report also recounts with hap.py's stricter rule, see [`super::report`]).
//! Matching uses every allele; the regions BED then decides which alleles are counted: an allele
//! counts when its (normalised) position lies inside a region, on either side. Matching before
//! restricting keeps a call just inside a region from becoming a false positive because its truth
//! twin is written just outside.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::haplotype::{match_cluster, Window};
use super::reference::Reference;
use super::regions::Regions;
use super::report::{ClassCounts, GermlineCounts};
use super::variant::{Variant, VariantClass, Zygosity};
use super::vcf::Calls;
use crate::Result;

/// Alleles closer than this (in bases, end to start) are matched as one cluster.
pub const CLUSTER_GAP: u64 = 10;

/// How one allele came out of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Status {
    pub matched: bool,
    /// Among matched alleles: whether the genotype agreed (`None` when one side has no genotype).
    pub genotype_match: Option<bool>,
    pub by_haplotype: bool,
}

/// The status of every truth and query allele, per contig, parallel to the [`Calls`].
pub type Statuses = IndexMap<String, (Vec<Status>, Vec<Status>)>;

/// Compare two call sets and count, restricted to `regions` when given.
pub fn compare(
    truth: &Calls,
    query: &Calls,
    mut reference: Option<&mut Reference>,
    regions: Option<&Regions>,
) -> Result<(GermlineCounts, Statuses)> {
    let mut counts = GermlineCounts::default();
    let mut statuses = Statuses::new();
    let empty = Vec::new();
    let contigs: Vec<&String> = truth
        .keys()
        .chain(query.keys().filter(|c| !truth.contains_key(*c)))
        .collect();
    for contig in contigs {
        let t = truth.get(contig).unwrap_or(&empty);
        let q = query.get(contig).unwrap_or(&empty);
        let seq = match reference.as_deref_mut() {
            Some(r) => r.contig(contig)?,
            None => None,
        };
        let (ts, qs, skipped) = compare_contig(t, q, seq);
        counts.clusters_skipped += skipped;
        let inside = |v: &Variant| regions.is_none_or(|r| r.contains(contig, v.pos));
        for (v, s) in t.iter().zip(&ts).filter(|(v, _)| inside(v)) {
            let c = counts.class_mut(v.class());
            count_truth(c, s);
            c.genotype_under +=
                u64::from(s.genotype_match == Some(false) && v.zygosity == Zygosity::Hom);
        }
        for (v, s) in q.iter().zip(&qs).filter(|(v, _)| inside(v)) {
            let c = counts.class_mut(v.class());
            c.query_total += 1;
            c.query_tp += u64::from(s.matched);
            c.query_genotype_mismatch += u64::from(s.genotype_match == Some(false));
            c.query_genotype_over +=
                u64::from(s.genotype_match == Some(false) && v.zygosity == Zygosity::Hom);
        }
        statuses.insert(contig.clone(), (ts, qs));
    }
    Ok((counts, statuses))
}

fn count_truth(c: &mut ClassCounts, s: &Status) {
    c.truth_total += 1;
    if !s.matched {
        return;
    }
    c.truth_tp += 1;
    c.truth_tp_haplotype += u64::from(s.by_haplotype);
    match s.genotype_match {
        Some(true) => c.genotype_match += 1,
        Some(false) => c.genotype_mismatch += 1,
        None => {}
    }
}

/// Match one contig's alleles; returns the status of each truth and query allele and the number of
/// clusters too large to try.
pub fn compare_contig(
    truth: &[Variant],
    query: &[Variant],
    seq: Option<&[u8]>,
) -> (Vec<Status>, Vec<Status>, u64) {
    let mut ts = vec![Status::default(); truth.len()];
    let mut qs = vec![Status::default(); query.len()];
    match_exact(truth, query, &mut ts, &mut qs);
    let mut skipped = 0;
    for (ti, qi) in clusters(truth, query, &ts, &qs) {
        if ti.is_empty() || qi.is_empty() {
            continue;
        }
        let tv: Vec<&Variant> = ti.iter().map(|&i| &truth[i]).collect();
        let qv: Vec<&Variant> = qi.iter().map(|&i| &query[i]).collect();
        let start = tv.iter().chain(&qv).map(|v| v.pos).min().unwrap_or(0);
        let end = tv.iter().chain(&qv).map(|v| v.end()).max().unwrap_or(0);
        let window = match seq {
            Some(s) if end <= s.len() as u64 => Window::from_reference(s, start, end),
            _ => Window::from_alleles(tv.iter().chain(&qv).copied(), start, end),
        };
        let Some(m) = match_cluster(&tv, &qv, &window) else {
            skipped += 1;
            continue;
        };
        let gt = Some(m.genotypes_agree).filter(|_| {
            tv.iter()
                .chain(&qv)
                .all(|v| v.zygosity != Zygosity::Unknown)
        });
        for (&i, &hit) in ti.iter().zip(&m.truth) {
            ts[i] = Status {
                matched: hit,
                genotype_match: gt.filter(|_| hit),
                by_haplotype: hit,
            };
        }
        for (&i, &hit) in qi.iter().zip(&m.query) {
            qs[i] = Status {
                matched: hit,
                genotype_match: gt.filter(|_| hit),
                by_haplotype: hit,
            };
        }
    }
    (ts, qs, skipped)
}

/// Pair alleles spelled identically (both lists are sorted by position, REF, ALT).
fn match_exact(truth: &[Variant], query: &[Variant], ts: &mut [Status], qs: &mut [Status]) {
    let (mut i, mut j) = (0, 0);
    while i < truth.len() && j < query.len() {
        match truth[i].key().cmp(&query[j].key()) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let gt = genotype_match(truth[i].zygosity, query[j].zygosity);
                ts[i] = Status {
                    matched: true,
                    genotype_match: gt,
                    by_haplotype: false,
                };
                qs[j] = ts[i];
                i += 1;
                j += 1;
            }
        }
    }
}

fn genotype_match(a: Zygosity, b: Zygosity) -> Option<bool> {
    (a != Zygosity::Unknown && b != Zygosity::Unknown).then_some(a == b)
}

/// Group the unmatched alleles of both sides: a new cluster starts when an allele begins more than
/// [`CLUSTER_GAP`] bases after the end of everything before it.
fn clusters(
    truth: &[Variant],
    query: &[Variant],
    ts: &[Status],
    qs: &[Status],
) -> Vec<(Vec<usize>, Vec<usize>)> {
    // (position, side, index): side 0 = truth, 1 = query; the BTreeMap keeps them sorted.
    let mut open: BTreeMap<(u64, u8, usize), u64> = BTreeMap::new();
    for (i, v) in truth.iter().enumerate().filter(|(i, _)| !ts[*i].matched) {
        open.insert((v.pos, 0, i), v.end());
    }
    for (i, v) in query.iter().enumerate().filter(|(i, _)| !qs[*i].matched) {
        open.insert((v.pos, 1, i), v.end());
    }
    let mut out: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    let mut reach = 0u64;
    for ((pos, side, i), end) in open {
        if out.is_empty() || pos > reach + CLUSTER_GAP {
            out.push((Vec::new(), Vec::new()));
        }
        let last = out.last_mut().expect("a cluster was pushed above");
        if side == 0 {
            last.0.push(i);
        } else {
            last.1.push(i);
        }
        reach = reach.max(end);
    }
    out
}

impl GermlineCounts {
    fn class_mut(&mut self, class: VariantClass) -> &mut ClassCounts {
        match class {
            VariantClass::Snv => &mut self.snv,
            VariantClass::Indel => &mut self.indel,
        }
    }
}

#[cfg(test)]
mod tests;
