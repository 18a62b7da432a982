//! End-to-end tests of `cairn step call` on synthetic BAMs with known variants.

use std::path::{Path, PathBuf};

use super::candidate::{Candidate, RefWindow};
use super::testdata::{make, make_with, ExtraRead, TrueVariant, Variant};
use super::{run, Args};

fn args(bam: &Path, reference: &Path, out: &Path, threads: usize, chunk: i64) -> Args {
    Args {
        bam: Some(bam.to_path_buf()),
        reference: reference.to_path_buf(),
        out: out.to_path_buf(),
        regions: None,
        sites: None,
        threads,
        sample: None,
        min_mapq: None,
        min_base_quality: 13,
        min_qual: 5.0,
        ref_blocks: false,
        chunk_size: chunk,
        somatic: Default::default(),
    }
}

fn records(path: &Path) -> Vec<Vec<String>> {
    let mut text = String::new();
    let file = std::fs::File::open(path).unwrap();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(file), &mut text).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

const VARIANTS: &[Variant] = &[
    (1000, "A", "C", (0, 1)),
    (2499, "A", "C", (1, 1)),
    (2520, "A", "C", (0, 1)),
    (4998, "AAAA", "A", (0, 1)),
    (7000, "A", "AGT", (1, 0)),
    (8000, "AA", "A", (1, 1)),
];

/// The expected (POS, REF, ALT, GT) of each variant after left-alignment.
fn expected(seq: &[u8], vars: &[TrueVariant]) -> Vec<(String, String, String, String)> {
    let w = RefWindow {
        start: 0,
        seq: seq.to_vec(),
    };
    vars.iter()
        .map(|(p, r, a, gt)| {
            let c = if r.len() > a.len() {
                Candidate::deletion(&w, p + 1, (r.len() - a.len()) as i64, 0).unwrap()
            } else if a.len() > r.len() {
                Candidate::insertion(&w, p + 1, &a.as_bytes()[1..], 0).unwrap()
            } else {
                Candidate::snv(*p, r.as_bytes()[0], a.as_bytes()[0], 0)
            };
            let gt = if gt.0 + gt.1 == 2 { "1/1" } else { "0/1" };
            let s = |v: &[u8]| String::from_utf8(v.to_vec()).unwrap();
            (
                (c.pos + 1).to_string(),
                s(&c.reference),
                s(&c.alt),
                gt.to_string(),
            )
        })
        .collect()
}

#[test]
fn calls_known_variants_identically_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, vars) = make(dir.path(), 10_000, 30, VARIANTS, 7);
    let one = dir.path().join("one.vcf.gz");
    let three = dir.path().join("three.vcf.gz");
    run(args(&ds.bam, &ds.reference, &one, 1, 2500)).unwrap();
    run(args(&ds.bam, &ds.reference, &three, 3, 2500)).unwrap();
    assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&three).unwrap());
    let tbi = |p: &Path| std::fs::read(PathBuf::from(format!("{}.tbi", p.display()))).unwrap();
    assert_eq!(tbi(&one), tbi(&three));
    let got: Vec<_> = records(&one)
        .into_iter()
        .map(|r| {
            (
                r[1].clone(),
                r[3].clone(),
                r[4].clone(),
                r[9].split(':').next().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, expected(&ds.seq, &vars));
}

#[test]
fn forced_sites_report_every_site_with_its_depth() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, vars) = make(dir.path(), 6000, 30, &VARIANTS[..1], 3);
    let seq = |p: usize| (ds.seq[p] as char).to_string();
    let sites = dir.path().join("sites.vcf");
    let body = format!(
        "##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nc1\t1001\trsA\t{}\t{}\t.\t.\t.\nc1\t3001\trsB\t{}\tT,G\t.\t.\t.\nc2\t101\trsC\tN\t.\t.\t.\t.\nchrUn\t5\trsD\tA\tG\t.\t.\t.\n",
        vars[0].1, vars[0].2, seq(3000)
    );
    let c2_base = "ACGT".chars().nth((100 * 7 + 100 / 3) % 4).unwrap();
    let wrong = ["A", "C", "G", "T"]
        .into_iter()
        .find(|b| *b != vars[0].1 && *b != vars[0].2)
        .unwrap();
    let body = format!("{body}c1\t1001\trsE\t{}\t{wrong}\t.\t.\t.\n", vars[0].1);
    std::fs::write(&sites, body.replace("\tN\t", &format!("\t{c2_base}\t"))).unwrap();
    let out = dir.path().join("forced.vcf.gz");
    run(Args {
        sites: Some(sites),
        ..args(&ds.bam, &ds.reference, &out, 2, 100_000)
    })
    .unwrap();
    let recs = records(&out);
    // (GT, DP, FILTER) of the record with this ID.
    let by_id = |id: &str| {
        let r = recs.iter().find(|r| r[2] == id).unwrap();
        let f: Vec<&str> = r[9].split(':').collect();
        (f[0].to_string(), f[2].parse::<u32>().unwrap(), r[6].clone())
    };
    assert_eq!(recs.len(), 5);
    assert_eq!(by_id("rsA").0, "0/1");
    let (gt, dp, _) = by_id("rsB");
    assert!(gt == "0/0" && dp > 10);
    assert_eq!(by_id("rsC"), ("./.".to_string(), 0, "LowDepth".to_string()));
    assert_eq!(by_id("rsD"), ("./.".to_string(), 0, "LowDepth".to_string()));
    // rsE lists an ALT the reads do not show while half of them show another: not genotypable.
    let (gt, dp, filter) = by_id("rsE");
    assert!(
        gt == "./." && dp > 10 && filter.contains("OtherAllele"),
        "{gt} {dp} {filter}"
    );
}

