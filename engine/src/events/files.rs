//! Machine-readable run logs: `trace.tsv` (one row per task attempt) and `events.jsonl`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::{Event, EventSink};

/// Columns of `trace.tsv`.
pub const TRACE_HEADER: &str =
    "task\tstep\tsample\tstatus\texit_code\tattempt\tstart\tduration_ms\tcpu_ms\tpeak_rss\taction\tdir";

pub struct TraceSink {
    out: BufWriter<File>,
}

impl TraceSink {
    pub fn create(path: &Path) -> std::io::Result<TraceSink> {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(out, "{TRACE_HEADER}")?;
        Ok(TraceSink { out })
    }
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n'], " ")
}

impl EventSink for TraceSink {
    fn event(&mut self, event: &Event) {
        let row = match event {
            Event::TaskFinished(r) => format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                clean(&r.task),
                r.step,
                r.sample.as_deref().unwrap_or("-"),
                r.status,
                r.exit_code.map_or("-".into(), |c| c.to_string()),
                r.attempt,
                r.start_unix_ms,
                r.duration_ms,
                r.cpu_ms,
                r.peak_rss,
                r.action,
                clean(&r.dir)
            ),
            Event::TaskCached {
                task,
                step,
                sample,
                action,
            } => format!(
                "{}\t{step}\t{}\tCACHED\t-\t0\t-\t0\t0\t0\t{action}\t-",
                clean(task),
                sample.as_deref().unwrap_or("-")
            ),
            _ => return,
        };
        let _ = writeln!(self.out, "{row}");
    }

    fn finish(&mut self) {
        let _ = self.out.flush();
    }
}

pub struct JsonLinesSink {
    out: BufWriter<File>,
}

impl JsonLinesSink {
    pub fn create(path: &Path) -> std::io::Result<JsonLinesSink> {
        Ok(JsonLinesSink {
            out: BufWriter::new(File::create(path)?),
        })
    }
}

impl EventSink for JsonLinesSink {
    fn event(&mut self, event: &Event) {
        if let Ok(line) = serde_json::to_string(event) {
            let _ = writeln!(self.out, "{line}");
        }
    }

    fn finish(&mut self) {
        let _ = self.out.flush();
    }
}

/// Events as `tracing` records (`-v` shows them; `--log-format json` makes them machine-readable).
pub struct TracingSink;

impl EventSink for TracingSink {
    fn event(&mut self, event: &Event) {
        match event {
            Event::RunStarted {
                run_id,
                workflow,
                tasks,
                ..
            } => {
                tracing::info!(run_id, workflow, tasks, "run started");
            }
            Event::TaskCached { task, action, .. } => tracing::debug!(task, action, "cached"),
            Event::TaskStarted {
                task,
                attempt,
                reason,
                ..
            } => {
                tracing::info!(task, attempt, reason, "task started");
            }
            Event::TaskFinished(r) => tracing::info!(
                task = r.task,
                status = r.status,
                exit_code = r.exit_code,
                attempt = r.attempt,
                duration_ms = r.duration_ms,
                peak_rss = r.peak_rss,
                dir = r.dir,
                "task finished"
            ),
            Event::TaskSkipped { task, reason, .. } => tracing::warn!(task, reason, "task skipped"),
            Event::RunFinished {
                run_id,
                succeeded,
                cached,
                failed,
                wall_ms,
                ..
            } => {
                tracing::info!(run_id, succeeded, cached, failed, wall_ms, "run finished");
            }
        }
    }
}
