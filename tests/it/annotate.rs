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

/// A ClinVar-format source and a user knowledge base on the CCT8L2 missense: the ClinVar record
/// with the same allele matches (one at the same position with another ALT does not), the
/// germline classification and stars follow CLNSIG/CLNREVSTAT, and a knowledge row on
/// `p.Trp320Arg` makes it AMP Tier I with its citation shown.
#[test]
fn clinvar_lookup_knowledge_and_tiers() {
    let Some(d) = shared_chunk() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let clinvar = tmp.path().join("clinvar.vcf.gz");
    let header = "##fileformat=VCFv4.2\n##contig=<ID=chr22,length=40001>\n\
##INFO=<ID=CLNSIG,Number=.,Type=String,Description=\"sig\">\n\
##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description=\"review\">\n\
##INFO=<ID=CLNDN,Number=.,Type=String,Description=\"disease\">\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
    let records = [
        "chr22\t21594\t111\tA\tC\t.\t.\tCLNSIG=Benign;CLNREVSTAT=criteria_provided,_single_submitter;CLNDN=wrong_allele\n",
        "chr22\t21594\t222\tA\tG\t.\t.\tCLNSIG=Pathogenic;CLNREVSTAT=reviewed_by_expert_panel;CLNDN=Test_condition\n",
    ];
    let parts =
        std::iter::once(Ok(header.to_string())).chain(records.iter().map(|r| Ok(r.to_string())));
    cairn_steps::call::vcf::write_bgzf_indexed(&clinvar, parts).unwrap();
    let kb = tmp.path().join("kb");
    std::fs::create_dir(&kb).unwrap();
    std::fs::write(
        kb.join("local.tsv"),
        "#cairn-knowledge\tversion=1\trelease=test\ngene\tvariant\tcondition\tdrugs\tevidence\tcontext\tsource\n\
CCT8L2\tp.W320R\tTest condition\tdrug-x\tA\tsomatic\tTest citation 2026\n",
    )
    .unwrap();
    let source = format!("clinvar={}", clinvar.display());
    let kb_arg = kb.display().to_string();
    let out = run(
        &d,
        "ensembl103.chunk.gff3",
        tmp.path(),
        &["--source", &source, "--knowledge", &kb_arg],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("a.json")).unwrap()).unwrap();
    let v = json["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["pos"] == 21594)
        .unwrap();
    assert_eq!(v["sources"]["clinvar"]["ID"], "222");
    assert_eq!(v["sources"]["clinvar"]["CLNDN"], "Test_condition");
    assert_eq!(v["germline"]["classification"], "pathogenic");
    assert_eq!(v["germline"]["review_stars"], 3);
    assert_eq!(v["amp_tier"], "I");
    assert_eq!(v["actionability"][0]["source"], "Test citation 2026");
    // Other variants: no ClinVar hit, no knowledge match.
    let other = json["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["pos"] == 22177)
        .unwrap();
    assert!(other["sources"].as_object().unwrap().is_empty());
    assert_eq!(other["actionability"].as_array().unwrap().len(), 0);
}

/// A REF that disagrees with the FASTA is flagged and reported, not dropped and not annotated.
#[test]
fn ref_mismatch_is_flagged_not_dropped() {
    let Some(d) = shared_chunk() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let fa = std::fs::read_to_string(d.join("reference/chr22_16570000_16610000.fa")).unwrap();
    let seq: String = fa.lines().skip(1).collect();
    let base = |p: usize| seq.as_bytes()[p - 1].to_ascii_uppercase() as char;
    let mut vcf =
        String::from("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
    for p in (1000..=30000).step_by(1000) {
        let alt = if base(p) == 'A' { 'C' } else { 'A' };
        vcf.push_str(&format!("chr22\t{p}\t.\t{}\t{alt}\t.\t.\t.\n", base(p)));
    }
    let p = 31594;
    let wrong = if base(p) == 'C' { 'G' } else { 'C' };
    vcf.push_str(&format!("chr22\t{p}\t.\t{wrong}\tT\t.\t.\t.\n"));
    std::fs::write(tmp.path().join("in.vcf"), vcf).unwrap();
    let out = cairn()
        .args(["step", "annotate", "--vcf"])
        .arg(tmp.path().join("in.vcf"))
        .arg("--annotation")
        .arg(d.join("annotation/ensembl103.chunk.gtf"))
        .arg("--reference")
        .arg(d.join("reference/chr22_16570000_16610000.fa"))
        .arg("--out")
        .arg(tmp.path().join("a.vcf.gz"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("disagrees with the reference"), "{err}");
    let text = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(tmp.path().join("a.vcf.gz"))
        .output();
    if let Ok(t) = text {
        let body = String::from_utf8_lossy(&t.stdout);
        assert_eq!(body.lines().filter(|l| !l.starts_with('#')).count(), 31);
        let flagged = body
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains("CAIRN_REF_MISMATCH"));
        assert_eq!(flagged.count(), 1);
    }
}

/// The kinds in a workflow: the model built once by `annotate-index`, sources bound as a list and
/// named by the `sources` param, in order.
#[test]
fn runs_in_a_workflow_with_named_sources() {
    let Some(d) = shared_chunk() else { return };
    let p = crate::support::Project::new();
    let s = |rel: &str| d.join(rel).display().to_string();
    let wf = format!(
        "name: annotate-chunk
steps:
  genes:
    kind: annotate-index
    in: {{ annotation: {} }}
  annotate:
    kind: annotate
    in:
      vcf: {}
      annotation: '{{{{ genes.model }}}}'
      reference: {}
      sources: [{}, {}]
    params: {{ sources: [dbsnp, gnomad] }}
    publish: true
",
        s("annotation/ensembl103.chunk.gtf"),
        s("truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz"),
        s("reference/chr22_16570000_16610000.fa"),
        s("known-sites/dbsnp_146.hg38.vcf.gz"),
        s("known-sites/gnomAD.r2.1.1.vcf.gz"),
    );
    let path = p.write("annotate.yaml", &wf);
    let r = p.run(&[
        "run",
        &path.display().to_string(),
        "--progress",
        "plain",
        "--outdir",
        "results",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("results/annotate/annotate.annotated.json"))
            .unwrap(),
    )
    .unwrap();
    let names: Vec<&str> = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dbsnp", "gnomad"]);
    assert!(p
        .path()
        .join("results/annotate/annotate.annotated.vcf.gz.tbi")
        .is_file());
}
