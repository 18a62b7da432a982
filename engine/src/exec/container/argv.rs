//! The command line that runs one task's script in a container, per runtime.
//!
//! Every runtime gets the same request: this image, these binds (task directory read-write, inputs
//! read-only, each at its own path), this working directory, this little environment, no network,
//! and the user's own uid where the runtime would otherwise write files as root. How that is said
//! differs: podman and docker share a dialect, Apptainer and Singularity another, Charliecloud a
//! third. Arguments are returned unquoted; the caller quotes them into `command.sh`.

use std::path::{Path, PathBuf};

use super::{Runtime, RuntimeKind};

/// One bind mount: `src` on the host at `dst` in the container.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bind {
    pub src: PathBuf,
    pub dst: PathBuf,
    pub read_only: bool,
}

impl Bind {
    /// A bind at the same path inside as outside.
    pub fn same(path: &Path, read_only: bool) -> Bind {
        Bind {
            src: path.to_path_buf(),
            dst: path.to_path_buf(),
            read_only,
        }
    }
}

/// What to run in the container.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// The image as the runtime should name it (an image id, or a SIF/SquashFS path or folder).
    pub image: &'a str,
    pub workdir: &'a Path,
    pub binds: &'a [Bind],
    /// Variables set inside; nothing else of the host's environment is passed.
    pub env: &'a [(String, String)],
    pub command: &'a [String],
}

/// The runtime's argument list for `inv`, program first.
pub fn argv(rt: &Runtime, inv: &Invocation<'_>) -> Vec<String> {
    let mut a = vec![rt.binary.to_string_lossy().into_owned()];
    match rt.kind {
        RuntimeKind::Podman | RuntimeKind::Docker => oci(rt, inv, &mut a),
        RuntimeKind::Apptainer | RuntimeKind::Singularity => apptainer(rt, inv, &mut a),
        RuntimeKind::Charliecloud => charliecloud(inv, &mut a),
    }
    a.extend(rt.extra_args.iter().cloned());
    a.push(inv.image.to_string());
    if rt.kind == RuntimeKind::Charliecloud {
        a.push("--".into());
    }
    a.extend(inv.command.iter().cloned());
    a
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn oci(rt: &Runtime, inv: &Invocation<'_>, a: &mut Vec<String>) {
    a.extend(["run", "--rm", "--pull=never"].map(String::from));
    if !rt.network {
        a.push("--network=none".into());
    }
    match rt.kind {
        // The docker daemon runs as root: without --user the outputs would belong to root.
        RuntimeKind::Docker => a.push(format!("--user={}:{}", rt.uid, rt.gid)),
        // Rootless podman maps the user to root in the container; keep-id keeps the user's uid.
        _ if rt.uid != 0 => a.push("--userns=keep-id".into()),
        _ => {}
    }
    a.push(format!("--workdir={}", path(inv.workdir)));
    for b in inv.binds {
        let mode = if b.read_only { "ro" } else { "rw" };
        a.push(format!("--volume={}:{}:{mode}", path(&b.src), path(&b.dst)));
    }
    for (k, v) in inv.env {
        a.push(format!("--env={k}={v}"));
    }
}

fn apptainer(rt: &Runtime, inv: &Invocation<'_>, a: &mut Vec<String>) {
    // --containall: own PID/IPC namespaces, a clean environment, no host $HOME or /tmp.
    a.extend(["exec", "--containall"].map(String::from));
    if !rt.network {
        a.extend(["--net", "--network=none"].map(String::from));
    }
    a.push(format!("--pwd={}", path(inv.workdir)));
    for b in inv.binds {
        let mode = if b.read_only { "ro" } else { "rw" };
        a.push(format!("--bind={}:{}:{mode}", path(&b.src), path(&b.dst)));
    }
    for (k, v) in inv.env {
        a.push(format!("--env={k}={v}"));
    }
}

/// Charliecloud runs as the user in a user namespace and shares the host's network (it has no
/// network isolation); binds are read-write and need their mount points in the image.
fn charliecloud(inv: &Invocation<'_>, a: &mut Vec<String>) {
    a.extend(["--unset-env=*", "--private-tmp"].map(String::from));
    for (k, v) in inv.env {
        a.push(format!("--set-env={k}={v}"));
    }
    a.push(format!("--cd={}", path(inv.workdir)));
    for b in inv.binds {
        a.push(format!("--bind={}:{}", path(&b.src), path(&b.dst)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime(kind: RuntimeKind, uid: u32) -> Runtime {
        Runtime {
            uid,
            gid: uid,
            ..Runtime::new(kind)
        }
    }

    fn render(rt: &Runtime) -> String {
        let binds = [
            Bind::same(Path::new("/work/.cairn/work/ab/cdef0123"), false),
            Bind::same(Path::new("/work/.cairn/cas"), true),
            Bind::same(Path::new("/data/my refs"), true),
        ];
        let env = [("CAIRN_TASK_CPUS".to_string(), "2".to_string())];
        let command = ["bash".to_string(), "script.sh".to_string()];
        let image = if rt.kind.has_image_store() {
            "sha256:4542fb38b36bffe1d7e948d1316146bc30af7d66ba151cddadbd8c7570251215"
        } else {
            "/images/cairn-tools.sif"
        };
        let inv = Invocation {
            image,
            workdir: Path::new("/work/.cairn/work/ab/cdef0123"),
            binds: &binds,
            env: &env,
            command: &command,
        };
        argv(rt, &inv).join("\n")
    }

    #[test]
    fn podman_as_root() {
        insta::assert_snapshot!(render(&runtime(RuntimeKind::Podman, 0)));
    }

    #[test]
    fn podman_rootless_keeps_the_users_id() {
        insta::assert_snapshot!(render(&runtime(RuntimeKind::Podman, 1000)));
    }

    #[test]
    fn docker_runs_as_the_user() {
        insta::assert_snapshot!(render(&runtime(RuntimeKind::Docker, 1000)));
    }

    #[test]
    fn apptainer() {
        insta::assert_snapshot!(render(&runtime(RuntimeKind::Apptainer, 1000)));
    }

    #[test]
    fn singularity_with_network_and_extra_args() {
        let rt = Runtime {
            network: true,
            extra_args: vec!["--nv".into()],
            ..runtime(RuntimeKind::Singularity, 1000)
        };
        insta::assert_snapshot!(render(&rt));
    }

    #[test]
    fn charliecloud() {
        insta::assert_snapshot!(render(&runtime(RuntimeKind::Charliecloud, 1000)));
    }

    #[test]
    fn network_is_off_unless_asked() {
        for kind in [
            RuntimeKind::Podman,
            RuntimeKind::Docker,
            RuntimeKind::Apptainer,
        ] {
            let off = render(&runtime(kind, 0));
            assert!(off.contains("--network=none"), "{kind}: {off}");
            let on = render(&Runtime {
                network: true,
                ..runtime(kind, 0)
            });
            assert!(!on.contains("--network"), "{kind}: {on}");
        }
    }
}
