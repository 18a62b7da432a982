//! The `annotate` step on real data: GIAB NA12878 calls over GRCh38 chr22:16.57-16.61 Mb with
//! Ensembl 103 gene models, dbSNP and gnomAD (from the shared data, never copied here). The two
//! CCT8L2 coding variants must get the consequence and HGVS that snpEff 5.1 (built from the same
//! GTF) gives: c.958T>C p.Trp320Arg (missense) and c.375T>C p.Ala125= (synonymous).

use std::path::{Path, PathBuf};

use crate::support::cairn;

fn shared_chunk() -> Option<PathBuf> {
    let root = std::env::var_os("CAIRN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = root.join("grch38-chr22");
    if dir.join("annotation/ensembl103.chunk.gff3").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: shared grch38-chr22 data not found at {} (set CAIRN_SHARED_DATA)",
            dir.display()
        );
        None
    }
}

fn run(d: &Path, annotation: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = cairn();
    cmd.args(["step", "annotate", "--vcf"])
        .arg(d.join("truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz"))
        .arg("--annotation")
        .arg(d.join("annotation").join(annotation))
        .arg("--reference")
        .arg(d.join("reference/chr22_16570000_16610000.fa"))
        .arg("--out")
        .arg(out.join("a.vcf.gz"))
        .arg("--json")
        .arg(out.join("a.json"))
        .args(extra);
    cmd.output().unwrap()
}

fn cct8l2(json: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = json["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["most_severe"]["gene"] == "CCT8L2")
        .map(|v| {
            let m = &v["most_severe"];
            let s = |k: &str| m[k].as_str().unwrap_or_default().to_string();
            (
                m["consequences"][0].as_str().unwrap().to_string(),
                s("hgvsc"),
                s("hgvsp"),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn cct8l2_coding_variants_on_gff3_and_gtf() {
    let Some(d) = shared_chunk() else { return };
    let expected = vec![
        (
            "missense_variant".to_string(),
            "c.958T>C".to_string(),
            "p.Trp320Arg".to_string(),
        ),
        (
            "synonymous_variant".to_string(),
            "c.375T>C".to_string(),
            "p.Ala125=".to_string(),
        ),
    ];
    for annotation in ["ensembl103.chunk.gff3", "ensembl103.chunk.gtf"] {
        let tmp = tempfile::tempdir().unwrap();
        let dbsnp = format!(
            "dbsnp={}",
            d.join("known-sites/dbsnp_146.hg38.vcf.gz").display()
        );
        let gnomad = format!(
            "gnomad={}",
            d.join("known-sites/gnomAD.r2.1.1.vcf.gz").display()
        );
        let out = run(
            &d,
            annotation,
            tmp.path(),
            &["--source", &dbsnp, "--source", &gnomad],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(tmp.path().join("a.json")).unwrap())
                .unwrap();
        assert_eq!(cct8l2(&json), expected, "{annotation}");
        let variants = json["variants"].as_array().unwrap();
        let w320 = variants.iter().find(|v| v["pos"] == 21594).unwrap();
        assert_eq!(w320["sources"]["dbsnp"]["ID"], "rs2236639");
        assert!(w320["sources"]["gnomad"]["AF"]
            .as_str()
            .unwrap()
            .starts_with("0.908"));
        assert!(tmp.path().join("a.vcf.gz.tbi").is_file());
    }
}

#[test]
fn contigs_that_do_not_match_the_annotation_are_an_error() {
    let Some(d) = shared_chunk() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let gff = std::fs::read_to_string(d.join("annotation/ensembl103.chunk.gff3")).unwrap();
    std::fs::write(
        tmp.path().join("renamed.gff3"),
        gff.replace("chr22\t", "22\t"),
    )
    .unwrap();
    let mut cmd = cairn();
    let out = cmd
        .args(["step", "annotate", "--vcf"])
        .arg(d.join("truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz"))
        .arg("--annotation")
        .arg(tmp.path().join("renamed.gff3"))
        .arg("--reference")
        .arg(d.join("reference/chr22_16570000_16610000.fa"))
        .arg("--out")
        .arg(tmp.path().join("a.vcf.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("chr22 vs 22"), "{err}");
    assert!(!tmp.path().join("a.vcf.gz").exists());
}
