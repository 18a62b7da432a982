//! `cairn demo`: the germline workflow on generated data, from a fresh clone, in one command.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::args::{ContainerArgs, DemoArgs, KeepArg, LoadArgs, RunArgs, StoreArgs};
use super::{CliError, CliResult};

/// The samples of the demo cohort and their simulator seeds.
const SAMPLES: &[(&str, u64)] = &[("S1", 11), ("S2", 12), ("S3", 13)];
const GENOME_SIZE: &str = "200000";
const COVERAGE: &str = "30";

/// The folder holding `workflows/germline.yaml`: the current directory or the source checkout.
fn project_root() -> Result<PathBuf, CliError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let candidates = [cwd, PathBuf::from(env!("CARGO_MANIFEST_DIR"))];
    candidates
        .into_iter()
        .find(|d| d.join("workflows/germline.yaml").is_file())
        .ok_or_else(|| {
            CliError::user(
                "cannot find workflows/germline.yaml; run `cairn demo` from the cairn checkout",
            )
        })
}

fn simulate(out: &Path, sample: &str, seed: u64, reference: Option<&Path>) -> Result<(), CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::env(format!("cannot locate the cairn binary: {e}")))?;
    let mut cmd = Command::new(exe);
    cmd.args([
        "simulate",
        "--size",
        GENOME_SIZE,
        "--coverage",
        COVERAGE,
        "--seed",
        &seed.to_string(),
    ]);
    cmd.args(["--sample", sample, "--out"]).arg(out);
    if let Some(r) = reference {
        cmd.arg("--reference").arg(r);
    }
    eprintln!("cairn demo: {}", format!("{cmd:?}").replace('"', ""));
    let status = cmd
        .status()
        .map_err(|e| CliError::env(format!("cannot run the simulator: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::env(format!(
            "simulating {sample} failed ({status})"
        )))
    }
}

fn mv(from: PathBuf, to: PathBuf) -> Result<(), CliError> {
    std::fs::rename(&from, &to).map_err(|e| {
        CliError::env(format!(
            "cannot move {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })
}

/// Generate the demo cohort into `data` (atomically: a temporary folder, then a rename).
fn generate(data: &Path) -> Result<(), CliError> {
    let tmp = data.with_extension(format!("tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)
        .map_err(|e| CliError::env(format!("cannot create {}: {e}", tmp.display())))?;
    let mut sheet = String::from("sample,fastq_1,fastq_2,truth\n");
    for (i, (sample, seed)) in SAMPLES.iter().enumerate() {
        let out = tmp.join(format!("sim-{sample}"));
        let reference = (i > 0).then(|| tmp.join("ref.fa"));
        simulate(&out, sample, *seed, reference.as_deref())?;
        if i == 0 {
            mv(out.join("ref.fa"), tmp.join("ref.fa"))?;
            mv(out.join("ref.fa.fai"), tmp.join("ref.fa.fai"))?;
        }
        mv(
            out.join("reads_1.fq.gz"),
            tmp.join(format!("{sample}_1.fq.gz")),
        )?;
        mv(
            out.join("reads_2.fq.gz"),
            tmp.join(format!("{sample}_2.fq.gz")),
        )?;
        mv(
            out.join("truth.vcf.gz"),
            tmp.join(format!("{sample}.truth.vcf.gz")),
        )?;
        mv(
            out.join("truth.vcf.gz.tbi"),
            tmp.join(format!("{sample}.truth.vcf.gz.tbi")),
        )?;
        let _ = std::fs::remove_dir_all(&out);
        sheet.push_str(&format!(
            "{sample},{sample}_1.fq.gz,{sample}_2.fq.gz,{sample}.truth.vcf.gz\n"
        ));
    }
    std::fs::write(tmp.join("samples.csv"), sheet).map_err(|e| CliError::env(e.to_string()))?;
    mv(tmp, data.to_path_buf())
}

/// One line per sample: SNV and indel F1 from the published eval JSON.
fn accuracy(outdir: &Path) -> Vec<String> {
    SAMPLES
        .iter()
        .filter_map(|(s, _)| {
            let text =
                std::fs::read_to_string(outdir.join(s).join(format!("{s}.eval.json"))).ok()?;
            let v: serde_json::Value = serde_json::from_str(&text).ok()?;
            let f1 = |k: &str| {
                v[k]["f1"]
                    .as_f64()
                    .map_or("NA".to_string(), |f| format!("{f:.4}"))
            };
            Some(format!(
                "  {s}: SNV F1 {}, indel F1 {}",
                f1("snv"),
                f1("indel")
            ))
        })
        .collect()
}

pub fn demo(a: DemoArgs) -> CliResult {
    let root = project_root()?;
    let data = a
        .data_dir
        .clone()
        .unwrap_or_else(|| root.join("test-data/demo"));
    if !data.join("samples.csv").is_file() {
        eprintln!(
            "cairn demo: generating the synthetic demo cohort in {}",
            data.display()
        );
        generate(&data)?;
    }
    let outdir = a.outdir.clone();
    let run = RunArgs {
        load: LoadArgs {
            workflow: root.join("workflows/germline.yaml"),
            samples: Some(data.join("samples.csv")),
            params: vec![format!("reference={}", data.join("ref.fa").display())],
            params_file: None,
            images: None,
        },
        store: StoreArgs {
            work_dir: a.work_dir,
            outdir: outdir.clone(),
        },
        containers: ContainerArgs {
            container_runtime: None,
            container_profile: None,
        },
        jobs: a.jobs,
        memory: None,
        keep_going: false,
        keep: KeepArg::All,
        executor: a.executor,
        profile: a.profile.clone(),
        progress: a.progress,
    };
    let code = super::run::run(run)?;
    if code == 0 {
        let shown = std::path::absolute(&outdir).unwrap_or(outdir.clone());
        println!(
            "batch summary: {}",
            shown.join("summary/batch-summary.html").display()
        );
        println!("reports:");
        for (s, _) in SAMPLES {
            println!(
                "  {}",
                shown.join(s).join(format!("{s}.report.html")).display()
            );
        }
        println!(
            "all results (BAM, VCF, QC, evaluation, report JSON and FHIR): {}",
            shown.display()
        );
        println!(
            "cohort VCF: {}",
            shown.join("cohort/cohort.vcf.gz").display()
        );
        println!("accuracy against each sample's truth set:");
        for line in accuracy(&outdir) {
            println!("{line}");
        }
    }
    Ok(code)
}
