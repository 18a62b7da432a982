//! The SLURM executor: each task is a batch job (`slurm.sh` in its directory, submitted with
//! `sbatch --parsable`), watched by one monitor loop that asks `squeue` and `sacct` about all of
//! the run's jobs at once per poll interval (see [`monitor`]).
//!
//! The job id is kept in the task directory (`slurm_job_id`). When the engine is killed and rerun,
//! [`Executor::adoptable`] finds a job that is still queued or running (or ended while nobody was
//! watching) for a task directory, the scheduler keeps the directory as it is, and `run` adopts the
//! job instead of submitting it again. A job whose end was already reported (`slurm_reported`)
//! is never adopted: a rerun of a failed task runs it again.

pub mod monitor;
pub mod parse;
pub mod profile;
pub mod script;
pub mod submit;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::process::Command;
use tokio::sync::{oneshot, Semaphore};
use tokio_util::sync::CancellationToken;

use self::monitor::Watch;
use self::parse::JobId;
use self::profile::Profile;
use super::{BoxFuture, ExecTask, Executor, TaskOutcome};

/// How long a cancellation waits for others to share its `scancel` call.
const CANCEL_WINDOW: Duration = Duration::from_millis(50);

/// Written into a task directory once its job's end was handed to the scheduler.
const REPORTED: &str = "slurm_reported";

/// Counters of what the executor asked the cluster, for the end-of-run summary and tests.
#[derive(Debug, Default)]
pub struct Stats {
    /// Tasks submitted, in how many `sbatch` calls, of which job arrays.
    pub submitted: AtomicU64,
    pub sbatch: AtomicU64,
    pub arrays: AtomicU64,
    pub adopted: AtomicU64,
    pub polls: AtomicU64,
    pub squeue: AtomicU64,
    pub sacct: AtomicU64,
    pub scancel: AtomicU64,
}

pub(crate) struct Inner {
    profile: Profile,
    watched: Mutex<HashMap<JobId, Watch>>,
    monitor_started: AtomicBool,
    /// One permit per job of this run in the queue (the profile's `max_jobs`).
    slots: Arc<Semaphore>,
    next_submit: tokio::sync::Mutex<tokio::time::Instant>,
    /// The user's queue as `adoptable` last saw it, and when.
    #[allow(clippy::type_complexity)]
    snapshot: Mutex<Option<(Instant, HashMap<JobId, String>)>>,
    /// Jobs waiting for the next `scancel`, with their tasks' wake-ups.
    #[allow(clippy::type_complexity)]
    cancels: Mutex<Option<(Vec<JobId>, Vec<oneshot::Sender<()>>)>>,
    /// Tasks waiting to be submitted together, by step and request.
    batches: Mutex<HashMap<String, submit::Batch>>,
    /// Task directories whose earlier job `adoptable` found, by directory.
    adopting: Mutex<HashMap<PathBuf, JobId>>,
    /// Jobs whose end was reported; they are never adopted again (a retry resubmits).
    reported: Mutex<HashSet<JobId>>,
    stats: Stats,
}

pub struct SlurmExecutor {
    inner: Arc<Inner>,
}

impl SlurmExecutor {
    /// An executor for the cluster `sbatch` talks to; fails when `sbatch` cannot be run.
    pub fn new(profile: Profile) -> Result<SlurmExecutor, String> {
        let probe = std::process::Command::new("sbatch")
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run `sbatch` ({e}); install the SLURM client tools or run with --executor local"))?;
        if !probe.status.success() {
            return Err(format!(
                "`sbatch --version` failed: {}",
                String::from_utf8_lossy(&probe.stderr).trim()
            ));
        }
        let slots = Arc::new(Semaphore::new(profile.max_jobs));
        Ok(SlurmExecutor {
            inner: Arc::new(Inner {
                profile,
                watched: Mutex::new(HashMap::new()),
                monitor_started: AtomicBool::new(false),
                slots,
                next_submit: tokio::sync::Mutex::new(tokio::time::Instant::now()),
                batches: Mutex::new(HashMap::new()),
                cancels: Mutex::new(None),
                snapshot: Mutex::new(None),
                adopting: Mutex::new(HashMap::new()),
                reported: Mutex::new(HashSet::new()),
                stats: Stats::default(),
            }),
        })
    }

    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }

    /// One line for the end of a run: jobs submitted, and the queries that watched them.
    pub fn summary(&self) -> String {
        let s = &self.inner.stats;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "slurm: {} tasks submitted in {} sbatch calls ({} arrays), {} adopted; {} polls every {:?}: {} squeue + {} sacct queries, {} scancel calls",
            g(&s.submitted),
            g(&s.sbatch),
            g(&s.arrays),
            g(&s.adopted),
            g(&s.polls),
            self.inner.profile.poll_interval,
            g(&s.squeue),
            g(&s.sacct),
            g(&s.scancel),
        )
    }
}

