//! `herken` as a library: the command line's parts, for the `herken` binary, the fuzz targets
//! and, later, other front ends (a Python package needs the batch pipeline).
//!
//! The steps of one run:
//! - [`Cli`] parses the arguments (clap), [`run`] dispatches to the command;
//! - each command is a module under [`cmd`] that writes to `&mut dyn Write`, so tests capture
//!   exactly what a user sees; it finds rule sets through [`ruleset`] (the one `--rules`
//!   resolver: a folder, a bundle file under `--trusted-key`, or a bundled id), loads them with the engine, and writes its answer
//!   through [`render`] (the output formats, [`Format`], and the typed JSON answers);
//! - [`batch`] is the researchers' pipeline behind `herken batch`;
//! - every failure is a [`CliError`]: a message and an [`ErrorKind`], which gives the exit code.
//!
//! `main.rs` only parses, calls [`run`] and maps the error to an exit code.

use std::io::Write;

use clap::{Parser, Subcommand};

pub mod batch;
pub mod cmd;
pub mod error;
pub mod render;
pub mod ruleset;

pub use error::{CliError, ErrorKind};
pub use render::Format;

/// Screens intake observations for signs of human trafficking. The output is a screening
/// signal ("possible victim", "signals present"), never a determination.
#[derive(Debug, Parser)]
#[command(name = "herken", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `herken`.
#[derive(Debug, Subcommand)]
pub enum Command {
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
    /// What a bundle file is, who signed it, and whether it opens under `--trusted-key`.
    Verify(cmd::verify::Args),
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

/// Runs one command, writing its answer to `out` and notices and diagnostics to `err`.
///
/// # Errors
/// What went wrong, with the exit code in its kind; findings (check errors, failing tests)
/// are already written when the error comes back.
pub fn run(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    match command {
        Command::Screen(args) => cmd::screen::run(&args, out, err),
        Command::Test(args) => cmd::test::run(&args, out, err),
        Command::Check(args) => cmd::check::run(&args, out, err),
        Command::List(args) => cmd::list::run(&args, out),
        Command::Bundle(args) => cmd::bundle::run(&args, out, err),
        Command::Keygen(args) => cmd::keygen::run(&args, err),
        Command::Verify(args) => cmd::verify::run(&args, out, err),
        Command::Batch(args) => cmd::batch::run(&args, out, err),
        Command::Simulate(args) => cmd::simulate::run(&args, out, err),
        Command::Synth(args) => cmd::synth::run(&args, out, err),
        Command::Questions(args) => cmd::questions::run(&args, out, err),
        Command::Schema(args) => cmd::schema::run(&args, out, err),
        Command::Xlsform(args) => cmd::xlsform::run(&args, out, err),
        Command::New(args) => cmd::new::run(&args, out, err),
        Command::Explain(args) => cmd::explain::run(&args, out),
        Command::Version => {
            writeln!(out, "herken {}", env!("CARGO_PKG_VERSION")).map_err(Into::into)
        }
    }
}
