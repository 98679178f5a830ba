//! The CLI's error: a one-line message and an exit code.

use std::fmt;

/// Exit code for usage and input errors.
pub const EXIT_USAGE: u8 = 2;
/// Exit code for findings (check errors, failing tests).
pub const EXIT_FINDINGS: u8 = 1;

#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: u8,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_USAGE,
        }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_USAGE,
        }
    }

    /// Findings already printed; only the exit code remains.
    pub fn findings(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_FINDINGS,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::input(format!("cannot write output: {e}"))
    }
}
