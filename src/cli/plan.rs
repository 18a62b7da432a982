//! `cairn validate`, `cairn dag` and `cairn plan`: load a workflow, show its tasks and, against
//! the store, what a run would do and why (`--explain TASK` gives the full diff).

use cairn_engine::cache::{explain, Store};
use cairn_engine::plan::{to_dot, to_mermaid, Plan};
use cairn_engine::run::{self as engine_run, Assessment, Status};
use cairn_engine::workflow::Workflow;

use super::args::{DagArgs, DagFormat, LoadArgs, PlanArgs};
use super::containers::containers;
use super::run::{assess, load, open_store};
use super::{CliError, CliResult};

pub fn validate(a: LoadArgs) -> CliResult {
    let (wf, plan) = load(&a)?;
    for w in &wf.warnings {
        eprintln!("warning: {w}");
    }
    let samples = wf.sheet.as_ref().map_or(0, |s| s.samples.len());
    println!(
        "{}: ok: workflow `{}`, {} steps, {samples} samples, {} tasks{}",
        a.workflow.display(),
        wf.name,
        wf.steps.len(),
        plan.tasks.len(),
        if plan.skipped.is_empty() {
            String::new()
        } else {
            format!(" ({} left out by `when:`)", plan.skipped.len())
        }
    );
    for sk in &plan.skipped {
        println!("  skipped {}: {}", sk.name, sk.reason);
    }
    Ok(0)
}

pub fn dag(a: DagArgs) -> CliResult {
    let (wf, plan) = load(&a.load)?;
    let text = match a.format {
        DagFormat::Dot => to_dot(&plan, &wf, a.tasks),
        DagFormat::Mermaid => to_mermaid(&plan, &wf, a.tasks),
    };
    print!("{text}");
    Ok(0)
}

pub fn plan(a: PlanArgs) -> CliResult {
    let (mut wf, plan) = load(&a.load)?;
    containers(&mut wf, &a.containers)?;
    let (store, stat) = open_store(&a.store)?;
    let assessed = assess(&wf, &plan, &store, &stat, &a.store.outdir)?;
    let _ = stat
        .lock()
        .expect("stat cache lock")
        .save(&store.root().join("statcache.json"));
    if let Some(name) = &a.explain {
        return explain_task(&wf, &plan, &store, &assessed, name);
    }
    let (mut cached, mut run, mut blocked) = (0, 0, 0);
    let mut rows = Vec::new();
    for t in &plan.tasks {
        let (state, why) = match &assessed[t.index].status {
            Status::Cached { kept: true, .. } => {
                cached += 1;
                ("cached", String::new())
            }
            Status::Cached { kept: false, .. } => {
                cached += 1;
                (
                    "cached",
                    "outputs not kept in the store; not needed".to_string(),
                )
            }
            Status::Run { reasons } => {
                run += 1;
                ("will run", reasons.join("; "))
            }
            Status::Blocked => {
                blocked += 1;
                (
                    "blocked",
                    "waits for upstream tasks that will run; may turn out cached".to_string(),
                )
            }
        };
        rows.push((t.name.clone(), state, why));
    }
    for sk in &plan.skipped {
        rows.push((sk.name.clone(), "skipped", sk.reason.clone()));
    }
    let skipped = plan.skipped.len();
    if a.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(t, s, w)| serde_json::json!({"task": t, "status": s, "reason": w}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({"tasks": list, "cached": cached, "will_run": run, "blocked": blocked, "skipped": skipped})).expect("json"));
        return Ok(0);
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(4);
    for (t, s, w) in &rows {
        if w.is_empty() {
            println!("{t:width$}  {s}");
        } else {
            println!("{t:width$}  {s:8}  {w}");
        }
    }
    println!(
        "{} tasks: {cached} cached, {run} will run, {blocked} blocked{}",
        plan.tasks.len(),
        if skipped > 0 {
            format!(" ({skipped} left out by `when:`)")
        } else {
            String::new()
        }
    );
    if run == 0 && blocked == 0 {
        println!("everything is cached; `cairn run` would execute nothing");
    }
    Ok(0)
}

fn explain_task(
    wf: &Workflow,
    plan: &Plan,
    store: &Store,
    assessed: &[Assessment],
    name: &str,
) -> CliResult {
    if let Some(sk) = plan.skipped.iter().find(|s| s.name == name) {
        println!("{name}: left out of the plan: {}", sk.reason);
        return Ok(0);
    }
    let Some(t) = plan.tasks.iter().find(|t| t.name == name) else {
        let some: Vec<&str> = plan.tasks.iter().take(8).map(|t| t.name.as_str()).collect();
        return Err(CliError::user(format!(
            "no task `{name}` in the plan; tasks are named `step` or `step/sample`, e.g. {}",
            some.join(", ")
        )));
    };
    let a = &assessed[t.index];
    let Some(resolved) = &a.resolved else {
        println!("{name}: blocked: its inputs come from tasks that will run, so its action is not known yet");
        return Ok(0);
    };
    println!("{name}\n  action  {}", resolved.digest);
    println!(
        "  kind    {}{}",
        resolved.spec.kind,
        resolved
            .spec
            .version
            .map(|v| format!(" v{v}"))
            .unwrap_or_default()
    );
    if let Some(image) = &resolved.spec.container {
        println!("  image   {image}");
    }
    for (port, files) in &resolved.spec.inputs {
        for f in files {
            println!("  input   {port}: {} {}", f.name, f.digest.short());
        }
    }
    for (k, v) in &resolved.spec.params {
        println!("  param   {k} = {v}");
    }
    match &a.status {
        Status::Cached { .. } => println!("  status  cached"),
        Status::Blocked => println!("  status  blocked"),
        Status::Run { .. } => {
            println!("  status  will run");
            let last = store
                .last_action(&engine_run::task_key(wf, name))
                .and_then(|d| store.action(&d).map(|r| (d, r)));
            match last {
                None => println!("  why     no earlier action of this task is recorded"),
                Some((d, old)) => {
                    println!("  last    {d} (run {})", old.run_id);
                    let changes = explain(&old.spec, &resolved.spec);
                    if changes.is_empty() {
                        println!("  why     same action as last time, but its outputs are no longer in the store");
                    }
                    for c in changes {
                        println!("  change  {c}");
                    }
                }
            }
        }
    }
    Ok(0)
}
