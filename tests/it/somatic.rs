//! `cairn step call --somatic` end to end on a simulated tumour/normal pair: simulate, align both
//! samples, call, score with `cairn eval --somatic`; the same bytes for any thread count; a normal
//! from another individual, a missing normal and a BAM aligned elsewhere are refused.

use std::path::Path;
use std::process::Output;

use crate::support::cairn;

fn run(args: &[&str]) -> Output {
    cairn().args(args).output().unwrap()
}

fn ok(args: &[&str]) {
    let out = run(args);
    assert!(
        out.status.success(),
        "cairn {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Align `prefix_{1,2}.fq.gz` into `out`.
fn align(dir: &Path, prefix: &str, sample: &str, reference: &Path, out: &str) {
    let r = |n: u8| s(&dir.join(format!("{prefix}_{n}.fq.gz")));
    ok(&[
        "step",
        "align",
        "--r1",
        &r(1),
        "--r2",
        &r(2),
        "--reference",
        &s(reference),
        "--sample",
        sample,
        "--out",
        &s(&dir.join(out)),
        "--threads",
        "2",
    ]);
}

fn call(
    dir: &Path,
    tumor: &str,
    normal: &str,
    reference: &Path,
    out: &str,
    threads: &str,
) -> Output {
    run(&[
        "step",
        "call",
        "--somatic",
        "--tumor",
        &s(&dir.join(tumor)),
        "--normal",
        &s(&dir.join(normal)),
        "--reference",
        &s(reference),
        "--out",
        &s(&dir.join(out)),
        "--metrics",
        &s(&dir.join(format!("{out}.json"))),
        "--threads",
        threads,
    ])
}

fn f1(report: &serde_json::Value, kind: &str) -> f64 {
    report[kind]["f1"].as_f64().unwrap()
}

#[test]
fn somatic_calls_match_the_simulated_truth_and_bad_pairs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // 300 kb, normal 25x, tumour 50x; clonal variants at VAF 0.4, subclonal at 0.2.
    ok(&[
        "simulate",
        "--size",
        "300000",
        "--seed",
        "7",
        "--coverage",
        "25",
        "--tumour-coverage",
        "50",
        "--tumour",
        "--purity",
        "0.8",
        "--subclone-size",
        "0.5",
        "--somatic-snv-rate",
        "5e-4",
        "--somatic-indel-rate",
        "8e-5",
        "--out",
        &s(&d.join("pair")),
    ]);
    let reference = d.join("pair/ref.fa");
    align(&d.join("pair"), "tumour", "TUMOUR", &reference, "../t.bam");
    align(&d.join("pair"), "reads", "NORMAL", &reference, "../n.bam");

    for threads in ["1", "3"] {
        let out = call(
            d,
            "t.bam",
            "n.bam",
            &reference,
            &format!("calls{threads}.vcf.gz"),
            threads,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let bytes = |n: &str| std::fs::read(d.join(n)).unwrap();
    assert_eq!(
        bytes("calls1.vcf.gz"),
        bytes("calls3.vcf.gz"),
        "output depends on threads"
    );
    assert_eq!(bytes("calls1.vcf.gz.json"), bytes("calls3.vcf.gz.json"));

    let report = d.join("eval.json");
    ok(&[
        "eval",
        "--somatic",
        "--truth",
        &s(&d.join("pair/somatic.vcf.gz")),
        "--query",
        &s(&d.join("calls1.vcf.gz")),
        "--reference",
        &s(&reference),
        "--json",
        &s(&report),
    ]);
    let ev: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert!(ev["snv"]["total_truth"].as_u64().unwrap() >= 100, "{ev}");
    assert!(f1(&ev, "snv") >= 0.9, "SNV F1 too low: {ev}");
    assert!(f1(&ev, "indel") >= 0.7, "indel F1 too low: {ev}");
    let metrics: serde_json::Value = serde_json::from_slice(&bytes("calls1.vcf.gz.json")).unwrap();
    assert!(metrics["tmb_per_mb"].as_f64().unwrap() > 100.0, "{metrics}");
    assert!(
        metrics["identity"]["concordance"].as_f64().unwrap() > 0.95,
        "{metrics}"
    );

    // A normal from someone else: same reference, other germline variants.
    ok(&[
        "simulate",
        "--reference",
        &s(&reference),
        "--seed",
        "8",
        "--coverage",
        "25",
        "--out",
        &s(&d.join("other")),
    ]);
    align(&d.join("other"), "reads", "OTHER", &reference, "../o.bam");
    let out = call(d, "t.bam", "o.bam", &reference, "swapped.vcf.gz", "2");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("different individuals"), "{err}");
    assert!(
        !d.join("swapped.vcf.gz").exists(),
        "a refused pair must publish nothing"
    );

    // No normal.
    let out = run(&[
        "step",
        "call",
        "--somatic",
        "--tumor",
        &s(&d.join("t.bam")),
        "--reference",
        &s(&reference),
        "--out",
        &s(&d.join("x.vcf.gz")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--normal"));

    // A reference the BAMs were not aligned to.
    ok(&[
        "simulate",
        "--size",
        "5000",
        "--seed",
        "9",
        "--coverage",
        "0",
        "--out",
        &s(&d.join("elsewhere")),
    ]);
    let out = call(
        d,
        "t.bam",
        "n.bam",
        &d.join("elsewhere/ref.fa"),
        "y.vcf.gz",
        "1",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("different assembly") || err.contains("not in reference"),
        "{err}"
    );
}

fn report_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `cairn run workflows/somatic.yaml` on `sheet` with this reference and annotation, its store and
/// results under `d` (`d/results`); the run must succeed.
fn run_workflow(d: &Path, sheet: &Path, reference: &Path, annotation: &Path) {
    let workflow = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/somatic.yaml");
    let out = run(&[
        "run",
        &s(&workflow),
        "--samples",
        &s(sheet),
        "--param",
        &format!("reference={}", s(reference)),
        "--param",
        &format!("annotation={}", s(annotation)),
        "--work-dir",
        &s(&d.join("w")),
        "--outdir",
        &s(&d.join("results")),
        "-j",
        "2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The oncology workflow on the generated patient: QC, both alignments, somatic calls, annotation,
/// germline + PGx on the normal, and a report whose somatic section tiers BRAF V600E for melanoma.
#[test]
fn somatic_workflow_reports_tiered_biomarkers_for_the_tumour_type() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = d.join("data");
    ok(&["step", "somatic-demo-data", "--out", &s(&data)]);
    run_workflow(
        d,
        &data.join("patients.csv"),
        &data.join("ref.fa"),
        &data.join("genes.gff3"),
    );
    let r = report_json(&d.join("results/P1/P1.report.json"));
    let som = &r["somatic"];
    assert_eq!(som["tumor_type"], "Melanoma");
    let marker = |gene: &str| {
        som["biomarkers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["gene"] == gene)
            .unwrap_or_else(|| panic!("no {gene} biomarker in {som}"))
            .clone()
    };
    let braf = marker("BRAF");
    assert_eq!(
        (braf["hgvs_p"].as_str(), braf["tier"].as_str()),
        (Some("p.Val600Glu"), Some("I"))
    );
    assert!(braf["evidence"][0]["drugs"]
        .to_string()
        .contains("vemurafenib"));
    // KRAS G12C is level A in lung cancer only: Tier II in melanoma.
    assert_eq!(marker("KRAS")["tier"], "II");
    assert!(som["metrics"]["tmb_per_mb"].as_f64().unwrap() > 50.0);
    // Every PASS SNV lands in one of the 96 trinucleotide channels (the demo contigs hold no N).
    let sbs = som["metrics"]["sbs96"].as_array().unwrap();
    assert_eq!(sbs.len(), 96);
    let in_channels: u64 = sbs.iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(in_channels, som["metrics"]["pass_snvs"].as_u64().unwrap());
    assert_eq!(sbs[0]["channel"], "A[C>A]A");
    assert!(r["pgx"].is_object(), "PGx on the normal is missing");
    crate::report::assert_schema_valid(&r);
    // The FHIR bundle carries the somatic findings: BRAF as a somatic variant with its allele
    // fraction, a therapeutic implication per evidence item, and the TMB.
    let bundle = report_json(&d.join("results/P1/P1.fhir.json"));
    crate::report::assert_fhir_valid(&bundle);
    let text = bundle.to_string();
    for needle in [
        "\"LA6684-0\"",
        "\"81258-6\"",
        "\"94076-7\"",
        "vemurafenib",
        "AMP/ASCO/CAP tier I, evidence level A, for this tumour type",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from the FHIR bundle"
        );
    }
    let html = std::fs::read_to_string(d.join("results/P1/P1.report.html")).unwrap();
    assert!(html.contains("id=\"somatic\"") && html.contains("Somatic variant allele fractions"));
    assert!(html.contains("Somatic SNV spectrum (96 trinucleotide channels)"));
}

/// The workflow on the real tumour/normal reads of ../shared/data/grch38-chr22 (no somatic truth:
/// it must run to a report; docs/somatic.md shows the command).
#[test]
fn somatic_workflow_runs_on_the_real_tumour_normal_pair() {
    let dir = std::env::var_os("CAIRN_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let g = dir.join("grch38-chr22");
    if !g.join("reads/testT_tumor_R1.fastq.gz").is_file() {
        eprintln!("skipping: ../shared/data/grch38-chr22 not found (set CAIRN_SHARED_DATA)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let reads = g.join("reads");
    let sheet = d.join("patients.csv");
    std::fs::write(
        &sheet,
        format!(
            "sample,tumor_fastq_1,tumor_fastq_2,normal_fastq_1,normal_fastq_2,tumor_type\n\
             testTN,{r}/testT_tumor_R1.fastq.gz,{r}/testT_tumor_R2.fastq.gz,{r}/testN_normal_R1.fastq.gz,{r}/testN_normal_R2.fastq.gz,Non-small cell lung cancer\n",
            r = reads.display()
        ),
    )
    .unwrap();
    run_workflow(
        d,
        &sheet,
        &g.join("reference/chr22_16570000_16610000.fa"),
        &g.join("annotation/ensembl103.chunk.gff3"),
    );
    let r = report_json(&d.join("results/testTN/testTN.report.json"));
    // The pair is thin (about 12x, unevenly): under a thousand bases reach the callable depths.
    let callable = r["somatic"]["metrics"]["callable_bases"].as_u64().unwrap();
    assert!(callable > 500, "{}", r["somatic"]);
    assert_eq!(r["somatic"]["tumor_type"], "Non-small cell lung cancer");
    assert!(d.join("results/testTN/testTN.report.html").is_file());
}
