//! `herken schema`: JSON Schema (2020-12) of a rule set's cases, or (draft-07, what YAML
//! language servers read best) of the rule-set file format itself, for editors.

use std::io::Write;
use std::path::PathBuf;

use crate::error::CliError;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folder, bundle file (`*.bundle.json`) or bundled id.
    #[arg(default_value = DEFAULT_RULES)]
    rules: String,
    /// Language of titles and descriptions.
    #[arg(long, default_value = "en")]
    lang: String,
    /// Where to write it (standard output when left out).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Instead: the schema of the rule-set file format (`ruleset.yaml`), for editors.
    #[arg(long, conflicts_with = "tests_format")]
    ruleset_format: bool,
    /// Instead: the schema of a rule set's test files (`tests/*.yaml`), for editors.
    #[arg(long)]
    tests_format: bool,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

/// The JSON Schema of `ruleset.yaml` (its text is `rules/ruleset.schema.json`).
pub const RULESET_FORMAT: &str = include_str!("../../../rules/ruleset.schema.json");
/// The JSON Schema of test files (`rules/tests.schema.json`).
pub const TESTS_FORMAT: &str = include_str!("../../../rules/tests.schema.json");

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let json = if args.ruleset_format {
        RULESET_FORMAT.to_owned()
    } else if args.tests_format {
        TESTS_FORMAT.to_owned()
    } else {
        let files = ruleset::find(&args.rules, &args.trust.policy()?)?;
        let rules = ruleset::compile(&files, err)?;
        super::check_language(&rules, &args.lang)?;
        serde_json::to_string_pretty(&rules.json_schema(&args.lang)).unwrap_or_default()
            + "
"
    };
    match &args.output {
        None => out.write_all(json.as_bytes())?,
        Some(path) => std::fs::write(path, json)
            .map_err(|e| CliError::io(format_args!("cannot write `{}`", path.display()), &e))?,
    }
    Ok(())
}
