//! The error every step kind returns to `cairn step`: a message plus the kind that picks the exit code.

use cairn_engine::ErrorKind;

/// A step failed. The message names the file, record or field and says how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StepError {
    pub kind: ErrorKind,
    pub message: String,
}

impl StepError {
    /// Bad input: a file, record or option the user must fix (exit 2).
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::User,
            message: message.into(),
        }
    }

    /// Something missing from the machine (exit 3).
    pub fn environment(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Environment,
            message: message.into(),
        }
    }

    /// The computation failed (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Failed,
            message: message.into(),
        }
    }

    /// An I/O error on `path`, worded for the user.
    pub fn io(action: &str, path: &std::path::Path, err: std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => ErrorKind::User,
            _ => ErrorKind::Failed,
        };
        Self {
            kind,
            message: format!("cannot {action} {}: {err}", path.display()),
        }
    }

    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }
}

pub type Result<T, E = StepError> = std::result::Result<T, E>;
