//! The task's `command.sh` for a step in a container, and the binds it needs.
//!
//! The step's own script goes into `script.sh`; `command.sh` starts the container with it. Inside,
//! a small `bash -c` wrapper is the container's first process: a shell running as PID 1 ignores
//! SIGTERM, so without the wrapper a timeout or Ctrl-C would leave the container running.

use std::path::{Component, Path, PathBuf};

use super::{argv, Bind, ContainerError, Invocation, ResolvedImage, Runtime, RuntimeKind};
use crate::shell;

/// What a task's container must see.
#[derive(Debug, Clone)]
pub struct TaskMounts<'a> {
    /// The task directory: read-write.
    pub task_dir: &'a Path,
    /// The store's `cas/` folder, where staged upstream outputs (`in/<task>/<file>`) link to.
    pub cas_dir: &'a Path,
    /// Input files from outside the store; their folders are bound read-only (tools look for
    /// sidecar files such as `.fai` next to them).
    pub inputs: &'a [PathBuf],
}

/// `p` made absolute, without `.` and `..` components: the binds must name the same path the
/// script does, and runtimes want absolute paths.
pub fn normalize(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The binds of a task: its directory read-write, then read-only folders (inputs, the store, the
/// profile's extras) without duplicates or folders already inside another read-only bind. Every
/// source must exist.
pub fn task_binds(rt: &Runtime, m: &TaskMounts<'_>) -> Result<Vec<Bind>, ContainerError> {
    let mut ro: Vec<PathBuf> = vec![m.cas_dir.to_path_buf()];
    // The folder of a file, or the file itself where its folder is `/` (which must stay the image's).
    let folder = |f: &Path| match f.parent() {
        Some(p) if p.parent().is_some() => p.to_path_buf(),
        _ => f.to_path_buf(),
    };
    for input in m.inputs {
        let input = normalize(input);
        ro.push(folder(&input));
        // A symlinked input needs its target visible too.
        if let Ok(target) = std::fs::canonicalize(&input) {
            ro.push(folder(&target));
        }
    }
    for b in &rt.binds {
        if !b.exists() {
            return Err(ContainerError::BindMissing {
                path: b.clone(),
                why: "a `binds:` entry of the container profile".into(),
            });
        }
        ro.push(normalize(b));
    }
    ro.sort();
    ro.dedup();
    let kept: Vec<PathBuf> = ro
        .iter()
        .filter(|p| !ro.iter().any(|q| q != *p && p.starts_with(q)))
        .cloned()
        .collect();
    let mut binds = vec![Bind::same(m.task_dir, false)];
    for p in kept {
        if !p.exists() {
            return Err(ContainerError::BindMissing {
                path: p,
                why: "an input folder of the task".into(),
            });
        }
        binds.push(Bind::same(&p, true));
    }
    // Parents are mounted before what lies inside them (the task dir may be inside an input folder).
    binds.sort_by_key(|b| b.dst.components().count());
    Ok(binds)
}

/// Runs `script.sh` as the container's child so that TERM reaches it and the container ends.
const WRAPPER: &str = "trap 'exit 143' TERM INT; bash script.sh & wait $!";

/// Under SLURM, rootful podman would create the container's cgroup outside the job's, and the job's
/// memory limit would not hold; this finds the job's cgroup (v1 memory controller, or v2) so the
/// container is placed under it.
const SLURM_CGROUP: &str = r#"cgroup=()
if [ -n "${SLURM_JOB_ID:-}" ] && [ "$(id -u)" = 0 ]; then
  job=$(sed -n -E 's#^[0-9]+:(memory)?:(.*/job_[0-9]+)(/.*)?$#\2#p' /proc/self/cgroup | head -n 1)
  if [ -n "$job" ]; then cgroup=(--cgroup-parent="$job"); fi
fi
"#;

/// `ch-run` refuses to start without `$USER` (batch jobs and daemons may not set it).
const CH_USER: &str = "export USER=\"${USER:-$(id -un)}\"\n";

/// The `command.sh` that runs `script.sh` of the task in `image`.
pub fn command_script(
    rt: &Runtime,
    image: &ResolvedImage,
    task: &str,
    action: &str,
    workdir: &Path,
    binds: &[Bind],
    cpus: u32,
) -> String {
    let command = ["bash".to_string(), "-c".to_string(), WRAPPER.to_string()];
    let env = [("CAIRN_TASK_CPUS".to_string(), cpus.to_string())];
    let inv = Invocation {
        image: &image.run_ref,
        workdir,
        binds,
        env: &env,
        command: &command,
    };
    let args = argv(rt, &inv);
    let (pre, line) = match rt.kind {
        RuntimeKind::Podman => {
            // `podman run` + the job's cgroup (an array: nothing outside SLURM) + the rest.
            let (head, tail) = args.split_at(2);
            let line = format!(
                "{} \"${{cgroup[@]}}\" {}",
                shell::join(head),
                shell::join(tail)
            );
            (SLURM_CGROUP, line)
        }
        RuntimeKind::Charliecloud => (CH_USER, shell::join(&args)),
        _ => ("", shell::join(&args)),
    };
    format!(
        "#!/usr/bin/env bash\n# cairn task {task} (action {action}) in container `{}` = {} ({})\n\
         # the step's script is script.sh; this runs it through {}\nset -euo pipefail\n{pre}exec {line}\n",
        image.spec.name, image.spec.reference, image.id, rt.kind,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::container::ImageSpec;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(
            normalize(Path::new("/repo/workflows/../test-data/./demo/ref.fa")),
            PathBuf::from("/repo/test-data/demo/ref.fa")
        );
    }

    #[test]
    fn binds_task_dir_rw_and_input_folders_ro_once() {
        let d = tempfile::tempdir().unwrap();
        let (task, cas, data) = (
            d.path().join("work/t"),
            d.path().join("cas"),
            d.path().join("data"),
        );
        for p in [&task, &cas, &data.join("sub")] {
            std::fs::create_dir_all(p).unwrap();
        }
        let inputs = [
            data.join("a.fa"),
            data.join("sub/../b.fq"),
            data.join("sub/c.fq"),
        ];
        let rt = Runtime::new(RuntimeKind::Podman);
        let m = TaskMounts {
            task_dir: &task,
            cas_dir: &cas,
            inputs: &inputs,
        };
        let binds = task_binds(&rt, &m).unwrap();
        let shown: Vec<(PathBuf, bool)> =
            binds.iter().map(|b| (b.src.clone(), b.read_only)).collect();
        assert_eq!(
            shown,
            vec![
                (cas.clone(), true),
                (data.clone(), true),
                (task.clone(), false)
            ]
        );
        let gone = [d.path().join("nowhere/x.fa")];
        let m = TaskMounts {
            task_dir: &task,
            cas_dir: &cas,
            inputs: &gone,
        };
        let at_root = [PathBuf::from("/bin")];
        let root = TaskMounts {
            task_dir: &task,
            cas_dir: &cas,
            inputs: &at_root,
        };
        let binds = task_binds(&rt, &root).unwrap();
        assert!(binds.iter().all(|b| b.src != Path::new("/")), "{binds:?}");
        let e = task_binds(&rt, &m).unwrap_err();
        assert!(e.to_string().contains("nowhere"), "{e}");
    }

    #[test]
    fn command_script_quotes_every_argument() {
        let rt = Runtime {
            uid: 0,
            gid: 0,
            ..Runtime::new(RuntimeKind::Podman)
        };
        let image = ResolvedImage {
            spec: ImageSpec::literal("localhost/bbox:latest"),
            id: "sha256:ad7b".into(),
            run_ref: "sha256:ad7b".into(),
        };
        let binds = [Bind::same(Path::new("/w/my task"), false)];
        let s = command_script(
            &rt,
            &image,
            "hello/S1",
            "0123abcd",
            Path::new("/w/my task"),
            &binds,
            2,
        );
        insta::assert_snapshot!(s);
    }
}
