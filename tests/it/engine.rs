//! The engine through the command line: validation, caching, reruns, failures, signals, crashes.

use std::time::Duration;

use crate::support::{cairn, Project, Ran};

const WF: &str = r#"
name: demo
params:
  suffix: "!"
  scale: 1
samples: samples.csv
steps:
  upper:
    per: sample
    in: { reads: "{{ sample.reads }}" }
    out: { txt: "{{ sample }}.upper.txt" }
    run: tr a-z A-Z < {{ in.reads }} > {{ out.txt }}
  mark:
    per: sample
    in: { txt: "{{ upper.txt }}" }
    out: { txt: "{{ sample }}.mark.txt" }
    run: while read -r l; do printf '%s%s\n' "$l" {{ params.suffix }}; done < {{ in.txt }} > {{ out.txt }}
  total:
    in: { all: "{{ mark.txt[*] }}" }
    out: { n: total.txt }
    run: cat {{ in.all }} > {{ out.n }}
    publish: true
"#;

fn project() -> Project {
    let p = Project::new();
    p.write("wf.yaml", WF);
    p.write(
        "samples.csv",
        "sample,reads\nA,data/a.txt\nB,data/b file.txt\nC,data/c.txt\n",
    );
    p.write("data/a.txt", "alpha\n");
    p.write("data/b file.txt", "beta\n");
    p.write("data/c.txt", "gamma\n");
    p
}

fn run(p: &Project, extra: &[&str]) -> Ran {
    let mut args = vec!["run", "wf.yaml", "--progress", "plain"];
    args.extend_from_slice(extra);
    let r = p.run(&args);
    assert_eq!(r.code, 0, "run failed:\n{}", r.stderr);
    r
}

#[test]
fn validate_reports_every_problem_with_positions() {
    let p = Project::new();
    p.write("samples.csv", "sample,reads\nA,a.txt\n");
    p.write("a.txt", "x");
    p.write(
        "bad.yaml",
        r#"name: broken
samples: samples.csv
steps:
  first:
    per: sample
    in: { reads: "{{ sample.reads }}" }
    out: { txt: a.txt }
    runn: cat {{ in.reads }} > {{ out.txt }}
  second:
    kind: alignn
    per: sample
    in: { x: "{{ thrid.txt }}" }
  a:
    per: sample
    in: { x: "{{ b.txt }}" }
    out: { txt: a.txt }
    run: cat {{ in.x }} > {{ out.txt }}
  b:
    per: sample
    in: { x: "{{ a.txt }}" }
    out: { txt: b.txt }
    run: cat {{ in.x }} > {{ out.txt }}
"#,
    );
    let r = p.run(&["validate", "bad.yaml"]);
    assert_eq!(r.code, 2);
    // The list of built-in kinds grows; the snapshot is about the diagnostics.
    let filters = vec![
        (r"one of: [a-z, -]+\)", "one of: KINDS)"),
        (r"known kinds: [a-z, -]+", "known kinds: KINDS"),
    ];
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!("validate_errors", r.stderr);
    });
}

