//! Why a task must run again: a typed diff of its last action against the new one.

use std::fmt;

use super::ActionSpec;

/// One difference between the last action and the new one.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Kind {
        old: String,
        new: String,
    },
    Version {
        old: Option<u32>,
        new: Option<u32>,
    },
    Script,
    Param {
        name: String,
        old: Option<serde_json::Value>,
        new: Option<serde_json::Value>,
    },
    InputContent {
        name: String,
        file: String,
        old: String,
        new: String,
    },
    InputFiles {
        name: String,
        old: Vec<String>,
        new: Vec<String>,
    },
    Outputs,
    Container {
        old: Option<String>,
        new: Option<String>,
    },
    Sample {
        old: Option<String>,
        new: Option<String>,
    },
}

fn opt<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "(none)".to_string(), ToString::to_string)
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Kind { old, new } => write!(f, "step kind changed {old} -> {new}"),
            Change::Version { old, new } => write!(f, "step version {} -> {}", opt(old), opt(new)),
            Change::Script => write!(f, "script changed"),
            Change::Param { name, old, new } => {
                write!(f, "param `{name}` {} -> {}", opt(old), opt(new))
            }
            Change::InputContent {
                name,
                file,
                old,
                new,
            } => {
                write!(
                    f,
                    "input `{name}` ({file}) content changed {old}.. -> {new}.."
                )
            }
            Change::InputFiles { name, old, new } => {
                write!(
                    f,
                    "input `{name}` files changed [{}] -> [{}]",
                    old.join(", "),
                    new.join(", ")
                )
            }
            Change::Outputs => write!(f, "declared outputs changed"),
            Change::Container { old, new } => {
                let short = |d: &Option<String>| {
                    d.as_ref().map_or_else(
                        || "(none)".to_string(),
                        |d| {
                            let hex = d.split_once(':').map_or(d.as_str(), |(_, h)| h);
                            format!("{}..", &hex[..hex.len().min(8)])
                        },
                    )
                };
                write!(f, "container image {} -> {}", short(old), short(new))
            }
            Change::Sample { old, new } => write!(f, "sample {} -> {}", opt(old), opt(new)),
        }
    }
}

/// Every difference from `old` to `new`, inputs by name and parameters by key.
pub fn explain(old: &ActionSpec, new: &ActionSpec) -> Vec<Change> {
    let mut changes = Vec::new();
    if old.kind != new.kind {
        changes.push(Change::Kind {
            old: old.kind.clone(),
            new: new.kind.clone(),
        });
    }
    if old.version != new.version {
        changes.push(Change::Version {
            old: old.version,
            new: new.version,
        });
    }
    if old.script != new.script {
        changes.push(Change::Script);
    }
    if old.sample != new.sample {
        changes.push(Change::Sample {
            old: old.sample.clone(),
            new: new.sample.clone(),
        });
    }
    let keys: std::collections::BTreeSet<_> = old.params.keys().chain(new.params.keys()).collect();
    for k in keys {
        let (o, n) = (old.params.get(k), new.params.get(k));
        if o != n {
            changes.push(Change::Param {
                name: k.clone(),
                old: o.cloned(),
                new: n.cloned(),
            });
        }
    }
    let names: std::collections::BTreeSet<_> = old.inputs.keys().chain(new.inputs.keys()).collect();
    for name in names {
        let empty = Vec::new();
        let (o, n) = (
            old.inputs.get(name).unwrap_or(&empty),
            new.inputs.get(name).unwrap_or(&empty),
        );
        let same_names = o.len() == n.len() && o.iter().zip(n).all(|(a, b)| a.name == b.name);
        if !same_names {
            let list = |v: &Vec<super::InputDigest>| v.iter().map(|i| i.name.clone()).collect();
            changes.push(Change::InputFiles {
                name: name.clone(),
                old: list(o),
                new: list(n),
            });
            continue;
        }
        for (a, b) in o.iter().zip(n) {
            if a.digest != b.digest {
                changes.push(Change::InputContent {
                    name: name.clone(),
                    file: b.name.clone(),
                    old: a.digest.short(),
                    new: b.digest.short(),
                });
            }
        }
    }
    if old.outputs != new.outputs {
        changes.push(Change::Outputs);
    }
    if old.container != new.container {
        changes.push(Change::Container {
            old: old.container.clone(),
            new: new.container.clone(),
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::super::{ContentDigest, InputDigest};
    use super::*;

    fn spec() -> ActionSpec {
        ActionSpec {
            kind: "align".into(),
            version: Some(3),
            script: None,
            sample: Some("S1".into()),
            params: [("min_qual".to_string(), 20.into())].into_iter().collect(),
            inputs: [(
                "r1".to_string(),
                vec![InputDigest {
                    name: "a.fq".into(),
                    digest: ContentDigest::of_bytes(b"a"),
                }],
            )]
            .into_iter()
            .collect(),
            outputs: Default::default(),
            container: None,
        }
    }

    #[test]
    fn names_each_change() {
        let old = spec();
        let mut new = spec();
        new.version = Some(4);
        new.params.insert("min_qual".into(), 30.into());
        new.inputs.get_mut("r1").unwrap()[0].digest = ContentDigest::of_bytes(b"b");
        let text: Vec<String> = explain(&old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        let a = ContentDigest::of_bytes(b"a").short();
        let b = ContentDigest::of_bytes(b"b").short();
        assert_eq!(
            text,
            vec![
                "step version 3 -> 4".to_string(),
                "param `min_qual` 20 -> 30".to_string(),
                format!("input `r1` (a.fq) content changed {a}.. -> {b}.."),
            ]
        );
        assert!(explain(&old, &spec()).is_empty());
    }

    #[test]
    fn names_the_container_image_by_short_digest() {
        let mut old = spec();
        old.container = Some(format!("sha256:a1b2c3d4{}", "0".repeat(56)));
        let mut new = spec();
        new.container = Some(format!("sha256:c3d4e5f6{}", "0".repeat(56)));
        let text: Vec<String> = explain(&old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(text, ["container image a1b2c3d4.. -> c3d4e5f6.."]);
        let none: Vec<String> = explain(&spec(), &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(none, ["container image (none) -> c3d4e5f6.."]);
    }
}
