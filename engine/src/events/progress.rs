//! What a person watches: a bar per step and an overall bar on a terminal, plain lines otherwise.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Event, EventSink};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Bars on a terminal.
    Bars,
    /// One line per finished task (logs, CI).
    Plain,
    /// Only failures and the summary.
    Quiet,
}

pub struct ProgressSink {
    mode: ProgressMode,
    multi: MultiProgress,
    total: Option<ProgressBar>,
    steps: HashMap<String, ProgressBar>,
    done: usize,
    count: usize,
}

impl ProgressSink {
    pub fn new(mode: ProgressMode) -> ProgressSink {
        let multi = MultiProgress::with_draw_target(if mode == ProgressMode::Bars {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        ProgressSink {
            mode,
            multi,
            total: None,
            steps: HashMap::new(),
            done: 0,
            count: 0,
        }
    }

    fn line(&self, text: &str) {
        if self.mode == ProgressMode::Bars {
            let _ = self.multi.println(text);
        } else {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    }

    fn tick(&mut self, step: &str) {
        self.done += 1;
        if let Some(b) = self.steps.get(step) {
            b.inc(1);
        }
        if let Some(t) = &self.total {
            t.inc(1);
        }
    }
}

impl EventSink for ProgressSink {
    fn event(&mut self, event: &Event) {
        match event {
            Event::RunStarted {
                steps,
                tasks,
                workflow,
                run_id,
            } => {
                self.count = *tasks;
                if self.mode != ProgressMode::Quiet {
                    self.line(&format!(
                        "cairn: run {run_id} of `{workflow}`: {tasks} tasks"
                    ));
                }
                if self.mode == ProgressMode::Bars {
                    let width = steps.iter().map(|(s, _)| s.len()).max().unwrap_or(4).max(5);
                    let style = ProgressStyle::with_template(&format!(
                        "{{prefix:>{width}}} [{{bar:30}}] {{pos}}/{{len}} {{msg}}"
                    ))
                    .expect("valid template")
                    .progress_chars("=> ");
                    for (step, n) in steps {
                        let bar = self.multi.add(ProgressBar::new(*n as u64));
                        bar.set_style(style.clone());
                        bar.set_prefix(step.clone());
                        self.steps.insert(step.clone(), bar);
                    }
                    let total = self.multi.add(ProgressBar::new(*tasks as u64));
                    total.set_style(
                        ProgressStyle::with_template(&format!("{{prefix:>{width}}} [{{bar:30}}] {{pos}}/{{len}} {{elapsed}} eta {{eta}}"))
                            .expect("valid template")
                            .progress_chars("=> "),
                    );
                    total.set_prefix("total");
                    total.enable_steady_tick(Duration::from_millis(200));
                    self.total = Some(total);
                }
            }
            Event::TaskCached { step, .. } => self.tick(step),
            Event::TaskStarted { .. } => {}
            Event::TaskFinished(r) => {
                let ok = r.status == "COMPLETED";
                if !r.retrying {
                    self.tick(&r.step);
                }
                let secs = r.duration_ms as f64 / 1000.0;
                if !ok {
                    let what = if r.retrying { "will retry" } else { "failed" };
                    let code = r
                        .exit_code
                        .map(|c| format!(" exit {c}"))
                        .unwrap_or_default();
                    let msg = r
                        .message
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default();
                    self.line(&format!(
                        "cairn: {} {} ({}{code}, attempt {}){msg}; logs in {}",
                        r.task, what, r.status, r.attempt, r.dir
                    ));
                } else if self.mode == ProgressMode::Plain {
                    self.line(&format!(
                        "[{}/{}] done {} ({secs:.1}s)",
                        self.done, self.count, r.task
                    ));
                }
            }
            Event::TaskSkipped { task, reason, .. } => {
                self.done += 1;
                if self.mode != ProgressMode::Quiet {
                    self.line(&format!("cairn: {task} skipped: {reason}"));
                }
            }
            Event::RunFinished { .. } => {
                for b in self.steps.values() {
                    b.finish();
                }
                if let Some(t) = &self.total {
                    t.finish();
                }
            }
        }
    }
}
