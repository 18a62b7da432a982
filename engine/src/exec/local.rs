//! The local executor: each task is `bash command.sh` in its own process group, on this machine.
//!
//! The child is waited for with `wait4` on a blocking thread, which gives its CPU time and peak RSS
//! (including the children it waited for). Timeouts and cancellation signal the whole process group
//! (TERM, then KILL after a grace period), so no grandchild outlives the task.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::{BoxFuture, ExecTask, Executor, TaskOutcome, Usage};

/// Time between TERM and KILL when a task is stopped.
const GRACE: Duration = Duration::from_secs(3);

#[derive(Debug, Default)]
pub struct LocalExecutor;

impl Executor for LocalExecutor {
    fn name(&self) -> &'static str {
        "local"
    }

    fn run(&self, task: ExecTask, cancel: CancellationToken) -> BoxFuture<'_, TaskOutcome> {
        Box::pin(run_local(task, cancel))
    }
}

struct Exit {
    status: libc::c_int,
    usage: Usage,
}

fn spawn(task: &ExecTask) -> std::io::Result<std::process::Child> {
    let stdout = File::create(task.dir.join("stdout"))?;
    let stderr = File::create(task.dir.join("stderr"))?;
    Command::new("bash")
        .arg("command.sh")
        .current_dir(&task.dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .env("CAIRN_TASK_CPUS", task.cpus.to_string())
        .process_group(0)
        .spawn()
}

fn wait(pid: libc::pid_t, started: Instant) -> std::io::Result<Exit> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is a child of this process that nothing else waits for.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if rc == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    let usage = Usage {
        wall: started.elapsed(),
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        peak_rss: (ru.ru_maxrss as u64) * 1024,
    };
    Ok(Exit { status, usage })
}

fn signal_group(pid: libc::pid_t, sig: libc::c_int) {
    // SAFETY: signalling a process group we created; a stale group yields ESRCH, which is harmless.
    unsafe {
        libc::kill(-pid, sig);
    }
}

async fn run_local(task: ExecTask, cancel: CancellationToken) -> TaskOutcome {
    let started = Instant::now();
    let child = match spawn(&task) {
        Ok(c) => c,
        Err(e) => {
            return TaskOutcome::Error {
                message: format!(
                    "cannot start `bash command.sh` in {}: {e}",
                    task.dir.display()
                ),
            }
        }
    };
    let pid = child.id() as libc::pid_t;
    let waiter = tokio::task::spawn_blocking(move || {
        let _child = child; // keep the handle alive; wait4 reaps the process
        wait(pid, started)
    });
    tokio::pin!(waiter);
    let deadline = task.timeout.map(|t| tokio::time::Instant::now() + t);
    let sleep = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    enum Stop {
        Timeout,
        Cancel,
    }
    let stop = tokio::select! {
        res = &mut waiter => return finish(&task, pid, res),
        () = sleep => Stop::Timeout,
        () = cancel.cancelled() => Stop::Cancel,
    };
    signal_group(pid, libc::SIGTERM);
    let res = match tokio::time::timeout(GRACE, &mut waiter).await {
        Ok(res) => res,
        Err(_) => {
            signal_group(pid, libc::SIGKILL);
            waiter.await
        }
    };
    // Whatever is left of the group (a grandchild that ignored TERM) gets KILL.
    signal_group(pid, libc::SIGKILL);
    let usage = res
        .ok()
        .and_then(Result::ok)
        .map(|e| e.usage)
        .unwrap_or_default();
    write_exitcode(&task, None);
    match stop {
        Stop::Timeout => TaskOutcome::TimedOut { usage },
        Stop::Cancel => TaskOutcome::Cancelled,
    }
}

fn write_exitcode(task: &ExecTask, code: Option<i32>) {
    let text = code.map_or_else(|| "-1\n".to_string(), |c| format!("{c}\n"));
    let _ = std::fs::write(task.dir.join("exitcode"), text);
}

