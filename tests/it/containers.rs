//! Command steps in containers, for real, with podman and no registry: a tiny image is built
//! locally (busybox plus the host's bash and its libraries, `podman import`), a step runs in it
//! under `cairn run`, the image id lands in the task's action record, and a rebuilt image reruns
//! the step with `cairn plan` saying why. The external-tools workflow runs to a VCF in the Debian
//! tools image of `containers/build.sh tools`.
//!
//! Tests skip with a printed message when podman is absent or cannot run containers here
//! (`.ci/podman-up.sh` installs and configures it). The test images are built once per machine and
//! reused; each test works on its own tag so tests can run in parallel.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{Project, Ran};

mod builtin;
mod charliecloud;
mod failures;
mod workflows;

const BOX: &str = "localhost/cairn-test-box";

fn podman(args: &[&str]) -> Result<String, String> {
    let out = Command::new("podman")
        .args(args)
        .output()
        .map_err(|e| format!("podman is not installed ({e})"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "`podman {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Copy an executable and the shared libraries `ldd` lists into `root`, at the same paths.
fn copy_with_libs(exe: &Path, root: &Path, at: &str) -> Result<(), String> {
    let mut files = vec![(exe.to_path_buf(), PathBuf::from(at))];
    let ldd = Command::new("ldd").arg(exe).output();
    for line in ldd
        .map(|o| o.stdout)
        .unwrap_or_default()
        .split(|&b| b == b'\n')
    {
        let line = String::from_utf8_lossy(line);
        let path = line
            .split_whitespace()
            .find(|w| w.starts_with('/'))
            .map(PathBuf::from);
        if let Some(p) = path {
            files.push((p.clone(), p));
        }
    }
    for (from, to) in files {
        let dest = root.join(to.strip_prefix("/").unwrap_or(&to));
        std::fs::create_dir_all(dest.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::copy(&from, &dest).map_err(|e| format!("copy {}: {e}", from.display()))?;
    }
    Ok(())
}

fn which(name: &str) -> Option<PathBuf> {
    let out = Command::new("bash")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .ok()?;
    let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!p.is_empty()).then(|| PathBuf::from(p))
}

/// A root file system of busybox + bash, and `/etc/box-variant` saying which variant, in `root`.
fn box_rootfs(root: &Path, variant: &str) -> Result<(), String> {
    let busybox =
        which("busybox").ok_or("busybox is not installed (apt-get install busybox-static)")?;
    let bash = which("bash").ok_or("bash is not installed")?;
    copy_with_libs(&busybox, root, "/bin/busybox")?;
    copy_with_libs(&bash, root, "/bin/bash")?;
    for applet in [
        "sh", "cat", "echo", "ls", "id", "wc", "tr", "head", "sleep", "true", "rm",
    ] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(applet))
            .map_err(|e| e.to_string())?;
    }
    for d in ["etc", "tmp", "proc", "sys", "dev", "home"] {
        std::fs::create_dir_all(root.join(d)).map_err(|e| e.to_string())?;
    }
    std::fs::write(root.join("etc/box-variant"), format!("{variant}\n")).map_err(|e| e.to_string())
}

/// `localhost/cairn-test-box:v<variant>`, imported from [`box_rootfs`].
fn build_box(variant: &str) -> Result<String, String> {
    let tag = format!("{BOX}:v{variant}");
    if podman(&["image", "exists", &tag]).is_ok() {
        return Ok(tag);
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = dir.path().join("root");
    box_rootfs(&root, variant)?;
    let tar = dir.path().join("box.tar");
    let ok = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err("tar of the test rootfs failed".into());
    }
    podman(&["import", &tar.to_string_lossy(), &tag])?;
    Ok(tag)
}

/// The two test images, built once; an error says why containers cannot run here.
fn images() -> &'static Result<(String, String), String> {
    static IMAGES: OnceLock<Result<(String, String), String>> = OnceLock::new();
    IMAGES.get_or_init(|| {
        podman(&["--version"])?;
        let one = build_box("1")?;
        let two = build_box("2")?;
        podman(&["run", "--rm", "--network=none", &one, "bash", "-c", "true"]).map_err(|e| {
            format!("{e}; podman cannot run containers here (as root, run .ci/podman-up.sh)")
        })?;
        Ok((one, two))
    })
}

fn usable(test: &str) -> Option<(String, String)> {
    match images() {
        Ok(pair) => Some(pair.clone()),
        Err(e) => {
            eprintln!("skipping {test}: {e}");
            None
        }
    }
}

fn image_id(reference: &str) -> String {
    let id = podman(&["image", "inspect", "--format", "{{.Id}}", reference]).unwrap();
    format!("sha256:{id}")
}

/// A tag of this test's own, removed at the end.
struct Tag(String);

/// Podman 4.3 rewrites an image's list of names without a lock that covers concurrent `tag` and
/// `untag` of the same image: the tests' tag changes go one at a time.
static TAGGING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn retag(args: &[&str]) -> Result<String, String> {
    let _one = TAGGING.lock().unwrap_or_else(|e| e.into_inner());
    podman(args)
}

impl Tag {
    fn new(name: &str, image: &str) -> Tag {
        let tag = format!("{BOX}-{name}:{}", std::process::id());
        retag(&["tag", image, &tag]).unwrap();
        Tag(tag)
    }

    fn point_at(&self, image: &str) {
        retag(&["tag", image, &self.0]).unwrap();
    }
}

impl Drop for Tag {
    fn drop(&mut self) {
        let _ = retag(&["untag", &self.0, &self.0]);
    }
}

