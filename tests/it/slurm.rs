//! The SLURM executor against a real cluster (`.ci/slurm-up.sh` brings one up on the CI machine).
//! Every test skips with a printed message when `sinfo` does not answer.
//!
//! `sbatch`, `squeue`, `sacct` and `scancel` are reached through logging wrappers first on PATH, so
//! the tests count what the engine really asked the cluster.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::support::{cairn, Project, Ran};

/// The cluster has two cpus: tests share it one at a time so their timings and counts are their own.
static CLUSTER: Mutex<()> = Mutex::new(());

/// The cluster to oneself while the guard lives, or `None` (and a printed skip) when no cluster
/// answers.
fn cluster(test: &str) -> Option<std::sync::MutexGuard<'static, ()>> {
    cluster_up(test).then(|| CLUSTER.lock().unwrap_or_else(|e| e.into_inner()))
}

fn cluster_up(test: &str) -> bool {
    let ok = Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
    if !ok {
        eprintln!(
            "skipping {test}: no SLURM cluster answers `sinfo` (run .ci/slurm-up.sh as root)"
        );
    }
    ok
}

/// Logging wrappers for the SLURM commands in `<project>/shims`; each call appends
/// `<command> <cwd> <first argument>` to `<project>/slurm.log`.
fn shims(p: &Project) -> PathBuf {
    let dir = p.path().join("shims");
    std::fs::create_dir_all(&dir).unwrap();
    let log = p.path().join("slurm.log");
    for cmd in ["sbatch", "squeue", "sacct", "scancel"] {
        let real = String::from_utf8(
            Command::new("bash")
                .args(["-c", &format!("command -v {cmd}")])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let script = format!(
            "#!/bin/bash\nout=$({} \"$@\"); rc=$?\nprintf '%s\\n' \"$out\"\n\
             echo \"{cmd} $PWD $1\" >> {}\nexit $rc\n",
            real.trim(),
            log.display()
        );
        let path = dir.join(cmd);
        std::fs::write(&path, script).unwrap();
        Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    }
    dir
}

fn path_with(shims: &Path) -> String {
    format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn run_slurm(p: &Project, args: &[&str]) -> Ran {
    let path = path_with(&shims(p));
    Ran::from(
        cairn()
            .args(args)
            .args(["--executor", "slurm", "--progress", "plain"])
            .current_dir(p.path())
            .env("CAIRN_WORK_DIR", p.path().join("store"))
            .env("PATH", path)
            .output()
            .unwrap(),
    )
}

/// Calls of `cmd` in the log (not `--version` probes), with the directory each ran in.
fn calls(p: &Project, cmd: &str) -> Vec<String> {
    std::fs::read_to_string(p.path().join("slurm.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.split(' ').next() == Some(cmd) && !l.ends_with(" --version"))
        .map(|l| l.split(' ').nth(1).unwrap_or("").to_string())
        .collect()
}

/// Every blob name in a store's content-addressed area: equal sets mean equal output digests.
fn blobs(store: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for sub in std::fs::read_dir(store.join("cas")).unwrap() {
        let sub = sub.unwrap();
        for f in std::fs::read_dir(sub.path()).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().to_string();
            names.push(format!("{}{name}", sub.file_name().to_string_lossy()));
        }
    }
    names.sort();
    names
}

/// The recorded SLURM job id of every task directory (`store/work/xx/yyyy`) that has one.
fn job_ids(work: &Path) -> std::collections::BTreeMap<String, String> {
    let Ok(subs) = std::fs::read_dir(work) else {
        return Default::default();
    };
    subs.flatten()
        .flat_map(|s| std::fs::read_dir(s.path()).into_iter().flatten().flatten())
        .filter_map(|d| {
            let id = std::fs::read_to_string(d.path().join("slurm_job_id")).ok()?;
            Some((d.path().display().to_string(), id))
        })
        .collect()
}

const MIXED: &str = r#"name: mixed
params: { seed: 7 }
samples: samples.csv
steps:
  upper:
    per: sample
    in: { reads: "{{ sample.reads }}" }
    out: { txt: "{{ sample }}.upper.txt" }
    run: tr a-z A-Z < {{ in.reads }} > {{ out.txt }}
  total:
    in: { all: "{{ upper.txt[*] }}" }
    out: { n: total.txt }
    run: cat {{ in.all }} > {{ out.n }}
    publish: true
  sim:
    kind: simulate
    params: { size: 20000, coverage: 5, seed: "{{ params.seed }}" }
  qc:
    kind: fastq-qc
    in: { r1: "{{ sim.r1 }}", r2: "{{ sim.r2 }}" }
    publish: [json]
"#;

fn mixed() -> Project {
    let p = Project::new();
    p.write("wf.yaml", MIXED);
    p.write("samples.csv", "sample,reads\nA,a.txt\nB,b.txt\n");
    p.write("a.txt", "alpha\n");
    p.write("b.txt", "beta\n");
    p
}

#[test]
fn slurm_run_gives_the_local_run_s_digests() {
    let Some(_g) = cluster("slurm_run_gives_the_local_run_s_digests") else {
        return;
    };
    let local = mixed();
    let l = local.run(&["run", "wf.yaml", "--progress", "plain"]);
    assert_eq!(l.code, 0, "{}", l.stderr);
    let on_slurm = mixed();
    let s = run_slurm(&on_slurm, &["run", "wf.yaml"]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    assert_eq!(s.executed(), 5, "{}", s.stderr);
    // upper/A and upper/B are ready together: one array for both.
    assert_eq!(calls(&on_slurm, "sbatch").len(), 4, "{}", s.stderr);
    assert!(
        s.stderr
            .contains("slurm: 5 tasks submitted in 4 sbatch calls (1 arrays)"),
        "{}",
        s.stderr
    );
    assert_eq!(
        blobs(&local.path().join("store")),
        blobs(&on_slurm.path().join("store"))
    );
    // The built-in steps ran as `cairn step ...` on the node, through the path in command.sh.
    let qc = std::fs::read_to_string(on_slurm.path().join("results/qc/qc.json")).unwrap();
    assert!(qc.contains("q30"), "{qc}");
    // A rerun is a no-op: nothing submitted.
    let again = run_slurm(&on_slurm, &["run", "wf.yaml"]);
    assert_eq!(again.executed(), 0, "{}", again.stderr);
    assert_eq!(calls(&on_slurm, "sbatch").len(), 4);
}

#[test]
fn two_hundred_jobs_are_watched_with_one_query_per_poll() {
    let Some(_g) = cluster("two_hundred_jobs_are_watched_with_one_query_per_poll") else {
        return;
    };
    let p = Project::new();
    let mut sheet = String::from("sample,n\n");
    for i in 0..200 {
        sheet.push_str(&format!("s{i:03},{i}\n"));
    }
    p.write("samples.csv", &sheet);
    p.write(
        "wf.yaml",
        "name: many\nsamples: samples.csv\nsteps:\n  touch:\n    per: sample\n    \
         out: { t: \"{{ sample }}.txt\" }\n    run: echo {{ sample.n }} > {{ out.t }}\n    \
         resources: { memory: 64MiB }\n",
    );
    p.write("profile.yaml", "poll_interval: 1s\nsubmit_rate: 100\n");
    let started = Instant::now();
    let r = run_slurm(&p, &["run", "wf.yaml", "--profile", "profile.yaml"]);
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.executed(), 200, "{}", r.stderr);
    let (sb, sq, sa) = (
        calls(&p, "sbatch").len(),
        calls(&p, "squeue").len(),
        calls(&p, "sacct").len(),
    );
    eprintln!("200 tasks in {wall:.1}s: {sb} sbatch, {sq} squeue, {sa} sacct calls (poll 1s)");
    // The 200 ready tasks of the step went out as job arrays, not as 200 submissions.
    assert!(sb <= 5, "{sb} sbatch calls for 200 tasks");
    assert!(
        r.stderr.contains("slurm: 200 tasks submitted in"),
        "{}",
        r.stderr
    );
    // One squeue per poll (at most one per second of the run), and sacct only on polls that
    // saw jobs leave the queue: far fewer than one per job.
    assert!((sq as f64) <= wall + 2.0, "{sq} squeue calls in {wall:.1}s");
    assert!(sa <= sq, "{sa} sacct calls for {sq} polls");
}

#[test]
fn a_job_over_its_memory_is_out_of_memory_and_retried_with_more() {
    let Some(_g) = cluster("a_job_over_its_memory_is_out_of_memory_and_retried_with_more") else {
        return;
    };
    let config = Command::new("scontrol")
        .args(["show", "config"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !config
        .lines()
        .any(|l| l.starts_with("TaskPlugin") && l.contains("cgroup"))
    {
        eprintln!("skipping the OOM test: this cluster does not enforce --mem (TaskPlugin has no task/cgroup)");
        return;
    }
    let p = Project::new();
    p.write(
        "wf.yaml",
        r#"name: hungry
steps:
  hog:
    out: { t: done.txt }
    run: python3 -c "b = bytearray(300 * 1024 * 1024); print(len(b))" > {{ out.t }}
    resources: { memory: 120MiB }
    retry: { attempts: 2, memory_factor: 4 }
"#,
    );
    let r = run_slurm(&p, &["run", "wf.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let run_dir = std::fs::read_dir(p.path().join("store/runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let trace = std::fs::read_to_string(run_dir.join("trace.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = trace
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 2, "{trace}");
    assert_eq!((rows[0][3], rows[0][5]), ("OUT_OF_MEMORY", "1"), "{trace}");
    assert_eq!((rows[1][3], rows[1][5]), ("COMPLETED", "2"), "{trace}");
    assert_eq!(calls(&p, "sbatch").len(), 2);
    // The second attempt asked SLURM for four times the memory.
    let script = std::fs::read_to_string(Path::new(rows[1][11]).join("slurm.sh")).unwrap();
    assert!(script.contains("#SBATCH --mem=480M"), "{script}");
}

#[test]
fn a_killed_engine_s_jobs_are_adopted_not_resubmitted() {
    let Some(_g) = cluster("a_killed_engine_s_jobs_are_adopted_not_resubmitted") else {
        return;
    };
    let p = Project::new();
    p.write("samples.csv", "sample\na\nb\nc\nd\ne\nf\n");
    p.write(
        "wf.yaml",
        "name: slow\nsamples: samples.csv\nsteps:\n  nap:\n    per: sample\n    \
         out: { t: \"{{ sample }}.txt\" }\n    run: sleep 4; echo {{ sample }} > {{ out.t }}\n    \
         resources: { memory: 64MiB }\n  all:\n    in: { x: \"{{ nap.t[*] }}\" }\n    \
         out: { t: all.txt }\n    run: cat {{ in.x }} > {{ out.t }}\n    publish: true\n",
    );
    p.write("profile.yaml", "poll_interval: 500ms\n");
    let path = path_with(&shims(&p));
    let mut child = cairn()
        .args([
            "run",
            "wf.yaml",
            "--executor",
            "slurm",
            "--profile",
            "profile.yaml",
        ])
        .args(["--progress", "plain"])
        .current_dir(p.path())
        .env("CAIRN_WORK_DIR", p.path().join("store"))
        .env("PATH", &path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while job_ids(&p.path().join("store/work")).len() < 6 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGKILL: no chance to cancel anything; the six jobs stay queued or running.
    child.kill().unwrap();
    child.wait().unwrap();
    let before = job_ids(&p.path().join("store/work"));
    assert_eq!(before.len(), 6, "{before:?}");
    let first = calls(&p, "sbatch").len();
    let r = run_slurm(&p, &["run", "wf.yaml", "--profile", "profile.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The rerun adopted the six jobs (their task directories still name the same job ids) and
    // submitted only the final task.
    let after = job_ids(&p.path().join("store/work"));
    for (dir, id) in &before {
        assert_eq!(after.get(dir), Some(id), "{dir} was resubmitted");
    }
    assert_eq!(calls(&p, "sbatch").len(), first + 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("slurm: 1 tasks submitted in 1 sbatch calls (0 arrays), 6 adopted"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(p.path().join("results/all/all.txt")).unwrap(),
        "a\nb\nc\nd\ne\nf\n"
    );
}

/// Three 30-second tasks; cancelling or killing the engine leaves them queued or running.
fn sleepy() -> Project {
    let p = Project::new();
    p.write("samples.csv", "sample\na\nb\nc\n");
    p.write(
        "wf.yaml",
        "name: sleepy\nsamples: samples.csv\nsteps:\n  nap:\n    per: sample\n    \
         out: { t: \"{{ sample }}.txt\" }\n    run: sleep 30; echo {{ sample }} > {{ out.t }}\n    \
         resources: { memory: 64MiB }\n",
    );
    p
}

#[test]
fn ctrl_c_cancels_the_run_s_jobs() {
    let Some(_g) = cluster("ctrl_c_cancels_the_run_s_jobs") else {
        return;
    };
    let p = sleepy();
    let path = path_with(&shims(&p));
    let child = cairn()
        .args([
            "run",
            "wf.yaml",
            "--executor",
            "slurm",
            "--progress",
            "plain",
        ])
        .current_dir(p.path())
        .env("CAIRN_WORK_DIR", p.path().join("store"))
        .env("PATH", &path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while job_ids(&p.path().join("store/work")).len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let ids: Vec<String> = job_ids(&p.path().join("store/work"))
        .into_values()
        .map(|s| s.trim().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    // One scancel call for the three jobs.
    assert!(stderr.contains("1 scancel calls"), "{stderr}");
    assert_eq!(calls(&p, "scancel").len(), 1);
    let q = Command::new("squeue")
        .arg(format!("--jobs={}", ids.join(",")))
        .args(["--array", "--noheader", "--format=%i|%T"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&q.stdout);
    assert!(
        !listed.contains("PENDING") && !listed.contains("RUNNING"),
        "jobs left behind after Ctrl-C: {listed}"
    );
}

#[test]
fn without_accounting_the_exitcode_file_decides() {
    let Some(_g) = cluster("without_accounting_the_exitcode_file_decides") else {
        return;
    };
    let p = mixed();
    let dir = shims(&p);
    // What sacct prints on a cluster without slurmdbd.
    let log = p.path().join("slurm.log");
    std::fs::write(
        dir.join("sacct"),
        format!(
            "#!/bin/bash\necho \"sacct $PWD $1\" >> {}\n\
             echo 'Slurm accounting storage is disabled' >&2\nexit 1\n",
            log.display()
        ),
    )
    .unwrap();
    let r = Ran::from(
        cairn()
            .args([
                "run",
                "wf.yaml",
                "--executor",
                "slurm",
                "--progress",
                "plain",
            ])
            .current_dir(p.path())
            .env("CAIRN_WORK_DIR", p.path().join("store"))
            .env("PATH", path_with(&dir))
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.executed(), 5, "{}", r.stderr);
    assert!(!calls(&p, "sacct").is_empty(), "accounting was never asked");
    assert_eq!(
        std::fs::read_to_string(p.path().join("results/total/total.txt")).unwrap(),
        "ALPHA\nBETA\n"
    );
}

#[test]
fn a_missing_sbatch_is_an_environment_error() {
    let p = mixed();
    let empty = p.path().join("no-slurm");
    std::fs::create_dir_all(&empty).unwrap();
    let r = Ran::from(
        cairn()
            .args(["run", "wf.yaml", "--executor", "slurm"])
            .current_dir(p.path())
            .env("CAIRN_WORK_DIR", p.path().join("store"))
            .env("PATH", &empty)
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("cannot run `sbatch`"), "{}", r.stderr);
}

#[test]
fn a_failed_task_is_submitted_again_on_rerun_not_adopted() {
    let Some(_g) = cluster("a_failed_task_is_submitted_again_on_rerun_not_adopted") else {
        return;
    };
    let p = Project::new();
    let flag = p.path().join("flag");
    p.write(
        "wf.yaml",
        &format!(
            "name: flaky\nsteps:\n  try:\n    out: {{ t: t.txt }}\n    \
             run: test -e {} && echo ok > {{{{ out.t }}}}\n",
            flag.display()
        ),
    );
    let first = run_slurm(&p, &["run", "wf.yaml"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    std::fs::write(&flag, "").unwrap();
    let second = run_slurm(&p, &["run", "wf.yaml"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stderr.contains("0 adopted"), "{}", second.stderr);
    assert_eq!(calls(&p, "sbatch").len(), 2);
}

#[test]
fn max_jobs_bounds_the_run_s_jobs_in_the_queue() {
    let Some(_g) = cluster("max_jobs_bounds_the_run_s_jobs_in_the_queue") else {
        return;
    };
    let p = Project::new();
    p.write("samples.csv", "sample\na\nb\nc\n");
    p.write(
        "wf.yaml",
        "name: one\nsamples: samples.csv\nsteps:\n  s:\n    per: sample\n    \
         out: { t: \"{{ sample }}.txt\" }\n    run: echo {{ sample }} > {{ out.t }}\n    \
         resources: { memory: 64MiB }\n",
    );
    p.write(
        "profile.yaml",
        "max_jobs: 1\npoll_interval: 500ms\nsteps:\n  s: { extra_args: [\"--comment=cairn-test\"] }\n",
    );
    let r = run_slurm(&p, &["run", "wf.yaml", "--profile", "profile.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // One job at a time: three plain submissions, no array.
    assert_eq!(calls(&p, "sbatch").len(), 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("3 tasks submitted in 3 sbatch calls (0 arrays)"),
        "{}",
        r.stderr
    );
    let ids = job_ids(&p.path().join("store/work"));
    let script = std::fs::read_to_string(Path::new(ids.keys().next().unwrap()).join("slurm.sh"));
    assert!(script.unwrap().contains("#SBATCH --comment=cairn-test\n"));
}

#[test]
fn germline_demo_on_slurm_gives_the_local_run_s_digests() {
    let Some(_g) = cluster("germline_demo_on_slurm_gives_the_local_run_s_digests") else {
        return;
    };
    let p = Project::new();
    let demo = |store: &str, out: &str, slurm: bool| {
        let mut cmd = cairn();
        cmd.args(["demo", "--progress", "plain", "--data-dir"])
            .arg(p.path().join("data"));
        cmd.arg("--outdir").arg(p.path().join(out));
        if slurm {
            cmd.args(["--executor", "slurm"])
                .env("PATH", path_with(&shims(&p)));
        }
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CAIRN_WORK_DIR", p.path().join(store));
        Ran::from(cmd.output().unwrap())
    };
    let local = demo("local-store", "local-results", false);
    assert_eq!(local.code, 0, "{}", local.stderr);
    let on_slurm = demo("slurm-store", "slurm-results", true);
    assert_eq!(on_slurm.code, 0, "{}", on_slurm.stderr);
    assert_eq!(on_slurm.executed(), 29, "{}", on_slurm.stderr);
    assert!(!calls(&p, "sbatch").is_empty());
    assert_eq!(
        blobs(&p.path().join("local-store")),
        blobs(&p.path().join("slurm-store"))
    );
}
