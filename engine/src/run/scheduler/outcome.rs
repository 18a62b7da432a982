//! What the loop does with a task's outcome: store and publish a success (or a cache hit), mark a
//! failure and everything downstream of it.

use super::*;

impl Loop {
    pub(super) fn finished(&mut self, f: Finished) {
        let Finished {
            idx,
            attempt,
            memory,
            outcome,
            stored,
            start,
            dir,
            resolved,
            lock,
        } = f;
        let t = self.sh.plan.tasks[idx].clone();
        let step = &self.sh.wf.steps[&t.step];
        let (status, message) = match (&outcome, &stored) {
            (TaskOutcome::Succeeded { .. }, Some(Err(e))) => {
                ("FAILED".to_string(), Some(e.clone()))
            }
            (TaskOutcome::Error { message }, _) => ("ERROR".to_string(), Some(message.clone())),
            _ => (outcome.status().to_string(), None),
        };
        let ok = status == "COMPLETED";
        let retrying =
            !ok && !self.stopping && outcome.retryable() && attempt < step.retry.attempts;
        let usage = outcome.usage();
        self.sinks.emit(&Event::TaskFinished(TaskReport {
            task: t.name.clone(),
            step: t.step.to_string(),
            sample: t.sample.as_ref().map(ToString::to_string),
            status: status.clone(),
            exit_code: outcome.exit_code(),
            attempt,
            retrying,
            start_unix_ms: unix_ms(start),
            duration_ms: usage.wall.as_millis() as u64,
            cpu_ms: usage.cpu.as_millis() as u64,
            peak_rss: usage.peak_rss,
            dir: dir.display().to_string(),
            action: resolved.digest.short(),
            message: message.clone(),
        }));
        if ok {
            self.summary.executed += 1;
            drop(lock);
            let rec = stored.expect("stored on success").expect("checked ok");
            self.complete(idx, Arc::new(rec));
        } else if retrying {
            let memory = ((memory as f64) * step.retry.memory_factor) as u64;
            self.queue.push_front(Queued {
                idx,
                resolved,
                lock,
                attempt: attempt + 1,
                memory,
            });
        } else if matches!(outcome, TaskOutcome::Cancelled) {
            self.state[idx] = State::Failed;
        } else {
            drop(lock);
            self.fail(idx, &status, dir, message);
        }
    }

    pub(super) fn cached(&mut self, idx: usize, rec: Arc<ActionRecord>) {
        let t = &self.sh.plan.tasks[idx];
        self.sinks.emit(&Event::TaskCached {
            task: t.name.clone(),
            step: t.step.to_string(),
            sample: t.sample.as_ref().map(ToString::to_string),
            action: rec.spec.digest().short(),
        });
        self.summary.cached += 1;
        self.complete(idx, rec);
    }

    /// The records of a task's upstream tasks.
    pub(super) fn upstream(&self, idx: usize) -> Records {
        self.sh.plan.tasks[idx]
            .deps
            .iter()
            .filter_map(|&d| self.records[d].clone().map(|r| (d, r)))
            .collect()
    }

    /// A task is done (cached or executed): publish, then release its dependents.
    pub(super) fn complete(&mut self, idx: usize, rec: Arc<ActionRecord>) {
        if let Err(e) = self.publish(idx, &rec) {
            self.fail(idx, "PUBLISH_FAILED", PathBuf::new(), Some(e));
            return;
        }
        self.state[idx] = State::Done;
        self.records[idx] = Some(rec);
        for &d in &self.sh.plan.dependents[idx] {
            self.pending_deps[d] -= 1;
            if self.pending_deps[d] == 0 && self.state[d] == State::Waiting {
                self.ready.push_back(d);
            }
        }
    }

    pub(super) fn publish(&self, idx: usize, rec: &ActionRecord) -> Result<(), String> {
        let t = &self.sh.plan.tasks[idx];
        let Some(p) = &self.sh.wf.steps[&t.step].publish else {
            return Ok(());
        };
        for name in &p.outputs {
            let o = &rec.outputs[name];
            let dest = publish_dest(&self.sh.opts.outdir, &p.path, t, &o.file);
            if published_matches(&self.sh.stat, &self.sh.store, &dest, &o.digest, p.mode) {
                continue;
            }
            publish_blob(&self.sh.store, &o.digest, &dest, p.mode)?;
        }
        Ok(())
    }

    pub(super) fn fail(&mut self, idx: usize, status: &str, dir: PathBuf, message: Option<String>) {
        self.state[idx] = State::Failed;
        let t = &self.sh.plan.tasks[idx];
        self.summary.failed.push(FailedTask {
            task: t.name.clone(),
            status: status.to_string(),
            dir,
            message,
        });
        if !self.sh.opts.keep_going {
            self.stopping = true;
        }
        // Everything downstream of a failed task is skipped.
        let mut stack = self.sh.plan.dependents[idx].clone();
        while let Some(d) = stack.pop() {
            if self.state[d] != State::Waiting {
                continue;
            }
            self.state[d] = State::Skipped;
            self.summary.skipped += 1;
            let dt = &self.sh.plan.tasks[d];
            self.sinks.emit(&Event::TaskSkipped {
                task: dt.name.clone(),
                step: dt.step.to_string(),
                reason: format!("upstream task {} failed", t.name),
            });
            stack.extend(self.sh.plan.dependents[d].iter().copied());
        }
    }
}
