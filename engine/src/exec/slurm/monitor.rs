//! The one status loop of a SLURM executor: every poll interval, ONE `squeue` for all of the
//! run's jobs still watched and, when some left the queue, ONE `sacct` for those. A cluster's
//! controller answers every user's queries, so the cost must not grow with the number of jobs.
//!
//! Accounting is optional: when `sacct` fails (accounting disabled, slurmdbd down) or lags behind
//! the controller, the task's `exitcode` file decides after a few polls.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Weak;
use std::time::{Duration, Instant};

use tokio::process::Command;
use tokio::sync::oneshot;

use super::parse::{self, Accounting, JobId};
use super::Inner;
use crate::exec::{TaskOutcome, Usage};

/// Polls to wait, after a job left the queue, for accounting to record its end.
const ACCOUNTING_LAG_POLLS: u32 = 3;
/// Polls to wait for the `exitcode` file when accounting cannot be asked (slow shared file systems).
const FILE_LAG_POLLS: u32 = 5;

/// A job the monitor watches for the task waiting on `tx`.
pub(super) struct Watch {
    pub(super) dir: PathBuf,
    pub(super) tx: oneshot::Sender<Option<Accounting>>,
    /// Polls since the job was first missing from `squeue`.
    pub(super) gone_polls: u32,
}

pub(super) async fn run(inner: Weak<Inner>, poll: Duration) {
    loop {
        tokio::time::sleep(poll).await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let ids: Vec<JobId> = inner
            .watched
            .lock()
            .expect("watch lock")
            .keys()
            .cloned()
            .collect();
        if !ids.is_empty() {
            poll_once(&inner, &ids).await;
        }
    }
}