#[test]
fn bad_sample_ids_and_missing_files_are_input_errors() {
    let p = project();
    p.write(
        "samples.csv",
        "sample,reads\nA,data/a.txt\nx; rm -rf ~,data/c.txt\nD,data/missing.txt\n",
    );
    let r = p.run(&["validate", "wf.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("samples.csv:3: sample id `x; rm -rf ~` contains `;`"),
        "{}",
        r.stderr
    );
    p.write(
        "samples.csv",
        "sample,reads\nA,data/a.txt\nD,data/missing.txt\n",
    );
    let r = p.run(&["validate", "wf.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("upper/D: input `reads`: file"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("samples.csv line 3 column `reads`"),
        "{}",
        r.stderr
    );
}

#[test]
fn rerun_touch_and_copied_project_execute_nothing() {
    let p = project();
    let first = run(&p, &[]);
    assert_eq!(first.executed(), 7);
    assert_eq!(
        std::fs::read_to_string(p.path().join("results/total/total.txt")).unwrap(),
        "ALPHA!\nBETA!\nGAMMA!\n"
    );
    assert_eq!(run(&p, &[]).executed(), 0);
    for f in [
        "data/a.txt",
        "data/b file.txt",
        "data/c.txt",
        "wf.yaml",
        "samples.csv",
    ] {
        let file = std::fs::File::options()
            .write(true)
            .open(p.path().join(f))
            .unwrap();
        file.set_modified(std::time::SystemTime::now() + Duration::from_secs(10))
            .unwrap();
    }
    assert_eq!(run(&p, &[]).executed(), 0);
    // The whole project copied elsewhere, same store: still nothing to do.
    let copy = tempfile::tempdir().unwrap();
    for f in [
        "wf.yaml",
        "samples.csv",
        "data/a.txt",
        "data/b file.txt",
        "data/c.txt",
    ] {
        let to = copy.path().join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(p.path().join(f), to).unwrap();
    }
    let r = p.run_in(copy.path(), &["run", "wf.yaml", "--progress", "plain"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.executed(), 0, "{}", r.stderr);
}

#[test]
fn one_changed_sample_reruns_only_its_chain_and_plan_says_why() {
    let p = project();
    run(&p, &[]);
    p.write("data/b file.txt", "bravo\n");
    let plan = p.run(&["plan", "wf.yaml"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout
            .contains("upper/B  will run  input `reads` (b file.txt) content changed"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("upper/A  cached"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("7 tasks: 4 cached, 1 will run, 2 blocked"),
        "{}",
        plan.stdout
    );
    let explain = p.run(&["plan", "wf.yaml", "--explain", "upper/B"]);
    assert!(
        explain
            .stdout
            .contains("change  input `reads` (b file.txt) content changed"),
        "{}",
        explain.stdout
    );
    let r = run(&p, &[]);
    assert_eq!(r.executed(), 3, "upper/B, mark/B and total:\n{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(p.path().join("results/total/total.txt")).unwrap(),
        "ALPHA!\nBRAVO!\nGAMMA!\n"
    );
}

#[test]
fn param_change_reruns_its_step_and_early_cutoff_stops_identical_outputs() {
    let p = project();
    run(&p, &[]);
    let plan = p.run(&["plan", "wf.yaml", "--param", "suffix=?"]);
    assert!(
        plan.stdout
            .contains("mark/A   will run  param `params.suffix` \"!\" -> \"?\""),
        "{}",
        plan.stdout
    );
    assert_eq!(run(&p, &["--param", "suffix=?"]).executed(), 4);
    // A change that yields the same bytes upstream: `upper` reruns (its script changed) but produces
    // identical files, so `mark` and `total` stay cached.
    p.write(
        "wf.yaml",
        &WF.replace(
            "tr a-z A-Z < {{ in.reads }}",
            "cat {{ in.reads }} | tr a-z A-Z",
        ),
    );
    let r = run(&p, &["--param", "suffix=?"]);
    assert_eq!(r.executed(), 3, "only the three upper tasks:\n{}", r.stderr);
}

#[test]
fn failure_names_the_task_and_its_logs_and_keep_going_runs_the_rest() {
    let p = project();
    p.write(
        "wf.yaml",
        &WF.replace(
            "tr a-z A-Z < {{ in.reads }}",
            "grep -q alpha {{ in.reads }} && tr a-z A-Z < {{ in.reads }}",
        ),
    );
    let r = p.run(&[
        "run",
        "wf.yaml",
        "--progress",
        "plain",
        "--keep-going",
        "-j",
        "1",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("2 tasks failed"), "{}", r.stderr);
    assert!(r.stderr.contains("upper/B (FAILED)"), "{}", r.stderr);
    assert!(r.stderr.contains("logs: "), "{}", r.stderr);
    assert!(
        r.stderr.contains("mark/A (") || !r.stderr.contains("mark/A skipped"),
        "{}",
        r.stderr
    );
    let trace = std::fs::read_dir(p.path().join("store/runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("trace.tsv");
    let trace = std::fs::read_to_string(trace).unwrap();
    assert!(
        trace
            .lines()
            .any(|l| l.starts_with("mark/A\tmark\tA\tCOMPLETED\t0\t1\t")),
        "{trace}"
    );
    assert!(
        trace
            .lines()
            .any(|l| l.starts_with("upper/B\tupper\tB\tFAILED\t1\t1\t")),
        "{trace}"
    );
}

#[test]
fn retries_escalate_memory_and_timeouts_are_reported() {
    let p = Project::new();
    p.write(
        "wf.yaml",
        r#"name: retry
steps:
  flaky:
    out: { o: o.txt }
    resources: { memory: 100MiB }
    retry: { attempts: 3, memory_factor: 2 }
    run: |
      echo {{ task.memory_mb }} >> ../../attempts.txt
      test {{ task.attempt }} -ge 3
      echo ok > {{ out.o }}
  slow:
    out: { o: o.txt }
    resources: { time: 1s }
    run: sleep 30; touch {{ out.o }}
"#,
    );
    let r = p.run(&["run", "wf.yaml", "--progress", "plain", "--keep-going"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("slow (TIMEOUT)"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("  flaky ("),
        "flaky must succeed on its third attempt:\n{}",
        r.stderr
    );
    let attempts = std::fs::read_to_string(p.path().join("store/work/attempts.txt")).unwrap();
    assert_eq!(attempts, "100\n200\n400\n");
}

#[test]
fn keep_final_deletes_intermediates_and_reruns_stay_noops() {
    let p = project();
    run(&p, &["--keep", "final"]);
    let ls = p.run(&["cache", "ls"]);
    assert!(ls.stdout.contains("outputs removed"), "{}", ls.stdout);
    assert_eq!(run(&p, &[]).executed(), 0);
    // A changed input reruns `total`, which needs every `mark` output again, and those need
    // `upper`'s: the deleted intermediates are recomputed because something needs them, and the
    // plan says so.
    p.write("data/c.txt", "charlie\n");
    let plan = p.run(&["plan", "wf.yaml"]);
    assert!(
        plan.stdout.contains(
            "mark/A   will run  outputs are no longer in the store and `total` needs them"
        ),
        "{}",
        plan.stdout
    );
    assert_eq!(run(&p, &[]).executed(), 7);
    assert_eq!(
        std::fs::read_to_string(p.path().join("results/total/total.txt")).unwrap(),
        "ALPHA!\nBETA!\nCHARLIE!\n"
    );
}

#[test]
fn ctrl_c_stops_every_task_process() {
    let p = Project::new();
    let marker = format!("1000.{}", std::process::id());
    p.write(
        "wf.yaml",
        &format!(
            "name: sleepy\nsteps:\n  a:\n    out: {{ o: o }}\n    run: sleep {marker}\n  b:\n    out: {{ o: o }}\n    run: (sleep {marker}) & wait\n"
        ),
    );
    let mut child = cairn()
        .args(["run", "wf.yaml", "--progress", "plain"])
        .current_dir(p.path())
        .env("CAIRN_WORK_DIR", p.path().join("store"))
        .spawn()
        .unwrap();
    let count = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .filter(|c| String::from_utf8_lossy(c).contains(&marker))
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while count() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(count() >= 2, "tasks did not start");
    // SAFETY: sending SIGINT to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(count(), 0, "task processes outlived the run");
}

#[test]
fn two_concurrent_runs_on_one_store_both_succeed() {
    let p = project();
    p.write(
        "wf.yaml",
        &WF.replace(
            "tr a-z A-Z < {{ in.reads }}",
            "sleep 0.3; tr a-z A-Z < {{ in.reads }}",
        ),
    );
    let spawn = |out: &str| {
        cairn()
            .args(["run", "wf.yaml", "--progress", "quiet", "--outdir", out])
            .current_dir(p.path())
            .env("CAIRN_WORK_DIR", p.path().join("store"))
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("r1"), spawn("r2"));
    let (a, b) = (
        Ran::from(a.wait_with_output().unwrap()),
        Ran::from(b.wait_with_output().unwrap()),
    );
    assert_eq!((a.code, b.code), (0, 0), "{}\n{}", a.stderr, b.stderr);
    assert_eq!(
        a.executed() + b.executed(),
        7,
        "each action runs once across both runs:\n{}\n{}",
        a.stderr,
        b.stderr
    );
    for r in ["r1", "r2"] {
        assert_eq!(
            std::fs::read_to_string(p.path().join(r).join("total/total.txt")).unwrap(),
            "ALPHA!\nBETA!\nGAMMA!\n"
        );
    }
    let v = p.run(&["cache", "verify"]);
    assert_eq!(v.code, 0, "{}", v.stdout);
}

#[test]
fn kill_9_at_random_points_never_corrupts_results() {
    let p = project();
    p.write(
        "wf.yaml",
        &WF.replace(
            "tr a-z A-Z < {{ in.reads }}",
            "sleep 0.05; tr a-z A-Z < {{ in.reads }}",
        ),
    );
    let clean = project();
    clean.write(
        "wf.yaml",
        &WF.replace(
            "tr a-z A-Z < {{ in.reads }}",
            "sleep 0.05; tr a-z A-Z < {{ in.reads }}",
        ),
    );
    run(&clean, &[]);
    let expected = std::fs::read(clean.path().join("results/total/total.txt")).unwrap();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(seed % 400);
        let mut child = cairn()
            .args(["run", "wf.yaml", "--progress", "quiet", "-j", "2"])
            .current_dir(p.path())
            .env("CAIRN_WORK_DIR", p.path().join("store"))
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        // Each third round also edits an input, so reruns do real work.
        if round % 3 == 2 {
            p.write(
                "data/a.txt",
                if round % 2 == 0 {
                    "alpine\n"
                } else {
                    "alpha\n"
                },
            );
        }
    }
    p.write("data/a.txt", "alpha\n");
    let last = run(&p, &[]);
    assert!(last.code == 0);
    assert_eq!(
        std::fs::read(p.path().join("results/total/total.txt")).unwrap(),
        expected
    );
    let v = p.run(&["cache", "verify"]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert!(v.stdout.contains(": 0 corrupt"), "{}", v.stdout);
}

#[test]
fn paths_with_spaces_and_hostile_params_are_quoted() {
    let p = project();
    let hostile = "$(touch pwned)'\";x`id`";
    let r = run(&p, &["--param", &format!("suffix={hostile}")]);
    assert_eq!(r.code, 0);
    let total = std::fs::read_to_string(p.path().join("results/total/total.txt")).unwrap();
    assert_eq!(
        total,
        format!("ALPHA{hostile}\nBETA{hostile}\nGAMMA{hostile}\n")
    );
    assert!(!p.path().join("pwned").exists());
}

#[test]
fn dag_exports_dot_and_mermaid() {
    let p = project();
    let dot = p.run(&["dag", "wf.yaml"]);
    assert!(
        dot.stdout.contains("upper -> mark;") && dot.stdout.contains("mark -> total;"),
        "{}",
        dot.stdout
    );
    let m = p.run(&["dag", "wf.yaml", "--format", "mermaid", "--tasks"]);
    assert!(
        m.stdout.starts_with("flowchart LR\n") && m.stdout.contains("[\"mark/B\"]"),
        "{}",
        m.stdout
    );
}

#[test]
fn a_damaged_blob_is_recomputed_not_served() {
    use std::os::unix::fs::PermissionsExt;
    let p = project();
    run(&p, &[]);
    // Damage every blob of the store (same size, new content), as a stray write through a hard link would.
    let mut damaged = 0;
    for shard in std::fs::read_dir(p.path().join("store/cas")).unwrap() {
        for blob in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let path = blob.unwrap().path();
            let len = std::fs::metadata(&path).unwrap().len() as usize;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            std::fs::write(&path, "X".repeat(len)).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged >= 4);
    // Publishing into a new folder needs `total`'s blob, which needs `mark`'s, which need `upper`'s.
    let r = run(&p, &["--outdir", "fresh"]);
    assert_eq!(r.executed(), 7, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(p.path().join("fresh/total/total.txt")).unwrap(),
        "ALPHA!\nBETA!\nGAMMA!\n"
    );
    let v = p.run(&["cache", "verify"]);
    assert!(v.stdout.contains(": 0 corrupt"), "{}", v.stdout);
}

#[test]
fn built_in_steps_run_as_cairn_step_children_and_cache() {
    let p = Project::new();
    p.write(
        "wf.yaml",
        r#"name: builtins
params: { seed: 7 }
steps:
  sim:
    kind: simulate
    params: { size: 20000, coverage: 5, seed: "{{ params.seed }}" }
  qc:
    kind: fastq-qc
    in: { r1: "{{ sim.r1 }}", r2: "{{ sim.r2 }}" }
    resources: { cpus: 2 }
    publish: [json]
"#,
    );
    let r = run(&p, &[]);
    assert_eq!(r.executed(), 2, "{}", r.stderr);
    let qc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("results/qc/qc.json")).unwrap(),
    )
    .unwrap();
    assert!(qc.to_string().contains("q30"), "{qc}");
    let script = std::fs::read_dir(p.path().join("store/work"))
        .unwrap()
        .flat_map(|s| std::fs::read_dir(s.unwrap().path()).unwrap())
        .map(|d| std::fs::read_to_string(d.unwrap().path().join("command.sh")).unwrap())
        .find(|s| s.contains(" step fastq-qc "))
        .expect("a fastq-qc task script");
    assert!(
        script.contains("exec ") && script.contains("/cairn step fastq-qc "),
        "{script}"
    );
    assert_eq!(run(&p, &[]).executed(), 0);
    let plan = p.run(&["plan", "wf.yaml", "--param", "seed=8"]);
    assert!(
        plan.stdout.contains("sim  will run  param `seed` 7 -> 8"),
        "{}",
        plan.stdout
    );
}

#[test]
fn an_unpinned_container_image_is_a_warning() {
    let p = project();
    p.write(
        "wf.yaml",
        &WF.replace("  total:\n", "  total:\n    container: debian:12\n"),
    );
    let r = p.run(&["validate", "wf.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: wf.yaml:19:16: at `steps.total.container`: container image `debian:12` is not pinned"),
        "{}",
        r.stderr
    );
}
