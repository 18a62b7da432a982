//! `cairn step eval` on the shared benchmark data: som.py's published counts, self-comparisons,
//! perturbed copies with known counts, and shifted indels against a real reference.

mod perturb;
mod somatic;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("CAIRN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if dir.join("vcf-benchmarks").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: shared test data not found at {} (set CAIRN_SHARED_DATA)",
            dir.display()
        );
        None
    }
}

/// Run `cairn step eval <args> --json <tmp>` and return the JSON report.
fn eval(args: &[&Path], flags: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.args(["step", "eval"])
        .args(flags)
        .arg("--json")
        .arg(&json);
    for pair in args.chunks(2) {
        cmd.arg(pair[0]).arg(pair[1]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "eval failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

fn p(s: &str) -> &Path {
    Path::new(s)
}

fn counts(r: &Value, class: &str) -> [u64; 4] {
    ["tp", "fp", "fn", "genotype_mismatch"].map(|k| r[class][k].as_u64().unwrap())
}

/// A truth set against itself, then against a perturbed copy with known differences.
fn self_and_perturbed(truth: &Path, bed: &Path) {
    let me = eval(
        &[
            p("--truth"),
            truth,
            p("--query"),
            truth,
            p("--regions"),
            bed,
        ],
        &[],
    );
    for class in ["snv", "indel"] {
        assert_eq!(me[class]["fp"], 0, "{class}");
        assert_eq!(me[class]["fn"], 0, "{class}");
        assert_eq!(me[class]["f1"], 1.0, "{class}");
        assert_eq!(me[class]["genotype_concordance"], 1.0, "{class}");
    }
    let whole = eval(&[p("--truth"), truth, p("--query"), truth], &[]);
    let (text, exp) = perturb::perturb(&perturb::read_text(truth));
    assert!(
        exp.rewritten > 0 && exp.missed.values().sum::<u64>() > 100,
        "{exp:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let query = dir.path().join("perturbed.vcf");
    std::fs::write(&query, text).unwrap();
    let r = eval(&[p("--truth"), truth, p("--query"), &query], &[]);
    eprintln!(
        "{}: {exp:?}\nsnv {}\nindel {}",
        truth.display(),
        r["snv"],
        r["indel"]
    );
    for class in ["snv", "indel"] {
        let total = whole[class]["tp"].as_u64().unwrap();
        let missed = exp.missed.get(class).copied().unwrap_or(0);
        let false_calls = exp.false_calls.get(class).copied().unwrap_or(0);
        let flips = exp.genotype_flips.get(class).copied().unwrap_or(0);
        assert_eq!(
            counts(&r, class),
            [total - missed, false_calls, missed, flips],
            "{class}: tp, fp, fn, gt mismatch"
        );
    }
}

/// Touching variants written as one complex record still match, by haplotype, with nothing lost.
fn merged_neighbours_match(truth: &Path) {
    let (text, merged) = perturb::merge_neighbours(&perturb::read_text(truth));
    assert!(merged > 100, "only {merged} pairs merged");
    let dir = tempfile::tempdir().unwrap();
    let query = dir.path().join("merged.vcf");
    std::fs::write(&query, text).unwrap();
    let r = eval(&[p("--truth"), truth, p("--query"), &query], &[]);
    eprintln!(
        "{}: {merged} merged\nsnv {}\nindel {}",
        truth.display(),
        r["snv"],
        r["indel"]
    );
    for class in ["snv", "indel"] {
        assert_eq!(
            counts(&r, class),
            [r[class]["truth_total"].as_u64().unwrap(), 0, 0, 0],
            "{class}"
        );
    }
    assert!(
        r["indel"]["tp_by_haplotype"].as_u64().unwrap() > 10,
        "{}",
        r["indel"]
    );
}

#[test]
fn platinum_chr21_self_and_perturbed() {
    let Some(data) = shared_data() else { return };
    let d = data.join("vcf-benchmarks/platinum-chr21");
    self_and_perturbed(
        &d.join("PG_NA12878_hg38-chr21.vcf.gz"),
        &d.join("PG_Conf_hg38-chr21.bed.gz"),
    );
    merged_neighbours_match(&d.join("PG_NA12878_hg38-chr21.vcf.gz"));
}

#[test]
fn giab_cmrg_self_and_perturbed() {
    let Some(data) = shared_data() else { return };
    let d = data.join("vcf-benchmarks/giab-cmrg-hg002");
    self_and_perturbed(
        &d.join("HG002_GRCh38_CMRG_smallvar_v1.00.vcf.gz"),
        &d.join("HG002_GRCh38_CMRG_smallvar_v1.00.bed"),
    );
    merged_neighbours_match(&d.join("HG002_GRCh38_CMRG_smallvar_v1.00.vcf.gz"));
}

/// Indels moved to the right end of their repeats match again once left-aligned against the reference.
#[test]
fn right_shifted_indels_match_with_the_reference() {
    let Some(data) = shared_data() else { return };
    let d = data.join("grch38-chr22");
    let fasta = d.join("reference/chr22_16570000_16610000.fa");
    let truth = d.join("truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz");
    let seq: Vec<u8> = std::fs::read_to_string(&fasta)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('>'))
        .flat_map(|l| l.trim().bytes().map(|b| b.to_ascii_uppercase()))
        .collect();
    let (text, moved) = perturb::right_shift_indels(&perturb::read_text(&truth), &seq);
    assert!(moved >= 3, "only {moved} indels could be shifted");
    let dir = tempfile::tempdir().unwrap();
    let query = dir.path().join("shifted.vcf");
    std::fs::write(&query, text).unwrap();
    let r = eval(
        &[
            p("--truth"),
            &truth,
            p("--query"),
            &query,
            p("--reference"),
            &fasta,
        ],
        &[],
    );
    assert_eq!(counts(&r, "indel")[1..3], [0, 0], "{}", r["indel"]);
    assert_eq!(counts(&r, "snv")[1..3], [0, 0], "{}", r["snv"]);
    assert!(
        r["warnings"].as_array().unwrap().is_empty(),
        "{}",
        r["warnings"]
    );
    // Without the reference the shifted copies are found only where the REF alleles show the repeat.
    let bare = eval(&[p("--truth"), &truth, p("--query"), &query], &[]);
    eprintln!(
        "{moved} indels shifted; with reference: {}\nwithout: {}",
        r["indel"], bare["indel"]
    );
    assert!(bare["indel"]["fn"].as_u64().unwrap() <= moved);
    assert_eq!(bare["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_inputs_fail_with_a_message_and_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let vcf = dir.path().join("t.vcf");
    std::fs::write(
        &vcf,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["step", "eval", "--truth"])
            .arg(&vcf)
            .arg("--json")
            .arg(&json)
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--query", "/nonexistent.vcf.gz"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("/nonexistent.vcf.gz"), "{err}");
    let bed = dir.path().join("bad.bed");
    std::fs::write(&bed, "chr1\tten\t20\n").unwrap();
    let (code, err) = run(&[
        "--query",
        vcf.to_str().unwrap(),
        "--regions",
        bed.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("line 1"), "{err}");
    assert!(!json.exists());
    let no_gt = dir.path().join("no_gt.vcf");
    std::fs::write(
        &no_gt,
        "##fileformat=VCFv4.2\n##contig=<ID=c1>\n##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n\
         #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\nc1\t5\t.\tA\tC\t.\tPASS\t.\tDP\t9\n",
    )
    .unwrap();
    let (code, err) = run(&["--query", no_gt.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--somatic"), "{err}");
    // A sites-only VCF against itself: nothing to count, but a valid report.
    let (code, err) = run(&["--query", vcf.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(json.exists());
}

/// The annotated VCFs agree with the counts, and two runs write identical bytes.
#[test]
fn annotated_vcfs_agree_with_the_report_and_reruns_are_identical() {
    let Some(data) = shared_data() else { return };
    let d = data.join("grch38-chr22");
    let truth = d.join("truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz");
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = perturb::perturb(&perturb::read_text(&truth));
    let query = dir.path().join("q.vcf");
    std::fs::write(&query, text).unwrap();
    let run = |name: &str| {
        let prefix = dir.path().join(name);
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["step", "eval", "--truth"])
            .arg(&truth)
            .arg("--query")
            .arg(&query)
            .arg("--reference")
            .arg(d.join("reference/chr22_16570000_16610000.fa"))
            .arg("--annotated")
            .arg(&prefix)
            .arg("--json")
            .arg(prefix.with_extension("json"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ["json", "truth.vcf", "query.vcf"]
            .map(|ext| std::fs::read(prefix.with_extension(ext)).unwrap())
    };
    let first = run("a");
    assert_eq!(first, run("b"));
    let report: Value = serde_json::from_slice(&first[0]).unwrap();
    let decisions = |vcf: &[u8], bd: &str| {
        String::from_utf8_lossy(vcf)
            .lines()
            .filter(|l| l.contains(&format!("BD={bd};")))
            .count() as u64
    };
    let sum = |k: &str| report["snv"][k].as_u64().unwrap() + report["indel"][k].as_u64().unwrap();
    assert_eq!(decisions(&first[1], "FN"), sum("fn"));
    assert_eq!(decisions(&first[1], "TP"), sum("tp"));
    assert_eq!(decisions(&first[2], "FP"), sum("fp"));
    assert_eq!(decisions(&first[2], "TP"), sum("query_tp"));
    assert!(sum("fn") > 0 && sum("genotype_mismatch") > 0, "{report}");
}

/// A peer's rewrite of the truth (`bcftools norm -m-any --atomize`: multi-allelics split into
/// `1/0` + `0/1` records, MNPs and complex alleles atomised) is the same call set, genotypes included.
#[test]
fn bcftools_split_and_atomised_truth_is_a_perfect_match() {
    let Some(data) = shared_data() else { return };
    if Command::new("bcftools").arg("--version").output().is_err() {
        eprintln!("skipping: bcftools not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for truth in [
        "vcf-benchmarks/platinum-chr21/PG_NA12878_hg38-chr21.vcf.gz",
        "vcf-benchmarks/giab-cmrg-hg002/HG002_GRCh38_CMRG_smallvar_v1.00.vcf.gz",
    ] {
        let truth = data.join(truth);
        let query = dir.path().join("atomised.vcf.gz");
        let out = Command::new("bcftools")
            .args(["norm", "-m-any", "--atomize", "-Oz", "-o"])
            .arg(&query)
            .arg(&truth)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = eval(&[p("--truth"), &truth, p("--query"), &query], &[]);
        for class in ["snv", "indel"] {
            assert_eq!(
                counts(&r, class)[1..],
                [0, 0, 0],
                "{}: {class} {}",
                truth.display(),
                r[class]
            );
            assert_eq!(r[class]["genotype_concordance"], 1.0);
        }
    }
}
