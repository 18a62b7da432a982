//! The container profile (`--containers FILE`, YAML): which runtime runs containers on this
//! machine, and the policy around it. Like the SLURM profile it describes the site, not the
//! workflow, so the same workflow runs under podman on a laptop and Apptainer on a cluster.
//!
//! ```yaml
//! runtime: apptainer          # podman, docker, apptainer, singularity, charliecloud
//! binary: /opt/apptainer/bin/apptainer
//! network: false              # give containers the host network (default: none)
//! extra_args: ["--nv"]        # placed before the image
//! binds: [/refs]              # extra read-only binds every container gets
//! ```
//!
//! Everything is optional. `--container-runtime` overrides `runtime:`; with neither, the first
//! runtime found on PATH is used (podman, docker, apptainer, singularity, ch-run).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{detect, ContainerError, Runtime, RuntimeKind};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerProfile {
    #[serde(default)]
    pub runtime: Option<RuntimeKind>,
    #[serde(default)]
    pub binary: Option<PathBuf>,
    #[serde(default)]
    pub network: bool,
    #[serde(default)]
    pub extra_args: Vec<String>,
    #[serde(default)]
    pub binds: Vec<PathBuf>,
}

impl ContainerProfile {
    pub fn load(path: &Path) -> Result<ContainerProfile, ContainerError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ContainerError::Config(format!(
                "cannot read the container profile {}: {e}",
                path.display()
            ))
        })?;
        ContainerProfile::parse(&text).map_err(|e| {
            ContainerError::Config(format!("container profile {}: {e}", path.display()))
        })
    }

    pub fn parse(text: &str) -> Result<ContainerProfile, String> {
        if text.trim().is_empty() {
            return Ok(ContainerProfile::default());
        }
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }

    /// The runtime to use: `chosen` (from the command line), else the profile's, else the first
    /// one installed. The runtime's program and the profile's binds must exist.
    pub fn runtime(&self, chosen: Option<RuntimeKind>) -> Result<Runtime, ContainerError> {
        let kind =
            chosen
                .or(self.runtime)
                .or_else(detect)
                .ok_or(ContainerError::RuntimeMissing {
                    kind: RuntimeKind::Podman,
                    binary: "podman".into(),
                })?;
        let mut rt = Runtime::new(kind);
        // A binary set for one runtime does not apply when the command line picked another.
        if chosen.is_none() || chosen == self.runtime {
            if let Some(b) = &self.binary {
                rt.binary = b.clone();
            }
        }
        rt.network = self.network;
        rt.extra_args = self.extra_args.clone();
        rt.binds = self.binds.clone();
        rt.check()?;
        Ok(rt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_profile() {
        let p = ContainerProfile::parse(
            "runtime: apptainer\nbinary: /bin/true\nnetwork: true\nextra_args: [\"--nv\"]\nbinds: [/tmp]\n",
        )
        .unwrap();
        assert_eq!(p.runtime, Some(RuntimeKind::Apptainer));
        let rt = p.runtime(None).unwrap();
        assert_eq!(rt.binary, PathBuf::from("/bin/true"));
        assert!(rt.network);
        assert_eq!(rt.extra_args, ["--nv"]);
    }

    #[test]
    fn mistakes_are_reported() {
        assert!(ContainerProfile::parse("runtime: rkt\n")
            .unwrap_err()
            .contains("rkt"));
        assert!(ContainerProfile::parse("netwrok: true\n")
            .unwrap_err()
            .contains("netwrok"));
        let missing = ContainerProfile {
            runtime: Some(RuntimeKind::Docker),
            binary: Some("/nonexistent/docker".into()),
            ..Default::default()
        };
        let e = missing.runtime(None).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Environment);
        assert!(e.to_string().contains("not installed"), "{e}");
        let bind = ContainerProfile {
            binary: Some("/bin/true".into()),
            runtime: Some(RuntimeKind::Podman),
            binds: vec!["/nonexistent/refs".into()],
            ..Default::default()
        };
        assert!(bind
            .runtime(None)
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/refs"));
    }
}