#[test]
fn bad_inputs_fail_with_messages_that_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, _) = make(dir.path(), 3000, 5, &[], 1);
    let out = dir.path().join("x.vcf.gz");
    let bare = dir.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    let unindexed = bare.join("reads.bam");
    std::fs::copy(&ds.bam, &unindexed).unwrap();
    let e = run(args(&unindexed, &ds.reference, &out, 1, 100_000))
        .unwrap_err()
        .message;
    assert!(
        e.contains("no index") && e.contains("samtools index") && e.contains("reads.bam"),
        "{e}"
    );
    let renamed = dir.path().join("renamed.fa");
    std::fs::write(&renamed, ">chr1\nACGT\n").unwrap();
    let e = run(args(&ds.bam, &renamed, &out, 1, 100_000))
        .unwrap_err()
        .message;
    assert!(
        e.contains("contig c1") && e.contains("not in reference") && e.contains("renamed.fa"),
        "{e}"
    );
    let shorter = dir.path().join("short.fa");
    std::fs::write(&shorter, ">c1\nACGT\n>c2\nACGT\n").unwrap();
    let e = run(args(&ds.bam, &shorter, &out, 1, 100_000))
        .unwrap_err()
        .message;
    assert!(e.contains("different assembly"), "{e}");
    assert!(!out.exists());
}

#[test]
fn duplicate_secondary_qc_fail_and_low_mapq_reads_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, _) = make(dir.path(), 4000, 12, &[], 5);
    // Reads showing a different base at 2000, each excluded by one rule.
    let mut alt = plain.seq[1950..2050].to_vec();
    alt[50] = if alt[50] == b'A' { b'C' } else { b'A' };
    let rules: [(u16, u8); 4] = [(0x400, 60), (0x100, 60), (0x200, 60), (0, 5)];
    let extra: Vec<ExtraRead> = rules
        .iter()
        .flat_map(|&(f, q)| (0..8).map(move |_| (f, q)))
        .map(|(f, q)| (1950, alt.clone(), f, q))
        .collect();
    let sub = dir.path().join("x");
    std::fs::create_dir(&sub).unwrap();
    let (ds, _) = make_with(&sub, 4000, 12, &[], 5, &extra);
    let out = sub.join("x.vcf.gz");
    run(args(&ds.bam, &ds.reference, &out, 1, 100_000)).unwrap();
    let at_2001 = |p: &Path| records(p).into_iter().filter(|r| r[1] == "2001").count();
    assert_eq!(at_2001(&out), 0, "{:?}", records(&out));
    // The same reads without the excluding flag make a call: the test can fail.
    let counted: Vec<ExtraRead> = (0..8).map(|_| (1950, alt.clone(), 0, 60)).collect();
    let sub2 = dir.path().join("y");
    std::fs::create_dir(&sub2).unwrap();
    let (ds2, _) = make_with(&sub2, 4000, 12, &[], 5, &counted);
    let out2 = sub2.join("y.vcf.gz");
    run(args(&ds2.bam, &ds2.reference, &out2, 1, 100_000)).unwrap();
    assert_eq!(at_2001(&out2), 1);
}

