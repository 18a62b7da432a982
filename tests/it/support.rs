//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `cairn` binary under test.
pub fn cairn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
}

/// A scratch project folder with a workflow, sample sheet and inputs.
pub struct Project {
    pub dir: tempfile::TempDir,
}

/// What a finished `cairn` invocation printed.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn from(out: Output) -> Ran {
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// How many tasks the run executed, from its closing line.
    pub fn executed(&self) -> usize {
        if self.stderr.contains("everything is cached") {
            return 0;
        }
        let line = self
            .stderr
            .lines()
            .find(|l| l.starts_with("cairn: done: "))
            .unwrap_or_else(|| panic!("no summary line in:\n{}", self.stderr));
        line["cairn: done: ".len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Run `cairn <args>` in the project folder.
    pub fn run(&self, args: &[&str]) -> Ran {
        self.run_in(self.path(), args)
    }

    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Ran {
        Ran::from(
            cairn()
                .args(args)
                .current_dir(dir)
                .env("CAIRN_WORK_DIR", self.path().join("store"))
                .output()
                .unwrap(),
        )
    }
}
