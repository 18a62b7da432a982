//! The serde mirror of the workflow YAML. This is the only file that knows the YAML crate's types.
//!
//! The schema is declared twice by one macro: `strict` rejects unknown keys (its error carries the
//! line, column and the list of known keys) and `lenient` ignores them, so that a workflow with a
//! typo'd key still gets every other error reported in the same `cairn validate`.

use indexmap::IndexMap;
use serde::Deserialize;
pub use serde_saphyr::Spanned;

/// A scalar or structured value as written in YAML (params, step params).
pub type Value = serde_json::Value;

/// An input binding: one template or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum InputDoc {
    One(String),
    Many(Vec<String>),
}

/// A step's `publish:`: `true`/`false`, a list of output names, or the full form.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PublishDoc {
    Flag(bool),
    Outputs(Vec<String>),
    Full(PublishFull),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishFull {
    #[serde(default)]
    pub outputs: Option<Vec<String>>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
}

macro_rules! define_schema {
    ($(#[$attr:meta])*) => {
        use super::*;

        /// The whole workflow file.
        #[derive(Debug, Deserialize)]
        $(#[$attr])*
        pub struct WorkflowDoc {
            pub name: Spanned<String>,
            #[serde(default)]
            pub description: Option<String>,
            #[serde(default)]
            pub params: IndexMap<String, Spanned<Value>>,
            #[serde(default)]
            pub samples: Option<Spanned<String>>,
            /// The `images.toml` that `container:` names resolve in (relative to this file).
            #[serde(default)]
            pub images: Option<Spanned<String>>,
            pub steps: IndexMap<String, Spanned<StepDoc>>,
            #[serde(default)]
            pub publish: Option<Spanned<DefaultsDoc>>,
        }

        /// Workflow-wide publishing defaults.
        #[derive(Debug, Deserialize)]
        $(#[$attr])*
        pub struct DefaultsDoc {
            #[serde(default)]
            pub mode: Option<String>,
            #[serde(default)]
            pub path: Option<String>,
        }

        /// One step: a built-in `kind:` or a command `run:`.
        #[derive(Debug, Deserialize)]
        $(#[$attr])*
        pub struct StepDoc {
            #[serde(default)]
            pub description: Option<String>,
            #[serde(default)]
            pub kind: Option<Spanned<String>>,
            #[serde(default)]
            pub run: Option<Spanned<String>>,
            #[serde(default)]
            pub container: Option<Spanned<String>>,
            #[serde(default)]
            pub per: Option<Spanned<String>>,
            #[serde(default)]
            pub when: Option<Spanned<String>>,
            #[serde(default, rename = "in")]
            pub inputs: IndexMap<String, Spanned<InputDoc>>,
            #[serde(default)]
            pub out: IndexMap<String, Spanned<String>>,
            #[serde(default)]
            pub params: IndexMap<String, Spanned<Value>>,
            #[serde(default)]
            pub resources: Option<Spanned<ResourcesDoc>>,
            #[serde(default)]
            pub retry: Option<Spanned<RetryDoc>>,
            #[serde(default)]
            pub publish: Option<PublishDoc>,
        }

        /// What a task asks of the machine. Not part of the cache key.
        #[derive(Debug, Deserialize)]
        $(#[$attr])*
        pub struct ResourcesDoc {
            #[serde(default)]
            pub cpus: Option<u32>,
            #[serde(default)]
            pub memory: Option<String>,
            #[serde(default)]
            pub time: Option<String>,
        }

        /// How often to retry a failed task, and how much more memory each attempt gets.
        #[derive(Debug, Deserialize)]
        $(#[$attr])*
        pub struct RetryDoc {
            pub attempts: u32,
            #[serde(default)]
            pub memory_factor: Option<f64>,
        }
    };
}

/// Rejects unknown keys.
pub mod strict {
    define_schema!(#[serde(deny_unknown_fields)]);
}

/// Ignores unknown keys (they are reported from the strict parse).
pub mod lenient {
    define_schema!();
}

/// A parse problem: position (1-based line, column) when known, and the message.
#[derive(Debug, Clone)]
pub struct ParseProblem {
    pub position: Option<(u64, u64)>,
    pub message: String,
}

fn problem(e: &serde_saphyr::Error) -> ParseProblem {
    let position = e.location().map(|l| (l.line(), l.column()));
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    // The crate prefixes "error: line N column M: "; the position is reported separately.
    let message = first
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("error"))
        .map_or(first, |(_, rest)| rest);
    let message = match message.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => message,
    };
    // ...and appends " at line N, column M", which the position already says.
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    ParseProblem {
        position,
        message: message.to_string(),
    }
}

fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.with_snippet = false;
    o
}

/// Parse `text` strictly; on failure also try a lenient parse so later checks can still run.
pub fn parse(text: &str) -> (Option<ParseProblem>, Option<lenient::WorkflowDoc>) {
    let strict = serde_saphyr::from_str_with_options::<strict::WorkflowDoc>(text, options());
    let lenient = serde_saphyr::from_str_with_options::<lenient::WorkflowDoc>(text, options());
    match (strict, lenient) {
        (Ok(_), Ok(doc)) => (None, Some(doc)),
        (Err(e), lenient) => (Some(problem(&e)), lenient.ok()),
        (Ok(_), Err(e)) => (Some(problem(&e)), None),
    }
}

/// `(line, column)` of a spanned value, 1-based.
pub fn position<T>(spanned: &Spanned<T>) -> (u64, u64) {
    (spanned.referenced.line(), spanned.referenced.column())
}
