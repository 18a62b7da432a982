//! `cairn step simulate` end to end: the files appear, are well-formed, and do not depend on threads.

use std::io::Read;
use std::path::Path;
use std::process::Command;

fn simulate(out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "step",
            "simulate",
            "--size",
            "30000",
            "--contigs",
            "2",
            "--coverage",
            "8",
            "--seed",
            "5",
        ])
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run cairn")
}

const FILES: [&str; 6] = [
    "ref.fa",
    "ref.fa.fai",
    "truth.vcf.gz",
    "truth.vcf.gz.tbi",
    "reads_1.fq.gz",
    "reads_2.fq.gz",
];

#[test]
fn same_seed_same_bytes_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(simulate(&a, &["--threads", "1", "--tumour"])
        .status
        .success());
    assert!(simulate(&b, &["--threads", "3", "--tumour"])
        .status
        .success());
    for f in FILES {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(!x.is_empty(), "{f} is empty");
        assert!(x == y, "{f} differs between 1 and 3 threads");
    }
    for f in [
        "somatic.vcf.gz",
        "somatic.vcf.gz.tbi",
        "tumour_1.fq.gz",
        "tumour_2.fq.gz",
    ] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(
            !x.is_empty() && x == y,
            "{f} empty or differs between 1 and 3 threads"
        );
    }
    assert!(
        std::fs::read(a.join("tumour_1.fq.gz")).unwrap()
            != std::fs::read(a.join("reads_1.fq.gz")).unwrap()
    );
    let fai = std::fs::read_to_string(a.join("ref.fa.fai")).unwrap();
    assert!(fai.starts_with("chr1\t15000\t"), "{fai}");
}

#[test]
fn bad_variants_file_fails_without_publishing() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = dir.path().join("v.vcf");
    std::fs::write(&vcf, "#CHROM\tPOS\tID\tREF\tALT\nchrX\t10\t.\tA\tG\n").unwrap();
    let out = dir.path().join("out");
    let result = simulate(&out, &["--variants", vcf.to_str().unwrap()]);
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("v.vcf: line 2: contig `chrX` is not in the reference"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "no partial output"
    );
}

#[test]
fn plants_a_real_truth_set_into_a_real_reference() {
    let data = std::env::var_os("CAIRN_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let chunk = data.join("grch38-chr22");
    if !chunk.is_dir() {
        eprintln!("skipping plants_a_real_truth_set_into_a_real_reference: ../shared/data is absent (set CAIRN_SHARED_DATA)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reference = chunk.join("reference/chr22_16570000_16610000.fa");
    let truth = chunk.join("truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz");
    let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "step",
            "simulate",
            "--coverage",
            "2",
            "--sample",
            "NA12878",
            "--out",
        ])
        .arg(dir.path())
        .arg("--reference")
        .arg(&reference)
        .arg("--variants")
        .arg(&truth)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(
        std::fs::File::open(dir.path().join("truth.vcf.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    let records: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    // 81 records; multi-allelic sites split per allele and `*` alleles plant nothing: 83.
    assert_eq!(records.len(), 83);
    assert!(text.contains("##contig=<ID=chr22,length=40001>"));
    assert!(
        records
            .iter()
            .all(|r| r.ends_with("|1") || r.ends_with("|0")),
        "genotypes are phased"
    );
    assert_eq!(
        std::fs::read(dir.path().join("ref.fa")).unwrap().len(),
        std::fs::read(&reference).unwrap().len()
    );
}

#[test]
fn given_somatic_variants_keep_their_allele_fractions() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = dir.path().join("somatic.vcf");
    let head = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\n";
    std::fs::write(&vcf, format!("{head}chr2\t5000\t.\tA\tG\t.\t.\tAF=0.25\tGT\t1|0\nchr1\t7000\t.\tC\tCTT\t.\t.\tAF=0.1\n")).unwrap();
    let out = dir.path().join("out");
    let run = simulate(
        &out,
        &[
            "--tumour",
            "--somatic",
            vcf.to_str().unwrap(),
            "--snv-rate",
            "0",
            "--indel-rate",
            "0",
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(out.join("somatic.vcf.gz")).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let records: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(records.len(), 2, "{text}");
    assert!(
        records[0].starts_with("chr1\t") && records[0].contains("AF=0.1\tGT\t0|1"),
        "{}",
        records[0]
    );
    assert!(
        records[1].starts_with("chr2\t5000\t.\tA\tG\t.\tPASS\tAF=0.25\tGT\t1|0"),
        "{}",
        records[1]
    );
    let fasta = std::fs::read_to_string(out.join("ref.fa")).unwrap();
    let chr2: String = fasta.split(">chr2\n").nth(1).unwrap().lines().collect();
    assert_eq!(
        &chr2[4999..5000],
        "A",
        "REF planted into the simulated reference"
    );
}
