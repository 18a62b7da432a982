//! `cairn demo`: the germline workflow on generated data, from a fresh clone, in one command.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::args::{ContainerArgs, DemoArgs, KeepArg, LoadArgs, RunArgs, StoreArgs};
use super::{CliError, CliResult};

use cairn_steps::simulate::cohort;

/// Mean read depth of every demo sample.
const COVERAGE: &str = "30";

/// The demo's sample names, in sheet order.
fn samples() -> impl Iterator<Item = &'static str> {
    cohort::SAMPLES.iter().map(|s| s.name)
}

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

/// Simulate one sample's reads and truth from its planted variants on the demo reference.
fn simulate(data: &Path, out: &Path, plan: &cohort::samples::SamplePlan) -> Result<(), CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::env(format!("cannot locate the cairn binary: {e}")))?;
    let mut cmd = Command::new(exe);
    cmd.args(["simulate", "--coverage", COVERAGE, "--seed"])
        .arg(plan.seed.to_string())
        .args(["--sample", plan.name, "--reference"])
        .arg(data.join("ref.fa"))
        .arg("--variants")
        .arg(data.join(format!("{}.planted.vcf", plan.name)))
        .arg("--out")
        .arg(out);
    eprintln!("cairn demo: {}", format!("{cmd:?}").replace('"', ""));
    let status = cmd
        .status()
        .map_err(|e| CliError::env(format!("cannot run the simulator: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::env(format!(
            "simulating {} failed ({status})",
            plan.name
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

/// Generate the demo cohort into `data` (atomically: a temporary folder, then a rename): the
/// designed genome, gene models and PGx definitions, then each sample's reads.
fn generate(root: &Path, data: &Path) -> Result<(), CliError> {
    let tmp = data.with_extension(format!("tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("cairn demo: writing the demo genome, gene models and PGx definitions");
    cohort::generate(&tmp, &root.join("test-data/pgx"))
        .map_err(|e| CliError::env(format!("cannot generate the demo cohort: {}", e.message)))?;
    let mut sheet = String::from("sample,fastq_1,fastq_2,truth\n");
    for plan in &cohort::SAMPLES {
        let sample = plan.name;
        let out = tmp.join(format!("sim-{sample}"));
        simulate(&tmp, &out, plan)?;
        for (from, to) in [
            ("reads_1.fq.gz", format!("{sample}_1.fq.gz")),
            ("reads_2.fq.gz", format!("{sample}_2.fq.gz")),
            ("truth.vcf.gz", format!("{sample}.truth.vcf.gz")),
            ("truth.vcf.gz.tbi", format!("{sample}.truth.vcf.gz.tbi")),
        ] {
            mv(out.join(from), tmp.join(to))?;
        }
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
    samples()
        .filter_map(|s| {
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

/// Two lines per sample from its report JSON: the clinically significant variants (tier and
/// significance) and the star-allele diplotypes (VKORC1's rsID-named alleles are left to the
/// report).
fn findings(outdir: &Path) -> Vec<String> {
    samples()
        .filter_map(|s| {
            let path = outdir.join(s).join(format!("{s}.report.json"));
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
            let text = |x: &serde_json::Value| x.as_str().unwrap_or("").to_string();
            let variants: Vec<String> = v["variants"]["significant"]
                .as_array()?
                .iter()
                .map(|x| {
                    let sig = text(&x["clinical_significance"]);
                    let sig = sig.split([':', '(']).next().unwrap_or("").trim();
                    format!(
                        "{} {} (tier {}, {sig})",
                        text(&x["gene"]),
                        text(&x["hgvs_p"]),
                        text(&x["tier"])
                    )
                })
                .collect();
            let pgx: Vec<String> = v["pgx"]["genes"]
                .as_array()?
                .iter()
                .filter(|g| g["called"] == true && g["gene"] != "VKORC1")
                .map(|g| format!("{} {}", text(&g["gene"]), text(&g["diplotype"])))
                .collect();
            let found = if variants.is_empty() {
                "no clinically significant variant".to_string()
            } else {
                variants.join("; ")
            };
            Some(format!("  {s}: {found}\n      PGx: {}", pgx.join(", ")))
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
        generate(&root, &data)?;
    } else if !data.join("genes.gff3").is_file() || !data.join("pgx").is_dir() {
        return Err(CliError::user(format!(
            "{} holds demo data from an older cairn (no genes.gff3 or pgx/); delete the folder \
             and rerun `cairn demo` to regenerate it",
            data.display()
        )));
    }
    let outdir = a.outdir.clone();
    let run = RunArgs {
        load: LoadArgs {
            workflow: root.join("workflows/germline.yaml"),
            samples: Some(data.join("samples.csv")),
            params: [
                ("reference", "ref.fa"),
                ("annotation", "genes.gff3"),
                ("definitions", "pgx"),
                ("genes", "genes.bed"),
            ]
            .iter()
            .map(|(k, f)| format!("{k}={}", data.join(f).display()))
            .collect(),
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
        for s in samples() {
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
        println!("findings (from each report.json):");
        for line in findings(&outdir) {
            println!("{line}");
        }
        println!("accuracy against each sample's truth set:");
        for line in accuracy(&outdir) {
            println!("{line}");
        }
    }
    Ok(code)
}
