//! The shipped workflows: each one plans, and the demo runs end to end.

use crate::support::{cairn, Project, Ran};

#[test]
fn germline_workflow_plans_on_any_sample_sheet() {
    let p = Project::new();
    p.write("ref.fa", ">c\nACGT\n");
    for s in ["a", "b"] {
        for f in [
            format!("{s}_1.fq.gz"),
            format!("{s}_2.fq.gz"),
            format!("{s}.vcf.gz"),
        ] {
            p.write(&f, "");
        }
    }
    p.write("samples.csv", "sample,fastq_1,fastq_2,truth\na,a_1.fq.gz,a_2.fq.gz,a.vcf.gz\nb,b_1.fq.gz,b_2.fq.gz,b.vcf.gz\n");
    p.write("genes.gff3", "##gff-version 3\n");
    p.write("genes.bed", "c\t0\t4\tG\n");
    p.write("pgx/definition/alleles/G_translation.json", "{}");
    let wf = format!("{}/workflows/germline.yaml", env!("CARGO_MANIFEST_DIR"));
    let params = [
        "--samples",
        "samples.csv",
        "--param",
        "reference=ref.fa",
        "--param",
        "annotation=genes.gff3",
        "--param",
        "definitions=pgx",
        "--param",
        "genes=genes.bed",
    ];
    let r = p.run(&[&["validate", wf.as_str()][..], &params].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("13 steps, 2 samples, 21 tasks"),
        "{}",
        r.stdout
    );
    // Truth sets are optional: eval runs only for the samples that have one.
    p.write(
        "samples.csv",
        "sample,fastq_1,fastq_2,truth\na,a_1.fq.gz,a_2.fq.gz,a.vcf.gz\nb,b_1.fq.gz,b_2.fq.gz,\n",
    );
    let r = p.run(&[&["validate", wf.as_str()][..], &params].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("2 samples, 20 tasks (1 left out by `when:`)")
            && r.stdout
                .contains("skipped eval/b: `when: {{ sample.truth }}` is empty"),
        "{}",
        r.stdout
    );
    p.write(
        "samples.csv",
        "sample,fastq_1,fastq_2\na,a_1.fq.gz,a_2.fq.gz\nb,b_1.fq.gz,b_2.fq.gz\n",
    );
    let r = p.run(&[&["validate", wf.as_str()][..], &params].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("19 tasks (2 left out"), "{}", r.stdout);
    p.write("samples.csv", "sample,fastq_1,fastq_2,truth\na,a_1.fq.gz,a_2.fq.gz,a.vcf.gz\nb,b_1.fq.gz,b_2.fq.gz,b.vcf.gz\n");
    let dag = p.run(&[&["dag", wf.as_str()][..], &params].concat());
    for edge in [
        "index -> align;",
        "qc -> align;",
        "align -> call;",
        "call -> eval;",
        "call -> cohort;",
        "call -> annotate;",
        "models -> annotate;",
        "pgx_sites -> pgx_genotype;",
        "align -> pgx_genotype;",
        "pgx_genotype -> pgx;",
        "annotate -> report;",
        "pgx -> report;",
    ] {
        assert!(dag.stdout.contains(edge), "{edge} missing:\n{}", dag.stdout);
    }
}

fn json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The report's clinically significant variants as (gene, p.HGVS, tier, significance, evidence).
fn significant(report: &serde_json::Value) -> Vec<(String, String, String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    report["variants"]["significant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                s(&v["gene"]),
                s(&v["hgvs_p"]),
                s(&v["tier"]),
                s(&v["clinical_significance"]),
                v["evidence"].to_string(),
            )
        })
        .collect()
}

/// PGx diplotype of `gene` in a report.
fn diplotype(report: &serde_json::Value, gene: &str) -> String {
    let genes = report["pgx"]["genes"].as_array().unwrap();
    let g = genes.iter().find(|g| g["gene"] == gene).unwrap();
    g["diplotype"].as_str().unwrap_or("").to_string()
}

