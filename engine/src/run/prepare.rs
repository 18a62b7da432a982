//! Preparing a task: resolve its inputs to content digests, build its action spec, and write its
//! directory (`in/` links to upstream outputs, `command.sh`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;

use crate::cache::{
    ActionDigest, ActionRecord, ActionSpec, ContentDigest, InputDigest, StatCache, Store,
};
use crate::exec::container::{self, ResolvedImage, Runtime};
use crate::plan::{InputRef, Plan, Task};
use crate::shell;
use crate::step::StepCall;
use crate::workflow::{Action, Expr, ParamBinding, Step, Workflow};

mod in_container;

/// One input file of a resolved task.
#[derive(Debug, Clone)]
pub enum InputFile {
    External(PathBuf),
    /// An output of an upstream task, staged as `in/<slug>/<file>`.
    Upstream {
        slug: String,
        file: String,
    },
}

/// Records of finished tasks by task index (only the ones a task reads are needed).
pub type Records = std::collections::HashMap<usize, Arc<ActionRecord>>;

/// A task whose inputs are known by content.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub spec: ActionSpec,
    pub digest: ActionDigest,
    pub inputs: IndexMap<String, Vec<InputFile>>,
    /// Upstream task indices whose outputs are staged.
    pub upstream: Vec<usize>,
}

/// `step/sample` as a single path component.
pub fn slug(task: &Task) -> String {
    task.name.replace('/', "-")
}

/// Digest a path through the shared stat cache; hashing happens outside the lock.
pub fn digest_path(cache: &Mutex<StatCache>, path: &Path) -> std::io::Result<ContentDigest> {
    if std::fs::metadata(path)?.is_dir() {
        // Directories are small (definition sets, knowledge bases); hash under the lock.
        return cache.lock().expect("stat cache lock").digest(path);
    }
    let meta = std::fs::metadata(path)?;
    if let Some(d) = cache.lock().expect("stat cache lock").cached(path, &meta) {
        return Ok(d);
    }
    let d = ContentDigest::of_file(path)?;
    cache
        .lock()
        .expect("stat cache lock")
        .remember(path, &meta, d);
    Ok(d)
}

/// Whether every output of a record is in the store, intact. A blob whose size or mtime changed since
/// it was stored is rehashed; a damaged one is removed so that it is recomputed, never served.
pub fn outputs_intact(store: &Store, stat: &Mutex<StatCache>, rec: &ActionRecord) -> bool {
    rec.outputs.values().all(|o| {
        let path = store.blob_path(&o.digest);
        let Ok(meta) = std::fs::metadata(&path) else {
            return false;
        };
        if meta.len() != o.size {
            let _ = std::fs::remove_file(&path);
            return false;
        }
        if stat.lock().expect("stat cache lock").cached(&path, &meta) == Some(o.digest) {
            return true;
        }
        match ContentDigest::of_file(&path) {
            Ok(d) if d == o.digest => {
                stat.lock()
                    .expect("stat cache lock")
                    .remember(&path, &meta, d);
                true
            }
            _ => {
                tracing::warn!("blob {} is damaged; it will be recomputed", path.display());
                let _ = std::fs::remove_file(&path);
                false
            }
        }
    })
}

