//! A built-in kind in a cairn image: the task runs `cairn step <kind>` from the image's PATH, the
//! image id is in its cache key, and its outputs are the same bytes as on the host.

use std::path::{Path, PathBuf};

use super::{copy_with_libs, image_id, podman, records, usable, which};
use crate::support::Project;

/// A cairn image for the tests: busybox, bash and this build's `cairn` (with its libraries), tagged
/// by the binary's size and mtime so a rebuilt binary gets a new image.
fn cairn_image() -> Result<String, String> {
    let exe = Path::new(env!("CARGO_BIN_EXE_cairn"));
    let meta = std::fs::metadata(exe).map_err(|e| e.to_string())?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    let tag = format!("localhost/cairn-test-cairn:{}-{mtime}", meta.len());
    if podman(&["image", "exists", &tag]).is_ok() {
        return Ok(tag);
    }
    // Images of earlier builds of the binary are of no further use (and 200 MB each).
    let old = podman(&[
        "images",
        "--format",
        "{{.Repository}}:{{.Tag}}",
        "localhost/cairn-test-cairn",
    ]);
    for stale in old.unwrap_or_default().lines() {
        let _ = podman(&["rmi", stale]);
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = dir.path().join("root");
    let busybox = which("busybox").ok_or("busybox is not installed")?;
    let bash = which("bash").ok_or("bash is not installed")?;
    copy_with_libs(&busybox, &root, "/bin/busybox")?;
    copy_with_libs(&bash, &root, "/bin/bash")?;
    copy_with_libs(exe, &root, "/usr/local/bin/cairn")?;
    for d in ["tmp", "proc", "sys", "dev", "etc"] {
        std::fs::create_dir_all(root.join(d)).map_err(|e| e.to_string())?;
    }
    let tar = dir.path().join("cairn.tar");
    let ok = std::process::Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err("tar of the cairn rootfs failed".into());
    }
    podman(&["import", &tar.to_string_lossy(), &tag])?;
    Ok(tag)
}

const WF: &str = r#"
name: builtin-in-image
images: images.toml
steps:
  sim:
    kind: simulate
    container: cairn
    params: { size: 20000, coverage: 4, seed: 3 }
  qc:
    kind: fastq-qc
    in: { r1: "{{ sim.r1 }}", r2: "{{ sim.r2 }}" }
    publish: [json]
"#;

fn sim_outputs(p: &Project) -> (Option<String>, Vec<String>) {
    let recs = records(p);
    let sim = recs
        .iter()
        .find(|r| r["task"] == "sim")
        .expect("sim's record");
    let container = sim["spec"]["container"].as_str().map(str::to_string);
    let mut digests: Vec<String> = sim["outputs"]
        .as_object()
        .unwrap()
        .values()
        .map(|o| o["digest"].as_str().unwrap().to_string())
        .collect();
    digests.sort();
    (container, digests)
}

#[test]
fn a_builtin_kind_runs_in_a_cairn_image_with_the_same_bytes() {
    let test = "a_builtin_kind_runs_in_a_cairn_image_with_the_same_bytes";
    if usable(test).is_none() {
        return;
    }
    let image = cairn_image().unwrap();
    let boxed = Project::new();
    boxed.write("wf.yaml", WF);
    boxed.write(
        "images.toml",
        &format!("[images.cairn]\nimage = \"{image}\"\n"),
    );
    let r = boxed.run(&[
        "run",
        "wf.yaml",
        "--container-runtime",
        "podman",
        "--progress",
        "plain",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.executed(), 2);
    let script: Vec<PathBuf> = super::glob_task_dirs(&boxed.path().join("store/work"))
        .into_iter()
        .map(|d| d.join("script.sh"))
        .filter(|s| s.exists())
        .collect();
    let text = std::fs::read_to_string(&script[0]).unwrap();
    assert!(text.contains("exec cairn step simulate"), "{text}");

    let host = Project::new();
    host.write("wf.yaml", &WF.replace("    container: cairn\n", ""));
    host.write("images.toml", "");
    let r = host.run(&["run", "wf.yaml", "--progress", "plain"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (in_image, boxed_digests) = sim_outputs(&boxed);
    let (on_host, host_digests) = sim_outputs(&host);
    assert_eq!(in_image.as_deref(), Some(image_id(&image).as_str()));
    assert_eq!(on_host, None);
    assert_eq!(
        boxed_digests, host_digests,
        "the image's cairn wrote other bytes"
    );
    let json = |p: &Project| std::fs::read(p.path().join("results/qc/qc.json")).ok();
    assert!(json(&boxed).is_some(), "qc.json was not published");
    assert_eq!(json(&boxed), json(&host));
}
