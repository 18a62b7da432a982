//! Error kinds and exit codes shared by the engine, the step kinds and the binary.
//!
//! Every error is one of three kinds, as a user would triage it: the input is wrong (fix the
//! workflow, sample sheet or file), the environment is wrong (install a tool, start a service), or
//! work failed (read the task's log). Each kind has its own exit code.

/// What kind of problem an error is, from the user's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad workflow, sample sheet, parameter or input file: exit 2.
    User,
    /// A tool, runtime, service or permission is missing: exit 3.
    Environment,
    /// A task or computation failed: exit 1.
    Failed,
}

impl ErrorKind {
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Failed => 1,
            ErrorKind::User => 2,
            ErrorKind::Environment => 3,
        }
    }
}
