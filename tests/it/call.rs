//! `cairn step call` driven as a binary on real NA12878 reads (grch38-chr22), aligned with the
//! peer tools bwa + samtools. Skips with a message when the shared data or the tools are absent.

use std::path::{Path, PathBuf};
use std::process::Command;

fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("CAIRN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    dir.join("grch38-chr22").is_dir().then_some(dir)
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

fn sh(cmd: &str) {
    let st = Command::new("bash").arg("-c").arg(cmd).status().unwrap();
    assert!(st.success(), "command failed: {cmd}");
}

fn gunzip(path: &Path) -> String {
    let out = Command::new("gzip").arg("-dc").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// (pos, ref, alt) of biallelic SNV records whose genotype carries the alternate allele.
fn snvs(vcf: &str) -> std::collections::BTreeSet<(u64, String, String)> {
    vcf.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| {
            f[3].len() == 1 && f[4].len() == 1 && f[9].split(':').next().unwrap().contains('1')
        })
        .map(|f| (f[1].parse().unwrap(), f[3].to_string(), f[4].to_string()))
        .collect()
}

#[test]
fn calls_na12878_chr22_snvs_and_rejects_an_unindexed_bam() {
    let Some(data) = shared_data() else {
        eprintln!("skipping: ../shared/data/grch38-chr22 not found (set CAIRN_SHARED_DATA)");
        return;
    };
    if !have("bwa") || !have("samtools") {
        eprintln!("skipping: bwa and samtools are needed to align the reads");
        return;
    }
    let g = data.join("grch38-chr22");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    sh(&format!(
        "cp {g}/reference/chr22_16570000_16610000.fa {d}/ref.fa && bwa index {d}/ref.fa 2>/dev/null && \
         bwa mem -t 2 {d}/ref.fa {g}/reads/NA12878_chr22_16570000_16610000_R1.fastq.gz \
         {g}/reads/NA12878_chr22_16570000_16610000_R2.fastq.gz 2>/dev/null | samtools sort -o {d}/a.bam - 2>/dev/null",
        g = g.display()
    ));
    let call = |bam: &str, out: &str| {
        Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args([
                "step",
                "call",
                "--bam",
                bam,
                "--reference",
                &format!("{d}/ref.fa"),
                "--out",
                out,
                "--threads",
                "2",
            ])
            .output()
            .unwrap()
    };
    let unindexed = call(&format!("{d}/a.bam"), &format!("{d}/x.vcf.gz"));
    assert_eq!(unindexed.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&unindexed.stderr);
    assert!(
        msg.contains("no index") && msg.contains("samtools index"),
        "{msg}"
    );

    sh(&format!("samtools index {d}/a.bam"));
    let ok = call(&format!("{d}/a.bam"), &format!("{d}/calls.vcf.gz"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(dir.path().join("calls.vcf.gz.tbi").exists());
    let truth = snvs(&gunzip(&g.join("truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz")));
    let calls = snvs(&gunzip(&dir.path().join("calls.vcf.gz")));
    let found = truth.intersection(&calls).count();
    assert!(
        found * 100 >= truth.len() * 95,
        "recall {found}/{}",
        truth.len()
    );
    assert!(
        found * 100 >= calls.len() * 80,
        "precision {found}/{}",
        calls.len()
    );
}
