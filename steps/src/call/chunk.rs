//! One job: load a chunk's reads and reference, find and genotype its variants, and render them.
//!
//! Discovery mode proposes candidates over the chunk plus a margin, groups them, and genotypes
//! each group the cheap way when it is an isolated SNV (pileup likelihoods) or by haplotype
//! scoring when it holds an indel or several nearby candidates. Only records whose position lies
//! inside the chunk are kept, so a group straddling a boundary is reported once. Forced-sites mode
//! genotypes exactly the given alleles and reports every site.

use rust_htslib::bam::Read as _;

use super::blocks::reference_blocks;
use super::candidate::{Candidate, RefWindow};
use super::forced::{forced, not_assessed};
use super::genotype::{genotype, Priors, ReadLik, SiteEvidence};
use super::haplotype;
use super::pairhmm::PairHmm;
use super::pileup::{discover, Discovery, DiscoveryParams};
use super::reads::{self, AlignedRead, ReadFilter};
use super::reference::Reference;
use super::regions::Job;
use super::repeat;
use super::vcf::Record;
use crate::error::Result;

/// Reference loaded beyond the chunk on each side.
const REF_PAD: i64 = 2000;
/// Reads fetched beyond the chunk on each side.
const READ_PAD: i64 = 600;
/// Candidates discovered beyond the chunk on each side, so boundary groups are whole.
const DISCOVERY_PAD: i64 = 300;
/// Candidates closer than this join one haplotype-scored group.
const CLUSTER_GAP: i64 = 10;
/// Longest reference stretch one haplotype-scored group may cover.
const MAX_GROUP_SPAN: i64 = 100;

/// Caller settings shared by all jobs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub filter: ReadFilter,
    pub discovery: DiscoveryParams,
    pub priors: Priors,
    /// Variant records below this QUAL are not written.
    pub min_qual: f64,
    pub hmm: PairHmm,
    /// Write gVCF-style reference blocks between variant records.
    pub ref_blocks: bool,
}

/// Input files and the output's contig list (reference contigs first, then contigs only named
/// by forced sites).
#[derive(Debug)]
pub struct Inputs {
    pub bam: std::path::PathBuf,
    pub reference: std::path::PathBuf,
    pub contigs: Vec<(String, Option<u64>)>,
}

/// Run one job and return its VCF lines.
pub fn run_job(inputs: &Inputs, s: &Settings, job: &Job) -> Result<String> {
    let (name, len) = &inputs.contigs[job.contig];
    let Some(len) = len.map(|l| l as i64) else {
        let sites = job.sites.as_deref().unwrap_or_default();
        return Ok(sites
            .iter()
            .map(|site| not_assessed(site).line(name))
            .collect());
    };
    let bam_name = inputs.bam.display().to_string();
    let mut bam = super::input::open_indexed(&inputs.bam, &inputs.reference)?;
    let reads = match bam.header().tid(name.as_bytes()) {
        Some(tid) => reads::load(
            &mut bam,
            &bam_name,
            tid,
            job.start - READ_PAD,
            job.end + READ_PAD,
            s.filter,
        )?,
        None => Vec::new(),
    };
    let reference = Reference::open(&inputs.reference)?;
    let from = (job.start - REF_PAD).max(0);
    let refw = RefWindow {
        start: from,
        seq: reference.fetch(name, from as u64, (job.end + REF_PAD).min(len) as u64)?,
    };
    match &job.sites {
        Some(sites) => Ok(forced(&reads, &refw, sites, s, inputs, len)?
            .iter()
            .map(|r| r.line(name))
            .collect()),
        None => {
            let (records, found) = discovered(&reads, &refw, job, s);
            Ok(render(name, &records, &found, &refw, job, s))
        }
    }
}

/// The records' lines, interleaved with reference blocks when those are asked for.
fn render(
    name: &str,
    records: &[Record],
    found: &Discovery,
    refw: &RefWindow,
    job: &Job,
    s: &Settings,
) -> String {
    if !s.ref_blocks {
        return records.iter().map(|r| r.line(name)).collect();
    }
    let covered: Vec<(i64, i64)> = records
        .iter()
        .map(|r| (r.pos, r.pos + r.alleles[0].len() as i64))
        .collect();
    let blocks = reference_blocks(found, refw, job.start, job.end, &covered, s.priors.snv);
    let mut lines: Vec<(i64, String)> = records.iter().map(|r| (r.pos, r.line(name))).collect();
    lines.extend(blocks.iter().map(|b| (b.pos, b.line(name))));
    lines.sort_by_key(|(pos, _)| *pos);
    lines.into_iter().map(|(_, l)| l).collect()
}

