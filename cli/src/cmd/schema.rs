//! `herken schema`: JSON Schema (2020-12) of a rule set's cases.

use std::io::Write;
use std::path::PathBuf;

use crate::error::CliError;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folder or bundled id.
    #[arg(default_value = DEFAULT_RULES)]
    rules: String,
    /// Language of titles and descriptions.
    #[arg(long, default_value = "en")]
    lang: String,
    /// Where to write it (standard output when left out).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let files = ruleset::find(&args.rules)?;
    let rules = ruleset::compile(&files, err)?;
    super::check_language(&rules, &args.lang)?;
    let json =
        serde_json::to_string_pretty(&rules.json_schema(&args.lang)).unwrap_or_default() + "\n";
    match &args.output {
        None => out.write_all(json.as_bytes())?,
        Some(path) => std::fs::write(path, json)
            .map_err(|e| CliError::input(format!("cannot write `{}`: {e}", path.display())))?,
    }
    Ok(())
}
