//! The shipped external-tools workflow in the Debian tools image, and containers under SLURM.

use std::path::Path;
use std::process::Command;

use super::{image_id, podman, records, usable};
use crate::support::{cairn, Project};

/// The Debian tools image; built here only when CAIRN_BUILD_IMAGES=1 (a minute or two of
/// debootstrap and apt), else the test skips. CI builds it in `.ci/run` before the tests.
fn tools_image(test: &str) -> bool {
    let image = "localhost/cairn-tools:bookworm";
    if podman(&["image", "exists", image]).is_ok() {
        return true;
    }
    if std::env::var("CAIRN_BUILD_IMAGES").is_ok_and(|v| v == "1") {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let ok = Command::new(root.join("containers/build.sh"))
            .arg("tools")
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return true;
        }
    }
    eprintln!(
        "skipping {test}: no {image}; build it with `containers/build.sh tools` \
         (or set CAIRN_BUILD_IMAGES=1 to let the test build it)"
    );
    false
}

#[test]
fn external_tools_workflow_runs_to_a_vcf_in_containers() {
    let test = "external_tools_workflow_runs_to_a_vcf_in_containers";
    if usable(test).is_none() || !tools_image(test) {
        return;
    }
    let p = Project::new();
    let data = p.path().join("data");
    let sim = cairn()
        .args([
            "simulate",
            "--size",
            "100000",
            "--coverage",
            "20",
            "--seed",
            "11",
        ])
        .args(["--sample", "S1", "--out"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        sim.status.success(),
        "{}",
        String::from_utf8_lossy(&sim.stderr)
    );
    p.write(
        "data/samples.csv",
        "sample,fastq_1,fastq_2,truth\nS1,reads_1.fq.gz,reads_2.fq.gz,truth.vcf.gz\n",
    );
    let wf = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/external-tools.yaml");
    let wf = wf.to_string_lossy();
    let reference = format!("reference={}", data.join("ref.fa").display());
    let args = [
        "run",
        &wf,
        "--samples",
        "data/samples.csv",
        "--param",
        &reference,
        "--container-runtime",
        "podman",
        "--progress",
        "plain",
        "-j",
        "2",
    ];
    let r = p.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.executed(), 4, "{}", r.stderr);
    let vcf = p.path().join("results/S1/S1.vcf.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&vcf).unwrap()),
        &mut text,
    )
    .unwrap();
    assert!(
        text.starts_with("##fileformat=VCF"),
        "{}",
        &text[..100.min(text.len())]
    );
    let calls = text.lines().filter(|l| !l.starts_with('#')).count();
    assert!(calls > 20, "{calls} calls");
    assert!(p.path().join("results/S1/S1.vcf.gz.tbi").exists());
    let eval: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("results/S1/S1.eval.json")).unwrap(),
    )
    .unwrap();
    let f1 = eval["snv"]["f1"].as_f64().unwrap();
    assert!(f1 > 0.9, "bwa + bcftools SNV F1 {f1}");
    // Every tool step ran in the image: its id is in each of their action records.
    let id = image_id("localhost/cairn-tools:bookworm");
    let recs: Vec<serde_json::Value> = records(&p);
    let in_image = recs
        .iter()
        .filter(|r| r["spec"]["container"] == id.as_str())
        .count();
    assert_eq!(in_image, 3, "index, align and call run in the tools image");
    assert_eq!(p.run(&args).executed(), 0);
}

#[test]
fn external_tools_workflow_validates_and_plans_its_chain() {
    let p = Project::new();
    p.write("ref.fa", ">c\nACGT\n");
    let mut sheet = String::from("sample,fastq_1,fastq_2,truth\n");
    for s in ["a", "b"] {
        for f in [
            format!("{s}_1.fq.gz"),
            format!("{s}_2.fq.gz"),
            format!("{s}.vcf.gz"),
        ] {
            p.write(&f, "");
        }
        sheet.push_str(&format!("{s},{s}_1.fq.gz,{s}_2.fq.gz,{s}.vcf.gz\n"));
    }
    p.write("samples.csv", &sheet);
    let wf = format!(
        "{}/workflows/external-tools.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let load = ["--samples", "samples.csv", "--param", "reference=ref.fa"];
    let r = p.run(&[&["validate", wf.as_str()][..], &load].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("4 steps, 2 samples, 7 tasks"),
        "{}",
        r.stdout
    );
    // The shipped table names the image by tag: built locally, it cannot be pinned in advance.
    assert!(
        r.stderr
            .contains("container image `tools` (localhost/cairn-tools:bookworm) is not pinned"),
        "{}",
        r.stderr
    );
    let dag = p.run(&[&["dag", wf.as_str()][..], &load].concat());
    for edge in [
        "index -> align;",
        "align -> call;",
        "index -> call;",
        "call -> eval;",
    ] {
        assert!(dag.stdout.contains(edge), "{edge} missing:\n{}", dag.stdout);
    }
}

#[test]
fn a_container_step_runs_under_slurm_inside_the_jobs_cgroup() {
    let test = "a_container_step_runs_under_slurm_inside_the_jobs_cgroup";
    let Some((one, _)) = usable(test) else {
        return;
    };
    let sinfo = Command::new("sinfo").args(["-h", "-o", "%T"]).output();
    if !sinfo.is_ok_and(|o| o.status.success() && !o.stdout.is_empty()) {
        eprintln!(
            "skipping {test}: no SLURM cluster answers `sinfo` (run .ci/slurm-up.sh as root)"
        );
        return;
    }
    let p = Project::new();
    p.write("images.toml", &format!("[images.box]\nimage = \"{one}\"\n"));
    p.write(
        "wf.yaml",
        "name: slurmbox\nimages: images.toml\nsteps:\n  where:\n    container: box\n\
         \x20   run: cat /proc/self/cgroup > {{ out.cg }}\n    out: { cg: cg.txt }\n    publish: true\n",
    );
    let r = p.run(&[
        "run",
        "wf.yaml",
        "--executor",
        "slurm",
        "--container-runtime",
        "podman",
        "--progress",
        "plain",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("1 tasks submitted"), "{}", r.stderr);
    // Rootful podman would make its own cgroup; the job's (and its memory limit) must hold it.
    let cg = std::fs::read_to_string(p.path().join("results/where/cg.txt")).unwrap();
    let in_job = cg
        .lines()
        .any(|l| (l.contains(":memory:") || l.starts_with("0::")) && l.contains("/job_"));
    assert!(in_job, "the container is outside the job's cgroup:\n{cg}");
}
