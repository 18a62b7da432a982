//! Germline comparison: which truth alleles the query found, and which query alleles are true.
//!
//! Per contig, in two passes. First allele-exact: after normalisation most true calls are spelled
//! exactly like their truth allele, and a merge-join of the two sorted lists finds them. Then the
//! leftovers of both sides are clustered by distance and handed to the haplotype matcher, which finds
//! the calls that are the same sequence written differently. Whatever is still unmatched is a false
//! negative (truth) or a false positive (query).
//!
//! Counting follows hap.py: recall counts truth alleles (TRUTH.TP / (TRUTH.TP + FN)), precision counts
//! query alleles (QUERY.TP / (QUERY.TP + FP)), so an MNP matched by two SNVs is one truth TP and two
//! query TPs. A TP is an allele match; whether the genotype matched too is genotype concordance.
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
            count_truth(counts.class_mut(v.class()), s);
        }
        for (v, s) in q.iter().zip(&qs).filter(|(v, _)| inside(v)) {
            let c = counts.class_mut(v.class());
            c.query_total += 1;
            c.query_tp += u64::from(s.matched);
            c.query_genotype_mismatch += u64::from(s.genotype_match == Some(false));
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
mod tests {
    use std::io::Write;

    use super::*;
    use crate::eval::vcf::{read_calls, VcfInput};

    //                 0         1         2         3
    //                 0123456789012345678901234567890123456789
    const REF: &[u8] = b"GCAAAAATGCTTCACACAGGATGCCTAGGACCATTGACGT";

    fn v(pos: u64, r: &str, a: &str, z: Zygosity) -> Variant {
        Variant {
            pos,
            ref_allele: r.into(),
            alt: a.into(),
            zygosity: z,
            record: 0,
        }
    }

    /// Write a one-sample VCF with `lines` (`pos ref alt gt`, 1-based pos) and read it back.
    fn calls(lines: &[&str], reference: bool) -> Vec<Variant> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.vcf");
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, "##fileformat=VCFv4.2\n##contig=<ID=c1,length=40>").unwrap();
        writeln!(
            f,
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">"
        )
        .unwrap();
        writeln!(
            f,
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts"
        )
        .unwrap();
        for l in lines {
            let x: Vec<&str> = l.split(' ').collect();
            writeln!(
                f,
                "c1\t{}\t.\t{}\t{}\t.\tPASS\t.\tGT\t{}",
                x[0], x[1], x[2], x[3]
            )
            .unwrap();
        }
        drop(f);
        let fa = dir.path().join("r.fa");
        std::fs::write(&fa, [b">c1\n".as_slice(), REF, b"\n"].concat()).unwrap();
        let mut r = reference.then(|| Reference::open(&fa).unwrap());
        let (mut c, _) = read_calls(
            &VcfInput {
                path: &path,
                sample: None,
            },
            r.as_mut(),
        )
        .unwrap();
        c.shift_remove("c1").unwrap_or_default()
    }

    fn run(t: &[Variant], q: &[Variant], seq: Option<&[u8]>) -> (Vec<Status>, Vec<Status>) {
        let (ts, qs, skipped) = compare_contig(t, q, seq);
        assert_eq!(skipped, 0);
        (ts, qs)
    }

    fn all_matched(s: &[Status]) -> bool {
        s.iter().all(|s| s.matched)
    }

    #[test]
    fn left_and_right_shifted_indels_in_a_repeat_match() {
        use Zygosity::Het;
        // Deleting one A of the AAAAA run (2..7): anchored at the C (1) or at the last A (5).
        let left = [v(1, "CA", "C", Het)];
        let right = [v(5, "AA", "A", Het)];
        // With the reference the haplotype matcher sees the same sequence.
        let (ts, qs) = run(&left, &right, Some(REF));
        assert!(all_matched(&ts) && all_matched(&qs) && ts[0].by_haplotype);
        assert_eq!(ts[0].genotype_match, Some(true));
        // Without it, only if the REF alleles cover the repeat between them...
        assert!(all_matched(&run(&left, &[v(2, "AA", "A", Het)], None).0));
        // ...and never across bases no allele shows.
        assert!(!run(&left, &right, None).0[0].matched);
        // Reading with the reference left-aligns both spellings to the same allele.
        let t = calls(&["2 CA C 0/1"], true);
        let q = calls(&["6 AA A 0/1"], true);
        assert_eq!(
            t,
            q.iter()
                .map(|x| Variant {
                    record: 1,
                    ..x.clone()
                })
                .collect::<Vec<_>>()
        );
        let (ts, _) = run(&t, &q, Some(REF));
        assert!(ts[0].matched && !ts[0].by_haplotype);
    }

    #[test]
    fn split_multiallelic_matches_its_two_records() {
        let t = calls(&["11 T C,G 1/2"], false);
        let q = calls(&["11 T C 0/1", "11 T G 0/1"], false);
        assert_eq!(t.len(), 2);
        let (ts, qs) = run(&t, &q, None);
        assert!(all_matched(&ts) && all_matched(&qs));
        // 1/2 is two het-alt alleles; two 0/1 records claim two het-ref alleles: a genotype error.
        assert_eq!(ts[0].genotype_match, Some(false));
        let q = calls(&["11 T G,C 2/1"], false);
        assert!(run(&t, &q, None)
            .0
            .iter()
            .all(|s| s.genotype_match == Some(true)));
    }

    #[test]
    fn mnp_matches_two_snvs() {
        use Zygosity::Hom;
        // Reading decomposes the MNP (as hap.py does), so the match is allele-exact...
        let t = calls(&["22 TGC AGG 1/1"], true);
        let q = calls(&["22 T A 1/1", "24 C G 1/1"], true);
        assert_eq!(
            t.iter().map(Variant::key).collect::<Vec<_>>(),
            q.iter().map(Variant::key).collect::<Vec<_>>()
        );
        let (ts, qs) = run(&t, &q, Some(REF));
        assert!(all_matched(&ts) && all_matched(&qs) && !ts[0].by_haplotype);
        // ...and an MNP kept whole is matched by haplotype: 1 truth TP, 2 query TPs.
        let t = [v(21, "TGC", "AGG", Hom)];
        let q = [v(21, "T", "A", Hom), v(23, "C", "G", Hom)];
        let (ts, qs) = run(&t, &q, Some(REF));
        assert!(all_matched(&ts) && all_matched(&qs) && ts[0].by_haplotype);
        assert_eq!(qs[1].genotype_match, Some(true));
    }

    #[test]
    fn complex_allele_matches_its_primitives() {
        use Zygosity::Het;
        // ATG>CT at 20 is an A>C SNV plus a G deletion; the query writes the two separately.
        let t = [v(20, "ATG", "CT", Het)];
        let q = [v(20, "A", "C", Het), v(21, "TG", "T", Het)];
        let (ts, qs) = run(&t, &q, Some(REF));
        assert!(all_matched(&ts) && all_matched(&qs));
        // Two hets may sit on the same haplotype, so the genotypes agree with one het complex allele.
        assert_eq!(ts[0].genotype_match, Some(true));
        // A different deletion is not the same sequence.
        let (ts, qs) = run(
            &t,
            &[v(20, "A", "C", Het), v(22, "GC", "G", Het)],
            Some(REF),
        );
        assert!(!ts[0].matched && !qs[1].matched);
    }

    #[test]
    fn genotype_mismatch_is_a_tp_with_discordant_genotype() {
        let t = calls(&["11 T C 1/1", "14 A G 0/1"], false);
        let q = calls(&["11 T C 0/1", "14 A G 0|1"], false);
        let (ts, _) = run(&t, &q, None);
        assert!(all_matched(&ts));
        assert_eq!(ts[0].genotype_match, Some(false));
        assert_eq!(ts[1].genotype_match, Some(true));
    }

    #[test]
    fn false_calls_and_missed_calls_stay_unmatched() {
        let t = calls(&["11 T C 0/1", "31 C A 0/1"], false);
        let q = calls(&["11 T G 0/1", "35 T A 0/0", "38 C T ./."], false);
        assert_eq!(q.len(), 1, "0/0 and ./. are not calls");
        let (ts, qs) = run(&t, &q, None);
        assert!(!ts[0].matched && !ts[1].matched && !qs[0].matched);
    }

    #[test]
    fn regions_restrict_what_is_counted() {
        let t: Calls = [(
            "c1".to_string(),
            calls(&["2 C A 0/1", "22 T C 0/1", "31 C A 0/1"], false),
        )]
        .into();
        let q: Calls = [(
            "c1".to_string(),
            calls(&["2 C A 0/1", "22 T G 0/1", "35 T A 0/1"], false),
        )]
        .into();
        let (all, _) = compare(&t, &q, None, None).unwrap();
        assert_eq!((all.snv.truth_tp, all.snv.fn_(), all.snv.fp()), (1, 2, 2));
        // Positions 15..25 (0-based, half-open): only the T>C / T>G pair at 21 counts.
        let dir = tempfile::tempdir().unwrap();
        let bed = dir.path().join("r.bed");
        std::fs::write(&bed, "c1\t15\t25\n").unwrap();
        let r = Regions::from_path(&bed).unwrap();
        let (inside, _) = compare(&t, &q, None, Some(&r)).unwrap();
        assert_eq!(
            (
                inside.snv.truth_total,
                inside.snv.truth_tp,
                inside.snv.fn_(),
                inside.snv.fp()
            ),
            (1, 0, 1, 1)
        );
    }
}
