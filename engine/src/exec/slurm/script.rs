//! The batch script submitted for a task (`slurm.sh` in its directory).
//!
//! The job runs `bash command.sh` in the task directory, like the local executor, and writes its
//! exit status to `exitcode` (through a temporary name, so a reader never sees half a number).
//! That file is the truth about the command; SLURM's accounting adds why a job ended without one
//! (time limit, memory limit) and what it used.

use std::path::Path;
use std::time::Duration;

use super::profile::Profile;
use crate::exec::ExecTask;
use crate::shell::quote;

/// What a job asks SLURM for, after the profile's per-step overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub cpus: u32,
    pub memory_mib: u64,
    pub time: Option<Duration>,
    pub partition: Option<String>,
    pub account: Option<String>,
    pub qos: Option<String>,
    pub extra_args: Vec<String>,
}

impl Request {
    pub fn new(task: &ExecTask, profile: &Profile) -> Request {
        let o = profile.step(&task.name).cloned().unwrap_or_default();
        let memory = task.memory.max(o.memory.unwrap_or(0));
        let mut extra_args = profile.extra_args.clone();
        extra_args.extend(o.extra_args);
        Request {
            cpus: o.cpus.unwrap_or(task.cpus).max(1),
            memory_mib: memory.div_ceil(1 << 20).max(1),
            time: o.time.or(task.timeout),
            partition: o.partition.or_else(|| profile.partition.clone()),
            account: profile.account.clone(),
            qos: o.qos.or_else(|| profile.qos.clone()),
            extra_args,
        }
    }
}

/// SLURM's `--time` as `D-HH:MM:SS`, rounded up to whole seconds (at least one).
pub fn time_limit(t: Duration) -> String {
    let secs = t.as_secs() + u64::from(t.subsec_nanos() > 0);
    let secs = secs.max(1);
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    format!("{d}-{h:02}:{m:02}:{s:02}")
}

/// A job name SLURM and `squeue` show cleanly: `cairn-` + the task name, safe characters only.
pub fn job_name(task_name: &str) -> String {
    let clean: String = task_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    format!("cairn-{clean}")
}

/// The `#SBATCH` lines shared by single jobs and arrays.
fn directives(name: &str, req: &Request, out: &str, err: &str) -> String {
    let mut lines = vec![
        format!("--job-name={}", job_name(name)),
        format!("--cpus-per-task={}", req.cpus),
        format!("--mem={}M", req.memory_mib),
        format!("--output={out}"),
        format!("--error={err}"),
        "--nodes=1".to_string(),
        "--ntasks=1".to_string(),
    ];
    if let Some(t) = req.time {
        lines.push(format!("--time={}", time_limit(t)));
    }
    for (flag, v) in [
        ("partition", &req.partition),
        ("account", &req.account),
        ("qos", &req.qos),
    ] {
        if let Some(v) = v {
            lines.push(format!("--{flag}={v}"));
        }
    }
    lines.extend(req.extra_args.iter().cloned());
    lines.iter().map(|l| format!("#SBATCH {l}\n")).collect()
}

/// Runs `bash command.sh` in `$dir` and records its exit status there.
const BODY: &str = r#"cd "$dir" || exit 120
export CAIRN_TASK_CPUS="${SLURM_CPUS_PER_TASK:-1}"
bash command.sh
rc=$?
echo "$rc" > exitcode.tmp && mv -f exitcode.tmp exitcode
exit "$rc"
"#;

/// The script of a single-task job; `%` in paths is doubled because SLURM expands it in file names.
pub fn single(task: &ExecTask, req: &Request) -> String {
    let dir = task.dir.to_string_lossy();
    let esc = dir.replace('%', "%%");
    format!(
        "#!/bin/bash\n{}dir={}\n{BODY}",
        directives(
            &task.name,
            req,
            &format!("{esc}/stdout"),
            &format!("{esc}/stderr")
        ),
        quote(&dir)
    )
}

/// The script of a job array with one element per task of `tasks` (same step, same request):
/// element `i` runs the task in the `i`-th directory of the list written into the script, so the
/// script needs no other file. Each element writes its own `stdout` and `stderr` there.
pub fn array(step: &str, tasks: &[ExecTask], req: &Request) -> String {
    let dirs: String = tasks
        .iter()
        .map(|t| format!("  {}\n", quote(&t.dir.to_string_lossy())))
        .collect();
    format!(
        "#!/bin/bash\n{}#SBATCH --array=0-{}\ndirs=(\n{dirs})\ndir=\"${{dirs[$SLURM_ARRAY_TASK_ID]}}\"\n\
         exec >\"$dir/stdout\" 2>\"$dir/stderr\" || exit 120\n{BODY}",
        directives(step, req, "/dev/null", "/dev/null"),
        tasks.len() - 1
    )
}

