//! Everything a run does is an [`Event`]; sinks turn events into progress bars, log lines,
//! `trace.tsv` and `events.jsonl`. Only the scheduler's loop emits, so output never interleaves.

mod files;
mod progress;

use std::time::{Duration, SystemTime};

use serde::Serialize;

pub use files::{JsonLinesSink, TraceSink, TracingSink};
pub use progress::{ProgressMode, ProgressSink};

/// One thing that happened during a run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_id: String,
        workflow: String,
        /// (step, number of tasks), in workflow order.
        steps: Vec<(String, usize)>,
        tasks: usize,
    },
    TaskCached {
        task: String,
        step: String,
        sample: Option<String>,
        action: String,
    },
    TaskStarted {
        task: String,
        step: String,
        sample: Option<String>,
        attempt: u32,
        reason: String,
    },
    TaskFinished(TaskReport),
    TaskSkipped {
        task: String,
        step: String,
        reason: String,
    },
    RunFinished {
        run_id: String,
        succeeded: usize,
        cached: usize,
        failed: usize,
        skipped: usize,
        wall_ms: u64,
    },
}

/// The record of one attempt of one task: a row of `trace.tsv`.
#[derive(Debug, Clone, Serialize)]
pub struct TaskReport {
    pub task: String,
    pub step: String,
    pub sample: Option<String>,
    pub status: String,
    pub exit_code: Option<i32>,
    pub attempt: u32,
    /// Whether another attempt follows.
    pub retrying: bool,
    pub start_unix_ms: u64,
    pub duration_ms: u64,
    pub cpu_ms: u64,
    pub peak_rss: u64,
    pub dir: String,
    pub action: String,
    pub message: Option<String>,
}

/// Milliseconds since the epoch.
pub fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as u64
}

/// A consumer of events.
pub trait EventSink: Send {
    fn event(&mut self, event: &Event);
    /// Flush at the end of the run.
    fn finish(&mut self) {}
}

/// Fan one event out to several sinks.
#[derive(Default)]
pub struct Sinks(pub Vec<Box<dyn EventSink>>);

impl Sinks {
    pub fn emit(&mut self, event: &Event) {
        for s in &mut self.0 {
            s.event(event);
        }
    }

    pub fn finish(&mut self) {
        for s in &mut self.0 {
            s.finish();
        }
    }
}