fn discovered(
    reads: &[AlignedRead],
    refw: &RefWindow,
    job: &Job,
    s: &Settings,
) -> (Vec<Record>, Discovery) {
    let found = discover(
        reads,
        refw,
        job.start - DISCOVERY_PAD,
        job.end + DISCOVERY_PAD,
        &s.discovery,
    );
    let cands = &found.candidates;
    let max_span = reads.iter().map(|r| r.end() - r.start).max().unwrap_or(0);
    let mut out = Vec::new();
    for group in cluster(cands) {
        let single_snv = group.iter().all(|c| c.is_snv() && c.pos == group[0].pos);
        let evidence: Vec<(SiteEvidence, bool)> = if single_snv {
            let mut alleles = vec![group[0].reference.clone()];
            alleles.extend(group.iter().map(|c| c.alt.clone()));
            vec![(
                pileup_evidence(reads, max_span, group[0].pos, alleles, s.discovery.min_bq),
                false,
            )]
        } else {
            let loci = haplotype::loci(&group, refw);
            let extent = repeat::window_extent(&group, refw);
            haplotype::score(reads, refw, &loci, extent, &s.hmm)
                .into_iter()
                .map(|e| (e, true))
                .collect()
        };
        for (ev, hap) in evidence {
            if ev.pos >= job.start && ev.pos < job.end {
                out.extend(variant_record(ev, hap, s));
            }
        }
    }
    out.sort_by(|a, b| (a.pos, &a.alleles).cmp(&(b.pos, &b.alleles)));
    (out, found)
}

/// Candidates (sorted) grouped so that members lie within [`CLUSTER_GAP`] of the group's extent.
/// A group stops growing at [`MAX_GROUP_SPAN`], so a dense, messy stretch cannot turn into one
/// huge window whose scoring cost grows with its length times its haplotypes.
fn cluster(cands: &[Candidate]) -> Vec<Vec<Candidate>> {
    let mut groups: Vec<Vec<Candidate>> = Vec::new();
    let mut end = i64::MIN;
    for c in cands {
        match groups.last_mut() {
            Some(g) if c.pos <= end + CLUSTER_GAP && c.shift_end - g[0].pos <= MAX_GROUP_SPAN => {
                g.push(c.clone());
                end = end.max(c.shift_end);
            }
            _ => {
                groups.push(vec![c.clone()]);
                end = c.shift_end;
            }
        }
    }
    groups
}

/// Per-read allele likelihoods at a single-base site from the bases the reads show there.
pub(super) fn pileup_evidence(
    reads: &[AlignedRead],
    max_span: i64,
    pos: i64,
    alleles: Vec<Vec<u8>>,
    min_bq: u8,
) -> SiteEvidence {
    let lo = reads.partition_point(|r| r.start < pos - max_span);
    let hi = reads.partition_point(|r| r.start <= pos);
    let mut ev = SiteEvidence {
        pos,
        alleles,
        reads: Vec::new(),
        depth: 0,
    };
    for read in &reads[lo..hi] {
        let Some((base, q)) = read.base_at(pos) else {
            continue;
        };
        if q < min_bq {
            continue;
        }
        ev.depth += 1;
        if !ev.alleles.iter().any(|a| a[0] == base) {
            continue;
        }
        let e = 10f64.powf(-f64::from(q.min(read.mapq)) / 10.0);
        let (hit, miss) = ((1.0 - e).log10(), (e / 3.0).log10());
        let lik = ev
            .alleles
            .iter()
            .map(|a| if a[0] == base { hit } else { miss })
            .collect();
        ev.reads.push(ReadLik {
            lik,
            reverse: read.reverse,
            mapq: read.mapq,
        });
    }
    ev
}

