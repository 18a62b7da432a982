//! The content-addressed cache: what a task's outputs depend on, where they are kept, and why a
//! task must run again.
//!
//! A task's [`ActionSpec`] lists everything that determines its outputs: the step kind and its
//! version (or the command script as written), the resolved parameter values, the container image,
//! and the CONTENT digests of its inputs by name. Paths, mtimes and resources are not in it, so a
//! `touch`, a copied project or a change of `cpus:` never reruns anything, while an upstream rerun
//! that yields identical bytes leaves downstream tasks cached (early cutoff). The BLAKE3 hash of the
//! spec's canonical JSON is the [`ActionDigest`], the key under which the [`ActionRecord`] (the
//! outputs' content digests) is stored. When a task must run, [`explain`] diffs the spec of its last
//! run against the new one, so every rerun carries a reason.

mod explain;
pub mod statcache;
pub mod store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::digest::{ActionDigest, ContentDigest};
pub use explain::{explain, Change};
pub use statcache::StatCache;
pub use store::Store;

/// One input file as the cache sees it: its name (tools care about extensions) and content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputDigest {
    pub name: String,
    pub digest: ContentDigest,
}

/// Everything that determines a task's outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionSpec {
    /// Built-in kind name, or `command`.
    pub kind: String,
    /// Built-in kind version; none for command steps.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<u32>,
    /// The command script as written (before interpolation).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub script: Option<String>,
    /// The sample the task runs for.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sample: Option<String>,
    /// Resolved parameter values (built-ins) or interpolated values (scripts).
    pub params: BTreeMap<String, serde_json::Value>,
    /// Input name -> files, in binding order.
    pub inputs: BTreeMap<String, Vec<InputDigest>>,
    /// Output name -> file name.
    pub outputs: BTreeMap<String, String>,
    /// Container image, by digest when pinned.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub container: Option<String>,
}

impl ActionSpec {
    pub fn digest(&self) -> ActionDigest {
        let json = serde_json::to_vec(self).expect("an action spec always serializes");
        ActionDigest::of_bytes(&json)
    }
}

/// One output of a finished task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub file: String,
    pub digest: ContentDigest,
    pub size: u64,
}

/// What the store keeps per action: the spec (for explaining reruns) and the outputs' digests.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionRecord {
    pub spec: ActionSpec,
    pub outputs: BTreeMap<String, OutputRecord>,
    /// The task that produced it (`step/sample`), the run, and when, for humans.
    pub task: String,
    pub run_id: String,
    pub finished_unix: u64,
    pub duration_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spec(params: &[(&str, i64)], input: &[u8]) -> ActionSpec {
        ActionSpec {
            kind: "command".into(),
            version: None,
            script: Some("cat {{ in.x }} > {{ out.y }}".into()),
            sample: Some("S1".into()),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), (*v).into()))
                .collect(),
            inputs: [(
                "x".to_string(),
                vec![InputDigest {
                    name: "x.txt".into(),
                    digest: ContentDigest::of_bytes(input),
                }],
            )]
            .into_iter()
            .collect(),
            outputs: [("y".to_string(), "y.txt".to_string())]
                .into_iter()
                .collect(),
            container: None,
        }
    }

    #[test]
    fn digest_depends_on_content_not_order_of_params() {
        let a = spec(&[("a", 1), ("b", 2)], b"hello");
        let b = spec(&[("b", 2), ("a", 1)], b"hello");
        assert_eq!(a.digest(), b.digest());
        assert_ne!(a.digest(), spec(&[("a", 1), ("b", 2)], b"hellp").digest());
        assert_ne!(a.digest(), spec(&[("a", 1), ("b", 3)], b"hello").digest());
    }

    proptest! {
        #[test]
        fn digest_is_stable_through_json(params in proptest::collection::btree_map("[a-z]{1,8}", any::<i64>(), 0..8), input in any::<Vec<u8>>()) {
            let p: Vec<(&str, i64)> = params.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            let s = spec(&p, &input);
            let back: ActionSpec = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
            prop_assert_eq!(back.digest(), s.digest());
        }
    }
}
