//! One somatic job: load a chunk's tumour and normal reads, propose candidates from the tumour,
//! score each against both samples, and gather what the run-level checks and metrics need
//! (callable bases, PASS allele fractions, identity comparisons).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rust_htslib::bam::Read as _;

use super::super::candidate::{Candidate, RefWindow};
use super::super::pairhmm::PairHmm;
use super::super::pileup::{discover, Discovery, DiscoveryParams};
use super::super::reads::{self, AlignedRead, ReadFilter};
use super::super::reference::Reference;
use super::super::regions::Job;
use super::evidence::{self, SampleEvidence};
use super::identity::{self, Identity};
use super::model::{self, Context, INDEL_REACH, MIN_NORMAL_DEPTH, MIN_TUMOR_DEPTH};
use super::record::Record;
use crate::error::Result;

/// Reference loaded beyond the chunk on each side.
const REF_PAD: i64 = 1000;
/// Reads fetched beyond the chunk on each side.
const READ_PAD: i64 = 600;
/// Indels closer than this (beyond their repeat stretches) are scored together.
const INDEL_GROUP_GAP: i64 = 10;
/// Most indels scored together (the haplotype scorer caps the combinations too).
const MAX_GROUP: usize = 4;
/// Indel candidates need this much support to make nearby SNVs suspect.
const INDEL_NEIGHBOUR_SUPPORT: u32 = 3;

/// Input files and the reference's contigs.
#[derive(Debug)]
pub struct Inputs {
    pub tumor: PathBuf,
    pub normal: PathBuf,
    pub reference: PathBuf,
    pub contigs: Vec<(String, u64)>,
}

/// Settings shared by all jobs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub min_mapq: u8,
    pub min_bq: u8,
    pub hmm: PairHmm,
}

/// What one job found.
#[derive(Debug, Default)]
pub struct JobOut {
    pub lines: String,
    /// Positions of the chunk with tumour and normal depth enough to call.
    pub callable: u64,
    /// (is SNV, tumour allele fraction) of each PASS record.
    pub pass: Vec<(bool, f64)>,
    /// PASS SNVs per SBS96 channel (96 counts; empty when the job had none).
    pub sbs: Vec<u64>,
    pub identity: Identity,
}

/// Run one job.
pub fn run_job(inputs: &Inputs, s: &Settings, job: &Job) -> Result<JobOut> {
    let (name, len) = &inputs.contigs[job.contig];
    let (t_good, t_poor) = load(&inputs.tumor, &inputs.reference, name, job, s.min_mapq)?;
    let (n_good, _) = load(&inputs.normal, &inputs.reference, name, job, s.min_mapq)?;
    let reference = Reference::open(&inputs.reference)?;
    let from = (job.start - REF_PAD).max(0);
    let refw = RefWindow {
        start: from,
        seq: reference.fetch(
            name,
            from as u64,
            (job.end + REF_PAD).min(*len as i64) as u64,
        )?,
    };
    let tumor_params = DiscoveryParams {
        min_bq: s.min_bq,
        min_alt_count: 2,
        min_snv_fraction: 0.02,
        min_indel_fraction: 0.02,
    };
    let normal_params = DiscoveryParams {
        min_bq: s.min_bq,
        ..Default::default()
    };
    let (lo, hi) = (job.start - INDEL_REACH, job.end + INDEL_REACH);
    let t_found = discover(&t_good, &refw, lo, hi, &tumor_params);
    let n_found = discover(&n_good, &refw, lo, hi, &normal_params);
    let indels = indel_positions(&[&t_found, &n_found]);
    let reads = Samples {
        tumor: &t_good,
        tumor_poor: &t_poor,
        normal: &n_good,
        span: max_span(&[&t_good, &n_good, &t_poor]),
    };
    let mut out = JobOut::default();
    let in_job: Vec<&Candidate> = t_found
        .candidates
        .iter()
        .filter(|c| c.pos >= job.start && c.pos < job.end)
        .collect();
    let mut records: Vec<Record> = groups(&in_job)
        .iter()
        .flat_map(|g| call_group(g, &reads, &refw, &indels, s))
        .collect();
    records.sort_by(|a, b| (a.pos, &a.reference, &a.alt).cmp(&(b.pos, &b.reference, &b.alt)));
    for rec in records {
        if rec.scored.filters.is_empty() {
            out.pass.push((rec.is_snv(), rec.tumor.af()));
            if rec.is_snv() {
                let base = |p: i64| refw.base(p).unwrap_or(b'N');
                let channel = super::metrics::sbs96_channel(
                    base(rec.pos - 1),
                    rec.reference[0],
                    rec.alt[0],
                    base(rec.pos + 1),
                );
                if let Some(c) = channel {
                    out.sbs.resize(96, 0);
                    out.sbs[c] += 1;
                }
            }
        }
        out.lines += &rec.line(name);
    }
    out.callable = callable(&t_found, &n_found, job);
    out.identity = identity::compare(&t_found, &n_found, job.start, job.end);
    Ok(out)
}

/// The reads of both samples around one chunk.
struct Samples<'a> {
    tumor: &'a [AlignedRead],
    /// Tumour reads under the mapping-quality floor: only counted for the map_qual filter.
    tumor_poor: &'a [AlignedRead],
    normal: &'a [AlignedRead],
    /// Longest reference span of any read, for finding the reads over a position.
    span: i64,
}