impl Executor for SlurmExecutor {
    fn name(&self) -> &'static str {
        "slurm"
    }

    fn run(&self, task: ExecTask, cancel: CancellationToken) -> BoxFuture<'_, TaskOutcome> {
        Box::pin(run_job(self.inner.clone(), task, cancel))
    }

    fn adoptable(&self, dir: &Path) -> bool {
        let Some(id) = read_job_id(dir) else {
            return false;
        };
        // A reported job's result belongs to a finished run: rerunning the task resubmits it.
        if dir.join(REPORTED).exists() || self.inner.reported.lock().expect("lock").contains(&id) {
            return false;
        }
        let queued = self.queue_state(&id).is_some_and(|s| parse::is_active(&s));
        // A job that ended while no engine watched it left its exitcode: collect that result.
        let ok = queued || monitor::exitcode(dir).is_some();
        if ok {
            self.inner
                .adopting
                .lock()
                .expect("lock")
                .insert(dir.to_path_buf(), id);
        }
        ok
    }
}

impl SlurmExecutor {
    /// The state of `id` in the queue, from one `squeue --me` snapshot shared by the adoption
    /// checks of a poll interval (a rerun checks every task directory at once); `squeue --jobs`
    /// for that one job when the snapshot cannot be taken.
    fn queue_state(&self, id: &str) -> Option<String> {
        let mut snap = self.inner.snapshot.lock().expect("snapshot lock");
        let stale = snap
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > self.inner.profile.poll_interval);
        if stale {
            *snap =
                squeue_sync(&["--me".to_string()], &self.inner.stats).map(|q| (Instant::now(), q));
        }
        match snap.as_ref() {
            Some((_, q)) => q.get(id).cloned(),
            None => squeue_sync(&[format!("--jobs={id}")], &self.inner.stats)?.remove(id),
        }
    }
}

fn squeue_sync(select: &[String], stats: &Stats) -> Option<HashMap<JobId, String>> {
    stats.squeue.fetch_add(1, Ordering::Relaxed);
    let out = std::process::Command::new("squeue")
        .args(select)
        .args(["--array", "--noheader", "--format=%i|%T"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| parse::squeue(&String::from_utf8_lossy(&out.stdout)))
}

fn read_job_id(dir: &Path) -> Option<JobId> {
    let text = std::fs::read_to_string(dir.join("slurm_job_id")).ok()?;
    let id = text.trim();
    parse::valid_id(id).then(|| id.to_string())
}

async fn run_job(inner: Arc<Inner>, task: ExecTask, cancel: CancellationToken) -> TaskOutcome {
    if !inner.monitor_started.swap(true, Ordering::SeqCst) {
        tokio::spawn(monitor::run(
            Arc::downgrade(&inner),
            inner.profile.poll_interval,
        ));
    }
    let since = Instant::now();
    let permit = tokio::select! {
        p = inner.slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
        () = cancel.cancelled() => return TaskOutcome::Cancelled,
    };
    let adopted = inner.adopting.lock().expect("lock").remove(&task.dir);
    let id = match adopted {
        Some(id) => {
            inner.stats.adopted.fetch_add(1, Ordering::Relaxed);
            id
        }
        None => match submit::submit(&inner, task.clone()).await {
            Ok(id) => id,
            Err(outcome) => return outcome,
        },
    };
    let (tx, rx) = oneshot::channel();
    let watch = Watch {
        dir: task.dir.clone(),
        tx,
        gone_polls: 0,
    };
    inner
        .watched
        .lock()
        .expect("lock")
        .insert(id.clone(), watch);
    let ended = tokio::select! {
        r = rx => r.ok(),
        () = cancel.cancelled() => None,
    };
    inner.watched.lock().expect("lock").remove(&id);
    inner.reported.lock().expect("lock").insert(id.clone());
    let _ = std::fs::write(task.dir.join(REPORTED), "");
    drop(permit);
    match ended {
        Some(acct) => monitor::classify(&id, acct.as_ref(), monitor::exitcode(&task.dir), since),
        None => {
            scancel(&inner, id).await;
            TaskOutcome::Cancelled
        }
    }
}

/// Cancel `id` together with the other jobs cancelled within [`CANCEL_WINDOW`] (after Ctrl-C,
/// every task of the run at once): one `scancel` call for all of them, which returns when done.
async fn scancel(inner: &Arc<Inner>, id: JobId) {
    let (tx, rx) = oneshot::channel();
    let first = {
        let mut pending = inner.cancels.lock().expect("cancel lock");
        let first = pending.is_none();
        let (ids, done) = pending.get_or_insert_with(Default::default);
        ids.push(id);
        done.push(tx);
        first
    };
    if first {
        let inner = inner.clone();
        tokio::spawn(async move {
            tokio::time::sleep(CANCEL_WINDOW).await;
            let Some((ids, done)) = inner.cancels.lock().expect("cancel lock").take() else {
                return;
            };
            inner.stats.scancel.fetch_add(1, Ordering::Relaxed);
            let _ = Command::new("scancel").args(&ids).output().await;
            for d in done {
                let _ = d.send(());
            }
        });
    }
    let _ = rx.await;
}
