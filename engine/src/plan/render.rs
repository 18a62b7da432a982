//! The plan as a picture: Graphviz DOT and Mermaid, at step level (default) or task level.

use std::fmt::Write;

use indexmap::IndexMap;

use super::Plan;
use crate::workflow::Workflow;

/// Step name -> (task count, kind), and the edges between steps.
type StepGraph = (IndexMap<String, (usize, String)>, Vec<(String, String)>);

/// Edges between steps with task counts, in workflow order.
fn step_graph(plan: &Plan, wf: &Workflow) -> StepGraph {
    let mut nodes: IndexMap<String, (usize, String)> = IndexMap::new();
    for (id, step) in &wf.steps {
        nodes.insert(id.to_string(), (0, step.kind_name().to_string()));
    }
    let mut edges = Vec::new();
    for t in &plan.tasks {
        nodes[t.step.as_str()].0 += 1;
        for &d in &t.deps {
            let e = (plan.tasks[d].step.to_string(), t.step.to_string());
            if !edges.contains(&e) {
                edges.push(e);
            }
        }
    }
    (nodes, edges)
}

fn node_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Graphviz DOT of the steps (or of every task with `tasks`).
pub fn to_dot(plan: &Plan, wf: &Workflow, tasks: bool) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
        wf.name.replace('"', "'")
    );
    if tasks {
        for t in &plan.tasks {
            let _ = writeln!(out, "  t{} [label=\"{}\"];", t.index, t.name);
        }
        for t in &plan.tasks {
            for &d in &t.deps {
                let _ = writeln!(out, "  t{d} -> t{};", t.index);
            }
        }
    } else {
        let (nodes, edges) = step_graph(plan, wf);
        for (name, (count, kind)) in &nodes {
            let _ = writeln!(
                out,
                "  {} [label=\"{name}\\n{kind} x{count}\"];",
                node_id(name)
            );
        }
        for (a, b) in edges {
            let _ = writeln!(out, "  {} -> {};", node_id(&a), node_id(&b));
        }
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart of the steps (or of every task with `tasks`).
pub fn to_mermaid(plan: &Plan, wf: &Workflow, tasks: bool) -> String {
    let mut out = String::from("flowchart LR\n");
    if tasks {
        for t in &plan.tasks {
            let _ = writeln!(out, "  t{}[\"{}\"]", t.index, t.name);
        }
        for t in &plan.tasks {
            for &d in &t.deps {
                let _ = writeln!(out, "  t{d} --> t{}", t.index);
            }
        }
    } else {
        let (nodes, edges) = step_graph(plan, wf);
        for (name, (count, kind)) in &nodes {
            let _ = writeln!(out, "  {}[\"{name}<br/>{kind} x{count}\"]", node_id(name));
        }
        for (a, b) in edges {
            let _ = writeln!(out, "  {} --> {}", node_id(&a), node_id(&b));
        }
    }
    out
}
