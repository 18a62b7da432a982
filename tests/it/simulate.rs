//! `cairn step simulate` end to end: the files appear, are well-formed, and do not depend on threads.

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
    assert!(simulate(&a, &["--threads", "1"]).status.success());
    assert!(simulate(&b, &["--threads", "3"]).status.success());
    for f in FILES {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(!x.is_empty(), "{f} is empty");
        assert!(x == y, "{f} differs between 1 and 3 threads");
    }
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