fn finish(
    task: &ExecTask,
    pid: libc::pid_t,
    res: Result<std::io::Result<Exit>, tokio::task::JoinError>,
) -> TaskOutcome {
    let exit = match res {
        Ok(Ok(exit)) => exit,
        Ok(Err(e)) => {
            return TaskOutcome::Error {
                message: format!("waiting for {}: {e}", task.name),
            }
        }
        Err(e) => {
            return TaskOutcome::Error {
                message: format!("waiting for {}: {e}", task.name),
            }
        }
    };
    // The group may still hold background processes the script left behind; they end with it.
    signal_group(pid, libc::SIGKILL);
    let usage = exit.usage;
    if libc::WIFEXITED(exit.status) {
        let code = libc::WEXITSTATUS(exit.status);
        write_exitcode(task, Some(code));
        if code == 0 {
            TaskOutcome::Succeeded { usage }
        } else {
            TaskOutcome::Failed {
                exit_code: code,
                usage,
            }
        }
    } else {
        let signal = libc::WTERMSIG(exit.status);
        write_exitcode(task, Some(128 + signal));
        if signal == libc::SIGKILL && usage.peak_rss >= task.memory {
            TaskOutcome::OutOfMemory { usage }
        } else {
            TaskOutcome::Killed { signal, usage }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(dir: &std::path::Path, script: &str, timeout: Option<Duration>) -> ExecTask {
        std::fs::write(dir.join("command.sh"), script).unwrap();
        ExecTask {
            name: "t".into(),
            dir: dir.to_path_buf(),
            cpus: 1,
            memory: 1 << 30,
            timeout,
            attempt: 1,
        }
    }

    /// Whether `pid` is a live process (a zombie awaiting its reaper is not).
    fn alive(pid: i32) -> bool {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next());
        matches!(state, Some(s) if s != 'Z' && s != 'X')
    }

    #[tokio::test]
    async fn success_failure_and_logs() {
        let d = tempfile::tempdir().unwrap();
        let out = LocalExecutor
            .run(
                task(d.path(), "echo hi; echo err >&2", None),
                CancellationToken::new(),
            )
            .await;
        assert!(matches!(out, TaskOutcome::Succeeded { .. }), "{out:?}");
        assert_eq!(
            std::fs::read_to_string(d.path().join("stdout")).unwrap(),
            "hi\n"
        );
        assert_eq!(
            std::fs::read_to_string(d.path().join("stderr")).unwrap(),
            "err\n"
        );
        assert_eq!(
            std::fs::read_to_string(d.path().join("exitcode")).unwrap(),
            "0\n"
        );
        let out = LocalExecutor
            .run(task(d.path(), "exit 7", None), CancellationToken::new())
            .await;
        assert_eq!(out.exit_code(), Some(7));
        assert_eq!(out.status(), "FAILED");
        assert_eq!(
            std::fs::read_to_string(d.path().join("exitcode")).unwrap(),
            "7\n"
        );
    }

    #[tokio::test]
    async fn killed_by_signal_is_reported() {
        let d = tempfile::tempdir().unwrap();
        let out = LocalExecutor
            .run(task(d.path(), "kill -9 $$", None), CancellationToken::new())
            .await;
        assert_eq!(out.exit_code(), Some(137), "{out:?}");
    }

    #[tokio::test]
    async fn measures_cpu_and_peak_rss() {
        let d = tempfile::tempdir().unwrap();
        // A child that allocates ~64 MiB and touches it.
        let script = "python3 -c 'b = bytearray(64 << 20); sum(b[::4096])' 2>/dev/null || head -c 67108864 /dev/zero | tail -c 1 > /dev/null";
        let out = LocalExecutor
            .run(task(d.path(), script, None), CancellationToken::new())
            .await;
        let u = out.usage();
        assert!(u.peak_rss > 20 << 20, "peak rss {}", u.peak_rss);
        assert!(u.wall > Duration::ZERO);
    }

    #[tokio::test]
    async fn timeout_kills_the_whole_group() {
        let d = tempfile::tempdir().unwrap();
        let script = "sleep 60 & echo $! > grandchild; trap '' TERM; sleep 60";
        let t0 = Instant::now();
        let out = LocalExecutor
            .run(
                task(d.path(), script, Some(Duration::from_millis(300))),
                CancellationToken::new(),
            )
            .await;
        assert_eq!(out.status(), "TIMEOUT");
        assert!(t0.elapsed() < Duration::from_secs(10));
        let gc: i32 = std::fs::read_to_string(d.path().join("grandchild"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!alive(gc), "grandchild {gc} outlived its task");
    }

    #[tokio::test]
    async fn cancel_stops_the_task() {
        let d = tempfile::tempdir().unwrap();
        let cancel = CancellationToken::new();
        let c2 = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            c2.cancel();
        });
        let out = LocalExecutor
            .run(
                task(d.path(), "sleep 30 & echo $! > grandchild; wait", None),
                cancel,
            )
            .await;
        assert_eq!(out, TaskOutcome::Cancelled);
        let gc: i32 = std::fs::read_to_string(d.path().join("grandchild"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!alive(gc));
    }

    #[tokio::test]
    async fn missing_directory_is_an_error_outcome() {
        let t = ExecTask {
            name: "t".into(),
            dir: "/nonexistent/cairn".into(),
            cpus: 1,
            memory: 1,
            timeout: None,
            attempt: 1,
        };
        assert!(matches!(
            LocalExecutor.run(t, CancellationToken::new()).await,
            TaskOutcome::Error { .. }
        ));
    }
}