/// Resolve a task given the records of its upstream tasks (`None` where not yet known).
pub fn resolve(
    wf: &Workflow,
    plan: &Plan,
    task: &Task,
    records: &Records,
    stat: &Mutex<StatCache>,
) -> Result<Option<Resolved>, String> {
    let step = &wf.steps[&task.step];
    let mut inputs = IndexMap::new();
    let mut digests = BTreeMap::new();
    for (port, refs) in &task.inputs {
        let mut files = Vec::new();
        let mut ds = Vec::new();
        for r in refs {
            match r {
                InputRef::File(path) => {
                    let d = digest_path(stat, path).map_err(|e| {
                        format!("cannot read input `{port}` {}: {e}", path.display())
                    })?;
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    ds.push(InputDigest { name, digest: d });
                    files.push(InputFile::External(path.clone()));
                }
                InputRef::Output { task: up, output } => {
                    let Some(rec) = records.get(up) else {
                        return Ok(None);
                    };
                    let out = rec.outputs.get(output).ok_or_else(|| {
                        format!(
                            "upstream task {} recorded no output `{output}`",
                            plan.tasks[*up].name
                        )
                    })?;
                    ds.push(InputDigest {
                        name: out.file.clone(),
                        digest: out.digest,
                    });
                    files.push(InputFile::Upstream {
                        slug: slug(&plan.tasks[*up]),
                        file: out.file.clone(),
                    });
                }
            }
        }
        inputs.insert(port.clone(), files);
        digests.insert(port.clone(), ds);
    }
    let sample = task.sample.as_ref().map(|s| s.to_string());
    let outputs = step
        .outputs
        .iter()
        .map(|(k, pattern)| (k.clone(), output_file(pattern, task)))
        .collect();
    let image = match step.container() {
        None => None,
        Some(name) => Some(
            wf.resolved_images
                .get(name)
                .map(|r| r.id.clone())
                .ok_or_else(|| format!("container image `{name}` was not resolved; a container runtime must be chosen before planning"))?,
        ),
    };
    let (kind, version, script, params) = match &step.action {
        Action::Builtin { kind, params, .. } => {
            let resolved = params
                .iter()
                .map(|(k, b)| (k.clone(), param_value(wf, task, b)))
                .collect();
            (
                kind.name().to_string(),
                Some(kind.version()),
                None,
                resolved,
            )
        }
        Action::Command { script, source, .. } => {
            let mut values = BTreeMap::new();
            for e in script.exprs() {
                if let Some(v) = value_text(wf, task, e) {
                    values.insert(e.to_string(), serde_json::Value::String(v));
                }
            }
            ("command".to_string(), None, Some(source.clone()), values)
        }
    };
    let spec = ActionSpec {
        kind,
        version,
        script,
        sample,
        params,
        inputs: digests,
        outputs,
        container: image,
    };
    let digest = spec.digest();
    Ok(Some(Resolved {
        spec,
        digest,
        inputs,
        upstream: task.deps.clone(),
    }))
}

/// The file name of an output for a task.
pub fn output_file(pattern: &str, task: &Task) -> String {
    let who = task
        .sample
        .as_ref()
        .map_or_else(|| task.step.to_string(), ToString::to_string);
    pattern.replace("{sample}", &who)
}

fn value_text(wf: &Workflow, task: &Task, e: &Expr) -> Option<String> {
    match e {
        Expr::Param(p) => Some(wf.params[p].text()),
        Expr::SampleId => task.sample.as_ref().map(ToString::to_string),
        Expr::SampleColumn(c) => {
            let sheet = wf.sheet.as_ref()?;
            let s = sheet
                .samples
                .iter()
                .find(|s| Some(&s.id) == task.sample.as_ref())?;
            s.columns.get(c).cloned()
        }
        _ => None,
    }
}

fn param_value(wf: &Workflow, task: &Task, b: &ParamBinding) -> serde_json::Value {
    match b {
        ParamBinding::Literal(v) => v.clone(),
        ParamBinding::Template(t) => match t.sole_expr() {
            Some(Expr::Param(p)) => wf.params[p].value.clone(),
            _ => serde_json::Value::String(
                t.render(|e| Ok::<_, ()>(value_text(wf, task, e).unwrap_or_default()))
                    .unwrap_or_default(),
            ),
        },
    }
}