fn id_list(ids: &[JobId]) -> String {
    ids.iter()
        .map(JobId::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Active jobs among `ids`, or `None` when squeue failed (then nothing is decided this poll).
async fn squeue(inner: &Inner, ids: &[JobId]) -> Option<HashMap<JobId, String>> {
    inner.stats.squeue.fetch_add(1, Ordering::Relaxed);
    let out = Command::new("squeue")
        .arg(format!("--jobs={}", id_list(ids)))
        .args(["--array", "--noheader", "--format=%i|%T"])
        .output()
        .await
        .ok()?;
    if out.status.success() {
        return Some(parse::squeue(&String::from_utf8_lossy(&out.stdout)));
    }
    parse::squeue_all_gone(&String::from_utf8_lossy(&out.stderr)).then(HashMap::new)
}

/// Accounting records of `ids`, or `None` when accounting cannot be asked.
async fn sacct(inner: &Inner, ids: &[JobId]) -> Option<HashMap<JobId, Accounting>> {
    inner.stats.sacct.fetch_add(1, Ordering::Relaxed);
    let out = Command::new("sacct")
        .arg(format!("--jobs={}", id_list(ids)))
        .args([
            "--parsable2",
            "--noheader",
            "--format=JobID,State,ExitCode,Elapsed,MaxRSS,TotalCPU",
        ])
        .output()
        .await
        .ok()?;
    out.status
        .success()
        .then(|| parse::sacct(&String::from_utf8_lossy(&out.stdout)))
}

async fn poll_once(inner: &Inner, ids: &[JobId]) {
    inner.stats.polls.fetch_add(1, Ordering::Relaxed);
    let Some(active) = squeue(inner, ids).await else {
        return;
    };
    let gone: Vec<JobId> = ids
        .iter()
        .filter(|id| active.get(*id).is_none_or(|s| !parse::is_active(s)))
        .cloned()
        .collect();
    if gone.is_empty() {
        return;
    }
    let acct = sacct(inner, &gone).await;
    let mut watched = inner.watched.lock().expect("watch lock");
    for id in gone {
        let Some(w) = watched.get_mut(id.as_str()) else {
            continue;
        };
        w.gone_polls += 1;
        let rec = acct
            .as_ref()
            .and_then(|a| a.get(&id))
            .filter(|r| !parse::is_active(&r.state));
        let file = exitcode(&w.dir).is_some();
        let decided = rec.is_some()
            || (acct.is_none() && file)
            || (acct.is_some() && w.gone_polls > ACCOUNTING_LAG_POLLS)
            || w.gone_polls > FILE_LAG_POLLS;
        if decided {
            let rec = rec.cloned();
            if let Some(w) = watched.remove(&id) {
                let _ = w.tx.send(rec);
            }
        }
    }
}

/// The exit status the job's wrapper wrote, if it got that far.
pub(super) fn exitcode(dir: &Path) -> Option<i32> {
    std::fs::read_to_string(dir.join("exitcode"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The outcome of a job that left the queue: the `exitcode` file says whether the command
/// succeeded; accounting says why a job without one ended, and what it used.
pub(super) fn classify(
    job: &str,
    acct: Option<&Accounting>,
    code: Option<i32>,
    since: Instant,
) -> TaskOutcome {
    let usage = match acct {
        Some(a) => Usage {
            wall: a.elapsed,
            cpu: a.total_cpu,
            peak_rss: a.max_rss,
        },
        None => Usage {
            wall: since.elapsed(),
            ..Usage::default()
        },
    };
    let state = acct.map(|a| a.state.as_str());
    match (code, state) {
        (Some(0), _) => TaskOutcome::Succeeded { usage },
        (_, Some("OUT_OF_MEMORY")) => TaskOutcome::OutOfMemory { usage },
        (_, Some("TIMEOUT" | "DEADLINE")) => TaskOutcome::TimedOut { usage },
        (Some(c), _) if (129..=192).contains(&c) => TaskOutcome::Killed {
            signal: c - 128,
            usage,
        },
        (Some(c), _) => TaskOutcome::Failed {
            exit_code: c,
            usage,
        },
        (None, Some(s)) => TaskOutcome::Error {
            message: format!(
                "slurm job {job} ended {s} without running the command to its end (see its stderr)"
            ),
        },
        (None, None) => TaskOutcome::Error {
            message: format!(
                "slurm job {job} left the queue without writing `exitcode` and accounting has no \
                 record of it; see the task's stderr and `scontrol show job {job}`"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(state: &str, rss: u64) -> Accounting {
        Accounting {
            state: state.into(),
            exit_code: 0,
            signal: 0,
            elapsed: Duration::from_secs(3),
            total_cpu: Duration::from_millis(200),
            max_rss: rss,
        }
    }

    #[test]
    fn exitcode_file_is_the_truth() {
        let now = Instant::now();
        let ok = classify("7", Some(&acct("COMPLETED", 4096)), Some(0), now);
        assert_eq!(ok.status(), "COMPLETED");
        assert_eq!(ok.usage().peak_rss, 4096);
        assert_eq!(ok.usage().wall, Duration::from_secs(3));
        // Accounting off: the file alone decides.
        assert_eq!(classify("7", None, Some(0), now).status(), "COMPLETED");
        assert_eq!(classify("7", None, Some(2), now).exit_code(), Some(2));
        assert_eq!(classify("7", None, Some(137), now).status(), "KILLED");
    }

    #[test]
    fn limits_become_retryable_outcomes() {
        let now = Instant::now();
        // The OOM killer took the command (exit 137) and SLURM says why.
        let oom = classify("7", Some(&acct("OUT_OF_MEMORY", 0)), Some(137), now);
        assert_eq!(oom.status(), "OUT_OF_MEMORY");
        // The time limit killed the wrapper before it could write the file.
        let t = classify("7", Some(&acct("TIMEOUT", 0)), None, now);
        assert_eq!(t.status(), "TIMEOUT");
        assert!(t.retryable());
    }

    #[test]
    fn jobs_without_a_result_are_errors_that_name_the_job() {
        let now = Instant::now();
        let c = classify("42", Some(&acct("CANCELLED", 0)), None, now);
        assert!(
            matches!(&c, TaskOutcome::Error { message } if message.contains("42 ended CANCELLED"))
        );
        let n = classify("42", None, None, now);
        assert!(
            matches!(&n, TaskOutcome::Error { message } if message.contains("scontrol show job 42"))
        );
    }
}
