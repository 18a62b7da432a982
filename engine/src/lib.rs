//! The Cairn engine: it knows workflows, tasks, files and processes, and nothing about biology.
//!
//! Data flows one way: **load** a YAML workflow into a serde mirror ([`workflow`]), **validate** it
//! into a typed model, **plan** steps x samples into a DAG of tasks ([`plan`]), then **schedule**
//! ready tasks: for each, compute its action digest from the content of its inputs, **look it up**
//! in the content-addressed store ([`cache`]); on a miss **execute** it ([`exec`]) in a scratch
//! directory, **record** its outputs atomically, and finally **publish** results and the run's
//! provenance. Everything that happens is an [`events::Event`]; only event sinks print.

pub mod cache;
pub mod digest;
pub mod error;
pub mod events;
pub mod exec;
pub mod plan;
pub mod run;
pub mod shell;
pub mod step;
pub mod workflow;

pub use error::ErrorKind;
