//! From the YAML mirror to a [`Workflow`], collecting every problem instead of stopping at the first.

mod images;
mod step;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use self::step::{check_step, StepCtx};
use super::schema::{self, lenient, position, Spanned};
use super::{
    Diagnostic, LoadError, Overrides, Param, PublishMode, SampleSheet, Step, StepId, Workflow,
};
use crate::step::Registry;

struct Checker {
    file: PathBuf,
    diags: Vec<Diagnostic>,
}

impl Checker {
    fn error(
        &mut self,
        pos: Option<(u64, u64)>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            position: pos,
            path: path.into(),
            message: message.into(),
        });
    }
}

pub(super) fn load(
    path: &Path,
    registry: &Registry,
    overrides: &Overrides,
) -> Result<Workflow, LoadError> {
    let fail = |message: String| LoadError {
        diagnostics: vec![Diagnostic {
            file: path.to_path_buf(),
            position: None,
            path: String::new(),
            message,
        }],
    };
    let source =
        std::path::absolute(path).map_err(|e| fail(format!("cannot resolve the path: {e}")))?;
    let text = std::fs::read_to_string(&source).map_err(|e| {
        fail(format!(
            "cannot read the workflow file: {e}; check the path"
        ))
    })?;
    let mut ck = Checker {
        file: path.to_path_buf(),
        diags: Vec::new(),
    };
    let (strict_error, doc) = schema::parse(&text);
    if let Some(p) = strict_error {
        ck.error(p.position, "", with_hint(&p.message));
    }
    let Some(doc) = doc else {
        return Err(LoadError {
            diagnostics: ck.diags,
        });
    };
    let base_dir = source.parent().unwrap_or(Path::new("/")).to_path_buf();
    let params = load_params(&mut ck, &doc, &base_dir, overrides);
    let sheet = load_sheet(&mut ck, &doc, &base_dir, overrides);
    let mut steps = IndexMap::new();
    for (name, sdoc) in &doc.steps {
        let ctx = StepCtx {
            params: &params,
            sheet: sheet.as_ref(),
            all: &doc.steps,
            registry,
            absent_ok: &[],
        };
        if let Some(step) = check_step(&mut ck, name, sdoc, &ctx) {
            steps.insert(step.id.clone(), step);
        }
    }
    if doc.name.value.trim().is_empty() {
        ck.error(
            Some(position(&doc.name)),
            "name",
            "the workflow name is empty; give it a short name",
        );
    }
    check_cycles(&mut ck, &doc.steps, &steps);
    let (images, mut warnings) = images::check_images(&mut ck, &doc, &base_dir, overrides);
    warnings.extend(images::unbound_param_paths(&ck.file, &doc, &steps, &params));
    apply_publish_defaults(&mut ck, &doc, &mut steps);
    if !ck.diags.is_empty() {
        return Err(LoadError {
            diagnostics: ck.diags,
        });
    }
    Ok(Workflow {
        name: doc.name.value.clone(),
        description: doc.description.clone(),
        source,
        source_text: text,
        params,
        sheet,
        steps,
        images,
        resolved_images: IndexMap::new(),
        warnings,
    })
}

fn load_params(
    ck: &mut Checker,
    doc: &lenient::WorkflowDoc,
    base_dir: &Path,
    overrides: &Overrides,
) -> IndexMap<String, Param> {
    let mut params: IndexMap<String, Param> = doc
        .params
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Param {
                    value: v.value.clone(),
                    base_dir: base_dir.to_path_buf(),
                },
            )
        })
        .collect();
    let known =
        |params: &IndexMap<String, Param>| params.keys().cloned().collect::<Vec<_>>().join(", ");
    if let Some(file) = &overrides.params_file {
        let dir = std::path::absolute(file)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let parsed = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|t| {
                serde_saphyr::from_str::<IndexMap<String, serde_json::Value>>(&t)
                    .map_err(|e| e.to_string())
            });
        match parsed {
            Err(e) => ck.diags.push(Diagnostic {
                file: file.clone(),
                position: None,
                path: String::new(),
                message: format!("cannot read the params file: {e}"),
            }),
            Ok(map) => {
                for (k, v) in map {
                    if !params.contains_key(&k) {
                        let msg = format!("the params file sets `{k}`, which the workflow does not declare; known: {}", known(&params));
                        ck.diags.push(Diagnostic {
                            file: file.clone(),
                            position: None,
                            path: k,
                            message: msg,
                        });
                        continue;
                    }
                    params[&k] = Param {
                        value: v,
                        base_dir: dir.clone().unwrap_or_default(),
                    };
                }
            }
        }
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    for (k, v) in &overrides.params {
        if !params.contains_key(k) {
            let msg = format!(
                "--param {k}=...: the workflow declares no param `{k}`; known: {}",
                known(&params)
            );
            ck.error(None, "params", msg);
            continue;
        }
        params[k] = Param {
            value: scalar(v),
            base_dir: cwd.clone(),
        };
    }
    params
}

