//! What a run would do, decided before it starts: each task is cached, will run (with the reasons),
//! or waits on upstream work. This drives `cairn plan` and tells the scheduler which cached tasks
//! must be recomputed because their outputs left the store but are needed again.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::cache::{explain, ActionRecord, StatCache, Store};
use crate::plan::Plan;
use crate::workflow::Workflow;

use super::prepare::{output_file, outputs_intact, resolve, Records, Resolved};
use super::record::published_matches;

/// A task's state before the run.
#[derive(Debug, Clone)]
pub enum Status {
    /// Its action is recorded; `kept` is false when its outputs left the store and nobody needs them.
    Cached {
        record: Arc<ActionRecord>,
        kept: bool,
    },
    /// It must run, for these reasons.
    Run { reasons: Vec<String> },
    /// It depends on tasks that will run; it may turn out cached once their outputs are known.
    Blocked,
}

/// One task's assessment.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub status: Status,
    pub resolved: Option<Resolved>,
}

/// The key under which a task's last action is remembered.
pub fn task_key(wf: &Workflow, task_name: &str) -> String {
    format!("{}/{}", wf.name, task_name)
}

/// Assess every task. `outdir` is where published outputs are expected.
pub fn assess(
    wf: &Workflow,
    plan: &Plan,
    store: &Store,
    stat: &Mutex<StatCache>,
    outdir: &Path,
) -> Result<Vec<Assessment>, String> {
    let mut records = Records::new();
    let mut out: Vec<Assessment> = Vec::with_capacity(plan.tasks.len());
    for &i in &plan.order {
        let task = &plan.tasks[i];
        let Some(resolved) = resolve(wf, plan, task, &records, stat)? else {
            out.push(Assessment {
                status: Status::Blocked,
                resolved: None,
            });
            continue;
        };
        let status = match store.action(&resolved.digest) {
            Some(rec) => {
                let rec = Arc::new(rec);
                records.insert(i, rec.clone());
                let kept = outputs_intact(store, stat, &rec);
                Status::Cached { record: rec, kept }
            }
            None => Status::Run {
                reasons: reasons(wf, store, &task.name, &resolved),
            },
        };
        out.push(Assessment {
            status,
            resolved: Some(resolved),
        });
    }
    // Outputs that left the store are recomputed only where something still needs them.
    for &i in plan.order.iter().rev() {
        let Status::Cached {
            record,
            kept: false,
        } = &out[i].status
        else {
            continue;
        };
        let mut why: Vec<String> = plan.dependents[i]
            .iter()
            .filter(|&&d| !matches!(out[d].status, Status::Cached { .. }))
            .map(|&d| {
                format!(
                    "outputs are no longer in the store and `{}` needs them",
                    plan.tasks[d].name
                )
            })
            .collect();
        if let Some(p) = &wf.steps[&plan.tasks[i].step].publish {
            for name in &p.outputs {
                let o = &record.outputs[name];
                let dest = publish_dest(outdir, &p.path, &plan.tasks[i], &o.file);
                if !published_matches(stat, store, &dest, &o.digest, p.mode) {
                    why.push(format!(
                        "output `{name}` is no longer in the store and not published at {}",
                        dest.display()
                    ));
                }
            }
        }
        if !why.is_empty() {
            out[i].status = Status::Run { reasons: why };
        }
    }
    Ok(out)
}

/// Where a task's output is published.
pub fn publish_dest(
    outdir: &Path,
    layout: &str,
    task: &crate::plan::Task,
    file: &str,
) -> std::path::PathBuf {
    let sample = task.sample.as_ref().map_or("", |s| s.as_str());
    let folder = layout
        .replace("{sample}", sample)
        .replace("{step}", task.step.as_str());
    let base = std::path::Path::new(file)
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_else(|| output_file(file, task));
    outdir.join(folder).join(base)
}

/// Why a task with no recorded action must run: a diff against the last action it completed.
pub fn reasons(wf: &Workflow, store: &Store, task_name: &str, resolved: &Resolved) -> Vec<String> {
    let Some(last) = store.last_action(&task_key(wf, task_name)) else {
        return vec!["new task: it has never run".into()];
    };
    let Some(old) = store.action(&last) else {
        return vec!["its last result was removed from the store".into()];
    };
    let changes = explain(&old.spec, &resolved.spec);
    if changes.is_empty() {
        vec!["its last result was removed from the store".into()]
    } else {
        changes.iter().map(ToString::to_string).collect()
    }
}
