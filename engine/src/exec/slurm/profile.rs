//! The SLURM profile: where and how jobs are submitted (`--profile FILE`, YAML).
//!
//! ```yaml
//! partition: main
//! account: lab
//! qos: normal
//! extra_args: ["--constraint=avx2"]
//! poll_interval: 2s
//! max_jobs: 500          # jobs of this run in the queue at once
//! submit_rate: 20        # sbatch calls per second at most
//! steps:
//!   align: { cpus: 8, memory: 16GiB, time: 4h, partition: long }
//! ```
//!
//! Everything is optional; an absent profile means the cluster's defaults.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::workflow::units::{parse_duration, parse_memory};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    partition: Option<String>,
    account: Option<String>,
    qos: Option<String>,
    #[serde(default)]
    extra_args: Vec<String>,
    poll_interval: Option<String>,
    max_jobs: Option<usize>,
    submit_rate: Option<f64>,
    #[serde(default)]
    steps: BTreeMap<String, RawStep>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    cpus: Option<u32>,
    memory: Option<String>,
    time: Option<String>,
    partition: Option<String>,
    qos: Option<String>,
    #[serde(default)]
    extra_args: Vec<String>,
}

/// Per-step overrides of the workflow's resources and of the profile's placement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepOverride {
    pub cpus: Option<u32>,
    /// A floor: retries after running out of memory still escalate above it.
    pub memory: Option<u64>,
    pub time: Option<Duration>,
    pub partition: Option<String>,
    pub qos: Option<String>,
    pub extra_args: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub partition: Option<String>,
    pub account: Option<String>,
    pub qos: Option<String>,
    pub extra_args: Vec<String>,
    pub poll_interval: Duration,
    pub max_jobs: usize,
    pub submit_rate: f64,
    pub steps: BTreeMap<String, StepOverride>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            partition: None,
            account: None,
            qos: None,
            extra_args: Vec::new(),
            poll_interval: Duration::from_secs(2),
            max_jobs: 1000,
            submit_rate: 20.0,
            steps: BTreeMap::new(),
        }
    }
}

impl Profile {
    pub fn load(path: &Path) -> Result<Profile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the slurm profile {}: {e}", path.display()))?;
        Profile::parse(&text).map_err(|e| format!("slurm profile {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Profile, String> {
        let raw: RawProfile = if text.trim().is_empty() {
            RawProfile::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        let d = Profile::default();
        let poll_interval = match raw.poll_interval {
            Some(t) => poll(&t).map_err(|e| format!("poll_interval: {e}"))?,
            None => d.poll_interval,
        };
        if poll_interval < Duration::from_millis(100) {
            return Err(
                "poll_interval: use at least 100ms; the controller answers every query".into(),
            );
        }
        let max_jobs = raw.max_jobs.unwrap_or(d.max_jobs);
        if max_jobs == 0 {
            return Err("max_jobs: must be at least 1".into());
        }
        let submit_rate = raw.submit_rate.unwrap_or(d.submit_rate);
        if submit_rate.is_nan() || submit_rate <= 0.0 {
            return Err("submit_rate: must be a positive number of submissions per second".into());
        }
        let mut steps = BTreeMap::new();
        for (name, s) in raw.steps {
            let memory = match &s.memory {
                Some(m) => Some(parse_memory(m).map_err(|e| format!("steps.{name}.memory: {e}"))?),
                None => None,
            };
            let time = match &s.time {
                Some(t) => Some(parse_duration(t).map_err(|e| format!("steps.{name}.time: {e}"))?),
                None => None,
            };
            let o = StepOverride {
                cpus: s.cpus,
                memory,
                time,
                partition: s.partition,
                qos: s.qos,
                extra_args: s.extra_args,
            };
            steps.insert(name, o);
        }
        Ok(Profile {
            partition: raw.partition,
            account: raw.account,
            qos: raw.qos,
            extra_args: raw.extra_args,
            poll_interval,
            max_jobs,
            submit_rate,
            steps,
        })
    }

    /// The overrides for a task named `step` or `step/sample`.
    pub fn step(&self, task_name: &str) -> Option<&StepOverride> {
        let step = task_name.split('/').next().unwrap_or(task_name);
        self.steps.get(step)
    }
}

/// A poll interval: a duration as in workflows, or milliseconds written `500ms`.
fn poll(text: &str) -> Result<Duration, String> {
    match text.trim().strip_suffix("ms").map(str::parse::<u64>) {
        Some(Ok(ms)) => Ok(Duration::from_millis(ms)),
        _ => parse_duration(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_profile() {
        let p = Profile::parse(
            "partition: main\naccount: lab\nqos: normal\nextra_args: [\"--nice=10\"]\n\
             poll_interval: 500ms\nmax_jobs: 50\nsubmit_rate: 5\n\
             steps:\n  align: { cpus: 8, memory: 2GiB, time: 1h, partition: long }\n",
        )
        .unwrap();
        assert_eq!(p.partition.as_deref(), Some("main"));
        assert_eq!(p.poll_interval, Duration::from_millis(500));
        assert_eq!(p.max_jobs, 50);
        let a = p.step("align/NA12878").unwrap();
        assert_eq!(a.cpus, Some(8));
        assert_eq!(a.memory, Some(2 << 30));
        assert_eq!(a.time, Some(Duration::from_secs(3600)));
        assert!(p.step("call/NA12878").is_none());
    }

    #[test]
    fn empty_profile_is_defaults() {
        assert_eq!(Profile::parse("").unwrap(), Profile::default());
    }

    #[test]
    fn bad_profiles_say_what_to_fix() {
        assert!(Profile::parse("partitoin: x\n")
            .unwrap_err()
            .contains("partitoin"));
        assert!(Profile::parse("poll_interval: 1ms\n")
            .unwrap_err()
            .contains("poll_interval"));
        assert!(Profile::parse("max_jobs: 0\n")
            .unwrap_err()
            .contains("max_jobs"));
        assert!(Profile::parse("steps:\n  a: { memory: lots }\n")
            .unwrap_err()
            .contains("steps.a.memory"));
    }
}
