//! The scheduler loop. Only this loop emits events; blocking work (hashing, writing task
//! directories, storing outputs) runs on tokio's blocking pool.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::prepare::{Records, Resolved};
use super::record::{publish_blob, published_matches};
use super::status::{publish_dest, Assessment, Status};
use super::task::{engine_cpu_ms, keep_final, lookup, run_task, store_outputs};
use super::{FailedTask, Keep, RunOptions, RunSummary};
use crate::cache::store::ActionLock;
use crate::cache::{ActionRecord, StatCache, Store};
use crate::events::{unix_ms, Event, Sinks, TaskReport};
use crate::exec::{Executor, TaskOutcome};
use crate::plan::Plan;
use crate::workflow::Workflow;

mod outcome;

/// A planned and assessed workflow with its store, ready to execute.
pub struct Prepared {
    pub wf: Arc<Workflow>,
    pub plan: Arc<Plan>,
    pub assessment: Vec<Assessment>,
    pub store: Store,
    pub stat: Arc<Mutex<StatCache>>,
}

pub(super) enum Msg {
    Resolved {
        idx: usize,
        result: Result<Lookup, String>,
    },
    /// The task's processes ended; its cpus and memory are free again.
    Exited(Box<Finished>),
    /// A successful task's outputs were stored (or could not be).
    Stored(Box<Finished>),
}

/// An execution attempt that ended.
pub(super) struct Finished {
    pub(super) idx: usize,
    pub(super) attempt: u32,
    pub(super) memory: u64,
    pub(super) outcome: TaskOutcome,
    pub(super) stored: Option<Result<ActionRecord, String>>,
    pub(super) start: SystemTime,
    pub(super) dir: PathBuf,
    pub(super) resolved: Box<Resolved>,
    pub(super) lock: ActionLock,
}

pub(super) enum Lookup {
    Hit(Box<ActionRecord>),
    Miss(Box<Resolved>, ActionLock),
}

pub(super) struct Queued {
    pub(super) idx: usize,
    pub(super) resolved: Box<Resolved>,
    pub(super) lock: ActionLock,
    pub(super) attempt: u32,
    pub(super) memory: u64,
}

