//! Executors: where a prepared task's `command.sh` runs.
//!
//! An executor never returns an error: whatever happens becomes a [`TaskOutcome`] the scheduler can
//! act on (retry, report, cancel). Every task runs in its own directory, which holds `command.sh`,
//! `stdout`, `stderr` and `exitcode`, so a failed task can be rerun by hand with `bash command.sh`.

pub mod container;
pub mod local;
pub mod slurm;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A task ready to execute.
#[derive(Debug, Clone)]
pub struct ExecTask {
    pub name: String,
    /// The task directory; `command.sh` is inside.
    pub dir: PathBuf,
    pub cpus: u32,
    pub memory: u64,
    pub timeout: Option<Duration>,
    pub attempt: u32,
}

/// Measurements of a finished process.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub wall: Duration,
    pub cpu: Duration,
    /// Peak resident set size in bytes (of the task's processes that were waited for).
    pub peak_rss: u64,
}

/// What happened to a task.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    Succeeded {
        usage: Usage,
    },
    Failed {
        exit_code: i32,
        usage: Usage,
    },
    /// Killed by a signal (9 after running out of memory, typically).
    Killed {
        signal: i32,
        usage: Usage,
    },
    TimedOut {
        usage: Usage,
    },
    OutOfMemory {
        usage: Usage,
    },
    Cancelled,
    /// The task could not be started or its result not read.
    Error {
        message: String,
    },
}

impl TaskOutcome {
    pub fn usage(&self) -> Usage {
        match self {
            TaskOutcome::Succeeded { usage }
            | TaskOutcome::Failed { usage, .. }
            | TaskOutcome::Killed { usage, .. }
            | TaskOutcome::TimedOut { usage }
            | TaskOutcome::OutOfMemory { usage } => *usage,
            TaskOutcome::Cancelled | TaskOutcome::Error { .. } => Usage::default(),
        }
    }

    /// The exit code as a shell reports it (128 + signal for a killed process).
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            TaskOutcome::Succeeded { .. } => Some(0),
            TaskOutcome::Failed { exit_code, .. } => Some(*exit_code),
            TaskOutcome::Killed { signal, .. } => Some(128 + signal),
            _ => None,
        }
    }

    /// A short word for logs and `trace.tsv`.
    pub fn status(&self) -> &'static str {
        match self {
            TaskOutcome::Succeeded { .. } => "COMPLETED",
            TaskOutcome::Failed { .. } => "FAILED",
            TaskOutcome::Killed { .. } => "KILLED",
            TaskOutcome::TimedOut { .. } => "TIMEOUT",
            TaskOutcome::OutOfMemory { .. } => "OUT_OF_MEMORY",
            TaskOutcome::Cancelled => "CANCELLED",
            TaskOutcome::Error { .. } => "ERROR",
        }
    }

    /// Whether another attempt may help.
    pub fn retryable(&self) -> bool {
        !matches!(self, TaskOutcome::Succeeded { .. } | TaskOutcome::Cancelled)
    }
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Runs tasks. Implementations must honour `cancel` by stopping the task's processes.
pub trait Executor: Send + Sync {
    fn name(&self) -> &'static str;
    fn run(&self, task: ExecTask, cancel: CancellationToken) -> BoxFuture<'_, TaskOutcome>;

    /// Whether work an earlier (killed) engine left running for the task directory `dir` is still
    /// there to be adopted. Then the scheduler keeps the directory as it is instead of rewriting
    /// it, and the next `run` for it collects that work instead of starting it again. Blocking.
    fn adoptable(&self, _dir: &Path) -> bool {
        false
    }
}
