//! Submission. Tasks of one step with the same request that arrive within [`BATCH_WINDOW`] of each
//! other (the scheduler hands over a step's ready tasks one by one, in a burst) become ONE
//! `sbatch` of a job array; a lone task becomes a plain job. Every submission waits for the
//! profile's rate limit. Each task's job id (`JOB` or `JOB_INDEX`) goes into its `slurm_job_id`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::oneshot;

use super::parse::{self, JobId};
use super::script::{self, Request};
use super::Inner;
use crate::exec::{ExecTask, TaskOutcome};

/// How long the first task of a batch waits for others of its step.
pub const BATCH_WINDOW: Duration = Duration::from_millis(200);
/// Elements per array at most (SLURM's default `MaxArraySize` is 1001).
const MAX_ARRAY: usize = 1000;

type Reply = oneshot::Sender<Result<JobId, TaskOutcome>>;

/// Tasks waiting to be submitted together.
#[derive(Default)]
pub(super) struct Batch {
    tasks: Vec<ExecTask>,
    replies: Vec<Reply>,
}

fn error(message: String) -> TaskOutcome {
    TaskOutcome::Error { message }
}

/// Submit `task`, alone or in an array with others of its step; returns its job id.
pub(super) async fn submit(inner: &Arc<Inner>, task: ExecTask) -> Result<JobId, TaskOutcome> {
    if !script::usable_path(&task.dir) {
        return Err(error(format!(
            "the task directory {} has a space in its path, which #SBATCH lines cannot carry; \
             use a store path without spaces",
            task.dir.display()
        )));
    }
    let req = Request::new(&task, &inner.profile);
    let step = task
        .name
        .split('/')
        .next()
        .unwrap_or(&task.name)
        .to_string();
    let key = format!("{step}\u{0}{req:?}");
    let (tx, rx) = oneshot::channel();
    let (first, full) = {
        let mut batches = inner.batches.lock().expect("batch lock");
        let first = !batches.contains_key(&key);
        let b = batches.entry(key.clone()).or_default();
        b.tasks.push(task);
        b.replies.push(tx);
        let full = (b.tasks.len() >= MAX_ARRAY).then(|| batches.remove(&key));
        (first, full.flatten())
    };
    if let Some(batch) = full {
        let inner = inner.clone();
        tokio::spawn(async move { flush(&inner, &step, &req, batch).await });
    } else if first {
        let inner = inner.clone();
        tokio::spawn(async move {
            tokio::time::sleep(BATCH_WINDOW).await;
            let batch = inner.batches.lock().expect("batch lock").remove(&key);
            if let Some(batch) = batch {
                flush(&inner, &step, &req, batch).await;
            }
        });
    }
    rx.await
        .unwrap_or_else(|_| Err(error("the submission of this task was lost".into())))
}

async fn flush(inner: &Inner, step: &str, req: &Request, batch: Batch) {
    let Batch { tasks, replies } = batch;
    let text = match tasks.as_slice() {
        [one] => script::single(one, req),
        many => script::array(step, many, req),
    };
    for t in &tasks {
        let path = t.dir.join("slurm.sh");
        if let Err(e) = std::fs::write(&path, &text) {
            let e = format!("cannot write {}: {e}", path.display());
            replies.into_iter().for_each(|r| {
                let _ = r.send(Err(error(e.clone())));
            });
            return;
        }
    }
    let job = match sbatch(inner, &tasks[0]).await {
        Ok(job) => job,
        Err(e) => {
            replies.into_iter().for_each(|r| {
                let _ = r.send(Err(error(e.clone())));
            });
            return;
        }
    };
    inner
        .stats
        .submitted
        .fetch_add(tasks.len() as u64, Ordering::Relaxed);
    if tasks.len() > 1 {
        inner.stats.arrays.fetch_add(1, Ordering::Relaxed);
    }
    for (i, (t, reply)) in tasks.iter().zip(replies).enumerate() {
        let id = if tasks.len() > 1 {
            format!("{job}_{i}")
        } else {
            job.clone()
        };
        let res = match std::fs::write(t.dir.join("slurm_job_id"), format!("{id}\n")) {
            Ok(()) => Ok(id),
            Err(e) => {
                let _ = Command::new("scancel").arg(&id).output().await;
                Err(error(format!(
                    "slurm job {id} cancelled: cannot record its id: {e}"
                )))
            }
        };
        let _ = reply.send(res);
    }
}

/// `sbatch --parsable slurm.sh` in `task`'s directory, retried while the controller is busy;
/// a request SLURM refuses outright (more memory than any node has) fails at once.
async fn sbatch(inner: &Inner, task: &ExecTask) -> Result<JobId, String> {
    let mut last = String::new();
    for attempt in 0..3u32 {
        rate_limit(inner).await;
        inner.stats.sbatch.fetch_add(1, Ordering::Relaxed);
        let out = Command::new("sbatch")
            .args(["--parsable", "slurm.sh"])
            .current_dir(&task.dir)
            .output()
            .await
            .map_err(|e| format!("cannot run sbatch: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if let (true, Some(id)) = (out.status.success(), parse::sbatch_id(&stdout)) {
            return Ok(id);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        last = format!("{} {}", stdout.trim(), stderr.trim());
        if !parse::sbatch_transient(&stderr) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
    }
    Err(format!(
        "sbatch refused {}/slurm.sh: {}",
        task.dir.display(),
        last.trim()
    ))
}

async fn rate_limit(inner: &Inner) {
    let gap = Duration::from_secs_f64(1.0 / inner.profile.submit_rate);
    let mut next = inner.next_submit.lock().await;
    let now = tokio::time::Instant::now();
    if *next > now {
        tokio::time::sleep_until(*next).await;
    }
    *next = (*next).max(now) + gap;
}
