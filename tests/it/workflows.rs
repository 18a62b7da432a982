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
    let wf = format!("{}/workflows/germline.yaml", env!("CARGO_MANIFEST_DIR"));
    let r = p.run(&[
        "validate",
        &wf,
        "--samples",
        "samples.csv",
        "--param",
        "reference=ref.fa",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("8 steps, 2 samples, 13 tasks"),
        "{}",
        r.stdout
    );
    let dag = p.run(&[
        "dag",
        &wf,
        "--samples",
        "samples.csv",
        "--param",
        "reference=ref.fa",
    ]);
    for edge in [
        "index -> align;",
        "qc -> align;",
        "align -> call;",
        "call -> eval;",
        "call -> cohort;",
    ] {
        assert!(dag.stdout.contains(edge), "{edge} missing:\n{}", dag.stdout);
    }
}

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
    assert_eq!(first.executed(), 18, "{}", first.stderr);
    for s in ["S1", "S2", "S3"] {
        let eval: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(p.path().join(format!("results/{s}/{s}.eval.json"))).unwrap(),
        )
        .unwrap();
        let snv = eval["snv"]["f1"].as_f64().unwrap();
        assert!(snv > 0.98, "{s}: SNV F1 {snv}");
        for f in [
            format!("{s}.bam"),
            format!("{s}.bam.bai"),
            format!("{s}.vcf.gz"),
            format!("{s}.vcf.gz.tbi"),
            "qc.json".into(),
            format!("{s}.metrics.json"),
        ] {
            assert!(
                p.path().join("results").join(s).join(&f).is_file(),
                "{s}/{f} missing"
            );
        }
    }
    assert!(p.path().join("results/cohort/cohort.vcf.gz").is_file());
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
