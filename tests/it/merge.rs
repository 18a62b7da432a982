//! `cairn step merge` driven as a binary: two per-sample VCFs into one bgzipped, indexed VCF.

use std::process::Command;

fn vcf(sample: &str, body: &str) -> String {
    format!(
        "##fileformat=VCFv4.3\n##contig=<ID=c,length=1000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n{body}"
    )
}

#[test]
fn merges_samples_fills_no_calls_and_rejects_duplicate_names() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.vcf");
    let b = dir.path().join("b.vcf");
    std::fs::write(
        &a,
        vcf(
            "A",
            "c\t100\t.\tG\tT\t60\tPASS\t.\tGT:GQ:DP:AD\t0/1:50:20:10,10\n",
        ),
    )
    .unwrap();
    std::fs::write(
        &b,
        vcf(
            "B",
            "c\t200\t.\tC\tA\t70\tPASS\t.\tGT:GQ:DP:AD\t1/1:40:15:0,15\n",
        ),
    )
    .unwrap();
    let out = dir.path().join("cohort.vcf.gz");
    let run = |inputs: &[&std::path::Path]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
        cmd.args(["step", "merge", "--out"])
            .arg(&out)
            .arg("--vcf")
            .args(inputs);
        cmd.output().unwrap()
    };
    let ok = run(&[&a, &b]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(dir.path().join("cohort.vcf.gz.tbi").exists());
    let text = Command::new("gzip")
        .arg("-dc")
        .arg(&out)
        .output()
        .unwrap()
        .stdout;
    let text = String::from_utf8(text).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][9..], &["0/1:50:20:10,10", "./.:.:.:."]);
    assert_eq!(&rows[1][9..], &["./.:.:.:.", "1/1:40:15:0,15"]);

    let dup = run(&[&a, &a]);
    assert_eq!(dup.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("sample A appears in both"));
}