/// The demo's planted findings come out of the whole workflow: S1's BRAF p.V600E tiered I with
/// its citation, S2's BRCA1 frameshift pathogenic, S3 clean; PGx diplotypes and what was not
/// called; a rerun executes nothing.
#[test]
fn demo_runs_the_germline_workflow_and_reruns_as_a_noop() {
    let p = Project::new();
    // Run from the checkout, as a new user would, with every output kept in the test's folder.
    let run = || {
        let mut cmd = cairn();
        cmd.args(["demo", "--progress", "plain", "-j", "2", "--data-dir"])
            .arg(p.path().join("data"));
        cmd.arg("--outdir").arg(p.path().join("results"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CAIRN_WORK_DIR", p.path().join("store"));
        Ran::from(cmd.output().unwrap())
    };
    let first = run();
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.executed(), 29, "{}", first.stderr);
    let results = p.path().join("results");
    let report = |s: &str| json(&results.join(format!("{s}/{s}.report.json")));
    for s in ["S1", "S2", "S3"] {
        let eval = json(&results.join(format!("{s}/{s}.eval.json")));
        let snv = eval["snv"]["f1"].as_f64().unwrap();
        assert!(snv > 0.98, "{s}: SNV F1 {snv}");
        for f in [
            format!("{s}.bam"),
            format!("{s}.vcf.gz"),
            format!("{s}.annotated.json"),
            format!("{s}.pgx.json"),
            format!("{s}.report.html"),
            format!("{s}.fhir.json"),
        ] {
            assert!(results.join(s).join(&f).is_file(), "{s}/{f} missing");
        }
        let r = report(s);
        assert!(
            r["coverage"]["genes"].as_array().unwrap().len() >= 10,
            "{s}"
        );
        let not_called = r["pgx"]["not_called"].to_string();
        assert!(not_called.contains("CYP2D6"), "{s}: {not_called}");
        assert!(
            !r["pgx"]["recommendations"].as_array().unwrap().is_empty(),
            "{s}"
        );
    }
    let s1 = report("S1");
    let found = significant(&s1);
    assert!(
        found.iter().any(|(g, p, tier, _, ev)| g == "BRAF"
            && p == "p.Val600Glu"
            && tier == "I"
            && ev.contains("PMID 21639808")),
        "{found:?}"
    );
    assert_eq!(s1["summary"]["actionable"][0]["gene"], "BRAF");
    assert_eq!(diplotype(&s1, "CYP2C19"), "*1/*2");
    assert_eq!(diplotype(&s1, "TPMT"), "*1/*3A");
    let s2 = report("S2");
    let found = significant(&s2);
    assert!(
        found.iter().any(|(g, p, _, sig, _)| g == "BRCA1"
            && p == "p.Glu23ValfsTer17"
            && sig.starts_with("Pathogenic")),
        "{found:?}"
    );
    assert_eq!(diplotype(&s2, "CYP2C19"), "*2/*17");
    assert_eq!(diplotype(&s2, "SLCO1B1"), "*1/*5");
    let s3 = report("S3");
    assert_eq!(
        significant(&s3),
        Vec::new(),
        "the clean sample has findings"
    );
    assert_eq!(diplotype(&s3, "CYP2C19"), "*17/*17");
    assert_eq!(s2["variants"]["uncertain"][0]["hgvs_p"], "p.Asp300Asn");
    assert!(results.join("cohort/cohort.vcf.gz").is_file());
    assert!(
        first
            .stdout
            .contains("accuracy against each sample's truth set"),
        "{}",
        first.stdout
    );
    let again = run();
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.executed(), 0, "{}", again.stderr);
}

/// A lab's own samples have no truth set: the germline workflow runs without one, leaving eval out
/// and the accuracy section out of the report.
#[test]
fn germline_workflow_runs_without_truth_sets() {
    let p = Project::new();
    // The demo cohort's data (generated, not committed), written by `cairn demo`.
    let mut demo = cairn();
    demo.args(["demo", "--progress", "quiet", "--data-dir"])
        .arg(p.path().join("data"))
        .arg("--outdir")
        .arg(p.path().join("demo-results"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CAIRN_WORK_DIR", p.path().join("demo-store"));
    let made = Ran::from(demo.output().unwrap());
    assert_eq!(made.code, 0, "{}", made.stderr);
    let data = p.path().join("data");
    let d = |f: &str| data.join(f).display().to_string();
    p.write(
        "samples.csv",
        &format!(
            "sample,fastq_1,fastq_2\nS1,{},{}\n",
            d("S1_1.fq.gz"),
            d("S1_2.fq.gz")
        ),
    );
    let wf = format!("{}/workflows/germline.yaml", env!("CARGO_MANIFEST_DIR"));
    let params: Vec<String> = [
        ("reference", "ref.fa"),
        ("annotation", "genes.gff3"),
        ("definitions", "pgx"),
        ("genes", "genes.bed"),
    ]
    .iter()
    .flat_map(|(k, f)| ["--param".to_string(), format!("{k}={}", d(f))])
    .collect();
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .map(|a| a.to_string())
            .chain(params.iter().cloned())
            .collect()
    };
    let args = with(&[
        "run",
        wf.as_str(),
        "--samples",
        "samples.csv",
        "--progress",
        "plain",
        "--outdir",
        "results",
    ]);
    let r = p.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("1 task(s) left out by `when:` (eval/S1)"),
        "{}",
        r.stderr
    );
    let report = json(&p.path().join("results/S1/S1.report.json"));
    assert!(
        report["methods"]["accuracy"].is_null(),
        "{}",
        report["methods"]
    );
    let args = with(&[
        "plan",
        wf.as_str(),
        "--samples",
        "samples.csv",
        "--outdir",
        "results",
        "--explain",
        "eval/S1",
    ]);
    let why = p.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        why.stdout
            .contains("eval/S1: left out of the plan: `when: {{ sample.truth }}` is empty"),
        "{}{}",
        why.stdout,
        why.stderr
    );
    assert!(!p.path().join("results/S1/S1.eval.json").exists());
    assert!(report["variants"]["called"]["total"].as_u64().unwrap() > 0);
}

