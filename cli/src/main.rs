//! `herken`: screen cases, test and check indicator rule sets.
//!
//! Parses the arguments, runs the command (the `herken_cli` library does the work) and turns
//! its error into a message and an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use herken_cli::{Cli, render, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Unlocked: the batch progress bar draws to stderr from its own thread.
    let mut err = std::io::stderr();
    let result = run(cli.command, &mut out, &mut err);
    let _ = out.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`herken ... | head`) is not an error.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                // Messages name rule-set and case text: escaped, never obeyed by the terminal.
                let _ = writeln!(err, "herken: {}", render::escape(&e.message));
            }
            ExitCode::from(e.exit_code())
        }
    }
}