#[test]
fn reference_blocks_tile_the_contig_and_let_merge_fill_hom_ref() {
    let dir = tempfile::tempdir().unwrap();
    let a_dir = dir.path().join("a");
    let b_dir = dir.path().join("b");
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&b_dir).unwrap();
    let (a, _) = make(&a_dir, 5000, 20, &VARIANTS[..1], 11);
    let (b, _) = make(&b_dir, 5000, 20, &[], 11);
    let a_vcf = a_dir.join("a.vcf.gz");
    let b_vcf = b_dir.join("b.vcf.gz");
    run(Args {
        sample: Some("A".into()),
        ..args(&a.bam, &a.reference, &a_vcf, 2, 2000)
    })
    .unwrap();
    run(Args {
        sample: Some("B".into()),
        ref_blocks: true,
        ..args(&b.bam, &b.reference, &b_vcf, 2, 2000)
    })
    .unwrap();
    // B's records tile c1 (5,000 bp) without gaps or overlaps.
    let mut next = 1u64;
    for r in records(&b_vcf).iter().filter(|r| r[0] == "c1") {
        assert_eq!(r[1].parse::<u64>().unwrap(), next, "{r:?}");
        let end = r[7]
            .split(';')
            .find_map(|f| f.strip_prefix("END="))
            .map_or(next, |e| e.parse().unwrap());
        next = end + 1;
    }
    assert_eq!(next, 5001);
    let merged = dir.path().join("m.vcf.gz");
    let vcfs = vec![a_vcf, b_vcf, a_dir.join("none.vcf")];
    std::fs::write(
        &vcfs[2],
        "##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tC\n",
    )
    .unwrap();
    crate::merge::run(crate::merge::Args {
        vcfs,
        out: merged.clone(),
    })
    .unwrap();
    let m = records(&merged);
    assert_eq!(m.len(), 1, "{m:?}");
    let gts: Vec<&str> = m[0][9..]
        .iter()
        .map(|s| s.split(':').next().unwrap())
        .collect();
    assert_eq!(gts, vec!["0/1", "0/0", "./."]);
}

#[test]
fn regions_restrict_calling_to_the_bed_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, _) = make(dir.path(), 10_000, 30, VARIANTS, 7);
    let bed = dir.path().join("r.bed");
    std::fs::write(&bed, "c1\t2400\t2600\nc1\t7900\t8100\n").unwrap();
    let out = dir.path().join("r.vcf.gz");
    run(Args {
        regions: Some(bed),
        ..args(&ds.bam, &ds.reference, &out, 2, 100_000)
    })
    .unwrap();
    let positions: Vec<i64> = records(&out)
        .iter()
        .map(|r| r[1].parse().unwrap())
        .collect();
    assert!(
        positions.len() >= 3
            && positions
                .iter()
                .all(|p| (2401..=2600).contains(p) || (7901..=8100).contains(p)),
        "{positions:?}"
    );
}

/// A CRAM of the same reads decodes from the given reference and gives the BAM's calls.
#[test]
fn cram_input_gives_the_same_calls_as_bam() {
    let dir = tempfile::tempdir().unwrap();
    let (ds, _) = make(dir.path(), 10_000, 30, VARIANTS, 7);
    let cram = super::testdata::to_cram(&ds, &dir.path().join("reads.cram"));
    let (from_bam, from_cram) = (dir.path().join("b.vcf.gz"), dir.path().join("c.vcf.gz"));
    run(args(&ds.bam, &ds.reference, &from_bam, 2, 2500)).unwrap();
    let mut a = args(&cram, &ds.reference, &from_cram, 2, 2500);
    a.sample = Some("reads".into());
    run(a).unwrap();
    assert!(!records(&from_bam).is_empty());
    assert_eq!(records(&from_bam), records(&from_cram));
}
