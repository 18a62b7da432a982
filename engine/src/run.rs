//! A run: the scheduler loop that takes a plan to results.
//!
//! For each task whose upstream tasks are done: **resolve** it (hash inputs, compute its action
//! digest) and **look it up** in the store; on a hit it is done at once. On a miss it waits for cpus
//! and memory, takes the action's lock (so a concurrent run sharing the store never does the same
//! work), **executes** in a fresh scratch directory, and on success its outputs are **recorded**
//! into the store and **published**. Failures are retried with more memory when the step says so;
//! with `--keep-going` independent work continues. Ctrl-C cancels every running task.

mod prepare;
mod provenance;
mod record;
mod scheduler;
pub mod status;
mod task;

use std::path::PathBuf;

pub use prepare::{output_file, Resolved};
pub use scheduler::{execute, Prepared};
pub use status::{assess, publish_dest, task_key, Assessment, Status};

/// What to keep in the store after a successful run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every output.
    All,
    /// Only published outputs; intermediates are deleted (reruns stay no-ops).
    Final,
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub store_dir: PathBuf,
    pub outdir: PathBuf,
    /// Cpus the run may use at once.
    pub cpus: u32,
    /// Memory the run may use at once, in bytes.
    pub memory: u64,
    pub keep_going: bool,
    pub keep: Keep,
    /// The `cairn` binary that built-in steps run as.
    pub self_exe: PathBuf,
    pub cairn_version: String,
    /// The container runtime for steps with `container:`.
    pub container: Option<crate::exec::container::Runtime>,
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub run_id: String,
    pub executed: usize,
    pub cached: usize,
    pub failed: Vec<FailedTask>,
    pub skipped: usize,
    pub cancelled: bool,
    pub wall_ms: u64,
    /// Engine CPU time (user + system) of this process, excluding tasks.
    pub engine_cpu_ms: u64,
    pub run_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct FailedTask {
    pub task: String,
    pub status: String,
    pub dir: PathBuf,
    pub message: Option<String>,
}