pub(super) struct Shared {
    pub(super) wf: Arc<Workflow>,
    pub(super) plan: Arc<Plan>,
    pub(super) store: Store,
    pub(super) stat: Arc<Mutex<StatCache>>,
    pub(super) opts: RunOptions,
    pub(super) run_id: String,
    pub(super) executor: Arc<dyn Executor>,
    pub(super) cancel: CancellationToken,
    /// Cached tasks whose outputs left the store but are needed: they run again.
    pub(super) must_run: Vec<bool>,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum State {
    Waiting,
    Done,
    Failed,
    Skipped,
}

/// Run a planned workflow to completion (or failure, or Ctrl-C).
pub async fn execute(
    prepared: Prepared,
    opts: RunOptions,
    executor: Arc<dyn Executor>,
    mut sinks: Sinks,
    run_id: String,
) -> RunSummary {
    let Prepared {
        wf,
        plan,
        assessment,
        store,
        stat,
    } = prepared;
    let started = Instant::now();
    let cancel = CancellationToken::new();
    let must_run = assessment
        .iter()
        .map(|a| matches!(a.status, Status::Run { .. }))
        .collect();
    let sh = Arc::new(Shared {
        wf,
        plan,
        store,
        stat,
        opts,
        run_id: run_id.clone(),
        executor,
        cancel: cancel.clone(),
        must_run,
    });
    let n = sh.plan.tasks.len();
    let mut steps: Vec<(String, usize)> = sh.wf.steps.keys().map(|s| (s.to_string(), 0)).collect();
    for t in &sh.plan.tasks {
        if let Some(e) = steps.iter_mut().find(|(s, _)| s == t.step.as_str()) {
            e.1 += 1;
        }
    }
    sinks.emit(&Event::RunStarted {
        run_id: run_id.clone(),
        workflow: sh.wf.name.clone(),
        steps,
        tasks: n,
    });
    let mut lp = Loop::new(sh.clone(), sinks, assessment);
    lp.run().await;
    lp.finish(started).await
}

struct Loop {
    sh: Arc<Shared>,
    sinks: Sinks,
    records: Vec<Option<Arc<ActionRecord>>>,
    state: Vec<State>,
    pending_deps: Vec<usize>,
    ready: VecDeque<usize>,
    queue: VecDeque<Queued>,
    jobs: JoinSet<Msg>,
    resolving: usize,
    free_cpus: u32,
    free_mem: u64,
    stopping: bool,
    summary: RunSummary,
    reasons: Vec<Option<String>>,
    /// Records the assessment found for cached tasks; used as-is when every upstream task also
    /// completed from its assessed record (nothing changed since), which makes no-op reruns cheap.
    assessed: Vec<Option<Arc<ActionRecord>>>,
    fresh: Vec<bool>,
}

impl Loop {
    fn new(sh: Arc<Shared>, sinks: Sinks, assessment: Vec<Assessment>) -> Loop {
        let n = sh.plan.tasks.len();
        let assessed = assessment
            .iter()
            .map(|a| match &a.status {
                Status::Cached { record, .. } => Some(record.clone()),
                _ => None,
            })
            .collect();
        let pending_deps: Vec<usize> = sh.plan.tasks.iter().map(|t| t.deps.len()).collect();
        let ready = sh
            .plan
            .order
            .iter()
            .copied()
            .filter(|&i| pending_deps[i] == 0)
            .collect();
        let reasons = assessment
            .iter()
            .map(|a| match &a.status {
                Status::Run { reasons } => Some(reasons.join("; ")),
                _ => None,
            })
            .collect();
        Loop {
            free_cpus: sh.opts.cpus.max(1),
            free_mem: sh.opts.memory,
            sh,
            sinks,
            records: vec![None; n],
            state: vec![State::Waiting; n],
            pending_deps,
            ready,
            queue: VecDeque::new(),
            jobs: JoinSet::new(),
            resolving: 0,
            stopping: false,
            summary: RunSummary::default(),
            reasons,
            assessed,
            fresh: vec![false; n],
        }
    }

    async fn run(&mut self) {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        loop {
            self.dispatch();
            if self.jobs.is_empty() {
                break;
            }
            tokio::select! {
                Some(joined) = self.jobs.join_next() => match joined {
                    Ok(msg) => self.handle(msg),
                    Err(e) => panic!("a scheduler job panicked: {e}"),
                },
                _ = interrupted(&mut term), if !self.summary.cancelled => {
                    self.summary.cancelled = true;
                    self.stopping = true;
                    self.sh.cancel.cancel();
                }
            }
        }
    }

    /// Start resolves for ready tasks and executions for queued tasks that fit.
    fn dispatch(&mut self) {
        let max_resolving = (self.sh.opts.cpus as usize) * 2 + 2;
        while !self.stopping && self.resolving < max_resolving {
            let Some(idx) = self.ready.pop_front() else {
                break;
            };
            let deps_fresh = self.sh.plan.tasks[idx].deps.iter().all(|&d| self.fresh[d]);
            if let (Some(rec), true) = (self.assessed[idx].clone(), deps_fresh) {
                self.fresh[idx] = true;
                self.cached(idx, rec);
                continue;
            }
            self.resolving += 1;
            let sh = self.sh.clone();
            let records = self.upstream(idx);
            self.jobs.spawn_blocking(move || Msg::Resolved {
                idx,
                result: lookup(&sh, idx, &records),
            });
        }
        let mut scanned = 0;
        let mut i = 0;
        while !self.stopping && i < self.queue.len() && scanned < 64 {
            scanned += 1;
            let (cpus, mem) = self.fit(self.queue[i].idx, self.queue[i].memory);
            if cpus <= self.free_cpus && mem <= self.free_mem {
                let q = self.queue.remove(i).expect("index in range");
                self.free_cpus -= cpus;
                self.free_mem -= mem;
                self.start(q, cpus);
            } else {
                i += 1;
            }
        }
    }