#[test]
fn pgx_workflow_runs_on_the_bundled_definitions() {
    let p = Project::new();
    let wf = format!("{}/workflows/pgx.yaml", env!("CARGO_MANIFEST_DIR"));
    let r = p.run(&["run", &wf, "--progress", "plain", "--outdir", "results"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("results/DEMO1/DEMO1.pgx.json")).unwrap(),
    )
    .unwrap();
    let genes = out["genes"].as_array().unwrap();
    let cyp2c19 = genes.iter().find(|g| g["gene"] == "CYP2C19").unwrap();
    assert_eq!(cyp2c19["diplotypes"][0]["name"], "*1/*17");
    assert!(!out["recommendations"].as_array().unwrap().is_empty());
}

/// The real-data path: the same germline workflow on NA12878 reads over a GRCh38 chr22 chunk
/// (Ensembl gene models, GIAB truth, the project's GRCh38 PGx definitions) runs to a report.
#[test]
fn germline_workflow_runs_to_a_report_on_real_chr22_reads() {
    let shared = std::env::var_os("CAIRN_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let d = shared.join("grch38-chr22");
    if !d.is_dir() {
        eprintln!(
            "SKIP real-data germline run: {} not found (set CAIRN_SHARED_DATA)",
            d.display()
        );
        return;
    }
    let p = Project::new();
    let reads = d.join("reads/NA12878_chr22_16570000_16610000");
    p.write(
        "samples.csv",
        &format!(
            "sample,fastq_1,fastq_2,truth\nNA12878,{}_R1.fastq.gz,{}_R2.fastq.gz,{}\n",
            reads.display(),
            reads.display(),
            d.join("truth/NA12878_GIAB_v4.2.1.chunk.vcf.gz").display()
        ),
    );
    // CCT8L2's coding exon, from the chunk's Ensembl GFF3 (BED, 0-based).
    p.write("genes.bed", "chr22\t20877\t22551\tCCT8L2\n");
    // Population lookups as a list param (relative paths resolve against the params file).
    let known = d.join("known-sites");
    p.write(
        "params.yaml",
        &format!(
            "sources:\n  - {}\n  - {}\n",
            known.join("dbsnp_146.hg38.vcf.gz").display(),
            known.join("gnomAD.r2.1.1.vcf.gz").display()
        ),
    );
    let wf = format!("{}/workflows/germline.yaml", env!("CARGO_MANIFEST_DIR"));
    let param = |k: &str, v: &std::path::Path| format!("{k}={}", v.display());
    let args = [
        "run".to_string(),
        wf,
        "--samples".into(),
        "samples.csv".into(),
        "--param".into(),
        param("reference", &d.join("reference/chr22_16570000_16610000.fa")),
        "--param".into(),
        param("annotation", &d.join("annotation/ensembl103.chunk.gff3")),
        "--param".into(),
        param(
            "definitions",
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/pgx"),
        ),
        "--param".into(),
        "genes=genes.bed".into(),
        "--params-file".into(),
        "params.yaml".into(),
        "--param".into(),
        "build=GRCh38 (chr22:16,570,000-16,610,000 chunk)".into(),
        "--progress".into(),
        "plain".into(),
        "--outdir".into(),
        "results".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = p.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = json(&p.path().join("results/NA12878/NA12878.report.json"));
    assert_eq!(report["variants"]["annotated"], true);
    assert_eq!(report["coverage"]["genes"][0]["gene"], "CCT8L2");
    let annotated = json(&p.path().join("results/NA12878/NA12878.annotated.json"));
    let sources = annotated["sources"].to_string();
    assert!(
        sources.contains("dbsnp_146") && sources.contains("gnomAD_r2_1_1"),
        "{sources}"
    );
    assert!(
        report["methods"]["accuracy"]["snv"]["recall"]
            .as_f64()
            .unwrap()
            > 0.9
    );
    // The chunk holds no PGx position: every gene is listed as not called, none is guessed.
    let genes = report["pgx"]["genes"].as_array().unwrap();
    assert!(!genes.is_empty() && genes.iter().all(|g| g["called"] == false));
    let cyp2c19 = genes.iter().find(|g| g["gene"] == "CYP2C19").unwrap();
    let reason = cyp2c19["not_called_reason"].as_str().unwrap();
    assert!(reason.contains("are no-calls"), "{reason}");
    assert!(p
        .path()
        .join("results/NA12878/NA12878.report.html")
        .is_file());
}