/// Whether a path can go into an `#SBATCH` line unchanged (no spaces or newlines).
pub fn usable_path(p: &Path) -> bool {
    p.to_str()
        .is_some_and(|s| !s.chars().any(|c| c.is_whitespace()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn task() -> ExecTask {
        ExecTask {
            name: "align/NA12878".into(),
            dir: PathBuf::from("/store/tasks/ab12"),
            cpus: 2,
            memory: 1536 << 20,
            timeout: Some(Duration::from_secs(90)),
            attempt: 1,
        }
    }

    #[test]
    fn single_job_script() {
        let req = Request::new(&task(), &Profile::default());
        let s = single(&task(), &req);
        let expected = "#!/bin/bash
#SBATCH --job-name=cairn-align_NA12878
#SBATCH --cpus-per-task=2
#SBATCH --mem=1536M
#SBATCH --output=/store/tasks/ab12/stdout
#SBATCH --error=/store/tasks/ab12/stderr
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --time=0-00:01:30
dir=/store/tasks/ab12
";
        assert!(s.starts_with(expected), "{s}");
        assert!(s.contains("bash command.sh\nrc=$?\n"));
        assert!(s.ends_with("exit \"$rc\"\n"));
    }

    #[test]
    fn profile_and_step_overrides() {
        let p = Profile::parse(
            "partition: main\naccount: lab\nextra_args: [\"--nice=5\"]\n\
             steps:\n  align: { cpus: 8, memory: 4GiB, qos: long, extra_args: [\"--exclusive\"] }\n",
        )
        .unwrap();
        let req = Request::new(&task(), &p);
        assert_eq!(req.cpus, 8);
        assert_eq!(req.memory_mib, 4096);
        let s = single(&task(), &req);
        for line in [
            "#SBATCH --partition=main\n",
            "#SBATCH --account=lab\n",
            "#SBATCH --qos=long\n",
            "#SBATCH --nice=5\n",
            "#SBATCH --exclusive\n",
        ] {
            assert!(s.contains(line), "missing {line:?} in {s}");
        }
        // A retry that escalated above the floor keeps its memory.
        let mut big = task();
        big.memory = 8 << 30;
        assert_eq!(Request::new(&big, &p).memory_mib, 8192);
    }

    #[test]
    fn array_script_picks_its_task_directory_by_index() {
        let mut b = task();
        b.name = "align/NA12891".into();
        b.dir = PathBuf::from("/store/tasks/cd34");
        let req = Request::new(&task(), &Profile::default());
        let s = array("align", &[task(), b], &req);
        assert!(s.contains("#SBATCH --job-name=cairn-align\n"), "{s}");
        assert!(s.contains("#SBATCH --output=/dev/null\n"), "{s}");
        assert!(s.contains("#SBATCH --array=0-1\n"), "{s}");
        assert!(
            s.contains("dirs=(\n  /store/tasks/ab12\n  /store/tasks/cd34\n)\n"),
            "{s}"
        );
        assert!(s.contains("dir=\"${dirs[$SLURM_ARRAY_TASK_ID]}\"\n"), "{s}");
        assert!(s.contains("exec >\"$dir/stdout\" 2>\"$dir/stderr\""), "{s}");
        assert!(s.ends_with("exit \"$rc\"\n"));
    }

    #[test]
    fn limits_and_names() {
        assert_eq!(time_limit(Duration::from_millis(1500)), "0-00:00:02");
        assert_eq!(time_limit(Duration::from_secs(90_061)), "1-01:01:01");
        assert_eq!(time_limit(Duration::ZERO), "0-00:00:01");
        assert_eq!(job_name("call/s 1"), "cairn-call_s_1");
        assert!(usable_path(Path::new("/a/b")));
        assert!(!usable_path(Path::new("/a b")));
    }

    #[test]
    fn percent_in_paths_is_escaped_for_slurm() {
        let mut t = task();
        t.dir = PathBuf::from("/x/100%/t");
        let s = single(&t, &Request::new(&t, &Profile::default()));
        assert!(s.contains("--output=/x/100%%/t/stdout"));
        assert!(s.contains("dir=/x/100%/t\n"));
    }
}
