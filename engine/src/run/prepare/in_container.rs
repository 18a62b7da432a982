//! Writing the task directory of a step that runs in a container: the step's script becomes
//! `script.sh` and `command.sh` starts the container around it.

use std::path::PathBuf;

use indexmap::IndexMap;

use super::DirSpec;
use crate::exec::container::{self, ResolvedImage, Runtime, TaskMounts};
use crate::workflow::Step;

/// The runtime and image a step runs in, if it runs in a container.
pub(super) fn container_of<'a>(
    d: &DirSpec<'a>,
    step: &Step,
) -> std::io::Result<Option<(&'a Runtime, &'a ResolvedImage)>> {
    let Some(name) = step.container() else {
        return Ok(None);
    };
    let runtime = d.runtime.ok_or_else(|| {
        std::io::Error::other(format!(
            "step `{}` runs in container `{name}`, but no container runtime was chosen",
            step.id
        ))
    })?;
    let image = d.images.get(name).ok_or_else(|| {
        std::io::Error::other(format!("container image `{name}` was not resolved"))
    })?;
    Ok(Some((runtime, image)))
}

/// Write `script.sh` and the `command.sh` that runs it in `image`; `task` is the task's name and
/// its action's short digest.
pub(super) fn write(
    d: &DirSpec<'_>,
    rt: &Runtime,
    image: &ResolvedImage,
    task: (&str, String),
    inputs: &IndexMap<String, Vec<PathBuf>>,
    script: &str,
) -> std::io::Result<()> {
    let external: Vec<PathBuf> = inputs
        .values()
        .flatten()
        .filter(|p| !p.starts_with(d.dir))
        .cloned()
        .collect();
    let mounts = TaskMounts {
        task_dir: d.dir,
        cas_dir: &d.store.root().join("cas"),
        inputs: &external,
    };
    let binds = container::task_binds(rt, &mounts).map_err(std::io::Error::other)?;
    std::fs::write(d.dir.join("script.sh"), script)?;
    let wrapper = container::command_script(rt, image, task.0, &task.1, d.dir, &binds, d.cpus);
    std::fs::write(d.dir.join("command.sh"), wrapper)
}
