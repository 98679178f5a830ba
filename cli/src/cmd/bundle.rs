//! `herken bundle`: one self-contained JSON file of a rule set, with its content SHA-256.

use std::io::Write;
use std::path::PathBuf;

use herken_engine::Bundle;

use crate::error::CliError;
use crate::ruleset;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folder or bundled id.
    rules: String,
    /// Where to write the bundle (standard output when left out).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Sign the bundle with this Ed25519 secret key file (32 bytes as hex or base64, as
    /// `herken keygen` writes it).
    #[arg(long, value_name = "FILE")]
    sign_key: Option<PathBuf>,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let files = ruleset::find(&args.rules)?;
    // Only a rule set that loads is bundled.
    let rules = ruleset::compile(&files, err)?;
    let mut bundle = Bundle::new(rules.id(), rules.version(), &files.sources);
    if let Some(path) = &args.sign_key {
        bundle.sign(&crate::cmd::keygen::read_secret_key(path)?);
    }
    let json = bundle.to_json();
    match &args.output {
        None => writeln!(out, "{json}")?,
        Some(path) => {
            std::fs::write(path, json + "\n")
                .map_err(|e| CliError::input(format!("cannot write `{}`: {e}", path.display())))?;
            writeln!(
                err,
                "wrote {} ({} {}, sha256 {})",
                path.display(),
                rules.id(),
                rules.version(),
                bundle.sha256
            )?;
        }
    }
    Ok(())
}
