//! Workflows: load the YAML, validate it into a typed model, or report every problem at once.
//!
//! `schema` mirrors the file; `validate` turns the mirror into [`Workflow`], checking kinds,
//! references, sample columns, resources and cycles, and collecting [`Diagnostic`]s that name the
//! file, line and column (or the YAML path) and say how to fix each problem.

pub mod samples;
pub mod schema;
pub mod template;
pub mod units;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;

use crate::exec::container::{ContainerError, ImageSpec, ResolvedImage, Runtime};
use crate::step::{Registry, StepKind};
pub use samples::{Sample, SampleId, SampleSheet};
pub use template::{Expr, Template};

/// A validated step id: a YAML key of `steps:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct StepId(String);

impl StepId {
    pub fn new(id: &str) -> Result<StepId, String> {
        let ok = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if ok {
            Ok(StepId(id.to_string()))
        } else {
            Err(format!(
                "step id `{id}` is not valid; start with a letter and use letters, digits, `_` and `-`"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A workflow parameter's value and the directory its relative paths are resolved against.
#[derive(Debug, Clone)]
pub struct Param {
    pub value: serde_json::Value,
    pub base_dir: PathBuf,
}

impl Param {
    /// The value as text, as it is interpolated.
    pub fn text(&self) -> String {
        match &self.value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

/// How published outputs reach the results folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishMode {
    /// Hard link into the store (falls back to a copy across file systems).
    Link,
    Copy,
    Symlink,
}

impl PublishMode {
    fn parse(text: &str) -> Result<PublishMode, String> {
        match text {
            "link" | "hardlink" => Ok(PublishMode::Link),
            "copy" => Ok(PublishMode::Copy),
            "symlink" => Ok(PublishMode::Symlink),
            other => Err(format!(
                "unknown publish mode `{other}`; use link, copy or symlink"
            )),
        }
    }
}

/// Which outputs of a step are published, and where.
#[derive(Debug, Clone)]
pub struct Publish {
    pub outputs: Vec<String>,
    pub mode: PublishMode,
    /// Folder under the results directory; `{sample}` and `{step}` are replaced.
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Resources {
    pub cpus: u32,
    pub memory: u64,
    pub time: Option<Duration>,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            cpus: 1,
            memory: 256 << 20,
            time: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Retry {
    pub attempts: u32,
    pub memory_factor: f64,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 1,
            memory_factor: 1.0,
        }
    }
}

/// A built-in step parameter: a literal, or a template resolved per task.
#[derive(Debug, Clone)]
pub enum ParamBinding {
    Literal(serde_json::Value),
    Template(Template),
}

/// What a step runs.
#[derive(Clone)]
pub enum Action {
    Builtin {
        kind: Arc<dyn StepKind>,
        params: IndexMap<String, ParamBinding>,
        /// The image (a cairn image) the kind runs in, as `cairn step ...` on its PATH.
        container: Option<String>,
    },
    Command {
        script: Template,
        source: String,
        container: Option<String>,
    },
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Builtin {
                kind,
                params,
                container,
            } => f
                .debug_struct("Builtin")
                .field("kind", &kind.name())
                .field("params", params)
                .field("container", container)
                .finish(),
            Action::Command {
                source, container, ..
            } => f
                .debug_struct("Command")
                .field("run", source)
                .field("container", container)
                .finish(),
        }
    }
}

/// A validated step.
#[derive(Debug, Clone)]
pub struct Step {
    pub id: StepId,
    pub action: Action,
    pub per_sample: bool,
    /// `when:`: the step runs (for a sample) only where this renders to non-empty text; a sample
    /// column it names may be missing from the sheet, which reads as empty.
    pub when: Option<Template>,
    /// Input name -> templates (more than one for a list).
    pub inputs: IndexMap<String, Vec<Template>>,
    /// Output name -> file name; `{sample}` is replaced per task.
    pub outputs: IndexMap<String, String>,
    pub resources: Resources,
    pub retry: Retry,
    pub publish: Option<Publish>,
    /// Steps this one reads from.
    pub deps: Vec<StepId>,
}

impl Step {
    /// The kind name shown to users: the built-in kind, or `command`.
    pub fn kind_name(&self) -> &str {
        match &self.action {
            Action::Builtin { kind, .. } => kind.name(),
            Action::Command { .. } => "command",
        }
    }

    /// The `container:` of the step, as written.
    pub fn container(&self) -> Option<&str> {
        match &self.action {
            Action::Builtin { container, .. } | Action::Command { container, .. } => {
                container.as_deref()
            }
        }
    }
}

/// A validated workflow, ready to plan.
#[derive(Debug, Clone)]
pub struct Workflow {
    pub name: String,
    pub description: Option<String>,
    pub source: PathBuf,
    pub source_text: String,
    pub params: IndexMap<String, Param>,
    pub sheet: Option<SampleSheet>,
    pub steps: IndexMap<StepId, Step>,
    /// The images that steps' `container:` values name, by that value.
    pub images: IndexMap<String, ImageSpec>,
    /// The same images as the runtime found them ([`Workflow::resolve_images`]); their ids are
    /// part of the action digests of the steps that use them.
    pub resolved_images: IndexMap<String, ResolvedImage>,
    /// Problems that do not stop a run (an image that is not pinned, say).
    pub warnings: Vec<Diagnostic>,
}

impl Workflow {
    /// Whether any step runs in a container.
    pub fn uses_containers(&self) -> bool {
        !self.images.is_empty()
    }

    /// Ask the runtime what every image is now (before planning: the ids are in the cache keys).
    pub fn resolve_images(&mut self, rt: &Runtime) -> Result<(), ContainerError> {
        for (name, spec) in &self.images {
            let resolved = crate::exec::container::resolve_image(rt, spec)?;
            self.resolved_images.insert(name.clone(), resolved);
        }
        Ok(())
    }
}

/// One problem found while loading a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub position: Option<(u64, u64)>,
    /// YAML path such as `steps.align.in.r1`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": at `{}`", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that was wrong with a workflow.
#[derive(Debug, thiserror::Error)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        writeln!(
            f,
            "the workflow has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for d in &self.diagnostics {
            writeln!(f, "  {d}")?;
        }
        Ok(())
    }
}

/// Values given on the command line that override the workflow file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--param k=v`, in order; relative paths are resolved against the current directory.
    pub params: Vec<(String, String)>,
    /// `--params-file F` (YAML or JSON map).
    pub params_file: Option<PathBuf>,
    /// `--samples F`.
    pub samples: Option<PathBuf>,
    /// `--images F`: the `images.toml` to use instead of the workflow's `images:`.
    pub images: Option<PathBuf>,
}

/// Load, parse and validate a workflow file.
pub fn load(
    path: &Path,
    registry: &Registry,
    overrides: &Overrides,
) -> Result<Workflow, LoadError> {
    validate::load(path, registry, overrides)
}
