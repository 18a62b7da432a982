//! The rayon worker pool every parallel kind runs its jobs in.

use crate::error::{Result, StepError};

/// A rayon pool of `threads` threads (0: one per core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| StepError::environment(format!("cannot start {threads} worker threads: {e}")))
}