/// A record for a discovered site when its best genotype carries an alternate allele, keeping only
/// the alleles of that genotype and trimming the shared bases.
fn variant_record(ev: SiteEvidence, hap: bool, s: &Settings) -> Option<Record> {
    let g = genotype(&ev, &s.priors);
    let (a, b) = g.gt?;
    if (a, b) == (0, 0) || g.qual < s.min_qual {
        return None;
    }
    let mut keep = vec![0, a, b];
    keep.dedup();
    let (ev, g) = if keep.len() < ev.alleles.len() {
        let sub = subset(&ev, &keep);
        let g = genotype(&sub, &s.priors);
        (sub, g)
    } else {
        (ev, g)
    };
    if g.gt == Some((0, 0)) {
        return None;
    }
    let (pos, alleles) = trim(ev.pos, ev.alleles);
    Some(Record {
        pos,
        id: String::new(),
        alleles,
        call: g,
        depth: ev.depth,
        haplotype_scored: hap,
        other_allele: false,
    })
}

pub(super) fn subset(ev: &SiteEvidence, keep: &[usize]) -> SiteEvidence {
    SiteEvidence {
        pos: ev.pos,
        alleles: keep.iter().map(|&i| ev.alleles[i].clone()).collect(),
        reads: ev
            .reads
            .iter()
            .map(|r| ReadLik {
                lik: keep.iter().map(|&i| r.lik[i]).collect(),
                ..r.clone()
            })
            .collect(),
        depth: ev.depth,
    }
}

/// Remove bases shared by all alleles at the end, then at the start (keeping one base).
pub fn trim(mut pos: i64, mut alleles: Vec<Vec<u8>>) -> (i64, Vec<Vec<u8>>) {
    while alleles.iter().all(|a| a.len() > 1)
        && alleles.iter().all(|a| a.last() == alleles[0].last())
    {
        alleles.iter_mut().for_each(|a| {
            a.pop();
        });
    }
    while alleles.iter().all(|a| a.len() > 1) && alleles.iter().all(|a| a[0] == alleles[0][0]) {
        alleles.iter_mut().for_each(|a| {
            a.remove(0);
        });
        pos += 1;
    }
    (pos, alleles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multiallelic_pileup_site_is_called_with_both_alternates() {
        use super::super::reads::Op;
        let refw = RefWindow {
            start: 0,
            seq: b"GATTACAGATTACA".to_vec(),
        };
        let read = |seq: &[u8]| AlignedRead {
            start: 0,
            ops: vec![Op::Match(14)],
            seq: seq.to_vec(),
            qual: vec![30; 14],
            mapq: 60,
            reverse: false,
        };
        let mut reads: Vec<_> = (0..6).map(|_| read(b"GATTCCAGATTACA")).collect();
        reads.extend((0..6).map(|_| read(b"GATTGCAGATTACA")));
        let s = Settings {
            filter: ReadFilter { min_mapq: 20 },
            discovery: DiscoveryParams::default(),
            priors: Priors::default(),
            min_qual: 5.0,
            hmm: PairHmm::default(),
            ref_blocks: false,
        };
        let job = Job {
            contig: 0,
            start: 0,
            end: 14,
            sites: None,
        };
        let (records, _) = discovered(&reads, &refw, &job, &s);
        assert_eq!(records.len(), 1);
        assert_eq!(
            records[0].alleles,
            vec![b"A".to_vec(), b"C".to_vec(), b"G".to_vec()]
        );
        assert_eq!(records[0].call.gt, Some((1, 2)));
    }

    #[test]
    fn trimming_removes_shared_padding() {
        assert_eq!(
            trim(10, vec![b"ACT".to_vec(), b"AGT".to_vec()]),
            (11, vec![b"C".to_vec(), b"G".to_vec()])
        );
        assert_eq!(
            trim(10, vec![b"CAA".to_vec(), b"CA".to_vec()]),
            (10, vec![b"CA".to_vec(), b"C".to_vec()])
        );
    }

    #[test]
    fn clusters_join_nearby_candidates() {
        let a = Candidate::snv(100, b'A', b'G', 3);
        let b = Candidate::snv(105, b'A', b'G', 3);
        let c = Candidate::snv(200, b'A', b'G', 3);
        let groups = cluster(&[a, b, c]);
        assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), vec![2, 1]);
        // A run of candidates every 8 bp is cut into groups of at most MAX_GROUP_SPAN.
        let run: Vec<_> = (0..40)
            .map(|i| Candidate::snv(1000 + 8 * i, b'A', b'G', 3))
            .collect();
        let groups = cluster(&run);
        assert!(
            groups.len() > 1
                && groups
                    .iter()
                    .all(|g| g.last().unwrap().pos - g[0].pos <= MAX_GROUP_SPAN)
        );
    }
}