const WF: &str = r#"
name: boxed
images: images.toml
steps:
  hello:
    container: box
    in: { x: data/in.txt }
    run: |
      cat {{ in.x }} > {{ out.y }}
      cat /etc/box-variant >> {{ out.y }}
      echo "cpus=$CAIRN_TASK_CPUS uid=$(id -u)" >> {{ out.y }}
      ls /sys/class/net > {{ out.net }}
    out: { y: y.txt, net: net.txt }
    publish: true
  count:
    in: { y: "{{ hello.y }}" }
    run: wc -l < {{ in.y }} > {{ out.n }}
    out: { n: n.txt }
    publish: true
"#;

fn project(image: &str) -> Project {
    let p = Project::new();
    p.write("wf.yaml", WF);
    p.write("data/in.txt", "hello\n");
    p.write(
        "images.toml",
        &format!("[images.box]\nimage = \"{image}\"\n"),
    );
    p
}

fn run(p: &Project) -> Ran {
    let r = p.run(&[
        "run",
        "wf.yaml",
        "--container-runtime",
        "podman",
        "--progress",
        "plain",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

/// The action records in the store, as JSON.
fn records(p: &Project) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(p.path().join("store/ac")).unwrap() {
        for f in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            out.push(serde_json::from_str(&text).unwrap());
        }
    }
    out
}

fn short(id: &str) -> &str {
    &id["sha256:".len().."sha256:".len() + 8]
}

#[test]
fn a_command_step_runs_in_a_local_image_and_a_new_image_reruns_it() {
    let Some((one, two)) = usable("a_command_step_runs_in_a_local_image_and_a_new_image_reruns_it")
    else {
        return;
    };
    let tag = Tag::new("rerun", &one);
    let p = project(&tag.0);
    let v = p.run(&["validate", "wf.yaml"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    assert!(v.stderr.contains("container image `box` ("), "{}", v.stderr);
    assert!(v.stderr.contains("is not pinned"), "{}", v.stderr);

    assert_eq!(run(&p).executed(), 2);
    let y = std::fs::read_to_string(p.path().join("results/hello/y.txt")).unwrap();
    assert_eq!(y, "hello\n1\ncpus=1 uid=0\n");
    // --network=none: only the loopback interface.
    let net = std::fs::read_to_string(p.path().join("results/hello/net.txt")).unwrap();
    assert_eq!(net, "lo\n");
    let (id1, id2) = (image_id(&one), image_id(&two));
    let recs = records(&p);
    let hello = recs.iter().find(|r| r["task"] == "hello").unwrap();
    assert_eq!(hello["spec"]["container"], id1.as_str(), "{hello:#}");
    let prov: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("results/provenance.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(prov["images"]["box"]["id"], id1.as_str(), "{prov:#}");
    assert_eq!(prov["container_runtime"], "podman");
    let count = recs.iter().find(|r| r["task"] == "count").unwrap();
    assert!(count["spec"].get("container").is_none(), "{count:#}");

    // The same name now means another image: the step reruns, and the plan says why.
    tag.point_at(&two);
    let plan = p.run(&["plan", "wf.yaml"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let why = format!(
        "hello  will run  container image {}.. -> {}..",
        short(&id1),
        short(&id2)
    );
    assert!(plan.stdout.contains(&why), "{}", plan.stdout);
    let explain = p.run(&["plan", "wf.yaml", "--explain", "hello"]);
    assert!(
        explain.stdout.contains(&format!("image   {id2}")),
        "{}",
        explain.stdout
    );
    assert!(
        explain.stdout.contains("change  container image"),
        "{}",
        explain.stdout
    );
    assert_eq!(run(&p).executed(), 2);
    let y = std::fs::read_to_string(p.path().join("results/hello/y.txt")).unwrap();
    assert_eq!(y, "hello\n2\ncpus=1 uid=0\n");
    assert_eq!(run(&p).executed(), 0);
}

#[test]
fn a_pin_holds_the_image_and_its_task_dir_reruns_by_hand() {
    let Some((one, two)) = usable("a_pin_holds_the_image_and_its_task_dir_reruns_by_hand") else {
        return;
    };
    let tag = Tag::new("pin", &one);
    let p = project(&tag.0);
    let digest = podman(&["image", "inspect", "--format", "{{.Digest}}", &tag.0]).unwrap();
    let table = format!(
        "[images.box]\nimage = \"{}\"\ndigest = \"{digest}\"\n",
        tag.0
    );
    p.write("images.toml", &table);
    let v = p.run(&["validate", "wf.yaml"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    assert!(!v.stderr.contains("warning"), "{}", v.stderr);
    assert_eq!(run(&p).executed(), 2);

    // The task directory holds the step's script and the container command around it.
    let dirs: Vec<PathBuf> = glob_task_dirs(&p.path().join("store/work"));
    let dir = dirs
        .iter()
        .find(|d| d.join("script.sh").exists())
        .expect("a task directory with script.sh");
    let command = std::fs::read_to_string(dir.join("command.sh")).unwrap();
    assert!(
        command.contains("exec podman run \"${cgroup[@]}\" --rm --pull=never --network=none"),
        "{command}"
    );
    assert!(
        command.contains(&format!("{}:ro", p.path().join("data").display())),
        "{command}"
    );
    let again = Command::new("bash")
        .arg("command.sh")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // Moving the tag to another image breaks the pin: nothing runs, and the error says so.
    tag.point_at(&two);
    let r = p.run(&["run", "wf.yaml", "--container-runtime", "podman"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("images.toml pins {digest}")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("containers/build.sh --pin box"),
        "{}",
        r.stderr
    );
}

fn glob_task_dirs(work: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(work).into_iter().flatten().flatten() {
        for d in std::fs::read_dir(shard.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            out.push(d.path());
        }
    }
    out
}
