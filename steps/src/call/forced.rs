//! Forced-sites genotyping: exactly the given alleles at exactly the given positions, every site
//! reported. SNV sites use pileup likelihoods; sites with longer alleles are scored as a single
//! haplotype locus, with the window widened to the repeat an indel can slide in. A site whose REF
//! disagrees with the reference is an input error (the sites belong to another assembly); a site
//! past the contig end, or without reads, is reported as not assessed (`./.`, DP=0).

use super::candidate::{Candidate, RefWindow};
use super::chunk::{pileup_evidence, subset, trim, Inputs, Settings};
use super::genotype::{genotype, Genotyped};
use super::haplotype::{self, Locus};
use super::reads::AlignedRead;
use super::sites::ForcedSite;
use super::vcf::Record;
use crate::error::{Result, StepError};

pub(super) fn forced(
    reads: &[AlignedRead],
    refw: &RefWindow,
    sites: &[ForcedSite],
    s: &Settings,
    inputs: &Inputs,
    len: i64,
) -> Result<Vec<Record>> {
    let max_span = reads.iter().map(|r| r.end() - r.start).max().unwrap_or(0);
    let mut out = Vec::with_capacity(sites.len());
    for site in sites {
        if site.end() > len {
            // Beyond the contig (a partial reference, say): not assessed, like an uncovered site.
            out.push(not_assessed(site));
            continue;
        }
        check_site(site, refw, inputs)?;
        let (call, depth, hap, other) = if site.alleles.iter().all(|a| a.len() == 1) {
            let (call, depth, other) = snv_site(reads, max_span, site, s);
            (call, depth, false, other)
        } else {
            let locus = Locus {
                pos: site.pos,
                end: site.end(),
                alleles: site.alleles.clone(),
            };
            let extent = (site.pos, repeat_end(site, refw));
            let ev = haplotype::score(reads, refw, &[locus], extent, &s.hmm).remove(0);
            (genotype(&ev, &s.priors), ev.depth, true, false)
        };
        out.push(Record {
            pos: site.pos,
            id: site.id.clone(),
            alleles: site.alleles.clone(),
            call,
            depth,
            haplotype_scored: hap,
            other_allele: other,
        });
    }
    Ok(out)
}

/// Genotype a single-base forced site. The bases the site does not list are genotyped too, as
/// extra alleles: if the best genotype carries one, the listed alleles cannot describe the sample
/// and the site is a no-call flagged OtherAllele (a 0/0 there would be a confident lie).
fn snv_site(
    reads: &[AlignedRead],
    max_span: i64,
    site: &ForcedSite,
    s: &Settings,
) -> (Genotyped, u32, bool) {
    let listed = site.alleles.len();
    let mut all = site.alleles.clone();
    for b in b"ACGT" {
        if !all.iter().any(|a| a[0] == *b) {
            all.push(vec![*b]);
        }
    }
    let ev_all = pileup_evidence(reads, max_span, site.pos, all, s.discovery.min_bq);
    let other = genotype(&ev_all, &s.priors)
        .gt
        .is_some_and(|(a, b)| a >= listed || b >= listed);
    let keep: Vec<usize> = (0..listed).collect();
    let mut call = genotype(&subset(&ev_all, &keep), &s.priors);
    if other {
        call.gt = None;
    }
    (call, ev_all.depth, other)
}

fn check_site(site: &ForcedSite, refw: &RefWindow, inputs: &Inputs) -> Result<()> {
    let where_ = format!(
        "sites VCF line {} ({}:{})",
        site.line,
        site.contig,
        site.pos + 1
    );
    let actual = refw.slice(site.pos, site.end());
    let matches = actual.len() == site.alleles[0].len()
        && actual
            .iter()
            .zip(&site.alleles[0])
            .all(|(a, b)| a == b || *b == b'N' || *a == b'N');
    if !matches {
        return Err(StepError::input(format!(
            "{where_}: REF {} does not match the reference {} ({}); the sites must be on the same assembly",
            String::from_utf8_lossy(&site.alleles[0]),
            String::from_utf8_lossy(actual),
            inputs.reference.display()
        )));
    }
    Ok(())
}

/// How far right an indel allele of `site` could slide in the reference.
fn repeat_end(site: &ForcedSite, refw: &RefWindow) -> i64 {
    let mut end = site.end() + 1;
    for alt in &site.alleles[1..] {
        let (p, al) = trim(site.pos, vec![site.alleles[0].clone(), alt.clone()]);
        let (r, a) = (&al[0], &al[1]);
        let c = if r.len() > a.len() && a.len() == 1 {
            Candidate::deletion(refw, p + 1, (r.len() - 1) as i64, 0)
        } else if a.len() > r.len() && r.len() == 1 {
            Candidate::insertion(refw, p + 1, &a[1..], 0)
        } else {
            None
        };
        end = end.max(c.map_or(0, |c| c.shift_end));
    }
    end
}

pub(super) fn not_assessed(site: &ForcedSite) -> Record {
    let call = Genotyped {
        gt: None,
        gq: 0,
        pl: vec![],
        qual: 0.0,
        ad: vec![],
        fs: 0.0,
        sor: 0.0,
        mq: 0.0,
    };
    Record {
        pos: site.pos,
        id: site.id.clone(),
        alleles: site.alleles.clone(),
        call,
        depth: 0,
        haplotype_scored: false,
        other_allele: false,
    }
}
