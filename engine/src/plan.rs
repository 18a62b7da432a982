//! Planning: steps x samples -> a DAG of tasks, with every input resolved to a file or to another
//! task's output. References between steps are the edges; the order is topological.

mod render;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::workflow::{Action, Expr, Sample, SampleId, Step, StepId, Template, Workflow};
pub use render::{to_dot, to_mermaid};

/// Where one input file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputRef {
    /// A file or directory outside the workflow (a param, a sample sheet column, a literal path).
    File(PathBuf),
    /// An output of another task.
    Output { task: usize, output: String },
}

/// One task: a step, for one sample or once.
#[derive(Debug, Clone)]
pub struct Task {
    pub index: usize,
    /// `step` or `step/sample`.
    pub name: String,
    pub step: StepId,
    pub sample: Option<SampleId>,
    pub inputs: IndexMap<String, Vec<InputRef>>,
    /// Upstream tasks, sorted and unique.
    pub deps: Vec<usize>,
}

/// A task the plan leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `step` or `step/sample`.
    pub name: String,
    pub reason: String,
}

/// The task graph of a workflow.
#[derive(Debug)]
pub struct Plan {
    pub tasks: Vec<Task>,
    /// Tasks left out: their step's `when:` is empty for the sample, or an input they need comes
    /// from a task left out.
    pub skipped: Vec<Skipped>,
    /// Task indices in a topological order (stable: step order, then sample order).
    pub order: Vec<usize>,
    /// Dependents of each task.
    pub dependents: Vec<Vec<usize>>,
}

/// Problems found while resolving inputs (missing files, named by sample sheet row or param).
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct PlanError {
    pub problems: Vec<String>,
}

impl Plan {
    pub fn build(wf: &Workflow) -> Result<Plan, PlanError> {
        let mut tasks: Vec<Task> = Vec::new();
        // Per step, its task for each instance (sample, or the one run); `None` where skipped.
        let mut by_step: IndexMap<&StepId, Vec<Option<usize>>> = IndexMap::new();
        let mut skipped = Vec::new();
        let samples: Vec<&Sample> = wf
            .sheet
            .as_ref()
            .map(|s| s.samples.iter().collect())
            .unwrap_or_default();
        let mut problems = Vec::new();
        for step in steps_in_dependency_order(wf) {
            let mut ids = Vec::new();
            let instances: Vec<Option<&Sample>> = if step.per_sample {
                samples.iter().map(|s| Some(*s)).collect()
            } else {
                vec![None]
            };
            for sample in instances {
                let index = tasks.len();
                let name = match sample {
                    Some(s) => format!("{}/{}", step.id, s.id),
                    None => step.id.to_string(),
                };
                if let Some(reason) = step.when.as_ref().and_then(|w| when_false(wf, sample, w)) {
                    skipped.push(Skipped { name, reason });
                    ids.push(None);
                    continue;
                }
                let mut inputs = IndexMap::new();
                let mut missing: Option<String> = None;
                for (port, templates) in &step.inputs {
                    let mut refs = Vec::new();
                    for t in templates {
                        match resolve_input(wf, &by_step, sample, t) {
                            Ok(Resolved::Refs(mut r)) => refs.append(&mut r),
                            Ok(Resolved::SkippedSource(from)) if needs(step, port) => {
                                missing.get_or_insert(format!(
                                    "input `{port}` comes from `{from}`, which does not run"
                                ));
                            }
                            Ok(Resolved::SkippedSource(_)) => {}
                            Err(e) => problems.push(format!("{name}: input `{port}`: {e}")),
                        }
                    }
                    inputs.insert(port.clone(), refs);
                }
                if let Some(reason) = missing {
                    skipped.push(Skipped { name, reason });
                    ids.push(None);
                    continue;
                }
                let mut deps: Vec<usize> = inputs
                    .values()
                    .flatten()
                    .filter_map(|r| match r {
                        InputRef::Output { task, .. } => Some(*task),
                        InputRef::File(_) => None,
                    })
                    .collect();
                deps.sort_unstable();
                deps.dedup();
                tasks.push(Task {
                    index,
                    name,
                    step: step.id.clone(),
                    sample: sample.map(|s| s.id.clone()),
                    inputs,
                    deps,
                });
                ids.push(Some(index));
            }
            by_step.insert(&step.id, ids);
        }
        if !problems.is_empty() {
            return Err(PlanError { problems });
        }
        let mut dependents = vec![Vec::new(); tasks.len()];
        for t in &tasks {
            for &d in &t.deps {
                dependents[d].push(t.index);
            }
        }
        // Tasks were created in dependency order of steps, so creation order is topological.
        let order = (0..tasks.len()).collect();
        Ok(Plan {
            tasks,
            skipped,
            order,
            dependents,
        })
    }

