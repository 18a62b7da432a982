//! How a built-in step kind plugs into the engine.
//!
//! The engine knows no biology. A step kind is described to it by a [`StepKind`]: its named input
//! ports, the files it writes, a pure check of its parameters, and the argument list that runs it as
//! `cairn step <kind> ...`. Because a built-in runs as a child process of the same binary, it runs the
//! same way under every executor (local, SLURM, inside a container) and can be rerun by hand from the
//! task's `command.sh`. The kinds themselves live in the `cairn-steps` crate, which hands the binary a
//! [`Registry`]; the engine never depends on that crate.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;

/// A named input of a step kind.
#[derive(Debug, Clone, Copy)]
pub struct PortSpec {
    pub name: &'static str,
    /// The workflow must bind this port.
    pub required: bool,
    /// The port takes a list of files (a gather over samples, say).
    pub many: bool,
    pub doc: &'static str,
}

/// A file a step kind writes into its task directory.
#[derive(Debug, Clone, Copy)]
pub struct OutputSpec {
    pub name: &'static str,
    /// File name; `{sample}` is replaced by the task's sample id (or the step id for a task that
    /// does not run per sample).
    pub file: &'static str,
    pub doc: &'static str,
}

/// Everything a planner needs to build the argument list of one task. Paths are absolute.
#[derive(Debug)]
pub struct StepCall<'a> {
    pub sample: Option<&'a str>,
    pub inputs: &'a IndexMap<String, Vec<PathBuf>>,
    pub outputs: &'a IndexMap<String, PathBuf>,
    pub params: &'a serde_json::Map<String, serde_json::Value>,
    pub cpus: u32,
    pub memory_bytes: u64,
}

impl StepCall<'_> {
    /// The single path bound to `port`, if any.
    pub fn input(&self, port: &str) -> Option<&PathBuf> {
        self.inputs.get(port).and_then(|v| v.first())
    }

    /// The path of output `name`; planners ask only for outputs they declared.
    pub fn output(&self, name: &str) -> &PathBuf {
        &self.outputs[name]
    }
}

/// `check` for a kind that takes no params: the first one given is named as the error.
pub fn no_params(
    kind: &str,
    params: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    match params.keys().next() {
        Some(k) => Err(format!("`{kind}` takes no params (found `{k}`); remove it")),
        None => Ok(()),
    }
}

/// A built-in step kind, as the engine sees it. Implementations do no I/O.
pub trait StepKind: Send + Sync {
    fn name(&self) -> &'static str;
    /// Bumped whenever the kind's output for the same inputs may change; part of the cache key.
    fn version(&self) -> u32;
    fn about(&self) -> &'static str;
    fn inputs(&self) -> &'static [PortSpec];
    fn outputs(&self) -> &'static [OutputSpec];
    /// Validate the step's `params:` at load time; the message says what is wrong and how to fix it.
    fn check(&self, params: &serde_json::Map<String, serde_json::Value>) -> Result<(), String>;
    /// The arguments after `cairn step <name>`.
    fn args(&self, call: &StepCall<'_>) -> Vec<String>;
}

/// The known step kinds, by name.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, Arc<dyn StepKind>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(&mut self, kind: Arc<dyn StepKind>) {
        self.kinds.insert(kind.name(), kind);
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn StepKind>> {
        self.kinds.get(name)
    }

    /// Names of all kinds, sorted, for "known kinds: ..." hints.
    pub fn names(&self) -> Vec<&'static str> {
        self.kinds.keys().copied().collect()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.kinds.keys()).finish()
    }
}
