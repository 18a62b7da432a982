//! Choosing the container runtime (`--container-runtime`, `--containers PROFILE`) and resolving
//! the workflow's images before anything is planned: their ids are part of the action digests.

use cairn_engine::exec::container::{ContainerError, ContainerProfile, Runtime, RuntimeKind};
use cairn_engine::workflow::Workflow;

use super::args::{ContainerArgs, RuntimeArg};
use super::CliError;

fn container_error(e: ContainerError) -> CliError {
    CliError {
        kind: e.kind(),
        message: e.to_string(),
    }
}

/// The container runtime, when the workflow has steps in containers; their images are resolved
/// (their ids go into the action digests). Warnings of the workflow are printed here.
pub fn containers(wf: &mut Workflow, c: &ContainerArgs) -> Result<Option<Runtime>, CliError> {
    for w in &wf.warnings {
        eprintln!("warning: {w}");
    }
    if !wf.uses_containers() {
        return Ok(None);
    }
    let profile = match &c.container_profile {
        Some(p) => ContainerProfile::load(p).map_err(container_error)?,
        None => ContainerProfile::default(),
    };
    let chosen = c.container_runtime.map(|r| match r {
        RuntimeArg::Podman => RuntimeKind::Podman,
        RuntimeArg::Docker => RuntimeKind::Docker,
        RuntimeArg::Apptainer => RuntimeKind::Apptainer,
        RuntimeArg::Singularity => RuntimeKind::Singularity,
        RuntimeArg::Charliecloud => RuntimeKind::Charliecloud,
    });
    let rt = profile.runtime(chosen).map_err(container_error)?;
    wf.resolve_images(&rt).map_err(container_error)?;
    Ok(Some(rt))
}
