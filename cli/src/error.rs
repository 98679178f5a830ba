//! The CLI's error: a one-line message and a kind, which gives the exit code.

use std::fmt;
use std::io;

/// Exit code for usage and input errors.
pub const EXIT_USAGE: u8 = 2;
/// Exit code for findings (check errors, failing tests).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code when `herken batch` was interrupted (Ctrl-C), as a shell reports SIGINT.
pub const EXIT_INTERRUPTED: u8 = 130;

/// What kind of failure a [`CliError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command line asks for something that cannot be (exit code 2).
    Usage,
    /// An input cannot be used: a file, a case, a rule set, a mapping (exit code 2).
    Input,
    /// Findings already written: check errors, failing tests, low coverage (exit code 1).
    Findings,
    /// Stopped by the user, after writing whole rows (exit code 130).
    Interrupted,
    /// Reading or writing failed; the operating system's kind of failure (exit code 2).
    Io(io::ErrorKind),
}

/// A failure of a command: what to tell the user and how to exit.
#[derive(Debug)]
pub struct CliError {
    /// One line (or one per problem) for standard error; empty when all was written already.
    pub message: String,
    /// The kind of failure.
    pub kind: ErrorKind,
}

impl CliError {
    /// The command line asks for something that cannot be.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: ErrorKind::Usage,
        }
    }

    /// An input cannot be used.
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: ErrorKind::Input,
        }
    }

    /// Findings already printed; only the exit code remains.
    pub fn findings(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: ErrorKind::Findings,
        }
    }

    /// Interrupted by the user.
    pub fn interrupted(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: ErrorKind::Interrupted,
        }
    }

    /// Reading or writing failed: `context` says what (``cannot write `out.csv` ``).
    pub fn io(context: impl fmt::Display, e: &io::Error) -> Self {
        Self {
            message: format!("{context}: {e}"),
            kind: ErrorKind::Io(e.kind()),
        }
    }

    /// Whether the reader of the output went away (`herken … | head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        self.kind == ErrorKind::Io(io::ErrorKind::BrokenPipe)
    }

    /// The process's exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::Usage | ErrorKind::Input | ErrorKind::Io(_) => EXIT_USAGE,
            ErrorKind::Findings => EXIT_FINDINGS,
            ErrorKind::Interrupted => EXIT_INTERRUPTED,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// A failed write to the output (standard output, mostly).
impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        Self::io("cannot write output", &e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_known_by_its_kind_not_its_text() {
        let closed = io::Error::new(io::ErrorKind::BrokenPipe, "whatever the platform says");
        assert!(CliError::from(closed).is_broken_pipe());
        let other = io::Error::other("Broken pipe");
        assert!(!CliError::from(other).is_broken_pipe());
        assert!(!CliError::input("Broken pipe").is_broken_pipe());
    }

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(CliError::usage("x").exit_code(), 2);
        assert_eq!(CliError::input("x").exit_code(), 2);
        assert_eq!(CliError::findings("x").exit_code(), 1);
        assert_eq!(CliError::interrupted("x").exit_code(), 130);
        let e = io::Error::new(io::ErrorKind::PermissionDenied, "no");
        assert_eq!(CliError::io("cannot write `x`", &e).exit_code(), 2);
    }
}
