//! One task's life outside the scheduler loop: look it up, execute it in its directory, store its
//! outputs. These run on tokio's blocking pool or as spawned futures and report back as messages.

use std::sync::Arc;
use std::time::SystemTime;

use super::prepare::{outputs_intact, resolve, write_task_dir, DirSpec, Records};
use super::record::{record, Producer};
use super::scheduler::{Finished, Lookup, Msg, Queued, Shared};
use super::status::task_key;
use crate::cache::ActionRecord;
use crate::exec::{ExecTask, TaskOutcome};

/// Resolve a task and look it up; on a miss take its action lock (waiting while another run
/// executes the same action, which then usually turns the miss into a hit).
pub(super) fn lookup(sh: &Shared, idx: usize, records: &Records) -> Result<Lookup, String> {
    let task = &sh.plan.tasks[idx];
    let resolved =
        resolve(&sh.wf, &sh.plan, task, records, &sh.stat)?.expect("upstream tasks are done");
    loop {
        if let Some(rec) = sh.store.action(&resolved.digest) {
            let kept = outputs_intact(&sh.store, &sh.stat, &rec);
            if kept || !sh.must_run[idx] {
                return Ok(Lookup::Hit(Box::new(rec)));
            }
        }
        if let Some(lock) = sh
            .store
            .try_lock(&resolved.digest)
            .map_err(|e| format!("cannot lock the action: {e}"))?
        {
            // Another run may have finished it between the lookup and the lock.
            if let Some(rec) = sh.store.action(&resolved.digest) {
                if outputs_intact(&sh.store, &sh.stat, &rec) {
                    return Ok(Lookup::Hit(Box::new(rec)));
                }
            }
            return Ok(Lookup::Miss(Box::new(resolved), lock));
        }
        if sh.cancel.is_cancelled() {
            return Err("cancelled while waiting for another run to finish this action".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

pub(super) async fn run_task(sh: Arc<Shared>, q: Queued, cpus: u32, records: Records) -> Msg {
    let start = SystemTime::now();
    let Queued {
        idx,
        resolved,
        lock,
        attempt,
        memory,
    } = q;
    let dir = sh.store.task_dir(&resolved.digest);
    let prep = {
        let (sh, resolved, dir) = (sh.clone(), resolved.clone(), dir.clone());
        tokio::task::spawn_blocking(move || {
            if attempt == 1 && sh.executor.adoptable(&dir) {
                return Ok(());
            }
            let task = &sh.plan.tasks[idx];
            let step = &sh.wf.steps[&task.step];
            let d = DirSpec {
                store: &sh.store,
                dir: &dir,
                cpus,
                memory,
                attempt,
                self_exe: &sh.opts.self_exe,
                runtime: sh.opts.container.as_ref(),
                images: &sh.wf.resolved_images,
            };
            write_task_dir(&d, &sh.plan, step, task, &resolved, &records)
        })
        .await
    };
    let outcome = match prep {
        Ok(Ok(())) => {
            let task = &sh.plan.tasks[idx];
            let step = &sh.wf.steps[&task.step];
            let exec = ExecTask {
                name: task.name.clone(),
                dir: dir.clone(),
                cpus,
                memory,
                timeout: step.resources.time,
                attempt,
            };
            sh.executor.run(exec, sh.cancel.child_token()).await
        }
        Ok(Err(e)) => TaskOutcome::Error {
            message: format!("cannot prepare the task directory {}: {e}", dir.display()),
        },
        Err(e) => TaskOutcome::Error {
            message: format!("cannot prepare the task directory: {e}"),
        },
    };
    Msg::Exited(Box::new(Finished {
        idx,
        attempt,
        memory,
        outcome,
        stored: None,
        start,
        dir,
        resolved,
        lock,
    }))
}

/// Move a successful task's outputs into the store and record its action.
pub(super) fn store_outputs(sh: &Shared, mut f: Box<Finished>) -> Msg {
    let task = &sh.plan.tasks[f.idx];
    let key = task_key(&sh.wf, &task.name);
    let by = Producer {
        task_key: &key,
        task_name: &task.name,
        run_id: &sh.run_id,
        duration_ms: f.outcome.usage().wall.as_millis() as u64,
    };
    f.stored = Some(record(&sh.store, &sh.stat, &f.dir, &f.resolved, &by));
    Msg::Stored(f)
}

/// After `--keep final`: delete the blobs of outputs that were not published.
pub(super) fn keep_final(sh: &Shared, records: &[Option<Arc<ActionRecord>>]) {
    let mut keep = std::collections::HashSet::new();
    for (i, t) in sh.plan.tasks.iter().enumerate() {
        if let (Some(rec), Some(p)) = (&records[i], &sh.wf.steps[&t.step].publish) {
            for name in &p.outputs {
                keep.insert(rec.outputs[name].digest);
            }
        }
    }
    for rec in records.iter().flatten() {
        for o in rec.outputs.values() {
            if !keep.contains(&o.digest) {
                let _ = std::fs::remove_file(sh.store.blob_path(&o.digest));
            }
        }
    }
}

/// CPU time (user + system) this process has used, in milliseconds.
pub(super) fn engine_cpu_ms() -> u64 {
    // SAFETY: getrusage fills a plain struct for this process.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let ms = |t: libc::timeval| (t.tv_sec as u64) * 1000 + (t.tv_usec as u64) / 1000;
    ms(ru.ru_utime) + ms(ru.ru_stime)
}