/// A command-line value as YAML would read it: numbers and booleans typed, anything else text.
fn scalar(text: &str) -> serde_json::Value {
    match text {
        "true" => true.into(),
        "false" => false.into(),
        _ => text
            .parse::<i64>()
            .map(Into::into)
            .or_else(|_| text.parse::<f64>().map(Into::into))
            .unwrap_or_else(|_| text.into()),
    }
}

fn load_sheet(
    ck: &mut Checker,
    doc: &lenient::WorkflowDoc,
    base_dir: &Path,
    overrides: &Overrides,
) -> Option<SampleSheet> {
    let (path, pos) = match (&overrides.samples, &doc.samples) {
        (Some(p), _) => (p.clone(), None),
        (None, Some(s)) => (base_dir.join(&s.value), Some(position(s))),
        (None, None) => return None,
    };
    match SampleSheet::load(&path) {
        Ok(sheet) => Some(sheet),
        Err(errors) => {
            for e in errors {
                ck.error(pos, "samples", e);
            }
            None
        }
    }
}

fn apply_publish_defaults(
    ck: &mut Checker,
    doc: &lenient::WorkflowDoc,
    steps: &mut IndexMap<StepId, Step>,
) {
    let (mode, path) = match &doc.publish {
        None => (None, None),
        Some(p) => (p.value.mode.clone(), p.value.path.clone()),
    };
    let mode = match mode.as_deref().map(PublishMode::parse) {
        Some(Err(e)) => {
            ck.error(doc.publish.as_ref().map(position), "publish.mode", e);
            None
        }
        Some(Ok(m)) => Some(m),
        None => None,
    };
    for step in steps.values_mut() {
        let per_sample = step.per_sample;
        if let Some(p) = &mut step.publish {
            if p.path.is_empty() {
                p.path = path.clone().unwrap_or_else(|| {
                    if per_sample {
                        "{sample}".into()
                    } else {
                        "{step}".into()
                    }
                });
            }
            if let Some(m) = mode {
                p.mode = m;
            }
        }
    }
}

fn check_cycles(
    ck: &mut Checker,
    docs: &IndexMap<String, Spanned<lenient::StepDoc>>,
    steps: &IndexMap<StepId, Step>,
) {
    let mut graph = petgraph::graph::DiGraph::<&StepId, ()>::new();
    let nodes: IndexMap<&StepId, _> = steps.keys().map(|id| (id, graph.add_node(id))).collect();
    for step in steps.values() {
        for dep in &step.deps {
            if let Some(&from) = nodes.get(dep) {
                graph.add_edge(from, nodes[&step.id], ());
            }
        }
    }
    for scc in petgraph::algo::tarjan_scc(&graph) {
        let self_loop = scc.len() == 1 && graph.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        let mut names: Vec<&str> = scc.iter().map(|n| graph[*n].as_str()).collect();
        names.sort_by_key(|n| steps.get_index_of(&StepId::new(n).expect("valid id")));
        let first = names[0];
        let cycle = names
            .iter()
            .chain(std::iter::once(&first))
            .copied()
            .collect::<Vec<_>>()
            .join(" -> ");
        let pos = docs.get(first).map(position);
        ck.error(pos, format!("steps.{first}"), format!("the steps form a cycle: {cycle}; a step cannot read its own outputs, directly or through others"));
    }
}

/// ` (did you mean `x`?)` when a known name is within a small edit distance.
fn suggest<'a>(word: &str, known: impl Iterator<Item = &'a str>) -> String {
    known
        .map(|k| (strsim(word, k), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Add "did you mean" to an unknown-field message from the parser.
fn with_hint(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((field, tail)) = rest.split_once('`') else {
        return message.to_string();
    };
    let known = tail.split_once("expected one of ").map_or("", |(_, k)| k);
    let hint = suggest(field, known.split(", ").map(str::trim));
    let remove = if hint.is_empty() {
        "; remove it or fix its spelling"
    } else {
        ""
    };
    format!("{message}{hint}{remove}")
}