    /// The task graph as petgraph, for export and analysis.
    pub fn graph(&self) -> DiGraph<usize, ()> {
        let mut g = DiGraph::new();
        let nodes: Vec<NodeIndex> = self.tasks.iter().map(|t| g.add_node(t.index)).collect();
        for t in &self.tasks {
            for &d in &t.deps {
                g.add_edge(nodes[d], nodes[t.index], ());
            }
        }
        g
    }
}

/// Steps ordered so that every step comes after the steps it reads from (workflow order otherwise).
fn steps_in_dependency_order(wf: &Workflow) -> Vec<&Step> {
    let mut g = DiGraph::<usize, ()>::new();
    let nodes: Vec<NodeIndex> = (0..wf.steps.len()).map(|i| g.add_node(i)).collect();
    for (i, step) in wf.steps.values().enumerate() {
        for dep in &step.deps {
            if let Some(j) = wf.steps.get_index_of(dep) {
                g.add_edge(nodes[j], nodes[i], ());
            }
        }
    }
    // Validation rejected cycles; a stable Kahn order keeps the YAML's order among independent steps.
    let mut indegree: Vec<usize> = nodes
        .iter()
        .map(|&n| g.neighbors_directed(n, petgraph::Incoming).count())
        .collect();
    let mut out = Vec::new();
    let mut done = vec![false; nodes.len()];
    while out.len() < nodes.len() {
        let Some(next) = (0..nodes.len()).find(|&i| !done[i] && indegree[i] == 0) else {
            break;
        };
        done[next] = true;
        for m in g.neighbors_directed(nodes[next], petgraph::Outgoing) {
            indegree[g[m]] -= 1;
        }
        out.push(&wf.steps[next]);
    }
    out
}

/// Why a task of a step with `when:` is left out, or `None` when it runs: the template renders
/// to blank text (a sample column missing from the sheet reads as empty).
fn when_false(wf: &Workflow, sample: Option<&Sample>, when: &Template) -> Option<String> {
    let text = when
        .render(|e| -> Result<String, ()> {
            Ok(match e {
                Expr::Param(p) => wf
                    .params
                    .get(p.as_str())
                    .map(|v| v.text())
                    .unwrap_or_default(),
                Expr::SampleId => sample.map(|s| s.id.to_string()).unwrap_or_default(),
                Expr::SampleColumn(c) => sample
                    .and_then(|s| s.columns.get(c.as_str()).cloned())
                    .unwrap_or_default(),
                _ => String::new(),
            })
        })
        .unwrap_or_default();
    text.trim()
        .is_empty()
        .then(|| format!("`when: {}` is empty", render_source(when)))
}

/// Whether a task of `step` cannot run without input `port`: every input of a script, the
/// required ports of a built-in.
fn needs(step: &Step, port: &str) -> bool {
    match &step.action {
        Action::Builtin { kind, .. } => kind.inputs().iter().any(|p| p.name == port && p.required),
        Action::Command { .. } => true,
    }
}

/// An input template resolved: files and outputs, or the name of a left-out task it reads.
enum Resolved {
    Refs(Vec<InputRef>),
    SkippedSource(String),
}