/// What the task directory needs besides the resolved task.
pub struct DirSpec<'a> {
    pub store: &'a Store,
    pub dir: &'a Path,
    pub cpus: u32,
    pub memory: u64,
    pub attempt: u32,
    pub self_exe: &'a Path,
    /// The container runtime, when the workflow has steps in containers.
    pub runtime: Option<&'a Runtime>,
    /// The workflow's images, resolved.
    pub images: &'a IndexMap<String, ResolvedImage>,
}

/// Create a fresh task directory with staged inputs and `command.sh`.
pub fn write_task_dir(
    d: &DirSpec<'_>,
    plan: &Plan,
    step: &Step,
    task: &Task,
    resolved: &Resolved,
    records: &Records,
) -> std::io::Result<()> {
    let in_container = in_container::container_of(d, step)?;
    if d.dir.exists() {
        std::fs::remove_dir_all(d.dir)?;
    }
    std::fs::create_dir_all(d.dir)?;
    for &up in &resolved.upstream {
        let rec = records.get(&up).expect("upstream finished before staging");
        let in_dir = d.dir.join("in").join(slug(&plan.tasks[up]));
        std::fs::create_dir_all(&in_dir)?;
        for out in rec.outputs.values() {
            std::os::unix::fs::symlink(d.store.blob_path(&out.digest), in_dir.join(&out.file))?;
        }
    }
    let path_of = |f: &InputFile| match f {
        // In a container, the path must name the folder that is bound (no `..` through the host).
        InputFile::External(p) if in_container.is_some() => container::normalize(p),
        InputFile::External(p) => p.clone(),
        InputFile::Upstream { slug, file } => d.dir.join("in").join(slug).join(file),
    };
    let inputs: IndexMap<String, Vec<PathBuf>> = resolved
        .inputs
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().map(path_of).collect()))
        .collect();
    let outputs: IndexMap<String, PathBuf> = resolved
        .spec
        .outputs
        .iter()
        .map(|(k, f)| (k.clone(), d.dir.join(f)))
        .collect();
    for p in outputs.values() {
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
    }
    let body = match &step.action {
        Action::Builtin { kind, .. } => {
            let params: serde_json::Map<String, serde_json::Value> = resolved
                .spec
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let call = StepCall {
                sample: task.sample.as_ref().map(|s| s.as_str()),
                inputs: &inputs,
                outputs: &outputs,
                params: &params,
                cpus: d.cpus,
                memory_bytes: d.memory,
            };
            // In a container, the image's own cairn (on its PATH) runs the kind.
            let exe = match in_container {
                Some(_) => "cairn".to_string(),
                None => d.self_exe.to_string_lossy().to_string(),
            };
            let mut argv = vec![exe, "step".into(), kind.name().into()];
            argv.extend(kind.args(&call));
            format!("exec {}\n", shell::join(&argv))
        }
        Action::Command { script, .. } => {
            let text = script
                .render(|e| -> Result<String, String> {
                    Ok(match e {
                        Expr::In(n) => {
                            shell::join(inputs[n].iter().map(|p| p.to_string_lossy().to_string()))
                        }
                        Expr::Out(n) => shell::quote(&outputs[n].to_string_lossy()),
                        Expr::Task(f) => match f.as_str() {
                            "cpus" => d.cpus.to_string(),
                            "memory_mb" => (d.memory >> 20).to_string(),
                            _ => d.attempt.to_string(),
                        },
                        other => shell::quote(
                            &resolved
                                .spec
                                .params
                                .get(&other.to_string())
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default(),
                        ),
                    })
                })
                .expect("rendering never fails");
            format!("{text}\n")
        }
    };
    let script = format!(
        "#!/usr/bin/env bash\n# cairn task {} (action {})\nset -euo pipefail\n{body}",
        task.name,
        resolved.digest.short()
    );
    match in_container {
        None => std::fs::write(d.dir.join("command.sh"), script),
        Some((rt, image)) => {
            let task_line = (task.name.as_str(), resolved.digest.short());
            in_container::write(d, rt, image, task_line, &inputs, &script)
        }
    }
}
