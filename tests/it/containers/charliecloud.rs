//! Charliecloud for real (`ch-run`, Debian's charliecloud-runtime): an image folder, its content
//! digest in the action record, stable across runs even though `ch-run --write` creates the bind
//! mount points in it, and a changed image rerunning the step.

use std::path::Path;

use super::{box_rootfs, records, which, WF};
use crate::support::Project;

/// What `ch-run` needs in an image folder besides the files: mount points for its own binds.
fn charliecloud_image(dir: &Path) {
    box_rootfs(dir, "1").unwrap();
    for f in ["etc/passwd", "etc/group", "etc/hosts", "etc/resolv.conf"] {
        std::fs::write(dir.join(f), "").unwrap();
    }
}

#[test]
fn a_command_step_runs_in_a_charliecloud_image_folder() {
    let test = "a_command_step_runs_in_a_charliecloud_image_folder";
    if which("ch-run").is_none() {
        eprintln!(
            "skipping {test}: ch-run is not installed (apt-get install charliecloud-runtime)"
        );
        return;
    }
    let p = Project::new();
    charliecloud_image(&p.path().join("img"));
    p.write("wf.yaml", WF);
    p.write("data/in.txt", "hello\n");
    p.write("images.toml", "[images.box]\nimage = \"./img\"\n");
    // --write lets ch-run create the mount points of the binds in the image folder.
    p.write(
        "ch.yaml",
        "runtime: charliecloud\nextra_args: [\"--write\"]\n",
    );
    let args = [
        "run",
        "wf.yaml",
        "--containers",
        "ch.yaml",
        "--progress",
        "plain",
    ];
    let r = p.run(&args);
    if r.stderr.contains("user namespace") || r.stderr.contains("unshare") {
        eprintln!(
            "skipping {test}: ch-run cannot make a user namespace here:\n{}",
            r.stderr
        );
        return;
    }
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.executed(), 2);
    let y = std::fs::read_to_string(p.path().join("results/hello/y.txt")).unwrap();
    assert!(y.starts_with("hello\n1\ncpus=1 uid="), "{y}");
    let id = |p: &Project| {
        let recs = records(p);
        let hello = recs.iter().find(|r| r["task"] == "hello").unwrap();
        hello["spec"]["container"].as_str().unwrap().to_string()
    };
    let first = id(&p);
    assert!(first.starts_with("blake3:"), "{first}");
    assert_eq!(p.run(&args).executed(), 0, "the image's digest moved");

    std::fs::write(p.path().join("img/etc/box-variant"), "2\n").unwrap();
    let plan = p.run(&["plan", "wf.yaml", "--containers", "ch.yaml"]);
    let short = |d: &str| d["blake3:".len().."blake3:".len() + 8].to_string();
    assert!(
        plan.stdout
            .contains(&format!("container image {}..", short(&first))),
        "{}",
        plan.stdout
    );
    assert_eq!(p.run(&args).executed(), 2);
    let y = std::fs::read_to_string(p.path().join("results/hello/y.txt")).unwrap();
    assert!(y.starts_with("hello\n2\n"), "{y}");
}