    /// A task's request, capped to what the run may use.
    fn fit(&self, idx: usize, memory: u64) -> (u32, u64) {
        let step = &self.sh.wf.steps[&self.sh.plan.tasks[idx].step];
        (
            step.resources.cpus.min(self.sh.opts.cpus.max(1)),
            memory.min(self.sh.opts.memory),
        )
    }

    fn start(&mut self, q: Queued, cpus: u32) {
        let sh = self.sh.clone();
        let task = &sh.plan.tasks[q.idx];
        let reason = self.reasons[q.idx]
            .clone()
            .unwrap_or_else(|| "inputs changed upstream".into());
        self.sinks.emit(&Event::TaskStarted {
            task: task.name.clone(),
            step: task.step.to_string(),
            sample: task.sample.as_ref().map(ToString::to_string),
            attempt: q.attempt,
            reason,
        });
        let records = self.upstream(q.idx);
        self.jobs
            .spawn(async move { run_task(sh, q, cpus, records).await });
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Resolved { idx, result } => {
                self.resolving -= 1;
                match result {
                    Ok(Lookup::Hit(rec)) => self.cached(idx, Arc::new(*rec)),
                    Ok(Lookup::Miss(resolved, lock)) => {
                        let memory = self.sh.wf.steps[&self.sh.plan.tasks[idx].step]
                            .resources
                            .memory;
                        self.queue.push_back(Queued {
                            idx,
                            resolved,
                            lock,
                            attempt: 1,
                            memory,
                        });
                    }
                    Err(message) => self.fail(idx, "ERROR", PathBuf::new(), Some(message)),
                }
            }
            Msg::Exited(f) => {
                let (cpus, mem) = self.fit(f.idx, f.memory);
                self.free_cpus += cpus;
                self.free_mem += mem;
                if matches!(f.outcome, TaskOutcome::Succeeded { .. }) {
                    // Storing outputs (hashing, fsync) overlaps with the next task's execution.
                    let sh = self.sh.clone();
                    self.jobs.spawn_blocking(move || store_outputs(&sh, f));
                } else {
                    self.finished(*f);
                }
            }
            Msg::Stored(f) => self.finished(*f),
        }
    }

    async fn finish(mut self, started: Instant) -> RunSummary {
        while let Some(joined) = self.jobs.join_next().await {
            if let Ok(msg) = joined {
                self.handle(msg);
            }
        }
        let mut s = std::mem::take(&mut self.summary);
        s.run_id = self.sh.run_id.clone();
        s.wall_ms = started.elapsed().as_millis() as u64;
        s.engine_cpu_ms = engine_cpu_ms();
        s.run_dir = self.sh.store.runs_dir().join(&self.sh.run_id);
        let records: Vec<Option<Arc<ActionRecord>>> = self.records.clone();
        let _ = self
            .sh
            .stat
            .lock()
            .expect("stat cache lock")
            .save(&self.sh.store.root().join("statcache.json"));
        if s.failed.is_empty() && !s.cancelled && self.sh.opts.keep == Keep::Final {
            keep_final(&self.sh, &records);
        }
        if let Err(e) =
            super::provenance::write(&self.sh.wf, &self.sh.plan, &records, &self.sh.opts, &s)
        {
            tracing::warn!("cannot write run provenance: {e}");
        }
        self.sinks.emit(&Event::RunFinished {
            run_id: s.run_id.clone(),
            succeeded: s.executed,
            cached: s.cached,
            failed: s.failed.len(),
            skipped: s.skipped,
            wall_ms: s.wall_ms,
        });
        self.sinks.finish();
        s
    }
}

/// Ctrl-C or SIGTERM.
async fn interrupted(term: &mut Option<tokio::signal::unix::Signal>) {
    let terminate = async {
        match term {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
