//! What goes wrong, said clearly: a missing runtime, a daemon that does not answer, a missing
//! image (with how to build it), a bind path that does not exist; and a timed-out container that is
//! stopped rather than left running.

use super::{build_box, image_id, podman, project, usable, WF};
use crate::support::Project;

#[test]
fn environment_problems_are_named_with_their_fix() {
    let p = project("localhost/cairn-no-such-image:never");
    p.write(
        "gone.yaml",
        "runtime: podman\nbinary: /nonexistent/bin/podman\n",
    );
    let r = p.run(&["run", "wf.yaml", "--containers", "gone.yaml"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("container runtime podman (`/nonexistent/bin/podman`) is not installed"),
        "{}",
        r.stderr
    );
    p.write(
        "binds.yaml",
        "runtime: podman\nbinary: /bin/true\nbinds: [/nonexistent/refs]\n",
    );
    let r = p.run(&["plan", "wf.yaml", "--containers", "binds.yaml"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("bind path /nonexistent/refs does not exist"),
        "{}",
        r.stderr
    );
    let r = p.run(&["validate", "wf.yaml", "--images", "nothere.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot read the image table"),
        "{}",
        r.stderr
    );
    p.write("wf2.yaml", &WF.replace("container: box", "container: boxx"));
    let r = p.run(&["validate", "wf2.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("container `boxx` is not an image of"),
        "{}",
        r.stderr
    );

    // Docker is absent, or installed without a running daemon (the client alone is not a runtime).
    let r = p.run(&["plan", "wf.yaml", "--container-runtime", "docker"]);
    if r.code != 0 {
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(
            r.stderr.contains("is not installed") || r.stderr.contains("does not answer"),
            "{}",
            r.stderr
        );
    }

    if usable("environment_problems_are_named_with_their_fix (missing image)").is_none() {
        return;
    }
    p.write(
        "images.toml",
        "[images.box]\nimage = \"localhost/cairn-no-such-image:never\"\nbuild = \"containers/build.sh tools\"\n",
    );
    let r = p.run(&["run", "wf.yaml", "--container-runtime", "podman"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("container image `box` (localhost/cairn-no-such-image:never) is not available to podman"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("build it with `containers/build.sh tools`"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_timed_out_container_is_stopped_and_nothing_is_left_running() {
    let test = "a_timed_out_container_is_stopped_and_nothing_is_left_running";
    if usable(test).is_none() {
        return;
    }
    // An image of its own, so that no other test's containers are counted.
    let image = build_box("3").unwrap();
    let p = Project::new();
    p.write(
        "wf.yaml",
        &format!(
            "name: slow\nsteps:\n  slow:\n    container: {image}\n    run: \"sleep 60; echo done > {{{{ out.x }}}}\"\n\
             \x20   out: {{ x: x.txt }}\n    resources: {{ time: 2s }}\n"
        ),
    );
    let started = std::time::Instant::now();
    let r = p.run(&[
        "run",
        "wf.yaml",
        "--container-runtime",
        "podman",
        "--progress",
        "plain",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("slow (TIMEOUT)"), "{}", r.stderr);
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    let id = image_id(&image);
    let left = podman(&["ps", "-a", "-q", "--filter", &format!("ancestor={id}")]).unwrap();
    assert_eq!(left, "", "containers left behind");
}

#[test]
fn a_param_path_in_a_container_script_is_a_warning() {
    let p = Project::new();
    p.write("data/ref.fa", ">c\nACGT\n");
    p.write(
        "wf.yaml",
        "name: p\nparams: { reference: data/ref.fa, n: 3 }\nsteps:\n  s:\n    container: localhost/x@sha256:00\n\
         \x20   run: head -n {{ params.n }} {{ params.reference }} > {{ out.y }}\n    out: { y: y.txt }\n",
    );
    let r = p.run(&["validate", "wf.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(
        warnings[0].contains(
            "`{{ params.reference }}` names a file (data/ref.fa), but the container sees only"
        ),
        "{}",
        r.stderr
    );
}
