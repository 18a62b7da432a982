//! Containers: a command step's script runs inside a pinned image, through a container runtime.
//!
//! A container is not an executor. For a step with `container:`, the engine writes the step's
//! script as `script.sh` in the task directory and a `command.sh` that runs it through the runtime
//! (`podman run ... IMAGE bash script.sh`). Every executor (local, SLURM) still runs `bash
//! command.sh`, so containers compose with all of them, and a failed task can still be rerun by
//! hand from its directory, in its container. The task directory is bind-mounted read-write at its
//! own path and inputs read-only at theirs, so every path in the script means the same inside and
//! outside; the network is off unless the profile turns it on.
//!
//! Images are named in `images.toml` (or written as full references) and are resolved before
//! planning to a content identity: the runtime's image id, or the BLAKE3 digest of a SIF/SquashFS
//! file or image directory. That identity, not the name, is part of the action digest, so a rebuilt
//! image reruns the steps that use it, `cairn plan` says "container image a1b2.. -> c3d4..", and a
//! renamed or retagged but identical image reruns nothing. The runtime runs the image by that
//! identity too, so what was hashed is what runs.

mod argv;
mod image;
mod profile;
mod script;

use std::fmt;
use std::path::PathBuf;

pub use argv::{argv, Bind, Invocation};
pub use image::{image_digest, resolve_image, ImageSpec, ImageTable, ResolvedImage};
pub use profile::ContainerProfile;
pub use script::{command_script, normalize, task_binds, TaskMounts};

use crate::ErrorKind;

/// A container runtime Cairn knows how to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeKind {
    Podman,
    Docker,
    Apptainer,
    Singularity,
    Charliecloud,
}

impl RuntimeKind {
    pub const ALL: [RuntimeKind; 5] = [
        RuntimeKind::Podman,
        RuntimeKind::Docker,
        RuntimeKind::Apptainer,
        RuntimeKind::Singularity,
        RuntimeKind::Charliecloud,
    ];

    pub fn parse(text: &str) -> Result<RuntimeKind, String> {
        RuntimeKind::ALL
            .into_iter()
            .find(|k| k.name() == text)
            .ok_or_else(|| {
                format!("unknown container runtime `{text}`; use podman, docker, apptainer, singularity or charliecloud")
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Podman => "podman",
            RuntimeKind::Docker => "docker",
            RuntimeKind::Apptainer => "apptainer",
            RuntimeKind::Singularity => "singularity",
            RuntimeKind::Charliecloud => "charliecloud",
        }
    }

    /// The program that runs containers.
    pub fn default_binary(self) -> &'static str {
        match self {
            RuntimeKind::Charliecloud => "ch-run",
            other => other.name(),
        }
    }

    /// Whether images live in the runtime's own storage (podman, docker) rather than in files.
    pub fn has_image_store(self) -> bool {
        matches!(self, RuntimeKind::Podman | RuntimeKind::Docker)
    }

    fn install_hint(self) -> &'static str {
        match self {
            RuntimeKind::Podman => "install it (Debian/Ubuntu: apt-get install podman runc uidmap)",
            RuntimeKind::Docker => "install Docker Engine and start its daemon",
            RuntimeKind::Apptainer | RuntimeKind::Singularity => {
                "install Apptainer (apptainer.org) or load its module"
            }
            RuntimeKind::Charliecloud => {
                "install it (Debian/Ubuntu: apt-get install charliecloud-runtime)"
            }
        }
    }
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How containers are run on this machine: the runtime and the policy around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    pub kind: RuntimeKind,
    /// The runtime's program (a name looked up on PATH, or a path).
    pub binary: PathBuf,
    /// Give containers the host's network (off by default: steps should not reach out).
    pub network: bool,
    /// Extra arguments placed before the image (e.g. `--cgroup-parent=...`).
    pub extra_args: Vec<String>,
    /// Extra read-only binds every container gets (reference folders, say).
    pub binds: Vec<PathBuf>,
    /// The user the task's files should belong to (docker runs as root otherwise).
    pub uid: u32,
    pub gid: u32,
}

impl Runtime {
    /// A runtime with the default policy, for the current user.
    pub fn new(kind: RuntimeKind) -> Runtime {
        // SAFETY: getuid/getgid cannot fail and touch no memory.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        Runtime {
            kind,
            binary: PathBuf::from(kind.default_binary()),
            network: false,
            extra_args: Vec::new(),
            binds: Vec::new(),
            uid,
            gid,
        }
    }

    /// Check that the runtime's program can be found and that configured binds exist.
    pub fn check(&self) -> Result<(), ContainerError> {
        if which(&self.binary).is_none() {
            return Err(ContainerError::RuntimeMissing {
                kind: self.kind,
                binary: self.binary.display().to_string(),
            });
        }
        for b in &self.binds {
            if !b.exists() {
                return Err(ContainerError::BindMissing {
                    path: b.clone(),
                    why: "listed under `binds:` in the container profile".into(),
                });
            }
        }
        Ok(())
    }
}

/// The first runtime found on PATH, in the order podman, docker, apptainer, singularity, ch-run.
pub fn detect() -> Option<RuntimeKind> {
    RuntimeKind::ALL
        .into_iter()
        .find(|k| which(std::path::Path::new(k.default_binary())).is_some())
}

/// Where `program` is: itself when it holds a `/`, else the first executable match on PATH.
pub fn which(program: &std::path::Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.components().count() > 1 {
        return executable(program).then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| executable(p))
}

/// Why containers cannot run as asked.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error(
        "container runtime {kind} (`{binary}`) is not installed or not on PATH; {}, \
         or choose another with --container-runtime (podman, docker, apptainer, singularity, charliecloud)",
        kind.install_hint()
    )]
    RuntimeMissing { kind: RuntimeKind, binary: String },
    #[error(
        "container runtime {kind} is installed but does not answer: {detail}; start its daemon \
         (or service), or choose another runtime with --container-runtime"
    )]
    RuntimeDown { kind: RuntimeKind, detail: String },
    #[error(
        "container image `{name}` ({reference}) is not available to {runtime}: {detail}; {how}"
    )]
    ImageMissing {
        name: String,
        reference: String,
        runtime: RuntimeKind,
        detail: String,
        how: String,
    },
    #[error(
        "container image `{name}` ({reference}) is {found}, but {source_file} pins {pin}; \
         build or pull the pinned image, or update the pin (containers/build.sh --pin {name})"
    )]
    PinMismatch {
        name: String,
        reference: String,
        found: String,
        pin: String,
        source_file: String,
    },
    #[error("bind path {} does not exist ({why}); create it or correct the path", path.display())]
    BindMissing { path: PathBuf, why: String },
    #[error("{0}")]
    Config(String),
}

impl ContainerError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ContainerError::Config(_) => ErrorKind::User,
            _ => ErrorKind::Environment,
        }
    }
}
