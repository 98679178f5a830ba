//! `herken`: screen cases, test and check indicator rule sets.
//!
//! This file parses arguments and dispatches; each subcommand is a module under `cmd/` that
//! writes to `impl Write`, so tests capture exactly what a user sees.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod batch;
mod cmd;
mod error;
mod explain_tree;
mod render;
mod ruleset;

/// Screens intake observations for signs of human trafficking. The output is a screening
/// signal ("possible victim", "signals present"), never a determination.
#[derive(Debug, Parser)]
#[command(name = "herken", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Screen one case (a JSON object of answers) against one or more rule sets.
    Screen(cmd::screen::Args),
    /// Run rule sets' own test cases (tests/*.yaml) with coverage.
    Test(cmd::test::Args),
    /// Report every problem in rule sets, with file:line:col and a code.
    Check(cmd::check::Args),
    /// List the bundled rule sets.
    List(cmd::list::Args),
    /// Write a rule set as one self-contained JSON bundle (for the browser).
    Bundle(cmd::bundle::Args),
    /// Make an Ed25519 key pair for signing bundles (`bundle --sign-key`).
    Keygen(cmd::keygen::Args),
    /// Score many cases from CSV or JSONL (researchers): one result row per input row.
    Batch(cmd::batch::Args),
    /// Simulate guided interviews over cases: how many questions until the outcome is decided.
    Simulate(cmd::simulate::Args),
    /// Write deterministic synthetic cases (intake or CTDC format) for tests and benchmarks.
    Synth(cmd::synth::Args),
    /// A rule set's questions, readable or as JSON for forms.
    Questions(cmd::questions::Args),
    /// JSON Schema (2020-12) of a rule set's cases.
    Schema(cmd::schema::Args),
    /// The questions as an XLSForm (ODK, KoboToolbox).
    Xlsform(cmd::xlsform::Args),
    /// Create a new rule set that passes check and test.
    New(cmd::new::Args),
    /// What a diagnostic code means and how to fix it.
    Explain(cmd::explain::Args),
    /// Print the version (as `herken --version` does).
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Unlocked: the batch progress bar draws to stderr from its own thread.
    let mut err = std::io::stderr();
    let result = match cli.command {
        Command::Screen(args) => cmd::screen::run(&args, &mut out, &mut err),
        Command::Test(args) => cmd::test::run(&args, &mut out, &mut err),
        Command::Check(args) => cmd::check::run(&args, &mut out, &mut err),
        Command::List(args) => cmd::list::run(&args, &mut out),
        Command::Bundle(args) => cmd::bundle::run(&args, &mut out, &mut err),
        Command::Keygen(args) => cmd::keygen::run(&args, &mut err),
        Command::Batch(args) => cmd::batch::run(&args, &mut out, &mut err),
        Command::Simulate(args) => cmd::simulate::run(&args, &mut out, &mut err),
        Command::Synth(args) => cmd::synth::run(&args, &mut out, &mut err),
        Command::Questions(args) => cmd::questions::run(&args, &mut out, &mut err),
        Command::Schema(args) => cmd::schema::run(&args, &mut out, &mut err),
        Command::Xlsform(args) => cmd::xlsform::run(&args, &mut out, &mut err),
        Command::New(args) => cmd::new::run(&args, &mut out, &mut err),
        Command::Explain(args) => cmd::explain::run(&args, &mut out),
        Command::Version => {
            writeln!(out, "herken {}", env!("CARGO_PKG_VERSION")).map_err(Into::into)
        }
    };
    let _ = out.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`herken ... | head`) is not an error.
        Err(e) if e.message.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                let _ = writeln!(err, "herken: {e}");
            }
            ExitCode::from(e.code)
        }
    }
}
