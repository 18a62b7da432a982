//! Matching on literal variants: each representation difference the comparison must see through.

use std::io::Write;

use super::*;
use crate::eval::vcf::{read_calls, VcfInput};

//                   0         1         2         3
//                   0123456789012345678901234567890123456789
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
    assert_eq!(t.len(), 2);
    // Split as `bcftools norm -m-any` writes it, with the ALTs reordered, and phased.
    for q in [
        &["11 T C 1/0", "11 T G 0/1"][..],
        &["11 T G,C 2/1"],
        &["11 T G,C 1|2"],
    ] {
        let q = calls(q, false);
        let (ts, qs) = run(&t, &q, None);
        assert!(all_matched(&ts) && all_matched(&qs), "{q:?}");
        assert!(ts.iter().all(|s| s.genotype_match == Some(true)), "{q:?}");
    }
    // One ALT missing: the other still matches, with its genotype.
    let (ts, _) = run(&t, &calls(&["11 T G 0/1"], false), None);
    assert_eq!(
        (ts[0].matched, ts[1].matched, ts[1].genotype_match),
        (false, true, Some(true))
    );
}

#[test]
fn two_records_of_one_allele_are_a_homozygous_call() {
    // Two het deletions of one A at either end of the run are, left-aligned, one allele twice.
    let t = calls(&["2 CA C 1/1"], true);
    let q = calls(&["2 CA C 0|1", "6 AA A 1|0"], true);
    assert_eq!(q.len(), 1);
    let (ts, qs) = run(&t, &q, Some(REF));
    assert!(all_matched(&ts) && all_matched(&qs));
    assert_eq!(ts[0].genotype_match, Some(true));
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
fn genotype_errors_are_counted_as_missing_or_extra_copies() {
    // 1/1 called 0/1 is a copy short (Aardvark: FN), 0/1 called 1/1 a copy too many (FP).
    let t: Calls = [(
        "c1".to_string(),
        calls(&["11 T C 1/1", "14 A G 0/1"], false),
    )]
    .into();
    let q: Calls = [(
        "c1".to_string(),
        calls(&["11 T C 0/1", "14 A G 1/1"], false),
    )]
    .into();
    let (c, _) = compare(&t, &q, None, None).unwrap();
    assert_eq!((c.snv.genotype_under, c.snv.query_genotype_over), (1, 1));
    let copies = &c.snv.to_json()["copies"];
    assert_eq!(
        (&copies["tp"], &copies["fp"], &copies["fn"]),
        (&1.into(), &1.into(), &1.into())
    );
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