/// Candidates in the groups they are scored in: each SNV alone; indels whose stretches (repeats
/// included) lie within [`INDEL_GROUP_GAP`] of each other together, so that reads are shared out
/// between overlapping or differently written events.
fn groups(cands: &[&Candidate]) -> Vec<Vec<Candidate>> {
    let mut out: Vec<Vec<Candidate>> = Vec::new();
    let mut open: Option<(usize, i64)> = None;
    for &c in cands {
        if c.is_snv() {
            out.push(vec![c.clone()]);
            continue;
        }
        let reach = c.end().max(c.shift_end);
        match open {
            Some((g, end)) if c.pos <= end + INDEL_GROUP_GAP && out[g].len() < MAX_GROUP => {
                out[g].push(c.clone());
                open = Some((g, end.max(reach)));
            }
            _ => {
                out.push(vec![c.clone()]);
                open = Some((out.len() - 1, reach));
            }
        }
    }
    out
}

/// Score one group; keeps the candidates whose tumour evidence is strong enough to report.
fn call_group(
    group: &[Candidate],
    reads: &Samples<'_>,
    refw: &RefWindow,
    indels: &BTreeSet<i64>,
    s: &Settings,
) -> Vec<Record> {
    let gather = |r: &[AlignedRead]| -> Vec<SampleEvidence> {
        if group[0].is_snv() {
            vec![evidence::snv(r, reads.span, &group[0], s.min_bq)]
        } else {
            evidence::indels(r, reads.span, refw, group, &s.hmm)
        }
    };
    let tumor = gather(reads.tumor);
    if tumor
        .iter()
        .all(|t| model::tumor_lod(&t.obs).0 < model::EMIT_TLOD)
    {
        return Vec::new();
    }
    let normal = gather(reads.normal);
    let poor = gather(reads.tumor_poor);
    let mut out = Vec::new();
    for (((cand, tumor), normal), poor) in group.iter().zip(tumor).zip(normal).zip(poor) {
        if model::tumor_lod(&tumor.obs).0 < model::EMIT_TLOD {
            continue;
        }
        let near_indel = indels
            .range(cand.pos - INDEL_REACH..=cand.pos + INDEL_REACH)
            .next()
            .is_some();
        let ctx = Context {
            is_snv: cand.is_snv(),
            near_indel,
            tumor_poor_mq_alt: poor.alt_count(),
        };
        out.push(Record {
            pos: cand.pos,
            reference: cand.reference.clone(),
            alt: cand.alt.clone(),
            scored: model::score(&tumor, &normal, ctx),
            tumor,
            normal,
        });
    }
    out
}

/// Load one sample's reads over the job, split at the mapping-quality floor.
fn load(
    path: &std::path::Path,
    reference: &std::path::Path,
    contig: &str,
    job: &Job,
    min_mapq: u8,
) -> Result<(Vec<AlignedRead>, Vec<AlignedRead>)> {
    let shown = path.display().to_string();
    let mut bam = super::super::input::open_indexed(path, reference)?;
    let Some(tid) = bam.header().tid(contig.as_bytes()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let all = reads::load(
        &mut bam,
        &shown,
        tid,
        (job.start - READ_PAD).max(0),
        job.end + READ_PAD,
        ReadFilter { min_mapq: 0 },
    )?;
    Ok(all.into_iter().partition(|r| r.mapq >= min_mapq))
}

fn max_span(sets: &[&[AlignedRead]]) -> i64 {
    sets.iter()
        .flat_map(|s| s.iter())
        .map(|r| r.end() - r.start)
        .max()
        .unwrap_or(0)
}

/// Positions covered by well-supported indel candidates of either sample.
fn indel_positions(found: &[&Discovery]) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    for d in found {
        for c in d.candidates.iter().filter(|c| !c.is_snv()) {
            if c.support >= INDEL_NEIGHBOUR_SUPPORT {
                out.extend(c.pos..c.end().max(c.pos + 1));
            }
        }
    }
    out
}

/// Positions of the job where both samples reach the depth the filters ask for.
fn callable(tumor: &Discovery, normal: &Discovery, job: &Job) -> u64 {
    let depth = |d: &Discovery, pos: i64| -> u32 {
        let i = pos - d.from;
        if i < 0 {
            return 0;
        }
        d.depth.get(i as usize).copied().unwrap_or(0)
    };
    (job.start..job.end)
        .filter(|&p| depth(tumor, p) >= MIN_TUMOR_DEPTH && depth(normal, p) >= MIN_NORMAL_DEPTH)
        .count() as u64
}

/// Per-candidate lookups used by the identity check: allele fraction of each SNV candidate.
pub fn snv_fractions(d: &Discovery) -> BTreeMap<(i64, u8), f64> {
    d.candidates
        .iter()
        .filter(|c| c.is_snv())
        .map(|c| {
            let i = (c.pos - d.from) as usize;
            let depth = d.depth.get(i).copied().unwrap_or(0).max(1);
            ((c.pos, c.alt[0]), f64::from(c.support) / f64::from(depth))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indel(pos: i64, alt: &[u8], shift_end: i64) -> Candidate {
        Candidate {
            pos,
            reference: b"A".to_vec(),
            alt: alt.to_vec(),
            support: 3,
            shift_end,
        }
    }

    #[test]
    fn nearby_indels_are_grouped_and_snvs_stand_alone() {
        let a = indel(100, b"AT", 101);
        let b = Candidate::snv(103, b'C', b'G', 4);
        let c = indel(104, b"AGG", 105);
        let d = indel(200, b"AC", 201);
        let got = groups(&[&a, &b, &c, &d]);
        let shape: Vec<Vec<i64>> = got
            .iter()
            .map(|g| g.iter().map(|c| c.pos).collect())
            .collect();
        assert_eq!(shape, vec![vec![100, 104], vec![103], vec![200]]);
    }
}