fn resolve_input(
    wf: &Workflow,
    by_step: &IndexMap<&StepId, Vec<Option<usize>>>,
    sample: Option<&Sample>,
    t: &Template,
) -> Result<Resolved, String> {
    if let Some(Expr::Output {
        step: from,
        output,
        gather,
    }) = t.sole_expr()
    {
        let from = StepId::new(from).map_err(|e| e.to_string())?;
        let ids = &by_step[&from];
        let tasks: Vec<usize> = match (gather, sample) {
            // A gather takes the tasks that run.
            (true, _) => ids.iter().flatten().copied().collect(),
            (false, Some(s)) if wf.steps[&from].per_sample => {
                let pos = wf
                    .sheet
                    .as_ref()
                    .and_then(|sh| sh.samples.iter().position(|x| x.id == s.id));
                match ids[pos.expect("sample is in the sheet")] {
                    Some(task) => vec![task],
                    None => return Ok(Resolved::SkippedSource(format!("{from}/{}", s.id))),
                }
            }
            (false, _) => match ids.first().copied().flatten() {
                Some(task) => vec![task],
                None => return Ok(Resolved::SkippedSource(from.to_string())),
            },
        };
        return Ok(Resolved::Refs(
            tasks
                .into_iter()
                .map(|task| InputRef::Output {
                    task,
                    output: output.clone(),
                })
                .collect(),
        ));
    }
    if let Some(Expr::Param(p)) = t.sole_expr() {
        if let serde_json::Value::Array(items) = &wf.params[p].value {
            return param_list(p, items, &wf.params[p].base_dir).map(Resolved::Refs);
        }
    }
    if t.exprs().any(|e| matches!(e, Expr::Output { .. })) {
        return Err(format!(
            "`{}`: a reference to another step's output must stand alone",
            render_source(t)
        ));
    }
    // A path: text, params and sample columns. Relative paths resolve against the file that gave them.
    let mut base: Option<PathBuf> = None;
    let mut origin = String::new();
    let text = t.render(|e| -> Result<String, String> {
        match e {
            Expr::Param(p) => {
                let param = &wf.params[p];
                base.get_or_insert_with(|| param.base_dir.clone());
                origin = format!("param `{p}`");
                Ok(param.text())
            }
            Expr::SampleId => Ok(sample.map(|s| s.id.to_string()).unwrap_or_default()),
            Expr::SampleColumn(c) => {
                let s = sample.expect("validated: sample columns only in per-sample steps");
                let sheet = wf.sheet.as_ref().expect("per-sample steps have a sheet");
                base.get_or_insert_with(|| sheet.base_dir().to_path_buf());
                origin = format!(
                    "sample sheet {} line {} column `{c}`",
                    sheet.path.display(),
                    s.line
                );
                Ok(s.columns[c].clone())
            }
            other => Err(format!("`{{{{ {other} }}}}` cannot name an input file")),
        }
    })?;
    if text.is_empty() {
        return Err(format!(
            "{}is empty; give a file path",
            if origin.is_empty() {
                String::new()
            } else {
                format!("{origin} ")
            }
        ));
    }
    let base = base.unwrap_or_else(|| wf.source.parent().unwrap_or(Path::new("/")).to_path_buf());
    Ok(Resolved::Refs(vec![InputRef::File(existing(
        &base, &text, &origin,
    )?)]))
}

/// A param holding a list (`sources: [a.vcf.gz, b.vcf.gz]`, or `[]` for none) standing alone in
/// an input gives one input file per item.
fn param_list(
    name: &str,
    items: &[serde_json::Value],
    base: &Path,
) -> Result<Vec<InputRef>, String> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let origin = format!("param `{name}` item {}", i + 1);
            match item {
                serde_json::Value::String(text) if !text.is_empty() => {
                    Ok(InputRef::File(existing(base, text, &origin)?))
                }
                _ => Err(format!("{origin} is not a file path; give a list of paths")),
            }
        })
        .collect()
}

/// `text` as an absolute path against `base`, if the file exists. Tasks run in their own
/// directories: a relative path (from a relative --samples) would not name the file there.
fn existing(base: &Path, text: &str, origin: &str) -> Result<PathBuf, String> {
    let path = base.join(text);
    let path = std::path::absolute(&path).unwrap_or(path);
    if !path.exists() {
        let from = if origin.is_empty() {
            String::new()
        } else {
            format!(" (from {origin})")
        };
        return Err(format!(
            "file `{}` does not exist{from}; check the path",
            path.display()
        ));
    }
    Ok(path)
}

fn render_source(t: &Template) -> String {
    t.render(|e| Ok::<_, ()>(format!("{{{{ {e} }}}}")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
